package replica

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/faultline/faultline/sim"
)

// testEnv is a hand-driven environment for unit tests of the replica's
// rules: the test decides what arrives when, and reads what was sent.
type testEnv struct {
	wall   int64
	mono   time.Duration
	disk   *sim.Disk
	rng    *rand.Rand
	sent   []sentMessage
	notes  []string
	timers int
}

type sentMessage struct {
	to   NodeID
	msg  Message
	wire []byte // the bytes sent
}

func newTestEnv(t *testing.T) *testEnv {
	t.Helper()
	s, err := sim.New(sim.Config{Nodes: []sim.NodeSpec{{Name: "disk", New: func() sim.Node { return idleNode{} }}}})
	if err != nil {
		t.Fatal(err)
	}
	return &testEnv{wall: sim.WallEpoch, disk: s.Disk(0), rng: rand.New(rand.NewPCG(1, 2))}
}

type idleNode struct{}

func (idleNode) Start(*sim.Env)             {}
func (idleNode) Receive(sim.NodeID, []byte) {}
func (idleNode) Timer(uint64)               {}

func (e *testEnv) WallTime() int64                        { return e.wall }
func (e *testEnv) Monotonic() time.Duration               { return e.mono }
func (e *testEnv) SetTimer(time.Duration, uint64) TimerID { e.timers++; return TimerID(e.timers) }
func (e *testEnv) CancelTimer(TimerID) bool               { return true }
func (e *testEnv) Disk() Disk                             { return e.disk }
func (e *testEnv) Rand() *rand.Rand                       { return e.rng }
func (e *testEnv) Record(note string)                     { e.notes = append(e.notes, note) }
func (e *testEnv) Send(to NodeID, b []byte) {
	m, err := DecodeMessage(b)
	if err != nil {
		panic(err)
	}
	e.sent = append(e.sent, sentMessage{to: to, msg: m, wire: append([]byte(nil), b...)})
}

// take returns and forgets what was sent.
func (e *testEnv) take() []sentMessage {
	out := e.sent
	e.sent = nil
	return out
}

// nopMachine is a state machine that remembers nothing.
type nopMachine struct{}

func (nopMachine) Apply([]byte, int64) []byte { return nil }
func (nopMachine) Snapshot() []byte           { return nil }
func (nopMachine) Restore([]byte) error       { return nil }

func newTestReplica(t *testing.T, id NodeID, peers int) (*Replica, *testEnv) {
	t.Helper()
	cfg := DefaultConfig()
	cfg.ID = id
	for i := range peers {
		cfg.Peers = append(cfg.Peers, NodeID(i))
	}
	cfg.NewStateMachine = func() StateMachine { return nopMachine{} }
	r, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	env := newTestEnv(t)
	r.Start(env)
	return r, env
}

// deliver hands r one message from a peer, through the wire format.
func deliver(r *Replica, from NodeID, m Message) {
	r.Receive(from, EncodeMessage(&m))
}
