package replica

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
)

// Snapshots alternate between two files, so that writing a new one never
// damages the last good one. Each is a header (magic, sequence, meta, data
// length, data checksum, header checksum) followed by the data.
const (
	snapMagic      = 0x464c534e // "FLSN"
	snapHeaderSize = 4 + 8*5 + 4 + 4
)

var snapFiles = [2]string{"snap-a", "snap-b"}

// SaveSnapshot makes a snapshot durable, then removes the log segments it
// covers entirely.
func (w *WAL) SaveSnapshot(meta SnapshotMeta, data []byte) error {
	slot := 0
	if w.snapSlot == 0 {
		slot = 1
	}
	w.snapSeq++
	hdr := make([]byte, 0, snapHeaderSize+len(data))
	hdr = binary.LittleEndian.AppendUint32(hdr, snapMagic)
	hdr = binary.LittleEndian.AppendUint64(hdr, w.snapSeq)
	hdr = binary.LittleEndian.AppendUint64(hdr, meta.Index)
	hdr = binary.LittleEndian.AppendUint64(hdr, meta.Term)
	hdr = binary.LittleEndian.AppendUint64(hdr, uint64(meta.Timestamp))
	hdr = binary.LittleEndian.AppendUint64(hdr, uint64(len(data)))
	hdr = binary.LittleEndian.AppendUint32(hdr, crc32.Checksum(data, castagnoli))
	hdr = binary.LittleEndian.AppendUint32(hdr, crc32.Checksum(hdr, castagnoli))
	file := append(hdr, data...)
	name := snapFiles[slot]
	if err := w.disk.Truncate(name, 0); err != nil {
		return fmt.Errorf("%w: reset %s: %w", ErrStorageFailed, name, err)
	}
	if err := w.disk.Write(name, 0, file); err != nil {
		return fmt.Errorf("%w: write %s: %w", ErrStorageFailed, name, err)
	}
	if err := w.Sync(); err != nil {
		return err
	}
	w.snapSlot, w.snap = slot, meta
	w.compact(meta.Index)
	return w.Sync()
}

// loadSnapshot picks the newest valid snapshot. It returns a description
// of any damaged newer one, because the log behind a lost snapshot may
// already be compacted away: the caller checks for the gap.
func (w *WAL) loadSnapshot(rec *Recovered) (damaged string) {
	for slot, name := range snapFiles {
		b, err := w.disk.ReadAll(name)
		if err != nil || len(b) == 0 {
			continue
		}
		meta, seq, data, ok := decodeSnapshotFile(b)
		if !ok {
			damaged = "snapshot " + name
			continue
		}
		if w.snapSlot < 0 || seq > w.snapSeq {
			w.snapSlot, w.snapSeq, w.snap = slot, seq, meta
			rec.Snapshot, rec.SnapshotData = meta, data
		}
	}
	return damaged
}

func decodeSnapshotFile(b []byte) (SnapshotMeta, uint64, []byte, bool) {
	if len(b) < snapHeaderSize {
		return SnapshotMeta{}, 0, nil, false
	}
	hdr := b[:snapHeaderSize]
	if binary.LittleEndian.Uint32(hdr) != snapMagic ||
		crc32.Checksum(hdr[:snapHeaderSize-4], castagnoli) != binary.LittleEndian.Uint32(hdr[snapHeaderSize-4:]) {
		return SnapshotMeta{}, 0, nil, false
	}
	seq := binary.LittleEndian.Uint64(hdr[4:])
	meta := SnapshotMeta{Index: binary.LittleEndian.Uint64(hdr[12:]), Term: binary.LittleEndian.Uint64(hdr[20:]),
		Timestamp: int64(binary.LittleEndian.Uint64(hdr[28:]))}
	size := binary.LittleEndian.Uint64(hdr[36:])
	if size != uint64(len(b)-snapHeaderSize) {
		return SnapshotMeta{}, 0, nil, false
	}
	data := b[snapHeaderSize:]
	if crc32.Checksum(data, castagnoli) != binary.LittleEndian.Uint32(hdr[44:]) {
		return SnapshotMeta{}, 0, nil, false
	}
	return meta, seq, data, true
}
