package scenarios

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"testing"
)

// raceSampleScenarios are the scenarios the catalog-wide tests run under
// the race detector (make check runs the tests with -race -short; make
// test, in the same CI job, runs every scenario without it). A simulation
// is one goroutine, so the race detector has nothing to find in it; what
// it can find is in the goroutines the checks start (Porcupine checks a
// history's partitions in parallel, calling our models' Step and
// Partition from several goroutines at once). These three exercise every
// model: the ledger's (leader-crash), the ledger's with rogue clients and
// every fault kind (swarm), and the lin-kv and ledger-RPC models of the
// Maelstrom node (maelstrom-node).
var raceSampleScenarios = []string{"leader-crash", "swarm", "maelstrom-node"}

// catalogUnderTest is the catalog, or its race sample when the test binary
// runs under the race detector in -short mode.
func catalogUnderTest(t *testing.T) []Scenario {
	t.Helper()
	if !raceDetector || !testing.Short() {
		return Catalog()
	}
	t.Logf("race detector: the catalog-wide test runs %v only; make test runs every scenario", raceSampleScenarios)
	sample := make([]Scenario, 0, len(raceSampleScenarios))
	for _, name := range raceSampleScenarios {
		sc, ok := Lookup(name)
		if !ok {
			t.Fatalf("race sample names %q, which is not in the catalog", name)
		}
		sample = append(sample, sc)
	}
	return sample
}

// skipSingleGoroutineUnderRace skips, under the race detector in -short
// mode, a test that only runs more seeds of what the race sample already
// runs: its simulations are one goroutine each and its checks are the
// sample's, so the race detector could report nothing new; make test runs
// it in full.
func skipSingleGoroutineUnderRace(t *testing.T) {
	t.Helper()
	if raceDetector && testing.Short() {
		t.Skip("race detector: simulations are single-goroutine; make test runs this in full")
	}
}

// TestTheSimulationPackagesStartNoGoroutines guards the race sample's
// premise: the packages a simulation runs in start no goroutines of their
// own. A `go` statement in one of them means the race detector has work
// there again, and the sample above must be revisited.
func TestTheSimulationPackagesStartNoGoroutines(t *testing.T) {
	dirs := []string{".", "cluster", "../sim", "../ledger", "../ledger/replica", "../ledger/client", "../checkers", "../faults"}
	for _, dir := range dirs {
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		if len(files) == 0 {
			t.Fatalf("%s: no Go files (moved?)", dir)
		}
		fset := token.NewFileSet()
		for _, path := range files {
			f, err := parser.ParseFile(fset, path, nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			ast.Inspect(f, func(n ast.Node) bool {
				if g, ok := n.(*ast.GoStmt); ok {
					t.Errorf("%s: a go statement: the race sample (raceSampleScenarios) assumes none", fset.Position(g.Pos()))
				}
				return true
			})
		}
	}
}
