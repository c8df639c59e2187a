package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/faultline/faultline/reports"
	"github.com/faultline/faultline/scenarios/sweep"
)

// With --json, stdout is JSON lines and nothing else, one record per run,
// so that `faultline sweep --json | jq` works; progress, the summary and
// the fault-effect totals go to stderr.
func TestSweepJSONPrintsOnlyRecordsOnStdout(t *testing.T) {
	code, out, errOut := runCLI("sweep", "--scenario", "leader-crash", "--seeds", "1-2", "--json")
	if code != exitPass {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	lines := bufio.NewScanner(strings.NewReader(out))
	n := 0
	for lines.Scan() {
		dec := json.NewDecoder(bytes.NewReader(lines.Bytes()))
		dec.DisallowUnknownFields()
		var rec reports.RunRecord
		if err := dec.Decode(&rec); err != nil || dec.More() || rec.Scenario != "leader-crash" {
			t.Fatalf("stdout line %d is not one run record: %v\n%s", n+1, err, lines.Text())
		}
		n++
	}
	if n != 2 {
		t.Fatalf("%d records on stdout, want 2:\n%s", n, out)
	}
	for _, want := range []string{"sweep: 2 runs, 0 failed", "PASS leader-crash", "faults that took effect / applied:"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
}

// A sweep never overwrites an output directory: one that holds anything,
// an earlier sweep's results above all, is refused without being touched.
func TestSweepRefusesANonEmptyOut(t *testing.T) {
	dir := t.TempDir()
	done := filepath.Join(dir, "done")
	if code, _, errOut := runCLI("sweep", "--scenario", "baseline", "--seeds", "1", "--out", done); code != exitPass {
		t.Fatalf("first sweep: exit %d\n%s", code, errOut)
	}
	before, _ := os.ReadFile(filepath.Join(done, sweep.ResultsFile))
	other := filepath.Join(dir, "other")
	if err := os.MkdirAll(other, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(other, "notes.txt"), []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, out := range []string{done, other} {
		code, _, errOut := runCLI("sweep", "--scenario", "baseline", "--seeds", "1-2", "--out", out)
		if code != exitUsage || !strings.Contains(errOut, "not empty") || !strings.Contains(errOut, "--resume") {
			t.Errorf("--out %s: exit %d, stderr %q", out, code, errOut)
		}
	}
	after, _ := os.ReadFile(filepath.Join(done, sweep.ResultsFile))
	if !bytes.Equal(before, after) || len(before) == 0 {
		t.Fatal("a refused sweep changed the results it refused to overwrite")
	}
	if _, err := os.Stat(filepath.Join(other, sweep.ResultsFile)); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("a refused sweep wrote into the directory")
	}
	// An empty directory is a fine place for a new sweep.
	empty := filepath.Join(dir, "empty")
	if err := os.MkdirAll(empty, 0o755); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := runCLI("sweep", "--scenario", "baseline", "--seeds", "1", "--out", empty); code != exitPass {
		t.Fatalf("an empty --out: exit %d\n%s", code, errOut)
	}
}

// A sweep interrupted midway, whose last line a crash then tore, and
// resumed gives the same records as a sweep that ran through: every job
// once, the same verdicts and trace hashes. A resume of a different sweep
// is refused.
func TestAnInterruptedSweepResumesToTheSameRecords(t *testing.T) {
	dir := t.TempDir()
	args := []string{"--scenario", "leader-crash", "--seeds", "1-6", "--parallel", "2"}
	whole := filepath.Join(dir, "whole")
	if code, _, errOut := runCLI(append(append([]string{"sweep"}, args...), "--out", whole)...); code != exitPass {
		t.Fatalf("uninterrupted sweep: exit %d\n%s", code, errOut)
	}

	cut := filepath.Join(dir, "cut")
	f, err := parseSweepFlags(append(args, "--out", cut), &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	go cancelAfterRecords(ctx, cancel, filepath.Join(cut, sweep.ResultsFile), 2)
	var stdout, stderr bytes.Buffer
	code := runSweep(ctx, f, &stdout, &stderr)
	cancel()
	recorded := len(recordsIn(t, cut))
	if code != exitInterrupted || recorded < 2 || recorded >= 6 {
		t.Fatalf("interrupted sweep: exit %d, %d of 6 recorded\n%s", code, recorded, stderr.String())
	}
	if !strings.Contains(stderr.String(), "resume with: faultline sweep --scenario leader-crash --seeds 1-6 --parallel 2 --out "+cut+" --resume") {
		t.Fatalf("no resume command:\n%s", stderr.String())
	}

	// The machine then crashed mid-write: half a record at the end.
	results := filepath.Join(cut, sweep.ResultsFile)
	data, _ := os.ReadFile(results)
	firstLine, _, _ := bytes.Cut(data, []byte("\n"))
	appendBytes(t, results, firstLine[:len(firstLine)/2])

	if code, _, errOut := runCLI("sweep", "--out", cut, "--resume", "--seeds", "1-7"); code != exitUsage || !strings.Contains(errOut, "seeds 1-6, not 1-7") {
		t.Fatalf("a mismatched resume: exit %d\n%s", code, errOut)
	}
	code, _, errOut := runCLI("sweep", "--out", cut, "--resume", "--parallel", "2")
	if code != exitPass || !strings.Contains(errOut, "cut short") || !strings.Contains(errOut, "to run") {
		t.Fatalf("resume: exit %d\n%s", code, errOut)
	}
	want, got := normalizedResults(t, filepath.Join(whole, sweep.ResultsFile)), sortedNormalized(t, results)
	if !bytes.Equal(want, got) {
		t.Fatalf("interrupted and resumed:\n%s\nran through:\n%s", got, want)
	}
}

// SIGTERM (as Kubernetes sends it) or SIGINT stops a sweep: the worker
// processes are stopped, the records that finished are kept whole, and it
// says how to resume; the exit code is 128 plus the signal's number.
func TestASignalStopsTheSweepAndSaysHowToResume(t *testing.T) {
	if _, err := os.Stat("/proc/self/cmdline"); err != nil {
		t.Skip("needs /proc to see the worker processes")
	}
	out := filepath.Join(t.TempDir(), "out")
	cmd := exec.Command(os.Args[0], "sweep", "--scenario", "leader-crash", "--seeds", "1-60", "--parallel", "2", "--out", out)
	cmd.Env = append(os.Environ(), cliEnv+"=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cancelAfterRecords(ctx, func() {}, filepath.Join(out, sweep.ResultsFile), 1)
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	err := cmd.Wait()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 128+int(syscall.SIGTERM) {
		t.Fatalf("exit %v, want %d\n%s", err, 128+int(syscall.SIGTERM), stderr.String())
	}
	if !strings.Contains(stderr.String(), "interrupted by SIGTERM") || !strings.Contains(stderr.String(), "resume with: faultline sweep") {
		t.Fatalf("stderr:\n%s", stderr.String())
	}
	if n := len(recordsIn(t, out)); n == 0 || n == 60 {
		t.Fatalf("%d of 60 records kept", n)
	}
	if left := processesNamed(t, "--bundles\x00"+filepath.Join(out, "bundles")); len(left) > 0 {
		t.Fatalf("worker processes outlived the sweep: %v", left)
	}
}

// cancelAfterRecords calls cancel once the results file holds n records,
// or when ctx ends.
func cancelAfterRecords(ctx context.Context, cancel func(), path string, n int) {
	for ctx.Err() == nil {
		if data, err := os.ReadFile(path); err == nil && bytes.Count(data, []byte("\n")) >= n {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
}

// recordsIn reads a sweep's results, refusing a torn line: a sweep writes
// whole records, interrupted or not.
func recordsIn(t *testing.T, dir string) []reports.RunRecord {
	t.Helper()
	var out []reports.RunRecord
	torn, err := reports.ScanRecordFile(filepath.Join(dir, sweep.ResultsFile), func(r *reports.RunRecord) { out = append(out, *r) })
	if err != nil || torn != nil {
		t.Fatalf("results: %v, torn %v", err, torn)
	}
	return out
}

// sortedNormalized is normalizedResults of a file in any order, sorted as
// a sweep writes it.
func sortedNormalized(t *testing.T, path string) []byte {
	t.Helper()
	var recs []reports.RunRecord
	if _, err := reports.ScanRecordFile(path, func(r *reports.RunRecord) { recs = append(recs, *r) }); err != nil {
		t.Fatal(err)
	}
	reports.SortRecords(recs)
	var b bytes.Buffer
	for i := range recs {
		_ = reports.WriteRecord(&b, &recs[i])
	}
	sorted := filepath.Join(t.TempDir(), "sorted.jsonl")
	if err := os.WriteFile(sorted, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return normalizedResults(t, sorted)
}

func appendBytes(t *testing.T, path string, b []byte) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Write(b); err != nil {
		t.Fatal(err)
	}
}

// processesNamed lists the processes whose command line contains part
// (arguments separated by NUL bytes, as /proc has them).
func processesNamed(t *testing.T, part string) []string {
	t.Helper()
	paths, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	var out []string
	for _, p := range paths {
		if b, err := os.ReadFile(p); err == nil && bytes.Contains(b, []byte(part)) {
			out = append(out, strings.ReplaceAll(string(b), "\x00", " "))
		}
	}
	return out
}

// --resume needs a sweep to finish: an --out, holding a sweep.json.
func TestResumeNeedsASweepToFinish(t *testing.T) {
	empty := t.TempDir()
	cases := map[string][]string{
		"no --out":       {"sweep", "--resume"},
		"no sweep there": {"sweep", "--resume", "--out", empty},
		"no directory":   {"sweep", "--resume", "--out", filepath.Join(empty, "missing")},
	}
	for name, args := range cases {
		if code, _, errOut := runCLI(args...); code != exitUsage || !strings.Contains(errOut, "resume") {
			t.Errorf("%s: exit %d, stderr %q", name, code, errOut)
		}
	}
}
