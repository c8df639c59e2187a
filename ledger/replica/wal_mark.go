package replica

import "encoding/binary"

// The ack mark closes the blind spot of checksums alone. A record damaged
// at rest that happens to be the last one on disk, with nothing after it,
// looks exactly like a torn write of an unsynced tail; so does a lost final
// segment file, or a snapshot lost after compaction. Cutting such a tail as
// torn would silently drop entries the replica acknowledged, and a replica
// that forgets an acknowledged entry can vote for a leader that lacks a
// committed one.
//
// So the WAL keeps, in two slot files, the highest index it has ever
// confirmed durable: Sync writes it after the log's fsync has
// succeeded, and syncs it, before returning; SaveSnapshot raises it to the
// snapshot's index. It is therefore a lower bound of what the disk held
// when any acknowledgement was sent. On open, damage at or below the mark is
// corruption, damage above it is a torn tail (nothing there was ever
// acknowledged), and a log that ends below the mark has lost synced
// entries. The price is two small writes and two more fsyncs per Sync that
// extends the log (see writeMark and BenchmarkWALAppend).
//
// The mark only goes down when the log is truncated on purpose (a conflict
// with the leader, TruncateFrom) or the replica is declared repaired
// (MarkRepaired). It is not lowered when damage is cut away at open: the
// corruption is then reported again at every open until the log is whole
// again, so a restart cannot make a damaged replica forget that it may have
// lost acknowledged entries.
const (
	markMagic       = 0x464c4d4b // "FLMK"
	markPayloadSize = 8
)

var (
	markFiles = [2]string{"ackmark-a", "ackmark-b"}
	markSize  = slotSize{markPayloadSize, markPayloadSize}
)

// ackMark is the WAL's copy of the durable mark.
type ackMark struct {
	index uint64
	valid bool // a valid copy was found on open, or one was written since
	seq   uint64
	slot  int // slot holding the newest valid copy, -1 if none
}

// loadMark reads the mark. It reports damaged when both copies exist and
// neither is valid; the mark is then unknown and classification falls back
// to the shape of the damage alone.
func (w *WAL) loadMark() (damaged bool, err error) {
	w.mark = ackMark{slot: -1}
	p, err := readSlots(w.disk, markFiles, markMagic, markSize)
	if err != nil {
		return false, err
	}
	if p.newest >= 0 {
		if len(p.payload) != markPayloadSize {
			panicf("ack mark read back with a payload of %d bytes", len(p.payload)) // decodeSlot bounds it
		}
		w.mark = ackMark{index: min(binary.LittleEndian.Uint64(p.payload), walIndexMax), valid: true, seq: p.seq, slot: p.newest}
	}
	return p.bothDamaged(), nil
}

// writeMark makes index the durable mark. It writes both copies, one after
// the other, each synced before the next is touched, so that at every
// moment at least one valid copy holds the newest mark that was ever
// durable: a crash tears at most the copy being written (the other holds
// the previous mark, and nothing was acknowledged under the new one yet),
// and damage at rest to either copy leaves the other holding the same
// value. Alternating copies, one per write, would be a write cheaper, but
// then damage to the newest copy would leave only the previous, lower mark
// and acknowledged entries past it could be cut as a torn tail (swarm seed
// 630: one misdirected-write burst hit the log's last record and the newest
// mark copy). Writing both also means that lowering the mark leaves no
// older copy claiming more than the log holds.
func (w *WAL) writeMark(index uint64) error {
	// The payload lives in the WAL: a local array would escape to the
	// heap through the checksum's variadic parts, once per Sync.
	payload := w.markPayload[:]
	binary.LittleEndian.PutUint64(payload, index)
	for range markFiles {
		slot := 0
		if w.mark.slot == 0 {
			slot = 1
		}
		w.mark.seq++
		if err := w.writeSlot(markFiles[slot], markMagic, w.mark.seq, payload); err != nil {
			return err
		}
		if err := syncDisk(w.disk, markFiles[slot]); err != nil {
			return err
		}
		w.mark.index, w.mark.valid, w.mark.slot = index, true, slot
	}
	return nil
}

// lowerMark brings the durable mark down to index before the log is cut
// below it, so that the cut can never look like lost synced entries.
func (w *WAL) lowerMark(index uint64) error {
	if !w.mark.valid || w.mark.index <= index {
		return nil
	}
	return w.writeMark(index)
}

// MarkRepaired tells the WAL that the consensus layer has repaired the log
// after a Corruption report (its log now matches a leader of the term in
// Corruption.HardStateTerm or later, through that leader's last index).
// It lowers the ack mark to the last index, durably, so that the next open
// no longer reports entries beyond it as lost. Without this call the report
// repeats at every open until the log again reaches the old mark.
func (w *WAL) MarkRepaired() error { return w.lowerMark(w.LastIndex()) }
