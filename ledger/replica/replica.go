package replica

import (
	"errors"
	"fmt"
)

// role is what a replica currently is in the Raft protocol.
type role uint8

const (
	roleFollower role = iota + 1
	rolePreCandidate
	roleCandidate
	roleLeader
)

var roleNames = [...]string{roleFollower: "follower", rolePreCandidate: "pre-candidate",
	roleCandidate: "candidate", roleLeader: "leader"}

func (r role) String() string { return roleNames[r] }

// tickTag is the tag of the replica's one periodic timer.
const tickTag = 1

// Replica is one member of a replicated cluster. Call Start once with its
// Env, then Receive for every message and Timer for every timer; the
// replica does everything else through the Env.
type Replica struct {
	cfg    Config
	env    Env
	wal    *WAL
	sm     StateMachine
	peers  []NodeID
	quorum int

	// Persistent state, mirrored to the WAL's hard state.
	term      uint64
	vote      NodeID
	hardDirty bool
	// voteTerm is the term vote was cast in, and savedHard the hard state
	// last made durable: what the one-vote-per-term checks compare with.
	voteTerm  uint64
	savedHard HardState

	role   role
	leader NodeID
	log    raftLog
	// persisted is the last index known durable on this replica's disk:
	// a leader counts itself toward a quorum only up to here. It rises
	// only when the disk says a barrier completed (see awaiting).
	persisted uint64
	walDirty  bool
	// awaiting are the disk barriers issued and not yet complete, oldest
	// first, each with the log's last index when it was issued; held are
	// the messages queued behind them, in order, with their bytes in
	// wire. Nothing held may leave before its barrier completes: a
	// vote, an append acknowledgement or a client reply reports state
	// that must be durable first (the persist/send boundary of etcd-io/
	// raft's Ready and Advance).
	awaiting []awaitedBarrier
	held     []heldMessage
	commit   uint64
	applied  uint64

	sessions sessionTable
	digest   [32]byte // running digest of the applied log
	chain    chainHasher
	snapData []byte // the latest snapshot, served to lagging followers
	// incoming is the snapshot a leader is streaming to this follower,
	// assembled chunk by chunk until it is whole.
	incoming *snapshotAssembly
	// sinceSnap is the bytes of entry data applied after the latest
	// snapshot (see snapshotDue).
	sinceSnap uint64

	electionElapsed  int
	heartbeatElapsed int
	electionTimeout  int // randomized, in ticks
	votes            []int8
	progress         []progress
	transferee       NodeID
	transferElapsed  int

	waiters []waiter // requests awaiting commit, by increasing log index
	outbox  []outgoing
	// wire holds the bytes of the outbox's and the held messages.
	wire wireChunks
	// shared are the Appends in the outbox that a follower at the same
	// place is sent too (see sendAppend).
	shared []sharedAppend
	// arena holds the data of the log's entries (see entryArena).
	arena entryArena
	// received is the entry array the message in hand is decoded into,
	// reused from one message to the next (see Receive).
	received []Entry

	// recovering is set while the replica repairs damaged storage: it
	// neither votes nor campaigns until a leader has refilled its log.
	recovering *recovery
	// stopped is set when the replica cannot go on safely (its storage
	// failed or is unrecoverable); it then answers nothing but StatusStopped.
	stopped error
	stats   Stats
}

// Stats counts what a replica did, for harnesses and benchmarks.
type Stats struct {
	Elections, LeaderTerms, Applied, Snapshots, SnapshotsInstalled uint64
	// SnapshotsSent counts snapshot transfers started as leader: each
	// streams the whole state, so a high count is worth a look.
	SnapshotsSent uint64
	BadMessages   uint64
	// OversizeMessages counts peer messages dropped for exceeding this
	// replica's AppendBytesMax or SnapshotChunkBytesMax: nonzero only
	// when peers are configured with other bounds, or with a bug.
	OversizeMessages uint64
	// SnapshotChunksSent counts the chunks of snapshots sent as leader;
	// SnapshotChunksTaken, those taken as follower that continued a
	// transfer. More chunks than transfers means snapshots were split.
	SnapshotChunksSent, SnapshotChunksTaken uint64
	// Handovers counts campaigns started at a leader's request (a
	// leadership transfer's TimeoutNow).
	Handovers uint64
}

// awaitedBarrier is a disk barrier the replica waits for: once it
// completes, the log is durable through last.
type awaitedBarrier struct {
	ticket uint64
	last   uint64
	// fresh: issued by the handler now running, so its messages wait for
	// this barrier itself rather than the next one.
	fresh bool
}

