package workload

// Wire is the network of a cluster in one process: a first-in first-out
// queue of encoded messages, delivered by direct function calls. It copies
// nothing itself: a sender appends a message's encoding to Tail and hands
// the extended buffer to Push, so that every message costs the wire one
// append of its bytes into a buffer that is reused once the queue is
// empty. Receivers must copy what they keep (both codecs measured here do).
type Wire struct {
	buf   []byte
	queue []envelope
	head  int // the next envelope to deliver
	// Messages and Bytes count what was pushed, for the benchmarks'
	// traffic figures.
	Messages, Bytes uint64
}

type envelope struct {
	from, to   int
	start, end int // the message is buf[start:end]
}

// Tail returns the buffer a sender appends one message's encoding to.
func (w *Wire) Tail() []byte { return w.buf }

// Push queues the message that a sender appended to Tail: buf is Tail's
// result extended by exactly that message.
func (w *Wire) Push(from, to int, buf []byte) {
	start := len(w.buf)
	if len(buf) < start {
		panic("workload: Push given a buffer shorter than Tail")
	}
	w.Messages++
	w.Bytes += uint64(len(buf) - start)
	w.buf = buf
	w.queue = append(w.queue, envelope{from: from, to: to, start: start, end: len(buf)})
}

// Next returns the oldest message not yet delivered, or ok false if none
// is left. The bytes stay valid until the queue is next found empty.
func (w *Wire) Next() (from, to int, msg []byte, ok bool) {
	if w.head == len(w.queue) {
		w.queue, w.buf, w.head = w.queue[:0], w.buf[:0], 0
		return 0, 0, nil, false
	}
	e := w.queue[w.head]
	w.head++
	return e.from, e.to, w.buf[e.start:e.end:e.end], true
}
