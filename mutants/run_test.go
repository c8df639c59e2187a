package mutants

import (
	"slices"
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
