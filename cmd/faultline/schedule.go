package main

import (
	"flag"
	"fmt"
	"io"
	"strconv"
)

// scheduleCommand prints the fault schedule a seed gives a scenario, as
// JSON that `faultline run --schedule FILE` replays: schedules are data,
// to read, edit and replay.
func scheduleCommand(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("faultline schedule", flag.ContinueOnError)
	scenario := fs.String("scenario", defaultScenario, "scenario")
	seed := fs.String("seed", strconv.Itoa(defaultSeed), "root seed")
	if err := parseFlags(fs, args, stdout); err != nil {
		return usageExit("schedule", err, stderr)
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "faultline schedule: unexpected arguments %q\n", fs.Args())
		return exitUsage
	}
	s, err := parseSeed(*seed)
	if err != nil {
		fmt.Fprintf(stderr, "faultline schedule: %v\n", err)
		return exitUsage
	}
	sc, err := lookupScenario(*scenario)
	if err != nil {
		fmt.Fprintf(stderr, "faultline schedule: %v\n", err)
		return exitUsage
	}
	sched := sc.Schedule(s)
	if _, err := stdout.Write(sched.JSON()); err != nil {
		return exitUsage
	}
	return exitPass
}
