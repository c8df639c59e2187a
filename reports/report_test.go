package reports

import (
	"bytes"
	"encoding/xml"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

func sampleRecords() []RunRecord {
	metrics := func(avail float64, recovery ...float64) *Metrics {
		return &Metrics{OpsOK: 900, Availability: avail, RecoverySeconds: recovery,
			LatencyMs:           LatencySummary{Count: 900, P50: 2, P99: 9, P999: 30, Max: 40},
			LatencyUnderFaultMs: LatencySummary{Count: 100, P50: 3, P99: 250, P999: 400, Max: 410},
			Timeline: []TimelinePoint{{AtSeconds: 0, OpsPerSecond: 300, P99Ms: 5}, {AtSeconds: 1, OpsPerSecond: 120, P99Ms: 250},
				{AtSeconds: 2, OpsPerSecond: 310, P99Ms: 6}},
			FaultSpans: []FaultSpan{{Description: "crash n2 <script>", StartSeconds: 0.8, EndSeconds: 1.6}}}
	}
	pass := map[string]string{"linearizability": "pass", "durability": "pass"}
	return []RunRecord{
		{Scenario: "leader-crash", Seed: 1, Verdict: "pass", TraceHash: "aaaa", Invariants: pass, Metrics: metrics(1, 0.2)},
		{Scenario: "leader-crash", Seed: 2, Verdict: "fail", TraceHash: "bbbb", Repro: "faultline run --scenario leader-crash --seed 2",
			Invariants: map[string]string{"linearizability": "fail", "durability": "pass"}, Metrics: metrics(0.9, 0.4)},
		{Scenario: "baseline", Seed: 1, Verdict: "pass", TraceHash: "cccc", Invariants: pass, Metrics: metrics(1)},
	}
}

var sampleInfo = map[string]ScenarioInfo{
	"leader-crash": {Name: "leader-crash", Summary: "the leader crashes", Models: "loss of the primary", RecoveryBoundS: 0.3, MinAvailability: 0.95},
	"baseline":     {Name: "baseline", Summary: "no faults", Models: "an ordinary day", RecoveryBoundS: 2, MinAvailability: 0.6},
}

func TestBuildAggregatesVerdictsAndTolerances(t *testing.T) {
	r := Build(sampleRecords(), sampleInfo, Evidence{Revision: "abc"})
	if r.Runs != 3 || r.Failed != 1 || len(r.Scenarios) != 2 {
		t.Fatalf("report %+v", r)
	}
	lc := r.Scenarios[1]
	if lc.Name != "leader-crash" || lc.Verdict != "fail" || lc.RecoveryMaxS != 0.4 || lc.AvailabilityMin != 0.9 {
		t.Fatalf("leader-crash %+v", lc)
	}
	if len(lc.Breaches) != 2 || len(lc.FailingSeeds) != 1 || lc.FailingSeeds[0].Seed != 2 {
		t.Fatalf("breaches %v failing %v", lc.Breaches, lc.FailingSeeds)
	}
	if r.Scenarios[0].Verdict != "pass" {
		t.Fatalf("baseline %+v", r.Scenarios[0])
	}
}

func TestRenderersProduceTheSameContent(t *testing.T) {
	r := Build(sampleRecords(), sampleInfo, Evidence{Revision: "abc123", BinarySHA256: "feed"})
	var md, html, junit bytes.Buffer
	if err := WriteMarkdown(&md, &r); err != nil {
		t.Fatal(err)
	}
	if err := WriteHTML(&html, &r); err != nil {
		t.Fatal(err)
	}
	if err := WriteJUnit(&junit, &r); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"leader-crash", "faultline run --scenario leader-crash --seed 2", "abc123", "feed", "What a simulation cannot show"} {
		if !strings.Contains(md.String(), want) || !strings.Contains(html.String(), want) {
			t.Errorf("%q missing from the Markdown or the HTML", want)
		}
	}
	if strings.Contains(html.String(), "<script>") {
		t.Error("a fault description reached the HTML unescaped")
	}
	if strings.Contains(html.String(), "http://") || strings.Contains(html.String(), "https://") {
		t.Error("the HTML refers to the network; it must be self-contained")
	}
	var suites junitSuites
	if err := xml.Unmarshal(junit.Bytes(), &suites); err != nil || suites.Tests != 5 || suites.Failures != 2 {
		t.Fatalf("junit %+v: %v", suites, err)
	}
}

