package maelstrom

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/faultline/faultline/ledger/replica"
)

// Server is one Maelstrom node running a replica. It reads Maelstrom
// messages from stdin itself (see Run) and hands every one that needs the
// replica to one event loop goroutine, in arrival order: the replica is a
// single-threaded event-driven core, and timers fire on other goroutines.
type Server struct {
	in      io.Reader
	wire    *wire
	events  chan func()
	start   time.Time
	lineMax int
	dataDir string
	tune    func(*replica.Config)
	routes  map[string]func(inbound)

	// Owned by the event loop.
	r      *replica.Replica
	self   replica.NodeID
	name   string // this node's Maelstrom ID, once initialized
	pool   *sessionPool
	local  []func() // work the event loop queued for itself, run after the current event
	ids    []string
	rng    *rand.Rand
	disk   replica.Disk
	timers map[replica.TimerID]*time.Timer
	nextID replica.TimerID
}

// Options adjust a Server.
type Options struct {
	// Tune, if set, adjusts the replica's config.
	Tune func(*replica.Config)
	// DataDir, if set, keeps the replica's WAL and snapshots in files
	// under DataDir/<node_id> (see OpenDataDir), so that a node killed and restarted on the same
	// directory recovers what it acknowledged. Empty keeps them in memory:
	// a restarted node comes back blank.
	DataDir string
	// Stdin and Stdout default to the process's.
	Stdin  io.Reader
	Stdout io.Writer
}

// NewServer builds a server; Run serves.
func NewServer(opts Options) *Server {
	if opts.Stdin == nil {
		opts.Stdin = os.Stdin
	}
	if opts.Stdout == nil {
		opts.Stdout = os.Stdout
	}
	cfg := replica.DefaultConfig()
	if opts.Tune != nil {
		opts.Tune(&cfg)
	}
	s := &Server{in: opts.Stdin, wire: newWire(opts.Stdout), events: make(chan func(), 1024), start: time.Now(),
		lineMax: lineBytesMax(cfg), dataDir: opts.DataDir, tune: opts.Tune,
		timers: make(map[replica.TimerID]*time.Timer)}
	s.routes = map[string]func(inbound){"init": s.handleInit, "raft": s.handleRaft}
	for _, op := range []string{"read", "write", "cas"} {
		s.routes[op] = s.handleKV
	}
	for _, op := range []string{"create_accounts", "create_transfers", "lookup_accounts", "lookup_transfers"} {
		s.routes[op] = s.handleLedger
	}
	go s.loop()
	return s
}

// Run serves until stdin closes. It reads lines of any length up to the
// largest message a node sends (lineBytesMax); nothing a peer or client
// sends stops it: a line it cannot read as a message is logged, a request
// it cannot serve is answered with an error.
func (s *Server) Run() error {
	r := bufio.NewReaderSize(s.in, 64<<10)
	for {
		line, n, oversized, err := readLine(r, s.lineMax)
		switch {
		case oversized:
			s.logf("skipped a line of %d bytes: over the %d-byte cap", n, s.lineMax)
		case len(bytes.TrimSpace(line)) > 0:
			s.dispatch(bytes.TrimSpace(line))
		}
		if errors.Is(err, io.EOF) {
			s.sync()
			return nil
		}
		if err != nil {
			return fmt.Errorf("read stdin: %w", err)
		}
	}
}

// dispatch routes one message, or answers why it cannot.
func (s *Server) dispatch(line []byte) {
	in, code, text, ok := parseInbound(line)
	switch {
	case !ok:
		s.logf("dropped %s: %.200s", text, line)
	case code != 0:
		s.replyTo(in, errorBody(code, text))
	case in.typ == "reply" || in.typ == "error":
		s.logf("ignored a %s from %s: this node sends no requests", in.typ, in.msg.Src)
	case s.routes[in.typ] == nil:
		s.replyTo(in, errorBody(CodeNotSupported, fmt.Sprintf("unsupported message type %q", in.typ)))
	default:
		s.routes[in.typ](in)
	}
}

// replyTo answers in; a node whose stdout is gone has no one to tell.
func (s *Server) replyTo(in inbound, body any) {
	if err := s.wire.reply(in, body); err != nil {
		s.logf("reply: %v", err)
	}
}

// sync waits until the event loop has run everything queued before it.
func (s *Server) sync() {
	done := make(chan struct{})
	s.do(func() { close(done) })
	<-done
}

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
	_ = s.wire.send(s.name, s.ids[to], raftBody{Type: "raft", Data: data}) // encoded before it returns
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

// initBody is Maelstrom's init message.
type initBody struct {
	NodeID  string   `json:"node_id"`
	NodeIDs []string `json:"node_ids"`
}

