package repro

import (
	"errors"
	"path/filepath"
	"testing"
)

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