// TestJUnitNamesEveryInvariantAndFailsTheOneThatBroke: a CI reporter must
// list each invariant checked, and the failure must sit on the invariant
// that broke, with the seed's repro command, not on the scenario as a whole.
func TestJUnitNamesEveryInvariantAndFailsTheOneThatBroke(t *testing.T) {
	r := Build(sampleRecords(), sampleInfo, Evidence{})
	var junit bytes.Buffer
	if err := WriteJUnit(&junit, &r); err != nil {
		t.Fatal(err)
	}
	var suites junitSuites
	if err := xml.Unmarshal(junit.Bytes(), &suites); err != nil {
		t.Fatal(err)
	}
	failed := map[string]string{}
	var names []string
	for _, s := range suites.Suites {
		if s.Tests != len(s.Cases) {
			t.Errorf("suite %s counts %d tests for %d cases", s.Name, s.Tests, len(s.Cases))
		}
		for _, c := range s.Cases {
			names = append(names, c.Name)
			if c.Failure != nil {
				failed[c.Name] = c.Failure.Message + "\n" + c.Failure.Body
			}
		}
	}
	want := []string{"leader-crash: durability (seeds 1-2)", "leader-crash: linearizability (seeds 1-2)", "leader-crash: impact tolerances",
		"baseline: durability (seeds 1-1)", "baseline: linearizability (seeds 1-1)"}
	for _, w := range want {
		if !slices.Contains(names, w) {
			t.Errorf("no test case %q in %v", w, names)
		}
	}
	lin := failed["leader-crash: linearizability (seeds 1-2)"]
	if !strings.Contains(lin, "1 of 2 runs") || !strings.Contains(lin, "faultline run --scenario leader-crash --seed 2") {
		t.Errorf("the linearizability failure says %q", lin)
	}
	if _, ok := failed["leader-crash: durability (seeds 1-2)"]; ok {
		t.Error("durability held in every run but its case failed")
	}
	if _, ok := failed["leader-crash: impact tolerances"]; !ok {
		t.Error("the breached tolerances did not fail their case")
	}
}

// TestReportRendersInHeadlessChromium loads the HTML report in Debian's
// Chromium, checks that it logs no console errors and that what a reader
// needs is in the rendered page (see pageProblems), checks that a broken
// page fails those checks, and keeps a screenshot as a test artifact.
func TestReportRendersInHeadlessChromium(t *testing.T) {
	browser := findChromium()
	if browser == "" {
		if os.Getenv("FAULTLINE_REQUIRE_CHROMIUM") != "" {
			t.Fatal("chromium is required here (FAULTLINE_REQUIRE_CHROMIUM) but not installed")
		}
		t.Skip("chromium not installed (apt-get install chromium); CI installs it")
	}
	dir := t.TempDir()
	page := filepath.Join(dir, "report.html")
	good := renderedSample(t, dir)
	if err := os.WriteFile(page, good, 0o644); err != nil {
		t.Fatal(err)
	}
	dom, logs := runChromium(t, browser, dir, "--dump-dom", "file://"+page)
	for _, line := range strings.Split(logs, "\n") {
		if strings.Contains(line, "CONSOLE") || strings.Contains(line, "Uncaught") {
			t.Errorf("console: %s", line)
		}
	}
	if problems := pageProblems(dom); len(problems) > 0 {
		t.Fatalf("the rendered page lacks:\n%s\n%.3000s", strings.Join(problems, "\n"), dom)
	}
	// The negative check: a page whose charts are gone, or cut short as a
	// template that fails halfway leaves it, must fail the same checks.
	charts := regexp.MustCompile(`(?s)<svg class="chart".*?</svg>`)
	broken := map[string][]byte{
		"no-charts.html": charts.ReplaceAll(good, nil),
		"cut-short.html": good[:len(good)/2],
	}
	for _, name := range []string{"cut-short.html", "no-charts.html"} {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, broken[name], 0o644); err != nil {
			t.Fatal(err)
		}
		if dom, _ := runChromium(t, browser, dir, "--dump-dom", "file://"+path); len(pageProblems(dom)) == 0 {
			t.Errorf("%s passed the checks of a whole page", name)
		}
	}
	artifacts := os.Getenv("FAULTLINE_ARTIFACTS")
	if artifacts == "" {
		artifacts = filepath.Join(os.TempDir(), "faultline-artifacts")
	}
	if err := os.MkdirAll(artifacts, 0o755); err != nil {
		t.Fatal(err)
	}
	shot := filepath.Join(artifacts, "report.png")
	runChromium(t, browser, dir, "--screenshot="+shot, "--window-size=1100,1400", "file://"+page)
	if info, err := os.Stat(shot); err != nil || info.Size() < 10_000 {
		t.Fatalf("no screenshot at %s: %v", shot, err)
	}
	t.Logf("screenshot: %s", shot)
}

