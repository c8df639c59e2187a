package mutants

import (
	"bytes"
	"strings"
	"testing"

	"github.com/faultline/faultline/reports"
)

func TestTallyFindsTheFirstFailure(t *testing.T) {
	records := []reports.RunRecord{
		{Scenario: "baseline", Seed: 1, Verdict: "pass"},
		{Scenario: "baseline", Seed: 5, Verdict: "fail", Invariants: map[string]string{"durability": "fail", "liveness": "pass"}},
		{Scenario: "swarm", Seed: 2, Verdict: "fail", Error: "worker died", Invariants: map[string]string{}},
		{Scenario: "swarm", Seed: 3, Verdict: "fail", Invariants: map[string]string{"linearizability": "unknown"}},
	}
	r := Result{ScenariosCaught: []string{}, InvariantsCaught: []string{}}
	first := tally(&r, records)
	if !r.Caught || r.FailingRuns != 3 || r.TotalRuns != 4 || first.Seed != 2 || *r.FirstFailingSeed != 2 ||
		r.FirstFailingScenario != "swarm" {
		t.Fatalf("tally: %+v, first %+v", r, first)
	}
	if got := strings.Join(r.InvariantsCaught, ","); got != "durability,error,linearizability" {
		t.Errorf("invariants %s", got)
	}
	if got := strings.Join(r.ScenariosCaught, ","); got != "baseline,swarm" {
		t.Errorf("scenarios %s", got)
	}
	none := Result{}
	if tally(&none, records[:1]) != nil || none.Caught || none.FirstFailingSeed != nil {
		t.Errorf("a passing sweep was caught: %+v", none)
	}
}

func TestReportScoresCaughtMutants(t *testing.T) {
	seed := func(s uint64) *uint64 { return &s }
	n := func(i int) *int { return &i }
	yes := true
	results := []Result{
		{Mutant: Mutant{Name: "a"}, Caught: true, FirstFailingSeed: seed(1), FirstFailureFaults: n(9), ShrunkFaults: n(2)},
		{Mutant: Mutant{Name: "b"}, Caught: true, FirstFailingSeed: seed(7), FirstFailureFaults: n(4), ShrunkFaults: n(3)},
		{Mutant: Mutant{Name: "c"}, Caught: true, FirstFailingSeed: seed(30)},
		{Mutant: Mutant{Name: "d"}, UnitTestsCaught: &yes},
		{Mutant: Mutant{Name: "e"}, Error: "patch does not apply"},
	}
	rep := NewReport("1-30", results)
	if rep.Caught != 3 || rep.Total != 5 || rep.Errors != 1 || rep.Measured != 4 || rep.UnitTestsOnly != 1 ||
		*rep.MedianFirstFailingSeed != 7 || *rep.ShrunkFaultsMax != 3 {
		t.Fatalf("report %+v", rep)
	}
	if rep.Score() != "3/5 (60%)" {
		t.Errorf("score %s", rep.Score())
	}
	var md bytes.Buffer
	rep.Markdown(&md)
	for _, want := range []string{"# Mutation score: 3/5 (60%)", "| d |", "**no**", "| e |", "error", "9 -> 2"} {
		if !strings.Contains(md.String(), want) {
			t.Errorf("report.md lacks %q", want)
		}
	}
}
