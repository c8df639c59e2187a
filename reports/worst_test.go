package reports

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestTheChartShowsTheWorstRun: a failed run is charted before any
// passing one, however high its seed; without one, the lowest
// availability, then the longest recovery, then the highest p99, then the
// lowest seed; and the choice does not depend on the order of the records.
func TestTheChartShowsTheWorstRun(t *testing.T) {
	run := func(seed uint64, verdict string, avail, recovery, p99 float64) RunRecord {
		return RunRecord{Scenario: "s", Seed: seed, Verdict: verdict, TraceHash: "h", Invariants: map[string]string{"durability": verdict},
			Metrics: &Metrics{Availability: avail, RecoverySeconds: []float64{recovery}, LatencyMs: LatencySummary{P99: p99},
				TimelineBuckets: &TimelineBuckets{WidthMs: 100, Completed: []int{int(seed)}, P99Ms: []float64{p99}}}}
	}
	cases := []struct {
		name string
		runs []RunRecord
		want uint64
		why  string
	}{
		{"a failed run first", []RunRecord{run(1, "pass", 0.5, 9, 900), run(7, "fail", 1, 0, 1), run(3, "pass", 0.6, 1, 1)}, 7, "it failed (durability)"},
		{"then the lowest availability", []RunRecord{run(1, "pass", 0.9, 9, 900), run(2, "pass", 0.8, 0, 1), run(3, "pass", 1, 1, 1)}, 2, "availability 80%"},
		{"then the longest recovery", []RunRecord{run(1, "pass", 1, 0.2, 900), run(2, "pass", 1, 0.5, 1), run(3, "pass", 1, 0.3, 1)}, 2, "longest recovery 0.500s"},
		{"then the highest p99", []RunRecord{run(1, "pass", 1, 0.2, 10), run(2, "pass", 1, 0.2, 30), run(3, "pass", 1, 0.2, 20)}, 2, "p99 latency 30.0ms"},
		{"then the lowest seed", []RunRecord{run(4, "pass", 1, 0.2, 10), run(2, "pass", 1, 0.2, 10), run(3, "pass", 1, 0.2, 10)}, 2, "No run failed; seed 2"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, order := range [][]RunRecord{c.runs, reversed(c.runs)} {
				sr := Build(order, nil, Evidence{}).Scenarios[0]
				if sr.WorstSeed != c.want || !strings.Contains(sr.WorstReason, c.why) {
					t.Fatalf("charted seed %d (%q), want %d (%q)", sr.WorstSeed, sr.WorstReason, c.want, c.why)
				}
				if len(sr.Timeline) != 1 || sr.Timeline[0].OpsPerSecond != float64(c.want)*10 {
					t.Fatalf("the timeline is not seed %d's: %+v", c.want, sr.Timeline)
				}
			}
		})
	}
}

func reversed(rs []RunRecord) []RunRecord {
	out := slices.Clone(rs)
	slices.Reverse(out)
	return out
}

// TestViolationsAreMarkedWhereTheirTimeIsKnown: an invariant a checker
// stamped with a time is marked on the chart at that time; one judged
// after the run is named as having no moment.
func TestViolationsAreMarkedWhereTheirTimeIsKnown(t *testing.T) {
	rec := RunRecord{Scenario: "s", Seed: 1, Verdict: "fail", Invariants: map[string]string{"convergence": "fail", "durability": "fail", "liveness": "pass"},
		ViolatedAtSeconds: map[string]float64{"convergence": 2.5}, Metrics: &Metrics{Timeline: []TimelinePoint{{AtSeconds: 0, OpsPerSecond: 5}}}}
	sr := Build([]RunRecord{rec}, nil, Evidence{}).Scenarios[0]
	if !slices.Equal(sr.Violations, []ViolationMark{{Invariant: "convergence", AtSeconds: 2.5}}) || !slices.Equal(sr.ViolatedUntimed, []string{"durability"}) {
		t.Fatalf("violations %+v, untimed %v", sr.Violations, sr.ViolatedUntimed)
	}
	if chart := string(chartOf(sr)); !strings.Contains(chart, "convergence broke at 2.5s") {
		t.Fatalf("no violation mark in the chart:\n%s", chart)
	}
}

