package reports

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"slices"
)

// RunRecord is the outcome of one simulation: one line of a sweep's
// results file. Scripts and CI read these fields; add fields, never rename.
type RunRecord struct {
	Scenario    string  `json:"scenario"`
	Seed        uint64  `json:"seed"`
	Verdict     string  `json:"verdict"` // "pass" or "fail"
	TraceHash   string  `json:"trace_hash"`
	Events      int64   `json:"events"`
	SimSeconds  float64 `json:"sim_seconds"`
	WallSeconds float64 `json:"wall_seconds"`
	// CPUSeconds is the CPU time the run used, on every thread of its
	// process (the garbage collector's included): beside WallSeconds, it
	// tells a slow run from a starved one.
	CPUSeconds float64           `json:"cpu_seconds"`
	Invariants map[string]string `json:"invariants"` // invariant -> pass, fail or unknown
	// Evidence explains each failed invariant, briefly.
	Evidence map[string][]string `json:"evidence,omitempty"`
	Metrics  *Metrics            `json:"metrics,omitempty"`
	// FaultEffects counts, by fault kind, the faults that applied and how
	// many of those took effect (a torn write that tore nothing, a
	// partition no message crossed, did not).
	FaultEffects map[string]FaultEffects `json:"fault_effects,omitempty"`
	// Parameters are the run's knobs as the seed drew them (replica
	// timeouts and sizes, session table, clients, timeouts, workload mix):
	// the scenarios package's Parameters, kept as JSON here.
	Parameters json.RawMessage `json:"parameters,omitempty"`
	// ParametersChanged lists the knobs that differ from the scenario's
	// defaults, in one line ("defaults" when none does).
	ParametersChanged string `json:"parameters_changed,omitempty"`
	// Bundle is the failure bundle's path, when one was written.
	Bundle string `json:"bundle,omitempty"`
	// Repro is the command that reproduces this run.
	Repro string `json:"repro,omitempty"`
	// Error is set when the run could not be performed at all.
	Error string `json:"error,omitempty"`
	// ViolatedAtSeconds is, per failed invariant whose checker watched the
	// run as it went, the simulated time of its first violation. Invariants
	// judged on the whole run afterwards (linearizability, durability,
	// conservation) have no such moment and are absent.
	ViolatedAtSeconds map[string]float64 `json:"violated_at_s,omitempty"`
}

// Metrics are what a run measured, for the resilience report.
type Metrics struct {
	OpsOK      int `json:"ops_ok"`
	OpsFailed  int `json:"ops_failed"`
	OpsUnknown int `json:"ops_unknown"`
	// UnknownShare is the share of finished operations whose outcome the
	// client could not learn: zero means the unknown-outcome path (retries
	// under the same IDs, possibly-applied operations in the checkers)
	// went untested.
	UnknownShare float64 `json:"unknown_share"`
	// SessionsExpired counts operations answered SessionExpired because the
	// replicas' full session table had evicted their client's session (the
	// eviction path; zero in most runs, by design).
	SessionsExpired int `json:"sessions_expired"`
	// DeposedLeaderRequests counts client requests that reached a replica
	// still acting as leader after a newer leader was elected: the corner
	// where a leader that answers from its own state returns stale data.
	DeposedLeaderRequests int `json:"deposed_leader_requests"`
	// ResultCodes counts the ledger result codes clients were told, by
	// name: which of the ledger's paths the run exercised.
	ResultCodes map[string]int `json:"result_codes,omitempty"`
	// Availability is the share of simulated time, in windows, in which
	// the cluster completed at least one client request.
	Availability float64 `json:"availability"`
	// LatencyMs are client-observed latencies of requests completed in
	// steady state (invoked while no fault was active).
	LatencyMs LatencySummary `json:"latency_ms"`
	// LatencyUnderFaultMs covers requests invoked while a fault was active.
	LatencyUnderFaultMs LatencySummary `json:"latency_under_fault_ms"`
	// RecoverySeconds is the time from each fault's heal to the next
	// commit (RTO, measured), one entry per heal.
	RecoverySeconds []float64 `json:"recovery_seconds,omitempty"`
	// AckedLost counts acknowledged transfers missing from a replica's
	// final state (RPO: must be zero).
	AckedLost int `json:"acked_lost"`
	// Faults counts the faults that took effect (see RunRecord's
	// FaultEffects).
	Faults int `json:"faults"`
	// Timeline is throughput and latency over simulated time in one-second
	// windows, as records written before TimelineBuckets have it; newer
	// records leave it out (read both with Points).
	Timeline []TimelinePoint `json:"timeline,omitempty"`
	// TimelineBuckets is throughput and latency over simulated time in
	// buckets of TimelineBucketMs, as two arrays rather than a list of
	// objects: eighty 100 ms buckets cost about 600 bytes a record.
	TimelineBuckets *TimelineBuckets `json:"timeline_buckets,omitempty"`
	// FaultSpans are the faults as intervals of simulated time.
	FaultSpans []FaultSpan `json:"fault_spans,omitempty"`
}

