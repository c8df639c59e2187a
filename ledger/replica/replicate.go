package replica

import (
	"fmt"
	"hash/crc32"
	"slices"
)

// progressState is how a leader replicates to one follower.
type progressState uint8

const (
	// probeState: the leader does not know where the follower's log
	// matches; it sends one Append at a time and waits for the answer.
	probeState progressState = iota + 1
	// replicateState: the logs match up to match; the leader pipelines
	// Appends, up to InflightMax unanswered.
	replicateState
	// snapshotState: a snapshot is streaming in chunks (see
	// snapshotTransfer); no Append is sent but heartbeats.
	snapshotState
)

// progress is a leader's view of one follower.
type progress struct {
	match, next  uint64
	state        progressState
	probeSent    bool
	inflight     []uint64 // last index of each unanswered Append, in order
	snap         snapshotTransfer
	recentActive bool // heard from since the last quorum check
	heard        bool // heard from since the last snapshot was sent
	stalled      int  // heartbeats in a row without progress
}

// snapshotTransfer is a leader's stream of one snapshot to one follower:
// chunks of at most SnapshotChunkBytesMax bytes, sent in order, at most
// InflightMax of them unacknowledged (flow control, so that a slow
// follower is not sent the whole state at once), resumed where the
// follower says it stands when a chunk is lost. It keeps the snapshot it
// started with even if the leader takes a newer one meanwhile, so that the
// follower's partial copy stays valid; a new leader starts over.
type snapshotTransfer struct {
	meta     SnapshotMeta
	data     []byte
	checksum uint32
	sent     uint64 // the next byte to send
	acked    uint64 // the bytes the follower said it holds
	// resuming: the follower missed a chunk, so one chunk from acked went
	// out and the rest waits for its answer (the answers to the chunks
	// after the lost one say the same and must not each resend).
	resuming bool
	moved    bool // acked rose since the last heartbeat
}

func (pr *progress) paused(inflightMax int) bool {
	switch pr.state {
	case probeState:
		return pr.probeSent
	case replicateState:
		return len(pr.inflight) >= inflightMax
	}
	return true
}

func (pr *progress) becomeProbe() {
	pr.state = probeState
	pr.probeSent = false
	pr.inflight = pr.inflight[:0]
	pr.next = pr.match + 1
	pr.snap = snapshotTransfer{} // lets go of the snapshot's bytes
}

// appendEntry adds an entry to the leader's log and its WAL, stamped with
// cluster time: the leader's wall clock, but never before the previous
// entry, whatever the clocks of this or earlier leaders did.
func (r *Replica) appendEntry(kind EntryKind, data []byte) uint64 {
	// Only a leader appends on its own, its no-op first (no entry of its
	// term before it), then commands after it (its log ends in its term).
	ownTerm := r.log.lastTerm() == r.term
	if r.role != roleLeader || (kind == EntryNoop) == ownTerm {
		panicf("%s of term %d appends entry kind %d after an entry of term %d", r.role, r.term, kind, r.log.lastTerm())
	}
	ts := max(r.env.WallTime(), r.log.lastTimestamp()+1)
	e := Entry{Term: r.term, Index: r.log.lastIndex() + 1, Kind: kind, Timestamp: ts, Data: data}
	r.log.append(e)
	if err := r.wal.Append([]Entry{e}); err != nil {
		r.stop(err)
		return e.Index
	}
	r.walDirty = true
	return e.Index
}

// broadcastPending sends every follower the entries it is due.
func (r *Replica) broadcastPending() {
	if r.role != roleLeader {
		return
	}
	for i := range r.peers {
		if r.progress[i].state == snapshotState {
			r.sendSnapshotChunks(i)
			continue
		}
		for r.maybeSendAppend(i, false) {
		}
	}
}

// maybeSendAppend sends follower i the next batch of entries, or a snapshot
// when the entries it needs are compacted away. With sendIfEmpty it sends an
// empty Append (a probe) when there is nothing new. It reports whether it
// sent anything.
func (r *Replica) maybeSendAppend(i int, sendIfEmpty bool) bool {
	pr := &r.progress[i]
	if r.peers[i] == r.cfg.ID || pr.paused(r.cfg.InflightMax) {
		return false
	}
	prevIndex := pr.next - 1
	prevTerm, ok := r.log.term(prevIndex)
	if !ok {
		r.sendSnapshot(i)
		return true
	}
	last := min(r.log.lastIndex(), prevIndex+uint64(r.cfg.EntriesPerAppendMax))
	entries := limitAppendBytes(r.log.slice(pr.next, last), r.cfg.AppendBytesMax)
	last = prevIndex + uint64(len(entries))
	if len(entries) == 0 && !sendIfEmpty {
		return false
	}
	r.checkAppendBounds(entries)
	r.sendAppend(r.peers[i], Message{Kind: MsgAppend, Term: r.term, PrevIndex: prevIndex, PrevTerm: prevTerm,
		Entries: entries, Commit: r.commit, LastIndex: r.log.lastIndex()})
	switch pr.state {
	case probeState:
		pr.probeSent = true
	case replicateState:
		if len(entries) > 0 {
			pr.next = last + 1
			pr.inflight = append(pr.inflight, last)
		}
	}
	return len(entries) > 0 || pr.state == probeState
}

