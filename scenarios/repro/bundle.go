// Package repro turns a failed run into something an engineer can act on:
// a failure bundle that replays byte for byte, and a shrinker that cuts its
// fault schedule and workload down to the smallest that still fails.
package repro

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime/debug"
	"time"

	"github.com/anishathalye/porcupine"

	"github.com/faultline/faultline/checkers"
	"github.com/faultline/faultline/faults"
	"github.com/faultline/faultline/scenarios"
)

// ErrBadBundle is wrapped by errors reading a bundle.
var ErrBadBundle = errors.New("repro: bad failure bundle")

// BundleVersion is the format version this code writes and reads.
const BundleVersion = 1

// Bundle is everything needed to replay a failure and to understand it.
// It lives as bundle.json in a directory, beside the Porcupine
// visualization when linearizability failed.
type Bundle struct {
	Version  int    `json:"version"`
	Scenario string `json:"scenario"`
	Seed     uint64 `json:"seed"`
	// Schedule is the full fault schedule the run used.
	Schedule faults.Schedule `json:"schedule"`
	// Applied is what the schedule did, roles resolved to nodes.
	Applied []AppliedFault `json:"applied"`
	// Workload are the scenario's workload parameters.
	Workload scenarios.WorkloadSpec `json:"workload"`
	// Parameters are the run's knobs (see scenarios.Parameters), replayed
	// as stored; a bundle without them (written before runs drew them)
	// ran, and replays, the scenario's defaults.
	Parameters *scenarios.Parameters `json:"parameters,omitempty"`
	// StopAt, when set, shortened the workload (shrinking).
	StopAt faults.Duration `json:"stop_at,omitempty"`
	// Mutant names the planted bug of the build that failed (see
	// scenarios.Mutant); only that build replays the bundle.
	Mutant string `json:"mutant,omitempty"`
	// ModuleVersion and Revision name the code that failed.
	ModuleVersion string `json:"module_version"`
	Revision      string `json:"revision"`
	TraceHash     string `json:"trace_hash"`
	// Violations are the invariants that failed, with their evidence.
	Violations []checkers.Verdict `json:"violations"`
	// Repro is the command that reproduces the run (see
	// scenarios.ReproCommand), set by Write: a run the seed alone does not
	// give (a schedule, parameters or workload length of its own) replays
	// from the files Write puts beside bundle.json.
	Repro string `json:"repro"`
	// Visualization is the Porcupine HTML file, relative to the bundle.
	Visualization string    `json:"visualization,omitempty"`
	CreatedFrom   string    `json:"created_from,omitempty"` // e.g. "shrunk from <dir>"
	Time          time.Time `json:"-"`
}

// AppliedFault is one fault as it happened.
type AppliedFault struct {
	AtSeconds   float64 `json:"at"`
	Description string  `json:"description"`
	Skipped     string  `json:"skipped,omitempty"`
}

// Version returns the module version and VCS revision of this binary.
func Version() (module, revision string) {
	module, revision = "(devel)", "unknown"
	if info, ok := debug.ReadBuildInfo(); ok {
		if info.Main.Version != "" {
			module = info.Main.Version
		}
		for _, s := range info.Settings {
			if s.Key == "vcs.revision" {
				revision = s.Value
			}
		}
	}
	return module, revision
}

// Options returns the run options that replay the bundle.
func (b *Bundle) Options() scenarios.RunOptions {
	sched := b.Schedule
	return scenarios.RunOptions{Schedule: &sched, StopAt: time.Duration(b.StopAt), Parameters: b.Parameters}
}

// FromOutcome builds a bundle from a failed run.
func FromOutcome(o *scenarios.Outcome, opts scenarios.RunOptions, sc *scenarios.Scenario) *Bundle {
	module, revision := Version()
	b := &Bundle{Version: BundleVersion, Scenario: o.Scenario, Seed: o.Seed, Schedule: o.Schedule,
		Workload: sc.Workload, StopAt: faults.Duration(opts.StopAt), Mutant: o.Mutant,
		ModuleVersion: module, Revision: revision, TraceHash: o.TraceHash}
	params := o.Parameters
	b.Parameters = &params
	for _, a := range o.Applied {
		b.Applied = append(b.Applied, AppliedFault{AtSeconds: a.At.Seconds(), Description: a.Fault.Describe(), Skipped: a.Skipped})
	}
	for _, v := range o.Verdicts {
		if v.Status != checkers.Pass {
			b.Violations = append(b.Violations, v)
		}
	}
	return b
}

// Files beside bundle.json that its repro command replays, when the seed
// alone does not give the bundle's run.
const (
	ScheduleFile   = "schedule.json"
	ParametersFile = "parameters.json"
)

// invocation is how to ask for the bundle's run again, with the files
// (named under dir) it needs beyond its scenario and seed: the schedule
// unless the seed gives the very same one, the parameters unless the seed
// draws the very same ones.
func (b *Bundle) invocation(dir string) (scenarios.Invocation, map[string][]byte) {
	inv := scenarios.Invocation{Scenario: b.Scenario, Seed: b.Seed, StopAt: time.Duration(b.StopAt), Mutant: b.Mutant}
	files := map[string][]byte{}
	sc, _ := scenarios.Lookup(b.Scenario)
	drawn := scenarios.DrawParameters(b.Seed, &sc)
	params := drawn
	if b.Parameters != nil {
		params = *b.Parameters
	}
	if got, want := parametersJSON(params), parametersJSON(drawn); !bytes.Equal(got, want) {
		inv.ParametersFile = filepath.Join(dir, ParametersFile)
		files[ParametersFile] = got
	}
	if got, want := scheduleJSON(b.Schedule), scheduleJSON(sc.ScheduleFor(b.Seed, params)); !bytes.Equal(got, want) {
		inv.ScheduleFile = filepath.Join(dir, ScheduleFile)
		files[ScheduleFile] = got
	}
	return inv, files
}

