package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/faultline/faultline/reports"
	"github.com/faultline/faultline/scenarios"
	"github.com/faultline/faultline/scenarios/repro"
	"github.com/faultline/faultline/scenarios/sweep"
)

// seedsMax bounds one sweep: larger spaces are split with --shard.
const seedsMax = 10_000_000

type sweepFlags struct {
	scenarios    []string
	first, last  uint64
	parallel     int
	out          string
	shard, count int
	json         bool
	shrink       bool
	resume       bool
	runTimeout   time.Duration
	// args are the flags as given, to print the command that resumes.
	args []string
	// set names the flags given explicitly: a resume takes the others'
	// values from the sweep it finishes.
	set map[string]bool
}

func parseSweepFlags(args []string, stdout io.Writer) (sweepFlags, error) {
	var f sweepFlags
	fs := flag.NewFlagSet("faultline sweep", flag.ContinueOnError)
	scenario := fs.String("scenario", "all", "scenarios to sweep, separated by commas, or all")
	seeds := fs.String("seeds", "1-10", "seed range A-B, inclusive")
	fs.IntVar(&f.parallel, "parallel", 0, "simulations at once (default: every core)")
	fs.StringVar(&f.out, "out", "", "write results.jsonl into this directory")
	shard := fs.String("shard", "", "run only shard i of n (0-based), as i/n")
	fs.BoolVar(&f.json, "json", false, "print one JSON record per run on stdout, and every other line on stderr")
	fs.BoolVar(&f.shrink, "shrink", false, "shrink every failure's bundle too (needs --out)")
	fs.BoolVar(&f.resume, "resume", false, "finish the interrupted sweep in --out, running only the jobs it has no record of")
	fs.DurationVar(&f.runTimeout, "run-timeout", 5*time.Minute,
		"fail a run that takes longer than this in wall-clock time, as a hang (0: no limit)")
	if err := parseFlags(fs, args, stdout); err != nil {
		return f, err
	}
	f.args = args
	f.set = map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { f.set[fl.Name] = true })
	if fs.NArg() > 0 {
		return f, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	var err error
	if f.first, f.last, err = parseSeedRange(*seeds); err != nil {
		return f, err
	}
	if f.scenarios, err = scenarioNames(*scenario); err != nil {
		return f, err
	}
	if f.shard, f.count, err = parseShard(*shard); err != nil {
		return f, err
	}
	if f.parallel < 0 {
		return f, fmt.Errorf("--parallel must not be negative")
	}
	if f.runTimeout < 0 {
		return f, fmt.Errorf("--run-timeout must not be negative")
	}
	if f.shrink && f.out == "" {
		return f, fmt.Errorf("--shrink needs --out, where the bundles go")
	}
	if f.resume && f.out == "" {
		return f, fmt.Errorf("--resume needs --out, the directory of the sweep to finish")
	}
	return f, nil
}

func parseSeedRange(s string) (uint64, uint64, error) {
	a, b, ok := strings.Cut(s, "-")
	if !ok {
		a, b = s, s
	}
	first, err1 := strconv.ParseUint(a, 10, 64)
	last, err2 := strconv.ParseUint(b, 10, 64)
	switch {
	case err1 != nil || err2 != nil:
		return 0, 0, fmt.Errorf("--seeds %q: want A-B with unsigned integers", s)
	case last < first:
		return 0, 0, fmt.Errorf("--seeds %q: the range is reversed", s)
	case last-first >= seedsMax:
		return 0, 0, fmt.Errorf("--seeds %q: more than %d seeds; split it with --shard", s, seedsMax)
	}
	return first, last, nil
}

func parseShard(s string) (int, int, error) {
	if s == "" {
		return 0, 1, nil
	}
	a, b, ok := strings.Cut(s, "/")
	i, err1 := strconv.Atoi(a)
	n, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil || n < 1 || i < 0 || i >= n {
		return 0, 0, fmt.Errorf("--shard %q: want i/n with 0 <= i < n", s)
	}
	return i, n, nil
}