// heldMessage is a message waiting for barrier ticket; its bytes are in
// wire chunk chunk.
type heldMessage struct {
	ticket uint64
	to     NodeID
	wire   []byte
	chunk  uint64
}

// outgoing is a message encoded when it was queued, so that later changes
// to the log cannot alter what it says.
type outgoing struct {
	to    NodeID
	wire  []byte
	chunk uint64 // the wire chunk that holds it (see wireChunks)
}

type recovery struct {
	what string // what was found damaged
	// term and ackedThrough bound what the replica may have acknowledged
	// and lost: entries at indices up to ackedThrough, in terms up to
	// term. ackedKnown is false when that bound itself was lost.
	term         uint64
	ackedThrough uint64
	ackedKnown   bool
}

// vouchesFor reports whether a replica recovering from storage damage may
// vote for a candidate whose log ends at (lastTerm, lastIndex); a replica
// not recovering (nil) always may, subject to the usual rules.
//
// The danger is a committed entry whose only vote-checking copy was the
// lost one. Any leader that counted this replica's acknowledgement did so
// in a term no later than term, at an index no later than ackedThrough. A
// candidate whose last entry is of a later term got it from a leader that
// held every entry committed before that term (Leader Completeness), at
// lower indices than its own; one whose last entry is of term itself and
// reaches ackedThrough matches that term's leader up to past the entry. In
// both cases it holds every entry this replica may have helped commit; any
// other candidate might not, and gets no vote. This is protocol-aware
// recovery (Alagappan et al., FAST 2018) reduced to what Raft's vote needs,
// and it lets a cluster in which a majority found damage elect a leader
// from the replicas that still hold everything.
func (rc *recovery) vouchesFor(lastTerm, lastIndex uint64) bool {
	if rc == nil {
		return true
	}
	if !rc.ackedKnown {
		return false
	}
	return lastTerm > rc.term || (lastTerm == rc.term && lastIndex >= rc.ackedThrough)
}

// ErrStopped is wrapped by the error a stopped replica reports.
var ErrStopped = errors.New("replica: stopped")

// New builds a replica; it does nothing until Start.
func New(cfg Config) (*Replica, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Replica{cfg: cfg, peers: cfg.Peers, quorum: cfg.quorum(), vote: None, leader: None,
		transferee: None, role: roleFollower}, nil
}

// Start boots the replica from its disk alone: hard state, snapshot and log.
func (r *Replica) Start(env Env) {
	r.env = env
	r.sm = r.cfg.NewStateMachine()
	r.sessions = newSessionTable(r.cfg.SessionsMax)
	r.votes = make([]int8, len(r.peers))
	r.progress = make([]progress, len(r.peers))
	if err := r.recover(); err != nil {
		r.stop(err)
		return
	}
	r.becomeFollower(r.term, None)
	r.armTick()
}

// rejoinMarker is the file a replica that lost its disk keeps until a
// leader has repaired it: a crash before then must not let it forget that
// it may lack what it once acknowledged.
const rejoinMarker = "rejoining"

func (r *Replica) recover() error {
	d := r.env.Disk()
	blank := len(d.Files()) == 0
	if r.cfg.Rejoin && blank {
		if err := d.Write(rejoinMarker, 0, []byte("lost disk\n")); err != nil {
			return fmt.Errorf("mark rejoin: %w", err)
		}
		if err := d.Sync(); err != nil {
			return fmt.Errorf("mark rejoin: %w", err)
		}
	}
	wal, rec, err := OpenWAL(d, r.cfg.WAL)
	if err != nil {
		return fmt.Errorf("open storage: %w", err)
	}
	r.wal = wal
	r.term, r.vote = rec.HardState.Term, rec.HardState.Vote
	if rec.HardState.Term == 0 {
		r.vote = None
	}
	r.voteTerm, r.savedHard = r.term, HardState{Term: r.term, Vote: r.vote}
	if rec.Snapshot.Index > 0 {
		if err := r.restoreSnapshot(rec.Snapshot, rec.SnapshotData); err != nil {
			return err
		}
	}
	r.log = raftLog{snap: rec.Snapshot}
	r.log.append(rec.Entries...)
	r.persisted = r.log.lastIndex()
	r.checkPositions("recovery")
	if rec.TornTail {
		r.env.Record(fmt.Sprintf("recovered: cut a torn tail, log ends at %d", r.log.lastIndex()))
	}
	if c := rec.Corruption; c != nil {
		r.recovering = &recovery{what: c.What, term: c.HardStateTerm, ackedThrough: c.AckedThrough, ackedKnown: c.AckedKnown}
		r.env.Record(fmt.Sprintf("storage damaged (%s at index %d): abstaining from votes until repaired", c.What, c.FirstBadIndex))
	}
	if d.Size(rejoinMarker) >= 0 {
		// Nothing bounds what the lost disk held: no vote at all until
		// a leader has refilled the log (vouchesFor is false).
		r.recovering = &recovery{what: "disk lost", ackedKnown: false}
		r.env.Record("rejoining with a replaced disk: abstaining from votes until a leader has caught this log up")
	}
	if r.cfg.AbstainUntilCaughtUp {
		// As a lost disk: nothing bounds what was acknowledged before.
		r.recovering = &recovery{what: "volatile storage", ackedKnown: false}
		r.env.Record("started on storage that does not outlive the process: abstaining from votes and elections until a leader has caught this log up")
	}
	return nil
}

