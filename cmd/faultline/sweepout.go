package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/faultline/faultline/scenarios"
	"github.com/faultline/faultline/scenarios/repro"
	"github.com/faultline/faultline/scenarios/sweep"
)

// sweepJobs lists the jobs of the sweep f describes, its shard only.
func sweepJobs(f sweepFlags) ([]sweep.Job, error) {
	var jobs []sweep.Job
	for _, name := range f.scenarios {
		for seed := f.first; ; seed++ {
			jobs = append(jobs, sweep.Job{Scenario: name, Seed: seed})
			if seed == f.last {
				break
			}
		}
	}
	return sweep.Shard(jobs, f.shard, f.count)
}

// manifestOf is what f's output directory is made for.
func manifestOf(f sweepFlags) sweep.Manifest {
	_, revision := repro.Version()
	return sweep.Manifest{Scenarios: f.scenarios, Seeds: fmt.Sprintf("%d-%d", f.first, f.last),
		Shard:     fmt.Sprintf("%d/%d", f.shard, f.count),
		StartedAt: time.Now().UTC().Format(time.RFC3339), // the coordinator's wall clock, outside any simulation
		Revision:  revision}
}

// openSweep prepares f's output and returns the jobs to run: all of them
// into a new (or empty) --out, or, with --resume, those the interrupted
// sweep there has no record of, with a tally of those it has.
func openSweep(f sweepFlags, stderr io.Writer) (*sweep.Output, []sweep.Job, *sweep.Tally, error) {
	if f.resume {
		return resumeSweep(f, stderr)
	}
	jobs, err := sweepJobs(f)
	if err != nil || f.out == "" {
		return nil, jobs, nil, err
	}
	out, err := sweep.Create(f.out, manifestOf(f))
	if errors.Is(err, sweep.ErrOutputNotEmpty) {
		err = fmt.Errorf("--out %w; a sweep never overwrites one: finish the sweep there with --resume, or give a new or empty directory", err)
	}
	return out, jobs, nil, err
}

// resumeSweep opens the interrupted sweep in f.out (f as resumeFlags
// completed it) and returns the jobs it has no record of.
func resumeSweep(f sweepFlags, stderr io.Writer) (*sweep.Output, []sweep.Job, *sweep.Tally, error) {
	jobs, err := sweepJobs(f)
	if err != nil {
		return nil, nil, nil, err
	}
	out, r, err := sweep.Resume(f.out, manifestOf(f), jobs)
	if errors.Is(err, sweep.ErrResumeMismatch) {
		err = fmt.Errorf("--resume: %w (omit --scenario, --seeds and --shard to take the sweep's own)", err)
	}
	if err != nil {
		return nil, nil, nil, err
	}
	if r.Torn != nil {
		fmt.Fprintf(stderr, "faultline sweep: warning: %s:%d was cut short (%d bytes, an interrupted write); removed it, and its run runs again\n",
			r.Torn.Path, r.Torn.Line, r.Torn.Bytes)
	}
	if _, revision := repro.Version(); r.Manifest.Revision != "" && revision != r.Manifest.Revision {
		fmt.Fprintf(stderr, "faultline sweep: warning: the sweep in %s was started by revision %s, this is %s: its runs will mix two builds\n",
			f.out, r.Manifest.Revision, revision)
	}
	var rest []sweep.Job
	for _, j := range jobs {
		if !r.Done[j] {
			rest = append(rest, j)
		}
	}
	fmt.Fprintf(stderr, "faultline sweep: resuming %s: %d of %d runs recorded, %d to run\n", f.out, len(jobs)-len(rest), len(jobs), len(rest))
	return out, rest, r.Earlier, nil
}

// resumeFlags fills the job flags a resume did not give from the sweep
// it finishes; those it gave must agree (sweep.Resume checks).
func resumeFlags(f sweepFlags) (sweepFlags, error) {
	m, err := sweep.ReadManifest(f.out)
	if err != nil {
		return f, fmt.Errorf("--resume: %w", err)
	}
	if !f.set["scenario"] {
		for _, name := range m.Scenarios {
			if _, ok := scenarios.Lookup(name); !ok {
				return f, fmt.Errorf("--resume: the sweep in %s runs scenario %q, which this build does not have", f.out, name)
			}
		}
		f.scenarios = m.Scenarios
	}
	if !f.set["seeds"] {
		if f.first, f.last, err = parseSeedRange(m.Seeds); err != nil {
			return f, fmt.Errorf("--resume: %s: %w", f.out, err)
		}
	}
	if !f.set["shard"] {
		if f.shard, f.count, err = parseShard(m.Shard); err != nil {
			return f, fmt.Errorf("--resume: %s: %w", f.out, err)
		}
	}
	return f, nil
}

// interruption is why a sweep's context ended: a signal.
type interruption struct{ signal os.Signal }

func (i interruption) Error() string {
	switch i.signal {
	case os.Interrupt:
		return "interrupted by SIGINT"
	case syscall.SIGTERM:
		return "interrupted by SIGTERM"
	}
	return "interrupted by " + i.signal.String()
}

// interruptible returns a context that the first SIGINT or SIGTERM ends;
// a second one ends the process as usual, for a user who will not wait.
// stop releases the signals.
func interruptible(parent context.Context) (ctx context.Context, stop func()) {
	ctx, cancel := context.WithCancelCause(parent)
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() { // nondeterministic-ok: the sweep coordinator's signal handling, outside any simulation
		select {
		case sig := <-signals:
			signal.Stop(signals)
			cancel(interruption{sig})
		case <-done:
		}
	}()
	return ctx, func() {
		signal.Stop(signals)
		close(done)
		cancel(nil)
	}
}

// explainInterruption says what an interrupted sweep kept and how to
// finish it, and returns its exit code: 128 plus the signal's number, as
// a shell reports a process the signal killed (130 for SIGINT, 143 for
// SIGTERM); 130 when no signal is known.
func explainInterruption(w io.Writer, ctx context.Context, s sweep.Summary, f sweepFlags) int {
	code, why := exitInterrupted, "interrupted"
	var in interruption
	if errors.As(context.Cause(ctx), &in) {
		why = in.Error()
		if sig, ok := in.signal.(syscall.Signal); ok {
			code = 128 + int(sig)
		}
	}
	if f.out == "" {
		fmt.Fprintf(w, "faultline sweep: %s: %d runs done, %d not run; nothing was kept to resume (no --out)\n", why, s.Runs, s.Unfinished)
		return code
	}
	fmt.Fprintf(w, "faultline sweep: %s: %d runs recorded in %s, %d not run (runs in flight were abandoned)\n", why, s.Runs, f.out, s.Unfinished)
	fmt.Fprintf(w, "resume with: %s\n", resumeCommand(f))
	return code
}

// resumeCommand is the command line that finishes f's sweep.
func resumeCommand(f sweepFlags) string {
	words := []string{"faultline", "sweep"}
	for _, a := range f.args {
		if strings.ContainsAny(a, " \t\n'\"\\$`") || a == "" {
			a = strconv.Quote(a)
		}
		words = append(words, a)
	}
	if !f.resume {
		words = append(words, "--resume")
	}
	return strings.Join(words, " ")
}
