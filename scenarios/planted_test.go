package scenarios

import "testing"

// The checkers are not rubber stamps: with a planted bug (a leader that
// acknowledges writes no quorum holds), isolating the leader must break
// durability and linearizability on the first seeds.
func TestCheckersCatchAPlantedBug(t *testing.T) {
	sc, _ := Lookup("majority-partition")
	failed := 0
	for seed := uint64(1); seed <= 3; seed++ {
		o, err := Run(&sc, seed, RunOptions{Bugs: []string{"commit-without-quorum"}})
		if err != nil {
			t.Fatal(err)
		}
		if !o.Passed() {
			failed++
			for _, v := range o.Verdicts {
				if v.Status != "pass" {
					t.Logf("seed %d: %s %s %v", seed, v.Invariant, v.Status, first(v.Evidence))
				}
			}
		}
	}
	if failed == 0 {
		t.Fatal("the planted bug went unnoticed on seeds 1-3")
	}
}

func first(s []string) []string {
	if len(s) > 2 {
		return s[:2]
	}
	return s
}
