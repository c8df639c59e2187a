package replica

import (
	"fmt"
	"strings"
)

// LastIndex returns the index of the last entry on disk, or of the
// snapshot if the log holds none after it.
func (w *WAL) LastIndex() uint64 { return max(w.last, w.snap.Index) }

// Append writes entries after the last one, volatile until Sync. The
// entries must continue the log; after a snapshot that superseded the whole
// log they may start right after the snapshot. One Disk.Write per segment
// touched: the hot path is batched.
func (w *WAL) Append(entries []Entry) error {
	for len(entries) > 0 {
		if want := w.LastIndex() + 1; entries[0].Index != want {
			panicf("WAL append of entry %d, want %d", entries[0].Index, want)
		}
		seg := w.tail(entries[0].Index)
		w.buf = w.buf[:0]
		start := seg.size
		n := 0
		for n < len(entries) && len(seg.offsets) < w.opts.SegmentEntriesMax &&
			(n == 0 || start+int64(len(w.buf)) < w.opts.SegmentBytesMax) {
			seg.offsets = append(seg.offsets, start+int64(len(w.buf)))
			w.buf = appendRecord(w.buf, &entries[n])
			n++
		}
		if err := w.disk.Write(seg.name, start, w.buf); err != nil {
			return fmt.Errorf("%w: append to %s: %w", ErrStorageFailed, seg.name, err)
		}
		seg.size += int64(len(w.buf))
		w.last = entries[n-1].Index
		entries = entries[n:]
	}
	return nil
}

// tail returns the segment the entry at index goes into, starting a new
// one when the last is full or when the log restarts after a snapshot.
func (w *WAL) tail(index uint64) *segment {
	if n := len(w.segments); n > 0 {
		s := &w.segments[n-1]
		if len(s.offsets) == 0 && s.first != index {
			w.disk.Remove(s.name) // empty, and named for another index
			w.segments = w.segments[:n-1]
		} else if len(s.offsets) < w.opts.SegmentEntriesMax && s.size < w.opts.SegmentBytesMax &&
			(len(s.offsets) == 0 || s.lastIndex()+1 == index) {
			return s
		}
	}
	w.segments = append(w.segments, segment{name: segmentName(index), first: index})
	return &w.segments[len(w.segments)-1]
}

// TruncateFrom drops the entries from index on, volatile until Sync.
func (w *WAL) TruncateFrom(index uint64) error {
	for n := len(w.segments); n > 0; n = len(w.segments) {
		s := &w.segments[n-1]
		if s.first < index {
			if keep := index - s.first; keep < uint64(len(s.offsets)) {
				s.size = s.offsets[keep]
				s.offsets = s.offsets[:keep]
				if err := w.disk.Truncate(s.name, s.size); err != nil {
					return fmt.Errorf("%w: truncate %s: %w", ErrStorageFailed, s.name, err)
				}
			}
			break
		}
		w.disk.Remove(s.name)
		w.segments = w.segments[:n-1]
	}
	w.last = 0
	if n := len(w.segments); n > 0 && len(w.segments[n-1].offsets) > 0 {
		w.last = w.segments[n-1].lastIndex()
	}
	return nil
}

// Sync makes every earlier Append and TruncateFrom durable.
func (w *WAL) Sync() error {
	if err := w.disk.Sync(); err != nil {
		return fmt.Errorf("%w: sync: %w", ErrStorageFailed, err)
	}
	return nil
}

// dropFrom removes damaged entries from index on, durably, so that they are
// never read again: the damaged bytes after the last good record, and every
// segment file the scan did not link into the log.
func (w *WAL) dropFrom(index uint64, rec *Recovered) error {
	if err := w.TruncateFrom(index); err != nil {
		return err
	}
	tracked := make(map[string]bool, len(w.segments))
	for _, s := range w.segments {
		tracked[s.name] = true
	}
	if n := len(w.segments); n > 0 {
		s := w.segments[n-1]
		if err := w.disk.Truncate(s.name, s.size); err != nil {
			return fmt.Errorf("%w: cut damage from %s: %w", ErrStorageFailed, s.name, err)
		}
	}
	for _, name := range w.disk.Files() { // sorted
		if strings.HasPrefix(name, segmentPrefix) && !tracked[name] {
			w.disk.Remove(name)
		}
	}
	for len(rec.Entries) > 0 && rec.Entries[len(rec.Entries)-1].Index >= index {
		rec.Entries = rec.Entries[:len(rec.Entries)-1]
	}
	return w.Sync()
}

// compact removes the segments whose entries the snapshot covers entirely.
func (w *WAL) compact(index uint64) {
	keep := w.segments[:0]
	for i, s := range w.segments {
		covered := len(s.offsets) > 0 && s.lastIndex() <= index
		emptyBefore := len(s.offsets) == 0 && i < len(w.segments)-1
		if covered || emptyBefore {
			w.disk.Remove(s.name)
			continue
		}
		keep = append(keep, s)
	}
	w.segments = keep
	if w.last <= index {
		w.last = 0
		if n := len(w.segments); n > 0 && len(w.segments[n-1].offsets) > 0 {
			w.last = w.segments[n-1].lastIndex()
		}
	}
}
