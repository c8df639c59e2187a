package sim

import (
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"
)

// TestQueuePopsInTimeThenSequenceOrder checks the heap against a plain
// list searched for its minimum: pushes and pops interleave at random, many
// entries share a time, and every pop must return what the list's minimum
// by (time, sequence) is at that moment.
func TestQueuePopsInTimeThenSequenceOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var q eventQueue
	var model []queued
	seq := uint64(0)
	pops := 0
	for range 5000 {
		for range rng.IntN(8) {
			seq++
			e := queued{at: Time(rng.IntN(50)), seq: seq, handle: uint32(rng.IntN(1000))}
			q.push(e)
			model = append(model, e)
		}
		for range rng.IntN(9) {
			if len(model) == 0 {
				break
			}
			m := 0
			for j := range model {
				if model[j].before(&model[m]) {
					m = j
				}
			}
			if peek := *q.peek(); peek != model[m] {
				t.Fatalf("pop %d: peek %+v, want %+v", pops, peek, model[m])
			}
			if got := q.pop(); got != model[m] {
				t.Fatalf("pop %d: got %+v, want %+v", pops, got, model[m])
			}
			model = slices.Delete(model, m, m+1)
			pops++
		}
		if q.len() != len(model) {
			t.Fatalf("queue holds %d entries, want %d", q.len(), len(model))
		}
	}
}

// BenchmarkQueue measures one pop and one push on a heap of a steady size,
// the way the event loop uses it: the new entry is due a little after now.
func BenchmarkQueue(b *testing.B) {
	for _, size := range []int{64, 1024, 16384} {
		b.Run(strconv.Itoa(size), func(b *testing.B) {
			rng := rand.New(rand.NewPCG(1, 2))
			var q eventQueue
			seq := uint64(0)
			for range size {
				seq++
				q.push(queued{at: Time(rng.IntN(1_000_000)), seq: seq})
			}
			delays := make([]Time, 4096)
			for i := range delays {
				delays[i] = Time(rng.IntN(1_000_000))
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				e := q.pop()
				seq++
				q.push(queued{at: e.at + delays[i%len(delays)], seq: seq})
			}
		})
	}
}
