package reports

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"slices"

	"github.com/faultline/faultline/ledger"
)

// Aggregator folds run records into a report one at a time, so that
// merging the shards of a sweep of millions of runs holds per-scenario
// totals, never the records themselves: what it keeps per run is the
// seed's trace hash (the report's evidence) and the run's recovery times
// (for exact percentiles). The result does not depend on the order of
// the records.
type Aggregator struct {
	info    map[string]ScenarioInfo
	tally   map[string]*scenarioTally
	results map[string]int // result code -> times returned, over every run
}

// scenarioTally is one scenario's running totals.
type scenarioTally struct {
	sr           ScenarioReport
	first, last  uint64 // the lowest and highest seed seen
	recovery     []float64
	availability int64 // sum over runs, in billionths: exact, so independent of order
	worst        worstRun
}

// availabilityUnit is the resolution at which availabilities are summed.
const availabilityUnit = 1e9

// NewAggregator starts an empty report; info describes the scenarios.
func NewAggregator(info map[string]ScenarioInfo) *Aggregator {
	return &Aggregator{info: info, tally: map[string]*scenarioTally{}, results: map[string]int{}}
}

// Add folds one run into the report. It keeps nothing that points into
// rec, so the caller may reuse it.
func (a *Aggregator) Add(rec *RunRecord) {
	t := a.tally[rec.Scenario]
	if t == nil {
		info := a.info[rec.Scenario]
		if info.Name == "" {
			info.Name = rec.Scenario
		}
		t = &scenarioTally{first: rec.Seed, last: rec.Seed,
			sr: ScenarioReport{ScenarioInfo: info, Invariants: map[string]map[string]int{}, AvailabilityMin: 1}}
		a.tally[rec.Scenario] = t
	}
	sr := &t.sr
	sr.Runs++
	for kind, e := range rec.FaultEffects {
		if sr.FaultEffects == nil {
			sr.FaultEffects = map[string]FaultEffects{}
		}
		sum := sr.FaultEffects[kind]
		sum.Applied += e.Applied
		sum.Effective += e.Effective
		sr.FaultEffects[kind] = sum
	}
	sr.WallSeconds += rec.WallSeconds
	sr.CPUSeconds += rec.CPUSeconds
	sr.TraceHashes = append(sr.TraceHashes, SeedHash{Seed: rec.Seed, Hash: rec.TraceHash})
	for name, status := range rec.Invariants {
		if sr.Invariants[name] == nil {
			sr.Invariants[name] = map[string]int{}
		}
		sr.Invariants[name][status]++
	}
	if rec.Verdict != "pass" {
		sr.Failed++
		sr.FailingSeeds = append(sr.FailingSeeds, failingSeed(*rec))
	}
	t.worst.offer(rec) // the chart shows the worst run
	t.first, t.last = min(t.first, rec.Seed), max(t.last, rec.Seed)
	m := rec.Metrics
	if m == nil {
		return
	}
	t.recovery = append(t.recovery, m.RecoverySeconds...)
	sr.AckedLost += m.AckedLost
	sr.OpsTotal += m.OpsOK + m.OpsFailed + m.OpsUnknown
	sr.OpsUnknown += m.OpsUnknown
	sr.SessionsExpired += m.SessionsExpired
	for code, n := range m.ResultCodes {
		a.results[code] += n // a sum: the order of the map does not matter
	}
	sr.AvailabilityMin = min(sr.AvailabilityMin, m.Availability)
	t.availability += int64(math.Round(m.Availability * availabilityUnit))
	sr.Latency = mergeLatency(sr.Latency, m.LatencyMs)
	sr.LatencyUnderFault = mergeLatency(sr.LatencyUnderFault, m.LatencyUnderFaultMs)
}

// Report returns the report of every run added so far, scenarios in name
// order, each one's seeds in ascending order.
func (a *Aggregator) Report(ev Evidence) Report {
	r := Report{SchemaVersion: ReportSchemaVersion, Title: "faultline resilience report", Evidence: ev, Limits: Limits,
		Scope: "The replicated double-entry ledger (ledger, ledger/replica) under the faultline simulator's fault model."}
	names := make([]string, 0, len(a.tally))
	for name := range a.tally {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		sr := a.tally[name].finish()
		r.Scenarios = append(r.Scenarios, sr)
		r.Runs += sr.Runs
		r.Failed += sr.Failed
		for _, b := range sr.Breaches {
			r.Breaches = append(r.Breaches, name+": "+b)
		}
	}
	r.Verdict = "fail"
	if r.Passed() {
		r.Verdict = "pass"
	}
	for _, code := range ledger.AllResults() {
		r.ResultCodes = append(r.ResultCodes, ResultCodeCount{Code: code.String(), Count: a.results[code.String()]})
	}
	return r
}

// finish computes what needs every run: percentiles, means, verdicts.
func (t *scenarioTally) finish() ScenarioReport {
	sr := t.sr
	sr.Seeds = fmt.Sprintf("%d-%d", t.first, t.last)
	sr.TraceHashes = slices.Clone(sr.TraceHashes)
	slices.SortFunc(sr.TraceHashes, func(a, b SeedHash) int { return cmp.Compare(a.Seed, b.Seed) })
	sr.TraceDigest = TraceDigest(sr.TraceHashes)
	sr.FailingSeeds = slices.Clone(sr.FailingSeeds)
	slices.SortFunc(sr.FailingSeeds, func(a, b FailingSeed) int { return cmp.Compare(a.Seed, b.Seed) })
	sr.AvailabilityMean = float64(t.availability) / availabilityUnit / float64(sr.Runs)
	if sr.OpsTotal > 0 {
		sr.UnknownShare = float64(sr.OpsUnknown) / float64(sr.OpsTotal)
	}
	sr.RecoveryP50S, sr.RecoveryP99S, sr.RecoveryMaxS = percentile(t.recovery, 0.5), percentile(t.recovery, 0.99), percentile(t.recovery, 1)
	w := t.worst
	sr.Timeline, sr.FaultSpans, sr.Violations, sr.ViolatedUntimed = w.timeline, w.spans, w.marks, w.untimed
	sr.WorstSeed, sr.WorstReason = w.rank.seed, w.rank.reason(sr.Failed, sr.Runs)
	sr.Breaches = breaches(&sr)
	sr.Verdict = "pass"
	if sr.Failed > 0 || len(sr.Breaches) > 0 {
		sr.Verdict = "fail"
	}
	return sr
}

// TraceDigest is the SHA-256, in hex, of one "seed:trace_hash\n" line per
// run, in the order given (a report gives them in seed order).
func TraceDigest(hashes []SeedHash) string {
	h := sha256.New()
	for _, sh := range hashes {
		fmt.Fprintf(h, "%d:%s\n", sh.Seed, sh.Hash)
	}
	return hex.EncodeToString(h.Sum(nil))
}
