package reports

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// manyRecords is a sweep's worth of records over three scenarios.
func manyRecords() []RunRecord {
	var out []RunRecord
	for i, rec := range sampleRecords() {
		for seed := uint64(1); seed <= 30; seed++ {
			r := rec
			r.Seed = seed*3 + uint64(i)
			r.TraceHash = strings.Repeat(string(rune('a'+i)), 4) + string(rune('a'+seed%26))
			if r.Metrics != nil {
				m := *r.Metrics
				m.Availability = 1 - float64(seed%7)/10
				m.RecoverySeconds = []float64{float64(seed) / 100}
				r.Metrics = &m
			}
			out = append(out, r)
		}
	}
	return out
}

// The report is a function of the set of runs: shards merged in any order
// give the same report as one sweep.
func TestAggregateDoesNotDependOnRecordOrder(t *testing.T) {
	recs := manyRecords()
	want := Build(slices.Clone(recs), sampleInfo, Evidence{})
	reversed := slices.Clone(recs)
	slices.Reverse(reversed)
	var interleaved []RunRecord
	for k := range 4 {
		for i := k; i < len(recs); i += 4 {
			interleaved = append(interleaved, recs[i])
		}
	}
	for name, order := range map[string][]RunRecord{"reversed": reversed, "shards of 4": interleaved} {
		if got := Build(order, sampleInfo, Evidence{}); !reflect.DeepEqual(want, got) {
			t.Errorf("%s: report differs:\n%+v\nvs\n%+v", name, got, want)
		}
	}
	lc := want.Scenarios[1]
	if lc.Seeds != "3-91" || lc.Runs != 60 || lc.TraceHashes[0].Seed != 3 || lc.Timeline == nil {
		t.Errorf("leader-crash: seeds %s runs %d first hash %+v", lc.Seeds, lc.Runs, lc.TraceHashes[0])
	}
}