// FaultEffects counts the faults of one kind in a run (or summed over
// runs): applied, and of those, effective.
type FaultEffects struct {
	Applied   int `json:"applied"`
	Effective int `json:"effective"`
}

// LatencySummary is a distribution's percentiles in milliseconds.
type LatencySummary struct {
	Count int     `json:"count"`
	P50   float64 `json:"p50"`
	P99   float64 `json:"p99"`
	P999  float64 `json:"p999"`
	Max   float64 `json:"max"`
}

// TimelinePoint is one window of a run: from AtSeconds, WidthSeconds long
// (zero in records that predate it: one second).
type TimelinePoint struct {
	AtSeconds    float64 `json:"t"`
	WidthSeconds float64 `json:"width_s,omitempty"`
	OpsPerSecond float64 `json:"ops_per_s"`
	P99Ms        float64 `json:"p99_ms"`
}

// Width is the window's length in seconds.
func (p TimelinePoint) Width() float64 {
	if p.WidthSeconds > 0 {
		return p.WidthSeconds
	}
	return 1
}

// TimelineBucketMs is the width of the timeline's buckets in the records
// this build writes: fine enough to show a 300 ms election as a dip, not
// a one-second average of it.
const TimelineBucketMs = 100

// TimelineBuckets is a run's timeline in fixed buckets from time zero:
// bucket i covers [i*WidthMs, (i+1)*WidthMs) of simulated time.
type TimelineBuckets struct {
	WidthMs int `json:"width_ms"`
	// Completed counts the client requests that completed in each bucket.
	Completed []int `json:"completed"`
	// P99Ms is the p99 latency of those requests, in milliseconds rounded
	// to a tenth; zero where none completed.
	P99Ms []float64 `json:"p99_ms"`
}

// Points is the run's timeline as points, whichever way the record keeps
// it; nil when it has none.
func (m *Metrics) Points() []TimelinePoint {
	b := m.TimelineBuckets
	if b == nil || b.WidthMs <= 0 {
		return slices.Clone(m.Timeline)
	}
	width := float64(b.WidthMs) / 1000
	points := make([]TimelinePoint, len(b.Completed))
	for i, n := range b.Completed {
		points[i] = TimelinePoint{AtSeconds: float64(i*b.WidthMs) / 1000, WidthSeconds: width, OpsPerSecond: float64(n) / width}
		if i < len(b.P99Ms) {
			points[i].P99Ms = b.P99Ms[i]
		}
	}
	return points
}

// FaultSpan is one fault, from injection to heal.
type FaultSpan struct {
	Description  string  `json:"description"`
	StartSeconds float64 `json:"start"`
	EndSeconds   float64 `json:"end"`
}

// WriteRecord writes r as one JSON line, in a single Write call: on a
// file without a buffer in between, a record is on disk whole or not at
// all as far as any reader in this machine's lifetime can tell, so an
// interrupted sweep leaves whole lines (a power cut can still tear the
// last one: readers skip it, see TornTail).
func WriteRecord(w io.Writer, r *RunRecord) error {
	b, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("encode run record: %w", err)
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// ReadRecords reads JSON lines of run records. A malformed line is an error
// that names its line number; nothing is skipped silently.
func ReadRecords(r io.Reader) ([]RunRecord, error) {
	var out []RunRecord
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), recordLineMax)
	line := 0
	for sc.Scan() {
		line++
		if len(sc.Bytes()) == 0 {
			continue
		}
		rec, err := decodeRecordLine(sc.Bytes())
		if err != nil {
			return nil, fmt.Errorf("results line %d: %w", line, err)
		}
		out = append(out, rec)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read results: %w", err)
	}
	return out, nil
}

// SortRecords orders records by scenario, then seed: the canonical order in
// which merged shards compare equal to an unsharded sweep.
func SortRecords(rs []RunRecord) {
	slices.SortFunc(rs, func(a, b RunRecord) int {
		if a.Scenario != b.Scenario {
			if a.Scenario < b.Scenario {
				return -1
			}
			return 1
		}
		switch {
		case a.Seed < b.Seed:
			return -1
		case a.Seed > b.Seed:
			return 1
		}
		return 0
	})
}

// TornTail is a results file's last line cut short: no newline after it
// and not a whole record. A writer interrupted mid-record (a crash, a
// power cut) leaves one; readers skip it with a warning rather than
// refuse the file, and a resumed sweep cuts it off and reruns its run.
type TornTail struct {
	Path   string
	Line   int   // 1-based
	Offset int64 // where the line starts
	Bytes  int
	Err    error // why it is not a record
}

func (t TornTail) String() string {
	return fmt.Sprintf("%s: line %d is cut short (%d bytes, no newline: %v); skipped it, as an interrupted write leaves",
		t.Path, t.Line, t.Bytes, t.Err)
}

// ScanRecordFile calls fn with each record of the results file at path, in
// file order, and returns the file's torn last line, if any (skipped, as
// ScanResults does). It holds one record at a time.
func ScanRecordFile(path string, fn func(*RunRecord)) (*TornTail, error) {
	return scanLines(path, func(rec *RunRecord, _, _ int64) error {
		fn(rec)
		return nil
	})
}
