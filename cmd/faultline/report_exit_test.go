package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/faultline/faultline/reports"
	"github.com/faultline/faultline/scenarios/sweep"
)

// writeSweepDir writes records as a sweep's output directory would hold
// them, with a manifest that says when the sweep started, and returns it.
func writeSweepDir(t *testing.T, recs []reports.RunRecord, tail string) string {
	t.Helper()
	dir := t.TempDir()
	var b bytes.Buffer
	for i := range recs {
		if err := reports.WriteRecord(&b, &recs[i]); err != nil {
			t.Fatal(err)
		}
	}
	b.WriteString(tail)
	if err := os.WriteFile(filepath.Join(dir, sweep.ResultsFile), b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	m, _ := json.Marshal(sweep.Manifest{Scenarios: []string{"baseline"}, Seeds: "1-2", Shard: "0/1", StartedAt: "2026-02-03T04:05:06Z"})
	if err := os.WriteFile(filepath.Join(dir, sweep.ManifestFile), m, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// baselineRun is a baseline run that passed, well within its tolerances.
func baselineRun(seed uint64) reports.RunRecord {
	return reports.RunRecord{Scenario: "baseline", Seed: seed, Verdict: "pass", TraceHash: "feed",
		Invariants: map[string]string{"linearizability": "pass"},
		Metrics:    &reports.Metrics{OpsOK: 100, Availability: 1, LatencyMs: reports.LatencySummary{Count: 100, P50: 2, P99: 5, Max: 6}}}
}

// `faultline report` gates CI: 0 when every run passed and every impact
// tolerance held, 1 when a run failed or a tolerance was breached (0 with
// --no-fail, for a report that is only read), 2 when its input is bad. It
// writes the report in every case it can.
func TestReportExitCodes(t *testing.T) {
	failed := baselineRun(2)
	failed.Verdict = "fail"
	failed.Invariants = map[string]string{"linearizability": "fail"}
	breached := baselineRun(2)
	breached.Metrics.Availability = 0.2 // tolerance 60%
	torn := `{"scenario":"baseline","seed":3,"verd`
	missing := filepath.Join(t.TempDir(), "missing")
	cases := []struct {
		name    string
		in      string
		flags   []string
		want    int
		stderr  string
		written bool
	}{
		{"every run passed", writeSweepDir(t, []reports.RunRecord{baselineRun(1), baselineRun(2)}, ""), nil, exitPass, "", true},
		{"a run failed", writeSweepDir(t, []reports.RunRecord{baselineRun(1), failed}, ""), nil, exitViolated, "", true},
		{"a run failed, --no-fail", writeSweepDir(t, []reports.RunRecord{baselineRun(1), failed}, ""), []string{"--no-fail"}, exitPass, "", true},
		{"a tolerance breached", writeSweepDir(t, []reports.RunRecord{baselineRun(1), breached}, ""), nil, exitViolated, "", true},
		{"a tolerance breached, --no-fail", writeSweepDir(t, []reports.RunRecord{breached}, ""), []string{"--no-fail"}, exitPass, "", true},
		{"a torn last line", writeSweepDir(t, []reports.RunRecord{baselineRun(1)}, torn), nil, exitPass, "line 2 is cut short", true},
		{"a corrupted line", writeSweepDir(t, []reports.RunRecord{baselineRun(1)}, torn+"\n"+`{"scenario":"baseline","seed":4,"verdict":"pass"}`+"\n"), nil, exitUsage, "line 2", false},
		{"no records", writeSweepDir(t, nil, ""), nil, exitUsage, "no run records", false},
		{"missing results", missing, nil, exitUsage, "no such file", false},
		{"an unknown flag", writeSweepDir(t, []reports.RunRecord{baselineRun(1)}, ""), []string{"--fail-never"}, exitUsage, "unknown flag --fail-never", false},
		{"--no-fail does not hide bad input", missing, []string{"--no-fail"}, exitUsage, "no such file", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "report")
			code, _, errOut := runCLI(append([]string{"report", "--in", tc.in, "--out", out}, tc.flags...)...)
			if code != tc.want || !strings.Contains(errOut, tc.stderr) {
				t.Fatalf("exit %d, want %d; stderr %q, want %q in it", code, tc.want, errOut, tc.stderr)
			}
			if _, err := os.Stat(filepath.Join(out, "report.json")); (err == nil) != tc.written {
				t.Fatalf("report.json written: %v, want %v", err == nil, tc.written)
			}
		})
	}
}

// report.json says the verdict at its top, and junit.xml's timestamp is
// the sweep's start (from its manifest), not the clock at rendering.
func TestReportWritesItsVerdictAndTheSweepsStart(t *testing.T) {
	failed := baselineRun(2)
	failed.Verdict = "fail"
	failed.Invariants = map[string]string{"linearizability": "fail"}
	in := writeSweepDir(t, []reports.RunRecord{baselineRun(1), failed}, "")
	out := filepath.Join(t.TempDir(), "report")
	if code, _, errOut := runCLI("report", "--in", in, "--out", out); code != exitViolated {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	b, err := os.ReadFile(filepath.Join(out, "report.json"))
	if err != nil {
		t.Fatal(err)
	}
	var top struct {
		Verdict       string `json:"verdict"`
		SchemaVersion int    `json:"schema_version"`
	}
	if err := json.Unmarshal(b, &top); err != nil || top.Verdict != "fail" || top.SchemaVersion != reports.ReportSchemaVersion {
		t.Fatalf("report.json top: %+v, %v", top, err)
	}
	junit, err := os.ReadFile(filepath.Join(out, "junit.xml"))
	if err != nil || !strings.Contains(string(junit), `timestamp="2026-02-03T04:05:06"`) {
		t.Fatalf("junit.xml: %v\n%s", err, junit)
	}
}
