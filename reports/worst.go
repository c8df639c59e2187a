package reports

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// WorstRunRule says, for the page, how a scenario's chart picks its run.
const WorstRunRule = "The timeline shows the scenario's worst run: a failed run first (one with a timeline before one without); " +
	"then the lowest availability; then the longest recovery; then the highest p99 latency; ties go to the lowest seed."

// runRank is what ranks a run for the chart: see worseThan.
type runRank struct {
	failed       bool
	timeline     bool
	availability float64
	recoveryMaxS float64
	p99Ms        float64 // the higher of steady state's and under fault's
	seed         uint64
	invariants   []string // the failed ones, sorted
}

func rankOf(rec *RunRecord) runRank {
	r := runRank{failed: rec.Verdict != "pass", seed: rec.Seed, availability: 1}
	if r.failed {
		r.invariants = failingSeed(*rec).Invariants
	}
	if m := rec.Metrics; m != nil {
		r.timeline = len(m.Timeline) > 0 || m.TimelineBuckets != nil
		r.availability = m.Availability
		r.recoveryMaxS = slices.Max(append([]float64{0}, m.RecoverySeconds...))
		r.p99Ms = max(m.LatencyMs.P99, m.LatencyUnderFaultMs.P99)
	}
	return r
}

// worseThan orders runs as WorstRunRule says. It is a total order (the
// seed breaks ties), so the worst run does not depend on the order in
// which records arrive.
func (a runRank) worseThan(b runRank) bool {
	if a.failed != b.failed {
		return a.failed
	}
	if a.timeline != b.timeline {
		return a.timeline
	}
	if c := cmp.Compare(a.availability, b.availability); c != 0 {
		return c < 0
	}
	if c := cmp.Compare(a.recoveryMaxS, b.recoveryMaxS); c != 0 {
		return c > 0
	}
	if c := cmp.Compare(a.p99Ms, b.p99Ms); c != 0 {
		return c > 0
	}
	return a.seed < b.seed
}

// reason says in a sentence why the run was chosen, given how many of the
// scenario's runs failed.
func (a runRank) reason(failed, runs int) string {
	if a.failed {
		return fmt.Sprintf("Seed %d is shown because it failed (%s); %d of %d runs failed, and it ranks worst of them.",
			a.seed, strings.Join(a.invariants, ", "), failed, runs)
	}
	return fmt.Sprintf("No run failed; seed %d is shown as the worst of %d: availability %s, longest recovery %.3fs, p99 latency %.1fms.",
		a.seed, runs, formatPct(a.availability), a.recoveryMaxS, a.p99Ms)
}

// worstRun is the run a scenario's chart shows.
type worstRun struct {
	rank     runRank
	set      bool
	timeline []TimelinePoint
	spans    []FaultSpan
	marks    []ViolationMark
	untimed  []string
}

// offer keeps rec if it is worse than the run kept so far.
func (w *worstRun) offer(rec *RunRecord) {
	r := rankOf(rec)
	if w.set && !r.worseThan(w.rank) {
		return
	}
	*w = worstRun{rank: r, set: true}
	if m := rec.Metrics; m != nil {
		w.timeline, w.spans = m.Points(), slices.Clone(m.FaultSpans)
	}
	for _, name := range r.invariants {
		if at, ok := rec.ViolatedAtSeconds[name]; ok {
			w.marks = append(w.marks, ViolationMark{Invariant: name, AtSeconds: at})
		} else if !strings.HasPrefix(name, "error: ") {
			w.untimed = append(w.untimed, name)
		}
	}
	slices.SortFunc(w.marks, func(a, b ViolationMark) int {
		return cmp.Or(cmp.Compare(a.AtSeconds, b.AtSeconds), cmp.Compare(a.Invariant, b.Invariant))
	})
}
