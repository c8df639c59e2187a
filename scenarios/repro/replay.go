package repro

import (
	"errors"
	"fmt"
	"slices"

	"github.com/faultline/faultline/checkers"
	"github.com/faultline/faultline/scenarios"
)

// Replay is what replaying a bundle showed.
type Replay struct {
	Outcome *scenarios.Outcome
	// SameTrace: the run was identical, event for event.
	SameTrace bool
	// SameFailure: the same invariants failed (whatever the trace).
	SameFailure bool
}

// ErrWrongBuild is wrapped when a bundle needs another build: one made by
// a mutant (a planted bug) replays only on that mutant's binary, since the
// real code would simply pass and hide the failure.
var ErrWrongBuild = errors.New("repro: the bundle needs another build")

// Run replays a bundle with the current code.
func Run(b *Bundle) (*Replay, error) {
	sc, ok := scenarios.Lookup(b.Scenario)
	if !ok {
		return nil, fmt.Errorf("%w: unknown scenario %q", ErrBadBundle, b.Scenario)
	}
	if err := checkBuild(b); err != nil {
		return nil, err
	}
	o, err := scenarios.Run(&sc, b.Seed, b.Options())
	if err != nil {
		return nil, err
	}
	return &Replay{Outcome: o, SameTrace: o.TraceHash == b.TraceHash,
		SameFailure: slices.Equal(failedNames(o.Verdicts), failedNames(b.Violations))}, nil
}

// checkBuild refuses a bundle recorded by another mutant's build.
func checkBuild(b *Bundle) error {
	switch {
	case b.Mutant == scenarios.Mutant:
		return nil
	case b.Mutant == "":
		return fmt.Errorf("%w: it was recorded by the real code, and this binary is mutant %s", ErrWrongBuild, scenarios.Mutant)
	}
	return fmt.Errorf("%w: it was recorded by mutant %s; build that with %s and run %s",
		ErrWrongBuild, b.Mutant, scenarios.MutantBuildCommand(b.Mutant), scenarios.MutantBinary(b.Mutant))
}

// failedNames lists the invariants that did not pass, sorted.
func failedNames(vs []checkers.Verdict) []string {
	var out []string
	for _, v := range vs {
		if v.Status != checkers.Pass {
			out = append(out, v.Invariant)
		}
	}
	slices.Sort(out)
	return out
}

// Describe says in one paragraph what the replay found.
func (r *Replay) Describe(b *Bundle) string {
	now := failedNames(r.Outcome.Verdicts)
	switch {
	case r.SameTrace:
		return fmt.Sprintf("reproduced: trace hash %s matches the bundle; failed: %v", r.Outcome.TraceHash, now)
	case r.SameFailure:
		return fmt.Sprintf("the code changed (trace hash %s, bundle %s) but the run fails the same way: %v",
			r.Outcome.TraceHash, b.TraceHash, now)
	case len(now) == 0:
		return fmt.Sprintf("the code changed (trace hash %s, bundle %s) and the run now passes every invariant",
			r.Outcome.TraceHash, b.TraceHash)
	}
	return fmt.Sprintf("the code changed (trace hash %s, bundle %s); the run now fails %v instead of %v",
		r.Outcome.TraceHash, b.TraceHash, now, failedNames(b.Violations))
}
