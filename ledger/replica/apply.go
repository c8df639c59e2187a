package replica

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
)

// ErrBadSnapshot is wrapped by errors restoring a damaged snapshot.
var ErrBadSnapshot = errors.New("replica: bad snapshot")

// applyCommitted applies every committed entry not yet applied, answers the
// clients waiting on them, and takes a snapshot when enough have piled up.
func (r *Replica) applyCommitted() {
	for r.applied < r.commit && r.stopped == nil {
		e := r.log.at(r.applied + 1)
		status, result := StatusOK, []byte(nil)
		var req Request
		if e.Kind == EntryCommand {
			var err error
			if req, err = decodeRequest(e.Data); err != nil {
				panicf("committed entry %d: %v", e.Index, err) // checksummed on disk and wire
			}
			status, result = r.sessions.apply(&req, e.Index, e.Timestamp, r.sm)
		}
		r.applied = e.Index
		r.sinceSnap += uint64(len(e.Data))
		r.stats.Applied++
		r.digest = r.chain.next(r.digest, e)
		if r.cfg.OnApply != nil {
			r.cfg.OnApply(e, r.digest)
		}
		r.answerWaiters(e, &req, status, result)
	}
	r.checkPositions("apply")
	if r.snapshotDue() {
		r.takeSnapshot()
	}
}

// snapshotDue reports whether the applied log has grown enough to replace
// with a snapshot: at least SnapshotEntries entries, and at least as many
// bytes of entry data as the latest snapshot holds. The byte rule keeps the
// cost of snapshots proportional to the log: a ledger's state only grows,
// so a snapshot every fixed number of entries would rewrite the whole
// state ever more often per byte of new work (quadratic over a run: in an
// end-of-day-burst run each replica wrote about 11 MB of snapshots for
// under 3 MB of log, and 3.4 MB with this rule). It is also the point where
// the log stops paying for itself: until the log since the snapshot
// outweighs it, catching a lagging follower up from the log is cheaper
// than sending it the snapshot (CockroachDB's raft log truncation weighs
// the same two sizes).
func (r *Replica) snapshotDue() bool {
	return r.applied-r.log.snap.Index >= r.cfg.SnapshotEntries && r.sinceSnap >= uint64(len(r.snapData))
}

// chainHasher extends the digest of the applied log by one entry at a
// time: SHA-256(previous digest | index | term | kind | timestamp | data).
// Two replicas that applied the same entries in the same order hold the
// same digest at every index; the convergence checker compares them. The
// replica keeps one, so that the hash state and the header are not
// allocated again for every entry applied.
type chainHasher struct {
	h   hash.Hash
	hdr [32 + chainHeaderSize]byte // the previous digest, then the entry's header
	out [sha256.Size]byte
}

// chainHeaderSize is an entry's header in the chain digest: index u64 |
// term u64 | kind u8 | timestamp i64.
const chainHeaderSize = 8 + 8 + 1 + 8

// next returns the digest after prev of the log extended by e.
func (c *chainHasher) next(prev [32]byte, e *Entry) [32]byte {
	if c.h == nil {
		c.h = sha256.New()
	}
	c.h.Reset()
	copy(c.hdr[:32], prev[:])
	hdr := c.hdr[32:]
	binary.LittleEndian.PutUint64(hdr[0:], e.Index)
	binary.LittleEndian.PutUint64(hdr[8:], e.Term)
	hdr[16] = byte(e.Kind)
	binary.LittleEndian.PutUint64(hdr[17:], uint64(e.Timestamp))
	c.h.Write(c.hdr[:])
	c.h.Write(e.Data)
	c.h.Sum(c.out[:0])
	return c.out
}

// takeSnapshot saves the applied state and compacts the log behind it.
func (r *Replica) takeSnapshot() {
	e := r.log.at(r.applied)
	meta := SnapshotMeta{Index: e.Index, Term: e.Term, Timestamp: e.Timestamp}
	data := r.encodeSnapshot()
	if err := r.wal.SaveSnapshot(meta, data); err != nil {
		r.stop(err)
		return
	}
	r.log.compact(meta)
	r.snapData, r.sinceSnap = data, 0
	r.stats.Snapshots++
	r.checkPositions("snapshot")
}