// sharedAppend is an Append encoded into the outbox, by what decides its
// bytes, so that followers that stand at the same place get one encoding
// (and one checksum) between them: in steady state every follower is sent
// the same entries, and a leader of a five-node cluster would otherwise
// encode each batch four times. The outbox is cleared (see clearOutbox)
// before its bytes are reused, and the shared Appends with it.
type sharedAppend struct {
	term, prevIndex, prevTerm, commit, lastIndex uint64
	first, count                                 uint64 // the entries' first index and how many
	outbox                                       int    // the message's index in the outbox
}

// sharedAppendsMax bounds the Appends a handler offers for sharing: a
// leader pipelines at most InflightMax Appends to each follower, and
// followers that lag apart share nothing anyway.
const sharedAppendsMax = 64

// matches reports whether Append m would encode to the bytes of a. A
// leader's log is append-only in its term (it never truncates or rewrites
// an entry), so the same term and the same index range name the same
// entries.
func (a *sharedAppend) matches(m *Message) bool {
	return a.term == m.Term && a.prevIndex == m.PrevIndex && a.prevTerm == m.PrevTerm &&
		a.commit == m.Commit && a.lastIndex == m.LastIndex && a.count == uint64(len(m.Entries)) &&
		(len(m.Entries) == 0 || a.first == m.Entries[0].Index)
}

// sendAppend queues Append m to follower to, sharing the encoding of an
// Append already queued by this handler when the two are the same message.
func (r *Replica) sendAppend(to NodeID, m Message) {
	if m.Kind != MsgAppend || m.Term != r.term {
		panicf("sendAppend of a %s in term %d, the replica's term %d", m.Kind, m.Term, r.term)
	}
	for i := len(r.shared) - 1; i >= 0; i-- {
		if a := &r.shared[i]; a.matches(&m) {
			o := r.outbox[a.outbox]
			r.outbox = append(r.outbox, outgoing{to: to, wire: o.wire, chunk: o.chunk})
			return
		}
	}
	r.send(to, m)
	if len(r.shared) < sharedAppendsMax {
		a := sharedAppend{term: m.Term, prevIndex: m.PrevIndex, prevTerm: m.PrevTerm, commit: m.Commit,
			lastIndex: m.LastIndex, count: uint64(len(m.Entries)), outbox: len(r.outbox) - 1}
		if len(m.Entries) > 0 {
			a.first = m.Entries[0].Index
		}
		r.shared = append(r.shared, a)
	}
}

// limitAppendBytes returns the longest prefix of es whose encoded entries
// fit in bytesMax, but never less than one entry: an entry larger than
// the bound goes out alone, so replication always progresses.
func limitAppendBytes(es []Entry, bytesMax int) []Entry {
	total := 0
	for i := range es {
		total += entryWireSize(&es[i])
		if i > 0 && total > bytesMax {
			return es[:i]
		}
	}
	return es
}

// checkAppendBounds asserts what a leader's Append promises its follower
// (see handleAppend and the codec): its entry count, and its bytes within
// AppendBytesMax unless it is one entry alone.
func (r *Replica) checkAppendBounds(es []Entry) {
	if len(es) > r.cfg.EntriesPerAppendMax {
		panicf("append of %d entries, over %d", len(es), r.cfg.EntriesPerAppendMax)
	}
	if n := appendPrefixBytes(es); len(es) > 1 && n+entryWireSize(&es[len(es)-1]) > r.cfg.AppendBytesMax {
		panicf("append of %d entries and %d bytes, over %d", len(es), n+entryWireSize(&es[len(es)-1]), r.cfg.AppendBytesMax)
	}
}

