// Command mutants measures the harness by the bugs it finds: it applies
// each planted bug of mutants/catalog to a fresh copy of the tree, builds
// it, sweeps every scenario over it and reports which ones the sweep
// caught (see mutants/README.md).
//
//	mutants run [--only a,b] [--seeds 1-20] [--parallel N] [--out bin/mutation]
//	mutants list
//	mutants check
//	mutants build --out bin/faultline-NAME NAME
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"

	"github.com/faultline/faultline/cmd/internal/cli"
	"github.com/faultline/faultline/mutants"
)

// Exit codes, as faultline's.
const (
	exitOK       = 0 // done; with --require-caught, every mutant was caught
	exitSurvived = 1 // --require-caught and a mutant survived
	exitUsage    = 2 // bad usage, or a mutant that does not apply or build
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// command is one subcommand of mutants.
type command struct {
	name, synopsis, summary string
	run                     func(context.Context, []string, io.Writer, io.Writer) int
}

func commands() []command {
	return []command{
		{"run", "[flags]", "sweep every scenario over each mutant; writes report.md and report.json", runCommand},
		{"list", "", "the catalog, one line each", listCommand},
		{"check", "", "every mutant's patch applies and its tree builds", checkCommand},
		{"build", "[--out FILE] [--pkg ./cmd/...] NAME", "build one mutant's faultline (or --pkg) binary", buildCommand},
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stdout)
		return exitOK
	}
	switch args[0] {
	case "help", "-h", "-help", "--help":
		return helpCommand(ctx, args[1:], stdout, stderr)
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(ctx, args[1:], stdout, stderr)
		}
	}
	fmt.Fprintf(stderr, "mutants: unknown command %q%s; run 'mutants help' for the list\n", args[0], cli.DidYouMean(args[0], commandNames()))
	return exitUsage
}

// helpCommand prints the overview, or with a topic that command's usage.
func helpCommand(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	switch {
	case len(args) == 0:
		usage(stdout)
		return exitOK
	case len(args) > 1:
		fmt.Fprintf(stderr, "mutants help: takes one command, got %q\n", args)
		return exitUsage
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(ctx, []string{"-h"}, stdout, stderr)
		}
	}
	fmt.Fprintf(stderr, "mutants help: unknown command %q%s; run 'mutants help' for the list\n", args[0], cli.DidYouMean(args[0], commandNames()))
	return exitUsage
}

func commandNames() []string {
	var names []string
	for _, c := range commands() {
		names = append(names, c.name)
	}
	return names
}

// parseFlags parses a subcommand's flags as faultline's do (cli.Parse):
// -h prints its usage on stdout. It returns the exit code and whether to
// go on.
func parseFlags(fs *flag.FlagSet, args []string, stdout, stderr io.Writer) (int, bool) {
	name := strings.TrimPrefix(fs.Name(), "mutants ")
	help := cli.Help{Synopsis: "mutants " + name}
	for _, c := range commands() {
		if c.name == name {
			help = cli.Help{Synopsis: strings.TrimSpace("mutants " + name + " " + c.synopsis), Summary: c.summary}
		}
	}
	err := cli.Parse(fs, args, help, stdout)
	switch {
	case errors.Is(err, flag.ErrHelp):
		return exitOK, false
	case err != nil:
		fmt.Fprintf(stderr, "%s: %v\n", fs.Name(), err)
		return exitUsage, false
	}
	return exitOK, true
}

func usage(w io.Writer) {
	fmt.Fprint(w, "usage: mutants COMMAND [flags]\n\n")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-7s %s\n", c.name, c.summary)
	}
	fmt.Fprint(w, "\nRun 'mutants help COMMAND' or 'mutants COMMAND -h' for a command's flags.\n")
	fmt.Fprint(w, "Run from the repository (any directory inside it). See mutants/README.md.\n")
}

// catalog loads the catalog of the repository around the working directory.
func catalog() (root string, ms []mutants.Mutant, err error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", nil, err
	}
	if root, err = mutants.FindRoot(wd); err != nil {
		return "", nil, err
	}
	ms, err = mutants.Load(filepath.Join(root, mutants.CatalogDir))
	return root, ms, err
}

