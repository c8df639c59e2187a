package scenarios

import (
	"encoding/json"
	"math"
	"regexp"
	"slices"
	"time"

	"github.com/faultline/faultline/faults"
	"github.com/faultline/faultline/reports"
)

// windowLength is the window of the availability measure: the share of
// seconds in which the cluster completed a request.
const windowLength = time.Second

// timelineBucket is the bucket of the report's throughput and latency
// timeline: finer than windowLength, so that an election shows as a dip.
const timelineBucket = reports.TimelineBucketMs * time.Millisecond

// Record turns an outcome into a run record; wall is how long it took.
// Its repro command is left to the caller, which knows how the run was
// asked for (see ReproCommand).
func (o *Outcome) Record(sc *Scenario, wall time.Duration) reports.RunRecord {
	rec := reports.RunRecord{Scenario: o.Scenario, Seed: o.Seed, Verdict: "pass", TraceHash: o.TraceHash,
		Events: o.Events, SimSeconds: o.SimTime.Seconds(), WallSeconds: wall.Seconds(),
		Invariants: map[string]string{}, Metrics: o.metrics(sc), FaultEffects: map[string]reports.FaultEffects{}}
	if b, err := json.Marshal(o.Parameters); err == nil {
		rec.Parameters = b
	}
	rec.ParametersChanged = o.Parameters.Describe(sc)
	for kind, e := range faults.Effects(o.Applied) {
		rec.FaultEffects[string(kind)] = reports.FaultEffects{Applied: e.Applied, Effective: e.Effective}
	}
	for _, v := range o.Verdicts {
		rec.Invariants[v.Invariant] = string(v.Status)
		if v.Status != "pass" {
			rec.Verdict = "fail"
			if rec.Evidence == nil {
				rec.Evidence = map[string][]string{}
			}
			rec.Evidence[v.Invariant] = v.Evidence
			if at, ok := violatedAt(v.Evidence); ok {
				if rec.ViolatedAtSeconds == nil {
					rec.ViolatedAtSeconds = map[string]float64{}
				}
				rec.ViolatedAtSeconds[v.Invariant] = at.Seconds()
			}
		}
	}
	return rec
}

// atStamp is how the checkers that watch a run as it goes (convergence,
// replica state, election safety, term durability) stamp a violation with
// its simulated time: "(at 1.234s)".
var atStamp = regexp.MustCompile(`\(at ([0-9.]+(?:ns|us|µs|ms|s|m|h)(?:[0-9.]+(?:ns|us|µs|ms|s))*)\)`)

// violatedAt is the earliest time stamped on evidence, if any is.
func violatedAt(evidence []string) (time.Duration, bool) {
	var first time.Duration
	found := false
	for _, line := range evidence {
		m := atStamp.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		if d, err := time.ParseDuration(m[1]); err == nil && (!found || d < first) {
			first, found = d, true
		}
	}
	return first, found
}

func (o *Outcome) metrics(sc *Scenario) *reports.Metrics {
	h := o.History
	m := &reports.Metrics{OpsOK: h.OK, OpsFailed: h.Failed, OpsUnknown: h.Unknown, SessionsExpired: h.SessionsExpired,
		DeposedLeaderRequests: o.DeposedLeaderRequests, ResultCodes: map[string]int{}}
	for r, n := range h.ResultCodes {
		m.ResultCodes[r.String()] = n // a map: JSON writes it sorted by name
	}
	if total := h.OK + h.Failed + h.Unknown; total > 0 {
		m.UnknownShare = float64(h.Unknown) / float64(total)
	}
	for _, e := range faults.Effects(o.Applied) {
		m.Faults += e.Effective
	}
	m.FaultSpans = faultSpans(o.Applied, sc.Duration)
	var steady, underFault []time.Duration
	for _, l := range h.Latencies {
		if inSpans(m.FaultSpans, l.Invoked) {
			underFault = append(underFault, l.Duration)
		} else {
			steady = append(steady, l.Duration)
		}
	}
	m.LatencyMs = summarize(steady)
	m.LatencyUnderFaultMs = summarize(underFault)
	m.Availability = o.availability(sc)
	m.TimelineBuckets = o.timeline(sc)
	m.RecoverySeconds = o.recoveryTimes()
	m.AckedLost = o.ackedLost()
	return m
}

// recoveryTimes measures, for each disruptive fault, how long the cluster
// went without committing from the moment it struck (the RTO): near zero
// when a follower fails, an election's length when the leader does.
func (o *Outcome) recoveryTimes() []float64 {
	var out []float64
	for _, a := range o.Applied {
		if a.Skipped != "" || !a.Fault.Disrupts() {
			continue
		}
		at := time.Duration(a.At)
		i, _ := slices.BinarySearch(o.CommitTimes, at+1)
		if i < len(o.CommitTimes) {
			out = append(out, (o.CommitTimes[i] - at).Seconds())
		}
	}
	return out
}

