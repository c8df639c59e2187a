package scenarios

import (
	"fmt"
	"slices"
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
	sizes := map[int]int{}
	defaults := 0
	for seed := uint64(1); seed <= 400; seed++ {
		p := DrawParameters(seed, &sc)
		sizes[p.Replicas]++
		if p.Replicas != sc.Replicas && p.Describe(&sc) == "defaults" {
			t.Fatalf("seed %d drew %d replicas, and Describe says defaults", seed, p.Replicas)
		}
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
	// The scenario's own size is the most run; the others come up too.
	if sizes[3] == 0 || sizes[7] == 0 || sizes[5] < 2*(sizes[3]+sizes[7]) || len(sizes) != 3 {
		t.Errorf("cluster sizes of 400 seeds: %v, want mostly 5 and some 3 and 7", sizes)
	}
	for _, knob := range []string{"replicas", "election_ticks", "heartbeat_ticks", "entries_per_append_max", "inflight_max",
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
	skipSingleGoroutineUnderRace(t)
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

// TestADrawnClusterSizeReplaysExactly: a run given 7 replicas runs seven,
// with the fault plan drawn for seven (rolling-restart restarts n7 too),
// and given those parameters again is the same run.
func TestADrawnClusterSizeReplaysExactly(t *testing.T) {
	skipSingleGoroutineUnderRace(t)
	sc, _ := Lookup("rolling-restart")
	p := DefaultParameters(&sc)
	p.Replicas = 7
	first, err := Run(&sc, 2, RunOptions{Parameters: &p})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(first.Schedule.JSON()), `"n7"`) {
		t.Fatalf("the schedule of a 7-replica run names no n7: %s", first.Schedule.JSON())
	}
	if !first.Passed() || first.Parameters.Replicas != 7 || first.Parameters.Describe(&sc) != "replicas=7" {
		t.Fatalf("passed %v, parameters %s: %v", first.Passed(), first.Parameters.Describe(&sc), first.Verdicts)
	}
	q := first.Parameters
	again, err := Run(&sc, 2, RunOptions{Parameters: &q})
	if err != nil {
		t.Fatal(err)
	}
	if again.TraceHash != first.TraceHash {
		t.Fatalf("given replicas=7 again the run hashed %s, first %s", again.TraceHash, first.TraceHash)
	}
	five, err := Run(&sc, 2, RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if five.Parameters.Replicas != 5 || five.TraceHash == first.TraceHash {
		t.Fatalf("seed 2 drew %d replicas and hashed %s, the 7-replica run %s", five.Parameters.Replicas, five.TraceHash, first.TraceHash)
	}
}

// TestEverySwarmingScenarioRunsAtEverySize: across the first seeds, each
// scenario that swarms draws each of its sizes at least once, and the
// first seed of each size runs to a pass with that many replicas, its
// fault plan drawn for them. The draws alone are cheap; -short runs one
// size besides the scenario's own, both in full.
func TestEverySwarmingScenarioRunsAtEverySize(t *testing.T) {
	const seedsMax = 40
	for _, sc := range catalogUnderTest(t) {
		if sc.NoParameterSwarm {
			continue
		}
		first := map[int]uint64{}
		for seed := uint64(1); seed <= seedsMax; seed++ {
			if n := DrawParameters(seed, &sc).Replicas; first[n] == 0 {
				first[n] = seed
			}
		}
		for _, n := range sc.swarmSizes() {
			if first[n] == 0 {
				t.Errorf("%s: no seed of 1-%d draws %d replicas", sc.Name, seedsMax, n)
			}
		}
		for _, n := range sc.swarmSizes() {
			seed := first[n]
			if seed == 0 || (testing.Short() && n != 3 && n != sc.Replicas && slices.Contains(sc.swarmSizes(), 3)) {
				continue
			}
			t.Run(fmt.Sprintf("%s/%d-replicas/seed-%d", sc.Name, n, seed), func(t *testing.T) {
				o, err := Run(&sc, seed, RunOptions{})
				if err != nil {
					t.Fatal(err)
				}
				if o.Parameters.Replicas != n {
					t.Fatalf("ran %d replicas, the seed draws %d", o.Parameters.Replicas, n)
				}
				if sched := string(o.Schedule.JSON()); strings.Contains(sched, fmt.Sprintf(`"n%d"`, n+1)) {
					t.Errorf("the schedule names n%d, beyond the %d replicas: %s", n+1, n, sched)
				}
				for _, v := range o.Verdicts {
					if v.Status != "pass" {
						t.Errorf("%s: %s %v (repro: %s)", v.Invariant, v.Status, v.Evidence, ReproCommand(Invocation{Scenario: sc.Name, Seed: seed, Mutant: Mutant}))
					}
				}
			})
		}
	}
}

func TestParametersValidateRejectsBadKnobs(t *testing.T) {
	sc, _ := Lookup("swarm")
	for name, bad := range map[string]func(*Parameters){
		"no replicas":                    func(p *Parameters) { p.Replicas = 0 },
		"two replicas":                   func(p *Parameters) { p.Replicas = 2 },
		"sixteen replicas":               func(p *Parameters) { p.Replicas = 16 },
		"heartbeat not below election":   func(p *Parameters) { p.HeartbeatTicks = p.ElectionTicks },
		"no entries per append":          func(p *Parameters) { p.EntriesPerAppendMax = 0 },
		"too many entries per append":    func(p *Parameters) { p.EntriesPerAppendMax = replica.EntriesPerMsgMax + 1 },
		"no snapshots":                   func(p *Parameters) { p.SnapshotEntries = 0 },
		"no append bytes":                func(p *Parameters) { p.AppendBytesMax = -1 },
		"snapshot chunks over the limit": func(p *Parameters) { p.SnapshotChunkBytesMax = replica.SnapshotChunkLimit + 1 },
		"no segment":                     func(p *Parameters) { p.SegmentEntriesMax = -1 },
		"no clients":                     func(p *Parameters) { p.Clients = 0 },
		"no attempt timeout":             func(p *Parameters) { p.AttemptTimeout = 0 },
		"empty mix":                      func(p *Parameters) { p.Mix = Mix{} },
		"batch job at zero":              func(p *Parameters) { p.BatchJobs = []BatchJob{{StartAt: 0, Ops: 1}} },
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

// TestAFixedSizeScenarioRefusesOtherSizes: lose-20pct's plan is written for
// five replicas, so it never draws another size nor accepts one.
func TestAFixedSizeScenarioRefusesOtherSizes(t *testing.T) {
	sc, _ := Lookup("lose-20pct")
	for seed := uint64(1); seed <= 100; seed++ {
		if n := DrawParameters(seed, &sc).Replicas; n != 5 {
			t.Fatalf("seed %d drew %d replicas", seed, n)
		}
	}
	p := DefaultParameters(&sc)
	p.Replicas = 7
	if err := p.Validate(&sc); err == nil || !strings.Contains(err.Error(), "replicas must be 5") {
		t.Fatalf("replicas=7 for lose-20pct: %v", err)
	}
}

// TestReductionsPutTheClusterSizeBack: the shrinker's first candidate is
// the scenario's own size.
func TestReductionsPutTheClusterSizeBack(t *testing.T) {
	sc, _ := Lookup("swarm")
	p := DefaultParameters(&sc)
	p.Replicas, p.InflightMax = 3, 2
	rs := p.Reductions(&sc)
	if len(rs) != 2 || rs[0].Replicas != sc.Replicas || rs[0].InflightMax != 2 || rs[1].Replicas != 3 {
		t.Fatalf("reductions of replicas=3 inflight_max=2: %+v", rs)
	}
}

// TestSizedSpreadsPerNodeSettings: regions and clock settings follow the
// cluster size.
func TestSizedSpreadsPerNodeSettings(t *testing.T) {
	cr, _ := Lookup("cross-region")
	for n, want := range map[int]string{3: "[[0] [1] [2]]", 5: "[[0 1] [2 3] [4]]", 7: "[[0 1 2] [3 4] [5 6]]"} {
		if got := fmt.Sprint(cr.Sized(n).Regions); got != want {
			t.Errorf("cross-region at %d replicas: regions %s, want %s", n, got, want)
		}
	}
	cs, _ := Lookup("clock-skew")
	small := cs.Sized(3)
	if fmt.Sprint(small.ClockDriftPPM) != "[100000 -100000 0]" || len(small.ClockOffset) != 3 {
		t.Errorf("clock-skew at 3 replicas: drift %v offsets %v", small.ClockDriftPPM, small.ClockOffset)
	}
	if big := cs.Sized(7); fmt.Sprint(big.ClockDriftPPM) != fmt.Sprint(cs.ClockDriftPPM) {
		t.Errorf("clock-skew at 7 replicas: drift %v", big.ClockDriftPPM)
	}
}
