package repro

import (
	"fmt"
	"slices"
	"time"

	"github.com/faultline/faultline/checkers"
	"github.com/faultline/faultline/faults"
	"github.com/faultline/faultline/scenarios"
)

// ShrinkOptions bound a shrink.
type ShrinkOptions struct {
	// RunsMax caps the simulations a shrink may run; zero means 400.
	RunsMax int
	// Progress, if set, is told after every trial run.
	Progress func(runs, faults int)
}

// Shrunk is a shrink's result.
type Shrunk struct {
	Bundle  *Bundle
	Outcome *scenarios.Outcome
	Runs    int
	// Target is the invariant every kept step still fails.
	Target string
}

// shrinker tests candidate schedules against the bundle's scenario.
type shrinker struct {
	b      *Bundle
	sc     scenarios.Scenario
	target string
	runs   int
	max    int
	best   *scenarios.Outcome
	opts   ShrinkOptions
	stopAt time.Duration
	params *scenarios.Parameters // nil: drawn from the seed
}

// Shrink minimises a failing bundle: delta debugging over its faults
// (Zeller's ddmin), then pulling each remaining fault as early as it can go,
// then cutting the workload short, then putting drawn parameters back to
// their defaults, keeping every step that still fails the bundle's first
// violated invariant.
func Shrink(b *Bundle, opts ShrinkOptions) (*Shrunk, error) {
	sc, ok := scenarios.Lookup(b.Scenario)
	if !ok || len(b.Violations) == 0 {
		return nil, fmt.Errorf("%w: nothing to shrink (scenario %q, %d violations)", ErrBadBundle, b.Scenario, len(b.Violations))
	}
	if err := checkBuild(b); err != nil {
		return nil, err
	}
	s := &shrinker{b: b, sc: sc, target: b.Violations[0].Invariant, max: opts.RunsMax, opts: opts,
		stopAt: time.Duration(b.StopAt), params: b.Parameters}
	if s.max == 0 {
		s.max = 400
	}
	fs := slices.Clone(b.Schedule.Faults)
	if !s.fails(fs) {
		return nil, fmt.Errorf("the bundle no longer fails %s with this code: nothing to shrink", s.target)
	}
	fs = s.ddmin(fs)
	fs = s.earlier(fs)
	s.shortenWorkload(fs)
	s.reduceParameters(fs)
	if !s.fails(fs) { // leave s.best describing exactly the result
		return nil, fmt.Errorf("shrink: the final schedule stopped failing (nondeterminism?)")
	}
	shrunk := FromOutcome(s.best, scenarios.RunOptions{StopAt: s.stopAt, Parameters: s.params}, &sc)
	shrunk.CreatedFrom = fmt.Sprintf("shrunk from %d faults to %d in %d runs", len(b.Schedule.Faults), len(fs), s.runs)
	return &Shrunk{Bundle: shrunk, Outcome: s.best, Runs: s.runs, Target: s.target}, nil
}

// fails runs the scenario with fs and reports whether the target
// invariant still fails.
func (s *shrinker) fails(fs []faults.Fault) bool {
	if s.runs >= s.max {
		return false
	}
	s.runs++
	sched := faults.Schedule{Faults: slices.Clone(fs)}
	o, err := scenarios.Run(&s.sc, s.b.Seed, scenarios.RunOptions{Schedule: &sched, StopAt: s.stopAt, Parameters: s.params})
	if s.opts.Progress != nil {
		s.opts.Progress(s.runs, len(fs))
	}
	if err != nil {
		return false
	}
	for _, v := range o.Verdicts {
		if v.Invariant == s.target && v.Status == checkers.Fail {
			s.best = o
			return true
		}
	}
	return false
}

// ddmin finds a 1-minimal failing subset of fs.
func (s *shrinker) ddmin(fs []faults.Fault) []faults.Fault {
	if s.fails(nil) {
		return nil
	}
	n := 2
	for len(fs) >= 2 {
		chunks := split(fs, n)
		reduced := false
		for i := range chunks {
			if s.fails(chunks[i]) {
				fs, n, reduced = chunks[i], 2, true
				break
			}
			if rest := without(chunks, i); n > 2 && s.fails(rest) {
				fs, n, reduced = rest, max(n-1, 2), true
				break
			}
		}
		if reduced {
			continue
		}
		if n >= len(fs) {
			break
		}
		n = min(2*n, len(fs))
	}
	return fs
}

func split(fs []faults.Fault, n int) [][]faults.Fault {
	out := make([][]faults.Fault, 0, n)
	for i := range n {
		lo, hi := i*len(fs)/n, (i+1)*len(fs)/n
		if hi > lo {
			out = append(out, fs[lo:hi])
		}
	}
	return out
}

func without(chunks [][]faults.Fault, skip int) []faults.Fault {
	var out []faults.Fault
	for i, c := range chunks {
		if i != skip {
			out = append(out, c...)
		}
	}
	return out
}

// earlier pulls each fault halfway towards the one before it (or time
// zero), as long as the run still fails: a failure that needs less time
// to show is easier to read.
func (s *shrinker) earlier(fs []faults.Fault) []faults.Fault {
	fs = slices.Clone(fs)
	for i := range fs {
		for range 4 {
			floor := faults.Duration(0)
			if i > 0 {
				floor = fs[i-1].At
			}
			if fs[i].At-floor < faults.Duration(10*time.Millisecond) {
				break
			}
			trial := slices.Clone(fs)
			trial[i].At = floor + (fs[i].At-floor)/2
			if !s.fails(trial) {
				break
			}
			fs = trial
		}
	}
	return fs
}

// shortenWorkload finds, by bisection, how early client traffic can stop
// with the failure intact (never before the last fault).
func (s *shrinker) shortenWorkload(fs []faults.Fault) {
	lo := time.Duration(0)
	for _, f := range fs {
		lo = max(lo, time.Duration(f.At))
	}
	hi := s.sc.Workload.StopAt
	if s.stopAt > 0 {
		hi = s.stopAt
	}
	for hi-lo > 100*time.Millisecond {
		mid := lo + (hi-lo)/2
		saved := s.stopAt
		s.stopAt = mid
		if s.fails(fs) {
			hi = mid
		} else {
			s.stopAt = saved
			lo = mid
		}
	}
	s.stopAt = hi
	if hi == s.sc.Workload.StopAt {
		s.stopAt = 0
	}
}

// reduceParameters puts the run's knobs back to the scenario's defaults,
// one at a time, keeping each that still fails: what is left drawn is what
// the failure needs (one entry per append, say).
func (s *shrinker) reduceParameters(fs []faults.Fault) {
	current := scenarios.DrawParameters(s.b.Seed, &s.sc)
	if s.params != nil {
		current = *s.params
	}
	for {
		reduced := false
		for _, q := range current.Reductions(&s.sc) {
			saved := s.params
			s.params = &q
			if s.fails(fs) {
				current, reduced = q, true
				break
			}
			s.params = saved
		}
		if !reduced {
			break
		}
	}
	s.params = &current
}
