package scenarios

import (
	"fmt"
	"strings"
	"time"
)

// Invocation is how one run was asked for: beside the binary, everything
// that decides its trace. Its repro command is ReproCommand(inv).
type Invocation struct {
	Scenario string
	Seed     uint64
	// ScheduleFile replays the fault schedule in this JSON file instead of
	// the seed's; empty: the seed's.
	ScheduleFile string
	// ParametersFile sets the run's knobs from this JSON file instead of
	// the seed's draw; empty: the seed's draw.
	ParametersFile string
	// StopAt ends client traffic early, as a shrunk run does; zero: the
	// scenario's own workload length.
	StopAt time.Duration
	// Mutant names the planted bug of the build that ran it; empty: the
	// real code.
	Mutant string
}

// ReproCommand is the command line that reproduces the run inv describes,
// event for event; for a mutant's build it first builds that mutant again.
// Every repro command faultline prints or stores is built here, so that
// none can forget a flag the run depended on.
func ReproCommand(inv Invocation) string {
	args := []string{binaryFor(inv.Mutant), "run", "--scenario", inv.Scenario, "--seed", fmt.Sprint(inv.Seed)}
	if inv.ScheduleFile != "" {
		args = append(args, "--schedule", inv.ScheduleFile)
	}
	if inv.ParametersFile != "" {
		args = append(args, "--parameters", inv.ParametersFile)
	}
	if inv.StopAt > 0 {
		args = append(args, "--stop-at", inv.StopAt.String()) // exact: Duration.String round-trips
	}
	cmd := shellJoin(args)
	if inv.Mutant != "" {
		cmd = MutantBuildCommand(inv.Mutant) + " && " + cmd
	}
	return cmd
}

// BundleCommand is the command that runs verb (repro, shrink) on the
// failure bundle in dir, with this binary.
func BundleCommand(verb, dir string) string {
	return shellJoin([]string{Binary(), verb, dir})
}

// BundleCommandFor is the command that runs verb on the failure bundle in
// dir with the build that made it: a mutant's bundle replays only on that
// mutant's binary, whatever binary prints the command (a report, say).
func BundleCommandFor(mutant, verb, dir string) string {
	return shellJoin([]string{binaryFor(mutant), verb, dir})
}

// Binary is how a command line names this binary: faultline, or a
// mutant's build where MutantBuildCommand puts it.
func Binary() string { return binaryFor(Mutant) }

func binaryFor(mutant string) string {
	if mutant == "" {
		return "faultline"
	}
	return MutantBinary(mutant)
}

// MutantBuildCommand is the command, run from the repository's root, that
// builds the faultline binary of mutant name at MutantBinary(name).
func MutantBuildCommand(name string) string {
	return shellJoin([]string{"go", "run", "./cmd/mutants", "build", "--out", MutantBinary(name), name})
}

// MutantBinary is where MutantBuildCommand puts mutant name's binary.
func MutantBinary(name string) string { return "bin/faultline-" + name }

// shellJoin joins args into a POSIX shell command line, single-quoting
// any that a shell would split or expand (a path with a space, say).
func shellJoin(args []string) string {
	quoted := make([]string, len(args))
	for i, a := range args {
		quoted[i] = shellQuote(a)
	}
	return strings.Join(quoted, " ")
}

func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./:=@%+,") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
