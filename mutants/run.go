package mutants

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/faultline/faultline/reports"
	"github.com/faultline/faultline/scenarios/repro"
)

// Options say how to run the catalog.
type Options struct {
	// Root is the repository root: the tree every mutant is applied to.
	Root string
	// Work holds each mutant's copy of the tree, binary and sweep output.
	Work string
	// Seeds is the sweep's seed range, A-B, over every scenario.
	Seeds string
	// Parallel is how many mutants run at once (each sweep on one core).
	Parallel int
	// UnitTests also runs `go test -short ./...` on each mutated tree, to
	// tell which mutants the unit tests alone catch.
	UnitTests bool
	// ShrinkRuns bounds the trial runs that shrink a first failure.
	ShrinkRuns int
	// Keep leaves each mutated tree in Work instead of removing it.
	Keep bool
	// Progress, if set, receives one line per finished mutant.
	Progress func(done, total int, r *Result)
}

// Result is what sweeping one mutant showed. Fields are read by scripts
// and by the report; add fields, never rename.
type Result struct {
	Mutant
	// Caught: at least one run of the sweep failed.
	Caught bool `json:"caught"`
	// FailingRuns of TotalRuns failed.
	FailingRuns int `json:"failing_runs"`
	TotalRuns   int `json:"total_runs"`
	// FirstFailingSeed is the lowest seed that failed in any scenario, and
	// FirstFailingScenario the first scenario (catalog order) it failed in.
	FirstFailingSeed     *uint64 `json:"first_failing_seed"`
	FirstFailingScenario string  `json:"first_failing_scenario,omitempty"`
	// ScenariosCaught and InvariantsCaught list where the sweep failed and
	// which invariants broke ("error" for a run that could not finish).
	ScenariosCaught  []string `json:"scenarios_caught"`
	InvariantsCaught []string `json:"invariants_caught"`
	// FirstFailureFaults is the first failure's fault count, and
	// ShrunkFaults what shrinking left (nil: not shrunk, see ShrinkError).
	FirstFailureFaults *int   `json:"first_failure_faults"`
	ShrunkFaults       *int   `json:"shrunk_faults"`
	ShrinkError        string `json:"shrink_error,omitempty"`
	// UnitTestsCaught: `go test -short ./...` failed on the mutated tree
	// (nil when unit tests were not run); UnitTestsFailing names the
	// failing packages.
	UnitTestsCaught  *bool    `json:"unit_tests_caught"`
	UnitTestsFailing []string `json:"unit_tests_failing,omitempty"`
	// Warnings are what the measurement went on despite: a results file
	// whose last line was cut short, skipped.
	Warnings []string `json:"warnings,omitempty"`
	// Error is set when the mutant could not be measured at all: its
	// patch no longer applies, or the mutated tree does not build.
	Error string `json:"error,omitempty"`
	// Seconds is the wall time the mutant took.
	Seconds float64 `json:"seconds"`
}

// RunAll measures every mutant, Parallel at a time, in the catalog's order.
func RunAll(ctx context.Context, ms []Mutant, opts Options) []Result {
	results := make([]Result, len(ms))
	next := make(chan int)
	var wg sync.WaitGroup
	var mu sync.Mutex
	done := 0
	for range max(opts.Parallel, 1) {
		wg.Go(func() { // nondeterministic-ok: mutants run in parallel as separate processes; results land by catalog index
			for i := range next {
				results[i] = RunOne(ctx, ms[i], opts)
				mu.Lock()
				done++
				if opts.Progress != nil {
					opts.Progress(done, len(ms), &results[i])
				}
				mu.Unlock()
			}
		})
	}
	for i := range ms {
		next <- i
	}
	close(next)
	wg.Wait()
	return results
}

// RunOne applies one mutant to a fresh copy of the tree, builds it,
// sweeps every scenario over the seeds, shrinks the first failure and, if
// asked, runs the unit tests.
func RunOne(ctx context.Context, m Mutant, opts Options) Result {
	start := time.Now() // nondeterministic-ok: the runner's own wall time per mutant, reported, never a decision
	r := Result{Mutant: m, ScenariosCaught: []string{}, InvariantsCaught: []string{}}
	if err := runOne(ctx, &r, opts); err != nil {
		r.Error = err.Error()
	}
	r.Seconds = time.Since(start).Round(time.Millisecond).Seconds() // nondeterministic-ok: reported only
	return r
}

func runOne(ctx context.Context, r *Result, opts Options) error {
	dir := filepath.Join(opts.Work, r.Name)
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	tree := filepath.Join(dir, "tree")
	if !opts.Keep {
		defer os.RemoveAll(tree)
	}
	if err := Prepare(ctx, opts.Root, tree, &r.Mutant); err != nil {
		return err
	}
	exe := filepath.Join(dir, "faultline")
	if err := Build(ctx, tree, r.Name, "./cmd/faultline", exe); err != nil {
		return err
	}
	out := filepath.Join(dir, "sweep")
	if err := sweep(ctx, exe, opts.Seeds, out); err != nil {
		return err
	}
	records, torn, err := readRecords(filepath.Join(out, "results.jsonl"))
	if err != nil {
		return err
	}
	if torn != nil {
		r.Warnings = append(r.Warnings, torn.String())
	}
	first := tally(r, records)
	if first != nil {
		shrinkFirst(ctx, r, exe, first, opts.ShrinkRuns)
	}
	if opts.UnitTests {
		unitTests(ctx, r, tree)
	}
	return nil
}

// sweep runs the mutant's binary over every scenario. Its exit code says
// only whether a run failed; what matters is the results file.
func sweep(ctx context.Context, exe, seeds, out string) error {
	cmd := exec.CommandContext(ctx, exe, "sweep", "--scenario", "all", "--seeds", seeds,
		"--parallel", "1", "--out", out)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if err != nil && !(errors.As(err, &exit) && exit.ExitCode() == 1) {
		return fmt.Errorf("sweep: %v: %s", err, lastLine(stderr.String()))
	}
	return nil
}

