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

// event is one entry of the queue. It is held by value in the heap so that
// scheduling allocates nothing once the heap's backing array has grown.
type event struct {
	at   Time
	seq  uint64 // tie-breaker: events at the same time fire in scheduling order
	kind eventKind
	node NodeID // the node the event is for
	from NodeID // sender, for deliveries
	// timerSlot and timerVersion name the timer a timer event fires; a
	// cancelled or rescheduled timer bumps its slot's version, so stale
	// events are skipped without searching the heap.
	timerSlot    uint32
	timerVersion uint32
	incarnation  uint32 // the node life a timer belongs to
	msg          *buffer
	fn           func()
}

// before orders events by (time, sequence number). Sequence numbers are
// unique, so the order is total and never depends on pointers or maps.
func (e *event) before(o *event) bool {
	if e.at != o.at {
		return e.at < o.at
	}
	return e.seq < o.seq
}

// eventQueue is a binary min-heap of events by value.
type eventQueue struct {
	items []event
}

func (q *eventQueue) len() int { return len(q.items) }

func (q *eventQueue) push(e event) {
	q.items = append(q.items, e)
	i := len(q.items) - 1
	for i > 0 {
		parent := (i - 1) / 2
		if !q.items[i].before(&q.items[parent]) {
			break
		}
		q.items[i], q.items[parent] = q.items[parent], q.items[i]
		i = parent
	}
}

// peek returns the earliest event without removing it; the queue must not be
// empty.
func (q *eventQueue) peek() *event { return &q.items[0] }

// pop removes and returns the earliest event; the queue must not be empty.
func (q *eventQueue) pop() event {
	top := q.items[0]
	last := len(q.items) - 1
	q.items[0] = q.items[last]
	q.items[last] = event{} // drop references held by the vacated slot
	q.items = q.items[:last]
	q.siftDown(0)
	return top
}

func (q *eventQueue) siftDown(i int) {
	n := len(q.items)
	for {
		smallest := i
		left, right := 2*i+1, 2*i+2
		if left < n && q.items[left].before(&q.items[smallest]) {
			smallest = left
		}
		if right < n && q.items[right].before(&q.items[smallest]) {
			smallest = right
		}
		if smallest == i {
			return
		}
		q.items[i], q.items[smallest] = q.items[smallest], q.items[i]
		i = smallest
	}
}
