package sim

import (
	"fmt"
	"time"
)

// Crash points crash a node at a protocol moment rather than at a random
// time: right after it sends a message of some kind (a vote, an append
// acknowledgement, a client reply), or while one of its fsyncs is in
// flight. The simulator does not read messages, so the harness says which
// messages count (match). An armed point that has not fired by its
// deadline expires, so that a node is never crashed long after the fault
// that meant it. A pause point is the same moment with a gray failure
// instead: the node freezes there (a GC pause, a stopped VM) until
// Resume, with everything sent to it and every disk completion waiting.

// crashPoint is an armed crash or pause point of one node.
type crashPoint struct {
	what  string
	match func(msg []byte) bool // nil: during the next fsync
	until Time
	pause bool // freeze the node rather than crash it
}

// CrashAfterSend arms node id to crash right after it next sends a message
// that match accepts (once the handler that sent it returns), within d
// from now. what names the point in the trace.
func (s *Sim) CrashAfterSend(id NodeID, what string, d time.Duration, match func(msg []byte) bool) error {
	return s.armAfterSend(id, what, d, match, false)
}

// PauseAfterSend is CrashAfterSend with a pause for the crash: node id
// freezes right after it next sends a message that match accepts, within
// d from now, and stays frozen until Resume.
func (s *Sim) PauseAfterSend(id NodeID, what string, d time.Duration, match func(msg []byte) bool) error {
	return s.armAfterSend(id, what, d, match, true)
}

func (s *Sim) armAfterSend(id NodeID, what string, d time.Duration, match func(msg []byte) bool, pause bool) error {
	n, err := s.lookup(id)
	if err != nil {
		return err
	}
	kind := "crash"
	if pause {
		kind = "pause"
	}
	if match == nil {
		return fmt.Errorf("%s point %s on %s: no message matcher", kind, what, n.spec.Name)
	}
	n.crashPoint = &crashPoint{what: what, match: match, until: s.now.Add(d), pause: pause}
	s.trace.fault(s.now, id, "arm-"+kind+"-point", what)
	return nil
}

// CrashDuringFsync arms node id to crash at a random instant while its
// next fsync, issued within d from now, is in flight: its writes are then
// lost, or torn if a torn write is armed too.
func (s *Sim) CrashDuringFsync(id NodeID, d time.Duration) error {
	n, err := s.lookup(id)
	if err != nil {
		return err
	}
	n.crashPoint = &crashPoint{what: "during-fsync", until: s.now.Add(d)}
	s.trace.fault(s.now, id, "arm-crash-point", "during-fsync")
	return nil
}

// CrashPointsFired returns how many crash points node id has fired.
func (s *Sim) CrashPointsFired(id NodeID) int64 {
	if n := s.state(id); n != nil {
		return n.crashPointsFired
	}
	return 0
}

// PausePointsFired returns how many pause points node id has fired.
func (s *Sim) PausePointsFired(id NodeID) int64 {
	if n := s.state(id); n != nil {
		return n.pausePointsFired
	}
	return 0
}

// crashPointAfterSend checks node n's armed point against a message it
// sends, and schedules the crash if it matches.
func (s *Sim) crashPointAfterSend(n *nodeState, msg []byte) {
	cp := n.crashPoint
	if cp.match == nil {
		return
	}
	if s.now > cp.until {
		n.crashPoint = nil
		return
	}
	if cp.match(msg) {
		n.crashPoint = nil
		s.fireCrashPoint(n, cp, s.now)
	}
}

// crashPointInFsync schedules an armed during-fsync crash at a random
// instant of an fsync of node n running from start for cost.
func (s *Sim) crashPointInFsync(n *nodeState, start Time, cost time.Duration) {
	cp := n.crashPoint
	if cp.match != nil {
		return
	}
	n.crashPoint = nil
	if s.now > cp.until {
		return
	}
	at := start
	if cost > 0 {
		at = start.Add(time.Duration(n.disk.rng.Int64N(int64(cost))))
	}
	s.fireCrashPoint(n, cp, at)
}

// fireCrashPoint crashes (or freezes) node n at true time at, if it is
// still the same life then.
func (s *Sim) fireCrashPoint(n *nodeState, cp *crashPoint, at Time) {
	life := n.incarnation
	s.At(at, func() {
		if n.incarnation != life || n.status == nodeDown || n.status == nodeStarting {
			return
		}
		if cp.pause {
			if n.status != nodeUp {
				return // already frozen
			}
			n.pausePointsFired++
			s.trace.fault(s.now, n.id, "pause-point", cp.what)
			_ = s.Pause(n.id) // up: a pause cannot fail
			return
		}
		n.crashPointsFired++
		s.trace.fault(s.now, n.id, "crash-point", cp.what)
		_ = s.Crash(n.id) // up or paused: a crash cannot fail
	})
}
