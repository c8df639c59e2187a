package replica

import (
	"encoding/binary"
	"hash/crc32"
)

// The hard state, the ack mark and the snapshots each live in two files
// ("slots"), so that rewriting one never damages the only good copy. A slot
// holds one record at offset 0:
//
//	magic u32 | sequence u64 | payload length u64 | payload CRC-32C u32 | header CRC-32C u32 | payload
//
// The sequence number orders the two copies. Bytes after the record are
// ignored: a misdirected write may leave some there, and a snapshot slot
// may hold the tail of a longer, older snapshot until it is trimmed.
const slotHeaderSize = 4 + 8 + 8 + 4 + 4

// appendSlot encodes onto b a slot record whose payload is the parts,
// concatenated.
func appendSlot(b []byte, magic uint32, seq uint64, parts ...[]byte) []byte {
	size, sum := 0, uint32(0)
	for _, p := range parts {
		size += len(p)
		sum = crc32.Update(sum, castagnoli, p)
	}
	b = appendSlotHeader(b, magic, seq, size, sum)
	for _, p := range parts {
		b = append(b, p...)
	}
	return b
}

// appendSlotHeader encodes onto b the header of a slot record whose payload
// is size bytes with CRC-32C sum.
func appendSlotHeader(b []byte, magic uint32, seq uint64, size int, sum uint32) []byte {
	start := len(b)
	b = binary.LittleEndian.AppendUint32(b, magic)
	b = binary.LittleEndian.AppendUint64(b, seq)
	b = binary.LittleEndian.AppendUint64(b, uint64(size))
	b = binary.LittleEndian.AppendUint32(b, sum)
	return binary.LittleEndian.AppendUint32(b, crc32.Checksum(b[start:], castagnoli))
}

// slotSize bounds a slotted record's payload, in bytes.
type slotSize struct{ min, max uint64 }

// decodeSlot parses the slot record at the start of b, whose payload size
// must be within size. The payload aliases b. The length is checked against
// the bounds and the bytes present before it is used.
func decodeSlot(b []byte, magic uint32, size slotSize) (seq uint64, payload []byte, ok bool) {
	if len(b) < slotHeaderSize {
		return 0, nil, false
	}
	h := b[:slotHeaderSize]
	if binary.LittleEndian.Uint32(h) != magic ||
		binary.LittleEndian.Uint32(h[24:]) != crc32.Checksum(h[:24], castagnoli) {
		return 0, nil, false
	}
	n := binary.LittleEndian.Uint64(h[12:])
	if n < size.min || n > size.max || n > uint64(len(b)-slotHeaderSize) {
		return 0, nil, false
	}
	payload = b[slotHeaderSize : slotHeaderSize+int(n)]
	if crc32.Checksum(payload, castagnoli) != binary.LittleEndian.Uint32(h[20:]) {
		return 0, nil, false
	}
	return binary.LittleEndian.Uint64(h[4:]), payload, true
}

// slotPair is what reading both copies of a slotted record found.
type slotPair struct {
	exists  [2]bool
	valid   [2]bool
	newest  int // the valid copy with the higher sequence, -1 if none
	seq     uint64
	payload []byte
}

// bothDamaged reports that both copies exist and neither is valid. Every
// writer here rewrites only a copy that is not the newest valid one, and a
// crash tears at most the copy being written, so this is never the result
// of a crash alone: it is damage at rest.
func (p *slotPair) bothDamaged() bool {
	return p.exists[0] && p.exists[1] && !p.valid[0] && !p.valid[1]
}

// readSlots reads both copies of a slotted record.
func readSlots(d Disk, names [2]string, magic uint32, size slotSize) (slotPair, error) {
	p := slotPair{newest: -1}
	for i, name := range names {
		if d.Size(name) < 0 {
			continue
		}
		p.exists[i] = true
		b, err := d.ReadAll(name)
		if err != nil {
			return p, storageErr("read", name, err)
		}
		seq, payload, ok := decodeSlot(b, magic, size)
		if !ok {
			continue
		}
		p.valid[i] = true
		if p.newest < 0 || seq > p.seq {
			p.newest, p.seq, p.payload = i, seq, payload
		}
	}
	return p, nil
}

// writeSlot replaces the record in file name with a slot record whose
// payload is head and then body, volatile until a Sync. The header is
// built here, over the very slices written after it, so it cannot describe
// other bytes; a large body (a snapshot) is checksummed once and written
// from where it is, never copied. The file is emptied first rather than
// overwritten in place: nothing of the older record can outlive the new
// one, and no device (nor the simulated one, which would copy the synced
// old record) has to preserve bytes about to be replaced. The record is
// written as w.slotBuf (header and head) and then body, if given.
func (w *WAL) writeSlot(name string, magic uint32, seq uint64, head []byte, body ...[]byte) error {
	size, sum := len(head), crc32.Checksum(head, castagnoli)
	for _, p := range body {
		size += len(p)
		sum = crc32.Update(sum, castagnoli, p)
	}
	w.slotBuf = append(appendSlotHeader(w.slotBuf[:0], magic, seq, size, sum), head...)
	checkSlot(name, w.slotBuf, body, magic, seq, sum)
	if err := w.disk.Truncate(name, 0); err != nil {
		return storageErr("empty", name, err)
	}
	if err := w.disk.Write(name, 0, w.slotBuf); err != nil {
		return storageErr("write", name, err)
	}
	off := int64(len(w.slotBuf))
	for _, p := range body {
		if err := w.disk.Write(name, off, p); err != nil {
			return storageErr("write", name, err)
		}
		off += int64(len(p))
	}
	return nil
}

// checkSlot checks a slot record about to be written as record and then
// body, as decodeSlot will read it: a header that reads back (magic, its
// own checksum, the sequence) and whose length covers exactly the bytes
// written after it. The payload checksum is compared with sum, which
// writeSlot took over these very slices just before: taking it a second
// time would pair the checksum function with itself, and cost a snapshot
// one more pass over its bytes.
func checkSlot(name string, record []byte, body [][]byte, magic uint32, seq uint64, sum uint32) {
	if len(record) < slotHeaderSize {
		panicf("slot %s: record without a header", name)
	}
	h := record[:slotHeaderSize]
	size := uint64(len(record) - slotHeaderSize)
	for _, p := range body {
		size += uint64(len(p))
	}
	if binary.LittleEndian.Uint32(h) != magic || binary.LittleEndian.Uint64(h[4:]) != seq ||
		binary.LittleEndian.Uint32(h[24:]) != crc32.Checksum(h[:24], castagnoli) ||
		binary.LittleEndian.Uint64(h[12:]) != size || binary.LittleEndian.Uint32(h[20:]) != sum {
		panicf("slot %s: header does not cover the %d bytes written after it", name, size)
	}
}

// syncDisk makes every earlier write durable.
func syncDisk(d Disk, why string) error {
	if err := d.Sync(); err != nil {
		return storageErr("sync", why, err)
	}
	return nil
}