// TestOldRecordsKeepTheirOneSecondTimeline: a record written before the
// 100 ms buckets still charts, in one-second windows.
func TestOldRecordsKeepTheirOneSecondTimeline(t *testing.T) {
	old := `{"scenario":"s","seed":1,"verdict":"pass","trace_hash":"h","invariants":{},"metrics":{"availability":1,"timeline":[{"t":0,"ops_per_s":300,"p99_ms":5},{"t":1,"ops_per_s":200,"p99_ms":7}]}}` + "\n"
	recs, err := ReadRecords(strings.NewReader(old))
	if err != nil {
		t.Fatal(err)
	}
	pts := recs[0].Metrics.Points()
	if len(pts) != 2 || pts[1].AtSeconds != 1 || pts[1].Width() != 1 || pts[1].OpsPerSecond != 200 {
		t.Fatalf("points %+v", pts)
	}
	newer := Metrics{TimelineBuckets: &TimelineBuckets{WidthMs: 100, Completed: []int{3, 0, 12}, P99Ms: []float64{4.5, 0, 9}}}
	pts = newer.Points()
	if len(pts) != 3 || pts[2].AtSeconds != 0.2 || pts[2].Width() != 0.1 || pts[2].OpsPerSecond != 120 || pts[2].P99Ms != 9 {
		t.Fatalf("points %+v", pts)
	}
}

// TestBundleLinksAreRelativeAndPointAtBundlesThatExist: the report links a
// failing seed's bundle (found beside the sweep's results even when the
// record names it relative to another working directory) by a path
// relative to the report's directory, links its Porcupine page when there
// is one, and links nothing for a bundle that is not there.
func TestBundleLinksAreRelativeAndPointAtBundlesThatExist(t *testing.T) {
	root := t.TempDir()
	sweepDir, outDir := filepath.Join(root, "results"), filepath.Join(root, "site", "report")
	bundle := filepath.Join(sweepDir, "bundles", "leader-crash-seed2")
	if err := os.MkdirAll(bundle, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, body := range map[string]string{"bundle.json": `{"visualization": "linearizability.html"}`, "linearizability.html": "<html></html>"} {
		if err := os.WriteFile(filepath.Join(bundle, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	r := Report{Scenarios: []ScenarioReport{{FailingSeeds: []FailingSeed{
		{Seed: 2, Bundle: "elsewhere/results/bundles/leader-crash-seed2"},
		{Seed: 3, Bundle: filepath.Join(sweepDir, "bundles", "leader-crash-seed3")},
		{Seed: 4},
	}}}}
	LinkBundles(&r, outDir, []string{sweepDir}, func(verb, dir string) string { return "faultline " + verb + " " + dir })
	got := r.Scenarios[0].FailingSeeds
	if got[0].BundleLink != "../../results/bundles/leader-crash-seed2/" || got[0].VisualizationLink != "../../results/bundles/leader-crash-seed2/linearizability.html" {
		t.Fatalf("links %q %q", got[0].BundleLink, got[0].VisualizationLink)
	}
	for _, link := range []string{got[0].BundleLink, got[0].VisualizationLink} {
		if filepath.IsAbs(link) {
			t.Errorf("link %q is absolute", link)
		}
		if _, err := os.Stat(filepath.Join(outDir, filepath.FromSlash(link))); err != nil {
			t.Errorf("link %q leads nowhere from %s: %v", link, outDir, err)
		}
	}
	if got[0].ReplayCommand != "faultline repro "+bundle || got[0].ShrinkCommand != "faultline shrink "+bundle {
		t.Errorf("commands %q %q", got[0].ReplayCommand, got[0].ShrinkCommand)
	}
	for _, f := range got[1:] {
		if f.BundleLink != "" || f.VisualizationLink != "" || f.ReplayCommand != "" {
			t.Errorf("seed %d has no bundle on disk but links %+v", f.Seed, f)
		}
	}
}
