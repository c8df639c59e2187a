package reports

import (
	"fmt"
	"slices"
	"time"
	"unicode/utf8"
)

// ScenarioInfo is what a report says about a scenario besides its runs:
// its description and its impact tolerances. The command line supplies it
// from the catalog, so reports depends on no other package of the project.
type ScenarioInfo struct {
	Name              string  `json:"name"`
	Summary           string  `json:"summary"`
	Models            string  `json:"models"`
	RecoveryBoundS    float64 `json:"recovery_bound_s"`
	MinAvailability   float64 `json:"min_availability"`
	LatencyP99BoundMs float64 `json:"latency_p99_bound_ms"`
}

// Evidence ties a report to the code and binary that produced it.
type Evidence struct {
	ModuleVersion string `json:"module_version"`
	Revision      string `json:"revision"`
	BinarySHA256  string `json:"binary_sha256"`
	GeneratedAt   string `json:"generated_at"`
	// SweptAt is when the earliest sweep reported on started (UTC, RFC
	// 3339), as its sweep.json records it; empty when no input says. It
	// is the JUnit timestamp, so that re-rendering the same results gives
	// the same junit.xml.
	SweptAt string   `json:"swept_at,omitempty"`
	Sources []string `json:"sources"`
}

// Report is a resilience report: what was tested, against which impact
// tolerances, what happened, and the evidence.
type Report struct {
	// SchemaVersion is the version of this JSON layout (ReportSchemaVersion
	// when written): raised when a field changes meaning or goes away, not
	// when one is added, so that a reader can refuse what it cannot read.
	SchemaVersion int `json:"schema_version"`
	// Verdict is "pass" when every run passed and every impact tolerance
	// held, else "fail": what `faultline report`'s exit code says.
	Verdict   string           `json:"verdict"`
	Title     string           `json:"title"`
	Scope     string           `json:"scope"`
	Evidence  Evidence         `json:"evidence"`
	Scenarios []ScenarioReport `json:"scenarios"`
	Runs      int              `json:"runs"`
	Failed    int              `json:"failed"`
	Breaches  []string         `json:"breaches"`
	Limits    []string         `json:"limits"`
	// ResultCodes are every ledger result code, in wire order, with how
	// often clients were told it over all runs: zero marks a path of the
	// ledger no run exercised.
	ResultCodes []ResultCodeCount `json:"result_codes"`
	Trend       []TrendLine       `json:"trend,omitempty"`
}

// ReportSchemaVersion is the SchemaVersion of the reports this build
// writes. Version 1 is the first with the field; a report without it
// (version 0) has the same layout less the verdict. Version 2: a
// scenario's timeline is its worst run's (worst_seed), not its lowest
// seed's, in 100 ms windows (width_s) rather than one-second ones.
const ReportSchemaVersion = 2

// Passed tells whether every run passed and every impact tolerance held.
func (r *Report) Passed() bool { return r.Failed == 0 && len(r.Breaches) == 0 }

// ScenarioReport is one scenario's results across its seeds.
type ScenarioReport struct {
	ScenarioInfo
	Runs         int      `json:"runs"`
	Failed       int      `json:"failed"`
	Seeds        string   `json:"seeds"`
	Verdict      string   `json:"verdict"` // pass: every invariant held and every tolerance met
	Breaches     []string `json:"breaches,omitempty"`
	RecoveryP50S float64  `json:"recovery_p50_s"`
	RecoveryP99S float64  `json:"recovery_p99_s"`
	RecoveryMaxS float64  `json:"recovery_max_s"`
	AckedLost    int      `json:"acked_lost"`
	// OpsTotal and OpsUnknown count the runs' finished operations and those
	// whose outcome stayed unknown; UnknownShare is their ratio.
	OpsTotal     int     `json:"ops_total"`
	OpsUnknown   int     `json:"ops_unknown"`
	UnknownShare float64 `json:"unknown_share"`
	// SessionsExpired counts operations whose client's session the full
	// session table had evicted: the eviction path, exercised.
	SessionsExpired int `json:"sessions_expired"`
	// AvailabilityMin and AvailabilityMean are over runs.
	AvailabilityMin   float64        `json:"availability_min"`
	AvailabilityMean  float64        `json:"availability_mean"`
	Latency           LatencySummary `json:"latency_ms"`
	LatencyUnderFault LatencySummary `json:"latency_under_fault_ms"`
	// Invariants counts verdicts per invariant: name -> status -> runs.
	Invariants   map[string]map[string]int `json:"invariants"`
	FailingSeeds []FailingSeed             `json:"failing_seeds,omitempty"`
	// Timeline and FaultSpans are the scenario's worst run (WorstSeed; see
	// worseThan for the ranking), for the chart.
	Timeline   []TimelinePoint `json:"timeline,omitempty"`
	FaultSpans []FaultSpan     `json:"fault_spans,omitempty"`
	// WorstSeed is the run the timeline shows, and WorstReason says in a
	// sentence why it was chosen.
	WorstSeed   uint64 `json:"worst_seed"`
	WorstReason string `json:"worst_reason"`
	// Violations are the moments the worst run's invariants first broke,
	// where a checker watched the run as it went; ViolatedUntimed names its
	// failed invariants judged on the whole run afterwards, which have none.
	Violations      []ViolationMark `json:"violations,omitempty"`
	ViolatedUntimed []string        `json:"violated_untimed,omitempty"`
	TraceHashes     []SeedHash      `json:"trace_hashes"`
	// TraceDigest is the SHA-256 of every "seed:trace_hash" line, in seed
	// order: one value that two reports of the same runs share, and that
	// anyone can recompute from results.jsonl (see TraceDigest).
	TraceDigest string `json:"trace_digest"`
	// WallSeconds is the machine time the runs took, summed.
	WallSeconds float64 `json:"wall_seconds"`
	// CPUSeconds is the CPU time the runs used, summed (see
	// RunRecord.CPUSeconds).
	CPUSeconds float64 `json:"cpu_seconds"`
	// FaultEffects sums the runs' faults by kind: applied, and of those,
	// effective. A kind applied often and effective rarely is a fault
	// that mostly found nothing to break.
	FaultEffects map[string]FaultEffects `json:"fault_effects,omitempty"`
}

