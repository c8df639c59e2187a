package replica

import (
	"strconv"
	"testing"
)

// echoMachine replies with the command and the timestamp; it appends its
// result when asked (ResultAppender), as the ledger does.
type echoMachine struct{}

func (echoMachine) Apply(cmd []byte, ts int64) []byte { return echoMachine{}.ApplyAppend(nil, cmd, ts) }
func (echoMachine) ApplyAppend(dst, cmd []byte, ts int64) []byte {
	return strconv.AppendInt(append(dst, cmd...), ts, 10)
}
func (echoMachine) Snapshot() []byte     { return nil }
func (echoMachine) Restore([]byte) error { return nil }

// A session writes each result over its client's previous one: the
// answers stay right (a retry gets the latest result), and applying a new
// request allocates nothing once the buffer has grown.
func TestSessionReusesItsResultBuffer(t *testing.T) {
	table := newSessionTable(8)
	sm := echoMachine{}
	table.apply(&Request{ClientID: 5}, 1, 0, sm) // registers the session
	status, first := table.apply(&Request{ClientID: 5, Seq: 1, Command: []byte("credit-")}, 2, 42, sm)
	if status != StatusOK || string(first) != "credit-42" {
		t.Fatalf("first request: %v %q", status, first)
	}
	seq, req := uint64(1), &Request{ClientID: 5, Command: []byte("debit-")}
	allocs := testing.AllocsPerRun(100, func() {
		seq++
		req.Seq = seq
		table.apply(req, seq+1, 7, sm)
	})
	if allocs != 0 {
		t.Fatalf("a request allocated %.1f times, want 0", allocs)
	}
	status, retry := table.apply(&Request{ClientID: 5, Seq: seq, Command: []byte("ignored")}, seq+2, 9, sm)
	if status != StatusOK || string(retry) != "debit-7" {
		t.Fatalf("retry of the latest request: %v %q, want the original result", status, retry)
	}
}
