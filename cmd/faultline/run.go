package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	"github.com/faultline/faultline/sim/simtest"
)

// defaultSeed is the seed `faultline run` uses when none is given.
const defaultSeed = 1

// runFlags are the flags of `faultline run`.
type runFlags struct {
	scenario string
	seed     uint64
	trace    string
	json     bool
}

func parseRunFlags(args []string, stderr io.Writer) (runFlags, error) {
	var f runFlags
	fs := flag.NewFlagSet("faultline run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&f.scenario, "scenario", "sim-selfcheck", "scenario to run")
	seed := fs.String("seed", strconv.Itoa(defaultSeed), "root seed (unsigned 64-bit integer)")
	fs.StringVar(&f.trace, "trace", "", "write the trace as JSON lines to this file")
	fs.BoolVar(&f.json, "json", false, "print one JSON object instead of text")
	if err := fs.Parse(args); err != nil {
		return f, err
	}
	if fs.NArg() > 0 {
		return f, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	s, err := strconv.ParseUint(*seed, 10, 64)
	if err != nil {
		return f, fmt.Errorf("--seed %q is not an unsigned 64-bit integer", *seed)
	}
	f.seed = s
	if f.scenario != "sim-selfcheck" {
		return f, fmt.Errorf("unknown scenario %q (known: sim-selfcheck)", f.scenario)
	}
	return f, nil
}

// runResult is the JSON object `faultline run --json` prints.
type runResult struct {
	Scenario    string            `json:"scenario"`
	Seed        uint64            `json:"seed"`
	Verdict     string            `json:"verdict"`
	TraceHash   string            `json:"trace_hash"`
	Events      int64             `json:"events"`
	SimSeconds  float64           `json:"sim_seconds"`
	WallSeconds float64           `json:"wall_seconds"`
	Invariants  map[string]string `json:"invariants"`
}

func runCommand(args []string, stdout, stderr io.Writer) int {
	f, err := parseRunFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return exitPass
	}
	if err != nil {
		fmt.Fprintf(stderr, "faultline run: %v\n", err)
		return exitUsage
	}
	var trace io.Writer
	if f.trace != "" {
		file, err := os.Create(f.trace)
		if err != nil {
			fmt.Fprintf(stderr, "faultline run: %v\n", err)
			return exitUsage
		}
		defer file.Close()
		trace = file
	}
	start := time.Now() // wall time of the harness, outside the simulation
	r, err := simtest.ChaosRun(simtest.ChaosConfig{Seed: f.seed, Trace: trace})
	if err != nil {
		fmt.Fprintf(stderr, "faultline run: %v\n", err)
		return exitUsage
	}
	verdict, code := "pass", exitPass
	if len(r.Violations) > 0 {
		verdict, code = "fail", exitViolated
	}
	res := runResult{Scenario: f.scenario, Seed: f.seed, Verdict: verdict, TraceHash: r.TraceHash,
		Events: r.Events, SimSeconds: r.SimTime.Seconds(), WallSeconds: time.Since(start).Seconds(),
		Invariants: map[string]string{"durable-count": verdict}}
	if f.json {
		out, _ := json.Marshal(res)
		fmt.Fprintln(stdout, string(out))
		return code
	}
	fmt.Fprintf(stdout, "scenario %s seed %d: %s\n", res.Scenario, res.Seed, res.Verdict)
	fmt.Fprintf(stdout, "trace %s  events %d  simulated %.1fs in %.3fs wall  faults %d  messages %d sent, %d delivered\n",
		res.TraceHash, res.Events, res.SimSeconds, res.WallSeconds, r.Faults, r.Network.Sent, r.Network.Delivered)
	for _, v := range r.Violations {
		fmt.Fprintf(stdout, "violated durable-count: %s\n", v)
	}
	if code != exitPass {
		fmt.Fprintf(stdout, "repro: faultline run --scenario %s --seed %d\n", res.Scenario, res.Seed)
	}
	return code
}
