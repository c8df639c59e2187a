package replica

import (
	"errors"
	"fmt"
)

// Storage errors. The replica treats both as fatal for the process: it stops
// serving rather than run on state it cannot trust.
var (
	// ErrStorageFailed wraps a failed disk operation, such as an fsync
	// error: the writes it covered may be lost for good.
	ErrStorageFailed = errors.New("replica: storage failed")
	// ErrUnrecoverable is returned by OpenWAL when the disk lacks what a
	// replica needs to rejoin safely, such as both copies of its vote.
	ErrUnrecoverable = errors.New("replica: storage unrecoverable")
)

// WALOptions size the log's segment files. Zero fields take defaults.
type WALOptions struct {
	// SegmentEntriesMax starts a new segment after this many entries.
	SegmentEntriesMax int
	// SegmentBytesMax starts a new segment once a segment reaches this
	// many bytes. A segment may pass it by one batch's last record.
	SegmentBytesMax int64
}

// Segment defaults: small enough that compaction frees space soon after a
// snapshot, large enough that a segment switch is rare on the hot path.
const (
	// SegmentEntriesDefault is SegmentEntriesMax when unset.
	SegmentEntriesDefault = 4096
	segmentBytesDefault   = 64 << 20
)

// walIndexMax bounds every log index the WAL writes (and every index it
// reads lies below it), far beyond any real log, so that index arithmetic
// (index+1, a segment's last index) never overflows on values read from a
// damaged disk, and a recovered log can always take one more entry.
const walIndexMax = 1 << 62

func (o WALOptions) withDefaults() WALOptions {
	if o.SegmentEntriesMax <= 0 {
		o.SegmentEntriesMax = SegmentEntriesDefault
	}
	if o.SegmentBytesMax <= 0 {
		o.SegmentBytesMax = segmentBytesDefault
	}
	return o
}

// WAL is a replica's durable state on its Disk: the log in segment files,
// the hard state in two copies, snapshots in two slots, and the ack mark
// (the highest index the log was ever synced through) in two copies. Every
// record carries checksums. Appends and truncations are volatile until
// Sync; SaveHardState and SaveSnapshot are durable when they return.
type WAL struct {
	disk     Disk
	opts     WALOptions
	segments []segment // in index order; the last one takes appends
	last     uint64    // last index in the segments (0: none)
	snap     SnapshotMeta
	snapSeq  uint64
	snapSlot int // slot holding the newest valid snapshot, -1 if none
	hardSeq  uint64
	mark     ackMark
	buf      []byte // reused encoding buffer of the append path
	slotBuf  []byte // reused encoding buffer of the small slot records
	// markPayload is the ack mark's payload being written (see writeMark).
	markPayload [markPayloadSize]byte
}

// Recovered is what OpenWAL found on disk.
type Recovered struct {
	// HardState is the newest durable term and vote; Term 0 and Vote
	// None if none was ever saved.
	HardState HardState
	// Snapshot is the newest valid snapshot; zero Index if none.
	Snapshot SnapshotMeta
	// SnapshotData is the state machine's snapshot, nil if none.
	SnapshotData []byte
	// Entries follow the snapshot, contiguous and in order. Their Data
	// share one buffer per segment: callers must not write to them.
	Entries []Entry
	// TornTail reports that an unsynced tail was cut off: normal after a
	// crash, since nothing unsynced was ever acknowledged.
	TornTail bool
	// Corruption, if set, reports synced data found damaged. Entries from
	// Corruption.FirstBadIndex on are gone from disk; the replica must not
	// vote until a leader has repaired its log.
	Corruption *Corruption
}

// Corruption describes damaged synced data.
type Corruption struct {
	// What says what was damaged and how, for the trace.
	What string
	// FirstBadIndex is the first log index lost, or 0 if the damage lost
	// no entry (such as both copies of the snapshot, with the log whole).
	FirstBadIndex uint64
	// HardStateTerm is the term recorded on disk when the damage was
	// found. The replica may have acknowledged lost entries in any term
	// up to it, so only a leader of this term or later can repair it.
	HardStateTerm uint64
	// AckedThrough is the ack mark when the damage was found: no index
	// above it was ever acknowledged. AckedKnown is false when the mark
	// itself was lost (or never written); then nothing bounds what the
	// replica may have acknowledged.
	AckedThrough uint64
	AckedKnown   bool
}