// stop makes the replica stop serving: it answers clients StatusStopped and
// ignores its peers. A supervisor may restart the process, which then
// recovers from disk.
func (r *Replica) stop(err error) {
	if r.stopped != nil {
		return
	}
	r.stopped = fmt.Errorf("%w: %w", ErrStopped, err)
	r.env.Record("stopped: " + err.Error())
	// Nothing queued or held may leave: it could report state that never
	// became durable. The clients still waiting are told, since that
	// reply depends on nothing stored.
	r.clearOutbox()
	r.held, r.awaiting = nil, nil
	r.failWaiters(StatusStopped)
	for _, o := range r.outbox {
		r.env.Send(o.to, o.wire)
	}
	r.clearOutbox()
}

// Stopped returns why the replica stopped serving, or nil.
func (r *Replica) Stopped() error { return r.stopped }

// Receive handles one message from node from. The caller may reuse b once
// Receive returns.
//
// The message is decoded in place: its byte fields alias b and its entries
// fill r.received, so that receiving allocates nothing. Whatever outlives
// the handler is copied exactly once where it is kept: entry data into the
// log (appendFromLeader), a command into its entry (encodeRequest), a
// snapshot chunk into the assembly (handleSnapshot). Nothing else keeps a
// reference into m.
func (r *Replica) Receive(from NodeID, b []byte) {
	var m Message
	if err := decodeMessage(b, &m, r.received, true); err != nil {
		r.stats.BadMessages++
		r.env.Record("dropped a bad message: " + err.Error())
		return
	}
	if cap(m.Entries) > cap(r.received) && cap(m.Entries) <= receivedRetainMax {
		r.received = m.Entries[:0]
	}
	defer clear(m.Entries) // lets go of b: the entries point into it
	if r.stopped != nil {
		if m.Kind == MsgClientRequest {
			r.sendNow(from, &Message{Kind: MsgClientReply, Reply: Reply{ClientID: m.Request.ClientID,
				Seq: m.Request.Seq, Status: StatusStopped, Leader: None}})
		}
		return
	}
	r.step(from, &m)
	r.flush()
}

// receivedRetainMax bounds the entry array kept for decoding (see
// Receive): a full Append of EntriesPerAppendMax's default fits, the
// rare larger one is decoded into an array let go afterwards.
const receivedRetainMax = 1024

// Timer handles the replica's periodic tick.
func (r *Replica) Timer(tag uint64) {
	if tag != tickTag || r.stopped != nil {
		return
	}
	r.tick()
	r.armTick()
	r.flush()
}

func (r *Replica) armTick() { r.env.SetTimer(r.cfg.TickInterval, tickTag) }

// send queues a message; flush sends it once everything it depends on is
// durable.
func (r *Replica) send(to NodeID, m Message) {
	if m.Term == 0 {
		m.Term = r.term
	}
	buf, chunk := r.wire.reserve(encodedSizeMax(&m))
	start := len(buf)
	buf = AppendMessage(buf, &m)
	r.wire.filled(buf)
	r.outbox = append(r.outbox, outgoing{to: to, wire: buf[start:len(buf):len(buf)], chunk: chunk})
}

// wireRetainMax bounds the encoding memory kept between handlers (see
// wireChunks): large enough for a full pipeline of appends to catch a
// follower up, while chunks that grew for a big snapshot or a long hold
// are let go rather than kept for heartbeats.
const wireRetainMax = 4 << 20