// snapshotVersion is the first byte of a replica snapshot.
const snapshotVersion = 1

// SnapshotAppender is a StateMachine that can write its snapshot straight
// into the replica's snapshot record: SnapshotSize is the exact length
// AppendSnapshot appends, and the bytes are Snapshot's. The replica then
// allocates one buffer per snapshot instead of two (the state machine's,
// and the record it is copied into), at hundreds of kilobytes each.
type SnapshotAppender interface {
	SnapshotSize() int
	AppendSnapshot(b []byte) []byte
}

// encodeSnapshot serializes the replicated state: the applied digest, the
// client sessions and the state machine, each part written in place into
// one buffer of the planned size.
func (r *Replica) encodeSnapshot() []byte {
	sessionsSize := r.sessions.encodedSize()
	appender, direct := r.sm.(SnapshotAppender)
	var sm []byte
	smSize := 0
	if direct {
		smSize = appender.SnapshotSize()
	} else {
		sm = r.sm.Snapshot()
		smSize = len(sm)
	}
	size := 1 + len(r.digest) + 4 + sessionsSize + 4 + smSize
	e := encoder{buf: make([]byte, 0, size)}
	e.u8(snapshotVersion)
	e.buf = append(e.buf, r.digest[:]...)
	e.u32(uint32(sessionsSize))
	r.sessions.appendTo(&e)
	e.u32(uint32(smSize))
	if direct {
		e.buf = appender.AppendSnapshot(e.buf)
	} else {
		e.buf = append(e.buf, sm...)
	}
	// Checked before it is written as restoreSnapshot will read it.
	if v, digest, s, m, ok := snapshotParts(e.buf); !ok || v != snapshotVersion || len(e.buf) != size ||
		!bytes.Equal(digest, r.digest[:]) || len(s) != sessionsSize || len(m) != smSize {
		panicf("snapshot of %d bytes (planned %d) at applied %d does not read back (version %d, ok %t)",
			len(e.buf), size, r.applied, v, ok)
	}
	return e.buf
}

// snapshotParts splits a replica snapshot into its version, the applied
// digest, the sessions and the state machine's data, which alias data (a
// copy would cost a second snapshot's bytes each time one is taken, where
// it is only checked, and each time one is restored, where the sessions
// and the state machine copy what they keep). It reports false if data is
// not exactly that.
func snapshotParts(data []byte) (version uint8, digest, sessions, sm []byte, ok bool) {
	d := decoder{buf: data, alias: true}
	version = d.u8()
	digest = d.take(32)
	sessions = d.bytes(SnapshotDataMax)
	sm = d.bytes(SnapshotDataMax)
	return version, digest, sessions, sm, d.err == nil && len(d.buf) == 0
}

// restoreSnapshot replaces the replicated state with a snapshot's. The
// state is untouched if the snapshot is damaged.
func (r *Replica) restoreSnapshot(meta SnapshotMeta, data []byte) error {
	v, digestBytes, sessionBytes, smBytes, ok := snapshotParts(data)
	if v != snapshotVersion {
		return fmt.Errorf("%w: version %d", ErrBadSnapshot, v)
	}
	if !ok {
		return fmt.Errorf("%w: malformed at index %d", ErrBadSnapshot, meta.Index)
	}
	var digest [32]byte
	copy(digest[:], digestBytes)
	sd := decoder{buf: sessionBytes}
	sessions, err := decodeSessions(&sd, r.cfg.SessionsMax)
	if err != nil {
		return err
	}
	sm := r.cfg.NewStateMachine()
	if err := sm.Restore(smBytes); err != nil {
		return fmt.Errorf("%w: state machine: %w", ErrBadSnapshot, err)
	}
	r.sm, r.sessions, r.digest = sm, sessions, digest
	// Both callers restore only a snapshot past everything committed here
	// (recovery starts from nothing; installSnapshot refuses older ones).
	r.commitTo(meta.Index)
	r.applied = meta.Index
	r.snapData, r.sinceSnap = data, 0
	return nil
}
