package reports

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// Whatever bytes the results files hold, a merge either refuses them with
// an error or writes back as many records as it counted runs, in canonical
// order, each line readable as a run record.
func FuzzScanResults(f *testing.F) {
	// Small seeds: the fuzzer makes little progress from whole records
	// with metrics (a few kilobytes each) on our machines.
	two := `{"scenario":"b","seed":3,"verdict":"pass"}` + "\n" + `{"scenario":"a","seed":1,"verdict":"fail"}` + "\n"
	f.Add([]byte(two), []byte(nil))
	f.Add([]byte(two[:len(two)-1]), []byte(`{"scenario":"a","seed":2,"verdict":"pass"}`)) // no final newline
	f.Add([]byte("\r\n\n"+two), []byte(`{"scenario":"a","seed":3,"verdict":"pass"}`+"\r\n"+`{"scenario":"a","seed":1,"verdict":"fail"}`))
	f.Fuzz(func(t *testing.T, a, b []byte) {
		dir := t.TempDir()
		paths := []string{filepath.Join(dir, "a.jsonl"), filepath.Join(dir, "b.jsonl")}
		for i, data := range [][]byte{a, b} {
			if err := os.WriteFile(paths[i], data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		agg := NewAggregator(nil)
		m, err := ScanResults(paths, agg)
		if err != nil {
			return
		}
		var out bytes.Buffer
		if err := m.WriteSorted(&out); err != nil {
			t.Fatalf("scanned, then failed to write: %v", err)
		}
		recs, err := ReadRecords(&out)
		if err != nil {
			t.Fatalf("the merged file does not read back: %v\n%q", err, out.String())
		}
		if want := agg.Report(Evidence{}).Runs; len(recs) != want {
			t.Fatalf("wrote %d records for %d runs scanned\n%q", len(recs), want, out.String())
		}
		for i := 1; i < len(recs); i++ {
			p, q := recs[i-1], recs[i]
			if p.Scenario > q.Scenario || (p.Scenario == q.Scenario && p.Seed >= q.Seed) {
				t.Fatalf("records %d and %d out of order: %s/%d then %s/%d", i-1, i, p.Scenario, p.Seed, q.Scenario, q.Seed)
			}
		}
	})
}
