// Package sweep runs many simulations in parallel, each on its own seed,
// in worker processes (RunWorkers) or on goroutines (Run), and collects
// their records in a deterministic order.
package sweep

import (
	"fmt"
	"runtime"
	"slices"
	"strings"
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
	// and every job before it are done (for streaming JSON lines). It is
	// the only way to see every record: a sweep does not keep them.
	OnRecord func(reports.RunRecord)
	// OnProgress, if set, is told after every finished job.
	OnProgress func(done, total, failed int)
}

// Summary is what a sweep found. It holds counts and the failed runs'
// records, not every record, so that a sweep of millions of seeds runs in
// memory that does not grow with its passing runs.
type Summary struct {
	Runs, Failed int
	// Scenarios counts runs and failures per scenario, by name.
	Scenarios []ScenarioCount
	// Failures are the records of the runs that did not pass, in job order.
	Failures []reports.RunRecord
	// FaultEffects sums every run's faults by kind (see RunRecord).
	FaultEffects map[string]reports.FaultEffects
}

// ScenarioCount is one scenario's share of a sweep.
type ScenarioCount struct {
	Name         string
	Runs, Failed int
	// Ops and OpsUnknown count finished operations and those whose outcome
	// stayed unknown, over the scenario's runs.
	Ops, OpsUnknown int
	// SessionsExpired counts operations whose session had been evicted.
	SessionsExpired int
}

// UnknownShare is the share of the scenario's operations whose outcome
// stayed unknown.
func (c ScenarioCount) UnknownShare() float64 {
	if c.Ops == 0 {
		return 0
	}
	return float64(c.OpsUnknown) / float64(c.Ops)
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
	return c.result()
}

// collector gathers records from workers that finish in any order and
// hands them on in job order, keeping only those that wait for an earlier
// job to finish.
type collector struct {
	opts    Options
	total   int
	mu      sync.Mutex
	waiting map[int]reports.RunRecord // finished, but an earlier job has not
	emitted int
	done    int
	counts  map[string]*ScenarioCount
	summary Summary
}

func newCollector(jobs []Job, opts Options) *collector {
	return &collector{opts: opts, total: len(jobs), waiting: map[int]reports.RunRecord{}, counts: map[string]*ScenarioCount{}}
}

// workers is how many workers to start for parallel (0: one per core this
// process may use, which honours a container's CPU limit): never more than
// there are jobs.
func (c *collector) workers(parallel int) int {
	if parallel <= 0 {
		parallel = runtime.GOMAXPROCS(0)
	}
	return min(parallel, max(c.total, 1))
}

// add records job i's result and emits every record now due, in order.
func (c *collector) add(i int, rec reports.RunRecord) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.waiting[i] = rec
	c.done++
	if rec.Verdict != "pass" {
		c.summary.Failed++
	}
	for {
		due, ok := c.waiting[c.emitted]
		if !ok {
			break
		}
		delete(c.waiting, c.emitted)
		c.emitted++
		c.count(due)
		if c.opts.OnRecord != nil {
			c.opts.OnRecord(due)
		}
	}
	if c.opts.OnProgress != nil {
		c.opts.OnProgress(c.done, c.total, c.summary.Failed)
	}
}

// count folds an emitted record into the summary.
func (c *collector) count(rec reports.RunRecord) {
	sc := c.counts[rec.Scenario]
	if sc == nil {
		sc = &ScenarioCount{Name: rec.Scenario}
		c.counts[rec.Scenario] = sc
	}
	sc.Runs++
	c.summary.Runs++
	if m := rec.Metrics; m != nil {
		sc.Ops += m.OpsOK + m.OpsFailed + m.OpsUnknown
		sc.OpsUnknown += m.OpsUnknown
		sc.SessionsExpired += m.SessionsExpired
	}
	for kind, e := range rec.FaultEffects {
		if c.summary.FaultEffects == nil {
			c.summary.FaultEffects = map[string]reports.FaultEffects{}
		}
		sum := c.summary.FaultEffects[kind]
		sum.Applied += e.Applied
		sum.Effective += e.Effective
		c.summary.FaultEffects[kind] = sum
	}
	if rec.Verdict != "pass" {
		sc.Failed++
		c.summary.Failures = append(c.summary.Failures, rec)
	}
}

func (c *collector) result() Summary {
	s := c.summary
	for _, sc := range c.counts {
		s.Scenarios = append(s.Scenarios, *sc)
	}
	slices.SortFunc(s.Scenarios, func(a, b ScenarioCount) int { return strings.Compare(a.Name, b.Name) })
	return s
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
