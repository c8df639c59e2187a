package main

import (
	"flag"
	"fmt"
	"io"

	"github.com/faultline/faultline/scenarios/repro"
)

func versionCommand(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("faultline version", flag.ContinueOnError)
	if err := parseFlags(fs, args, stdout); err != nil {
		return usageExit("version", err, stderr)
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "faultline version: takes no arguments, got %q\n", fs.Args())
		return exitUsage
	}
	module, revision := repro.Version()
	fmt.Fprintf(stdout, "faultline %s (revision %s)\n", module, revision)
	return exitPass
}