func (s *Server) handleInit(in inbound) {
	var body initBody
	if err := json.Unmarshal(in.msg.Body, &body); err != nil {
		s.replyTo(in, errorBody(CodeMalformedRequest, fmt.Sprintf("init: %v", err)))
		return
	}
	if text := checkInit(body); text != "" {
		s.replyTo(in, errorBody(CodeMalformedRequest, "init: "+text))
		return
	}
	s.do(func() {
		code, err := s.initialize(slices.Clone(body.NodeIDs), body.NodeID)
		if err != nil {
			s.logf("init: %v", err)
			s.replyTo(in, errorBody(code, fmt.Sprintf("init: %v", err)))
			return
		}
		s.replyTo(in, map[string]any{"type": "init_ok"})
	})
}

// checkInit names what is wrong with an init message, if anything.
func checkInit(b initBody) string {
	switch {
	case b.NodeID == "":
		return "node_id is missing"
	case len(b.NodeIDs) == 0 || len(b.NodeIDs) > 15:
		return fmt.Sprintf("node_ids must name 1 to 15 nodes, got %d", len(b.NodeIDs))
	case !slices.Contains(b.NodeIDs, b.NodeID):
		return fmt.Sprintf("node_id %q is not one of node_ids %v", b.NodeID, b.NodeIDs)
	}
	for i, id := range b.NodeIDs {
		if slices.Contains(b.NodeIDs[:i], id) {
			return fmt.Sprintf("node_ids name %q twice", id)
		}
	}
	return ""
}

// initialize starts the replica as node self of ids, on its storage. A
// second init for the same cluster is answered again; one for another is
// refused. It returns the Maelstrom error code that goes with an error.
func (s *Server) initialize(ids []string, self string) (int, error) {
	if s.name != "" {
		if self == s.name && slices.Equal(ids, s.ids) {
			return 0, nil
		}
		return CodeMalformedRequest, fmt.Errorf("already initialized as %s of %v", s.name, s.ids)
	}
	disk, err := s.openStorage(ids, self)
	if err != nil {
		return CodeCrash, err
	}
	s.disk = disk
	if err := s.startReplica(ids, self); err != nil {
		return CodeCrash, err
	}
	return 0, nil
}

// openStorage returns the replica's disk: files in the data directory, or
// memory when there is none.
func (s *Server) openStorage(ids []string, self string) (replica.Disk, error) {
	if s.dataDir == "" {
		return NewMemDisk(), nil
	}
	if err := checkName(self); err != nil {
		return nil, fmt.Errorf("node_id %q cannot name a directory", self)
	}
	// One directory per node under the data directory: Maelstrom starts
	// every node with the same arguments, and the node learns its ID here.
	return OpenDataDir(filepath.Join(s.dataDir, self), self, ids)
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
	configureStorage(&cfg, s.dataDir == "")
	if s.tune != nil {
		s.tune(&cfg)
	}
	r, err := replica.New(cfg)
	if err != nil {
		return fmt.Errorf("node %s: %w", self, err)
	}
	s.r, s.self, s.name = r, cfg.ID, self
	s.pool = &sessionPool{s: s}
	r.Start(serverEnv{s})
	return nil
}

// configureStorage is the one place that sets what the replica must know
// about how long its storage lives. With a data directory (volatile
// false) the WAL and snapshots survive a kill and the replica recovers
// them. Without one, a restarted node comes back blank, having perhaps
// voted and acknowledged entries in its earlier life.
//
// HOOK(issue 20): ledger/replica is gaining a Config option for a blank,
// volatile replica that abstains from voting (and counting toward a
// quorum) until a leader has caught it up. Set it here when volatile is
// true, once it lands; until then a volatile node that is killed and
// restarted can, in principle, vote twice in a term (hence the warning
// the binary prints without --data-dir).
func configureStorage(cfg *replica.Config, volatile bool) {
	if !volatile {
		return
	}
	// Every start may be a restart that forgot its votes and acks: abstain
	// until a leader has caught this replica up. Peers are the indices of
	// init's node_ids, the same list on every node, so all agree that the
	// first is the bootstrap replica, which alone may win term 1, and only
	// with every replica blank.
	cfg.AbstainUntilCaughtUp = true
	cfg.BootstrapLowestID = true
}

// raftBody carries a consensus message between nodes.
type raftBody struct {
	Type string `json:"type"`
	Data []byte `json:"data"`
}

func (s *Server) handleRaft(in inbound) {
	var body raftBody
	if err := json.Unmarshal(in.msg.Body, &body); err != nil {
		s.logf("dropped a garbled raft message from %s: %v", in.msg.Src, err) // as if lost
		return
	}
	s.do(func() {
		if from := slices.Index(s.ids, in.msg.Src); from >= 0 {
			s.deliver(replica.NodeID(from), body.Data)
		}
	})
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