// scenarioNames reads --scenario: all, or names separated by commas (each
// once, in the order given).
func scenarioNames(list string) ([]string, error) {
	if list == "all" {
		return scenarios.Names(), nil
	}
	var names []string
	for _, name := range strings.Split(list, ",") {
		name = strings.TrimSpace(name)
		if name == "" || slices.Contains(names, name) {
			continue
		}
		if _, ok := scenarios.Lookup(name); !ok {
			return nil, unknownScenario(name, append([]string{"all"}, scenarios.Names()...))
		}
		names = append(names, name)
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("--scenario %q names no scenario", list)
	}
	return names, nil
}

// sweepShrinkRuns bounds the shrink of each failure of `sweep --shrink`:
// half of a lone `faultline shrink`'s, since a sweep shrinks every failure.
const sweepShrinkRuns = 200

// jobRunner runs one simulation for a sweep, by the same path as
// `faultline run` (repro.Execute); errors become failed records, so one
// broken run does not hide the others. Failures leave a bundle under
// bundles, when set.
func jobRunner(bundles string, shrink bool) sweep.RunFunc {
	return func(j sweep.Job) reports.RunRecord {
		req := repro.Request{Scenario: j.Scenario, Seed: j.Seed, Bundles: bundles}
		if shrink {
			req.ShrinkRuns = sweepShrinkRuns
		}
		ex, err := repro.Execute(req)
		if err != nil {
			return failedRecord(j, err)
		}
		return ex.Record
	}
}

// failedRecord is the record of a sweep's run that could not be made or
// whose worker died, with the command that runs it again.
func failedRecord(j sweep.Job, err error) reports.RunRecord {
	req := repro.Request{Scenario: j.Scenario, Seed: j.Seed}
	return reports.RunRecord{Scenario: j.Scenario, Seed: j.Seed, Verdict: "fail", Error: err.Error(),
		Repro: scenarios.ReproCommand(req.Invocation())}
}

// sweepWorkers starts each worker as this same executable running the
// hidden sweep-worker command, on one core (a simulation is
// single-threaded; see sweep.Workers for why processes).
func sweepWorkers(f sweepFlags, bundles string) sweep.Workers {
	exe, err := os.Executable()
	if err != nil {
		exe = os.Args[0]
	}
	args := []string{workerCommandName, "--bundles", bundles}
	if f.shrink {
		args = append(args, "--shrink")
	}
	return sweep.Workers{
		Command: func() *exec.Cmd {
			cmd := exec.Command(exe, args...)
			cmd.Env = workerEnv(os.Environ())
			return cmd
		},
		RunTimeout: f.runTimeout,
		Failed:     failedRecord,
	}
}

// workerEnv is the environment of a sweep worker: the sweep's own, on one
// core (GOMAXPROCS=1), and, unless the caller set them, with the garbage
// collector tuned for a process that runs one short simulation after
// another: GOGC=400 lets the heap grow to five times what is live between
// collections (a run allocates tens of megabytes of short-lived buffers, and
// at the default 100 the collector's marking was about a sixth of a run's
// CPU), and GOMEMLIMIT=1GiB collects sooner should a large run push the heap
// that far. Measured in BENCHMARKS.md ("Issue 21").
func workerEnv(env []string) []string {
	env = append(env, "GOMAXPROCS=1")
	if !hasEnv(env, "GOGC") {
		env = append(env, "GOGC=400")
	}
	if !hasEnv(env, "GOMEMLIMIT") {
		env = append(env, "GOMEMLIMIT=1GiB")
	}
	return env
}

// hasEnv reports whether env sets the variable name.
func hasEnv(env []string, name string) bool {
	for _, kv := range env {
		if strings.HasPrefix(kv, name+"=") {
			return true
		}
	}
	return false
}

// workerCommandName is the hidden command a sweep starts its workers with.
const workerCommandName = "sweep-worker"

// workerCommand serves a sweep's jobs on standard input and output (see
// sweep.Serve). Users never run it; sweep does.
func workerCommand(args []string, stdout, stderr io.Writer) int {
	// A Ctrl-C reaches every process of the terminal's group: the sweep
	// decides what to do about it (abandon this worker's run, unrecorded),
	// not the worker (dying, which would read as a crashed run).
	signal.Ignore(os.Interrupt, syscall.SIGTERM)
	fs := flag.NewFlagSet("faultline "+workerCommandName, flag.ContinueOnError)
	fs.SetOutput(stderr)
	bundles := fs.String("bundles", "", "write failure bundles under this directory")
	shrink := fs.Bool("shrink", false, "shrink every failure's bundle too")
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 {
		fmt.Fprintf(stderr, "faultline %s: bad arguments %q\n", workerCommandName, args)
		return exitUsage
	}
	if err := sweep.Serve(os.Stdin, stdout, jobRunner(*bundles, *shrink)); err != nil {
		fmt.Fprintf(stderr, "faultline %s: %v\n", workerCommandName, err)
		return exitUsage
	}
	return exitPass
}

