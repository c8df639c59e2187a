package scenarios

import (
	"testing"
	"time"

	"github.com/faultline/faultline/checkers"
)

// TestTheTimelineIsIn100msBuckets: a run's record keeps its throughput
// and latency in 100 ms buckets from time zero to the clients' stop, every
// completed request counted once, and availability still in seconds.
func TestTheTimelineIsIn100msBuckets(t *testing.T) {
	skipSingleGoroutineUnderRace(t)
	sc, ok := Lookup("leader-crash")
	if !ok {
		t.Fatal("no leader-crash scenario")
	}
	out, err := Run(&sc, 1, RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	m := out.Record(&sc, 0).Metrics
	b := m.TimelineBuckets
	if b == nil || b.WidthMs != 100 || m.Timeline != nil {
		t.Fatalf("timeline %+v, old timeline %v", b, m.Timeline)
	}
	if want := int(sc.Workload.StopAt / (100 * time.Millisecond)); len(b.Completed) != want || len(b.P99Ms) != want {
		t.Fatalf("%d buckets (%d p99s) for clients that ran %v; want %d", len(b.Completed), len(b.P99Ms), sc.Workload.StopAt, want)
	}
	completed := 0
	for _, l := range out.History.Latencies {
		if l.Invoked+l.Duration < sc.Workload.StopAt {
			completed++
		}
	}
	sum, empty := 0, 0
	for i, n := range b.Completed {
		sum += n
		if n == 0 {
			empty++
			if b.P99Ms[i] != 0 {
				t.Errorf("bucket %d completed nothing but has p99 %vms", i, b.P99Ms[i])
			}
		}
	}
	if sum != completed {
		t.Errorf("buckets count %d completions, the history %d", sum, completed)
	}
	if empty == 0 {
		t.Error("no 100 ms bucket is empty, though the leader crashed: the buckets are too coarse to show the election")
	}
	pts := m.Points()
	if pts[3].AtSeconds != 0.3 || pts[3].Width() != 0.1 || pts[5].OpsPerSecond != float64(b.Completed[5])*10 {
		t.Errorf("points %+v", pts[:6])
	}
}

// TestViolationTimesComeFromTheCheckersStamps: a checker that watched the
// run stamps its evidence "(at T)"; the record keeps the earliest, and
// nothing for an invariant judged after the run.
func TestViolationTimesComeFromTheCheckersStamps(t *testing.T) {
	sc, _ := Lookup("baseline")
	o := &Outcome{Scenario: sc.Name, Seed: 1, History: &History{}, Verdicts: []checkers.Verdict{
		{Invariant: "election-safety", Status: checkers.Fail, Evidence: []string{
			"term 4 has two leaders: n1 and n2 (at 3.5s)", "term 2 has two leaders: n3 and n2 (at 1.25s)"}},
		{Invariant: "durability", Status: checkers.Fail, Evidence: []string{"n2 lost acknowledged transfer 17"}},
		{Invariant: "convergence", Status: checkers.Pass},
	}}
	rec := o.Record(&sc, 0)
	if len(rec.ViolatedAtSeconds) != 1 || rec.ViolatedAtSeconds["election-safety"] != 1.25 {
		t.Fatalf("violated at %v", rec.ViolatedAtSeconds)
	}
}
