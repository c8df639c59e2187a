package mutants

import (
	"bytes"
	"context"
	"errors"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

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
	t.Logf("seed %s: %d faults shrunk to %d", failing[1], len(full.Schedule.Faults), len(shrunk.Schedule.Faults))
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