// addCorruption records damage, merging it with damage found earlier: the
// lowest first bad index wins, since everything from it on is gone.
func (r *Recovered) addCorruption(what string, firstBad uint64) {
	if r.Corruption == nil {
		r.Corruption = &Corruption{What: what, FirstBadIndex: firstBad, HardStateTerm: r.HardState.Term}
		return
	}
	c := r.Corruption
	c.What += "; " + what
	if firstBad != 0 && (c.FirstBadIndex == 0 || firstBad < c.FirstBadIndex) {
		c.FirstBadIndex = firstBad
	}
}

// OpenWAL reads everything on d and returns the storage and what it holds.
// Damage is classified (see classifyLog), cut away durably, and never
// trusted; no disk content makes it panic. It returns an error wrapping
// ErrUnrecoverable when the replica cannot safely rejoin, or
// ErrStorageFailed when the disk fails.
func OpenWAL(d Disk, opts WALOptions) (*WAL, Recovered, error) {
	w := &WAL{disk: d, opts: opts.withDefaults(), snapSlot: -1}
	var rec Recovered
	hs, err := w.loadHardState()
	if err != nil {
		return nil, Recovered{}, err
	}
	rec.HardState = hs
	markDamaged, err := w.loadMark()
	if err != nil {
		return nil, Recovered{}, err
	}
	snapDamaged, err := w.loadSnapshot(&rec)
	if err != nil {
		return nil, Recovered{}, err
	}
	scan, err := w.scanLog(rec.Snapshot)
	if err != nil {
		return nil, Recovered{}, err
	}
	w.classifyLog(&scan, &rec)
	if snapDamaged {
		rec.addCorruption("snapshot: no usable copy left", 0)
	}
	if markDamaged {
		// Both copies of the ack mark are gone: the log may have lost an
		// acknowledged tail that nothing can now tell from a torn one.
		rec.addCorruption("ack mark: both copies damaged", 0)
	}
	if c := rec.Corruption; c != nil {
		c.AckedThrough, c.AckedKnown = w.mark.index, w.mark.valid
	}
	if err := w.repairLog(&scan); err != nil {
		return nil, Recovered{}, err
	}
	w.adopt(&scan, &rec)
	return w, rec, nil
}

// adopt makes the scanned log the WAL's own, without the entries that a
// corruption report says are gone.
func (w *WAL) adopt(scan *logScan, rec *Recovered) {
	w.segments = scan.segments
	w.last = scan.last
	rec.Entries = scan.entries
	if c := rec.Corruption; c != nil && c.FirstBadIndex > 0 {
		for len(rec.Entries) > 0 && rec.Entries[len(rec.Entries)-1].Index >= c.FirstBadIndex {
			rec.Entries = rec.Entries[:len(rec.Entries)-1]
		}
	}
	checkRecoveredLog(rec)
}

// checkRecoveredLog checks the log the scan read back, as Append checked
// it before writing: the entries start right after the snapshot, follow
// one another, and their terms never go back.
func checkRecoveredLog(rec *Recovered) {
	prevIndex, prevTerm := rec.Snapshot.Index, rec.Snapshot.Term
	for i := range rec.Entries {
		e := &rec.Entries[i]
		if e.Index != prevIndex+1 || e.Term < prevTerm {
			panicf("recovered entry %d of term %d after entry %d of term %d", e.Index, e.Term, prevIndex, prevTerm)
		}
		prevIndex, prevTerm = e.Index, e.Term
	}
}

// FirstIndex returns the index of the first entry after the snapshot. The
// log holds no entries when FirstIndex() > LastIndex().
func (w *WAL) FirstIndex() uint64 { return w.snap.Index + 1 }

// LastIndex returns the index of the last entry on disk, or of the
// snapshot if the log holds none after it.
func (w *WAL) LastIndex() uint64 { return max(w.last, w.snap.Index) }

func storageErr(op, name string, err error) error {
	return fmt.Errorf("%w: %s %s: %w", ErrStorageFailed, op, name, err)
}
