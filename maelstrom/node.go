package maelstrom

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/faultline/faultline/ledger/replica"
)

// Host is everything a Node needs from the world, and all it does to it:
// clocks, timers, randomness, the replica's storage, and the Maelstrom
// messages it sends. The process shell (Server) implements it with the
// real clock, Go timers and stdout; a simulator implements it with virtual
// time, its own timers, disks and network. The node calls it only from
// inside one of its own methods (Handle, Timer, Durable), on the caller's
// goroutine.
type Host interface {
	// WallTime returns the node's wall clock in Unix nanoseconds.
	WallTime() int64
	// Monotonic returns the node's monotonic clock.
	Monotonic() time.Duration
	// SetTimer arranges for the node's Timer method to be called with tag
	// after d of monotonic time, as an event of its own.
	SetTimer(d time.Duration, tag uint64) TimerID
	// CancelTimer stops a pending timer; it reports whether one was pending.
	CancelTimer(id TimerID) bool
	// Rand is the node's random stream.
	Rand() *rand.Rand
	// OpenDisk returns the replica's storage for node self of ids, once,
	// when the node is initialized. volatile says that it does not outlive
	// the node (see configureStorage).
	OpenDisk(self string, ids []string) (disk replica.Disk, volatile bool, err error)
	// Send emits one Maelstrom message: line is its JSON, without a
	// newline, addressed to dest. The callee may keep line.
	Send(dest string, line []byte)
	// Log writes a diagnostic note (Maelstrom keeps a node's stderr).
	Log(note string)
}

// RaftHost is a Host that wants to know, with each "raft" line it sends,
// the replica-protocol message the line carries (a simulator's observer
// reads it), without decoding the line again. data is line's payload,
// exactly; neither may be changed, and the callee may keep line but not
// data.
type RaftHost interface {
	Host
	SendRaft(dest string, line, data []byte)
}

// TimerID names a timer a Host set.
type TimerID uint64

// NodeOptions adjust a Node.
type NodeOptions struct {
	// Tune, if set, adjusts the replica's config last, after the node and
	// its storage have set theirs.
	Tune func(*replica.Config)
}

// Node is the deterministic core of a Maelstrom node: it takes one inbound
// Maelstrom message (Handle), timer (Timer) or storage completion
// (Durable) at a time, runs the replica and the node's client sessions,
// and acts only through its Host. It starts no goroutines and reads no
// clock of its own: under a simulator's Host, the same seed makes the same
// run.
type Node struct {
	host     Host
	raftHost RaftHost // host, if it is one
	tune     func(*replica.Config)
	routes   map[string]func(inbound)

	r      *replica.Replica
	self   replica.NodeID
	name   string // this node's Maelstrom ID, once initialized
	ids    []string
	pool   *sessionPool
	disk   replica.Disk
	local  []func() // work queued for after the current event
	timers map[uint64]nodeTimer
	tagMax uint64 // the last timer tag handed out

	raftScratch []byte // reused by handleRaft for a raft message's data
}

// nodeTimer is a pending timer: the Host's ID for it and what it does,
// which is either fire or, when fire is nil, the replica's timer
// replicaTag (the replica's timers are most of them: a closure for each
// would cost an allocation).
type nodeTimer struct {
	id         TimerID
	fire       func()
	replicaTag uint64
}

// NewNode returns an uninitialized node: it answers nothing but init until
// Maelstrom's init message names it.
func NewNode(host Host, opts NodeOptions) *Node {
	n := &Node{host: host, tune: opts.Tune, timers: make(map[uint64]nodeTimer)}
	n.raftHost, _ = host.(RaftHost)
	n.routes = map[string]func(inbound){"init": n.handleInit, "raft": n.handleRaft}
	for _, op := range []string{"read", "write", "cas"} {
		n.routes[op] = n.handleKV
	}
	for _, op := range []string{"create_accounts", "create_transfers", "lookup_accounts", "lookup_transfers"} {
		n.routes[op] = n.handleLedger
	}
	return n
}

// Name returns the node's Maelstrom ID, empty until it is initialized.
func (n *Node) Name() string { return n.name }

// Replica returns the node's replica, nil until it is initialized.
func (n *Node) Replica() *replica.Replica { return n.r }

// Handle serves one Maelstrom message (a line of JSON, without its
// newline); line is not kept. Nothing a peer or client sends stops the
// node: a line it cannot read as a message is logged, a request it cannot
// serve is answered with an error.
func (n *Node) Handle(line []byte) {
	n.dispatch(line)
	n.drain()
}

// Timer is the Host's call for a timer the node set with tag.
func (n *Node) Timer(tag uint64) {
	t, ok := n.timers[tag]
	if !ok {
		return // cancelled after it fired, before it was delivered
	}
	delete(n.timers, tag)
	if t.fire != nil {
		t.fire()
	} else {
		n.r.Timer(t.replicaTag) // set by the replica, which exists from then on
	}
	n.drain()
}

