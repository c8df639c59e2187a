package sweep_test

import (
	"fmt"
	"testing"

	"github.com/faultline/faultline/reports"
	"github.com/faultline/faultline/scenarios"
	"github.com/faultline/faultline/scenarios/sweep"
)

// BenchmarkSweepWorkers runs the same eight baseline simulations with one
// and with two workers; one op is the whole batch. The ratio of the two is
// the parallel speed-up (BENCHMARKS.md).
func BenchmarkSweepWorkers(b *testing.B) {
	sc, _ := scenarios.Lookup("baseline")
	var jobs []sweep.Job
	for seed := range uint64(8) {
		jobs = append(jobs, sweep.Job{Scenario: sc.Name, Seed: seed + 1})
	}
	run := func(j sweep.Job) reports.RunRecord {
		o, err := scenarios.Run(&sc, j.Seed, scenarios.RunOptions{})
		if err != nil {
			b.Fatal(err)
		}
		return o.Record(&sc, 0)
	}
	for _, workers := range []int{1, 2} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			for range b.N {
				sweep.Run(jobs, run, sweep.Options{Parallel: workers})
			}
			b.ReportMetric(float64(len(jobs)*b.N)/b.Elapsed().Seconds(), "runs/s")
		})
	}
}
