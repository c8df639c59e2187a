package replica

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
)

// A log record is a fixed header and a body:
//
//	header: magic u32 | body length u32 | body CRC-32C u32 | header CRC-32C u32
//	body:   term u64 | index u64 | kind u8 | timestamp i64 | data
//
// The header has its own checksum so that a damaged length is caught
// before it is used to find the body: a scan never follows a length it has
// not verified, and never allocates from one.
const (
	recordMagic      = 0x464c5731 // "FLW1"
	recordHeaderSize = 16
	recordBodyFixed  = 8 + 8 + 1 + 8
	recordSizeMin    = recordHeaderSize + recordBodyFixed
	recordSizeMax    = recordSizeMin + EntryDataMax
)

// recordFault says why a record failed to decode. The distinction matters
// to classification: a record cut short by the end of the file looks like a
// torn write, one that is whole but wrong does not.
type recordFault uint8

const (
	recordOK          recordFault = iota
	recordHeaderShort             // fewer bytes than a header remain
	recordHeaderBad               // bad magic, header checksum or length
	recordBodyShort               // a valid header whose body runs past the end
	recordBodyBad                 // the body fails its checksum or holds a bad kind
)

func (f recordFault) String() string {
	switch f {
	case recordHeaderShort:
		return "header cut short"
	case recordHeaderBad:
		return "header damaged"
	case recordBodyShort:
		return "body cut short"
	case recordBodyBad:
		return "body damaged"
	}
	return "ok"
}

// appendRecord encodes e onto b. It asserts what decodeRecord will check,
// so that the WAL never writes a record it would later call damaged.
func appendRecord(b []byte, e *Entry) []byte {
	if len(e.Data) > EntryDataMax || (e.Kind != EntryNoop && e.Kind != EntryCommand) {
		panicf("WAL record for entry %d: kind %d, %d bytes of data", e.Index, e.Kind, len(e.Data))
	}
	start := len(b)
	var hdr [recordHeaderSize]byte
	b = append(b, hdr[:]...)
	b = binary.LittleEndian.AppendUint64(b, e.Term)
	b = binary.LittleEndian.AppendUint64(b, e.Index)
	b = append(b, byte(e.Kind))
	b = binary.LittleEndian.AppendUint64(b, uint64(e.Timestamp))
	b = append(b, e.Data...)
	h, body := b[start:start+recordHeaderSize], b[start+recordHeaderSize:]
	binary.LittleEndian.PutUint32(h, recordMagic)
	binary.LittleEndian.PutUint32(h[4:], uint32(len(body)))
	binary.LittleEndian.PutUint32(h[8:], crc32.Checksum(body, castagnoli))
	binary.LittleEndian.PutUint32(h[12:], crc32.Checksum(h[:12], castagnoli))
	return b
}

// checkRecord checks a record just encoded, before it is written: its
// header reads back (magic, header checksum, a body length covering exactly
// the rest) and its body holds exactly e. The body checksum is not computed
// again: appendRecord takes it over these very bytes, and a second CRC per
// entry would cost the hot path a third of its time (BenchmarkWALAppend).
func checkRecord(b []byte, e *Entry) {
	bodyLen, ok := 0, len(b) >= recordHeaderSize
	if ok {
		bodyLen, ok = checkRecordHeader(b)
	}
	if !ok || recordHeaderSize+bodyLen != len(b) {
		panicf("WAL record for entry %d does not read back: header of %d bytes, body of %d", e.Index, len(b), bodyLen)
	}
	body := b[recordHeaderSize:]
	if binary.LittleEndian.Uint64(body) != e.Term || binary.LittleEndian.Uint64(body[8:]) != e.Index ||
		EntryKind(body[16]) != e.Kind || int64(binary.LittleEndian.Uint64(body[17:])) != e.Timestamp ||
		!bytes.Equal(body[recordBodyFixed:], e.Data) {
		panicf("WAL record for entry %d does not read back: its body holds another entry", e.Index)
	}
}

// decodeRecord parses the record at the start of b and returns the entry,
// the record's size in bytes, and why it failed if it did. The entry's Data
// aliases b, capped so that an append to it cannot reach the next record.
func decodeRecord(b []byte) (Entry, int, recordFault) {
	if len(b) < recordHeaderSize {
		return Entry{}, 0, recordHeaderShort
	}
	bodyLen, ok := checkRecordHeader(b)
	if !ok {
		return Entry{}, 0, recordHeaderBad
	}
	size := recordHeaderSize + bodyLen
	if len(b) < size {
		return Entry{}, 0, recordBodyShort
	}
	body := b[recordHeaderSize:size]
	if crc32.Checksum(body, castagnoli) != binary.LittleEndian.Uint32(b[8:]) {
		return Entry{}, size, recordBodyBad
	}
	e := Entry{
		Term:      binary.LittleEndian.Uint64(body),
		Index:     binary.LittleEndian.Uint64(body[8:]),
		Kind:      EntryKind(body[16]),
		Timestamp: int64(binary.LittleEndian.Uint64(body[17:])),
	}
	if e.Kind != EntryNoop && e.Kind != EntryCommand {
		return Entry{}, size, recordBodyBad
	}
	if len(body) > recordBodyFixed {
		e.Data = body[recordBodyFixed:len(body):len(body)]
	}
	return e, size, recordOK
}

// checkRecordHeader verifies a record header at the start of b, which must
// hold at least recordHeaderSize bytes, and returns its body length.
func checkRecordHeader(b []byte) (int, bool) {
	h := b[:recordHeaderSize]
	if binary.LittleEndian.Uint32(h) != recordMagic ||
		binary.LittleEndian.Uint32(h[12:]) != crc32.Checksum(h[:12], castagnoli) {
		return 0, false
	}
	bodyLen := int64(binary.LittleEndian.Uint32(h[4:]))
	if bodyLen < recordBodyFixed || bodyLen > recordBodyFixed+EntryDataMax {
		return 0, false
	}
	return int(bodyLen), true
}

// headerFollows reports whether a valid record header starts anywhere in b
// after its first byte: the sign that damage is followed by more data,
// which a torn write (a prefix of what was written) never leaves. It runs
// only on damage, and checks the magic before spending a checksum.
func headerFollows(b []byte) bool {
	for off := 1; off+recordHeaderSize <= len(b); off++ {
		if b[off] != byte(recordMagic&0xff) || binary.LittleEndian.Uint32(b[off:]) != recordMagic {
			continue
		}
		if _, ok := checkRecordHeader(b[off:]); ok {
			return true
		}
	}
	return false
}

// SegmentPrefix starts every segment's file name, as a directory of the
// log's own; the rest is the index of its first entry in 20 digits, so
// that sorting names sorts by index.
const SegmentPrefix = "log-"

func segmentName(first uint64) string { return fmt.Sprintf("%s%020d", SegmentPrefix, first) }

// parseSegmentName returns the first index a segment's name carries, and
// false for any other name.
func parseSegmentName(name string) (uint64, bool) {
	const digits = 20
	if len(name) != len(SegmentPrefix)+digits || name[:len(SegmentPrefix)] != SegmentPrefix {
		return 0, false
	}
	var first uint64
	for _, c := range name[len(SegmentPrefix):] {
		if c < '0' || c > '9' {
			return 0, false
		}
		d := uint64(c - '0')
		if first >= walIndexMax {
			return 0, false // not a name the WAL wrote
		}
		first = first*10 + d
	}
	return first, first > 0
}