func (r *Replica) sendSnapshot(i int) {
	pr := &r.progress[i]
	if r.snapData == nil {
		panicf("follower %d needs index %d, compacted, but there is no snapshot", r.peers[i], pr.next)
	}
	if !pr.heard {
		// Silent since the last snapshot went out: the follower may be
		// down, and the whole state again would be wasted on it. A probe
		// at the snapshot's index costs a heartbeat; the answer of a live
		// follower brings the snapshot at once (or shows it needs none).
		r.send(r.peers[i], Message{Kind: MsgAppend, PrevIndex: r.log.snap.Index, PrevTerm: r.log.snap.Term,
			Commit: min(r.commit, pr.match), LastIndex: r.log.lastIndex()})
		pr.state, pr.probeSent = probeState, true
		return
	}
	pr.heard = false
	r.stats.SnapshotsSent++
	pr.state = snapshotState
	pr.inflight = pr.inflight[:0]
	pr.snap = snapshotTransfer{meta: r.log.snap, data: r.snapData, checksum: crc32.Checksum(r.snapData, castagnoli)}
	r.sendSnapshotChunks(i)
}

// sendSnapshotChunks sends follower i the next chunks of its snapshot, as
// many as its window allows: InflightMax chunks unacknowledged, or one
// while resuming after a lost chunk.
func (r *Replica) sendSnapshotChunks(i int) {
	pr := &r.progress[i]
	tr := &pr.snap
	size, chunkMax := uint64(len(tr.data)), uint64(r.cfg.SnapshotChunkBytesMax)
	window := uint64(r.cfg.InflightMax) * chunkMax
	if tr.resuming {
		window = 1
	}
	for tr.sent < size && tr.sent-tr.acked < window {
		end := min(size, tr.sent+chunkMax)
		// What the follower relies on (handleSnapshot, checkChunk): a
		// chunk within the bound that continues the stream.
		if end <= tr.sent || end-tr.sent > chunkMax || tr.sent < tr.acked {
			panicf("snapshot chunk [%d, %d) after %d acknowledged, bound %d", tr.sent, end, tr.acked, chunkMax)
		}
		r.send(r.peers[i], Message{Kind: MsgSnapshot, Snapshot: tr.meta, SnapshotSize: size,
			SnapshotChecksum: tr.checksum, Offset: tr.sent, SnapshotData: tr.data[tr.sent:end]})
		r.stats.SnapshotChunksSent++
		tr.sent = end
	}
}

// handleSnapshotResp paces a snapshot transfer by the follower's answers.
func (r *Replica) handleSnapshotResp(from NodeID, m *Message) {
	if r.role != roleLeader {
		return
	}
	pr := &r.progress[r.peerIndex(from)]
	pr.recentActive, pr.heard = true, true
	tr := &pr.snap
	if pr.state != snapshotState || m.Snapshot.Index != tr.meta.Index || m.Offset > uint64(len(tr.data)) {
		return // an answer about an earlier transfer
	}
	switch {
	case m.Success && m.Offset > tr.acked:
		tr.acked, tr.sent = m.Offset, max(tr.sent, m.Offset)
		tr.resuming, tr.moved, pr.stalled = false, true, 0
	case !m.Success && !tr.resuming && (m.Offset >= tr.acked || m.Offset == 0):
		// A chunk did not follow on: resume where the follower stands,
		// one chunk first. Offset 0 means it has no partial copy (it
		// restarted, or took another transfer); any other offset below
		// acked is an old answer, overtaken.
		tr.acked, tr.sent, tr.resuming = m.Offset, m.Offset, true
	}
}

// broadcastHeartbeat asserts leadership and carries the commit index. A
// heartbeat names the follower's known match, which it surely holds, so it
// cannot be rejected for racing the pipeline. It also retries probes and
// snapshots whose answers were lost, and unjams stalled pipelines.
func (r *Replica) broadcastHeartbeat() {
	for i, p := range r.peers {
		if p == r.cfg.ID {
			continue
		}
		pr := &r.progress[i]
		if len(pr.inflight) > 0 || pr.state == snapshotState {
			pr.stalled++
		} else {
			pr.stalled = 0
		}
		if pr.stalled >= 3 && pr.state != probeState {
			pr.becomeProbe() // answers were lost: start over from match
		}
		if pr.state == snapshotState {
			r.retrySnapshotChunks(i)
		}
		pr.probeSent = false
		matchTerm, ok := r.log.term(pr.match)
		if !ok || pr.state == probeState {
			r.maybeSendAppend(i, true)
			continue
		}
		r.send(p, Message{Kind: MsgAppend, PrevIndex: pr.match, PrevTerm: matchTerm,
			Commit: min(r.commit, pr.match), LastIndex: r.log.lastIndex()})
	}
}

