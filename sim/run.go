package sim

import "time"

// StopReason says why Run returned.
type StopReason uint8

const (
	// StopTime means the next event lies past the time limit.
	StopTime StopReason = iota + 1
	// StopIdle means no event is left: every node is quiet.
	StopIdle
	// StopEventBudget means Config.MaxEvents events have fired.
	StopEventBudget
)

// String names the reason.
func (r StopReason) String() string {
	switch r {
	case StopTime:
		return "time limit"
	case StopIdle:
		return "no events left"
	case StopEventBudget:
		return "event budget spent"
	}
	return "unknown"
}

// Run fires events in (time, sequence) order until the next one lies past
// limit, none is left, or the event budget is spent. Unless the budget
// stopped it, the clock ends at limit, so that a later Run continues
// seamlessly.
func (s *Sim) Run(limit Time) StopReason {
	for {
		if s.cfg.MaxEvents > 0 && s.events >= s.cfg.MaxEvents {
			return StopEventBudget
		}
		if s.queue.len() == 0 {
			s.now = max(s.now, limit)
			return StopIdle
		}
		if s.queue.peek().at > limit {
			s.now = max(s.now, limit)
			return StopTime
		}
		s.step()
	}
}

// RunFor runs for d of simulated time from now.
func (s *Sim) RunFor(d time.Duration) StopReason { return s.Run(s.now.Add(d)) }

// Step fires the next event, if any, and reports whether one was left.
func (s *Sim) Step() bool {
	if s.queue.len() == 0 {
		return false
	}
	s.step()
	return true
}

func (s *Sim) step() {
	q := s.queue.pop()
	if q.at < s.now {
		panicf("event at %d is before now %d", q.at, s.now)
	}
	s.now = q.at
	e := s.records.take(q.handle)
	switch e.kind {
	case eventCallback:
		fn := s.callbacks.take(e.ref)
		if fn == nil {
			panicf("callback %d fired twice", e.ref)
		}
		s.events++
		fn()
	case eventStart:
		s.fireStart(e)
	case eventDeliver:
		s.fireDeliver(e)
	case eventTimer:
		s.fireTimer(e)
	case eventDisk:
		s.fireDisk(e)
	case eventDiskNotify:
		s.fireDiskNotify(e)
	default:
		panicf("event %d of unknown kind %d (0: its record was taken twice)", q.handle, e.kind)
	}
}

func (s *Sim) fireStart(e event) {
	n := s.nodes[e.node]
	if n.status != nodeStarting || e.incarnation != n.incarnation {
		return // crashed again before it came up
	}
	s.events++
	n.status = nodeUp
	n.starts++
	n.node = n.spec.New()
	n.env = &Env{sim: s, state: n, incarnation: n.incarnation}
	s.trace.lifecycle(traceStart, s.now, n.id, int64(n.starts))
	n.node.Start(n.env)
}

func (s *Sim) fireDeliver(e event) {
	n := s.nodes[e.node]
	switch n.status {
	case nodePaused:
		n.deferred = append(n.deferred, e)
		return
	case nodeUp:
	default:
		s.network.stats.DroppedNodeDown++
		s.trace.messageInFlight(traceDrop, s.now, e.from, e.node, s.messages.bytes(e.ref), s.messages.origin(e.ref), "node-down")
		s.messages.put(e.ref)
		return
	}
	if !s.network.Connected(e.from, e.node) {
		// The link was cut while the message was in flight.
		s.network.stats.DroppedPartition++
		s.trace.messageInFlight(traceDrop, s.now, e.from, e.node, s.messages.bytes(e.ref), s.messages.origin(e.ref), "partition")
		s.messages.put(e.ref)
		return
	}
	s.events++
	s.network.stats.Delivered++
	msg := s.messages.bytes(e.ref)
	s.trace.messageInFlight(traceDeliver, s.now, e.from, e.node, msg, s.messages.origin(e.ref), "")
	n.node.Receive(e.from, msg)
	s.messages.put(e.ref)
}

func (s *Sim) fireTimer(e event) {
	n := s.nodes[e.node]
	if e.incarnation != n.incarnation {
		return // armed by a life of the node that has since crashed
	}
	if n.status == nodePaused {
		n.deferred = append(n.deferred, e)
		return
	}
	slot := &n.timers.slots[e.timerSlot]
	if !slot.active || slot.schedule != e.timerVersion {
		return // cancelled, or rescheduled by a drift change
	}
	tag := slot.tag
	n.timers.release(e.timerSlot)
	s.events++
	s.trace.timer(s.now, n.id, tag)
	n.node.Timer(tag)
}
