package repro

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/faultline/faultline/faults"
	"github.com/faultline/faultline/reports"
	"github.com/faultline/faultline/scenarios"
)

// Request is one run to make and what to keep of it. `faultline run` and
// every job of a sweep are a Request given to Execute, so that they run,
// record, bundle and shrink one way and name one repro command.
type Request struct {
	Scenario string
	Seed     uint64
	// ScheduleFile replays the fault schedule in this JSON file instead of
	// the seed's.
	ScheduleFile string
	// ParametersFile sets the run's knobs from this JSON file (all of
	// them, as a bundle's "parameters") instead of the seed's draw.
	ParametersFile string
	// StopAt ends client traffic early, as a shrunk run does; zero: the
	// scenario's own length.
	StopAt time.Duration
	// Trace receives the JSON-lines trace.
	Trace io.Writer
	// Bundles is where a failure's bundle goes, as <scenario>-seed<seed>
	// (see BundleDir); empty: nowhere.
	Bundles string
	// ShrinkRuns, when positive, also shrinks a failure's bundle, in at
	// most this many runs, into ShrunkDir of it.
	ShrinkRuns int
}

// ErrBadRequest is what every error of Execute is (errors.Is): the request
// names an unknown scenario, or a schedule or parameters file that cannot
// be read or does not fit the scenario. A failed run is not an error.
var ErrBadRequest = errors.New("bad run request")

// badRequest says what was wrong with a request in its own words, and is
// ErrBadRequest.
type badRequest struct{ err error }

func (e badRequest) Error() string        { return e.err.Error() }
func (e badRequest) Unwrap() error        { return e.err }
func (e badRequest) Is(target error) bool { return target == ErrBadRequest }

// Executed is what Execute did.
type Executed struct {
	Outcome *scenarios.Outcome
	// Record is the run's record; a failure's has its repro command and,
	// when one was written, its bundle.
	Record reports.RunRecord
	// Shrunk is the shrunk bundle's directory, when one was written.
	Shrunk string
	// BundleErr says why a failure's bundle, or its shrink, was not
	// written. The record stands without it.
	BundleErr error
}

// Invocation is how the request asks for its run, in this binary: what its
// repro command must say.
func (r *Request) Invocation() scenarios.Invocation {
	return scenarios.Invocation{Scenario: r.Scenario, Seed: r.Seed, ScheduleFile: r.ScheduleFile,
		ParametersFile: r.ParametersFile, StopAt: r.StopAt, Mutant: scenarios.Mutant}
}

// Execute runs the request and records it; a failure gets its repro
// command, and a bundle (shrunk too, when asked) under req.Bundles.
func Execute(req Request) (*Executed, error) {
	sc, ok := scenarios.Lookup(req.Scenario)
	if !ok {
		return nil, badRequest{fmt.Errorf("unknown scenario %q (known: %v)", req.Scenario, scenarios.Names())}
	}
	opts, err := req.options()
	if err != nil {
		return nil, err
	}
	start := time.Now()      // nondeterministic-ok: the harness's own wall time, outside the simulation
	cpuStart := processCPU() // nondeterministic-ok: the harness's own CPU time, outside the simulation
	out, err := scenarios.Run(&sc, req.Seed, opts)
	if err != nil {
		return nil, badRequest{err}
	}
	ex := &Executed{Outcome: out, Record: out.Record(&sc, time.Since(start))} // nondeterministic-ok: wall seconds for the record only, never the trace
	ex.Record.CPUSeconds = (processCPU() - cpuStart).Seconds()                // nondeterministic-ok: CPU seconds for the record only, never the trace
	if ex.Record.Verdict == "pass" {
		return ex, nil
	}
	ex.Record.Repro = scenarios.ReproCommand(req.Invocation())
	if req.Bundles != "" {
		ex.keep(req, FromOutcome(out, opts, &sc))
	}
	return ex, nil
}

// keep writes a failure's bundle, and shrinks it when asked.
func (ex *Executed) keep(req Request, b *Bundle) {
	dir := BundleDir(req.Bundles, req.Scenario, req.Seed)
	if err := Write(dir, b, ex.Outcome); err != nil {
		ex.BundleErr = fmt.Errorf("write failure bundle: %w", err)
		return
	}
	ex.Record.Bundle = dir
	if req.ShrinkRuns <= 0 {
		return
	}
	if _, err := ShrinkInto(ShrunkDir(dir), b, ShrinkOptions{RunsMax: req.ShrinkRuns}); err != nil {
		ex.BundleErr = err // the full bundle is still the evidence
		return
	}
	ex.Shrunk = ShrunkDir(dir)
}

// options are the run options the request's files give.
func (r *Request) options() (scenarios.RunOptions, error) {
	opts := scenarios.RunOptions{Trace: r.Trace, StopAt: r.StopAt}
	if r.ScheduleFile != "" {
		data, err := os.ReadFile(r.ScheduleFile)
		if err != nil {
			return opts, badRequest{err}
		}
		s, err := faults.ParseSchedule(data)
		if err != nil {
			return opts, badRequest{fmt.Errorf("%s: %w", r.ScheduleFile, err)}
		}
		opts.Schedule = &s
	}
	if r.ParametersFile != "" {
		p, err := readParameters(r.ParametersFile)
		if err != nil {
			return opts, badRequest{fmt.Errorf("%s: %w", r.ParametersFile, err)}
		}
		opts.Parameters = &p
	}
	return opts, nil
}

// readParameters reads a whole set of knobs; scenarios.Run validates them
// against the scenario.
func readParameters(path string) (scenarios.Parameters, error) {
	var p scenarios.Parameters
	data, err := os.ReadFile(path)
	if err != nil {
		return p, err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields() // a misspelt knob would otherwise keep its zero
	if err := dec.Decode(&p); err != nil {
		return p, fmt.Errorf("parameters: %w", err)
	}
	p.DefaultMissingByteBounds() // a file written before the byte bounds were knobs
	return p, nil
}

// BundleDir is where a failure of scenario and seed keeps its bundle under
// bundles.
func BundleDir(bundles, scenario string, seed uint64) string {
	return filepath.Join(bundles, fmt.Sprintf("%s-seed%d", scenario, seed))
}

// ShrunkDir is where a bundle's shrink goes unless told otherwise: beside
// it, as <dir>-shrunk.
func ShrunkDir(dir string) string { return filepath.Clean(dir) + "-shrunk" }

// ShrinkInto shrinks b and writes the shrunk bundle into dir, whose repro
// command then reproduces the shrunk failure, not the original one.
func ShrinkInto(dir string, b *Bundle, opts ShrinkOptions) (*Shrunk, error) {
	res, err := Shrink(b, opts)
	if err != nil {
		return nil, err
	}
	if err := Write(dir, res.Bundle, res.Outcome); err != nil {
		return nil, fmt.Errorf("write shrunk bundle: %w", err)
	}
	return res, nil
}
