package replica

// Append writes entries after the last one, volatile until Sync. They must
// continue the log: the first right after LastIndex(), each after the one
// before. The batch is encoded into one buffer and written with one
// Disk.Write per segment it touches: the hot path costs one write, not one
// per entry.
func (w *WAL) Append(entries []Entry) error {
	for len(entries) > 0 {
		if want := w.LastIndex() + 1; entries[0].Index != want || want > walIndexMax {
			panicf("WAL append of entry %d, want %d", entries[0].Index, want)
		}
		n, err := w.appendToSegment(w.tail(entries[0].Index), entries)
		if err != nil {
			return err
		}
		entries = entries[n:]
	}
	return nil
}

// appendToSegment writes as many entries as seg can take, in one write,
// and returns how many. On a failed write the segment's index is left as
// it was.
func (w *WAL) appendToSegment(seg *segment, entries []Entry) (int, error) {
	w.buf = w.buf[:0]
	count := seg.count()
	n := 0
	for n < len(entries) && seg.count() < w.opts.SegmentEntriesMax &&
		(n == 0 || seg.size+int64(len(w.buf)) < w.opts.SegmentBytesMax) {
		if n > 0 && (entries[n].Index != entries[n-1].Index+1 || entries[n].Term < entries[n-1].Term) {
			panicf("WAL append of entry %d of term %d after entry %d of term %d",
				entries[n].Index, entries[n].Term, entries[n-1].Index, entries[n-1].Term)
		}
		start := len(w.buf)
		seg.offsets = append(seg.offsets, seg.size+int64(start))
		w.buf = appendRecord(w.buf, &entries[n])
		checkRecord(w.buf[start:], &entries[n])
		n++
	}
	if err := w.disk.Write(seg.name, seg.size, w.buf); err != nil {
		seg.offsets = seg.offsets[:count]
		return 0, storageErr("append to", seg.name, err)
	}
	seg.size += int64(len(w.buf))
	w.last = entries[n-1].Index
	return n, nil
}

// tail returns the segment the entry at index goes into, starting a new
// one when the last is full, or when the log restarts after a snapshot
// that passed its end.
func (w *WAL) tail(index uint64) *segment {
	if n := len(w.segments); n > 0 {
		s := &w.segments[n-1]
		fits := s.count() < w.opts.SegmentEntriesMax && s.size < w.opts.SegmentBytesMax
		switch {
		case s.count() == 0 && s.first != index:
			w.disk.Remove(s.name) // empty, and named for another index
			w.segments = w.segments[:n-1]
		case fits && s.lastIndex()+1 == index:
			return s
		}
	}
	// The offsets index is sized for a full segment up front (32 KiB at
	// the default 4,096 entries): grown by append it would be copied
	// about five times its final size.
	offsets := make([]int64, 0, min(w.opts.SegmentEntriesMax, segmentOffsetsPresizeMax))
	w.segments = append(w.segments, segment{name: segmentName(index), first: index, offsets: offsets})
	return &w.segments[len(w.segments)-1]
}

// segmentOffsetsPresizeMax bounds the entries a new segment's offsets
// index has room for up front: a configured SegmentEntriesMax far above
// the default grows its index as it fills instead.
const segmentOffsetsPresizeMax = SegmentEntriesDefault

// TruncateFrom drops the entries from index on, because they conflict with
// the leader's log. The cut itself is volatile until Sync, like an append;
// but if it reaches below the ack mark, the mark is first lowered durably,
// so that no crash can leave a cut log facing a mark that claims more.
// The cost is one truncate and one removal per later segment, found from
// the in-memory index without reading the disk.
func (w *WAL) TruncateFrom(index uint64) error {
	if index <= w.snap.Index {
		panicf("WAL truncation from %d inside the snapshot through %d", index, w.snap.Index)
	}
	if index > w.LastIndex() {
		return nil
	}
	if err := w.lowerMark(index - 1); err != nil {
		return err
	}
	for n := len(w.segments); n > 0; n = len(w.segments) {
		s := &w.segments[n-1]
		if s.first < index {
			if keep := index - s.first; keep < uint64(s.count()) {
				s.size = s.offsets[keep]
				s.offsets = s.offsets[:keep]
				if err := w.disk.Truncate(s.name, s.size); err != nil {
					return storageErr("truncate", s.name, err)
				}
			}
			break
		}
		w.disk.Remove(s.name)
		w.segments = w.segments[:n-1]
	}
	w.last = w.lastInSegments()
	return nil
}

// Sync makes every earlier Append and TruncateFrom durable, then records
// the new end of the log in the ack mark (see wal_mark.go). Entries may be
// acknowledged once it returns. On error, wrapping ErrStorageFailed, the
// covered writes may be lost for good: the caller must stop.
func (w *WAL) Sync() error {
	if err := syncDisk(w.disk, "log"); err != nil {
		return err
	}
	if last := w.LastIndex(); last > w.mark.index {
		return w.writeMark(last)
	}
	return nil
}
