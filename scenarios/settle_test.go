package scenarios

import (
	"testing"
	"time"

	"github.com/faultline/faultline/checkers"
	"github.com/faultline/faultline/faults"
	"github.com/faultline/faultline/sim"
)

// TestASlowFollowerGetsTimeToCatchUpBeforeTheFinalChecks: cross-region
// seed 178 draws one entry per append; a follower across the WAN is still
// far behind when the scenario ends. The run goes on, quiet, until it has
// caught up, and passes; the final checks do not read a slow follower as a
// lost write.
func TestASlowFollowerGetsTimeToCatchUpBeforeTheFinalChecks(t *testing.T) {
	sc, _ := Lookup("cross-region")
	o, err := Run(&sc, 178, RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !o.Passed() || o.SimTime <= sim.Time(sc.Duration) {
		t.Fatalf("passed %v after %v (scenario %v): %v", o.Passed(), o.SimTime, sc.Duration, o.Verdicts)
	}
}

// TestAFollowerThatNeverCatchesUpStillFails: a follower cut off until the
// end (a schedule that never heals) cannot catch up in any amount of extra
// time, and final-convergence says so once the extra time is spent.
func TestAFollowerThatNeverCatchesUpStillFails(t *testing.T) {
	skipSingleGoroutineUnderRace(t)
	sc, _ := Lookup("baseline")
	sched := faults.Schedule{Faults: []faults.Fault{{At: faults.Duration(time.Second), Kind: faults.Partition,
		Groups: [][]string{{"n5"}, {"n1", "n2", "n3", "n4"}}}}}
	o, err := Run(&sc, 1, RunOptions{Schedule: &sched})
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range o.Verdicts {
		if v.Invariant == "final-convergence" {
			if v.Status != checkers.Fail {
				t.Fatalf("final-convergence %s with n5 cut off for good", v.Status)
			}
			if o.SimTime < sim.Time(sc.Duration+settleMax) {
				t.Fatalf("gave up at %v, before the extra %v", o.SimTime, settleMax)
			}
			return
		}
	}
	t.Fatal("no final-convergence verdict")
}
