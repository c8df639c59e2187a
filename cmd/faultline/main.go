// Command faultline runs deterministic simulations of the replicated ledger
// under injected faults and reports whether every invariant held.
//
// The command only parses flags and wires packages together; everything it
// does, a test can do by calling those packages.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/faultline/faultline/cmd/internal/cli"
)

// Exit codes, the contract with CI and scripts.
const (
	exitPass     = 0 // every invariant held
	exitViolated = 1 // an invariant was violated
	exitUsage    = 2 // bad usage or input
	// exitInterrupted: a sweep stopped by SIGINT (128+2, as a shell
	// reports it; 143 for SIGTERM) kept what finished and can be resumed.
	exitInterrupted = 130
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// command is one subcommand of faultline.
type command struct {
	name     string
	synopsis string // after "faultline NAME"
	summary  string
	run      func(args []string, stdout, stderr io.Writer) int
}

func commands() []command {
	return []command{
		{"scenarios", "", "list the scenario catalog", scenariosCommand},
		{"run", "[flags]", "run one simulation and print its verdict and trace hash", runCommand},
		{"schedule", "[--scenario S] [--seed N]", "print the fault schedule a seed gives a scenario (JSON, replayable)", scheduleCommand},
		{"sweep", "[flags]", "run many seeds of one, several or all scenarios in parallel", sweepCommand},
		{"repro", "BUNDLE_DIR", "replay a failure bundle and confirm its trace hash", reproCommand},
		{"shrink", "[--out DIR] [--runs N] BUNDLE_DIR", "minimise a failure bundle's fault schedule and workload", shrinkCommand},
		{"trace", "FILE [--node n1] [--from 1.2s] [--to 1.5s] [--event note]", "filter a JSON-lines trace by node and time", traceCommand},
		{"report", "--in DIR [--in DIR ...] [--out DIR] [--baseline report.json] [--no-fail]",
			"render sweep results as HTML, Markdown, JSON and JUnit XML", reportCommand},
		{"version", "", "print the version and VCS revision (also: faultline --version)", versionCommand},
	}
}

func commandNames() []string {
	var names []string
	for _, c := range commands() {
		names = append(names, c.name)
	}
	return names
}

// helpOf is the usage header of the command name, for its -h.
func helpOf(name string) cli.Help {
	for _, c := range commands() {
		if c.name == name {
			return cli.Help{Synopsis: strings.TrimSpace("faultline " + name + " " + c.synopsis), Summary: c.summary}
		}
	}
	return cli.Help{Synopsis: "faultline " + name + " [flags]"}
}

// parseFlags parses a subcommand's flags the faultline way (see
// cli.Parse): -h prints its usage on stdout and exits 0.
func parseFlags(fs *flag.FlagSet, args []string, stdout io.Writer) error {
	return cli.Parse(fs, args, helpOf(strings.TrimPrefix(fs.Name(), "faultline ")), stdout)
}

// usageExit is the exit code of a subcommand whose flags did not parse,
// having said why on stderr: 0 for help asked for, 2 otherwise.
func usageExit(name string, err error, stderr io.Writer) int {
	if errors.Is(err, flag.ErrHelp) {
		return exitPass
	}
	fmt.Fprintf(stderr, "faultline %s: %v\n", name, err)
	return exitUsage
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stdout)
		return exitPass
	}
	switch args[0] {
	case "help", "-h", "-help", "--help":
		return helpCommand(args[1:], stdout, stderr)
	case "-version", "--version":
		return versionCommand(args[1:], stdout, stderr)
	case workerCommandName: // internal, so not in the usage
		return workerCommand(args[1:], stdout, stderr)
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(args[1:], stdout, stderr)
		}
	}
	fmt.Fprintf(stderr, "faultline: unknown command %q%s; run 'faultline help' for the list\n", args[0], cli.DidYouMean(args[0], commandNames()))
	return exitUsage
}

// helpCommand prints the overview, or with a topic that command's usage
// (as its -h does).
func helpCommand(args []string, stdout, stderr io.Writer) int {
	switch {
	case len(args) == 0:
		usage(stdout)
		return exitPass
	case len(args) > 1:
		fmt.Fprintf(stderr, "faultline help: takes one command, got %q\n", args)
		return exitUsage
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run([]string{"-h"}, stdout, stderr)
		}
	}
	fmt.Fprintf(stderr, "faultline help: unknown command %q%s; run 'faultline help' for the list\n", args[0], cli.DidYouMean(args[0], commandNames()))
	return exitUsage
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "faultline: deterministic simulation and chaos testing for a replicated ledger")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "usage: faultline <command> [flags]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "commands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Run 'faultline help <command>' or 'faultline <command> -h' for a command's flags; 'faultline --version' for the version.")
	fmt.Fprintln(w, "Exit codes: 0 all invariants held (report: and every impact tolerance), 1 an invariant was violated")
	fmt.Fprintln(w, "(report: or a tolerance breached), 2 bad usage or input, 130/143 a sweep interrupted by SIGINT/SIGTERM.")
}
