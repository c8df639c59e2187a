package scenarios

import (
	"testing"
	"time"
)

// Every repro command is built by ReproCommand: each thing a run was asked
// for beyond its seed appears as the flag that asks for it again.
func TestReproCommandSaysEverythingTheRunDependsOn(t *testing.T) {
	for name, tc := range map[string]struct {
		inv  Invocation
		want string
	}{
		"plain": {Invocation{Scenario: "leader-crash", Seed: 7}, "faultline run --scenario leader-crash --seed 7"},
		"schedule": {Invocation{Scenario: "swarm", Seed: 9, ScheduleFile: "b/swarm-seed9/schedule.json"},
			"faultline run --scenario swarm --seed 9 --schedule b/swarm-seed9/schedule.json"},
		"parameters and a shorter workload": {Invocation{Scenario: "swarm", Seed: 9, ParametersFile: "p.json", StopAt: 2500 * time.Microsecond},
			"faultline run --scenario swarm --seed 9 --parameters p.json --stop-at 2.5ms"},
		"a path a shell would split": {Invocation{Scenario: "baseline", Seed: 1, ScheduleFile: "my runs/it's.json"},
			`faultline run --scenario baseline --seed 1 --schedule 'my runs/it'\''s.json'`},
		"a mutant's build": {Invocation{Scenario: "baseline", Seed: 1, Mutant: "commit-without-quorum"},
			"go run ./cmd/mutants build --out bin/faultline-commit-without-quorum commit-without-quorum && " +
				"bin/faultline-commit-without-quorum run --scenario baseline --seed 1"},
	} {
		if got := ReproCommand(tc.inv); got != tc.want {
			t.Errorf("%s:\n got %s\nwant %s", name, got, tc.want)
		}
	}
}
