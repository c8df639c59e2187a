package reports

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A sweep interrupted mid-record leaves its last line cut short: readers
// skip that line and say so, and keep every whole record before it. The
// same damage anywhere but the end is still refused (see
// TestMergeRejectsBadInput).
func TestATornLastLineIsSkippedWithAWarning(t *testing.T) {
	recs := sampleRecords()
	path := filepath.Join(t.TempDir(), "results.jsonl")
	writeResults(t, path, recs, false)
	var whole bytes.Buffer
	if err := WriteRecord(&whole, &RunRecord{Scenario: "baseline", Seed: 2, Verdict: "pass", TraceHash: "dddd"}); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write(whole.Bytes()[:whole.Len()/2]); err != nil { // the writer died half way
		t.Fatal(err)
	}
	f.Close()

	m, err := ScanResults([]string{path}, NewAggregator(sampleInfo))
	if err != nil {
		t.Fatalf("a torn last line refused the file: %v", err)
	}
	if len(m.Torn) != 1 || m.Torn[0].Line != 4 || !strings.Contains(m.Torn[0].String(), "line 4 is cut short") {
		t.Fatalf("torn lines %v, want line 4", m.Torn)
	}
	checkMergedInCanonicalOrder(t, m, recs)

	var seen int
	torn, err := ScanRecordFile(path, func(*RunRecord) { seen++ })
	if err != nil || torn == nil || seen != len(recs) || torn.Offset+int64(torn.Bytes) != fileSize(t, path) {
		t.Fatalf("ScanRecordFile: %d records, torn %+v, %v", seen, torn, err)
	}
}

func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return info.Size()
}
