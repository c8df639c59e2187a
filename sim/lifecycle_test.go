package sim_test

import (
	"errors"
	"testing"
	"time"

	"github.com/faultline/faultline/sim"
	"github.com/faultline/faultline/sim/simtest"
)

func TestCrashLosesMemoryAndTimers(t *testing.T) {
	ps := mustProbeSim(2, time.Millisecond, nil)
	old := ps.probe(0)
	old.env.SetTimer(10*time.Millisecond, 1)
	if old.env.Restarted() {
		t.Fatal("first life reports a restart")
	}
	if err := ps.Crash(0); err != nil {
		t.Fatal(err)
	}
	ps.probe(1).env.Send(0, []byte("to the dead"))
	ps.RunFor(20 * time.Millisecond)
	if len(old.timers) != 0 || len(old.messages) != 0 {
		t.Fatalf("a crashed node still got events: timers %v messages %v", old.timers, old.messages)
	}
	if ps.Network().Stats().DroppedNodeDown != 1 {
		t.Fatal("message to a down node was not dropped")
	}
	if err := ps.Restart(0, 5*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	ps.RunFor(20 * time.Millisecond)
	fresh := ps.probe(0)
	if fresh == old || !fresh.env.Restarted() || len(fresh.timers) != 0 {
		t.Fatalf("restart did not give a fresh node without the old timers")
	}
}

func TestEnvOfCrashedLifePanics(t *testing.T) {
	ps := mustProbeSim(1, time.Millisecond, nil)
	env := ps.probe(0).env
	if err := ps.Crash(0); err != nil {
		t.Fatal(err)
	}
	defer func() {
		if recover() == nil {
			t.Fatal("sending from a crashed life did not panic")
		}
	}()
	env.Send(0, []byte("zombie"))
}

func TestPauseHoldsEventsUntilResume(t *testing.T) {
	ps := mustProbeSim(2, time.Millisecond, nil)
	p := ps.probe(1)
	p.env.SetTimer(5*time.Millisecond, 9)
	if err := ps.Pause(1); err != nil {
		t.Fatal(err)
	}
	ps.probe(0).env.Send(1, []byte("a"))
	ps.probe(0).env.Send(1, []byte("b"))
	ps.RunFor(50 * time.Millisecond)
	if len(p.messages)+len(p.timers) != 0 {
		t.Fatal("a paused node handled events")
	}
	if err := ps.Resume(1); err != nil {
		t.Fatal(err)
	}
	ps.RunFor(time.Millisecond)
	if len(p.messages) != 2 || p.messages[0].data != "a" || p.messages[1].data != "b" || len(p.timers) != 1 {
		t.Fatalf("after resume: messages %+v timers %+v", p.messages, p.timers)
	}
	if p.timers[0].at != at(50*time.Millisecond) {
		t.Fatalf("the overdue timer fired at %v, want at resume (50ms)", p.timers[0].at)
	}
}

func TestCancelledTimerDoesNotFire(t *testing.T) {
	ps := mustProbeSim(1, time.Millisecond, nil)
	p := ps.probe(0)
	id := p.env.SetTimer(time.Millisecond, 1)
	p.env.SetTimer(2*time.Millisecond, 2)
	if !p.env.CancelTimer(id) || p.env.CancelTimer(id) {
		t.Fatal("cancel should succeed once")
	}
	ps.RunFor(10 * time.Millisecond)
	if len(p.timers) != 1 || p.timers[0].tag != 2 {
		t.Fatalf("fired %+v, want only tag 2", p.timers)
	}
}

func TestLifecycleFaultsRefuseWrongState(t *testing.T) {
	ps := mustProbeSim(1, time.Millisecond, nil)
	checks := []struct {
		name string
		err  error
	}{
		{"restart an up node", ps.Restart(0, 0)},
		{"resume an unpaused node", ps.Resume(0)},
		{"crash", ps.Crash(0)},
		{"crash again", ps.Crash(0)},
		{"pause a down node", ps.Pause(0)},
	}
	for i, c := range checks {
		wantOK := i == 2
		if (c.err == nil) != wantOK || (!wantOK && !errors.Is(c.err, sim.ErrNodeState)) {
			t.Errorf("%s: %v", c.name, c.err)
		}
	}
	if err := ps.Crash(5); err == nil {
		t.Error("crashing an unknown node succeeded")
	}
}

func TestEventBudgetStopsTheRun(t *testing.T) {
	s := mustCounterCluster(1, 3, func(c *sim.Config) { c.MaxEvents = 100 })
	if reason := s.Run(at(time.Hour)); reason != sim.StopEventBudget || s.Events() != 100 {
		t.Fatalf("stopped by %v after %d events", reason, s.Events())
	}
}

func TestCounterClusterSurvivesCrashes(t *testing.T) {
	s := mustCounterCluster(5, 3, nil)
	s.Run(at(time.Second))
	before := simtest.CounterOf(s, 0).Count()
	if err := s.Crash(0); err != nil {
		t.Fatal(err)
	}
	if err := s.Restart(0, 100*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	s.Run(at(2 * time.Second))
	n := simtest.CounterOf(s, 0)
	// Every other tick is synced, so at most one tick is lost.
	if n.Recovered()+1 < before || n.Recovered() > before || n.Corrupt() {
		t.Fatalf("counted %d before the crash, recovered %d (corrupt=%v)", before, n.Recovered(), n.Corrupt())
	}
	if simtest.CounterOf(s, 1).Seen(0) < n.Count()-1 {
		t.Fatalf("peer saw %d of n1's count %d", simtest.CounterOf(s, 1).Seen(0), n.Count())
	}
}
