package mutants

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/faultline/faultline/scenarios"
	"github.com/faultline/faultline/scenarios/repro"
)

// The whole loop an engineer with a red build goes through, on a bug
// planted the only way there is, as a mutant's build: a sweep of the
// mutant finds it, writes and shrinks its failure bundle, the shrunk
// bundle keeps fewer faults and still fails, both replay with their trace
// hashes on the mutant's binary, and the real binary refuses to replay
// them (on the real code they would pass and hide the failure).
func TestAMutantIsFoundShrunkAndReplayed(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a mutated tree and sweeps it: skipped in -short mode")
	}
	r := root(t)
	work := t.TempDir()
	buggy := filepath.Join(work, "faultline-commit-without-quorum")
	if err := BuildBinary(context.Background(), r, work, "commit-without-quorum", "./cmd/faultline", buggy); err != nil {
		t.Fatal(err)
	}
	real := filepath.Join(work, "faultline")
	build := exec.Command("go", "build", "-o", real, "./cmd/faultline")
	build.Dir = r
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build faultline: %v\n%s", err, out)
	}
	out := filepath.Join(work, "sweep")
	code, stdout, _ := runExe(t, buggy, "sweep", "--scenario", "minority-partition", "--seeds", "1-8",
		"--parallel", "1", "--out", out, "--shrink")
	failing := regexp.MustCompile(`failing: minority-partition seed (\d+) `).FindStringSubmatch(stdout)
	if code != 1 || failing == nil || !strings.Contains(stdout, "go run ./cmd/mutants build") {
		t.Fatalf("the sweep did not find the planted bug, or its repro command does not rebuild the mutant: exit %d\n%s", code, stdout)
	}
	bundle := filepath.Join(out, "bundles", "minority-partition-seed"+failing[1])
	full, shrunk := readBundle(t, bundle), readBundle(t, bundle+"-shrunk")
	if full.Mutant != "commit-without-quorum" || len(shrunk.Schedule.Faults) >= len(full.Schedule.Faults) ||
		shrunk.Violations[0].Invariant != full.Violations[0].Invariant {
		t.Fatalf("bundle of mutant %q with %d faults shrunk to %d, failing %s instead of %s", full.Mutant,
			len(full.Schedule.Faults), len(shrunk.Schedule.Faults), shrunk.Violations[0].Invariant, full.Violations[0].Invariant)
	}
	for _, b := range []string{bundle, bundle + "-shrunk"} {
		if code, stdout, _ := runExe(t, buggy, "repro", b); code != 1 || !strings.HasPrefix(stdout, "reproduced: trace hash") {
			t.Errorf("%s does not replay on the mutant: exit %d: %s", b, code, stdout)
		}
		if code, _, stderr := runExe(t, real, "repro", b); code != 2 || !strings.Contains(stderr, "mutant commit-without-quorum") {
			t.Errorf("the real binary replayed %s: exit %d: %s", b, code, stderr)
		}
	}
	t.Chdir(work) // a repro command run as written leaves its bundle in the working directory
	for _, b := range []*repro.Bundle{full, shrunk} {
		mustReproduce(t, buggy, b)
	}
	// run writes the very bundle the sweep wrote for the same run.
	runBundles := filepath.Join(work, "run")
	runExe(t, buggy, "run", "--scenario", "minority-partition", "--seed", failing[1], "--bundles", runBundles)
	fromSweep, err1 := os.ReadFile(filepath.Join(bundle, "bundle.json"))
	fromRun, err2 := os.ReadFile(filepath.Join(runBundles, "minority-partition-seed"+failing[1], "bundle.json"))
	if err1 != nil || err2 != nil || !bytes.Equal(fromSweep, fromRun) {
		t.Errorf("run and sweep wrote different bundles for seed %s (%v, %v):\n%s\n%s", failing[1], err1, err2, fromSweep, fromRun)
	}
	t.Logf("seed %s: %d faults shrunk to %d", failing[1], len(full.Schedule.Faults), len(shrunk.Schedule.Faults))
}

// mustReproduce runs a bundle's stored repro command on the mutant's
// binary (which its build step would make) and checks the verdict and
// trace hash it stores.
func mustReproduce(t *testing.T, buggy string, b *repro.Bundle) {
	t.Helper()
	build, cmd, ok := strings.Cut(b.Repro, " && ")
	args := strings.Fields(cmd) // the paths are temporary directories, without blanks
	if !ok || build != scenarios.MutantBuildCommand(b.Mutant) || len(args) < 2 || args[0] != scenarios.MutantBinary(b.Mutant) {
		t.Errorf("%q does not build and run mutant %s", b.Repro, b.Mutant)
		return
	}
	code, stdout, stderr := runExe(t, buggy, args[1:]...)
	if code != 1 || !strings.Contains(stdout, ": fail\ntrace "+b.TraceHash+" ") {
		t.Errorf("%s: exit %d, want the failure with trace %s:\n%s%s", b.Repro, code, b.TraceHash, stdout, stderr)
	}
}

func readBundle(t *testing.T, dir string) *repro.Bundle {
	t.Helper()
	b, err := repro.Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func runExe(t *testing.T, exe string, args ...string) (int, string, string) {
	t.Helper()
	cmd := exec.Command(exe, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return 0, stdout.String(), stderr.String()
	case errors.As(err, &exit):
		return exit.ExitCode(), stdout.String(), stderr.String()
	}
	t.Fatalf("%s %v: %v", exe, args, err)
	return 0, "", ""
}
