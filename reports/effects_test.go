package reports

import (
	"strings"
	"testing"
)

func TestAReportSumsFaultEffectsByKind(t *testing.T) {
	recs := []RunRecord{
		{Scenario: "s", Seed: 1, Verdict: "pass", FaultEffects: map[string]FaultEffects{"torn-write": {Applied: 2, Effective: 1}, "crash": {Applied: 1, Effective: 1}}},
		{Scenario: "s", Seed: 2, Verdict: "pass", FaultEffects: map[string]FaultEffects{"torn-write": {Applied: 1, Effective: 0}}},
	}
	r := Build(recs, nil, Evidence{})
	got := r.Scenarios[0].FaultEffects
	if got["torn-write"] != (FaultEffects{Applied: 3, Effective: 1}) || got["crash"] != (FaultEffects{Applied: 1, Effective: 1}) {
		t.Fatalf("summed effects %+v", got)
	}
	var b strings.Builder
	if err := WriteMarkdown(&b, &r); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "faults that took effect, of those applied: crash 1/1, torn-write 1/3") {
		t.Fatalf("the Markdown report does not show the effects:\n%s", b.String())
	}
}
