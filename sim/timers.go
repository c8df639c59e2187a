package sim

import "time"

// TimerID names a pending timer so that its node can cancel it. IDs are never
// reused within a node's life: the slot index is paired with a generation.
type TimerID uint64

// timerSlot is one timer of a node. Slots are recycled through a free list so
// that arming a timer allocates nothing in steady state.
type timerSlot struct {
	generation uint32 // bumped when the slot is freed; part of the TimerID
	schedule   uint32 // bumped on every (re)schedule; stale queue events skip
	active     bool
	tag        uint64        // the node's own label, handed back when it fires
	deadline   time.Duration // on the node's monotonic clock
}

// timerTable holds a node's timers for one life of the node.
type timerTable struct {
	slots []timerSlot
	free  []uint32
	count int // active timers
}

// timersMax bounds the timers one node may have pending: a node that arms
// timers without bound has a leak, and the simulator says so.
const timersMax = 1 << 16

func (t *timerTable) arm(tag uint64, deadline time.Duration) (slot uint32, id TimerID) {
	if n := len(t.free); n > 0 {
		slot = t.free[n-1]
		t.free = t.free[:n-1]
	} else {
		if len(t.slots) >= timersMax {
			panicf("node has more than %d pending timers", timersMax)
		}
		slot = uint32(len(t.slots))
		t.slots = append(t.slots, timerSlot{})
	}
	s := &t.slots[slot]
	if s.active {
		panicf("timer slot %d armed twice", slot)
	}
	s.active = true
	s.schedule++
	s.tag = tag
	s.deadline = deadline
	t.count++
	return slot, TimerID(uint64(slot)<<32 | uint64(s.generation))
}

// lookup returns the active slot an ID names, or nil if the timer already
// fired or was cancelled.
func (t *timerTable) lookup(id TimerID) (uint32, *timerSlot) {
	slot := uint32(id >> 32)
	if int(slot) >= len(t.slots) {
		return 0, nil
	}
	s := &t.slots[slot]
	if !s.active || s.generation != uint32(id) {
		return 0, nil
	}
	return slot, s
}

// release frees a slot after it fired or was cancelled.
func (t *timerTable) release(slot uint32) {
	s := &t.slots[slot]
	if !s.active {
		panicf("releasing inactive timer slot %d", slot)
	}
	s.active = false
	s.generation++
	s.schedule++
	t.free = append(t.free, slot)
	t.count--
}
