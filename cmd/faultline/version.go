package main

import (
	"fmt"
	"io"

	"github.com/faultline/faultline/scenarios/repro"
)

func versionCommand(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		fmt.Fprintf(stderr, "faultline version: takes no arguments, got %q\n", args)
		return exitUsage
	}
	module, revision := repro.Version()
	fmt.Fprintf(stdout, "faultline %s (revision %s)\n", module, revision)
	return exitPass
}
