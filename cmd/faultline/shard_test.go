package main

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Merging the shards of a sweep gives the same results as the unsharded
// sweep: every run once, the same verdicts and the same trace hashes (wall
// times aside, which measure the machine, not the run).
func TestMergedShardsEqualOneSweep(t *testing.T) {
	dir := t.TempDir()
	whole := filepath.Join(dir, "whole")
	args := []string{"sweep", "--scenario", "leader-crash", "--seeds", "1-5", "--parallel", "2"}
	if code, out, errOut := runCLI(append(args, "--out", whole)...); code != exitPass {
		t.Fatalf("sweep: %d\n%s\n%s", code, out, errOut)
	}
	var shards []string
	for _, s := range []string{"0/3", "1/3", "2/3"} {
		out := filepath.Join(dir, "shard"+s[:1])
		shards = append(shards, out)
		if code, stdout, _ := runCLI(append(args, "--shard", s, "--out", out)...); code != exitPass {
			t.Fatalf("shard %s: %d\n%s", s, code, stdout)
		}
	}
	merged := filepath.Join(dir, "merged")
	if code, out, errOut := runCLI("report", "--in", shards[0]+","+shards[1], "--in", shards[2], "--out", merged); code != exitPass {
		t.Fatalf("report: %d\n%s\n%s", code, out, errOut)
	}
	want, got := normalizedResults(t, filepath.Join(whole, "results.jsonl")), normalizedResults(t, filepath.Join(merged, "results.jsonl"))
	if !bytes.Equal(want, got) {
		t.Fatalf("merged shards differ from the whole sweep:\n%s\nvs\n%s", got, want)
	}
	// Merging a shard twice would count its runs twice: refused.
	if code, _, errOut := runCLI("report", "--in", shards[0], "--in", shards[0], "--out", filepath.Join(dir, "dup")); code != exitUsage {
		t.Fatalf("a duplicated shard was accepted: %s", errOut)
	}
	// The merge streams its inputs, so writing the report into an input
	// directory must not truncate the results file it is still reading.
	if code, out, errOut := runCLI("report", "--in", shards[0], "--in", shards[1], "--in", shards[2], "--out", shards[0]); code != exitPass {
		t.Fatalf("report into an input: %d\n%s\n%s", code, out, errOut)
	}
	if got := normalizedResults(t, filepath.Join(shards[0], "results.jsonl")); !bytes.Equal(want, got) {
		t.Fatalf("a report written over an input lost runs:\n%s", got)
	}
}

// normalizedResults re-encodes a results file without wall times.
func normalizedResults(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	for _, line := range bytes.Split(bytes.TrimSpace(data), []byte("\n")) {
		var m map[string]any
		if err := json.Unmarshal(line, &m); err != nil {
			t.Fatal(err)
		}
		delete(m, "wall_seconds")
		delete(m, "cpu_seconds")
		b, _ := json.Marshal(m)
		out.Write(append(b, '\n'))
	}
	return out.Bytes()
}

// The sweep commands in examples/ take flags this build accepts, so the
// ready-made setups do not rot as the CLI changes.
func TestExampleSweepCommandsParse(t *testing.T) {
	files, _ := filepath.Glob("../../examples/*/*.y*ml")
	if len(files) == 0 {
		t.Fatal("no example files found")
	}
	shell := strings.NewReplacer(`"${JOB_COMPLETION_INDEX}`, "0", "${JOB_COMPLETION_INDEX}", "0",
		"${{ matrix.shard }}", "0", `"`, "", ";", " ")
	found := 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		// A command may be folded over several YAML lines: join each
		// "faultline sweep" with the indented lines that continue it.
		lines := strings.Split(string(data), "\n")
		for i, line := range lines {
			at := strings.Index(line, "faultline sweep ")
			if at < 0 || strings.HasPrefix(strings.TrimSpace(line), "#") {
				continue
			}
			cmd := line[at:]
			for j := i + 1; j < len(lines) && strings.HasPrefix(strings.TrimSpace(lines[j]), "--"); j++ {
				cmd += " " + strings.TrimSpace(lines[j])
			}
			cmd, _, _ = strings.Cut(shell.Replace(cmd), "||")
			cmd, _, _ = strings.Cut(cmd, " code=")
			args := strings.Fields(cmd)[2:]
			if _, err := parseSweepFlags(args, io.Discard); err != nil {
				t.Errorf("%s: %q: %v", f, cmd, err)
			}
			found++
		}
	}
	if found < 2 {
		t.Fatalf("found %d sweep commands in the examples, want the Kubernetes and GitHub Actions ones", found)
	}
}
