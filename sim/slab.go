package sim

import "math"

// The side tables of the event queue. The heap holds small pointer-free
// entries (see queued) and names everything else by a uint32 handle into
// one of these tables, each recycled through a free list: in steady state
// scheduling and firing an event allocate nothing, and moving an entry in
// the heap is a plain copy that the collector never has to watch.

// handlesMax bounds every table: a handle is a uint32. A simulation with
// four billion events pending at once has a leak, and the simulator says so.
const handlesMax uint64 = math.MaxUint32

// slab is a table of values named by handles, whose freed slots are reused
// last freed, first reused, so the table stays as small as the most values
// ever held at once.
type slab[T any] struct {
	items []T
	free  []uint32
}

// put stores v and returns its handle.
func (s *slab[T]) put(v T) uint32 {
	if n := len(s.free); n > 0 {
		h := s.free[n-1]
		s.free = s.free[:n-1]
		s.items[h] = v
		return h
	}
	if uint64(len(s.items)) >= handlesMax {
		panicf("more than %d values pending in one table", handlesMax)
	}
	s.items = append(s.items, v)
	return uint32(len(s.items) - 1)
}

// take returns the value of handle h and frees its slot, zeroing it so
// that the table keeps nothing alive. The caller checks that h was live.
func (s *slab[T]) take(h uint32) T {
	v := s.items[h]
	var zero T
	s.items[h] = zero
	s.free = append(s.free, h)
	return v
}

// buffers holds the messages in flight, each copied out of its sender's
// hands when sent. Unlike a slab it keeps a freed buffer's array, so that a
// message sent later reuses it: steady-state messaging allocates only when
// a message is longer than every free buffer that came before it. Arrays
// are held at their full capacity and what describes each message apart,
// in one pointer-free table, so that reusing a buffer writes no pointer
// (and pays no write barrier), and the tables grow two at a time.
type buffers struct {
	arrays [][]byte
	held   []heldMessage
	free   []uint32
}

// heldMessage describes the message a buffer holds.
type heldMessage struct {
	size   int
	origin messageOrigin // names the message for the trace
	live   bool          // catches a buffer freed twice or read after it was freed
}

// get copies msg into a free buffer, with the origin the trace names it
// by, and returns its handle.
func (b *buffers) get(msg []byte, origin messageOrigin) uint32 {
	var h uint32
	if n := len(b.free); n > 0 {
		b.fitLast(len(msg))
		h = b.free[n-1]
		b.free = b.free[:n-1]
	} else {
		if uint64(len(b.arrays)) >= handlesMax {
			panicf("more than %d messages in flight", handlesMax)
		}
		h = uint32(len(b.arrays))
		b.arrays = append(b.arrays, nil)
		b.held = append(b.held, heldMessage{})
	}
	if b.held[h].live {
		panicf("message buffer %d handed out twice", h)
	}
	if len(b.arrays[h]) < len(msg) {
		// append rounds the array up to the allocator's size class, whose
		// slack a later, longer message may then use.
		grown := append([]byte(nil), msg...)
		b.arrays[h] = grown[:cap(grown)]
	}
	b.held[h] = heldMessage{size: copy(b.arrays[h], msg), origin: origin, live: true}
	return h
}

// fitScanMax bounds how many free buffers get looks through for one whose
// array fits the message: enough to find one among the few sizes a
// replica sends (answers of tens of bytes, requests of hundreds, Appends
// and snapshot chunks of up to tens of KiB), few enough to cost nothing
// beside the copy.
const fitScanMax = 16

// fitLast moves a free buffer whose array holds size bytes to the end of
// the free list, if one of the last fitScanMax does, so that get reuses it
// rather than growing the array of the last freed buffer: with messages
// of mixed sizes, taking the last freed one alone made a large message
// allocate whenever a small one had been freed last, until every buffer
// had grown to the largest size. Which buffer a message takes is not
// observable: the trace names messages by their origin.
func (b *buffers) fitLast(size int) {
	last := len(b.free) - 1
	if len(b.arrays[b.free[last]]) >= size {
		return
	}
	for i := last - 1; i >= max(0, last-fitScanMax); i-- {
		if len(b.arrays[b.free[i]]) >= size {
			b.free[i], b.free[last] = b.free[last], b.free[i]
			return
		}
	}
}

// message returns what describes live buffer h's message.
func (b *buffers) message(h uint32) *heldMessage {
	m := &b.held[h]
	if !m.live {
		readAfterFree(h)
	}
	return m
}

// readAfterFree panics. It is kept out of line so that buffers.message,
// which every read of a message goes through, is small enough to inline.
//
//go:noinline
func readAfterFree(h uint32) { panicf("message buffer %d read after it was freed", h) }

// bytes returns the message held by live buffer h.
func (b *buffers) bytes(h uint32) []byte { return b.arrays[h][:b.message(h).size] }

// origin returns the origin of live buffer h's message.
func (b *buffers) origin(h uint32) messageOrigin { return b.message(h).origin }

// damage records that the network altered the message of live buffer h
// (flipped a bit of it in place, or cut it short to its first n bytes),
// so that the trace folds the bytes that arrive.
func (b *buffers) damage(h uint32, n int) {
	m := b.message(h)
	if n < 0 || n > m.size {
		panicf("message buffer %d of %d bytes cut to %d", h, m.size, n)
	}
	m.size = n
	m.origin.altered = true
}

// put frees buffer h for reuse, keeping its array.
func (b *buffers) put(h uint32) {
	if !b.held[h].live {
		panicf("message buffer %d freed twice", h)
	}
	b.held[h].live = false
	b.free = append(b.free, h)
}
