package maelstrom_test

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"

	"github.com/faultline/faultline/checkers"
	"github.com/faultline/faultline/mutants"
)

// TestLinKVUnderPartitionsAndKill runs three real ledger-node processes as
// Maelstrom would, drives lin-kv clients against them while the network is
// partitioned and healed and one node is killed, and checks the whole
// history with Porcupine.
func TestLinKVUnderPartitionsAndKill(t *testing.T) {
	duration := 10 * time.Second
	if testing.Short() {
		duration = 5 * time.Second
	}
	res, h := runLinKV(t, buildNode(t), duration, false)
	ok, unknown := h.counts()
	t.Logf("%d operations: %d ok, %d unknown", len(h.ops), ok, unknown)
	if ok < 50 {
		t.Fatalf("only %d operations succeeded", ok)
	}
	if res != porcupine.Ok {
		t.Fatalf("history is %s", res)
	}
}

// The checker is not a rubber stamp: a node built with the mutant
// maelstrom-local-reads (mutants/catalog), which answers reads from its
// local copy, serves stale reads during a partition, and the same test
// must catch it.
func TestLinKVCatchesStaleReads(t *testing.T) {
	root, err := mutants.FindRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "ledger-node-local-reads")
	if err := mutants.BuildBinary(context.Background(), root, t.TempDir(), "maelstrom-local-reads", "./cmd/ledger-node", bin); err != nil {
		t.Fatal(err)
	}
	res, _ := runLinKV(t, bin, 5*time.Second, true)
	if res != porcupine.Illegal {
		t.Fatalf("stale reads went unnoticed: verdict %s", res)
	}
}

// runLinKV runs the lin-kv workload against three nodes under the nemesis
// schedule and checks the history.
func runLinKV(t *testing.T, node string, duration time.Duration, expectIllegal bool) (porcupine.CheckResult, *history) {
	nw := startNetwork(t, node, 3)
	h := &history{}
	var wg sync.WaitGroup
	deadline := time.Now().Add(duration)
	for c := range 4 {
		wg.Go(func() { runClient(nw, h, c, deadline) })
	}
	time.Sleep(duration / 5)
	nw.partition([]string{"n1"}, []string{"n2", "n3"})
	h.annotate(nw, "partition n1 | n2 n3")
	time.Sleep(duration / 5)
	nw.heal()
	h.annotate(nw, "heal")
	time.Sleep(duration / 5)
	nw.partition([]string{"n3"}, []string{"n1", "n2"})
	h.annotate(nw, "partition n3 | n1 n2")
	time.Sleep(duration / 10)
	nw.heal()
	h.annotate(nw, "heal")
	time.Sleep(duration / 10)
	nw.kill("n2")
	h.annotate(nw, "kill n2")
	wg.Wait()

	res, info := porcupine.CheckOperationsVerbose(checkers.KVModel, h.ops, 30*time.Second)
	if res != porcupine.Ok && !expectIllegal {
		path := filepath.Join(t.TempDir(), "linkv.html")
		if dir := os.Getenv("FAULTLINE_ARTIFACTS"); dir != "" {
			path = filepath.Join(dir, "linkv.html")
		}
		info.AddAnnotations(h.annotations)
		if err := porcupine.VisualizePath(checkers.KVModel, info, path); err == nil {
			t.Logf("visualization: %s", path)
		}
	}
	return res, h
}

// history collects operations from concurrent clients.
type history struct {
	mu          sync.Mutex
	ops         []porcupine.Operation
	annotations []porcupine.Annotation
	clients     int
}

func (h *history) add(op porcupine.Operation) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.ops = append(h.ops, op)
}

// newClientID hands out Porcupine client IDs: a client whose operation
// never returned continues under a fresh ID, since its old one is still
// "busy" forever.
func (h *history) newClientID() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.clients++
	return h.clients - 1
}

func (h *history) annotate(nw *network, what string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.annotations = append(h.annotations, porcupine.Annotation{Tag: "nemesis", Start: nw.now(), Description: what})
}

func (h *history) counts() (ok, unknown int) {
	for _, op := range h.ops {
		if op.Output.(checkers.KVOutput).Unknown {
			unknown++
		} else {
			ok++
		}
	}
	return ok, unknown
}

func runClient(nw *network, h *history, c int, deadline time.Time) {
	rng := rand.New(rand.NewPCG(uint64(c), 7))
	client := h.newClientID()
	for time.Now().Before(deadline) {
		in := randomKVInput(rng)
		node := nw.ids[rng.IntN(len(nw.ids))]
		call := nw.now()
		reply := nw.call(node, requestBody(in), time.Second)
		out, definiteFailure := interpret(in, reply)
		if definiteFailure {
			continue // it did not happen: not part of the history
		}
		ret := nw.now()
		if out.Unknown {
			ret = math.MaxInt64
		}
		h.add(porcupine.Operation{ClientId: client, Input: in, Call: call, Output: out, Return: ret})
		if out.Unknown {
			client = h.newClientID()
		}
	}
}

func randomKVInput(rng *rand.Rand) checkers.KVInput {
	key := fmt.Sprint(rng.IntN(3))
	switch rng.IntN(3) {
	case 0:
		return checkers.KVInput{Op: "read", Key: key}
	case 1:
		return checkers.KVInput{Op: "write", Key: key, Value: rng.Int64N(5)}
	}
	return checkers.KVInput{Op: "cas", Key: key, From: rng.Int64N(5), To: rng.Int64N(5)}
}

func requestBody(in checkers.KVInput) map[string]any {
	body := map[string]any{"type": in.Op, "key": in.Key}
	switch in.Op {
	case "write":
		body["value"] = in.Value
	case "cas":
		body["from"], body["to"] = in.From, in.To
	}
	return body
}

// interpret maps a reply onto the model, by Maelstrom's error semantics:
// 11 (temporarily unavailable) is definite, so the operation is dropped;
// a timeout or an indefinite error (0, 13) is unknown.
func interpret(in checkers.KVInput, reply map[string]any) (checkers.KVOutput, bool) {
	if reply == nil {
		return checkers.KVOutput{Unknown: true}, false
	}
	switch reply["type"] {
	case "read_ok":
		v, _ := reply["value"].(float64)
		return checkers.KVOutput{Value: int64(v)}, false
	case "write_ok", "cas_ok":
		return checkers.KVOutput{}, false
	case "error":
		code, _ := reply["code"].(float64)
		switch int(code) {
		case 11:
			return checkers.KVOutput{}, true
		case 20:
			return checkers.KVOutput{Missing: true}, false
		case 22:
			return checkers.KVOutput{Failed: true}, false
		}
	}
	return checkers.KVOutput{Unknown: true}, false
}
