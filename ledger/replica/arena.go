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