// retrySnapshotChunks resends, once a heartbeat, the chunk the follower
// needs next if no answer moved the transfer since the last one: the
// chunks or their answers were lost.
func (r *Replica) retrySnapshotChunks(i int) {
	tr := &r.progress[i].snap
	if !tr.moved {
		tr.sent, tr.resuming = tr.acked, true
		r.sendSnapshotChunks(i)
	}
	tr.moved = false
}

func (r *Replica) handleAppendResp(from NodeID, m *Message) {
	if r.role != roleLeader {
		return
	}
	i := r.peerIndex(from)
	pr := &r.progress[i]
	pr.recentActive, pr.heard = true, true
	if !m.Success {
		if m.Recovering && m.LastIndex < pr.match && m.PrevIndex >= pr.match {
			// The follower holds less than it acknowledged: storage damage
			// (acknowledged entries were synced). Stop counting it for
			// entries it lost, and refill it. Without the flag, a short
			// log in a rejection is an old answer overtaken by newer ones.
			// Only a rejection of an Append sent from match or beyond says
			// so: one of an Append from below match may be an old answer
			// that the network delayed past the answers that raised match,
			// and acting on those made every window the leader resent
			// beget rejections that restarted it again (disk-corruption
			// seed 25: 157 k Appends in one second). A follower that did
			// lose entries rejects the next Append the leader sends (from
			// next, beyond match) and the next heartbeat (from match).
			r.env.Record(fmt.Sprintf("replica %d lost acknowledged entries %d..%d: re-replicating", from, m.LastIndex+1, pr.match))
			pr.match = m.LastIndex
		}
		if m.PrevIndex <= pr.match {
			return // a stale rejection: the logs already match further
		}
		if pr.state == probeState && m.PrevIndex != pr.next-1 {
			// Not the answer to the probe in flight but to an Append sent
			// before it: every Append of a rejected pipeline is rejected,
			// and if each sent a probe, the copies of that probe would be
			// rejected in turn and multiply (end-of-day-burst seed 11:
			// up to 101 copies of one probe at once). The first rejection
			// started probing; a lost probe is retried by the heartbeat.
			return
		}
		pr.becomeProbe()
		pr.next = max(pr.match+1, min(m.RejectHint, m.PrevIndex))
		r.maybeSendAppend(i, true)
		return
	}
	if m.Match > pr.match {
		pr.match = m.Match
		pr.stalled = 0
		pr.next = max(pr.next, pr.match+1)
		// Drop the answered Appends by moving the rest to the front:
		// reslicing from the front instead would shed capacity, and the
		// pipeline would allocate anew every few Appends.
		answered := 0
		for answered < len(pr.inflight) && pr.inflight[answered] <= pr.match {
			answered++
		}
		pr.inflight = append(pr.inflight[:0], pr.inflight[answered:]...)
		if pr.state == snapshotState && pr.match >= pr.snap.meta.Index {
			pr.becomeProbe()
		}
		if pr.state == probeState {
			pr.state = replicateState
			pr.inflight = pr.inflight[:0]
		}
		r.maybeCommit()
	}
	// An answer that moves nothing sends nothing, not even in probe state:
	// it may be one of many answers to copies of an old Append (a lagging
	// follower answers every copy it was sent), and if each let another
	// probe out, every copy would beget another and the population of
	// copies would circulate for good (end-of-day-burst seed 11 sent
	// 1.08 M Appends for 3,302 requests). A probe whose answer was lost
	// or said nothing new is retried by the next heartbeat, which is
	// also what unpauses a probe in etcd's raft.
	if r.transferee == from && pr.match == r.log.lastIndex() {
		r.send(from, Message{Kind: MsgTimeoutNow})
	}
}

// maybeCommit advances the commit index to the highest index a quorum holds,
// but only through an entry of the current term: Figure 8 of the Raft paper
// shows that counting replicas of an older term's entry can commit an entry
// that a later leader overwrites.
func (r *Replica) maybeCommit() {
	r.checkLeaderLog()
	var stack [15]uint64 // Peers is capped at 15, so this never allocates
	matches := stack[:0]
	for i, p := range r.peers {
		if p == r.cfg.ID {
			matches = append(matches, r.persisted)
		} else {
			matches = append(matches, r.progress[i].match)
		}
	}
	slices.Sort(matches)
	candidate := matches[len(matches)-r.quorum]
	if candidate <= r.commit {
		return
	}
	if t, ok := r.log.term(candidate); !ok || t != r.term {
		return
	}
	r.commitTo(candidate)
	r.checkCommitQuorum()
	r.checkPositions("commit")
}
