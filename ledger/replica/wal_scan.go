package replica

import "fmt"

// segment is one log file: the entries from first on, at known offsets, so
// that TruncateFrom finds an entry's position without reading the file.
type segment struct {
	name    string
	first   uint64
	offsets []int64 // offsets[i] is where entry first+i starts
	size    int64   // bytes of valid records
}

func (s *segment) count() int { return len(s.offsets) }

// lastIndex is the index of the segment's last entry; first-1 if empty.
func (s *segment) lastIndex() uint64 { return s.first + uint64(len(s.offsets)) - 1 }

// logScan is what reading the segment files found.
type logScan struct {
	segments []segment // the segments that hold the log, in order
	entries  []Entry   // valid entries after the snapshot, contiguous
	last     uint64    // last valid index in the segments, 0 if none
	lastTerm uint64    // term of that entry
	fault    *logFault // the first damage, nil if the log reads cleanly
	// cutName and cutSize name the segment the fault was found in and
	// the length of its valid records, which is where it is cut.
	cutName string
	cutSize int64
	// remove lists segment files to delete: wholly covered by the
	// snapshot, empty, or after the fault.
	remove []string
}

// logFault is the first place the log stops making sense.
type logFault struct {
	index uint64 // the first index that could not be read validly
	what  string
	// torn: the damage has the shape of a torn write, running to the end
	// of the last segment with nothing valid after it.
	torn bool
	// gap: the log does not begin right after the snapshot. A torn write
	// never removes the start of the log, so this is never torn.
	gap bool
}

// listSegments returns the segment files in index order, empty of entries.
// Files whose names the WAL did not write are left alone.
func (w *WAL) listSegments() []segment {
	var segs []segment
	for _, name := range w.disk.Files() { // sorted, so by first index
		if first, ok := parseSegmentName(name); ok {
			segs = append(segs, segment{name: name, first: first})
		}
	}
	return segs
}

// scanLog reads the segments in order, up to the first damage, keeping the
// entries after snap. Segments wholly covered by snap are not read: the
// snapshot replaces them, and a compaction cut short by a crash left them.
func (w *WAL) scanLog(snap SnapshotMeta) (logScan, error) {
	var scan logScan
	segs := w.listSegments()
	start := 0
	for start+1 < len(segs) && segs[start+1].first <= snap.Index+1 {
		scan.remove = append(scan.remove, segs[start].name)
		start++
	}
	segs = segs[start:]
	lastWithData := -1 // no segment after it holds a byte
	for i := range segs {
		if w.disk.Size(segs[i].name) > 0 {
			lastWithData = i
		}
	}
	for i := range segs {
		seg := segs[i]
		if scan.fault != nil {
			scan.remove = append(scan.remove, seg.name)
			continue
		}
		data, err := w.disk.ReadAll(seg.name)
		if err != nil {
			return scan, storageErr("read", seg.name, err)
		}
		if len(data) == 0 {
			scan.remove = append(scan.remove, seg.name) // holds nothing
			continue
		}
		if !w.linkSegment(&scan, &seg, snap) {
			scan.remove = append(scan.remove, seg.name)
			continue
		}
		w.scanSegment(&scan, seg, data, snap, i == lastWithData)
	}
	return scan, nil
}

// linkSegment checks that seg continues the log: the first segment must
// start at or before the entry after the snapshot, and each later one right
// after its predecessor. Otherwise entries are missing: a fault.
func (w *WAL) linkSegment(scan *logScan, seg *segment, snap SnapshotMeta) bool {
	if len(scan.segments) == 0 {
		if seg.first > snap.Index+1 {
			scan.fault = &logFault{index: snap.Index + 1, gap: true,
				what: fmt.Sprintf("log starts at %d (%s), not right after snapshot %d", seg.first, seg.name, snap.Index)}
			return false
		}
		return true
	}
	if want := scan.last + 1; seg.first != want {
		scan.fault = &logFault{index: max(want, snap.Index+1),
			what: fmt.Sprintf("segment %s starts at %d where %d belongs", seg.name, seg.first, want)}
		return false
	}
	return true
}

// scanSegment reads seg's records until the end or the first that fails.
// The loop is bounded by the file: every record consumes at least
// recordSizeMin bytes.
func (w *WAL) scanSegment(scan *logScan, seg segment, data []byte, snap SnapshotMeta, last bool) {
	prevTerm := scan.lastTerm
	off := 0
	for off < len(data) {
		rest := data[off:]
		want := seg.first + uint64(seg.count())
		e, n, fault := decodeRecord(rest)
		var what string
		switch {
		case fault != recordOK:
			what = fault.String()
		case e.Index != want || want >= walIndexMax:
			what = fmt.Sprintf("holds index %d", e.Index)
		case e.Term < prevTerm || (e.Index == snap.Index+1 && e.Term < snap.Term):
			what = fmt.Sprintf("term %d after term %d", e.Term, max(prevTerm, snap.Term))
		}
		if what != "" {
			scan.fault = &logFault{index: max(want, snap.Index+1), torn: last && tornShape(fault, rest, n),
				what: fmt.Sprintf("log record %d at %s+%d: %s", want, seg.name, off, what)}
			break
		}
		if n < recordSizeMin || n > len(rest) || n != recordSizeMin+len(e.Data) {
			panicf("log record %d at %s+%d decoded from %d of %d bytes with %d of data", want, seg.name, off, n, len(rest), len(e.Data))
		}
		seg.offsets = append(seg.offsets, int64(off))
		if e.Index > snap.Index {
			scan.entries = append(scan.entries, e)
		}
		prevTerm = e.Term
		off += n
	}
	seg.size = int64(off)
	if seg.count() == 0 {
		scan.remove = append(scan.remove, seg.name) // damaged from its first record
		return
	}
	if scan.fault != nil {
		scan.cutName, scan.cutSize = seg.name, seg.size
	}
	scan.segments = append(scan.segments, seg)
	scan.last, scan.lastTerm = seg.lastIndex(), prevTerm
}

// tornShape reports whether a failed record in the last segment looks like
// a torn write. A torn write persists a prefix of what was written, in
// order, so it is the last thing in the log and nothing valid follows it:
//
//   - a header or body cut short by the end of the file: torn;
//   - a whole record failing its body checksum: torn only if it ends the
//     file. This is the blind spot of checksums alone: a bit flip in the
//     last synced record looks the same. The ack mark resolves it; this
//     shape is used only when the mark is unknown;
//   - a damaged header: torn only if no valid header follows it (zeros or
//     garbage running to the end of the file, as a torn sector leaves);
//   - a valid record with the wrong index or a term that goes backwards:
//     never torn, since a torn write never invents a valid record.
func tornShape(fault recordFault, rest []byte, size int) bool {
	switch fault {
	case recordHeaderShort, recordBodyShort:
		return true
	case recordBodyBad:
		return size == len(rest)
	case recordHeaderBad:
		return !headerFollows(rest)
	}
	return false
}
