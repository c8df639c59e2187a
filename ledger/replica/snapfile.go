package replica

import "encoding/binary"

// Snapshots alternate between two slot files, so that writing a new one
// never damages the last good one. The payload is the snapshot's meta
// (index, term, timestamp) followed by the state machine's data.
//
// On open the newest valid copy wins. If the newest is damaged the older
// one is used; the log behind it may already have been compacted past it,
// and then the log no longer begins right after the snapshot, which the
// scan reports as corruption (a gap at the start) so that the leader
// repairs the replica, by InstallSnapshot if need be. SaveSnapshot also
// raises the ack mark to the snapshot's index, so that losing a snapshot
// the replica acknowledged is detected even when no log is left behind it.
// Both copies damaged is reported as corruption too: the log is kept only
// if it still runs from index 1.
const (
	snapMagic    = 0x464c534e // "FLSN"
	snapMetaSize = 8 + 8 + 8
)

var (
	snapFiles = [2]string{"snap-a", "snap-b"}
	snapSize  = slotSize{snapMetaSize, snapMetaSize + SnapshotDataMax}
)

// SaveSnapshot makes a snapshot durable, then removes the log segments
// whose entries it covers entirely and makes that durable too.
func (w *WAL) SaveSnapshot(meta SnapshotMeta, data []byte) error {
	if len(data) > SnapshotDataMax || meta.Index >= walIndexMax {
		panicf("snapshot through %d of %d bytes, over %d", meta.Index, len(data), SnapshotDataMax)
	}
	if meta.Index < w.snap.Index {
		panicf("snapshot through %d replacing one through %d", meta.Index, w.snap.Index)
	}
	slot := 0
	if w.snapSlot == 0 {
		slot = 1
	}
	var m [snapMetaSize]byte
	binary.LittleEndian.PutUint64(m[:], meta.Index)
	binary.LittleEndian.PutUint64(m[8:], meta.Term)
	binary.LittleEndian.PutUint64(m[16:], uint64(meta.Timestamp))
	name := snapFiles[slot]
	if err := w.writeSlot(name, snapMagic, w.snapSeq+1, m[:], data); err != nil {
		return err
	}
	if err := syncDisk(w.disk, name); err != nil {
		return err
	}
	w.snapSlot, w.snapSeq, w.snap = slot, w.snapSeq+1, meta
	w.compact(meta.Index)
	if !w.mark.valid || w.mark.index < meta.Index {
		return w.writeMark(meta.Index) // syncs the compaction too
	}
	return syncDisk(w.disk, "compaction")
}

// loadSnapshot picks the newest valid snapshot. It reports damaged when
// both copies exist and neither is valid.
func (w *WAL) loadSnapshot(rec *Recovered) (damaged bool, err error) {
	p, err := readSlots(w.disk, snapFiles, snapMagic, snapSize)
	if err != nil {
		return false, err
	}
	if p.newest < 0 {
		return p.bothDamaged(), nil
	}
	if len(p.payload) < snapMetaSize || len(p.payload) > snapMetaSize+SnapshotDataMax {
		panicf("snapshot slot read back with a payload of %d bytes", len(p.payload)) // decodeSlot bounds it
	}
	meta := SnapshotMeta{
		Index:     binary.LittleEndian.Uint64(p.payload),
		Term:      binary.LittleEndian.Uint64(p.payload[8:]),
		Timestamp: int64(binary.LittleEndian.Uint64(p.payload[16:])),
	}
	if meta.Index >= walIndexMax {
		return true, nil // checksummed yet impossible: treat as damaged
	}
	w.snapSlot, w.snapSeq, w.snap = p.newest, p.seq, meta
	rec.Snapshot = meta
	rec.SnapshotData = p.payload[snapMetaSize:len(p.payload):len(p.payload)]
	return false, nil
}

// compact removes the segments whose entries the snapshot covers entirely,
// volatile until a Sync. Segments holding any entry after index are kept.
func (w *WAL) compact(index uint64) {
	keep := w.segments[:0]
	for i, s := range w.segments {
		covered := s.count() > 0 && s.lastIndex() <= index
		emptyBefore := s.count() == 0 && i < len(w.segments)-1
		if covered || emptyBefore {
			w.disk.Remove(s.name)
			continue
		}
		keep = append(keep, s)
	}
	clear(w.segments[len(keep):])
	w.segments = keep
	w.last = w.lastInSegments()
}

// lastInSegments returns the last index the segments hold, 0 if none.
func (w *WAL) lastInSegments() uint64 {
	for i := len(w.segments) - 1; i >= 0; i-- {
		if s := &w.segments[i]; s.count() > 0 {
			return s.lastIndex()
		}
	}
	return 0
}
