package scenarios

import (
	"slices"
	"testing"

	"github.com/faultline/faultline/ledger"
)

// notYetReached are the ledger's result codes no catalog workload asks
// for yet, each with what it needs. The list may only shrink: the test
// fails if one of them is reached (take it off) as much as if any other
// code is not. Every code is reached today.
var notYetReached = map[ledger.Result]string{}

// TestTheCatalogReachesEveryResultCode sweeps every scenario over seeds
// 1-2 and fails if any result code of the ledger, but the listed ones, was
// never returned to a client: a path of the ledger no run takes is a path
// where a bug goes unseen.
func TestTheCatalogReachesEveryResultCode(t *testing.T) {
	if testing.Short() {
		t.Skip("sweeps the whole catalog: run by make test, not by the race-detector pass")
	}
	reached := map[ledger.Result]int{}
	for _, sc := range Catalog() {
		for seed := uint64(1); seed <= 2; seed++ {
			o, err := Run(&sc, seed, RunOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if !o.Passed() {
				t.Errorf("%s seed %d: %v", sc.Name, seed, o.Verdicts)
			}
			for r, n := range o.History.ResultCodes {
				reached[r] += n
			}
		}
	}
	var missing, surprise []string
	for _, r := range ledger.AllResults() {
		_, excused := notYetReached[r]
		switch {
		case reached[r] == 0 && !excused:
			missing = append(missing, r.String())
		case reached[r] > 0 && excused:
			surprise = append(surprise, r.String())
		}
	}
	slices.Sort(missing)
	if len(missing) > 0 {
		t.Errorf("no run returned %v", missing)
	}
	if len(surprise) > 0 {
		t.Errorf("%v are reached now: take them off notYetReached", surprise)
	}
}