func sweepCommand(args []string, stdout, stderr io.Writer) int {
	f, err := parseSweepFlags(args, stdout)
	if err != nil {
		return usageExit("sweep", err, stderr)
	}
	ctx, stop := interruptible(context.Background())
	defer stop()
	return runSweep(ctx, f, stdout, stderr)
}

// runSweep runs the sweep f describes until it is done or ctx ends.
func runSweep(ctx context.Context, f sweepFlags, stdout, stderr io.Writer) int {
	human := stdout // summaries; with --json, stdout carries records only
	if f.json {
		human = stderr
	}
	var err error
	if f.resume {
		if f, err = resumeFlags(f); err != nil {
			fmt.Fprintf(stderr, "faultline sweep: %v\n", err)
			return exitUsage
		}
	}
	out, jobs, earlier, err := openSweep(f, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "faultline sweep: %v\n", err)
		return exitUsage
	}
	progress := newProgress(stderr)
	var writeErr error
	opts := sweep.Options{Parallel: f.parallel, Earlier: earlier, OnProgress: progress.update,
		OnRecord: func(r reports.RunRecord) {
			if out != nil && writeErr == nil {
				writeErr = out.Write(&r)
			}
			if f.json {
				_ = reports.WriteRecord(stdout, &r) // one write per line: never interleaved
			}
		}}
	bundles := ""
	if f.out != "" {
		bundles = filepath.Join(f.out, "bundles")
	}
	summary, err := sweep.RunWorkers(ctx, jobs, sweepWorkers(f, bundles), opts)
	progress.done()
	interrupted := errors.Is(err, sweep.ErrInterrupted)
	if err != nil && !interrupted {
		if out != nil {
			_ = out.Close()
		}
		fmt.Fprintf(stderr, "faultline sweep: %v\n", err)
		return exitUsage
	}
	if out != nil {
		if err := out.Close(); writeErr == nil {
			writeErr = err
		}
	}
	if writeErr != nil {
		fmt.Fprintf(stderr, "faultline sweep: write %s: %v\n", filepath.Join(f.out, sweep.ResultsFile), writeErr)
		return exitUsage
	}
	printSummary(human, summary, f)
	if interrupted {
		return explainInterruption(stderr, ctx, summary, f)
	}
	if summary.Failed > 0 {
		return exitViolated
	}
	return exitPass
}

func printSummary(w io.Writer, s sweep.Summary, f sweepFlags) {
	for _, c := range s.Scenarios {
		verdict := "PASS"
		if c.Failed > 0 {
			verdict = "FAIL"
		}
		fmt.Fprintf(w, "%s %-22s %d runs, %d failed, %.2f%% of %d ops unknown (%d, %d of them session-expired)\n", verdict, c.Name, c.Runs, c.Failed,
			c.UnknownShare()*100, c.Ops, c.OpsUnknown, c.SessionsExpired)
	}
	for _, r := range s.Failures {
		fmt.Fprintf(w, "  failing: %s seed %d (%s): %s\n", r.Scenario, r.Seed, failedInvariants(r), r.Repro)
	}
	if len(s.FaultEffects) > 0 {
		fmt.Fprint(w, "faults that took effect / applied:")
		for _, kind := range sortedKeys(s.FaultEffects) {
			e := s.FaultEffects[kind]
			fmt.Fprintf(w, " %s %d/%d", kind, e.Effective, e.Applied)
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "sweep: %d runs, %d failed (seeds %d-%d, shard %d/%d)\n", s.Runs, s.Failed, f.first, f.last, f.shard, f.count)
}

func failedInvariants(r reports.RunRecord) string {
	if r.Error != "" {
		return "error: " + r.Error
	}
	var out []string
	for _, name := range sortedKeys(r.Invariants) {
		if r.Invariants[name] != "pass" {
			out = append(out, name+" "+r.Invariants[name])
		}
	}
	return strings.Join(out, ", ")
}
