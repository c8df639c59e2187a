package maelstrom_test

import (
	"bufio"
	"bytes"
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

	"github.com/faultline/faultline/ledger/replica"
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

	bin     string
	args    func(id string) []string // each node's command-line arguments
	traffic map[string]*traffic      // by destination node
	// watch, if set before traffic flows, sees every consensus message a
	// node sends, delivered or cut, as it leaves that node.
	watch func(src, dest string, m replica.Message)
}

// traffic is what the router saw go to one node: the longest line, and the
// snapshot messages of the consensus protocol.
type traffic struct {
	lineBytesMax  int
	snapshots     int // snapshot chunks
	snapshotBytes int // the lines that carried them
	// snapshotSizeMax is the size of the largest snapshot whose last chunk
	// went by: a snapshot the destination had every byte of.
	snapshotSizeMax uint64
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
	return startNetworkWith(t, bin, n, func(string) []string { return nil })
}

// startNetworkWith starts n nodes, each with the arguments args gives it.
func startNetworkWith(t *testing.T, bin string, n int, args func(id string) []string) *network {
	return startWatchedNetwork(t, bin, n, args, nil)
}

// startWatchedNetwork starts n nodes as startNetworkWith does, with watch
// seeing every consensus message from the first (see network.watch).
func startWatchedNetwork(t *testing.T, bin string, n int, args func(id string) []string, watch func(src, dest string, m replica.Message)) *network {
	nw := &network{t: t, start: time.Now(), procs: map[string]*process{}, cut: map[[2]string]bool{},
		waiting: map[int]chan map[string]any{}, bin: bin, args: args, traffic: map[string]*traffic{}, watch: watch}
	for i := range n {
		nw.ids = append(nw.ids, fmt.Sprintf("n%d", i+1))
		nw.traffic[nw.ids[i]] = &traffic{}
	}
	for _, id := range nw.ids {
		nw.spawn(id)
	}
	t.Cleanup(nw.stop)
	for _, id := range nw.ids {
		nw.init(id)
	}
	return nw
}

// spawn starts node id's process and routes its output.
func (nw *network) spawn(id string) {
	cmd := exec.Command(nw.bin, nw.args(id)...)
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = io.Discard
	if os.Getenv("FAULTLINE_NODE_LOGS") != "" {
		cmd.Stderr = os.Stderr
	}
	if err := cmd.Start(); err != nil {
		nw.t.Fatal(err)
	}
	nw.mu.Lock()
	nw.procs[id] = &process{cmd: cmd, stdin: stdin}
	nw.mu.Unlock()
	nw.wg.Add(1)
	go nw.route(stdout)
}

func (nw *network) init(id string) {
	reply := nw.call(id, map[string]any{"type": "init", "node_id": id, "node_ids": nw.ids}, 5*time.Second)
	if reply == nil || reply["type"] != "init_ok" {
		nw.t.Fatalf("%s answered init with %v", id, reply)
	}
}

// restart starts a killed node again, with the same arguments (its data
// directory, if it has one), and initializes it as Maelstrom would.
func (nw *network) restart(id string) {
	nw.spawn(id)
	nw.init(id)
}

// seen returns a copy of what the router saw go to node id.
func (nw *network) seen(id string) traffic {
	nw.mu.Lock()
	defer nw.mu.Unlock()
	return *nw.traffic[id]
}

// count records a line routed to dest: its size, and whether it carries a
// snapshot chunk (raft lines only are decoded).
func (nw *network) count(dest string, line []byte, body json.RawMessage) {
	snapshot, completed := false, uint64(0)
	if bytes.Contains(line[:min(len(line), 200)], []byte(`"raft"`)) {
		var raft struct {
			Type string `json:"type"`
			Data []byte `json:"data"`
		}
		if json.Unmarshal(body, &raft) == nil && raft.Type == "raft" {
			m, err := replica.DecodeMessage(raft.Data)
			snapshot = err == nil && m.Kind == replica.MsgSnapshot
			if snapshot && m.Offset+uint64(len(m.SnapshotData)) == m.SnapshotSize {
				completed = m.SnapshotSize
			}
		}
	}
	nw.mu.Lock()
	defer nw.mu.Unlock()
	tr := nw.traffic[dest]
	if tr == nil {
		return
	}
	tr.lineBytesMax = max(tr.lineBytesMax, len(line))
	if snapshot {
		tr.snapshots++
		tr.snapshotBytes += len(line)
		tr.snapshotSizeMax = max(tr.snapshotSizeMax, completed)
	}
}

// route reads one node's output and forwards each message. A last line
// without its newline is what a node killed mid-write (kill -9) leaves:
// it is dropped, as the network would lose it; any other line that is not
// a Maelstrom message fails the test.
func (nw *network) route(stdout io.Reader) {
	defer nw.wg.Done()
	rd := bufio.NewReaderSize(stdout, 1<<20)
	for {
		line, err := rd.ReadBytes('\n')
		if err != nil {
			if len(line) > 0 {
				nw.t.Logf("dropped a %d-byte line cut short by the node's death", len(line))
			}
			return
		}
		line = line[:len(line)-1]
		var env envelope
		if err := json.Unmarshal(line, &env); err != nil {
			nw.t.Errorf("a node wrote a line that is not a Maelstrom message (%v; %d bytes, ending %q)", err, len(line), line[max(len(line)-200, 0):])
			continue
		}
		if strings.HasPrefix(env.Dest, "c") {
			nw.deliverToClient(env)
			continue
		}
		nw.watchRaft(env)
		nw.mu.Lock()
		blocked := nw.cut[[2]string{env.Src, env.Dest}]
		dest := nw.procs[env.Dest]
		nw.mu.Unlock()
		if !blocked && dest != nil {
			nw.count(env.Dest, line, env.Body)
			dest.write(append(line, '\n'))
		}
	}
}

// watchRaft shows a consensus message to nw.watch.
func (nw *network) watchRaft(env envelope) {
	if nw.watch == nil {
		return
	}
	var raft struct {
		Type string `json:"type"`
		Data []byte `json:"data"`
	}
	if json.Unmarshal(env.Body, &raft) != nil || raft.Type != "raft" {
		return
	}
	if m, err := replica.DecodeMessage(raft.Data); err == nil {
		nw.watch(env.Src, env.Dest, m)
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

// kill stops a node's process with SIGKILL (kill -9), as Maelstrom's
// kill nemesis does: nothing it has not written to its files survives.
func (nw *network) kill(id string) {
	nw.mu.Lock()
	p := nw.procs[id]
	nw.mu.Unlock()
	p.mu.Lock()
	p.dead = true
	p.mu.Unlock()
	_ = p.cmd.Process.Kill()
	_ = p.cmd.Wait()
}

func (nw *network) stop() {
	for _, id := range nw.ids {
		nw.mu.Lock()
		p := nw.procs[id]
		nw.mu.Unlock()
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
