package repro

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/faultline/faultline/faults"
	"github.com/faultline/faultline/scenarios"
)

// TestABundleNamesOnlyTheFilesItsRunNeeds: a run the seed alone gives is
// stored with the plain command and the same bytes wherever it is written
// (so a sweep's bundle and run's are one); a schedule of its own is
// written beside bundle.json and named by the command, and a stale one
// from an earlier bundle in the same directory is removed.
func TestABundleNamesOnlyTheFilesItsRunNeeds(t *testing.T) {
	sc, _ := scenarios.Lookup("leader-crash")
	plain := writeRun(t, &sc, 4, scenarios.RunOptions{}, t.TempDir())
	elsewhere := writeRun(t, &sc, 4, scenarios.RunOptions{}, filepath.Join(t.TempDir(), "other place"))
	if plain.json != elsewhere.json {
		t.Errorf("the same run's bundle differs by where it was written:\n%s\n%s", plain.json, elsewhere.json)
	}
	want := scenarios.ReproCommand(scenarios.Invocation{Scenario: "leader-crash", Seed: 4})
	if plain.b.Repro != want || plain.has(ScheduleFile) || plain.has(ParametersFile) {
		t.Errorf("plain run stores %q (files %v), want %q and no files", plain.b.Repro, plain.files(), want)
	}

	seedsOwn := plain.b.Schedule // given explicitly, it is still the seed's run
	if again := writeRun(t, &sc, 4, scenarios.RunOptions{Schedule: &seedsOwn}, t.TempDir()); again.b.Repro != want {
		t.Errorf("the seed's own schedule, given, stores %q", again.b.Repro)
	}

	dir := t.TempDir()
	own := faults.Schedule{Faults: []faults.Fault{{At: faults.Duration(2 * time.Second), Kind: faults.Crash, Node: "n2"}}}
	scheduled := writeRun(t, &sc, 4, scenarios.RunOptions{Schedule: &own, StopAt: 5 * time.Second}, dir)
	want = scenarios.ReproCommand(scenarios.Invocation{Scenario: "leader-crash", Seed: 4,
		ScheduleFile: filepath.Join(dir, ScheduleFile), StopAt: 5 * time.Second})
	if scheduled.b.Repro != want || !scheduled.has(ScheduleFile) {
		t.Errorf("own schedule stores %q (files %v), want %q", scheduled.b.Repro, scheduled.files(), want)
	}
	if rewritten := writeRun(t, &sc, 4, scenarios.RunOptions{}, dir); rewritten.has(ScheduleFile) {
		t.Errorf("a plain bundle written over it keeps the stale %s", ScheduleFile)
	}
}

// TestExecuteRefusesBadRequests: what cannot be run is ErrBadRequest, in
// words that say what was wrong.
func TestExecuteRefusesBadRequests(t *testing.T) {
	dir := t.TempDir()
	typo := filepath.Join(dir, "typo.json")
	if err := writeFile(typo, `{"replicas": 5, "election_tciks": 10}`); err != nil {
		t.Fatal(err)
	}
	for name, req := range map[string]Request{
		"unknown scenario":  {Scenario: "nope", Seed: 1},
		"missing schedule":  {Scenario: "baseline", Seed: 1, ScheduleFile: filepath.Join(dir, "none.json")},
		"misspelt knob":     {Scenario: "baseline", Seed: 1, ParametersFile: typo},
		"missing parameter": {Scenario: "baseline", Seed: 1, ParametersFile: filepath.Join(dir, "none.json")},
	} {
		if _, err := Execute(req); !errors.Is(err, ErrBadRequest) {
			t.Errorf("%s: %v, want ErrBadRequest", name, err)
		}
	}
}

// written is a bundle as Write left it.
type written struct {
	dir  string
	b    *Bundle
	json string
}

func writeRun(t *testing.T, sc *scenarios.Scenario, seed uint64, opts scenarios.RunOptions, dir string) written {
	t.Helper()
	o, err := scenarios.Run(sc, seed, opts)
	if err != nil {
		t.Fatal(err)
	}
	b := FromOutcome(o, opts, sc)
	if err := Write(dir, b, o); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(dir, "bundle.json"))
	if err != nil {
		t.Fatal(err)
	}
	return written{dir: dir, b: b, json: string(data)}
}

func (w written) has(name string) bool {
	_, err := os.Stat(filepath.Join(w.dir, name))
	return err == nil
}

func (w written) files() []string {
	entries, _ := os.ReadDir(w.dir)
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}

// A record carries the CPU time its run used beside the wall time, and
// neither reaches the trace: two runs of one seed differ in both and share
// the hash.
func TestARecordCarriesItsCPUSecondsOutsideTheTrace(t *testing.T) {
	first, err := Execute(Request{Scenario: "baseline", Seed: 4})
	if err != nil {
		t.Fatal(err)
	}
	second, err := Execute(Request{Scenario: "baseline", Seed: 4})
	if err != nil {
		t.Fatal(err)
	}
	for _, rec := range []float64{first.Record.CPUSeconds, second.Record.CPUSeconds} {
		if rec <= 0 && runtime.GOOS != "windows" && runtime.GOOS != "plan9" {
			t.Errorf("cpu_seconds %v: a run of %d events used no CPU", rec, first.Record.Events)
		}
	}
	if first.Record.TraceHash != second.Record.TraceHash {
		t.Fatalf("trace hashes differ: %s, %s", first.Record.TraceHash, second.Record.TraceHash)
	}
}
