package main

import (
	"bytes"
	"encoding/json"
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
	if code != exitPass || !strings.Contains(out, "seed 1: pass") || !strings.Contains(out, "trace ") {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}

func TestRunJSONHasTheDocumentedFields(t *testing.T) {
	code, out, _ := runCLI("run", "--seed", "5", "--json")
	var got map[string]any
	if err := json.Unmarshal([]byte(out), &got); err != nil || code != exitPass {
		t.Fatalf("exit %d, output %q: %v", code, out, err)
	}
	for _, field := range []string{"scenario", "seed", "verdict", "trace_hash", "events", "sim_seconds", "wall_seconds", "invariants"} {
		if _, ok := got[field]; !ok {
			t.Errorf("field %q missing from %s", field, out)
		}
	}
}

func TestSameSeedPrintsSameTraceHash(t *testing.T) {
	_, first, _ := runCLI("run", "--seed", "77")
	_, second, _ := runCLI("run", "--seed", "77")
	hash := func(s string) string { return strings.Fields(s[strings.Index(s, "trace "):])[1] }
	if hash(first) != hash(second) {
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
		{"version", "extra"},
	}
	for _, args := range cases {
		if code, _, errOut := runCLI(args...); code != exitUsage || errOut == "" {
			t.Errorf("%v: exit %d, stderr %q", args, code, errOut)
		}
	}
}
