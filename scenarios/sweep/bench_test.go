package sweep

import (
	"context"
	"fmt"
	"testing"

	"github.com/faultline/faultline/reports"
	"github.com/faultline/faultline/scenarios"
)

// scenarioRun runs a baseline simulation, as a sweep does.
func scenarioRun(j Job) reports.RunRecord {
	sc, ok := scenarios.Lookup(j.Scenario)
	if !ok {
		panic("unknown scenario " + j.Scenario)
	}
	o, err := scenarios.Run(&sc, j.Seed, scenarios.RunOptions{})
	if err != nil {
		panic(err)
	}
	return o.Record(&sc, 0)
}

// benchJobs is how many baseline simulations one op runs: enough that the
// last run's tail, when one worker finishes before the other, is small.
const benchJobs = 32

// BenchmarkSweepWorkers runs the same baseline simulations with one and
// with two workers, as worker processes (what faultline sweep uses) and as
// goroutines of one process (Run, for comparison); one op is the whole
// batch, worker start-up included. The ratios are the parallel speed-up
// (BENCHMARKS.md).
func BenchmarkSweepWorkers(b *testing.B) {
	var js []Job
	for seed := range uint64(benchJobs) {
		js = append(js, Job{Scenario: "baseline", Seed: seed + 1})
	}
	for _, mode := range []string{"processes", "goroutines"} {
		for _, workers := range []int{1, 2} {
			b.Run(fmt.Sprintf("%s/workers=%d", mode, workers), func(b *testing.B) {
				for range b.N {
					opts := Options{Parallel: workers}
					if mode == "goroutines" {
						Run(js, scenarioRun, opts)
						continue
					}
					w := testWorkers("scenario")
					if _, err := RunWorkers(context.Background(), js, w, opts); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(len(js)*b.N)/b.Elapsed().Seconds(), "runs/s")
			})
		}
	}
}
