package ledger

import (
	"container/heap"
	"slices"
	"testing"

	"pgregory.net/rapid"
)

// heapOfExpiries is the container/heap reference the typed expiryQueue
// replaced.
type heapOfExpiries struct{ q expiryQueue }

func (h *heapOfExpiries) Len() int           { return len(h.q) }
func (h *heapOfExpiries) Less(i, j int) bool { return h.q.less(i, j) }
func (h *heapOfExpiries) Swap(i, j int)      { h.q[i], h.q[j] = h.q[j], h.q[i] }
func (h *heapOfExpiries) Push(x any)         { h.q = append(h.q, x.(expiry)) }
func (h *heapOfExpiries) Pop() any {
	e := h.q[len(h.q)-1]
	h.q = h.q[:len(h.q)-1]
	return e
}

// The typed heap is container/heap's, move for move: the same entries
// popped in the same order, the same array after every step (watchExpiry
// walks the array, and ties on (deadline, timestamp) must break alike).
func TestExpiryQueueIsContainerHeap(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		var q expiryQueue
		ref := &heapOfExpiries{}
		for step := range rapid.IntRange(1, 200).Draw(t, "steps") {
			if len(q) > 0 && rapid.IntRange(0, 2).Draw(t, "op") == 0 {
				got, want := q.pop(), heap.Pop(ref).(expiry)
				if got != want {
					t.Fatalf("step %d: popped %+v, container/heap %+v", step, got, want)
				}
			} else {
				e := expiry{deadline: rapid.Uint64Range(0, 20).Draw(t, "deadline"),
					timestamp: rapid.Uint64Range(0, 20).Draw(t, "timestamp"), index: uint32(step)}
				q.push(e)
				heap.Push(ref, e)
			}
			if !slices.Equal(q, ref.q) {
				t.Fatalf("step %d: heap array %v, container/heap %v", step, q, ref.q)
			}
		}
	})
}

// Queuing and expiring pending transfers allocates nothing once the
// queue's array has grown.
func TestExpiryQueueAllocatesNothing(t *testing.T) {
	q := make(expiryQueue, 0, 64)
	allocs := testing.AllocsPerRun(100, func() {
		for i := range 32 {
			q.push(expiry{deadline: uint64(i * 7 % 11), timestamp: uint64(i)})
		}
		for len(q) > 0 {
			q.pop()
		}
	})
	if allocs != 0 {
		t.Fatalf("%.1f allocations", allocs)
	}
}
