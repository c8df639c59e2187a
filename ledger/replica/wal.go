package replica

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"strconv"
	"strings"
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

// WALOptions size the log's segment files.
type WALOptions struct {
	// SegmentEntriesMax starts a new segment after this many entries.
	SegmentEntriesMax int
	// SegmentBytesMax starts a new segment past this many bytes.
	SegmentBytesMax int64
}

func (o WALOptions) withDefaults() WALOptions {
	if o.SegmentEntriesMax <= 0 {
		o.SegmentEntriesMax = 4096
	}
	if o.SegmentBytesMax <= 0 {
		o.SegmentBytesMax = 64 << 20
	}
	return o
}

// WAL is a replica's durable state on its Disk: the log in segment files,
// the hard state in two copies, and snapshots in two slots. Every record
// carries checksums. Writes are volatile until Sync, except SaveHardState
// and SaveSnapshot, which are durable when they return.
type WAL struct {
	disk     Disk
	opts     WALOptions
	segments []segment // in index order
	last     uint64    // last index on disk (0: none)
	hardSeq  uint64
	snap     SnapshotMeta
	snapSeq  uint64
	snapSlot int // slot holding the newest snapshot, -1 if none
	buf      []byte
}

// segment is one log file: the entries from first on, at known offsets.
type segment struct {
	name    string
	first   uint64
	offsets []int64 // offsets[i] is where entry first+i starts
	size    int64
}

func (s *segment) lastIndex() uint64 { return s.first + uint64(len(s.offsets)) - 1 }

const segmentPrefix = "log-"

func segmentName(first uint64) string { return fmt.Sprintf("%s%020d", segmentPrefix, first) }

// Recovered is what OpenWAL found on disk.
type Recovered struct {
	HardState    HardState
	Snapshot     SnapshotMeta
	SnapshotData []byte
	// Entries follow the snapshot, contiguous and in order.
	Entries []Entry
	// TornTail reports that an unsynced tail was cut off: normal after a
	// crash, since nothing unsynced was ever acknowledged.
	TornTail bool
	// Corruption, if set, reports synced data found damaged. Entries from
	// Corruption.FirstBadIndex on are gone; the replica must not vote until
	// a leader has repaired its log.
	Corruption *Corruption
}

// Corruption describes damaged synced data.
type Corruption struct {
	What          string
	FirstBadIndex uint64
}

// Record layout. A log record is a 16-byte header (magic, body length,
// body CRC, header CRC) and a body (term, index, kind, timestamp, data).
const (
	recordMagic      = 0x464c5731 // "FLW1"
	recordHeaderSize = 16
	recordBodyFixed  = 8 + 8 + 1 + 8
)

// OpenWAL reads everything on d and returns the storage and what it holds.
// Damage is classified, never trusted and never a panic: see scanSegment.
func OpenWAL(d Disk, opts WALOptions) (*WAL, Recovered, error) {
	w := &WAL{disk: d, opts: opts.withDefaults(), snapSlot: -1}
	var rec Recovered
	hs, err := w.loadHardState()
	if err != nil {
		return nil, rec, err
	}
	rec.HardState = hs
	snapCorrupt := w.loadSnapshot(&rec)
	if err := w.loadLog(&rec); err != nil {
		return nil, rec, err
	}
	if snapCorrupt != "" && rec.Corruption == nil && len(rec.Entries) > 0 && rec.Entries[0].Index != rec.Snapshot.Index+1 {
		rec.Corruption = &Corruption{What: snapCorrupt, FirstBadIndex: rec.Snapshot.Index + 1}
	}
	if rec.Corruption != nil && rec.Corruption.FirstBadIndex > 0 {
		if err := w.dropFrom(rec.Corruption.FirstBadIndex, &rec); err != nil {
			return nil, rec, err
		}
	}
	return w, rec, nil
}

// loadLog scans the segments in order and keeps the longest valid run of
// entries that follows the snapshot.
func (w *WAL) loadLog(rec *Recovered) error {
	var names []string
	for _, name := range w.disk.Files() { // sorted, so by first index
		if strings.HasPrefix(name, segmentPrefix) {
			names = append(names, name)
		}
	}
	for i, name := range names {
		first, err := strconv.ParseUint(strings.TrimPrefix(name, segmentPrefix), 10, 64)
		if err != nil {
			rec.Corruption = &Corruption{What: "segment " + name + " has a malformed name", FirstBadIndex: w.last + 1}
			return nil
		}
		seg := segment{name: name, first: first}
		entries, damage := w.scanSegment(&seg, i == len(names)-1)
		if !w.linkSegment(&seg, entries, rec) {
			return nil
		}
		if damage == damageTorn {
			rec.TornTail = true
			if err := w.disk.Truncate(name, seg.size); err != nil {
				return fmt.Errorf("%w: cut torn tail of %s: %w", ErrStorageFailed, name, err)
			}
		}
		if damage == damageCorrupt {
			rec.Corruption = &Corruption{What: "log record in " + name, FirstBadIndex: seg.first + uint64(len(seg.offsets))}
			return nil
		}
	}
	return nil
}