func runCommand(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("mutants run", flag.ContinueOnError)
	only := fs.String("only", "", "comma-separated mutants to run (default: the whole catalog)")
	seeds := fs.String("seeds", "1-20", "seed range A-B swept over every scenario, per mutant")
	parallel := fs.Int("parallel", runtime.NumCPU(), "mutants measured at once, each sweeping on one core")
	unit := fs.Bool("unit-tests", true, "also run the unit tests on each mutated tree")
	shrinkRuns := fs.Int("shrink-runs", 150, "at most this many trial runs to shrink each first failure")
	// Not bin/mutants: `go build -o bin/ ./cmd/...` (make build, make check)
	// puts this command's own binary there.
	out := fs.String("out", "bin/mutation", "write report.md, report.json and each mutant's sweep here")
	keep := fs.Bool("keep", false, "keep each mutated tree under --out")
	require := fs.Bool("require-caught", false, "exit 1 unless the sweep caught every mutant run (CI)")
	if code, ok := parseFlags(fs, args, stdout, stderr); !ok {
		return code
	}
	if err := checkRunFlags(fs, *seeds, *parallel, *shrinkRuns); err != nil {
		fmt.Fprintf(stderr, "mutants run: %v\n", err)
		return exitUsage
	}
	root, all, err := catalog()
	if err != nil {
		fmt.Fprintf(stderr, "mutants run: %v\n", err)
		return exitUsage
	}
	if err := knownMutants(all, splitList(*only)); err != nil {
		fmt.Fprintf(stderr, "mutants run: %v\n", err)
		return exitUsage
	}
	picked, err := mutants.Select(all, splitList(*only))
	if err != nil {
		fmt.Fprintf(stderr, "mutants run: %v\n", err)
		return exitUsage
	}
	work, err := filepath.Abs(*out)
	if err != nil {
		fmt.Fprintf(stderr, "mutants run: %v\n", err)
		return exitUsage
	}
	if info, err := os.Stat(work); err == nil && !info.IsDir() {
		fmt.Fprintf(stderr, "mutants run: --out %s is a file, not a directory\n", *out)
		return exitUsage
	}
	opts := mutants.Options{Root: root, Work: work, Seeds: *seeds, Parallel: *parallel, UnitTests: *unit,
		ShrinkRuns: *shrinkRuns, Keep: *keep, Progress: func(done, total int, r *mutants.Result) {
			fmt.Fprintf(stderr, "[%d/%d] %s\n", done, total, progressLine(r))
			for _, w := range r.Warnings {
				fmt.Fprintf(stderr, "mutants run: warning: %s: %s\n", r.Name, w)
			}
		}}
	fmt.Fprintf(stderr, "mutants: %d mutants, every scenario over seeds %s, %d at a time\n", len(picked), *seeds, *parallel)
	rep := mutants.NewReport(*seeds, mutants.RunAll(ctx, picked, opts))
	if ctx.Err() != nil {
		fmt.Fprintln(stderr, "mutants run: interrupted; no report written")
		return exitUsage
	}
	if err := rep.Write(work); err != nil {
		fmt.Fprintf(stderr, "mutants run: %v\n", err)
		return exitUsage
	}
	fmt.Fprintf(stdout, "mutation score %s over seeds %s; report: %s\n", rep.Score(), *seeds,
		filepath.Join(*out, "report.md"))
	return runExit(&rep, *require, stdout)
}

func checkRunFlags(fs *flag.FlagSet, seeds string, parallel, shrinkRuns int) error {
	a, b, ok := strings.Cut(seeds, "-")
	first, err1 := strconv.ParseUint(a, 10, 64)
	last, err2 := strconv.ParseUint(b, 10, 64)
	switch {
	case fs.NArg() > 0:
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	case !ok || err1 != nil || err2 != nil || last < first:
		return fmt.Errorf("--seeds %q: want A-B, unsigned integers, A <= B", seeds)
	case parallel < 1:
		return fmt.Errorf("--parallel must be at least 1")
	case shrinkRuns < 1:
		return fmt.Errorf("--shrink-runs must be at least 1")
	}
	return nil
}

func runExit(rep *mutants.Report, require bool, stdout io.Writer) int {
	code := exitOK
	for _, r := range rep.Mutants {
		switch {
		case r.Error != "":
			fmt.Fprintf(stdout, "error: %s\n", r.Error)
			code = exitUsage
		case !r.Caught && require:
			fmt.Fprintf(stdout, "survived: %s (%s) is no longer caught over seeds %s\n", r.Name, r.Class, rep.Seeds)
			code = max(code, exitSurvived)
		}
	}
	return code
}

func progressLine(r *mutants.Result) string {
	switch {
	case r.Error != "":
		return fmt.Sprintf("%s: ERROR %s", r.Name, r.Error)
	case !r.Caught:
		return fmt.Sprintf("%s: SURVIVED %d runs%s (%.0fs)", r.Name, r.TotalRuns, unitNote(r), r.Seconds)
	}
	shrunk := "not shrunk"
	if r.ShrunkFaults != nil {
		shrunk = fmt.Sprintf("shrunk %d -> %d faults", *r.FirstFailureFaults, *r.ShrunkFaults)
	}
	return fmt.Sprintf("%s: caught %d/%d runs, first seed %d (%s), %s, by %s%s (%.0fs)", r.Name, r.FailingRuns,
		r.TotalRuns, *r.FirstFailingSeed, r.FirstFailingScenario, shrunk, strings.Join(r.InvariantsCaught, ", "),
		unitNote(r), r.Seconds)
}