func parametersJSON(p scenarios.Parameters) []byte {
	data, _ := json.MarshalIndent(p, "", "  ") // plain data always marshals
	return append(data, '\n')
}

// scheduleJSON is s as a file, no faults written the same way however the
// schedule was read.
func scheduleJSON(s faults.Schedule) []byte {
	if len(s.Faults) == 0 {
		s.Faults = nil
	}
	return s.JSON()
}

// Write saves the bundle into dir, with the Porcupine visualization of the
// history (annotated with the faults) when linearizability failed, sets its
// repro command, and writes the files that command replays beside it.
func Write(dir string, b *Bundle, o *scenarios.Outcome) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	inv, files := b.invocation(dir)
	b.Repro = scenarios.ReproCommand(inv)
	for _, name := range []string{ScheduleFile, ParametersFile} {
		path := filepath.Join(dir, name)
		if data, ok := files[name]; ok {
			if err := os.WriteFile(path, data, 0o644); err != nil {
				return err
			}
		} else if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err // a stale file from an earlier bundle in dir would mislead
		}
	}
	// ledger-linearizability is a Maelstrom run's ledger clients' history;
	// o.Model and o.Linearization are its own when it alone failed.
	if o != nil && (b.failed("linearizability") || b.failed("ledger-linearizability")) {
		info := o.Linearization
		info.AddAnnotations(annotations(o))
		b.Visualization = "linearizability.html"
		if err := porcupine.VisualizePath(o.Model, info, filepath.Join(dir, b.Visualization)); err != nil {
			return fmt.Errorf("write visualization: %w", err)
		}
	}
	data, err := json.MarshalIndent(b, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "bundle.json"), append(data, '\n'), 0o644)
}

func (b *Bundle) failed(invariant string) bool {
	for _, v := range b.Violations {
		if v.Invariant == invariant {
			return true
		}
	}
	return false
}

// annotations draws the faults on the operations' timeline.
func annotations(o *scenarios.Outcome) []porcupine.Annotation {
	var out []porcupine.Annotation
	for _, a := range o.Applied {
		color := "#fde2e2"
		if !a.Fault.Disrupts() {
			color = "#dff5e1"
		}
		out = append(out, porcupine.Annotation{Tag: "faults", Start: int64(a.At), Description: a.Fault.Describe(),
			Details: a.Skipped, BackgroundColor: color})
	}
	return out
}

// Read loads a bundle from its directory (or its bundle.json).
func Read(path string) (*Bundle, error) {
	if info, err := os.Stat(path); err == nil && info.IsDir() {
		path = filepath.Join(path, "bundle.json")
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var b Bundle
	if err := json.Unmarshal(data, &b); err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrBadBundle, path, err)
	}
	switch {
	case b.Version != BundleVersion:
		return nil, fmt.Errorf("%w: %s: version %d, this faultline reads %d", ErrBadBundle, path, b.Version, BundleVersion)
	case b.Scenario == "":
		return nil, fmt.Errorf("%w: %s: no scenario", ErrBadBundle, path)
	}
	if _, ok := scenarios.Lookup(b.Scenario); !ok {
		return nil, fmt.Errorf("%w: %s: unknown scenario %q", ErrBadBundle, path, b.Scenario)
	}
	sc, _ := scenarios.Lookup(b.Scenario)
	if b.Parameters == nil {
		// Written before runs drew parameters: it ran the defaults.
		p := scenarios.DefaultParameters(&sc)
		b.Parameters = &p
	} else if !hasReplicas(data) {
		// Written before runs drew the cluster size: it ran the scenario's.
		b.Parameters.Replicas = sc.Replicas
	}
	// Written before runs drew the message byte bounds: the defaults.
	b.Parameters.DefaultMissingByteBounds()
	if err := b.Parameters.Validate(&sc); err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrBadBundle, path, err)
	}
	nodes := scenarioNodes(&sc, b.Parameters)
	for i := range b.Schedule.Faults {
		if err := (faults.Schedule{Faults: b.Schedule.Faults[i : i+1]}).Validate(nodes); err != nil {
			return nil, fmt.Errorf("%w: %s: %w", ErrBadBundle, path, err)
		}
	}
	return &b, nil
}

// hasReplicas reports whether a bundle's parameters name the cluster
// size: an explicit zero is a bad size, a missing one the scenario's own.
func hasReplicas(data []byte) bool {
	var raw struct {
		Parameters map[string]json.RawMessage `json:"parameters"`
	}
	if json.Unmarshal(data, &raw) != nil {
		return false
	}
	_, ok := raw.Parameters["replicas"]
	return ok
}

// scenarioNodes are the nodes of the bundle's run: its servers at the
// run's size, and its clients.
func scenarioNodes(sc *scenarios.Scenario, p *scenarios.Parameters) []string {
	sized := sc.Sized(p.Replicas)
	nodes := sized.Servers()
	for i := range max(sc.Workload.Clients, p.Clients) {
		nodes = append(nodes, fmt.Sprintf("c%d", i+1))
	}
	return nodes
}
