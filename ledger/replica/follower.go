package replica

import (
	"fmt"
	"hash/crc32"
)

// handleAppend is a follower taking entries (or a heartbeat) from the
// leader of its term.
func (r *Replica) handleAppend(from NodeID, m *Message) {
	if n := appendPrefixBytes(m.Entries); n > r.cfg.AppendBytesMax {
		// A leader never builds this (checkAppendBounds): a peer with
		// other bounds, or a forged message. Taking it would let one
		// message outgrow what this replica is sized for.
		r.stats.OversizeMessages++
		r.env.Record(fmt.Sprintf("dropped an append from %d with %d entries of %d bytes before the last, over %d",
			from, len(m.Entries), n, r.cfg.AppendBytesMax))
		return
	}
	r.becomeFollowerOf(from)
	reply := Message{Kind: MsgAppendResp, PrevIndex: m.PrevIndex, Recovering: r.recovering != nil}
	if m.PrevIndex < r.commit {
		// Entries through commit are settled and, by log matching, agree
		// with the leader's: check from commit on instead, which stays
		// known even when older entries are compacted away.
		m.Entries = trimEntries(m.Entries, r.commit)
		m.PrevIndex = r.commit
		m.PrevTerm, _ = r.log.term(r.commit)
	}
	if t, ok := r.log.term(m.PrevIndex); !ok || t != m.PrevTerm {
		reply.RejectHint = r.rejectHint(m.PrevIndex)
		reply.LastIndex = r.log.lastIndex()
		r.send(from, reply)
		return
	}
	if !r.appendFromLeader(m.Entries) {
		return
	}
	last := m.PrevIndex + uint64(len(m.Entries))
	if n := len(m.Entries); n > 0 {
		// Log matching, which the reply's Match promises the leader: the
		// log now holds the leader's entries through last.
		if t, ok := r.log.term(last); !ok || t != m.Entries[n-1].Term {
			panicf("after taking entries through %d of term %d the log holds term %d there (ok %t)", last, m.Entries[n-1].Term, t, ok)
		}
	}
	if c := min(m.Commit, last); c > r.commit {
		r.commitTo(c)
		r.checkPositions("commit from the leader")
	}
	r.maybeRepaired(m)
	if r.stopped != nil {
		return
	}
	reply.Success = true
	reply.Match = last
	reply.LastIndex = r.log.lastIndex()
	r.send(from, reply)
}

// trimEntries drops the entries at or below index.
func trimEntries(es []Entry, index uint64) []Entry {
	for len(es) > 0 && es[0].Index <= index {
		es = es[1:]
	}
	return es
}

func (r *Replica) becomeFollowerOf(leader NodeID) {
	if r.role != roleFollower || r.leader != leader {
		r.becomeFollower(r.term, leader)
	}
	r.electionElapsed = 0
}

// rejectHint tells the leader where to probe next: past our end if our log
// is short, else the first index of the conflicting term, so a whole term
// of divergent entries is skipped in one round trip.
func (r *Replica) rejectHint(prevIndex uint64) uint64 {
	if prevIndex > r.log.lastIndex() {
		return r.log.lastIndex() + 1
	}
	t, ok := r.log.term(prevIndex)
	if !ok {
		return r.commit + 1
	}
	i := prevIndex
	for i > r.commit+1 {
		if prev, _ := r.log.term(i - 1); prev != t {
			break
		}
		i--
	}
	return i
}

// appendFromLeader stores entries that follow a matching prefix: entries
// the log already holds are skipped, and the first conflicting one cuts the
// log there. It reports false if storage failed.
func (r *Replica) appendFromLeader(es []Entry) bool {
	for len(es) > 0 {
		t, ok := r.log.term(es[0].Index)
		if !ok || t != es[0].Term {
			break
		}
		es = es[1:]
	}
	if len(es) == 0 {
		return true
	}
	first := es[0].Index
	if first <= r.log.lastIndex() {
		if first <= r.commit {
			panicf("leader overwrites committed entry %d (commit %d)", first, r.commit)
		}
		r.log.truncateFrom(first)
		if err := r.wal.TruncateFrom(first); err != nil {
			r.stop(err)
			return false
		}
		r.unpersist(first - 1)
		r.checkPositions("truncation")
	}
	r.ownData(es)
	r.log.append(es...)
	if err := r.wal.Append(es); err != nil {
		r.stop(err)
		return false
	}
	r.walDirty = true
	return true
}

