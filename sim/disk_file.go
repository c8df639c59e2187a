package sim

// diskFile holds a file twice: as the platter has it (durable) and as reads
// see it (cached, durable plus every pending write).
//
// Most of the time the two agree up to durable's length, so they share one
// array (shared): durable is a prefix view of cached. That halves the
// memory and the copying of every synced write. Any change to durable, and
// any write to bytes both copies see, first gives durable a copy of its
// own. A truncation below durable's end caps cached's view instead, so that
// cached can only grow again into a new array; so while shared, cached's
// spare capacity never overlaps durable. When not shared, the two copies
// use different arrays.
//
// Every view of a file starts at its array's first byte, so an array that
// neither copy uses any more is free for reuse as a whole: the file keeps
// the largest such array as its spare, and the next copy that needs a new
// array takes it instead of allocating. A slot file rewritten in full at
// every fsync (empty, then write: the WAL's ack mark, the hard state) so
// alternates between two arrays and never allocates.
type diskFile struct {
	durable []byte
	cached  []byte
	shared  bool
	// spare is an array neither copy uses, length 0: its bytes are
	// garbage, so whoever takes it writes every byte it exposes.
	spare []byte
	// diverged: a failed fsync dropped writes that cached still shows, so
	// cached is no longer durable plus the pending writes, and a Sync must
	// replay its writes onto durable instead of adopting cached.
	diverged bool
	// born and written order the files by when they reached the platter
	// (stamps of Disk.landings, 0 for never): born when the file came to
	// exist durably, written when a write to it last became durable, and
	// [writeOff, writeEnd) is what that write covered. Faults aimed at the
	// newest blocks or the newest file use them; they read no file's
	// format.
	born, written      uint64
	writeOff, writeEnd int64
}

// own gives durable its own array before either copy changes under it.
func (f *diskFile) own() {
	if f.shared {
		if f.durable != nil {
			own := f.array(len(f.durable), len(f.durable))
			copy(own, f.durable)
			f.durable = own
		}
		f.shared = false
	}
}

// array returns a slice of length size over an array that no copy uses:
// the spare if it is large enough, else a new zeroed one of capacity
// capacity. The spare's bytes are garbage: the caller overwrites all size
// of them. An empty result is never nil (nil stands for no file).
func (f *diskFile) array(size, capacity int) []byte {
	if size > 0 && cap(f.spare) >= size {
		a := f.spare[:size]
		f.spare = nil
		return a
	}
	return make([]byte, size, capacity)
}

// recycle keeps old, an array that neither copy uses any more, as the
// spare if it is larger than the one kept.
func (f *diskFile) recycle(old []byte) {
	if cap(old) <= cap(f.spare) {
		return
	}
	if sameArray(old, f.durable) || sameArray(old, f.cached) {
		panicf("recycling a file array still in use (%d bytes)", cap(old))
	}
	f.spare = old[:0]
}

// releaseIfGone lets the spare go once the file exists in neither copy: a
// removed log segment must not keep its memory.
func (f *diskFile) releaseIfGone() {
	if f.durable == nil && f.cached == nil {
		f.spare = nil
	}
}

// sameArray reports whether a and b, views that start at their arrays'
// first bytes, are views of one array.
func sameArray(a, b []byte) bool {
	return cap(a) > 0 && cap(b) > 0 && &a[:1][0] == &b[:1][0]
}

// change performs op on b, one of f's copies, and reports whether the
// result left b's array.
func (f *diskFile) change(b []byte, op diskOp) ([]byte, bool) {
	switch op.kind {
	case opWrite:
		return f.writeAt(b, op.off, op.data)
	case opTruncate:
		return f.resize(b, op.off)
	}
	return nil, true // opRemove
}

// writeAt writes data into b at off, growing b as needed with zeros
// between its end and off (never under the bytes data covers, which would
// only be overwritten), and reports whether growing moved it to a new
// array.
func (f *diskFile) writeAt(b []byte, off int64, data []byte) ([]byte, bool) {
	moved := false
	if b == nil {
		b, moved = []byte{}, true
	}
	end := int(off) + len(data)
	if end > len(b) {
		var grew bool
		b, grew = f.grow(b, end, max(len(b), int(off)))
		moved = moved || grew
	}
	copy(b[off:end], data)
	return b, moved
}

// resize returns b with length size, cut or grown with zeros, and whether
// it moved to a new array. A nil result never stands for an existing empty
// file, so it returns an empty non-nil slice for size 0.
func (f *diskFile) resize(b []byte, size int64) ([]byte, bool) {
	moved := false
	if b == nil {
		b, moved = []byte{}, true
	}
	if int64(len(b)) >= size {
		return b[:size], moved
	}
	b, grew := f.grow(b, int(size), int(size))
	return b, moved || grew
}

// grow returns b lengthened to size, with zeros from its old end up to
// zeroTo and the bytes from zeroTo to size left for the caller to write,
// and whether it moved to a new array.
func (f *diskFile) grow(b []byte, size, zeroTo int) ([]byte, bool) {
	old := len(b)
	if size <= cap(b) {
		b = b[:size]
		clear(b[old:zeroTo])
		return b, false
	}
	// Double, as a file that grows once tends to keep growing (a log
	// segment): append's growth slows to 1.25x for large slices, which
	// made the copying of growing segments the simulator's largest
	// allocation.
	grown := f.array(size, max(size, 2*cap(b)))
	copy(grown, b)
	clear(grown[old:zeroTo]) // the spare's bytes are garbage
	return grown, true
}
