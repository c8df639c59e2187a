// Package cli holds the conventions faultline's commands share: help on
// stdout with exit 0 for every subcommand, and "did you mean" for a
// mistyped command, flag or name.
package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// Help is what a subcommand's -h prints: its synopsis and what it does,
// then its flags.
type Help struct {
	Synopsis string // "faultline run [flags]"
	Summary  string // one line: what the command does
}

// Parse parses args into fs. On -h, -help or --help it prints the usage
// on stdout and returns flag.ErrHelp (the caller exits 0: help asked for
// is not an error). Any other error is returned unprinted, for the caller
// to put on stderr and exit 2; an unknown flag's names the flag it is
// likely a typo of.
func Parse(fs *flag.FlagSet, args []string, help Help, stdout io.Writer) error {
	fs.SetOutput(io.Discard) // the flag package's own messages go to stderr with the usage: we say less, and say it once
	fs.Usage = func() {}
	err := fs.Parse(args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		PrintUsage(stdout, fs, help)
		return err
	case err != nil:
		return flagError(fs, err)
	}
	return nil
}

// flagError rewrites the flag package's "flag provided but not defined:
// -sede" as "unknown flag --sede (did you mean --seed?)".
func flagError(fs *flag.FlagSet, err error) error {
	const undefined = "flag provided but not defined: "
	msg := err.Error()
	if !strings.HasPrefix(msg, undefined) {
		return err
	}
	name := strings.TrimLeft(strings.TrimPrefix(msg, undefined), "-")
	var names []string
	fs.VisitAll(func(f *flag.Flag) { names = append(names, f.Name) })
	hint := ""
	if s, ok := Suggest(name, names); ok {
		hint = fmt.Sprintf(" (did you mean --%s?)", s)
	}
	return fmt.Errorf("unknown flag --%s%s; -h lists the flags", name, hint)
}

// PrintUsage writes the synopsis, summary and every flag of fs, with its
// description and default, as --name: the form the README uses (the flag
// package takes -name and --name alike).
func PrintUsage(w io.Writer, fs *flag.FlagSet, help Help) {
	fmt.Fprintf(w, "usage: %s\n", help.Synopsis)
	if help.Summary != "" {
		fmt.Fprintf(w, "\n%s\n", help.Summary)
	}
	first := true
	fs.VisitAll(func(f *flag.Flag) {
		if first {
			fmt.Fprintln(w, "\nflags:")
			first = false
		}
		kind, usage := flag.UnquoteUsage(f)
		line := "  --" + f.Name
		if kind != "" {
			line += " " + kind
		}
		fmt.Fprintf(w, "%s\n      %s%s\n", line, usage, defaultNote(f))
	})
}

// defaultNote is " (default: X)" unless the default is the zero value.
func defaultNote(f *flag.Flag) string {
	switch f.DefValue {
	case "", "0", "false", "0s":
		return ""
	}
	return fmt.Sprintf(" (default: %s)", f.DefValue)
}