// ownData gives the entries' data a home of their own: they alias the
// received message (see Replica.Receive), whose buffer the environment
// reuses, and the log keeps them. One piece of the arena holds them all,
// each entry's slice capacity-capped to its own bytes, so taking an Append
// costs no allocation of its own.
func (r *Replica) ownData(es []Entry) {
	size := 0
	for i := range es {
		size += len(es[i].Data)
	}
	if size == 0 {
		return
	}
	buf := r.arena.alloc(size)[:0]
	for i := range es {
		if len(es[i].Data) == 0 {
			continue
		}
		start := len(buf)
		buf = append(buf, es[i].Data...)
		es[i].Data = buf[start:len(buf):len(buf)]
	}
	if len(buf) != size {
		panicf("entry data of %d bytes copied as %d", size, len(buf))
	}
}

// maybeRepaired ends the abstention that followed storage damage. The
// replica may have acknowledged entries it has since lost, so it must not
// vote (its vote could elect a leader missing an entry that was committed
// by counting its lost copy) until its log holds every committed entry.
// Every entry it ever acknowledged was in a term no later than its current
// one; the leader of its current term holds every committed entry of those
// terms (Leader Completeness). So once this log matches that leader's log
// through the leader's last index, it is whole again.
func (r *Replica) maybeRepaired(m *Message) {
	if r.recovering == nil || r.log.lastIndex() < m.LastIndex {
		return
	}
	r.env.Record(fmt.Sprintf("storage repaired by the leader of term %d through index %d", m.Term, r.log.lastIndex()))
	r.recovering = nil
	// Lower the durable ack mark to the repaired log's end: without it the
	// next restart would find the log shorter than the old mark (entries
	// past the leader's end were never committed and are gone for good)
	// and abstain again, although nothing committed is missing.
	if err := r.wal.MarkRepaired(); err != nil {
		r.stop(fmt.Errorf("record repair: %w", err))
	}
	if r.env.Disk().Size(rejoinMarker) >= 0 {
		r.env.Disk().Remove(rejoinMarker) // durable with the next barrier
	}
}

// snapshotAssembly is a snapshot a follower receives in chunks: the bytes
// so far, in order, and what names the transfer. A chunk of another
// transfer (another leader or term, another snapshot) starts over, at
// offset 0 only.
type snapshotAssembly struct {
	term     uint64
	leader   NodeID
	meta     SnapshotMeta
	size     uint64
	checksum uint32
	data     []byte
}

// assemblyPresizeMax bounds the buffer an incoming snapshot is given up
// front, from the size its first chunk announces: a snapshot of up to
// this size is assembled without a copy per chunk, and a claimed size,
// checksummed but not yet backed by bytes, never allocates more than this.
const assemblyPresizeMax = 8 << 20

func (a *snapshotAssembly) continues(from NodeID, m *Message) bool {
	return a != nil && a.term == m.Term && a.leader == from && a.meta == m.Snapshot &&
		a.size == m.SnapshotSize && a.checksum == m.SnapshotChecksum
}

