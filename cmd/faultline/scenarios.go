package main

import (
	"flag"
	"fmt"
	"io"
	"slices"

	"github.com/faultline/faultline/scenarios"
)

func scenariosCommand(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("faultline scenarios", flag.ContinueOnError)
	if err := parseFlags(fs, args, stdout); err != nil {
		return usageExit("scenarios", err, stderr)
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "faultline scenarios: takes no arguments, got %q\n", fs.Args())
		return exitUsage
	}
	for _, sc := range scenarios.Catalog() {
		fmt.Fprintf(stdout, "%-22s %d nodes %4.0fs  %s\n", sc.Name, sc.Replicas, sc.Duration.Seconds(), sc.Summary)
	}
	return exitPass
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