// clearOutbox forgets the sent, held or dropped messages of the outbox,
// and reuses the memory of their encodings unless messages are held.
func (r *Replica) clearOutbox() {
	clear(r.outbox)
	r.outbox = r.outbox[:0]
	r.shared = r.shared[:0]
	if len(r.held) == 0 {
		r.wire.reset()
	}
}

func (r *Replica) sendNow(to NodeID, m *Message) { r.env.Send(to, EncodeMessage(m)) }

// flush is the end of every handler: write what must be persisted, then
// act on what is durable, then send what may leave. A message never leaves
// before the state it reports is durable: when the disk has not yet
// confirmed every write (Disk.Barrier), the handler's messages are held
// until Durable hears that it has, and only then does the replica count
// the new entries as its own toward a quorum.
//
// Syncs are group commits: while a barrier is in flight, a handler's
// writes reach the page cache but wait for the next barrier, which Durable
// issues for all of them at once when the one in flight completes. A
// barrier per handler instead would queue one fsync per message behind a
// slow disk, and a replica would fall seconds behind its own acks.
func (r *Replica) flush() {
	if r.stopped != nil {
		return
	}
	r.broadcastPending()
	durable := false
	if len(r.awaiting) == 0 {
		var ok bool
		if durable, ok = r.sync(); !ok {
			return
		}
	}
	if r.role == roleLeader {
		r.maybeCommit()
	}
	r.applyCommitted()
	if r.stopped != nil {
		return
	}
	// Messages go out now only if nothing is held before them and
	// everything is durable; otherwise they wait, in order, for the
	// barrier in flight (ticket set) or the next one (ticket 0).
	if durable && len(r.held) == 0 {
		for i := range r.outbox {
			r.env.Send(r.outbox[i].to, r.outbox[i].wire)
		}
	} else {
		ticket := uint64(0)
		if !durable && len(r.awaiting) > 0 && r.awaiting[len(r.awaiting)-1].fresh {
			ticket = r.awaiting[len(r.awaiting)-1].ticket
		}
		for i := range r.outbox {
			o := &r.outbox[i]
			r.held = append(r.held, heldMessage{ticket: ticket, to: o.to, wire: o.wire, chunk: o.chunk})
		}
	}
	if n := len(r.awaiting); n > 0 {
		r.awaiting[n-1].fresh = false
	}
	r.clearOutbox()
}

// sync writes the hard state and syncs the log, then asks the disk for a
// barrier over every write so far. It reports whether all of it is
// durable already, and false in ok if the replica had to stop. Messages
// held for the next barrier (ticket 0) now wait for this one.
func (r *Replica) sync() (durable, ok bool) {
	if err := r.persist(); err != nil {
		r.stop(err)
		return false, false
	}
	ticket, durable, err := r.env.Disk().Barrier()
	if err != nil {
		r.stop(fmt.Errorf("sync: %w", err))
		return false, false
	}
	if durable {
		r.persisted = r.log.lastIndex()
		return true, true
	}
	r.awaiting = append(r.awaiting, awaitedBarrier{ticket: ticket, last: r.log.lastIndex(), fresh: true})
	for i := range r.held {
		if r.held[i].ticket == 0 {
			r.held[i].ticket = ticket
		}
	}
	return false, true
}

// Durable is called by the environment when the disk barrier with ticket,
// and every one before it, completed (see Disk.Barrier), or with err when
// their writes can never be durable. The held messages they cleared leave,
// in order, and a leader counts its newly durable entries; then the writes
// made meanwhile get their barrier (the next group commit).
func (r *Replica) Durable(ticket uint64, err error) {
	if r.stopped != nil {
		return
	}
	if err != nil {
		r.stop(fmt.Errorf("sync: %w", err))
		return
	}
	done := 0
	for done < len(r.awaiting) && r.awaiting[done].ticket <= ticket {
		r.persisted = max(r.persisted, r.awaiting[done].last)
		done++
	}
	r.awaiting = append(r.awaiting[:0], r.awaiting[done:]...)
	if r.persisted > r.log.lastIndex() {
		panicf("persisted %d past the log's end %d", r.persisted, r.log.lastIndex())
	}
	r.releaseHeld(ticket)
	r.flush()
	if len(r.awaiting) == 0 && len(r.held) > 0 {
		// Nothing was left to sync: what waited for the next barrier
		// depends on nothing new and leaves now.
		r.releaseHeld(^uint64(0))
	}
}