func unitNote(r *mutants.Result) string {
	switch {
	case r.UnitTestsCaught == nil:
		return ""
	case *r.UnitTestsCaught:
		return "; unit tests catch it"
	}
	return "; unit tests pass"
}

func listCommand(_ context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("mutants list", flag.ContinueOnError)
	if code, ok := parseFlags(fs, args, stdout, stderr); !ok {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintln(stderr, "mutants list: takes no arguments; usage: mutants list")
		return exitUsage
	}
	_, ms, err := catalog()
	if err != nil {
		fmt.Fprintf(stderr, "mutants list: %v\n", err)
		return exitUsage
	}
	for _, m := range ms {
		fmt.Fprintf(stdout, "%-36s %-26s %s\n", m.Name, m.Class, m.Models)
	}
	return exitOK
}

// checkCommand applies every mutant to its own copy of the tree and builds
// every package of it, two at a time, so a catalog that has rotted (a
// patch that no longer applies or compiles) fails loudly.
func checkCommand(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("mutants check", flag.ContinueOnError)
	if code, ok := parseFlags(fs, args, stdout, stderr); !ok {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintln(stderr, "mutants check: takes no arguments; usage: mutants check")
		return exitUsage
	}
	root, ms, err := catalog()
	if err != nil {
		fmt.Fprintf(stderr, "mutants check: %v\n", err)
		return exitUsage
	}
	work, err := os.MkdirTemp("", "mutants-check-")
	if err != nil {
		fmt.Fprintf(stderr, "mutants check: %v\n", err)
		return exitUsage
	}
	defer os.RemoveAll(work)
	errs := make([]error, len(ms))
	var wg sync.WaitGroup
	sem := make(chan struct{}, runtime.NumCPU())
	for i := range ms {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			tree := filepath.Join(work, ms[i].Name)
			if errs[i] = mutants.Prepare(ctx, root, tree, &ms[i]); errs[i] == nil {
				errs[i] = mutants.Build(ctx, tree, ms[i].Name, "./...", os.DevNull)
			}
			os.RemoveAll(tree)
		})
	}
	wg.Wait()
	code := exitOK
	for i, m := range ms {
		if errs[i] != nil {
			fmt.Fprintf(stdout, "FAIL %s: %v\n", m.Name, errs[i])
			code = exitUsage
		} else {
			fmt.Fprintf(stdout, "ok   %s\n", m.Name)
		}
	}
	return code
}

func buildCommand(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("mutants build", flag.ContinueOnError)
	out := fs.String("out", "", "the executable to write (default: bin/faultline-NAME)")
	pkg := fs.String("pkg", "./cmd/faultline", "the command package to build")
	if code, ok := parseFlags(fs, args, stdout, stderr); !ok {
		return code
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(stderr, "mutants build: want one mutant name; usage: mutants build [--out FILE] [--pkg ./cmd/...] NAME")
		return exitUsage
	}
	name := fs.Arg(0)
	root, all, err := catalog()
	if err == nil {
		err = knownMutants(all, []string{name})
	}
	if err != nil {
		fmt.Fprintf(stderr, "mutants build: %v\n", err)
		return exitUsage
	}
	dest := *out
	if dest == "" {
		dest = filepath.Join(root, "bin", "faultline-"+name)
	}
	work, err := os.MkdirTemp("", "mutants-build-")
	if err != nil {
		fmt.Fprintf(stderr, "mutants build: %v\n", err)
		return exitUsage
	}
	defer os.RemoveAll(work)
	if err := mutants.BuildBinary(ctx, root, work, name, *pkg, dest); err != nil {
		fmt.Fprintf(stderr, "mutants build: %v\n", err)
		return exitUsage
	}
	fmt.Fprintf(stdout, "built %s with mutant %s: a planted bug, for demonstrations and tests only\n", dest, name)
	return exitOK
}

// knownMutants refuses a name not in the catalog, with the one it is
// likely a typo of.
func knownMutants(all []mutants.Mutant, names []string) error {
	known := make([]string, len(all))
	for i, m := range all {
		known[i] = m.Name
	}
	for _, n := range names {
		if !slices.Contains(known, n) {
			return fmt.Errorf("no mutant named %q in the catalog%s; mutants list lists them", n, cli.DidYouMean(n, known))
		}
	}
	return nil
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
