package scenarios

import (
	"testing"
)

func TestEveryScenarioPassesOnASeed(t *testing.T) {
	for _, sc := range Catalog() {
		t.Run(sc.Name, func(t *testing.T) {
			o, err := Run(&sc, 1, RunOptions{})
			if err != nil {
				t.Fatal(err)
			}
			h := o.History
			t.Logf("%s: ok=%d unknown=%d failed=%d events=%d faults=%d recovery=%v", sc.Name, h.OK, h.Unknown, h.Failed, o.Events, len(o.Applied), o.Recovery)
			for _, v := range o.Verdicts {
				if v.Status != "pass" {
					t.Errorf("%s: %s %v", v.Invariant, v.Status, v.Evidence)
				}
			}
		})
	}
}
