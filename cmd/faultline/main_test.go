package main

import (
	"bytes"
	"encoding/json"
	"github.com/faultline/faultline/scenarios"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func runCLI(args ...string) (code int, stdout, stderr string) {
	var out, errOut bytes.Buffer
	code = run(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestNoArgumentsPrintsHelp(t *testing.T) {
	code, out, _ := runCLI()
	if code != exitPass || !strings.Contains(out, "usage: faultline") {
		t.Fatalf("exit %d, output %q", code, out)
	}
}

func TestRunDefaultsToABuiltInScenario(t *testing.T) {
	code, out, errOut := runCLI("run")
	if code != exitPass || !strings.Contains(out, "scenario leader-crash seed 1: pass") || !strings.Contains(out, "trace ") {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}

func TestRunJSONHasTheDocumentedFields(t *testing.T) {
	code, out, _ := runCLI("run", "--seed", "5", "--json")
	var got map[string]any
	if err := json.Unmarshal([]byte(out), &got); err != nil || code != exitPass {
		t.Fatalf("exit %d, output %q: %v", code, out, err)
	}
	for _, field := range []string{"scenario", "seed", "verdict", "trace_hash", "events", "sim_seconds", "wall_seconds", "cpu_seconds", "invariants"} {
		if _, ok := got[field]; !ok {
			t.Errorf("field %q missing from %s", field, out)
		}
	}
}

func TestSameSeedPrintsSameTraceHash(t *testing.T) {
	_, first, _ := runCLI("run", "--seed", "77")
	_, second, _ := runCLI("run", "--seed", "77")
	if hashOf(first) != hashOf(second) || hashOf(first) == "" {
		t.Fatalf("trace hashes differ: %q vs %q", first, second)
	}
}

func TestBadUsageExitsTwo(t *testing.T) {
	cases := [][]string{
		{"frobnicate"},
		{"run", "--seed", "-3"},
		{"run", "--seed", "banana"},
		{"run", "--no-such-flag"},
		{"run", "--scenario", "no-such-scenario"},
		{"run", "extra"},
		{"run", "--schedule", "/no/such/file.json"},
		{"run", "--parameters", "/no/such/file.json"},
		{"run", "--stop-at", "-1s"},
		{"version", "extra"},
		{"scenarios", "extra"},
		{"sweep", "--seeds", "9-3"},
		{"sweep", "--seeds", "x-3"},
		{"sweep", "--seeds", ""},
		{"sweep", "--scenario", "nope"},
		{"sweep", "--shard", "3/3"},
		{"sweep", "--shard", "a/b"},
		{"sweep", "--parallel", "-1"},
		{"sweep", "--run-timeout", "-1s"},
		{"sweep", "--run-timeout", "soon"},
		{"run", "--plant-bug", "commit-without-quorum"}, // gone: a planted bug is a mutant's build
		{workerCommandName, "--no-such-flag"},
		{workerCommandName, "extra"},
	}
	for _, args := range cases {
		if code, _, errOut := runCLI(args...); code != exitUsage || errOut == "" {
			t.Errorf("%v: exit %d, stderr %q", args, code, errOut)
		}
	}
}

func TestMalformedScheduleIsRejected(t *testing.T) {
	dir := t.TempDir()
	cases := map[string]string{
		"not json":       "{faults: oops",
		"unknown kind":   `{"faults":[{"at":"1s","kind":"meteor","node":"n1"}]}`,
		"unknown node":   `{"faults":[{"at":"1s","kind":"crash","node":"n9"}]}`,
		"unknown field":  `{"faults":[{"at":"1s","kind":"crash","node":"n1","blast":3}]}`,
		"rate above one": `[{"at":"1s","kind":"loss","rate":1.5}]`,
		"bad duration":   `[{"at":"soon","kind":"heal"}]`,
	}
	for name, content := range cases {
		path := filepath.Join(dir, strings.ReplaceAll(name, " ", "-")+".json")
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		if code, _, errOut := runCLI("run", "--schedule", path); code != exitUsage || errOut == "" {
			t.Errorf("%s: exit %d, stderr %q", name, code, errOut)
		}
	}
}

func TestScheduleFileReplays(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.json")
	sched := `{"faults":[{"at":"2s","kind":"crash","node":"n2"},{"at":"3s","kind":"restart","node":"n2"}]}`
	if err := os.WriteFile(path, []byte(sched), 0o644); err != nil {
		t.Fatal(err)
	}
	code, first, _ := runCLI("run", "--scenario", "baseline", "--seed", "3", "--schedule", path)
	_, second, _ := runCLI("run", "--scenario", "baseline", "--seed", "3", "--schedule", path)
	_, plain, _ := runCLI("run", "--scenario", "baseline", "--seed", "3")
	if code != exitPass || hashOf(first) != hashOf(second) || hashOf(first) == hashOf(plain) {
		t.Fatalf("replay: exit %d\n%s\n%s\nwithout schedule:\n%s", code, first, second, plain)
	}
}

func TestScenariosListsTheCatalog(t *testing.T) {
	code, out, _ := runCLI("scenarios")
	if code != exitPass || strings.Count(out, "\n") != len(scenarios.Catalog()) || !strings.Contains(out, "leader-crash") {
		t.Fatalf("exit %d:\n%s", code, out)
	}
}

func TestSweepSummarisesAndWritesResults(t *testing.T) {
	dir := t.TempDir()
	code, out, _ := runCLI("sweep", "--scenario", "leader-crash", "--seeds", "1-3", "--out", dir)
	if code != exitPass || !strings.Contains(out, "sweep: 3 runs, 0 failed") {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	b, err := os.ReadFile(filepath.Join(dir, "results.jsonl"))
	if err != nil || strings.Count(string(b), "\n") != 3 {
		t.Fatalf("results: %v\n%s", err, b)
	}
}

func hashOf(out string) string {
	i := strings.Index(out, "trace ")
	if i < 0 {
		return ""
	}
	return strings.Fields(out[i:])[1]
}

func TestSweepShrinkNeedsOut(t *testing.T) {
	if code, _, _ := runCLI("sweep", "--shrink"); code != exitUsage {
		t.Errorf("--shrink without --out: exit %d", code)
	}
}

// A seed's schedule, printed and replayed from a file, gives the very same
// run as the seed alone.
func TestPrintedScheduleReplaysTheSeedsRun(t *testing.T) {
	code, sched, _ := runCLI("schedule", "--scenario", "swarm", "--seed", "9")
	if code != exitPass || !strings.Contains(sched, `"faults"`) {
		t.Fatalf("exit %d: %s", code, sched)
	}
	path := filepath.Join(t.TempDir(), "swarm-9.json")
	if err := os.WriteFile(path, []byte(sched), 0o644); err != nil {
		t.Fatal(err)
	}
	_, fromSeed, _ := runCLI("run", "--scenario", "swarm", "--seed", "9")
	_, fromFile, _ := runCLI("run", "--scenario", "swarm", "--seed", "9", "--schedule", path)
	if hashOf(fromSeed) == "" || hashOf(fromSeed) != hashOf(fromFile) {
		t.Fatalf("seed gave %q, its printed schedule %q", hashOf(fromSeed), hashOf(fromFile))
	}
}

// TestMain lets the test binary serve as a sweep's worker process, as the
// faultline binary does: sweep starts os.Executable() sweep-worker. With
// cliEnv set it is the faultline command itself, for tests that signal it.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && (os.Args[1] == workerCommandName || os.Getenv(cliEnv) != "") {
		os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// cliEnv makes the test binary run as faultline (see TestMain).
const cliEnv = "FAULTLINE_TEST_AS_CLI"

// TestTheDefaultRunShowsAFaultSurvivedAndWhatToRunNext is the README's
// first command: with no flags, run strikes the cluster with a fault,
// says what it survived, and prints next commands that work as written
// (the trace filter names the node the fault struck).
func TestTheDefaultRunShowsAFaultSurvivedAndWhatToRunNext(t *testing.T) {
	code, out, errOut := runCLI("run")
	if code != exitPass {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	for _, want := range []string{"scenario leader-crash seed 1: pass", "survived: crash n", "0 acknowledged transfers lost",
		"next:", "faultline run --scenario leader-crash --seed 1 --trace run.jsonl", "faultline trace run.jsonl --node n"} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in\n%s", want, out)
		}
	}
	crashed := regexp.MustCompile(`survived: crash (n\d+) at`).FindStringSubmatch(out)
	if crashed == nil || !strings.Contains(out, "trace run.jsonl --node "+crashed[1]+" ") {
		t.Errorf("the trace command does not filter the crashed node:\n%s", out)
	}
}

func TestFaultNodeNamesOneNodeOrNone(t *testing.T) {
	for description, want := range map[string]string{"crash n2": "n2", "isolate (n13)": "n13",
		"partition n4 n1 | n5 n2 n3": "", "heal": "", "clock-jump n3 -5s": "n3"} {
		if got := faultNode(description); got != want {
			t.Errorf("faultNode(%q) = %q, want %q", description, got, want)
		}
	}
}