// ViolationMark is the simulated time an invariant first broke in a run.
type ViolationMark struct {
	Invariant string  `json:"invariant"`
	AtSeconds float64 `json:"at_s"`
}

// FailingSeed is one failed run and how to reproduce it.
type FailingSeed struct {
	Seed       uint64   `json:"seed"`
	Invariants []string `json:"invariants"`
	Repro      string   `json:"repro"`
	Bundle     string   `json:"bundle,omitempty"`
	// BundleLink and VisualizationLink are the bundle directory and its
	// Porcupine page relative to the report's directory, set only when
	// they exist there (see LinkBundles); ReplayCommand and ShrinkCommand
	// replay and shrink the bundle.
	BundleLink        string `json:"bundle_link,omitempty"`
	VisualizationLink string `json:"visualization_link,omitempty"`
	ReplayCommand     string `json:"replay_command,omitempty"`
	ShrinkCommand     string `json:"shrink_command,omitempty"`
	// Evidence is the start of each failed invariant's evidence (see
	// evidenceLinesMax): enough to tell failures apart; the bundle has all.
	Evidence map[string][]string `json:"evidence,omitempty"`
	// Error is set when the run could not be performed at all (its worker
	// crashed or hung, the scenario would not start): a harness failure,
	// not a finding about the ledger.
	Error string `json:"error,omitempty"`
}

// Bounds on the evidence a failing seed carries into a report: a few
// lines of a few hundred bytes per invariant, so that a sweep with
// thousands of failures still makes a report of a few megabytes.
const (
	evidenceLinesMax = 3
	evidenceLineMax  = 300
)

// SeedHash is one run's trace hash.
type SeedHash struct {
	Seed uint64 `json:"seed"`
	Hash string `json:"trace_hash"`
}

// TrendLine compares a scenario with an earlier report.
type TrendLine struct {
	Scenario           string  `json:"scenario"`
	FailedBefore       int     `json:"failed_before"`
	FailedNow          int     `json:"failed_now"`
	RecoveryP99Before  float64 `json:"recovery_p99_before_s"`
	RecoveryP99Now     float64 `json:"recovery_p99_now_s"`
	AvailabilityBefore float64 `json:"availability_min_before"`
	AvailabilityNow    float64 `json:"availability_min_now"`
}

// Limits are what a simulation cannot show; every report states them.
var Limits = []string{
	"The simulator models the network, clocks and disks; it does not run the real operating system, file system, NIC or hardware. Faults outside its model (kernel bugs, memory corruption, Byzantine behaviour) are not tested.",
	"Time is simulated: latencies and recovery times are properties of the protocol under the modelled network, not measurements of production hardware.",
	"Each run covers one seed's interleaving; a sweep covers as many as it runs. Passing seeds are evidence, not proof: a rarer interleaving may still fail.",
	"Linearizability is checked per group of accounts (the workload keeps transfers inside groups); a check that runs out of time is reported as unknown, never as a pass.",
	"Storage faults assume at most a minority of replicas is damaged at once; losing a majority's copies of data can lose data in any replicated system.",
	"The disk model: every fsync takes simulated time (per-node latencies, stretched by slow-disk faults) and completes as an event; a crash loses every write no completed fsync covered, and with a torn write armed persists a prefix of them cut at a sector boundary or within one. Bit flips, misdirected writes, fsync failures (the covered writes lost for good) and the loss of a whole disk are modelled. Not modelled: reads that take time or fail (reads always succeed from the page cache), writes reordered within one fsync's batch (a crash keeps a prefix, in issue order), latent sector errors found only on read, and a file system's own metadata (file creation and removal are as durable as the data around them).",
}

