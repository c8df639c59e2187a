package maelstrom

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"os"
	"slices"
	"time"

	mnode "github.com/jepsen-io/maelstrom/demo/go"

	"github.com/faultline/faultline/ledger/replica"
)

// Server is one Maelstrom node running a replica. The replica is a
// single-threaded event-driven core; the Maelstrom library calls handlers
// on many goroutines, so every call into the replica goes through one event
// loop goroutine, in arrival order.
type Server struct {
	node   *mnode.Node
	events chan func()
	start  time.Time

	// Owned by the event loop.
	r      *replica.Replica
	self   replica.NodeID
	pool   *sessionPool
	local  []func() // work the event loop queued for itself, run after the current event
	ids    []string
	rng    *rand.Rand
	disk   *MemDisk
	timers map[replica.TimerID]*time.Timer
	nextID replica.TimerID
	tune   func(*replica.Config)
}

// Options adjust a Server.
type Options struct {
	// Tune, if set, adjusts the replica's config.
	Tune func(*replica.Config)
}

// NewServer builds a server on node.
func NewServer(node *mnode.Node, opts Options) *Server {
	s := &Server{node: node, events: make(chan func(), 1024), start: time.Now(),
		disk: NewMemDisk(), timers: make(map[replica.TimerID]*time.Timer), tune: opts.Tune}
	node.Handle("init", s.handleInit)
	node.Handle("raft", s.handleRaft)
	for _, op := range []string{"read", "write", "cas"} {
		node.Handle(op, s.handleKV)
	}
	for _, op := range []string{"create_accounts", "create_transfers", "lookup_accounts", "lookup_transfers"} {
		node.Handle(op, s.handleLedger)
	}
	go s.loop()
	return s
}

// Run serves until stdin closes.
func (s *Server) Run() error { return s.node.Run() }

func (s *Server) loop() {
	for fn := range s.events {
		fn()
		for len(s.local) > 0 {
			next := s.local[0]
			s.local = s.local[1:]
			next()
		}
	}
}

// do runs fn on the event loop. Only other goroutines may call it: the
// loop itself queues with later, never blocking on its own channel.
func (s *Server) do(fn func()) { s.events <- fn }

// later runs fn on the event loop after the current event; loop only.
func (s *Server) later(fn func()) { s.local = append(s.local, fn) }

// now is the node's monotonic clock, for the replica and the sessions.
func (s *Server) now() time.Duration { return time.Since(s.start) }

// logf writes a diagnostic line to stderr (Maelstrom keeps it per node).
func (s *Server) logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
}

// sendToReplica sends a replica-protocol message to replica to: over
// Maelstrom to a peer, or, for this node's own replica (a session's request
// to it, or its reply to one of this node's sessions), through the loop.
func (s *Server) sendToReplica(to replica.NodeID, data []byte) {
	if to == s.self {
		data = slices.Clone(data)
		s.later(func() { s.deliver(to, data) })
		return
	}
	if int(to) < 0 || int(to) >= len(s.ids) {
		return
	}
	_ = s.node.Send(s.ids[to], raftBody{Type: "raft", Data: slices.Clone(data)})
}

// deliver hands a replica-protocol message from replica from to whoever
// takes it: a client reply to this node's sessions, anything else to the
// replica. Runs on the event loop.
func (s *Server) deliver(from replica.NodeID, data []byte) {
	m, err := replica.DecodeMessage(data)
	if err == nil && m.Kind == replica.MsgClientReply {
		if s.pool != nil {
			s.pool.receive(from, data, &m.Reply)
		}
		return
	}
	if s.r != nil {
		s.r.Receive(from, data) // it counts and drops what does not decode
	}
}

func (s *Server) handleInit(mnode.Message) error {
	ids := slices.Clone(s.node.NodeIDs())
	self := s.node.ID()
	done := make(chan error, 1)
	s.do(func() { done <- s.startReplica(ids, self) })
	return <-done
}

func (s *Server) startReplica(ids []string, self string) error {
	s.ids = ids
	h := fnv.New64a()
	h.Write([]byte(self))
	s.rng = rand.New(rand.NewPCG(h.Sum64(), uint64(time.Now().UnixNano())))
	cfg := replica.DefaultConfig()
	for i := range ids {
		cfg.Peers = append(cfg.Peers, replica.NodeID(i))
	}
	cfg.ID = replica.NodeID(slices.Index(ids, self))
	cfg.NewStateMachine = func() replica.StateMachine { return NewMachine() }
	if s.tune != nil {
		s.tune(&cfg)
	}
	r, err := replica.New(cfg)
	if err != nil {
		return fmt.Errorf("node %s: %w", self, err)
	}
	s.r, s.self = r, cfg.ID
	s.pool = &sessionPool{s: s}
	r.Start(serverEnv{s})
	return nil
}

// raftBody carries a consensus message between nodes.
type raftBody struct {
	Type string `json:"type"`
	Data []byte `json:"data"`
}

func (s *Server) handleRaft(msg mnode.Message) error {
	var body raftBody
	if err := json.Unmarshal(msg.Body, &body); err != nil {
		return nil // a garbled peer message is dropped, like a lost one
	}
	from := slices.Index(s.node.NodeIDs(), msg.Src)
	if from < 0 {
		return nil
	}
	s.do(func() { s.deliver(replica.NodeID(from), body.Data) })
	return nil
}

// serverEnv is the replica's environment under Maelstrom: real clocks, Go
// timers delivered through the event loop, and Maelstrom messages.
type serverEnv struct{ s *Server }

func (e serverEnv) WallTime() int64          { return time.Now().UnixNano() }
func (e serverEnv) Monotonic() time.Duration { return e.s.now() }
func (e serverEnv) Disk() replica.Disk       { return e.s.disk }
func (e serverEnv) Rand() *rand.Rand         { return e.s.rng }
func (e serverEnv) Record(note string)       { fmt.Fprintf(os.Stderr, "replica: %s\n", note) }

func (e serverEnv) Send(to replica.NodeID, msg []byte) { e.s.sendToReplica(to, msg) }

func (e serverEnv) SetTimer(d time.Duration, tag uint64) replica.TimerID {
	s := e.s
	s.nextID++
	id := s.nextID
	s.timers[id] = time.AfterFunc(d, func() {
		s.do(func() {
			if _, live := s.timers[id]; live {
				delete(s.timers, id)
				s.r.Timer(tag)
			}
		})
	})
	return id
}

func (e serverEnv) CancelTimer(id replica.TimerID) bool {
	t, ok := e.s.timers[id]
	if ok {
		t.Stop()
		delete(e.s.timers, id)
	}
	return ok
}