// renderedSample is the sample report as HTML written into dir, with a
// failing seed whose bundle (and Porcupine page) exists under dir and
// whose convergence broke at a known time.
func renderedSample(t *testing.T, dir string) []byte {
	t.Helper()
	bundle := filepath.Join(dir, "results", "bundles", "leader-crash-seed2")
	if err := os.MkdirAll(bundle, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, body := range map[string]string{"bundle.json": `{"visualization": "linearizability.html"}`, "linearizability.html": "<html></html>"} {
		if err := os.WriteFile(filepath.Join(bundle, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	recs := sampleRecords()
	for i := range recs { // in 100 ms buckets, as records are written now
		recs[i].Metrics.Timeline = nil
		recs[i].Metrics.TimelineBuckets = &TimelineBuckets{WidthMs: 100, Completed: []int{30, 31, 12, 0, 0, 9, 29, 30}, P99Ms: []float64{5, 6, 250, 0, 0, 180, 7, 6}}
	}
	recs[1].Bundle = "results/bundles/leader-crash-seed2"
	recs[1].ViolatedAtSeconds = map[string]float64{"linearizability": 1.25}
	info := maps.Clone(sampleInfo)
	lc := info["leader-crash"]
	lc.LatencyP99BoundMs = 300
	info["leader-crash"] = lc
	r := Build(recs, info, Evidence{Revision: "abc"})
	LinkBundles(&r, dir, []string{filepath.Join(dir, "results")}, func(verb, d string) string { return "faultline " + verb + " " + d })
	var buf bytes.Buffer
	if err := WriteHTML(&buf, &r); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// pageProblems lists what a reader needs that the rendered sample page
// (as Chromium's DOM) lacks: both charts with their title, legend, axis
// titles with units and tick labels, the fault band's label, the mark
// where an invariant broke, the p99 tolerance in the summary, the metric
// definitions, and the failing seed's links and commands.
func pageProblems(dom string) []string {
	tick := regexp.MustCompile(`<text class="tick"[^>]*>[0-9.]+</text>`)
	checks := []struct {
		what string
		ok   bool
	}{
		{"two charts", strings.Count(dom, `<svg class="chart"`) == 2},
		{"a chart title naming the seed and the window", strings.Contains(dom, "Seed 2: throughput and p99 latency over simulated time (100 ms windows)")},
		{"a legend", strings.Count(dom, "p99 latency (right axis)") == 2},
		{"the x axis title", strings.Count(dom, "simulated time (s)") == 2},
		{"the throughput axis title", strings.Count(dom, "throughput (ops/s)") == 2},
		{"the latency axis title", strings.Count(dom, "p99 latency (ms)") == 2},
		{"tick labels on every axis", len(tick.FindAllString(dom, -1)) >= 2*(3+3+3)},
		{"throughput bars and a latency line", strings.Contains(dom, `class="ops"`) && strings.Contains(dom, `class="p99"`)},
		{"the fault band's label", strings.Contains(dom, `class="fault-label"`) && strings.Contains(dom, "F1: crash n2 &lt;script&gt;")},
		{"the violation marker", strings.Contains(dom, `class="violation-line"`) && strings.Contains(dom, "linearizability broke at 1.25s")},
		{"which seed is shown and why", strings.Contains(dom, "Run shown: seed 2.") && strings.Contains(dom, "because it failed (linearizability)")},
		{"the p99 tolerance beside the p99", strings.Contains(dom, "9.0ms (300ms)")},
		{"the metric definitions", strings.Contains(dom, `id="definitions"`) && strings.Contains(dom, "<dt>Availability</dt>") && strings.Contains(dom, "<dt>Acknowledged transfers lost (RPO)</dt>")},
		{"failing seeds grouped by invariant", strings.Contains(dom, `id="failing-seeds"`) && strings.Contains(dom, `href="#scenario-leader-crash-seed-2"`)},
		{"the bundle link", strings.Contains(dom, `class="bundle-link" href="results/bundles/leader-crash-seed2/"`)},
		{"the visualization link", strings.Contains(dom, `class="visualization-link" href="results/bundles/leader-crash-seed2/linearizability.html"`)},
		{"the next commands", strings.Contains(dom, "faultline run --scenario leader-crash --seed 2") && strings.Contains(dom, "faultline shrink ")},
		{"the page's end (the evidence)", strings.Contains(dom, `id="evidence"`) && strings.Contains(dom, "binary SHA-256")},
	}
	var out []string
	for _, c := range checks {
		if !c.ok {
			out = append(out, "- "+c.what)
		}
	}
	return out
}

func findChromium() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	return ""
}

// runChromium runs headless Chromium with the flags our machines need (no
// sandbox as root, no background networking on a closed network) and
// returns its stdout and its log.
func runChromium(t *testing.T, browser, dir string, args ...string) (string, string) {
	t.Helper()
	base := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir=" + filepath.Join(dir, "profile"), "--enable-logging=stderr", "--v=0"}
	cmd := exec.Command(browser, append(base, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	done := make(chan error, 1)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("chromium: %v\n%s", err, stderr.String())
		}
	case <-time.After(60 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatal("chromium did not finish in 60s")
	}
	return stdout.String(), stderr.String()
}
