package mutants

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestFailingTestsNamesEachFailedTestByPackage(t *testing.T) {
	out := `--- FAIL: TestDurability (0.20s)
    --- FAIL: TestDurability/leader-crash (0.10s)
        x_test.go:12: lost
--- FAIL: TestConservation (0.01s)
FAIL
FAIL	github.com/faultline/faultline/checkers	0.31s
ok  	github.com/faultline/faultline/sim	0.5s
FAIL	github.com/faultline/faultline/ledger [build failed]
`
	got := failingTests(out)
	want := []string{"checkers.TestDurability", "checkers.TestConservation", "ledger"}
	if !slices.Equal(got, want) {
		t.Fatalf("failingTests = %q, want %q", got, want)
	}
}

// A sweep killed mid-write leaves its last line cut short: the mutant's
// results are read without it, with a warning, as the report command
// reads them; a malformed line before the last is still refused.
func TestReadRecordsSkipsATornLastLineWithAWarning(t *testing.T) {
	dir := t.TempDir()
	whole := `{"scenario":"baseline","seed":1,"verdict":"pass","trace_hash":"a","invariants":{}}` + "\n" +
		`{"scenario":"baseline","seed":2,"verdict":"fail","trace_hash":"b","invariants":{"durability":"fail"}}` + "\n"
	path := filepath.Join(dir, "results.jsonl")
	if err := os.WriteFile(path, []byte(whole+`{"scenario":"baseline","seed":3,"verd`), 0o644); err != nil {
		t.Fatal(err)
	}
	rs, torn, err := readRecords(path)
	if err != nil || len(rs) != 2 || rs[1].Seed != 2 || torn == nil || torn.Line != 3 {
		t.Fatalf("%d records, torn %v, err %v", len(rs), torn, err)
	}
	if !strings.Contains(torn.String(), "line 3 is cut short") {
		t.Errorf("warning %q", torn.String())
	}
	if err := os.WriteFile(path, []byte(`{"scenario":"baseline","seed":3,"verd`+"\n"+whole), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := readRecords(path); err == nil {
		t.Fatal("a malformed first line was read")
	}
	if err := os.WriteFile(path, []byte(`{"scenario":"base`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := readRecords(path); err == nil || !strings.Contains(err.Error(), "no runs") {
		t.Fatalf("only a torn line: %v", err)
	}
}
