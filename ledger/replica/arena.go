package replica

// entryArena hands out the memory of the entry data the log keeps: a
// follower's copy of the entries it receives (their message buffer is
// reused) and a leader's encoding of each request it proposes. Entries are
// small (a command of a few hundred bytes) and many, so each used to cost
// an allocation of its own; the arena carves them out of shared chunks
// instead. A chunk lives as long as any entry in it: the log lets entries
// go in index order (compaction) or from the end (truncation), so chunks
// are let go in about the order they were filled, and at most one chunk is
// held beyond what the log needs.
type entryArena struct {
	chunk []byte // the chunk being filled; len is what is handed out
}

// Sizes of the arena: a chunk holds about a hundred typical entries, and a
// request larger than a quarter of a chunk gets an array of its own, so
// that starting a new chunk never strands more than a quarter of one.
const (
	arenaChunkBytes = 32 << 10
	arenaOwnMin     = arenaChunkBytes / 4
)

// alloc returns n bytes of zeroed memory whose capacity is exactly n, so
// that an append to it can never reach the bytes handed out next.
func (a *entryArena) alloc(n int) []byte {
	if n >= arenaOwnMin {
		return make([]byte, n)
	}
	if cap(a.chunk)-len(a.chunk) < n {
		a.chunk = make([]byte, 0, arenaChunkBytes)
	}
	start := len(a.chunk)
	a.chunk = a.chunk[:start+n]
	return a.chunk[start : start+n : start+n]
}

// wireChunks is the memory of the messages a replica has encoded and not
// yet handed to its environment: the outbox, and the messages held behind
// a disk barrier (see flush). Each message is encoded once, at the end of
// the last chunk, and stays there until it is sent: holding a message
// takes its slice, not a copy, and no chunk is ever grown or moved. A
// single buffer instead had to be copied into a held buffer, which grew by
// copying (to 25 MB of one-entry Appends behind a slow disk, whose
// regrowth copied it five times over) and was compacted by copying what
// remained at every release. Chunks are named by ids that rise in the
// order they are filled, so that once the messages in the oldest chunks
// have left, those chunks are let go or kept for reuse.
type wireChunks struct {
	chunks  [][]byte // in use, oldest first; messages are added at the end of the last
	firstID uint64   // the id of chunks[0]
	free    [][]byte // emptied chunks kept for reuse, length 0
	// freeBytes is the capacity of the free chunks, at most wireRetainMax.
	freeBytes int
}

// Sizes of the wire chunks: a chunk holds a full Append at the default
// AppendBytesMax, or hundreds of small messages; a larger message gets a
// chunk of its own size. Emptied chunks are kept up to wireRetainMax
// bytes, which is what a drained replica holds on to.
const wireChunkBytes = 64 << 10

// reserve returns the last chunk with room for n more bytes after its
// length, starting a new one if it has too little, and the chunk's id.
// The caller appends at most n bytes to it and hands it back to filled.
func (w *wireChunks) reserve(n int) ([]byte, uint64) {
	if last := len(w.chunks) - 1; last >= 0 && cap(w.chunks[last])-len(w.chunks[last]) >= n {
		return w.chunks[last], w.firstID + uint64(last)
	}
	w.chunks = append(w.chunks, w.take(n))
	return w.chunks[len(w.chunks)-1], w.firstID + uint64(len(w.chunks)-1)
}

// take returns an empty chunk with room for n bytes: the most recently
// freed one that is large enough, else a new one.
func (w *wireChunks) take(n int) []byte {
	for i := len(w.free) - 1; i >= 0; i-- {
		if c := w.free[i]; cap(c) >= n {
			w.free = append(w.free[:i], w.free[i+1:]...)
			w.freeBytes -= cap(c)
			return c
		}
	}
	return make([]byte, 0, max(n, wireChunkBytes))
}

// filled records that the last chunk now holds c: what reserve returned,
// with bytes appended within the room reserved, so on the same array.
func (w *wireChunks) filled(c []byte) {
	last := w.chunks[len(w.chunks)-1]
	if cap(c) != cap(last) || len(c) < len(last) || (cap(c) > 0 && &c[:1][0] != &last[:1][0]) {
		panicf("wire chunk of %d bytes refilled as %d of capacity %d: a message outgrew its reserved room", cap(last), len(c), cap(c))
	}
	w.chunks[len(w.chunks)-1] = c
}

// releaseBefore lets go of every chunk older than id: no message in them
// is waiting any more.
func (w *wireChunks) releaseBefore(id uint64) {
	if id < w.firstID || id > w.firstID+uint64(len(w.chunks)) {
		panicf("release of wire chunks before %d, with chunks %d to %d in use", id, w.firstID, w.firstID+uint64(len(w.chunks)))
	}
	n := int(id - w.firstID)
	for _, c := range w.chunks[:n] {
		w.recycle(c)
	}
	w.chunks = append(w.chunks[:0], w.chunks[n:]...)
	clear(w.chunks[len(w.chunks):cap(w.chunks)][:n]) // the moved-out tail keeps no array alive
	w.firstID = id
}

// reset lets go of every chunk: no message in them is waiting any more.
func (w *wireChunks) reset() { w.releaseBefore(w.firstID + uint64(len(w.chunks))) }

// recycle keeps emptied chunk c for reuse while what is kept stays within
// wireRetainMax, so that a chunk sized for one big snapshot chunk, or a
// burst of held messages, is not held for good.
func (w *wireChunks) recycle(c []byte) {
	if w.freeBytes+cap(c) <= wireRetainMax {
		w.free = append(w.free, c[:0])
		w.freeBytes += cap(c)
	}
}
