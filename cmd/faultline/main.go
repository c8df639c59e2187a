// Command faultline runs deterministic simulations of the replicated ledger
// under injected faults and reports whether every invariant held.
//
// The command only parses flags and wires packages together; everything it
// does, a test can do by calling those packages.
package main

import (
	"fmt"
	"io"
	"os"
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
	name    string
	summary string
	run     func(args []string, stdout, stderr io.Writer) int
}

func commands() []command {
	return []command{
		{"scenarios", "list the scenario catalog", scenariosCommand},
		{"run", "run one simulation and print its verdict and trace hash", runCommand},
		{"schedule", "print the fault schedule a seed gives a scenario (JSON, replayable)", scheduleCommand},
		{"sweep", "run many seeds of one or all scenarios in parallel", sweepCommand},
		{"repro", "replay a failure bundle and confirm its trace hash", reproCommand},
		{"shrink", "minimise a failure bundle's fault schedule and workload", shrinkCommand},
		{"trace", "filter a JSON-lines trace by node and time", traceCommand},
		{"report", "render sweep results as HTML, Markdown, JSON and JUnit XML", reportCommand},
		{"version", "print the version and VCS revision", versionCommand},
	}
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stdout)
		return exitPass
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(args[1:], stdout, stderr)
		}
	}
	if args[0] == workerCommandName { // internal, so not in the usage
		return workerCommand(args[1:], stdout, stderr)
	}
	fmt.Fprintf(stderr, "faultline: unknown command %q\n\n", args[0])
	usage(stderr)
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
	fmt.Fprintln(w, "Run 'faultline <command> -h' for a command's flags.")
	fmt.Fprintln(w, "Exit codes: 0 all invariants held (report: and every impact tolerance), 1 an invariant was violated")
	fmt.Fprintln(w, "(report: or a tolerance breached), 2 bad usage or input, 130/143 a sweep interrupted by SIGINT/SIGTERM.")
}
