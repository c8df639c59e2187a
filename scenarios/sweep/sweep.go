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
	// the only way to see every record: a sweep does not keep them. When
	// a sweep is interrupted, the records that finished but wait for an
	// earlier job that never will follow, still in job order, with gaps.
	OnRecord func(reports.RunRecord)
	// OnProgress, if set, is told after every finished job.
	OnProgress func(done, total, failed int)
	// Earlier, if set, holds the runs an earlier, interrupted sweep
	// recorded, when this one finishes it: the summary counts them too.
	// The sweep adds its own runs to it.
	Earlier *Tally
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
	// Unfinished counts the jobs given that have no record: those an
	// interrupted sweep did not run, or abandoned mid-run.
	Unfinished int
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
	emitted int                       // jobs before this index are emitted
	done    int
	failed  int // of done, for progress
	tally   *Tally
}

func newCollector(jobs []Job, opts Options) *collector {
	t := opts.Earlier
	if t == nil {
		t = &Tally{}
	}
	return &collector{opts: opts, total: len(jobs), waiting: map[int]reports.RunRecord{}, tally: t}
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
		c.failed++
	}
	for {
		due, ok := c.waiting[c.emitted]
		if !ok {
			break
		}
		delete(c.waiting, c.emitted)
		c.emitted++
		c.emit(due)
	}
	if c.opts.OnProgress != nil {
		c.opts.OnProgress(c.done, c.total, c.failed)
	}
}

func (c *collector) emit(rec reports.RunRecord) {
	c.tally.Add(rec)
	if c.opts.OnRecord != nil {
		c.opts.OnRecord(rec)
	}
}

// flush emits, in job order, the records still waiting for an earlier job
// that will not come: an interrupted sweep keeps every run it finished.
func (c *collector) flush() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := c.emitted; len(c.waiting) > 0 && i < c.total; i++ {
		if rec, ok := c.waiting[i]; ok {
			delete(c.waiting, i)
			c.emit(rec)
		}
	}
}

func (c *collector) result() Summary {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.tally.Summary()
	s.Unfinished = c.total - c.done
	return s
}

// Tally folds run records into a Summary one at a time.
type Tally struct {
	counts  map[string]*ScenarioCount
	summary Summary
}

// Add folds one record into the tally.
func (t *Tally) Add(rec reports.RunRecord) {
	if t.counts == nil {
		t.counts = map[string]*ScenarioCount{}
	}
	sc := t.counts[rec.Scenario]
	if sc == nil {
		sc = &ScenarioCount{Name: rec.Scenario}
		t.counts[rec.Scenario] = sc
	}
	sc.Runs++
	t.summary.Runs++
	if m := rec.Metrics; m != nil {
		sc.Ops += m.OpsOK + m.OpsFailed + m.OpsUnknown
		sc.OpsUnknown += m.OpsUnknown
		sc.SessionsExpired += m.SessionsExpired
	}
	for kind, e := range rec.FaultEffects {
		if t.summary.FaultEffects == nil {
			t.summary.FaultEffects = map[string]reports.FaultEffects{}
		}
		sum := t.summary.FaultEffects[kind]
		sum.Applied += e.Applied
		sum.Effective += e.Effective
		t.summary.FaultEffects[kind] = sum
	}
	if rec.Verdict != "pass" {
		sc.Failed++
		t.summary.Failed++
		t.summary.Failures = append(t.summary.Failures, rec)
	}
}

// Summary is what the records added so far make, scenarios by name.
func (t *Tally) Summary() Summary {
	s := t.summary
	s.Scenarios = nil
	for _, sc := range t.counts {
		s.Scenarios = append(s.Scenarios, *sc)
	}
	slices.SortFunc(s.Scenarios, func(a, b ScenarioCount) int { return strings.Compare(a.Name, b.Name) })
	s.Failures = slices.Clone(s.Failures)
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