// releaseHeld sends, in order, the held messages whose barrier completed
// (ticket at most through; ticket 0 means one not yet issued).
func (r *Replica) releaseHeld(through uint64) {
	sent := 0
	for sent < len(r.held) && (r.held[sent].ticket != 0 || through == ^uint64(0)) && r.held[sent].ticket <= through {
		h := r.held[sent]
		r.env.Send(h.to, h.wire)
		sent++
	}
	if sent == len(r.held) {
		clear(r.held)
		r.held = r.held[:0]
		if len(r.outbox) == 0 {
			r.wire.reset()
		}
		return
	}
	if sent == 0 {
		return
	}
	// The messages of one barrier leave together, and every message was
	// encoded after those held before it (or, sharing an encoding, after
	// the first of its handler's): so the chunks before the first one
	// still held hold nothing that waits.
	if r.held[sent].ticket == r.held[sent-1].ticket {
		panicf("released held messages of ticket %d in part", r.held[sent].ticket)
	}
	r.wire.releaseBefore(r.held[sent].chunk)
	n := copy(r.held, r.held[sent:])
	clear(r.held[n:]) // what moved down keeps no chunk alive twice
	r.held = r.held[:n]
}

// unpersist lowers what the replica counts as durable to index, because
// the log was cut there: a barrier issued before the cut covers only what
// remains of what it wrote.
func (r *Replica) unpersist(index uint64) {
	r.persisted = min(r.persisted, index)
	for i := range r.awaiting {
		r.awaiting[i].last = min(r.awaiting[i].last, index)
	}
}

func (r *Replica) persist() error {
	if r.hardDirty {
		hs := HardState{Term: r.term, Vote: r.vote}
		r.checkHardStateWrite(hs)
		if err := r.wal.SaveHardState(hs); err != nil {
			return fmt.Errorf("save hard state: %w", err)
		}
		r.savedHard, r.hardDirty = hs, false
	}
	if r.walDirty {
		if err := r.wal.Sync(); err != nil {
			return fmt.Errorf("sync log: %w", err)
		}
		r.walDirty = false
	}
	return nil
}

// step dispatches one message.
func (r *Replica) step(from NodeID, m *Message) {
	if m.Kind == MsgClientRequest {
		r.handleClientRequest(from, m.Request)
		return
	}
	if m.Kind == MsgClientReply || r.peerIndex(from) < 0 {
		return // replicas take client replies and peer messages from peers only
	}
	bootstrap := r.bootstrapAsk(from, m) // before checkTerm may adopt its term
	if !r.checkTerm(from, m) {
		return
	}
	switch m.Kind {
	case MsgPreVote:
		r.handlePreVote(from, m, bootstrap)
	case MsgVote:
		r.handleVote(from, m, bootstrap)
	case MsgPreVoteResp, MsgVoteResp:
		r.handleVoteResp(from, m)
	case MsgAppend:
		r.handleAppend(from, m)
	case MsgAppendResp:
		r.handleAppendResp(from, m)
	case MsgSnapshot:
		r.handleSnapshot(from, m)
	case MsgSnapshotResp:
		r.handleSnapshotResp(from, m)
	case MsgTimeoutNow:
		r.handleTimeoutNow(from, m)
	}
}

func (r *Replica) peerIndex(id NodeID) int {
	for i, p := range r.peers {
		if p == id {
			return i
		}
	}
	return -1
}

// Status is a snapshot of a replica's view, for harnesses and tests.
type Status struct {
	ID                  NodeID
	Role                string
	Term                uint64
	Leader              NodeID
	LastIndex, LastTerm uint64
	Commit, Applied     uint64
	SnapshotIndex       uint64
	Recovering, Stopped bool
	Digest              [32]byte
	LastTimestamp       int64
	Stats               Stats
}

// Status returns the replica's current view.
func (r *Replica) Status() Status {
	return Status{ID: r.cfg.ID, Role: r.role.String(), Term: r.term, Leader: r.leader,
		LastIndex: r.log.lastIndex(), LastTerm: r.log.lastTerm(), Commit: r.commit, Applied: r.applied,
		SnapshotIndex: r.log.snap.Index, Recovering: r.recovering != nil, Stopped: r.stopped != nil,
		Digest: r.digest, LastTimestamp: r.log.lastTimestamp(), Stats: r.stats}
}

// StateMachine returns the replica's state machine, for harnesses that
// inspect the final state. Callers must not change it.
func (r *Replica) StateMachine() StateMachine { return r.sm }