// ackedLost counts the durability violations: acknowledged transfers some
// replica lost (the RPO, which must be zero). The count, not the evidence
// lines: the evidence shows the first few and sums up the rest.
func (o *Outcome) ackedLost() int {
	for _, v := range o.Verdicts {
		if v.Invariant == "durability" && v.Status == "fail" {
			return v.Violations
		}
	}
	return 0
}

// availability is the share of windows, while clients ran, in which at
// least one request completed.
func (o *Outcome) availability(sc *Scenario) float64 {
	n := int((sc.Workload.StopAt + windowLength - 1) / windowLength)
	if n == 0 {
		return 1
	}
	served := make([]bool, n)
	for _, l := range o.History.Latencies {
		if i := int((l.Invoked + l.Duration) / windowLength); i < n {
			served[i] = true
		}
	}
	count := 0
	for _, s := range served {
		if s {
			count++
		}
	}
	return float64(count) / float64(n)
}

// timeline buckets completions by timelineBucket while clients ran: how
// many completed in each bucket, and their p99 latency.
func (o *Outcome) timeline(sc *Scenario) *reports.TimelineBuckets {
	n := int((sc.Workload.StopAt + timelineBucket - 1) / timelineBucket)
	if n == 0 {
		return nil
	}
	buckets := make([][]time.Duration, n)
	for _, l := range o.History.Latencies {
		if i := int((l.Invoked + l.Duration) / timelineBucket); i < n {
			buckets[i] = append(buckets[i], l.Duration)
		}
	}
	t := &reports.TimelineBuckets{WidthMs: reports.TimelineBucketMs, Completed: make([]int, n), P99Ms: make([]float64, n)}
	for i, b := range buckets {
		t.Completed[i] = len(b)
		t.P99Ms[i] = math.Round(summarize(b).P99*10) / 10
	}
	return t
}

func summarize(ds []time.Duration) reports.LatencySummary {
	if len(ds) == 0 {
		return reports.LatencySummary{}
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	q := func(p float64) float64 {
		i := min(int(p*float64(len(s))), len(s)-1)
		return float64(s[i]) / 1e6
	}
	return reports.LatencySummary{Count: len(s), P50: q(0.5), P99: q(0.99), P999: q(0.999), Max: float64(s[len(s)-1]) / 1e6}
}

// faultSpans pairs each disruption with the recovery that ended it (or the
// end of the run).
func faultSpans(applied []faults.Applied, end time.Duration) []reports.FaultSpan {
	var spans []reports.FaultSpan
	open := map[string]int{} // what a recovery closes -> span index
	for _, a := range applied {
		if a.Skipped != "" {
			continue
		}
		key := spanKey(a.Fault)
		at := time.Duration(a.At).Seconds()
		if a.Fault.Disrupts() {
			open[key] = len(spans)
			spans = append(spans, reports.FaultSpan{Description: a.Fault.Describe(), StartSeconds: at, EndSeconds: end.Seconds()})
			continue
		}
		for _, k := range closes(a.Fault) {
			if i, ok := open[k]; ok {
				spans[i].EndSeconds = at
				delete(open, k)
			}
		}
	}
	return spans
}

// spanKey names what a disruption occupies, so its recovery can find it.
func spanKey(f faults.Fault) string {
	switch f.Kind {
	case faults.Partition, faults.Isolate, faults.Cut:
		return "cuts"
	case faults.Loss, faults.Duplicate, faults.Reorder, faults.Delay:
		return "links:" + string(f.Kind)
	case faults.Crash:
		return "down:" + f.Node
	case faults.Pause:
		return "paused:" + f.Node
	}
	return string(f.Kind) + ":" + f.Node
}

func closes(f faults.Fault) []string {
	switch f.Kind {
	case faults.Heal:
		return []string{"cuts"}
	case faults.NetworkNormal:
		return []string{"links:loss", "links:duplicate", "links:reorder", "links:delay"}
	case faults.Restart:
		return []string{"down:" + f.Node}
	case faults.Resume:
		return []string{"paused:" + f.Node}
	case faults.Slow:
		return []string{"slow:" + f.Node}
	case faults.ClockOffset:
		return []string{"clock-offset:" + f.Node, "clock-jump:" + f.Node}
	case faults.ClockDrift:
		return []string{"clock-drift:" + f.Node}
	}
	return nil
}

func inSpans(spans []reports.FaultSpan, at time.Duration) bool {
	s := at.Seconds()
	for _, sp := range spans {
		if s >= sp.StartSeconds && s < sp.EndSeconds {
			return true
		}
	}
	return false
}