// writeResults writes records as a results file, with the blank lines and
// CRLF endings a hand-edited file may have.
func writeResults(t *testing.T, path string, recs []RunRecord, crlf bool) {
	t.Helper()
	var b bytes.Buffer
	for i := range recs {
		if err := WriteRecord(&b, &recs[i]); err != nil {
			t.Fatal(err)
		}
		if crlf {
			b.Truncate(b.Len() - 1)
			b.WriteString("\r\n\n")
		}
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// Shards are merged into one file in canonical order, line for line what
// sorting all records gives, and the report equals the one built from all
// records at once.
func TestMergeWritesShardsInCanonicalOrder(t *testing.T) {
	recs := manyRecords()
	dir := t.TempDir()
	var paths []string
	for k := range 3 {
		var shard []RunRecord
		for i := k; i < len(recs); i += 3 {
			shard = append(shard, recs[i])
		}
		// A sweep writes scenarios in catalog order, not by name.
		slices.SortStableFunc(shard, func(a, b RunRecord) int { return -strings.Compare(a.Scenario, b.Scenario) })
		path := filepath.Join(dir, "shard"+string(rune('0'+k))+".jsonl")
		writeResults(t, path, shard, k == 1)
		paths = append(paths, path)
	}
	agg := NewAggregator(sampleInfo)
	m, err := ScanResults(paths, agg)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := agg.Report(Evidence{}), Build(slices.Clone(recs), sampleInfo, Evidence{}); !reflect.DeepEqual(got, want) {
		t.Fatalf("merged report differs from one built from every record")
	}
	checkMergedInCanonicalOrder(t, m, recs)
}

// checkMergedInCanonicalOrder checks that m writes what sorting recs and
// writing them gives.
func checkMergedInCanonicalOrder(t *testing.T, m *Merge, recs []RunRecord) {
	t.Helper()
	var got bytes.Buffer
	if err := m.WriteSorted(&got); err != nil {
		t.Fatal(err)
	}
	sorted := slices.Clone(recs)
	SortRecords(sorted)
	var want bytes.Buffer
	for i := range sorted {
		_ = WriteRecord(&want, &sorted[i])
	}
	if got.String() != want.String() {
		t.Fatalf("merged file:\n%.600s\nwant:\n%.600s", got.String(), want.String())
	}
}

// A merge refuses what would make its totals wrong or lose lines: a run
// given twice, and a line that is not a run record, named by file and line.
func TestMergeRejectsBadInput(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.jsonl")
	writeResults(t, good, sampleRecords(), false)
	bad := filepath.Join(dir, "bad.jsonl")
	if err := os.WriteFile(bad, []byte("\n{\"scenario\":\"x\",\"seed\":1,\"verdict\":\"pass\"}\n{\"scenario\":\"x\",\"seed\":2,\"verdict\":\"maybe\"}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	truncated := filepath.Join(dir, "truncated.jsonl")
	// Cut short, then more: damage inside the file, not an interrupted end.
	if err := os.WriteFile(truncated, []byte("{\"scenario\":\"x\",\"seed\":1,\"verd\n{\"scenario\":\"x\",\"seed\":2,\"verdict\":\"pass\"}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		paths []string
		want  string
	}{
		{[]string{good, good}, "leader-crash seed 1 appears in both"},
		{[]string{bad}, "bad.jsonl: line 3: not a run record"},
		{[]string{truncated}, "truncated.jsonl: line 1: invalid character"},
		{[]string{filepath.Join(dir, "missing.jsonl")}, "no such file"},
	} {
		_, err := ScanResults(tc.paths, NewAggregator(sampleInfo))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: error %v, want %q", tc.paths, err, tc.want)
		}
	}
}

// A page lists at most htmlTraceHashesMax hashes a scenario, and the digest
// stands for all of them: anyone can recompute it from the results.
func TestTheDigestCoversTraceHashesThePageDoesNotList(t *testing.T) {
	var recs []RunRecord
	var lines strings.Builder
	for seed := uint64(1); seed <= htmlTraceHashesMax+500; seed++ {
		hash := fmt.Sprintf("%016x", seed*7919)
		recs = append(recs, RunRecord{Scenario: "baseline", Seed: seed, Verdict: "pass", TraceHash: hash})
		fmt.Fprintf(&lines, "%d:%s\n", seed, hash)
	}
	sum := sha256.Sum256([]byte(lines.String()))
	want := hex.EncodeToString(sum[:])
	slices.Reverse(recs)
	r := Build(recs, sampleInfo, Evidence{})
	if got := r.Scenarios[0].TraceDigest; got != want {
		t.Fatalf("digest %s, want %s", got, want)
	}
	var html, md bytes.Buffer
	if err := WriteHTML(&html, &r); err != nil {
		t.Fatal(err)
	}
	if err := WriteMarkdown(&md, &r); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{html.String(), md.String()} {
		if !strings.Contains(s, want) {
			t.Error("the digest is missing from a rendering")
		}
	}
	if !strings.Contains(html.String(), "1000:") || strings.Contains(html.String(), "1001:") ||
		!strings.Contains(html.String(), "and 500 more") {
		t.Error("the page does not list exactly the first 1000 hashes and say how many more")
	}
}

// A file whose scenarios alternate line by line (one segment per line) is
// merged in canonical order too, past the fan-in a merge takes at once.
func TestMergeSortsAFileTooFragmentedToMerge(t *testing.T) {
	var recs []RunRecord
	for seed := uint64(1); seed <= 2*mergeFanInMax+10; seed++ {
		for _, sc := range []string{"b", "a"} {
			recs = append(recs, RunRecord{Scenario: sc, Seed: 2*mergeFanInMax + 11 - seed, Verdict: "pass", TraceHash: sc})
		}
	}
	path := filepath.Join(t.TempDir(), "alternating.jsonl")
	writeResults(t, path, recs, false)
	m, err := ScanResults([]string{path}, NewAggregator(nil))
	if err != nil {
		t.Fatal(err)
	}
	if len(m.segments) <= mergeFanInMax {
		t.Fatalf("%d segments: the test does not exceed the fan-in", len(m.segments))
	}
	checkMergedInCanonicalOrder(t, m, recs)
}
