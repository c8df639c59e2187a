package sim_test

import (
	"os"
	"runtime"
	"sync"
	"testing"

	"github.com/faultline/faultline/sim/simtest"
)

// chaosRun runs five counter nodes for ten simulated seconds under every
// kind of fault the simulator offers and returns the trace hash.
func chaosRun(seed uint64) string {
	r, err := simtest.ChaosRun(simtest.ChaosConfig{Seed: seed})
	if err != nil {
		panic(err)
	}
	return r.TraceHash
}

func TestSameSeedGivesSameTraceHash(t *testing.T) {
	for _, seed := range []uint64{1, 2, 42, 1 << 40} {
		first, second := chaosRun(seed), chaosRun(seed)
		if first != second {
			t.Errorf("seed %d: trace hashes differ between runs: %s vs %s", seed, first, second)
		}
	}
}

func TestTraceHashIndependentOfGOMAXPROCS(t *testing.T) {
	previous := runtime.GOMAXPROCS(0)
	defer runtime.GOMAXPROCS(previous)
	hashes := map[int]string{}
	for _, procs := range []int{1, 4} {
		runtime.GOMAXPROCS(procs)
		hashes[procs] = chaosRun(7)
	}
	if hashes[1] != hashes[4] {
		t.Fatalf("GOMAXPROCS=1 gave %s, GOMAXPROCS=4 gave %s", hashes[1], hashes[4])
	}
}

// Simulations share no state: many running at once on separate goroutines,
// as a sweep runs them, each get the hash a lone run gets.
func TestParallelRunsMatchLoneRun(t *testing.T) {
	want := chaosRun(9)
	var wg sync.WaitGroup
	got := make([]string, 8)
	for i := range got {
		wg.Go(func() { got[i] = chaosRun(9) })
	}
	wg.Wait()
	for i, h := range got {
		if h != want {
			t.Errorf("parallel run %d: hash %s, lone run %s", i, h, want)
		}
	}
}

func TestDifferentSeedsGiveDifferentTraces(t *testing.T) {
	seen := map[string]uint64{}
	for seed := uint64(1); seed <= 20; seed++ {
		h := chaosRun(seed)
		if prev, dup := seen[h]; dup {
			t.Fatalf("seeds %d and %d gave the same trace hash %s", prev, seed, h)
		}
		seen[h] = seed
	}
}

// Go randomizes map iteration on every range statement. If map order reached
// a decision anywhere in the simulator, repeated runs inside one process
// would disagree.
func TestMapOrderReachesNoDecision(t *testing.T) {
	want := chaosRun(3)
	for i := range 25 {
		if got := chaosRun(3); got != want {
			t.Fatalf("run %d: hash %s, first run %s", i, got, want)
		}
	}
}

// goldenTraceHash pins the trace of one seed, so that a change that alters
// runs (or a platform that computes differently) is caught, not discovered
// later when an old seed no longer reproduces. Update it only with a change
// that is meant to alter the trace, and say so in the commit.
const goldenTraceHash = "c2f5ae42b04463d5"

func TestGoldenTraceHash(t *testing.T) {
	if os.Getenv("FAULTLINE_PINNED_HASHES") == "ignore" {
		t.Skip("FAULTLINE_PINNED_HASHES=ignore: the mutation runner asks whether the tests catch a bug, not a change")
	}
	if got := chaosRun(1); got != goldenTraceHash {
		t.Fatalf("seed 1 trace hash is %s, pinned %s: the simulator's behaviour changed", got, goldenTraceHash)
	}
}
