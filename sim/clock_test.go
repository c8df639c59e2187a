package sim_test

import (
	"testing"
	"time"

	"github.com/faultline/faultline/sim"
)

func TestDriftingClockFiresTimersEarlyOrLate(t *testing.T) {
	cases := []struct {
		name     string
		driftPPM int64
		wantFire time.Duration // true time at which a 1s timer fires
	}{
		{"accurate", 0, time.Second},
		{"5% fast fires 5% early in true time", 50_000, 952_380_953},
		{"5% slow fires late", -50_000, 1_052_631_579},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ps := mustProbeSim(1, time.Millisecond, func(c *sim.Config) { c.Nodes[0].ClockDriftPPM = tc.driftPPM })
			p := ps.probe(0)
			p.env.SetTimer(time.Second, 7)
			ps.Run(at(2 * time.Second))
			if len(p.timers) != 1 || p.timers[0].at != at(tc.wantFire) {
				t.Fatalf("timers fired %+v, want one at %v", p.timers, tc.wantFire)
			}
			if mono := p.env.Monotonic(); mono < time.Second {
				t.Fatalf("monotonic clock %v at fire time past the deadline", mono)
			}
		})
	}
}

func TestDriftChangeReschedulesPendingTimers(t *testing.T) {
	ps := mustProbeSim(1, time.Millisecond, nil)
	p := ps.probe(0)
	p.env.SetTimer(time.Second, 1)
	ps.Run(at(500 * time.Millisecond))
	if err := ps.SetClockDrift(0, 250_000); err != nil { // 25% fast from now on
		t.Fatal(err)
	}
	ps.Run(at(2 * time.Second))
	// 500ms of local time remain; at 1.25x they take 400ms of true time.
	if len(p.timers) != 1 || p.timers[0].at != at(900*time.Millisecond) {
		t.Fatalf("timers fired %+v, want one at 900ms", p.timers)
	}
}

func TestWallClockOffsetAndJumps(t *testing.T) {
	ps := mustProbeSim(2, time.Millisecond, func(c *sim.Config) { c.Nodes[1].ClockOffset = 2 * time.Second })
	ps.Run(at(time.Second))
	n0, n1 := ps.probe(0).env, ps.probe(1).env
	if got, want := n0.WallTime(), sim.WallEpoch+int64(time.Second); got != want {
		t.Fatalf("accurate wall clock reads %d, want %d", got, want)
	}
	if skew := time.Duration(n1.WallTime() - n0.WallTime()); skew != 2*time.Second {
		t.Fatalf("offset node is %v ahead, want 2s", skew)
	}
	monoBefore := n1.Monotonic()
	if err := ps.JumpClock(1, -10*time.Second); err != nil {
		t.Fatal(err)
	}
	if skew := time.Duration(n1.WallTime() - n0.WallTime()); skew != -8*time.Second {
		t.Fatalf("after a -10s jump the node is %v ahead, want -8s", skew)
	}
	if n1.Monotonic() != monoBefore {
		t.Fatalf("a wall-clock jump moved the monotonic clock")
	}
	if err := ps.SetClockOffset(1, 0); err != nil {
		t.Fatal(err)
	}
	if n1.WallTime() != n0.WallTime() {
		t.Fatalf("after resetting the offset the clocks differ by %v", time.Duration(n1.WallTime()-n0.WallTime()))
	}
}

func TestMonotonicClockNeverGoesBackwards(t *testing.T) {
	ps := mustProbeSim(1, time.Millisecond, nil)
	env := ps.probe(0).env
	last := env.Monotonic()
	for i := range 200 {
		ps.RunFor(7 * time.Millisecond)
		if i%20 == 0 {
			if err := ps.SetClockDrift(0, int64(i%3-1)*400_000); err != nil {
				t.Fatal(err)
			}
		}
		now := env.Monotonic()
		if now < last {
			t.Fatalf("monotonic clock went from %v back to %v", last, now)
		}
		last = now
	}
}
