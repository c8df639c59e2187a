// Package sweep runs many simulations in parallel, one per goroutine, each
// on its own seed, and collects their records in a deterministic order.
package sweep

import (
	"fmt"
	"runtime"
	"sync"

	"github.com/faultline/faultline/reports"
)

// Job is one simulation to run.
type Job struct {
	Scenario string
	Seed     uint64
}

// RunFunc runs one job. It must be safe to call from many goroutines at
// once: each call builds its own simulation.
type RunFunc func(Job) reports.RunRecord

// Options shape a sweep.
type Options struct {
	// Parallel is how many simulations run at once; 0 means every core.
	Parallel int
	// OnRecord, if set, receives each record in job order, as soon as it
	// and every job before it are done (for streaming JSON lines).
	OnRecord func(reports.RunRecord)
	// OnProgress, if set, is told after every finished job.
	OnProgress func(done, total, failed int)
}

// Summary is what a sweep found.
type Summary struct {
	Runs, Failed int
	Records      []reports.RunRecord // in job order
}

// Run runs every job and returns the records in job order, whatever order
// they finished in, so that a sweep's output does not depend on timing.
func Run(jobs []Job, run RunFunc, opts Options) Summary {
	workers := opts.Parallel
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = min(workers, max(len(jobs), 1))
	records := make([]reports.RunRecord, len(jobs))
	finished := make([]bool, len(jobs))
	next := make(chan int)
	var mu sync.Mutex
	emitted, done, failed := 0, 0, 0
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := range next {
				rec := run(jobs[i])
				mu.Lock()
				records[i], finished[i] = rec, true
				done++
				if rec.Verdict != "pass" {
					failed++
				}
				for emitted < len(jobs) && finished[emitted] {
					if opts.OnRecord != nil {
						opts.OnRecord(records[emitted])
					}
					emitted++
				}
				if opts.OnProgress != nil {
					opts.OnProgress(done, len(jobs), failed)
				}
				mu.Unlock()
			}
		})
	}
	for i := range jobs {
		next <- i
	}
	close(next)
	wg.Wait()
	return Summary{Runs: len(jobs), Failed: failed, Records: records}
}

// Shard keeps the jobs of shard index (0-based) of count: a deterministic
// split, the same on every machine, so shards together cover every job
// exactly once.
func Shard(jobs []Job, index, count int) ([]Job, error) {
	if count < 1 || index < 0 || index >= count {
		return nil, fmt.Errorf("shard %d/%d: need 0 <= i < n", index, count)
	}
	var out []Job
	for i, j := range jobs {
		if i%count == index {
			out = append(out, j)
		}
	}
	return out, nil
}
