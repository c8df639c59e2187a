package main

import (
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/faultline/faultline/scenarios"
	"github.com/faultline/faultline/scenarios/repro"
)

func reproCommand(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("faultline repro", flag.ContinueOnError)
	if err := parseFlags(fs, args, stdout); err != nil {
		return usageExit("repro", err, stderr)
	}
	if fs.NArg() != 1 {
		fmt.Fprintf(stderr, "faultline repro: want one bundle directory, got %q; usage: %s\n", fs.Args(), helpOf("repro").Synopsis)
		return exitUsage
	}
	b, err := repro.Read(fs.Arg(0))
	if err != nil {
		fmt.Fprintf(stderr, "faultline repro: %v\n", err)
		return exitUsage
	}
	r, err := repro.Run(b)
	if err != nil {
		fmt.Fprintf(stderr, "faultline repro: %v\n", err)
		return exitUsage
	}
	fmt.Fprintln(stdout, r.Describe(b))
	if !r.Outcome.Passed() {
		return exitViolated
	}
	return exitPass
}

func shrinkCommand(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("faultline shrink", flag.ContinueOnError)
	out := fs.String("out", "", "write the shrunk bundle here (default: BUNDLE_DIR-shrunk)")
	runs := fs.Int("runs", 400, "at most this many trial runs")
	if err := parseFlags(fs, args, stdout); err != nil {
		return usageExit("shrink", err, stderr)
	}
	if fs.NArg() != 1 || *runs < 1 {
		fmt.Fprintf(stderr, "faultline shrink: want one bundle directory and --runs of at least 1; usage: %s\n", helpOf("shrink").Synopsis)
		return exitUsage
	}
	b, err := repro.Read(fs.Arg(0))
	if err != nil {
		fmt.Fprintf(stderr, "faultline shrink: %v\n", err)
		return exitUsage
	}
	dest := *out
	if dest == "" {
		dest = repro.ShrunkDir(fs.Arg(0))
	}
	progress := newProgress(stderr)
	res, err := repro.ShrinkInto(dest, b, repro.ShrinkOptions{RunsMax: *runs,
		Progress: func(n, _ int) { progress.update(n, *runs, 0) }})
	progress.done()
	if err != nil {
		fmt.Fprintf(stderr, "faultline shrink: %v\n", err)
		return exitViolated
	}
	fmt.Fprintf(stdout, "shrunk %s: %d faults -> %d, still failing %s, in %d runs\n", b.Scenario,
		len(b.Schedule.Faults), len(res.Bundle.Schedule.Faults), res.Target, res.Runs)
	for _, f := range res.Bundle.Schedule.Faults {
		fmt.Fprintf(stdout, "  %8v  %s\n", time.Duration(f.At), f.Describe())
	}
	fmt.Fprintf(stdout, "bundle: %s (replay: %s)\nrepro: %s\n", dest, scenarios.BundleCommand("repro", dest), res.Bundle.Repro)
	return exitViolated
}
