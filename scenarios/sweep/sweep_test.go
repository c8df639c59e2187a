package sweep

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/faultline/faultline/reports"
)

func fakeRun(j Job) reports.RunRecord {
	// Finish out of order: later seeds are quicker.
	time.Sleep(time.Duration(20-j.Seed%20) * 100 * time.Microsecond)
	verdict := "pass"
	if j.Seed%7 == 0 {
		verdict = "fail"
	}
	return reports.RunRecord{Scenario: j.Scenario, Seed: j.Seed, Verdict: verdict, TraceHash: fmt.Sprintf("%016x", j.Seed*31)}
}

func jobs(n int) []Job {
	var out []Job
	for i := range n {
		out = append(out, Job{Scenario: "s", Seed: uint64(i + 1)})
	}
	return out
}

func TestRecordsComeInJobOrderWhateverTheParallelism(t *testing.T) {
	var want []reports.RunRecord
	one := Run(jobs(40), fakeRun, Options{Parallel: 1, OnRecord: func(r reports.RunRecord) { want = append(want, r) }})
	for i, rec := range want {
		if rec.Seed != uint64(i+1) {
			t.Fatalf("record %d is seed %d", i, rec.Seed)
		}
	}
	for _, p := range []int{2, 8} {
		var streamed []reports.RunRecord
		many := Run(jobs(40), fakeRun, Options{Parallel: p, OnRecord: func(r reports.RunRecord) { streamed = append(streamed, r) }})
		if !reflect.DeepEqual(want, streamed) || !reflect.DeepEqual(one, many) {
			t.Fatalf("parallel %d changed the records or their order", p)
		}
		if many.Failed != 5 || many.Runs != 40 || len(many.Failures) != 5 || many.Failures[0].Seed != 7 ||
			!reflect.DeepEqual(many.Scenarios, []ScenarioCount{{Name: "s", Runs: 40, Failed: 5}}) {
			t.Fatalf("summary %+v", many)
		}
	}
}

func TestShardsPartitionTheJobs(t *testing.T) {
	all := jobs(23)
	seen := map[uint64]int{}
	for i := range 4 {
		part, err := Shard(all, i, 4)
		if err != nil {
			t.Fatal(err)
		}
		for _, j := range part {
			seen[j.Seed]++
		}
	}
	for _, j := range all {
		if seen[j.Seed] != 1 {
			t.Fatalf("seed %d in %d shards", j.Seed, seen[j.Seed])
		}
	}
	for _, bad := range [][2]int{{4, 4}, {-1, 4}, {0, 0}} {
		if _, err := Shard(all, bad[0], bad[1]); err == nil {
			t.Errorf("shard %d/%d accepted", bad[0], bad[1])
		}
	}
}
