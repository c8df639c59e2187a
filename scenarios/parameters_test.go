package scenarios

import (
	"strings"
	"testing"

	"github.com/faultline/faultline/ledger/replica"
)

// TestParametersAreDrawnFromTheSeed: the same seed draws the same knobs,
// about half of the seeds keep the defaults, every knob is drawn away from
// its default in some seed, and the reference scenario never is.
func TestParametersAreDrawnFromTheSeed(t *testing.T) {
	sc, _ := Lookup("swarm")
	ref, _ := Lookup("baseline")
	d := DefaultParameters(&sc)
	changed := map[string]int{}
	defaults := 0
	for seed := uint64(1); seed <= 400; seed++ {
		p := DrawParameters(seed, &sc)
		if q := DrawParameters(seed, &sc); p.Describe(&sc) != q.Describe(&sc) {
			t.Fatalf("seed %d drew %s, then %s", seed, p.Describe(&sc), q.Describe(&sc))
		}
		if err := p.Validate(&sc); err != nil {
			t.Fatalf("seed %d drew invalid parameters: %v", seed, err)
		}
		desc := p.Describe(&sc)
		knobs := p
		knobs.RogueClients = d.RogueClients // drawn on a stream of its own, in one seed of two
		if knobs.Describe(&sc) == "defaults" {
			defaults++
		}
		for _, field := range strings.Fields(desc) {
			changed[strings.SplitN(field, "=", 2)[0]]++
		}
		r := DrawParameters(seed, &ref)
		r.SessionsMax, r.BatchJobs = 0, nil // session pressure applies to every scenario
		rd := DefaultParameters(&ref)
		rd.SessionsMax = 0
		if r.Describe(&ref) != rd.Describe(&ref) {
			t.Fatalf("seed %d: the reference scenario drew %s", seed, r.Describe(&ref))
		}
	}
	if defaults < 100 || defaults > 260 {
		t.Errorf("%d of 400 seeds kept the defaults, want about half (less the session pressure)", defaults)
	}
	for _, knob := range []string{"election_ticks", "heartbeat_ticks", "entries_per_append_max", "inflight_max",
		"snapshot_entries", "segment_entries_max", "sessions_max", "clients", "attempt_timeout", "mix", "rogue_clients"} {
		if changed[knob] == 0 {
			t.Errorf("no seed of 400 drew %s away from its default (%+v)", knob, d)
		}
	}
}

// TestGivenParametersReplayTheRunExactly: a run given the parameters its
// seed draws is the same run (what a bundle replays), and one given other
// parameters is a different run.
func TestGivenParametersReplayTheRunExactly(t *testing.T) {
	sc, _ := Lookup("leader-churn")
	const seed = 6
	plain, err := Run(&sc, seed, RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if plain.Parameters.Describe(&sc) == "defaults" {
		t.Fatal("seed 6 draws the defaults; pick a seed that draws parameters")
	}
	p := plain.Parameters
	given, err := Run(&sc, seed, RunOptions{Parameters: &p})
	if err != nil {
		t.Fatal(err)
	}
	if given.TraceHash != plain.TraceHash {
		t.Fatalf("given its own parameters the run hashed %s, drawn %s", given.TraceHash, plain.TraceHash)
	}
	d := DefaultParameters(&sc)
	other, err := Run(&sc, seed, RunOptions{Parameters: &d})
	if err != nil {
		t.Fatal(err)
	}
	if other.TraceHash == plain.TraceHash {
		t.Fatal("the defaults ran the same as the drawn parameters: the parameters take no effect")
	}
}

func TestParametersValidateRejectsBadKnobs(t *testing.T) {
	sc, _ := Lookup("swarm")
	for name, bad := range map[string]func(*Parameters){
		"heartbeat not below election": func(p *Parameters) { p.HeartbeatTicks = p.ElectionTicks },
		"no entries per append":        func(p *Parameters) { p.EntriesPerAppendMax = 0 },
		"too many entries per append":  func(p *Parameters) { p.EntriesPerAppendMax = replica.EntriesPerMsgMax + 1 },
		"no snapshots":                 func(p *Parameters) { p.SnapshotEntries = 0 },
		"no segment":                   func(p *Parameters) { p.SegmentEntriesMax = -1 },
		"no clients":                   func(p *Parameters) { p.Clients = 0 },
		"no attempt timeout":           func(p *Parameters) { p.AttemptTimeout = 0 },
		"empty mix":                    func(p *Parameters) { p.Mix = Mix{} },
		"batch job at zero":            func(p *Parameters) { p.BatchJobs = []BatchJob{{StartAt: 0, Ops: 1}} },
	} {
		p := DefaultParameters(&sc)
		bad(&p)
		if err := p.Validate(&sc); err == nil {
			t.Errorf("%s: accepted", name)
		}
		if _, err := Run(&sc, 1, RunOptions{Parameters: &p}); err == nil {
			t.Errorf("%s: a run accepted them", name)
		}
	}
}
