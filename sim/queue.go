package sim

// eventKind says what an event does when it fires.
type eventKind uint8

const (
	eventCallback   eventKind = iota + 1 // harness code scheduled with At
	eventDeliver                         // a message arrives at a node
	eventTimer                           // a node's timer fires
	eventStart                           // a node boots (first start or restart)
	eventDisk                            // a timed disk's oldest fsync completes
	eventDiskNotify                      // a thawed node hears of fsyncs done while it was paused
)

// event is what an event does when it fires; when it fires is the queue's
// business (see queued). It holds no pointers: a message's bytes and a
// callback are named by handles into the Sim's side tables (see slab.go),
// so that neither the queue nor a paused node's deferred events are ever
// scanned by the collector or pay its write barriers as they move.
type event struct {
	kind eventKind
	node NodeID // the node the event is for
	from NodeID // sender, for deliveries
	// timerSlot and timerVersion name the timer a timer event fires; a
	// cancelled or rescheduled timer bumps its slot's version, so stale
	// events are skipped without searching the heap.
	timerSlot    uint32
	timerVersion uint32
	incarnation  uint32 // the node life a timer belongs to
	// ref is the handle of a delivery's message buffer, or of a
	// callback's function.
	ref uint32
}

// queued is one entry of the heap: when the event fires, its sequence
// number, and the handle of its event in Sim.events. It is 24 bytes and
// holds no pointers, so the heap's many moves are plain copies.
type queued struct {
	at     Time
	seq    uint64 // tie-breaker: events at the same time fire in scheduling order
	handle uint32
}

// before orders entries by (time, sequence number). Sequence numbers are
// unique, so the order is total and never depends on pointers or maps.
func (e *queued) before(o *queued) bool {
	if e.at != o.at {
		return e.at < o.at
	}
	return e.seq < o.seq
}

// queueArity is the heap's fan-out. A 4-ary heap is half as deep as a
// binary one, so a pop moves an entry half as many levels down (each
// level compares four children of 24 bytes, one or two cache lines) and a
// push, which mostly stops after a level or two, compares less. With
// siftDown's unrolled comparisons (written for 4) it measured 1.5-2x
// faster than a binary heap at 64 to 16384 entries (BenchmarkQueue).
const queueArity = 4

// eventQueue is a 4-ary min-heap of entries by value. Because the order is
// total, the arity cannot change which entry is the minimum, so the firing
// order is the same as any other heap's.
type eventQueue struct {
	items []queued
}

func (q *eventQueue) len() int { return len(q.items) }

// push adds e, moving the entries above its place down one level each
// rather than swapping at every level.
func (q *eventQueue) push(e queued) {
	q.items = append(q.items, e)
	i := len(q.items) - 1
	for i > 0 {
		parent := (i - 1) / queueArity
		if !e.before(&q.items[parent]) {
			break
		}
		q.items[i] = q.items[parent]
		i = parent
	}
	q.items[i] = e
}

// peek returns the earliest entry without removing it; the queue must not be
// empty.
func (q *eventQueue) peek() *queued { return &q.items[0] }

// pop removes and returns the earliest entry; the queue must not be empty.
func (q *eventQueue) pop() queued {
	top := q.items[0]
	last := len(q.items) - 1
	moved := q.items[last]
	q.items = q.items[:last]
	if last > 0 {
		q.siftDown(moved)
	}
	return top
}

// siftDown places e, which replaces the root, by moving the smallest child
// up into the hole until e is no larger than any child of it. Nodes with
// all four children, nearly all of them, compare them unrolled.
func (q *eventQueue) siftDown(e queued) {
	items := q.items
	n := len(items)
	i := 0
	for {
		first := queueArity*i + 1
		var smallest int
		switch {
		case first+queueArity <= n:
			kids := items[first : first+queueArity : first+queueArity]
			m := 0
			if kids[1].before(&kids[m]) {
				m = 1
			}
			if kids[2].before(&kids[m]) {
				m = 2
			}
			if kids[3].before(&kids[m]) {
				m = 3
			}
			smallest = first + m
		case first < n:
			smallest = first
			for c := first + 1; c < n; c++ {
				if items[c].before(&items[smallest]) {
					smallest = c
				}
			}
		default:
			items[i] = e
			return
		}
		if !items[smallest].before(&e) {
			items[i] = e
			return
		}
		items[i] = items[smallest]
		i = smallest
	}
}
