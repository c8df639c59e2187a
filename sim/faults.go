package sim

import (
	"errors"
	"fmt"
	"time"
)

// ErrNodeState is returned when a life-cycle fault does not fit the node's
// state, such as crashing a node that is already down.
var ErrNodeState = errors.New("sim: node is not in a state for that")

func (s *Sim) lookup(id NodeID) (*nodeState, error) {
	n := s.state(id)
	if n == nil {
		return nil, fmt.Errorf("sim: unknown node %d (the simulation has nodes 0..%d)", id, len(s.nodes)-1)
	}
	return n, nil
}

// Crash stops node id at once: its memory, timers and unsynced writes are
// lost, and messages to it are dropped until it restarts.
func (s *Sim) Crash(id NodeID) error {
	n, err := s.lookup(id)
	if err != nil {
		return err
	}
	if n.status == nodeDown {
		return fmt.Errorf("crash %s: already down: %w", n.spec.Name, ErrNodeState)
	}
	n.status = nodeDown
	n.crashPoint = nil // armed for the life that ends here
	n.incarnation++
	n.node = nil
	n.env = nil
	n.timers = timerTable{}
	for _, e := range n.deferred {
		if e.kind == eventDeliver {
			s.messages.put(e.ref)
		}
	}
	n.deferred = n.deferred[:0]
	n.disk.crash()
	s.trace.lifecycle(traceCrash, s.now, id, int64(n.incarnation))
	return nil
}

// LoseDisk replaces node id's disk with a blank one, as when a machine is
// replaced: every file, durable or not, is gone. The node must be down; it
// reports how many files and bytes were lost.
func (s *Sim) LoseDisk(id NodeID) (files int, bytes int64, err error) {
	n, err := s.lookup(id)
	if err != nil {
		return 0, 0, err
	}
	if n.status != nodeDown {
		return 0, 0, fmt.Errorf("lose disk of %s: not down: %w", n.spec.Name, ErrNodeState)
	}
	d := n.disk
	if len(d.pending) > 0 {
		// Pending ops point at the entries about to be replaced.
		panicf("disk of down node %s has %d writes pending", n.spec.Name, len(d.pending))
	}
	for _, name := range d.Files() {
		files++
		bytes += d.Size(name)
	}
	d.files = make(map[string]*diskFile)
	d.stats.LostDisks++
	s.trace.fault(s.now, id, "disk-loss", fmt.Sprintf("%d files, %d bytes", files, bytes))
	return files, bytes, nil
}

// Restart boots a crashed node from its disk alone, after delay. The node is
// a fresh value from its NodeSpec.New.
func (s *Sim) Restart(id NodeID, delay time.Duration) error {
	n, err := s.lookup(id)
	if err != nil {
		return err
	}
	if n.status != nodeDown {
		return fmt.Errorf("restart %s: not down: %w", n.spec.Name, ErrNodeState)
	}
	n.status = nodeStarting
	s.push(s.now.Add(max(delay, 0)), event{kind: eventStart, node: id, incarnation: n.incarnation})
	return nil
}

// Pause freezes node id, as a long GC pause or SIGSTOP would: its clocks run
// on, but messages and timers wait until Resume.
func (s *Sim) Pause(id NodeID) error {
	n, err := s.lookup(id)
	if err != nil {
		return err
	}
	if n.status != nodeUp {
		return fmt.Errorf("pause %s: not up: %w", n.spec.Name, ErrNodeState)
	}
	n.status = nodePaused
	s.trace.lifecycle(tracePause, s.now, id, 0)
	return nil
}

// Resume thaws a paused node. Everything that arrived or expired while it
// was frozen fires now, in the order it was due.
func (s *Sim) Resume(id NodeID) error {
	n, err := s.lookup(id)
	if err != nil {
		return err
	}
	if n.status != nodePaused {
		return fmt.Errorf("resume %s: not paused: %w", n.spec.Name, ErrNodeState)
	}
	n.status = nodeUp
	s.trace.lifecycle(traceResume, s.now, id, int64(len(n.deferred)))
	for _, e := range n.deferred {
		s.push(s.now, e)
	}
	n.deferred = n.deferred[:0]
	return nil
}

// IsUp reports whether node id is running (not down, starting or paused).
func (s *Sim) IsUp(id NodeID) bool {
	n := s.state(id)
	return n != nil && n.status == nodeUp
}

// IsDown reports whether node id is crashed or waiting to restart.
func (s *Sim) IsDown(id NodeID) bool {
	n := s.state(id)
	return n != nil && (n.status == nodeDown || n.status == nodeStarting)
}

// SetSlow delays every message to or from node id by an extra d, as a node
// with a slow CPU or disk would answer late. Zero makes it normal again.
func (s *Sim) SetSlow(id NodeID, d time.Duration) error {
	n, err := s.lookup(id)
	if err != nil {
		return err
	}
	if d < 0 {
		return fmt.Errorf("slow %s: delay %v is negative", n.spec.Name, d)
	}
	n.slowDelay = d
	s.trace.fault(s.now, id, "slow", d.String())
	return nil
}

// SetClockOffset sets node id's wall clock to read true time plus offset
// (plus what drift has accumulated). Its monotonic clock is unaffected.
func (s *Sim) SetClockOffset(id NodeID, offset time.Duration) error {
	n, err := s.lookup(id)
	if err != nil {
		return err
	}
	n.clock.wallOffset = offset - (n.clock.monotonic(s.now) - time.Duration(s.now))
	s.trace.fault(s.now, id, "clock-offset", offset.String())
	return nil
}

// JumpClock moves node id's wall clock by d, forwards or backwards, as a bad
// NTP step would. Its monotonic clock and timers are unaffected.
func (s *Sim) JumpClock(id NodeID, d time.Duration) error {
	n, err := s.lookup(id)
	if err != nil {
		return err
	}
	n.clock.wallOffset += d
	s.trace.fault(s.now, id, "clock-jump", d.String())
	return nil
}

// SetClockDrift changes the rate of node id's monotonic (and wall) clock to
// 1+ppm/1e6 of true time. Pending timers are rescheduled: they still fire
// when the node's own clock reaches their deadline.
func (s *Sim) SetClockDrift(id NodeID, ppm int64) error {
	n, err := s.lookup(id)
	if err != nil {
		return err
	}
	if err := validateDrift(ppm); err != nil {
		return fmt.Errorf("clock drift %s: %w", n.spec.Name, err)
	}
	n.clock.setDrift(s.now, ppm)
	s.trace.fault(s.now, id, "clock-drift", fmt.Sprintf("%dppm", ppm))
	for slot := range n.timers.slots {
		ts := &n.timers.slots[slot]
		if ts.active {
			ts.schedule++
			s.scheduleTimer(n, uint32(slot))
		}
	}
	return nil
}

// ClockDriftPPM returns node id's clock rate drift now, in parts per
// million, for harness code that must know whether a fault changed it.
func (s *Sim) ClockDriftPPM(id NodeID) int64 {
	n := s.state(id)
	if n == nil {
		return 0
	}
	return n.clock.driftPPM
}

// WallTime returns node id's wall clock now, in Unix nanoseconds, for
// harness code that must compare clocks.
func (s *Sim) WallTime(id NodeID) int64 {
	n := s.state(id)
	if n == nil {
		return 0
	}
	return n.clock.wall(s.now)
}
