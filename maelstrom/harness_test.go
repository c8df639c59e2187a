package maelstrom_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// network plays Maelstrom's part, from its documented protocol
// (doc/protocol.md): it runs ledger-node processes, sends them init, routes
// every message between them through itself (so it can cut routes to make
// partitions), and carries client requests and replies.
type network struct {
	t     *testing.T
	start time.Time
	ids   []string

	mu      sync.Mutex
	procs   map[string]*process
	cut     map[[2]string]bool
	waiting map[int]chan map[string]any // client msg_id -> reply
	nextID  int
	wg      sync.WaitGroup
}

type process struct {
	cmd   *exec.Cmd
	mu    sync.Mutex
	stdin io.WriteCloser
	dead  bool
}

// envelope is a Maelstrom message on the wire.
type envelope struct {
	Src  string          `json:"src"`
	Dest string          `json:"dest"`
	Body json.RawMessage `json:"body"`
}

func buildNode(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "ledger-node")
	out, err := exec.Command("go", "build", "-o", bin, "github.com/faultline/faultline/cmd/ledger-node").CombinedOutput()
	if err != nil {
		t.Fatalf("build ledger-node: %v\n%s", err, out)
	}
	return bin
}

func startNetwork(t *testing.T, bin string, n int) *network {
	nw := &network{t: t, start: time.Now(), procs: map[string]*process{}, cut: map[[2]string]bool{},
		waiting: map[int]chan map[string]any{}}
	for i := range n {
		nw.ids = append(nw.ids, fmt.Sprintf("n%d", i+1))
	}
	for _, id := range nw.ids {
		cmd := exec.Command(bin)
		stdin, _ := cmd.StdinPipe()
		stdout, _ := cmd.StdoutPipe()
		cmd.Stderr = io.Discard
		if os.Getenv("FAULTLINE_NODE_LOGS") != "" {
			cmd.Stderr = os.Stderr
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		nw.procs[id] = &process{cmd: cmd, stdin: stdin}
		nw.wg.Add(1)
		go nw.route(stdout)
	}
	t.Cleanup(nw.stop)
	for _, id := range nw.ids {
		reply := nw.call(id, map[string]any{"type": "init", "node_id": id, "node_ids": nw.ids}, 5*time.Second)
		if reply == nil || reply["type"] != "init_ok" {
			t.Fatalf("%s answered init with %v", id, reply)
		}
	}
	return nw
}

// route reads one node's output and forwards each message.
func (nw *network) route(stdout io.Reader) {
	defer nw.wg.Done()
	sc := bufio.NewScanner(stdout)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var env envelope
		if err := json.Unmarshal(sc.Bytes(), &env); err != nil {
			nw.t.Errorf("a node wrote a line that is not a Maelstrom message: %q", sc.Text())
			continue
		}
		if strings.HasPrefix(env.Dest, "c") {
			nw.deliverToClient(env)
			continue
		}
		nw.mu.Lock()
		blocked := nw.cut[[2]string{env.Src, env.Dest}]
		dest := nw.procs[env.Dest]
		nw.mu.Unlock()
		if !blocked && dest != nil {
			dest.write(append(append([]byte(nil), sc.Bytes()...), '\n'))
		}
	}
}

func (p *process) write(line []byte) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.dead {
		_, _ = p.stdin.Write(line)
	}
}

func (nw *network) deliverToClient(env envelope) {
	var body map[string]any
	if json.Unmarshal(env.Body, &body) != nil {
		return
	}
	id, _ := body["in_reply_to"].(float64)
	nw.mu.Lock()
	ch := nw.waiting[int(id)]
	delete(nw.waiting, int(id))
	nw.mu.Unlock()
	if ch != nil {
		ch <- body
	}
}

// call sends a client request to node and waits for the reply, or nil after
// timeout.
func (nw *network) call(node string, body map[string]any, timeout time.Duration) map[string]any {
	nw.mu.Lock()
	nw.nextID++
	id := nw.nextID
	ch := make(chan map[string]any, 1)
	nw.waiting[id] = ch
	p := nw.procs[node]
	nw.mu.Unlock()
	body["msg_id"] = id
	raw, _ := json.Marshal(body)
	line, _ := json.Marshal(envelope{Src: "c1", Dest: node, Body: raw})
	p.write(append(line, '\n'))
	select {
	case reply := <-ch:
		return reply
	case <-time.After(timeout):
		nw.mu.Lock()
		delete(nw.waiting, id)
		nw.mu.Unlock()
		return nil
	}
}

// partition cuts every route between the groups, both ways.
func (nw *network) partition(a, b []string) {
	nw.mu.Lock()
	defer nw.mu.Unlock()
	for _, x := range a {
		for _, y := range b {
			nw.cut[[2]string{x, y}], nw.cut[[2]string{y, x}] = true, true
		}
	}
}

func (nw *network) heal() {
	nw.mu.Lock()
	defer nw.mu.Unlock()
	clear(nw.cut)
}

// kill stops a node's process for good, as Maelstrom's kill nemesis does.
func (nw *network) kill(id string) {
	p := nw.procs[id]
	p.mu.Lock()
	p.dead = true
	p.mu.Unlock()
	_ = p.cmd.Process.Kill()
}

func (nw *network) stop() {
	for _, id := range nw.ids {
		p := nw.procs[id]
		p.mu.Lock()
		if !p.dead {
			p.dead = true
			_ = p.stdin.Close()
		}
		p.mu.Unlock()
		_ = p.cmd.Wait()
	}
	nw.wg.Wait()
}

func (nw *network) now() int64 { return time.Since(nw.start).Nanoseconds() }
