package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/faultline/faultline/cmd/internal/cli"
	"github.com/faultline/faultline/reports"
	"github.com/faultline/faultline/scenarios"
	"github.com/faultline/faultline/scenarios/repro"
)

// Defaults of `faultline run`: a newcomer sees at once what the harness is
// for, a cluster surviving a fault (the leader crashes mid-traffic and
// comes back), and what to run next.
const (
	defaultScenario = "leader-crash"
	defaultSeed     = 1
)

// runFlags are the flags of `faultline run`.
type runFlags struct {
	scenario   string
	seed       uint64
	schedule   string
	parameters string
	stopAt     time.Duration
	trace      string
	json       bool
	bundles    string
}

func parseRunFlags(args []string, stdout io.Writer) (runFlags, error) {
	var f runFlags
	fs := flag.NewFlagSet("faultline run", flag.ContinueOnError)
	fs.StringVar(&f.scenario, "scenario", defaultScenario, "scenario to run (faultline scenarios lists them)")
	seed := fs.String("seed", strconv.Itoa(defaultSeed), "root seed (unsigned 64-bit integer)")
	fs.StringVar(&f.schedule, "schedule", "", "replay this fault schedule (JSON) instead of the seed's")
	fs.StringVar(&f.parameters, "parameters", "", "set the run's knobs from this JSON file (a bundle's \"parameters\") instead of the seed's draw")
	fs.DurationVar(&f.stopAt, "stop-at", 0, "end client traffic at this simulated time, as a shrunk bundle does (0: the scenario's)")
	fs.StringVar(&f.trace, "trace", "", "write the trace as JSON lines to this file")
	fs.BoolVar(&f.json, "json", false, "print one JSON object instead of text")
	fs.StringVar(&f.bundles, "bundles", "faultline-bundles", "write a failure bundle under this directory on failure (empty: none)")
	if err := parseFlags(fs, args, stdout); err != nil {
		return f, err
	}
	if fs.NArg() > 0 {
		return f, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if _, err := lookupScenario(f.scenario); err != nil {
		return f, err
	}
	s, err := parseSeed(*seed)
	if err != nil {
		return f, err
	}
	f.seed = s
	if f.stopAt < 0 {
		return f, fmt.Errorf("--stop-at must not be negative")
	}
	return f, nil
}

func parseSeed(s string) (uint64, error) {
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("--seed %q is not an unsigned 64-bit integer", s)
	}
	return v, nil
}

func lookupScenario(name string) (*scenarios.Scenario, error) {
	sc, ok := scenarios.Lookup(name)
	if !ok {
		return nil, unknownScenario(name, scenarios.Names())
	}
	return &sc, nil
}

// unknownScenario is the error for a scenario name not in known, with
// the name it is likely a typo of.
func unknownScenario(name string, known []string) error {
	if hint := cli.DidYouMean(name, known); hint != "" {
		return fmt.Errorf("unknown scenario %q%s; faultline scenarios lists them", name, hint)
	}
	return fmt.Errorf("unknown scenario %q (known: %s)", name, strings.Join(known, ", "))
}

func runCommand(args []string, stdout, stderr io.Writer) int {
	f, err := parseRunFlags(args, stdout)
	if err != nil {
		return usageExit("run", err, stderr)
	}
	req := repro.Request{Scenario: f.scenario, Seed: f.seed, ScheduleFile: f.schedule,
		ParametersFile: f.parameters, StopAt: f.stopAt, Bundles: f.bundles}
	if f.trace != "" {
		file, err := os.Create(f.trace)
		if err != nil {
			fmt.Fprintf(stderr, "faultline run: %v\n", err)
			return exitUsage
		}
		defer file.Close()
		req.Trace = file
	}
	ex, err := repro.Execute(req)
	if err != nil {
		fmt.Fprintf(stderr, "faultline run: %v\n", err)
		return exitUsage
	}
	if ex.BundleErr != nil {
		fmt.Fprintf(stderr, "faultline run: %v\n", ex.BundleErr)
	}
	rec := &ex.Record
	if f.json {
		b, _ := json.Marshal(rec) // a record always marshals
		fmt.Fprintln(stdout, string(b))
	} else {
		printRun(stdout, rec)
		if rec.Verdict == "pass" {
			printNext(stdout, rec, req.Invocation())
		}
	}
	if rec.Verdict != "pass" {
		return exitViolated
	}
	return exitPass
}

