package repro

import (
	"path/filepath"
	"testing"
)

// regressionsDir keeps the shrunk bundle of every failure a sweep has found
// and a fix has closed, one directory each (copied as `faultline shrink`
// wrote it). Each is replayed and must now pass every invariant: the exact
// faults, timing and workload length that once broke the ledger stay a
// test, even after the generator or the seed space moves on. The trace
// hash is not compared: the fix changed the run.
const regressionsDir = "testdata/regressions"

func TestFoundFailuresStayFixed(t *testing.T) {
	dirs, err := filepath.Glob(filepath.Join(regressionsDir, "*", "bundle.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(dirs) == 0 {
		t.Fatalf("no bundles under %s", regressionsDir)
	}
	for _, path := range dirs {
		dir := filepath.Dir(path)
		t.Run(filepath.Base(dir), func(t *testing.T) {
			b, err := Read(dir)
			if err != nil {
				t.Fatal(err)
			}
			r, err := Run(b)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%s: %s", b.CreatedFrom, r.Describe(b))
			for _, v := range r.Outcome.Verdicts {
				if v.Status != "pass" {
					t.Errorf("%s: %s %v (replay: faultline repro scenarios/repro/%s)", v.Invariant, v.Status, v.Evidence, dir)
				}
			}
		})
	}
}
