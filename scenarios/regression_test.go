package scenarios

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/faultline/faultline/faults"
)

// regressionDir keeps the shrunk fault schedule of every failure a sweep
// has found and a fix has closed, as SCENARIO-seedN.json (the schedule a
// shrunk bundle holds). Each is replayed under its scenario and seed and
// must pass: the exact interleaving that once broke an invariant stays a
// test, even after the generator or the scenario's seed space moves on.
const regressionDir = "testdata/regressions"

func TestFoundFailuresStayFixed(t *testing.T) {
	paths, err := filepath.Glob(filepath.Join(regressionDir, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) == 0 {
		t.Fatalf("no schedules in %s", regressionDir)
	}
	for _, path := range paths {
		name := strings.TrimSuffix(filepath.Base(path), ".json")
		t.Run(name, func(t *testing.T) {
			scenario, seedText, ok := strings.Cut(name, "-seed")
			seed, err := strconv.ParseUint(seedText, 10, 64)
			if !ok || err != nil {
				t.Fatalf("%s: name it SCENARIO-seedN.json", path)
			}
			sc, ok := Lookup(scenario)
			if !ok {
				t.Fatalf("%s: no scenario %q", path, scenario)
			}
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			sched, err := faults.ParseSchedule(b)
			if err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			o, err := Run(&sc, seed, RunOptions{Schedule: &sched})
			if err != nil {
				t.Fatal(err)
			}
			for _, v := range o.Verdicts {
				if v.Status != "pass" {
					t.Errorf("%s: %s %v (repro: faultline run --scenario %s --seed %d --schedule scenarios/%s)",
						v.Invariant, v.Status, v.Evidence, scenario, seed, path)
				}
			}
		})
	}
}
