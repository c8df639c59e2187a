package replica

import (
	"encoding/binary"
	"fmt"
)

// The hard state (term and vote) lives in two slot files with the same
// record. SaveHardState writes one copy and syncs, then the other and
// syncs, so that at every moment at least one copy holds the newest synced
// state. What a crash or a single damaged copy can do:
//
//   - a crash tears at most the copy being written; the other holds either
//     the state being saved (second write) or the one before it (first
//     write), and a save that did not return was never acted upon;
//   - a bit flip at rest damages one copy; the other holds the same state
//     or, mid-save, one of the two above;
//   - both copies invalid is damage at rest (see slotPair.bothDamaged): the
//     replica cannot know whom it voted for, which is unrecoverable.
//
// A single damaged copy is therefore never reported: it never loses or
// rolls back a vote the replica acted on, and the next save rewrites it.
const (
	hardStateMagic       = 0x464c4853 // "FLHS"
	hardStatePayloadSize = 8 + 4
)

var hardStateSize = slotSize{hardStatePayloadSize, hardStatePayloadSize}

var hardStateFiles = [2]string{"hardstate-a", "hardstate-b"}

// SaveHardState makes hs durable before it returns.
func (w *WAL) SaveHardState(hs HardState) error {
	p, err := readSlots(w.disk, hardStateFiles, hardStateMagic, hardStateSize)
	if err != nil {
		return err
	}
	// Write the copy that is not the newest valid one first: overwriting
	// the only good copy first would let a torn write lose both.
	order := [2]int{0, 1}
	if p.newest == 0 {
		order = [2]int{1, 0}
	}
	w.hardSeq = max(w.hardSeq, p.seq) + 1
	var payload [hardStatePayloadSize]byte
	binary.LittleEndian.PutUint64(payload[:], hs.Term)
	binary.LittleEndian.PutUint32(payload[8:], uint32(hs.Vote))
	for _, slot := range order {
		name := hardStateFiles[slot]
		if err := w.writeSlot(name, hardStateMagic, w.hardSeq, payload[:]); err != nil {
			return err
		}
		if err := syncDisk(w.disk, name); err != nil {
			return err
		}
	}
	return nil
}

// loadHardState reads both copies and keeps the newest valid one. With no
// valid copy it returns the fresh state (term 0, no vote) unless both copies
// exist: one copy alone can only be the first save, torn by a crash before
// it returned, so no vote was acted on.
func (w *WAL) loadHardState() (HardState, error) {
	p, err := readSlots(w.disk, hardStateFiles, hardStateMagic, hardStateSize)
	if err != nil {
		return HardState{}, err
	}
	if p.bothDamaged() {
		return HardState{}, fmt.Errorf("%w: both copies of the term and vote (%s, %s) are damaged",
			ErrUnrecoverable, hardStateFiles[0], hardStateFiles[1])
	}
	if p.newest < 0 {
		return HardState{Vote: None}, nil
	}
	if len(p.payload) != hardStatePayloadSize {
		panicf("hard state read back with a payload of %d bytes", len(p.payload)) // decodeSlot bounds it
	}
	w.hardSeq = p.seq
	return HardState{
		Term: binary.LittleEndian.Uint64(p.payload),
		Vote: NodeID(int32(binary.LittleEndian.Uint32(p.payload[8:]))),
	}, nil
}
