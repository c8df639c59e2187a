package scenarios

import (
	"testing"
)

// TestSessionPressureEvictsSessionsStillInUse is the proof of effect of a
// full session table: in every seed that draws one, some client's request
// is answered SessionExpired (its session was evicted while in use), and
// every invariant still holds; in the seeds that do not, none is.
func TestSessionPressureEvictsSessionsStillInUse(t *testing.T) {
	skipSingleGoroutineUnderRace(t)
	sc, ok := Lookup("baseline")
	if !ok {
		t.Fatal("no baseline scenario")
	}
	pressured := 0
	for seed := uint64(1); seed <= 12; seed++ {
		p := DrawSessionPressure(seed, sc.Workload)
		if p.SessionsMax == 0 && seed > 4 {
			continue // the unpressured seeds 1-4 are enough for the contrast
		}
		o, err := Run(&sc, seed, RunOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if !o.Passed() {
			t.Errorf("seed %d: %v", seed, o.Verdicts)
		}
		expired := o.History.SessionsExpired
		switch {
		case p.SessionsMax > 0 && expired == 0:
			t.Errorf("seed %d: a table of %d sessions and %d batch jobs evicted no session in use", seed, p.SessionsMax, len(p.Batches))
		case p.SessionsMax == 0 && expired > 0:
			t.Errorf("seed %d: %d operations answered SessionExpired with the default table", seed, expired)
		}
		if p.SessionsMax > 0 {
			pressured++
			t.Logf("seed %d: table %d, batches %v: %d session-expired of %d unknown", seed, p.SessionsMax, p.Batches, expired, o.History.Unknown)
		}
	}
	if pressured == 0 {
		t.Fatal("no seed in 1-12 drew session pressure")
	}
}

// TestSessionPressureIsDrawnInSomeSeedsOnly keeps eviction a corner, not
// the common path: about one seed in four, each table as large as the
// workload's clients, each batch job joining inside the workload.
func TestSessionPressureIsDrawnInSomeSeedsOnly(t *testing.T) {
	sc, _ := Lookup("baseline")
	pressured := 0
	for seed := uint64(1); seed <= 400; seed++ {
		p := DrawSessionPressure(seed, sc.Workload)
		if p.SessionsMax == 0 {
			if len(p.Batches) > 0 {
				t.Fatalf("seed %d: batch jobs without a small table", seed)
			}
			continue
		}
		pressured++
		if p.SessionsMax != sc.Workload.Clients || len(p.Batches) == 0 {
			t.Fatalf("seed %d: %+v", seed, p)
		}
		for _, b := range p.Batches {
			if b.StartAt <= 0 || b.StartAt >= sc.Workload.StopAt || b.Ops <= 0 {
				t.Fatalf("seed %d: batch %+v outside the workload", seed, b)
			}
		}
	}
	if pressured < 70 || pressured > 130 {
		t.Fatalf("%d of 400 seeds drew session pressure, want about 100", pressured)
	}
}

// TestDeposedLeadersAreReachedByClients is the proof of effect of the
// nemeses aimed at a leader: in deposed-leader and leader-churn, clients'
// requests reach a replica that still acts as leader after a newer leader
// was elected, on every seed tried; without them (majority-partition, whose
// isolated leader steps down first) the corner goes unvisited. A seed may
// draw elections slower than a round's hold (see Parameters), so the test
// asks for most seeds, not all.
func TestDeposedLeadersAreReachedByClients(t *testing.T) {
	skipSingleGoroutineUnderRace(t)
	for _, name := range []string{"deposed-leader", "leader-churn"} {
		sc, ok := Lookup(name)
		if !ok {
			t.Fatalf("no scenario %s", name)
		}
		reached := 0
		const seeds = 6
		for seed := uint64(1); seed <= seeds; seed++ {
			o, err := Run(&sc, seed, RunOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if !o.Passed() {
				t.Errorf("%s seed %d: %v", name, seed, o.Verdicts)
			}
			if o.DeposedLeaderRequests > 0 {
				reached++
			}
		}
		if reached < seeds*2/3 {
			t.Errorf("%s: client requests reached a deposed leader in %d of %d seeds", name, reached, seeds)
		}
	}
}
