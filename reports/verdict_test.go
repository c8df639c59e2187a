package reports

import (
	"encoding/json"
	"testing"
)

// report.json says at its top whether the report passed, and which layout
// it has, so that a script reads one field instead of recomputing the
// verdict from the scenarios.
func TestReportJSONCarriesTheVerdictAndSchemaVersion(t *testing.T) {
	cases := []struct {
		name    string
		records []RunRecord
		want    string
	}{
		{"a failed run", sampleRecords(), "fail"},
		{"all passed, tolerances held", sampleRecords()[2:], "pass"},
		{"all passed, a tolerance breached", []RunRecord{sampleRecords()[0]}, "fail"},
	}
	// leader-crash seed 1 passes but recovers in 0.2s: over a 0.1s bound.
	info := map[string]ScenarioInfo{}
	for k, v := range sampleInfo {
		info[k] = v
	}
	tight := info["leader-crash"]
	tight.RecoveryBoundS = 0.1
	info["leader-crash"] = tight
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := Build(tc.records, info, Evidence{})
			b, err := json.Marshal(&r)
			if err != nil {
				t.Fatal(err)
			}
			var top map[string]any
			if err := json.Unmarshal(b, &top); err != nil {
				t.Fatal(err)
			}
			if top["verdict"] != tc.want {
				t.Errorf("verdict %v, want %s (failed %d, breaches %v)", top["verdict"], tc.want, r.Failed, r.Breaches)
			}
			if v, ok := top["schema_version"].(float64); !ok || int(v) != ReportSchemaVersion {
				t.Errorf("schema_version %v, want %d", top["schema_version"], ReportSchemaVersion)
			}
		})
	}
}