// Durable is the Host's call when the replica's writes through ticket are
// durable, or never will be (err); see replica.Disk's Barrier.
func (n *Node) Durable(ticket uint64, err error) {
	if n.r != nil {
		n.r.Durable(ticket, err)
	}
	n.drain()
}

// drain runs the work the node queued for itself during the current event.
func (n *Node) drain() {
	for len(n.local) > 0 {
		next := n.local[0]
		n.local = n.local[1:]
		next()
	}
}

// later runs fn after the current event.
func (n *Node) later(fn func()) { n.local = append(n.local, fn) }

// after runs fire after d, as an event of its own; it returns the tag that
// cancel takes.
func (n *Node) after(d time.Duration, fire func()) uint64 {
	return n.arm(d, nodeTimer{fire: fire})
}

// arm sets timer t to fire after d and returns its tag.
func (n *Node) arm(d time.Duration, t nodeTimer) uint64 {
	n.tagMax++
	tag := n.tagMax
	t.id = n.host.SetTimer(d, tag)
	n.timers[tag] = t
	return tag
}

// cancel stops the timer tag, if it is pending.
func (n *Node) cancel(tag uint64) bool {
	t, ok := n.timers[tag]
	if ok {
		n.host.CancelTimer(t.id)
		delete(n.timers, tag)
	}
	return ok
}

// now is the node's monotonic clock, for the replica and the sessions.
func (n *Node) now() time.Duration { return n.host.Monotonic() }

// logf writes a diagnostic note.
func (n *Node) logf(format string, args ...any) { n.host.Log(fmt.Sprintf(format, args...)) }

// dispatch routes one message, or answers why it cannot.
func (n *Node) dispatch(line []byte) {
	in, code, text, ok := parseInbound(line, n.ids)
	switch {
	case !ok:
		n.logf("dropped %s: %.200s", text, line)
	case code != 0:
		n.replyTo(in, errorBody(code, text))
	case in.typ == "reply" || in.typ == "error":
		n.logf("ignored a %s from %s: this node sends no requests", in.typ, in.msg.Src)
	case n.routes[in.typ] == nil:
		n.replyTo(in, errorBody(CodeNotSupported, fmt.Sprintf("unsupported message type %q", in.typ)))
	default:
		n.routes[in.typ](in)
	}
}

// send emits one message from src to dest; body must marshal to a JSON
// object.
func (n *Node) send(src, dest string, body any) {
	line, err := encodeMessage(src, dest, body)
	if err != nil {
		n.logf("%v", err)
		return
	}
	n.host.Send(dest, line)
}

// replyTo answers in with body, from whichever node it was addressed to.
// Every reply body the node builds is a map, so in_reply_to joins it.
func (n *Node) replyTo(in inbound, body any) {
	m, ok := body.(map[string]any)
	if !ok {
		n.logf("reply to %s: body %T is not a map", in.msg.Src, body)
		return
	}
	if in.msgID != nil {
		m["in_reply_to"] = in.msgID
	}
	n.send(in.msg.Dest, in.msg.Src, m)
}

// sendToReplica sends a replica-protocol message to replica to: over
// Maelstrom to a peer, or, for this node's own replica (a session's request
// to it, or its reply to one of this node's sessions), after the current
// event.
func (n *Node) sendToReplica(to replica.NodeID, data []byte) {
	if to == n.self {
		data = slices.Clone(data)
		n.later(func() { n.deliver(to, data) })
		return
	}
	if int(to) < 0 || int(to) >= len(n.ids) {
		return
	}
	// Straight to the fast writer: a raftBody passed as any would be
	// copied to the heap on every message.
	dest := n.ids[to]
	line := encodeRaftLine(n.name, dest, data) // encoded before it returns
	if n.raftHost != nil {
		n.raftHost.SendRaft(dest, line, data)
		return
	}
	n.host.Send(dest, line)
}

// deliver hands a replica-protocol message from replica from to whoever
// takes it: a client reply to this node's sessions, anything else to the
// replica.
func (n *Node) deliver(from replica.NodeID, data []byte) {
	// The header says which it is; only a client reply is decoded here
	// (the replica decodes what it receives, so decoding every message
	// here too would do it twice). A message whose header says client
	// reply but that does not decode goes to the replica, which counts it.
	if kind, _, ok := replica.MessageHeader(data); ok && kind == replica.MsgClientReply {
		if m, err := replica.DecodeMessage(data); err == nil {
			if n.pool != nil {
				n.pool.receive(from, data, &m.Reply)
			}
			return
		}
	}
	if n.r != nil {
		n.r.Receive(from, data) // it counts and drops what does not decode
	}
}