// readRecords reads the sweep's results as the report command does
// (reports.ScanRecordFile): a last line cut short, as a sweep killed
// mid-write leaves, is skipped and returned for a warning; a malformed
// line anywhere else is an error.
func readRecords(path string) ([]reports.RunRecord, *reports.TornTail, error) {
	var rs []reports.RunRecord
	torn, err := reports.ScanRecordFile(path, func(rec *reports.RunRecord) { rs = append(rs, *rec) })
	if err != nil {
		return nil, nil, err
	}
	if len(rs) == 0 {
		return nil, torn, fmt.Errorf("%s: the sweep recorded no runs", path)
	}
	return rs, torn, nil
}

// tally folds the sweep's records into r and returns the first failure:
// the lowest failing seed, in the catalog's first scenario that failed it
// (records come in catalog order per seed range).
func tally(r *Result, records []reports.RunRecord) *reports.RunRecord {
	var first *reports.RunRecord
	for i := range records {
		rec := &records[i]
		r.TotalRuns++
		if rec.Verdict == "pass" {
			continue
		}
		r.FailingRuns++
		r.ScenariosCaught = appendNew(r.ScenariosCaught, rec.Scenario)
		if rec.Error != "" {
			r.InvariantsCaught = appendNew(r.InvariantsCaught, "error")
		}
		for name, status := range rec.Invariants {
			if status != "pass" {
				r.InvariantsCaught = appendNew(r.InvariantsCaught, name)
			}
		}
		if first == nil || rec.Seed < first.Seed {
			first = rec
		}
	}
	slices.Sort(r.InvariantsCaught)
	r.Caught = r.FailingRuns > 0
	if first != nil {
		seed := first.Seed
		r.FirstFailingSeed, r.FirstFailingScenario = &seed, first.Scenario
	}
	return first
}

func appendNew(list []string, s string) []string {
	if slices.Contains(list, s) {
		return list
	}
	return append(list, s)
}

// shrinkPattern is the mutant binary's summary line of a shrink.
var shrinkPattern = regexp.MustCompile(`(?m)^shrunk \S+: (\d+) faults -> (\d+),`)

// shrinkFirst shrinks the first failure's bundle with the mutant's own
// binary and records the fault counts before and after.
func shrinkFirst(ctx context.Context, r *Result, exe string, first *reports.RunRecord, runs int) {
	if first.Bundle == "" {
		r.ShrinkError = "the first failure left no bundle: " + firstNonEmpty(first.Error, "no reason recorded")
		return
	}
	b, err := repro.Read(first.Bundle)
	if err != nil {
		r.ShrinkError = err.Error()
		return
	}
	before := len(b.Schedule.Faults)
	r.FirstFailureFaults = &before
	cmd := exec.CommandContext(ctx, exe, "shrink", "--runs", fmt.Sprint(max(runs, 1)), first.Bundle)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	_ = cmd.Run() // a shrink exits 1: the shrunk bundle still fails
	got := shrinkPattern.FindStringSubmatch(stdout.String())
	if got == nil {
		r.ShrinkError = "shrink: " + firstNonEmpty(lastLine(stderr.String()), "no summary line")
		return
	}
	var after int
	fmt.Sscan(got[2], &after)
	r.ShrunkFaults = &after
}

// unitTests runs the mutated tree's unit tests and records whether they
// fail, and which tests failed (package.TestName). Two kinds of test are
// left out, because they fail for every mutant whatever it does: the
// catalog's own tests (in a mutated tree the mutant's patch is already
// applied, so it no longer applies), and the comparison of pinned trace
// hashes (FAULTLINE_PINNED_HASHES=ignore), which any change of behaviour
// moves; the pinned tests still check that each scenario passes.
func unitTests(ctx context.Context, r *Result, tree string) {
	list := exec.CommandContext(ctx, "go", "list", "./...")
	list.Dir = tree
	pkgs, err := list.Output()
	if err != nil {
		caught := true
		r.UnitTestsCaught = &caught
		r.UnitTestsFailing = []string{"go list: " + err.Error()}
		return
	}
	args := []string{"test", "-short", "-count=1"}
	for _, p := range strings.Fields(string(pkgs)) {
		if p != ModulePath+"/mutants" && p != ModulePath+"/cmd/mutants" {
			args = append(args, p)
		}
	}
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = tree
	cmd.Env = append(os.Environ(), "FAULTLINE_PINNED_HASHES=ignore")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err = cmd.Run()
	caught := err != nil
	r.UnitTestsCaught = &caught
	r.UnitTestsFailing = failingTests(out.String())
	if caught && len(r.UnitTestsFailing) == 0 {
		r.UnitTestsFailing = []string{"go test: " + lastLine(out.String())}
	}
}

// failingTests reads `go test` output for the top-level tests that failed,
// as package.TestName (the package's last element).
func failingTests(out string) []string {
	var failed, names []string
	for _, line := range strings.Split(out, "\n") {
		if name, ok := strings.CutPrefix(line, "--- FAIL: "); ok {
			failed = append(failed, strings.Fields(name)[0])
			continue
		}
		f := strings.Fields(line)
		if len(f) >= 2 && f[0] == "FAIL" && strings.HasPrefix(f[1], ModulePath) {
			pkg := f[1][strings.LastIndex(f[1], "/")+1:]
			if len(failed) == 0 {
				names = appendNew(names, pkg)
			}
			for _, t := range failed {
				names = appendNew(names, pkg+"."+t)
			}
			failed = failed[:0]
		}
	}
	return names
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