// Build aggregates run records into a report. info describes the
// scenarios; records may come from several sweeps or shards, in any order.
func Build(records []RunRecord, info map[string]ScenarioInfo, ev Evidence) Report {
	a := NewAggregator(info)
	for i := range records {
		a.Add(&records[i])
	}
	return a.Report(ev)
}

func failingSeed(rec RunRecord) FailingSeed {
	fs := FailingSeed{Seed: rec.Seed, Repro: rec.Repro, Bundle: rec.Bundle}
	for name, status := range rec.Invariants {
		if status != "pass" {
			fs.Invariants = append(fs.Invariants, name)
			if ev := briefEvidence(rec.Evidence[name]); len(ev) > 0 {
				if fs.Evidence == nil {
					fs.Evidence = map[string][]string{}
				}
				fs.Evidence[name] = ev
			}
		}
	}
	if rec.Error != "" {
		fs.Error = rec.Error
		fs.Invariants = append(fs.Invariants, "error: "+rec.Error)
	}
	slices.Sort(fs.Invariants)
	return fs
}

// briefEvidence keeps the first evidenceLinesMax lines, each cut at
// evidenceLineMax bytes (on a rune boundary), and says how many it left.
func briefEvidence(lines []string) []string {
	var out []string
	for i, l := range lines {
		if i == evidenceLinesMax {
			out = append(out, fmt.Sprintf("(%d more lines)", len(lines)-i))
			break
		}
		if len(l) > evidenceLineMax {
			cut := evidenceLineMax
			for cut > 0 && !utf8.RuneStart(l[cut]) {
				cut--
			}
			l = l[:cut] + "..."
		}
		out = append(out, l)
	}
	return out
}

// mergeLatency keeps, across runs, the worst of each percentile: a
// tolerance must hold in every run, not on average.
func mergeLatency(a, b LatencySummary) LatencySummary {
	return LatencySummary{Count: a.Count + b.Count, P50: max(a.P50, b.P50), P99: max(a.P99, b.P99),
		P999: max(a.P999, b.P999), Max: max(a.Max, b.Max)}
}

func percentile(vs []float64, p float64) float64 {
	if len(vs) == 0 {
		return 0
	}
	s := slices.Clone(vs)
	slices.Sort(s)
	return s[min(int(p*float64(len(s))), len(s)-1)]
}

// breaches compares a scenario's results with its impact tolerances.
func breaches(sr *ScenarioReport) []string {
	var out []string
	if sr.AckedLost > 0 {
		out = append(out, fmt.Sprintf("%d acknowledged transfers lost (RPO tolerance: zero)", sr.AckedLost))
	}
	if sr.RecoveryBoundS > 0 && sr.RecoveryMaxS > sr.RecoveryBoundS {
		out = append(out, fmt.Sprintf("recovery took up to %.2fs (tolerance %.2fs)", sr.RecoveryMaxS, sr.RecoveryBoundS))
	}
	if sr.MinAvailability > 0 && sr.AvailabilityMin < sr.MinAvailability {
		out = append(out, fmt.Sprintf("availability fell to %.0f%% (tolerance %.0f%%)", sr.AvailabilityMin*100, sr.MinAvailability*100))
	}
	if sr.LatencyP99BoundMs > 0 && sr.Latency.P99 > sr.LatencyP99BoundMs {
		out = append(out, fmt.Sprintf("p99 latency reached %.0fms (tolerance %.0fms)", sr.Latency.P99, sr.LatencyP99BoundMs))
	}
	return out
}

// CompareWith fills the trend against an earlier report.
func (r *Report) CompareWith(earlier Report) {
	before := map[string]ScenarioReport{}
	for _, s := range earlier.Scenarios {
		before[s.Name] = s
	}
	for _, s := range r.Scenarios {
		b, ok := before[s.Name]
		if !ok {
			continue
		}
		r.Trend = append(r.Trend, TrendLine{Scenario: s.Name, FailedBefore: b.Failed, FailedNow: s.Failed,
			RecoveryP99Before: b.RecoveryP99S, RecoveryP99Now: s.RecoveryP99S,
			AvailabilityBefore: b.AvailabilityMin, AvailabilityNow: s.AvailabilityMin})
	}
}

// Now formats a generation time; the caller passes the wall clock, which
// is outside any simulation.
func Now(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// ResultCodeCount is how often one ledger result code was returned.
type ResultCodeCount struct {
	Code  string `json:"code"`
	Count int    `json:"count"`
}

// Unreached lists the result codes no run returned.
func (r *Report) Unreached() []string {
	var out []string
	for _, c := range r.ResultCodes {
		if c.Count == 0 {
			out = append(out, c.Code)
		}
	}
	return out
}