// initBody is Maelstrom's init message.
type initBody struct {
	NodeID  string   `json:"node_id"`
	NodeIDs []string `json:"node_ids"`
}

func (n *Node) handleInit(in inbound) {
	var body initBody
	if err := json.Unmarshal(in.msg.Body, &body); err != nil {
		n.replyTo(in, errorBody(CodeMalformedRequest, fmt.Sprintf("init: %v", err)))
		return
	}
	if text := checkInit(body); text != "" {
		n.replyTo(in, errorBody(CodeMalformedRequest, "init: "+text))
		return
	}
	code, err := n.initialize(slices.Clone(body.NodeIDs), body.NodeID)
	if err != nil {
		n.logf("init: %v", err)
		n.replyTo(in, errorBody(code, fmt.Sprintf("init: %v", err)))
		return
	}
	n.replyTo(in, map[string]any{"type": "init_ok"})
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
func (n *Node) initialize(ids []string, self string) (int, error) {
	if n.name != "" {
		if self == n.name && slices.Equal(ids, n.ids) {
			return 0, nil
		}
		return CodeMalformedRequest, fmt.Errorf("already initialized as %s of %v", n.name, n.ids)
	}
	disk, volatile, err := n.host.OpenDisk(self, ids)
	if err != nil {
		return CodeCrash, err
	}
	n.disk = disk
	if err := n.startReplica(ids, self, volatile); err != nil {
		return CodeCrash, err
	}
	return 0, nil
}

func (n *Node) startReplica(ids []string, self string, volatile bool) error {
	n.ids = ids
	cfg := replica.DefaultConfig()
	for i := range ids {
		cfg.Peers = append(cfg.Peers, replica.NodeID(i))
	}
	cfg.ID = replica.NodeID(slices.Index(ids, self))
	cfg.NewStateMachine = func() replica.StateMachine { return NewMachine() }
	configureStorage(&cfg, volatile)
	if n.tune != nil {
		n.tune(&cfg)
	}
	r, err := replica.New(cfg)
	if err != nil {
		return fmt.Errorf("node %s: %w", self, err)
	}
	n.r, n.self, n.name = r, cfg.ID, self
	n.pool = &sessionPool{n: n}
	r.Start(nodeEnv{n})
	return nil
}

// raftBody carries a consensus message between nodes.
type raftBody struct {
	Type string `json:"type"`
	Data []byte `json:"data"`
}

func (n *Node) handleRaft(in inbound) {
	data, ok := []byte(nil), false
	if in.fast {
		// Decoded into the node's scratch buffer, which neither the
		// replica nor the sessions keep (replica.DecodeMessage copies what
		// it returns). It is taken while in use, so that a nested
		// delivery, were a Host ever to make one, gets a buffer of its own.
		scratch := n.raftScratch
		n.raftScratch = nil
		if data, ok = decodeRaftData(scratch[:0], in.data); data != nil {
			scratch = data[:0] // the same buffer, or a larger one
		}
		defer n.keepRaftScratch(scratch)
	}
	if !ok {
		var body raftBody
		if err := json.Unmarshal(in.msg.Body, &body); err != nil {
			n.logf("dropped a garbled raft message from %s: %v", in.msg.Src, err) // as if lost
			return
		}
		data = body.Data
	}
	if from := slices.Index(n.ids, in.msg.Src); from >= 0 {
		n.deliver(replica.NodeID(from), data)
	}
}

// raftScratchBytesMax bounds the buffer a node keeps between raft
// messages: an Append's worth, not the rare snapshot's (up to 1 GiB).
const raftScratchBytesMax = 1 << 20

// keepRaftScratch keeps buf for the next raft message, unless it grew
// past raftScratchBytesMax.
func (n *Node) keepRaftScratch(buf []byte) {
	if cap(buf) <= raftScratchBytesMax {
		n.raftScratch = buf[:0]
	}
}

// nodeEnv is the replica's environment inside a node: the Host's clocks,
// randomness and storage, the node's timers, and Maelstrom messages.
type nodeEnv struct{ n *Node }

func (e nodeEnv) WallTime() int64                    { return e.n.host.WallTime() }
func (e nodeEnv) Monotonic() time.Duration           { return e.n.now() }
func (e nodeEnv) Disk() replica.Disk                 { return e.n.disk }
func (e nodeEnv) Rand() *rand.Rand                   { return e.n.host.Rand() }
func (e nodeEnv) Record(note string)                 { e.n.host.Log("replica: " + note) }
func (e nodeEnv) Send(to replica.NodeID, msg []byte) { e.n.sendToReplica(to, msg) }

func (e nodeEnv) SetTimer(d time.Duration, tag uint64) replica.TimerID {
	return replica.TimerID(e.n.arm(d, nodeTimer{replicaTag: tag}))
}

func (e nodeEnv) CancelTimer(id replica.TimerID) bool { return e.n.cancel(uint64(id)) }
