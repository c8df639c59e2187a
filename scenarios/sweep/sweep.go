// Package sweep runs many simulations in parallel, each on its own seed,
// in worker processes (RunWorkers) or on goroutines (Run), and collects
// their records in a deterministic order.
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
	// Parallel is how many simulations run at once; 0 means one per core.
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

// Run runs every job on goroutines of this process and returns the
// records in job order, whatever order they finished in, so that a sweep's
// output does not depend on timing. It is the embeddable form; RunWorkers
// scales better across cores (see its doc).
func Run(jobs []Job, run RunFunc, opts Options) Summary {
	c := newCollector(jobs, opts)
	next := make(chan int)
	var wg sync.WaitGroup
	for range c.workers(opts.Parallel) {
		wg.Go(func() {
			for i := range next {
				c.add(i, run(jobs[i]))
			}
		})
	}
	for i := range jobs {
		next <- i
	}
	close(next)
	wg.Wait()
	return c.summary()
}

// collector gathers records from workers that finish in any order and
// hands them on in job order.
type collector struct {
	opts     Options
	mu       sync.Mutex
	records  []reports.RunRecord
	finished []bool
	emitted  int
	done     int
	failed   int
}

func newCollector(jobs []Job, opts Options) *collector {
	return &collector{opts: opts, records: make([]reports.RunRecord, len(jobs)), finished: make([]bool, len(jobs))}
}

// workers is how many workers to start for parallel (0: one per core this
// process may use, which honours a container's CPU limit): never more than
// there are jobs.
func (c *collector) workers(parallel int) int {
	if parallel <= 0 {
		parallel = runtime.GOMAXPROCS(0)
	}
	return min(parallel, max(len(c.records), 1))
}

// add records job i's result and emits every record now due, in order.
func (c *collector) add(i int, rec reports.RunRecord) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.records[i], c.finished[i] = rec, true
	c.done++
	if rec.Verdict != "pass" {
		c.failed++
	}
	for c.emitted < len(c.records) && c.finished[c.emitted] {
		if c.opts.OnRecord != nil {
			c.opts.OnRecord(c.records[c.emitted])
		}
		c.emitted++
	}
	if c.opts.OnProgress != nil {
		c.opts.OnProgress(c.done, len(c.records), c.failed)
	}
}

func (c *collector) summary() Summary {
	return Summary{Runs: len(c.records), Failed: c.failed, Records: c.records}
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