// handleSnapshot takes a chunk of a leader's snapshot, for a follower that
// lags behind the leader's compacted log, and installs the snapshot once
// every byte has arrived and the checksum holds. Each chunk is answered
// with how many bytes the follower holds, so the leader paces the stream
// and resumes it after a loss; duplicates are acknowledged and dropped,
// chunks past a gap are refused.
func (r *Replica) handleSnapshot(from NodeID, m *Message) {
	if len(m.SnapshotData) > r.cfg.SnapshotChunkBytesMax {
		r.stats.OversizeMessages++
		r.env.Record(fmt.Sprintf("dropped a snapshot chunk from %d of %d bytes, over %d", from, len(m.SnapshotData), r.cfg.SnapshotChunkBytesMax))
		return
	}
	r.becomeFollowerOf(from)
	if m.Snapshot.Index <= r.commit {
		r.incoming = nil
		r.send(from, Message{Kind: MsgAppendResp, PrevIndex: m.Snapshot.Index, Success: true, Match: r.commit})
		return
	}
	if !r.incoming.continues(from, m) {
		if m.Offset != 0 {
			r.send(from, Message{Kind: MsgSnapshotResp, Snapshot: m.Snapshot, Offset: 0})
			return
		}
		r.incoming = &snapshotAssembly{term: m.Term, leader: from, meta: m.Snapshot, size: m.SnapshotSize, checksum: m.SnapshotChecksum,
			data: make([]byte, 0, min(m.SnapshotSize, assemblyPresizeMax))}
	}
	a := r.incoming
	have, end := uint64(len(a.data)), m.Offset+uint64(len(m.SnapshotData))
	if m.Offset > have || end <= have {
		// Past a gap (refused: resume at have), or already held.
		r.send(from, Message{Kind: MsgSnapshotResp, Snapshot: m.Snapshot, Offset: have, Success: m.Offset <= have})
		return
	}
	a.data = append(a.data, m.SnapshotData[have-m.Offset:]...)
	r.stats.SnapshotChunksTaken++
	if uint64(len(a.data)) > a.size {
		panicf("snapshot assembly of %d bytes past its size %d", len(a.data), a.size) // checkChunk bounds every chunk
	}
	if uint64(len(a.data)) < a.size {
		r.send(from, Message{Kind: MsgSnapshotResp, Snapshot: m.Snapshot, Offset: uint64(len(a.data)), Success: true})
		return
	}
	r.incoming = nil
	if sum := crc32.Checksum(a.data, castagnoli); sum != a.checksum {
		r.env.Record(fmt.Sprintf("rejected snapshot through %d: checksum %08x, want %08x; starting over", a.meta.Index, sum, a.checksum))
		r.send(from, Message{Kind: MsgSnapshotResp, Snapshot: m.Snapshot, Offset: 0})
		return
	}
	r.installFromLeader(from, m.Term, a.meta, a.data)
}

// installFromLeader installs a whole, verified snapshot and tells the
// leader the log now matches through it.
func (r *Replica) installFromLeader(from NodeID, term uint64, meta SnapshotMeta, data []byte) {
	if err := r.installSnapshot(meta, data); err != nil {
		r.env.Record("rejected snapshot: " + err.Error())
		return
	}
	r.maybeRepaired(&Message{Term: term, LastIndex: meta.Index})
	r.send(from, Message{Kind: MsgAppendResp, PrevIndex: meta.Index, Success: true, Match: meta.Index, LastIndex: r.log.lastIndex()})
}

func (r *Replica) installSnapshot(meta SnapshotMeta, data []byte) error {
	if err := r.restoreSnapshot(meta, data); err != nil {
		return err
	}
	if t, ok := r.log.term(meta.Index); ok && t == meta.Term {
		r.log.compact(meta) // the entries after the snapshot still agree
	} else {
		// The log lacks the snapshot's last entry: all of it is superseded.
		if r.log.lastIndex() >= r.log.firstIndex() {
			if err := r.wal.TruncateFrom(r.log.firstIndex()); err != nil {
				r.stop(err)
				return err
			}
		}
		r.log = raftLog{snap: meta}
	}
	r.commitTo(meta.Index)
	r.applied = meta.Index
	r.snapData, r.sinceSnap = data, 0
	r.stats.SnapshotsInstalled++
	if err := r.wal.SaveSnapshot(meta, data); err != nil {
		r.stop(err)
		return err
	}
	// What the log held before is no longer what it holds: nothing of the
	// new state counts as durable until the next barrier completes.
	r.unpersist(0)
	r.checkPositions("snapshot install")
	r.env.Record(fmt.Sprintf("installed snapshot through index %d", meta.Index))
	return nil
}
