package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/faultline/faultline/cmd/internal/cli"
	"github.com/faultline/faultline/reports"
	"github.com/faultline/faultline/scenarios"
	"github.com/faultline/faultline/scenarios/repro"
)

// Defaults of `faultline run`: a newcomer sees a result at once.
const (
	defaultScenario = "baseline"
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
