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
	node.Handle("forward", s.handleForward)
	go s.loop()
	return s
}

// Run serves until stdin closes.
func (s *Server) Run() error { return s.node.Run() }

func (s *Server) loop() {
	for fn := range s.events {
		fn()
	}
}

// do runs fn on the event loop.
func (s *Server) do(fn func()) { s.events <- fn }

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
	s.r = r
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
	s.do(func() {
		if s.r != nil {
			s.r.Receive(replica.NodeID(from), body.Data)
		}
	})
	return nil
}

// serverEnv is the replica's environment under Maelstrom: real clocks, Go
// timers delivered through the event loop, and Maelstrom messages.
type serverEnv struct{ s *Server }

func (e serverEnv) WallTime() int64          { return time.Now().UnixNano() }
func (e serverEnv) Monotonic() time.Duration { return time.Since(e.s.start) }
func (e serverEnv) Disk() replica.Disk       { return e.s.disk }
func (e serverEnv) Rand() *rand.Rand         { return e.s.rng }
func (e serverEnv) Record(note string)       { fmt.Fprintf(os.Stderr, "replica: %s\n", note) }

func (e serverEnv) Send(to replica.NodeID, msg []byte) {
	if int(to) < 0 || int(to) >= len(e.s.ids) {
		return
	}
	_ = e.s.node.Send(e.s.ids[to], raftBody{Type: "raft", Data: slices.Clone(msg)})
}

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
