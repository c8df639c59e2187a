package replica

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
)

// The hard state lives in two files, each one fixed-size record: magic,
// sequence number, term, vote, checksum. SaveHardState writes and syncs
// one copy, then the other, so at every moment one copy holds the newest
// synced state: a torn write or a single damaged copy never loses (or
// rolls back) a vote the replica acted on.
const (
	hardStateMagic = 0x464c4853 // "FLHS"
	hardStateSize  = 4 + 8 + 8 + 4 + 4 + 4
)

var hardStateFiles = [2]string{"hardstate-a", "hardstate-b"}

// SaveHardState makes hs durable before it returns.
func (w *WAL) SaveHardState(hs HardState) error {
	w.hardSeq++
	rec := make([]byte, 0, hardStateSize)
	rec = binary.LittleEndian.AppendUint32(rec, hardStateMagic)
	rec = binary.LittleEndian.AppendUint64(rec, w.hardSeq)
	rec = binary.LittleEndian.AppendUint64(rec, hs.Term)
	rec = binary.LittleEndian.AppendUint32(rec, uint32(hs.Vote))
	rec = binary.LittleEndian.AppendUint32(rec, 0)
	rec = binary.LittleEndian.AppendUint32(rec, crc32.Checksum(rec, castagnoli))
	for _, name := range hardStateFiles {
		if err := w.disk.Write(name, 0, rec); err != nil {
			return fmt.Errorf("%w: write %s: %w", ErrStorageFailed, name, err)
		}
		if err := w.disk.Sync(); err != nil {
			return fmt.Errorf("%w: sync %s: %w", ErrStorageFailed, name, err)
		}
	}
	return nil
}

// loadHardState reads both copies and keeps the newest valid one. A copy
// cut short is a torn write that was never synced and is ignored; a
// full-size copy that fails its checksum is damage. With no valid copy but
// damage present, the replica cannot know whom it voted for: that is
// unrecoverable.
func (w *WAL) loadHardState() (HardState, error) {
	var best HardState
	found, damaged := false, 0
	for _, name := range hardStateFiles {
		b, err := w.disk.ReadAll(name)
		if err != nil || len(b) < hardStateSize {
			continue // missing, or torn before its first sync
		}
		rec := b[:hardStateSize]
		if binary.LittleEndian.Uint32(rec) != hardStateMagic ||
			crc32.Checksum(rec[:hardStateSize-4], castagnoli) != binary.LittleEndian.Uint32(rec[hardStateSize-4:]) {
			damaged++
			continue
		}
		seq := binary.LittleEndian.Uint64(rec[4:])
		if !found || seq > w.hardSeq {
			w.hardSeq = seq
			best = HardState{Term: binary.LittleEndian.Uint64(rec[12:]), Vote: NodeID(int32(binary.LittleEndian.Uint32(rec[20:])))}
			found = true
		}
	}
	if !found && damaged > 0 {
		return HardState{}, fmt.Errorf("%w: both copies of the term and vote are damaged", ErrUnrecoverable)
	}
	if !found {
		best.Vote = None
	}
	return best, nil
}