func printRun(w io.Writer, rec *reports.RunRecord) {
	fmt.Fprintf(w, "scenario %s seed %d: %s\n", rec.Scenario, rec.Seed, rec.Verdict)
	fmt.Fprintf(w, "trace %s  events %d  simulated %.1fs in %.2fs wall, %.2fs CPU\n", rec.TraceHash, rec.Events, rec.SimSeconds,
		rec.WallSeconds, rec.CPUSeconds)
	if m := rec.Metrics; m != nil {
		fmt.Fprintf(w, "ops %d ok, %d unknown (%.1f%%, %d session-expired), %d failed  faults %d  availability %.0f%%  p99 %.1fms\n",
			m.OpsOK, m.OpsUnknown, m.UnknownShare*100, m.SessionsExpired, m.OpsFailed, m.Faults, m.Availability*100, m.LatencyMs.P99)
	}
	if rec.ParametersChanged != "" {
		fmt.Fprintf(w, "parameters: %s\n", rec.ParametersChanged)
	}
	if len(rec.FaultEffects) > 0 {
		fmt.Fprint(w, "fault effects (took effect / applied):")
		for _, kind := range sortedKeys(rec.FaultEffects) {
			e := rec.FaultEffects[kind]
			fmt.Fprintf(w, " %s %d/%d", kind, e.Effective, e.Applied)
		}
		fmt.Fprintln(w)
	}
	printSurvived(w, rec)
	for _, name := range sortedKeys(rec.Invariants) {
		if rec.Invariants[name] != "pass" {
			fmt.Fprintf(w, "  %s: %s\n", name, rec.Invariants[name])
			for _, e := range rec.Evidence[name] {
				fmt.Fprintf(w, "    %s\n", e)
			}
		}
	}
	if rec.Repro != "" {
		fmt.Fprintf(w, "repro: %s\n", rec.Repro)
	}
	if rec.Bundle != "" {
		fmt.Fprintf(w, "bundle: %s (replay: %s; shrink: %s)\n", rec.Bundle,
			scenarios.BundleCommand("repro", rec.Bundle), scenarios.BundleCommand("shrink", rec.Bundle))
	}
}

// survivedSpansMax is how many of a run's faults the survived line names.
const survivedSpansMax = 4

// printSurvived says, for a run that passed under faults, what the cluster
// survived and how: the faults by node and time, the slowest recovery, and
// the acknowledged transfers lost (a pass means none).
func printSurvived(w io.Writer, rec *reports.RunRecord) {
	m := rec.Metrics
	if rec.Verdict != "pass" || m == nil || len(m.FaultSpans) == 0 {
		return
	}
	fmt.Fprint(w, "survived:")
	for i, s := range m.FaultSpans[:min(len(m.FaultSpans), survivedSpansMax)] {
		sep := ","
		if i == 0 {
			sep = ""
		}
		fmt.Fprintf(w, "%s %s at %.2fs", sep, s.Description, s.StartSeconds)
	}
	if more := len(m.FaultSpans) - survivedSpansMax; more > 0 {
		fmt.Fprintf(w, " and %d more", more)
	}
	if len(m.RecoverySeconds) > 0 {
		fmt.Fprintf(w, "; recovered within %.0f ms", 1000*slices.Max(m.RecoverySeconds))
	}
	fmt.Fprintf(w, "; every invariant held, %d acknowledged transfers lost\n", m.AckedLost)
}

// printNext prints what to run after a passing run: its trace around the
// first fault, filtered on the node it struck, and more seeds.
func printNext(w io.Writer, rec *reports.RunRecord, inv scenarios.Invocation) {
	fmt.Fprintln(w, "next:")
	run := scenarios.ReproCommand(inv)
	if m := rec.Metrics; m != nil && len(m.FaultSpans) > 0 {
		first := m.FaultSpans[0]
		from, to := max(first.StartSeconds-0.1, 0), first.StartSeconds+0.4
		filter := ""
		if node := faultNode(first.Description); node != "" {
			filter = " --node " + node
		}
		fmt.Fprintf(w, "  %s --trace run.jsonl   # keep the trace\n", run)
		fmt.Fprintf(w, "  %s trace run.jsonl%s --from %.1fs --to %.1fs   # read it around %q\n",
			scenarios.Binary(), filter, from, to, first.Description)
	} else {
		fmt.Fprintf(w, "  %s run --scenario leader-crash   # a run under a fault\n", scenarios.Binary())
	}
	fmt.Fprintf(w, "  %s sweep --scenario %s --seeds 1-100   # a hundred seeds, each its own faults and timing\n", scenarios.Binary(), rec.Scenario)
	fmt.Fprintf(w, "  %s scenarios   # the other scenarios\n", scenarios.Binary())
}

// faultNode is the node a fault's description names, or "" when it names
// none or several (a partition of groups, a heal): only a fault on one
// node has one node's trace to read.
func faultNode(description string) string {
	node := ""
	for _, word := range strings.Fields(description) {
		word = strings.Trim(word, "(),:;")
		if len(word) > 1 && word[0] == 'n' && strings.Trim(word[1:], "0123456789") == "" {
			if node != "" {
				return ""
			}
			node = word
		}
	}
	return node
}
