package simtest

import (
	"testing"
	"time"
)

// The simulator keeps its promise: whatever else goes wrong, a write that
// was synced survives a crash, or the node sees that it is corrupt.
func TestSyncedCountsSurviveChaos(t *testing.T) {
	for seed := uint64(1); seed <= 60; seed++ {
		r, err := ChaosRun(ChaosConfig{Seed: seed})
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Violations) > 0 {
			t.Fatalf("seed %d: %v", seed, r.Violations)
		}
	}
}

// The durable-count check is not a rubber stamp: a misdirected write leaves
// a stale record with a valid checksum behind, which the naive counter
// trusts, and the check must report the lost count.
func TestDurabilityCheckCatchesMisdirectedWrite(t *testing.T) {
	s, err := CounterCluster(1, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	check := newDurabilityCheck(s)
	stepUntil := func(done func(c *Counter) bool) {
		for s.Step() {
			if c := CounterOf(s, 0); c != nil && c.count > 0 && done(c) {
				return
			}
		}
		t.Fatal("ran out of events")
	}
	stepUntil(func(c *Counter) bool { return c.count%2 == 1 }) // the next tick syncs
	s.Disk(0).MisdirectWrites(1)
	stepUntil(func(c *Counter) bool { return c.count%2 == 0 })
	check.beforeFault(faultCrash, 0)
	if err := s.Crash(0); err != nil {
		t.Fatal(err)
	}
	if err := s.Restart(0, time.Millisecond); err != nil {
		t.Fatal(err)
	}
	s.RunFor(2 * time.Millisecond)
	check.verifyRestarted()
	if len(check.violations) != 1 {
		t.Fatalf("violations %v, want the one lost count", check.violations)
	}
}