// linkSegment appends a scanned segment's entries to the recovered log,
// skipping those the snapshot covers. It reports false, with Corruption
// set, when the segment does not continue the log.
func (w *WAL) linkSegment(seg *segment, entries []Entry, rec *Recovered) bool {
	want := max(w.last, rec.Snapshot.Index) + 1
	if len(entries) > 0 && seg.first > want {
		rec.Corruption = &Corruption{What: "gap before " + seg.name, FirstBadIndex: want}
		return false
	}
	for i := range entries {
		e := entries[i]
		if e.Index <= rec.Snapshot.Index {
			continue
		}
		if n := len(rec.Entries); n > 0 && e.Term < rec.Entries[n-1].Term {
			rec.Corruption = &Corruption{What: "term goes backwards in " + seg.name, FirstBadIndex: e.Index}
			seg.size = seg.offsets[e.Index-seg.first]
			seg.offsets = seg.offsets[:e.Index-seg.first]
			w.segments = append(w.segments, *seg)
			return false
		}
		rec.Entries = append(rec.Entries, e)
	}
	w.segments = append(w.segments, *seg)
	if len(seg.offsets) > 0 {
		w.last = max(w.last, seg.lastIndex())
	}
	return true
}

type damage uint8

const (
	damageNone damage = iota
	damageTorn
	damageCorrupt
)

// scanSegment reads the records of one segment until the first that fails.
//
// Classification: only unsynced writes can be torn, and a torn write
// persists a prefix of what was written, so a torn record is always the
// last thing in the last segment and is cut short: its header incomplete,
// or its body running past the end of the file. Every other failure (a
// complete header or body that fails its checksum, an index out of
// sequence, zeros or garbage before more data) damages data that may have
// been synced and acknowledged, so it is reported as corruption. A bit flip
// cannot shorten a file, so it is never mistaken for a torn tail.
func (w *WAL) scanSegment(seg *segment, last bool) ([]Entry, damage) {
	data, err := w.disk.ReadAll(seg.name)
	if err != nil {
		return nil, damageCorrupt
	}
	var entries []Entry
	off := int64(0)
	for off < int64(len(data)) {
		rest := data[off:]
		e, n, bad := decodeRecord(rest, seg.first+uint64(len(entries)))
		if bad != damageNone {
			seg.size = off
			if bad == damageTorn && !last {
				bad = damageCorrupt // only the newest segment can hold unsynced writes
			}
			return entries, bad
		}
		entries = append(entries, e)
		seg.offsets = append(seg.offsets, off)
		off += int64(n)
	}
	seg.size = off
	return entries, damageNone
}

// decodeRecord parses one record expected to hold entry index.
func decodeRecord(b []byte, index uint64) (Entry, int, damage) {
	if len(b) < recordHeaderSize {
		return Entry{}, 0, damageTorn
	}
	hdr := b[:recordHeaderSize]
	if binary.LittleEndian.Uint32(hdr[12:]) != crc32.Checksum(hdr[:12], castagnoli) ||
		binary.LittleEndian.Uint32(hdr) != recordMagic {
		return Entry{}, 0, damageCorrupt
	}
	bodyLen := int(binary.LittleEndian.Uint32(hdr[4:]))
	if bodyLen < recordBodyFixed || bodyLen > recordBodyFixed+EntryDataMax {
		return Entry{}, 0, damageCorrupt
	}
	if len(b) < recordHeaderSize+bodyLen {
		return Entry{}, 0, damageTorn
	}
	body := b[recordHeaderSize : recordHeaderSize+bodyLen]
	if crc32.Checksum(body, castagnoli) != binary.LittleEndian.Uint32(hdr[8:]) {
		return Entry{}, 0, damageCorrupt
	}
	e := Entry{Term: binary.LittleEndian.Uint64(body), Index: binary.LittleEndian.Uint64(body[8:]),
		Kind: EntryKind(body[16]), Timestamp: int64(binary.LittleEndian.Uint64(body[17:]))}
	if e.Index != index || (e.Kind != EntryNoop && e.Kind != EntryCommand) {
		return Entry{}, 0, damageCorrupt
	}
	if len(body) > recordBodyFixed {
		e.Data = append([]byte(nil), body[recordBodyFixed:]...)
	}
	return e, recordHeaderSize + bodyLen, damageNone
}

// appendRecord encodes e onto b.
func appendRecord(b []byte, e *Entry) []byte {
	start := len(b)
	b = append(b, make([]byte, recordHeaderSize)...)
	b = binary.LittleEndian.AppendUint64(b, e.Term)
	b = binary.LittleEndian.AppendUint64(b, e.Index)
	b = append(b, byte(e.Kind))
	b = binary.LittleEndian.AppendUint64(b, uint64(e.Timestamp))
	b = append(b, e.Data...)
	hdr, body := b[start:start+recordHeaderSize], b[start+recordHeaderSize:]
	binary.LittleEndian.PutUint32(hdr, recordMagic)
	binary.LittleEndian.PutUint32(hdr[4:], uint32(len(body)))
	binary.LittleEndian.PutUint32(hdr[8:], crc32.Checksum(body, castagnoli))
	binary.LittleEndian.PutUint32(hdr[12:], crc32.Checksum(hdr[:12], castagnoli))
	return b
}
