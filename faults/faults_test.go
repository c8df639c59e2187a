package faults

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/faultline/faultline/sim"
	"github.com/faultline/faultline/sim/simtest"
)

var nodes = []string{"n1", "n2", "n3", "n4", "n5"}

func everyKind() Schedule {
	lat := sim.UniformLatency(10*time.Millisecond, 50*time.Millisecond)
	s := Schedule{Faults: []Fault{
		{At: 1, Kind: Crash, Node: "n1"}, {At: 2, Kind: Restart, Node: "n1", Delay: Duration(time.Second)},
		{At: 3, Kind: Pause, Node: "n2"}, {At: 4, Kind: Resume, Node: "n2"},
		{At: 5, Kind: Slow, Node: "n3", Delay: Duration(50 * time.Millisecond)},
		{At: 6, Kind: Partition, Groups: [][]string{{"n1"}, {"n2", "n3"}}}, {At: 7, Kind: Isolate, Node: "n4"},
		{At: 8, Kind: Cut, From: "n1", To: "n2"}, {At: 9, Kind: Heal},
		{At: 10, Kind: Loss, Rate: 0.1}, {At: 11, Kind: Duplicate, Rate: 0.2, From: "n1", To: "n2"},
		{At: 12, Kind: Reorder, Rate: 0.3}, {At: 13, Kind: Delay, Latency: &lat}, {At: 14, Kind: NetworkNormal},
		{At: 15, Kind: ClockOffset, Node: "n1", Offset: Duration(-2 * time.Second)},
		{At: 16, Kind: ClockJump, Node: "n2", Offset: Duration(time.Second)}, {At: 17, Kind: ClockDrift, Node: "n3", PPM: 50_000},
		{At: 18, Kind: TornWrite, Node: "n1"}, {At: 19, Kind: BitFlip, Node: "n2"},
		{At: 20, Kind: MisdirectedWrite, Node: "n3", Count: 2}, {At: 21, Kind: FsyncFailure, Node: "n4", Count: 1},
		{At: 22, Kind: SlowDisk, Node: "n5", Count: 10}, {At: 23, Kind: DiskLoss, Node: "n5"},
		{At: 24, Kind: CrashPoint, Node: "n1", Point: DuringFsync, Delay: Duration(time.Second)},
		{At: 25, Kind: PausePoint, Node: "n2", Point: AfterCatchUp, Delay: Duration(time.Second)},
		{At: 26, Kind: Corrupt, Rate: 0.05}, {At: 27, Kind: IOError, Node: "n2"},
		{At: 28, Kind: TransferLeader, From: "n1", To: "n2"},
		{At: 29, Kind: TailDamage, Node: "n3", Count: 2, Path: "log-"}, {At: 30, Kind: LoseNewestFile, Node: "n4", Path: "log-"},
	}}
	return s
}

func TestEveryKindRoundTripsThroughJSON(t *testing.T) {
	s := everyKind()
	if len(s.Faults) != len(Kinds) {
		t.Fatalf("the sample covers %d kinds of %d", len(s.Faults), len(Kinds))
	}
	got, err := ParseSchedule(s.JSON())
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, s) {
		t.Fatalf("round trip changed the schedule:\n%s", got.JSON())
	}
	if err := got.Validate(nodes); err != nil {
		t.Fatal(err)
	}
	bare, _ := json.Marshal(s.Faults)
	if got, err := ParseSchedule(bare); err != nil || len(got.Faults) != len(s.Faults) {
		t.Fatalf("a bare list did not parse: %v", err)
	}
}

func TestBadSchedulesAreRejectedNamingTheFault(t *testing.T) {
	cases := []struct{ name, json, want string }{
		{"malformed", `{"faults": [`, "bad schedule"},
		{"unknown kind", `[{"at":"1s","kind":"meteor"}]`, `unknown kind "meteor"`},
		{"unknown field", `[{"at":"1s","kind":"heal","colour":"red"}]`, "unknown field"},
		{"missing node", `[{"at":"1s","kind":"crash"}]`, "faults[0] (crash): node is required"},
		{"negative time", `[{"at":"-1s","kind":"heal"}]`, "out of range"},
		{"rate above one", `[{"at":"1s","kind":"loss","rate":2}]`, "faults[0] (loss): rate must be within [0, 1]"},
		{"one group", `[{"at":"1s","kind":"partition","groups":[["n1"]]}]`, "at least two groups"},
		{"empty group", `[{"at":"1s","kind":"partition","groups":[["n1"],[]]}]`, "groups[1] is empty"},
		{"node in two groups", `[{"at":"1s","kind":"partition","groups":[["n1"],["n1","n2"]]}]`, `node "n1" is in groups 0 and 1`},
		{"cut to itself", `[{"at":"1s","kind":"cut","from":"n1","to":"n1"}]`, "two different nodes"},
		{"drift too far", `[{"at":"1s","kind":"clock-drift","node":"n1","ppm":9000000}]`, "ppm"},
		{"count zero", `[{"at":"1s","kind":"fsync-failure","node":"n1"}]`, "count must be"},
		{"delay without latency", `[{"at":"1s","kind":"delay"}]`, "latency is required"},
		{"transfer to itself", `[{"at":"1s","kind":"transfer-leader","from":"n1","to":"n1"}]`, "two different nodes"},
		{"transfer from node", `[{"at":"1s","kind":"transfer-leader","node":"n1","to":"n2"}]`, "as from, not node"},
		{"io errors above one", `[{"at":"1s","kind":"io-error","node":"n1","rate":1.5}]`, "faults[0] (io-error): rate must be within [0, 1]"},
		{"tail damage of no sectors", `[{"at":"1s","kind":"tail-damage","node":"n1"}]`, "faults[0] (tail-damage): count (sectors) must be 1..64"},
		{"lost file of no node", `[{"at":"1s","kind":"lose-newest-file","path":"log-"}]`, "node is required"},
		{"bad duration", `[{"at":"soon","kind":"heal"}]`, "invalid duration"},
		{"trailing data", `[] []`, "trailing data"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseSchedule([]byte(tc.json))
			if !errors.Is(err, ErrBadSchedule) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
	s, _ := ParseSchedule([]byte(`[{"at":"1s","kind":"crash","node":"n9"}]`))
	if err := s.Validate(nodes); err == nil || !strings.Contains(err.Error(), `faults[0] (crash): node "n9" does not exist`) {
		t.Fatalf("unknown node: %v", err)
	}
}

func FuzzParseSchedule(f *testing.F) {
	f.Add(everyKind().JSON())
	f.Add([]byte(`[{"at":"1s","kind":"partition","groups":[["n1"],["n2"]]}]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := ParseSchedule(b)
		if err == nil {
			_ = s.Validate(nodes)
			_ = s.JSON()
		}
	})
}

func allPlan() Plan {
	var ws []Weight
	for _, d := range AllDisruptions {
		ws = append(ws, Weight{Kind: d, Weight: 1})
	}
	return Plan{Servers: nodes, Start: Duration(time.Second), End: Duration(7 * time.Second), Every: Duration(200 * time.Millisecond),
		HoldMin: Duration(100 * time.Millisecond), HoldMax: Duration(2 * time.Second), Weights: ws,
		Regions: [][]string{{"n1", "n2"}, {"n3", "n4"}, {"n5"}}}
}

func TestGenerateIsDeterministic(t *testing.T) {
	a := Generate(sim.NewStream(7, "faults"), allPlan()).JSON()
	b := Generate(sim.NewStream(7, "faults"), allPlan()).JSON()
	c := Generate(sim.NewStream(8, "faults"), allPlan()).JSON()
	if string(a) != string(b) || string(a) == string(c) {
		t.Fatal("the same seed must give the same schedule, another seed another")
	}
}

// The fault budget holds on every generated schedule: replaying the
// timeline, never more than MaxDown servers are down (crashed, paused,
// cut off, on a minority side, or with damaged storage, which counts until
// the end) at once, and everything is back by End.
func TestGeneratedSchedulesRespectTheBudget(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		plan := allPlan()
		plan.MaxDown = rapid.IntRange(1, 2).Draw(t, "maxDown")
		plan.Every = Duration(rapid.Int64Range(int64(50*time.Millisecond), int64(time.Second)).Draw(t, "every"))
		s := Generate(sim.NewStream(rapid.Uint64().Draw(t, "seed"), "faults"), plan)
		if err := s.Validate(nodes); err != nil {
			t.Fatal(err)
		}
		checkBudget(t, s, plan)
		checkRoleNames(t, s)
	})
}

// checkRoleNames checks that "@armed" and "@paused" still name the node
// of the disruption that uses them: generated schedules use them only
// after a point or a pause aimed at a role, so no point or pause on a
// named node may come between (it would rename the role, and the
// recovery would restart or resume the wrong node, leaving the right one
// down or frozen to the end).
func checkRoleNames(t *rapid.T, s Schedule) {
	var armedBy, pausedBy Fault
	for _, f := range s.Faults {
		for _, name := range []string{f.Node, f.From, f.To} {
			if name == Armed && !IsRole(armedBy.Node) {
				t.Fatalf("at %v, %s uses %s, last set by %s\n%s", time.Duration(f.At), f.Describe(), Armed, armedBy.Describe(), s.JSON())
			}
			if name == Paused && !IsRole(pausedBy.Node) {
				t.Fatalf("at %v, %s uses %s, last set by %s\n%s", time.Duration(f.At), f.Describe(), Paused, pausedBy.Describe(), s.JSON())
			}
		}
		switch f.Kind {
		case CrashPoint, PausePoint:
			armedBy = f
		case Pause:
			pausedBy = f
		}
	}
}

func checkBudget(t *rapid.T, s Schedule, plan Plan) {
	down := map[string]bool{}
	cut := map[string]bool{}
	roleCut := 0 // servers cut off with a role ("@leader" and companions)
	damaged := map[string]bool{}
	for _, f := range s.Faults {
		switch f.Kind {
		case BitFlip, MisdirectedWrite, DiskLoss, TailDamage, LoseNewestFile:
			damaged[f.Node] = true
		case Crash, Pause, CrashPoint, PausePoint:
			down[roleKey(f)] = true // a role counts as one more server
		case Restart, Resume:
			delete(down, roleKey(f))
		case Isolate:
			if f.Node == Armed {
				cut[roleKey(f)] = true // the server the point was armed on: no more down
			} else if IsRole(f.Node) {
				roleCut += max(f.Count, 1)
			} else {
				cut[f.Node] = true
			}
		case Partition:
			for _, n := range minorityOf(f.Groups) {
				cut[n] = true
			}
		case Cut:
			cut[f.From] = true
		case Heal:
			clear(cut)
			roleCut = 0
		}
		unavailable := map[string]bool{}
		for n := range down {
			unavailable[n] = true
		}
		for n := range cut {
			unavailable[n] = true
		}
		for n := range damaged {
			unavailable[n] = true
		}
		if len(unavailable)+roleCut > plan.MaxDown {
			t.Fatalf("at %v, %d servers are down: %v (budget %d)\n%s", time.Duration(f.At), len(unavailable), unavailable, plan.MaxDown, s.JSON())
		}
		if f.At > plan.End {
			t.Fatalf("fault after the end: %+v", f)
		}
	}
	if len(down) > 0 || len(cut) > 0 || roleCut > 0 {
		t.Fatalf("not healed by the end: down %v cut %v", down, cut)
	}
}

// roleKey names what a fault takes down for the budget: its node, or for
// a fault aimed at a role, that fault's own slot, which the recovery naming
// "@armed" or "@paused" frees.
func roleKey(f Fault) string {
	switch {
	case f.Node == Armed || ((f.Kind == CrashPoint || f.Kind == PausePoint) && IsRole(f.Node)):
		return "role:crash-point"
	case f.Node == Paused || (f.Kind == Pause && IsRole(f.Node)):
		return "role:pause"
	}
	return f.Node
}

func minorityOf(groups [][]string) []string {
	largest := 0
	for i, g := range groups {
		if len(g) > len(groups[largest]) {
			largest = i
		}
	}
	var out []string
	for i, g := range groups {
		if i != largest {
			out = append(out, g...)
		}
	}
	return out
}

// Damage at rest is aimed at the plan's log files and lands while its
// server is down: crashed before it, restarted after it, so that recovery
// reads it.
func TestDamageAtRestLandsWhileItsServerIsDown(t *testing.T) {
	plan := allPlan()
	plan.LogPrefix = "log-"
	seen := map[Kind]int{}
	for seed := range uint64(50) {
		s := Generate(sim.NewStream(seed, "faults"), plan)
		down := map[string]bool{}
		restarted := map[string]bool{}
		var pending []string
		for _, f := range s.Faults {
			switch f.Kind {
			case Crash, DiskLoss:
				down[f.Node] = true
			case Restart:
				delete(down, f.Node)
				restarted[f.Node] = true
			case TailDamage, LoseNewestFile:
				seen[f.Kind]++
				if !down[f.Node] || f.Path != plan.LogPrefix {
					t.Fatalf("seed %d: %s of %s under %q while it is up, or not under the log's %q\n%s", seed, f.Kind, f.Node, f.Path, plan.LogPrefix, s.JSON())
				}
				pending = append(pending, f.Node)
				restarted[f.Node] = false
			}
		}
		for _, n := range pending {
			if !restarted[n] {
				t.Fatalf("seed %d: %s damaged at rest and never restarted\n%s", seed, n, s.JSON())
			}
		}
	}
	if seen[TailDamage] == 0 || seen[LoseNewestFile] == 0 {
		t.Fatalf("50 seeds drew %v", seen)
	}
}

func TestSwarmVariesAcrossSeeds(t *testing.T) {
	seen := map[string]bool{}
	for seed := range uint64(20) {
		p := Swarm(sim.NewStream(seed, "faults"), nodes, time.Second, 7*time.Second)
		seen[fmt.Sprint(p.Weights)] = true
		if len(p.Weights) == 0 || p.Validate() != nil {
			t.Fatalf("seed %d: plan %+v", seed, p)
		}
	}
	if len(seen) < 15 {
		t.Fatalf("only %d distinct mixes in 20 seeds", len(seen))
	}
}

// Installing a schedule on a running simulation applies its faults, skips
// those that do not fit (restarting an up node) without error, and a second
// run with the same seed and schedule is identical.
func TestInjectorAppliesAndReplays(t *testing.T) {
	run := func() (string, []Applied) {
		s, err := simtest.CounterCluster(3, 5, nil)
		if err != nil {
			t.Fatal(err)
		}
		in := NewInjector(s, sim.LinkConfig{Latency: sim.UniformLatency(time.Millisecond, 5*time.Millisecond)})
		sched := everyKind()
		for i := range sched.Faults {
			sched.Faults[i].At *= Duration(100 * time.Millisecond)
		}
		sched.Faults = append(sched.Faults, Fault{At: Duration(3 * time.Second), Kind: Restart, Node: "n3"})
		if err := in.Install(sched); err != nil {
			t.Fatal(err)
		}
		s.Run(sim.TimeFromDuration(4 * time.Second))
		return s.TraceHashHex(), in.Log()
	}
	h1, log1 := run()
	h2, _ := run()
	if h1 != h2 {
		t.Fatalf("the same seed and schedule gave %s and %s", h1, h2)
	}
	if len(log1) != len(Kinds)+1 || log1[len(log1)-1].Skipped == "" {
		t.Fatalf("log %+v: want every fault applied and the restart of an up node skipped", log1[len(log1)-1])
	}
}

func TestInstallRejectsUnknownNodes(t *testing.T) {
	s, _ := simtest.CounterCluster(3, 3, nil)
	in := NewInjector(s, sim.LinkConfig{})
	err := in.Install(Schedule{Faults: []Fault{{At: 1, Kind: Crash, Node: "n7"}}})
	if !errors.Is(err, ErrBadSchedule) {
		t.Fatalf("unknown node: %v", err)
	}
}

// A fault that does nothing is recorded as not effective (a torn write
// armed on a node that never crashes), while one that acts at once (a
// crash of a node that is up) is.
func TestAFaultThatDoesNothingIsNotEffective(t *testing.T) {
	s, err := simtest.CounterCluster(3, 5, nil)
	if err != nil {
		t.Fatal(err)
	}
	in := NewInjector(s, sim.LinkConfig{Latency: sim.FixedLatency(time.Millisecond)})
	sched := Schedule{Faults: []Fault{
		{At: Duration(100 * time.Millisecond), Kind: TornWrite, Node: "n2"},
		{At: Duration(200 * time.Millisecond), Kind: Crash, Node: "n3"},
		{At: Duration(300 * time.Millisecond), Kind: FsyncFailure, Node: "n4", Count: 1},
	}}
	if err := in.Install(sched); err != nil {
		t.Fatal(err)
	}
	s.Run(sim.TimeFromDuration(time.Second))
	in.Finish()
	log := in.Log()
	if log[0].Effect.Effective {
		t.Fatalf("a torn write on a node that never crashed took effect: %+v", log[0].Effect)
	}
	if !log[1].Effect.Effective || !strings.Contains(log[1].Effect.What, "crashed") {
		t.Fatalf("a crash of an up node did not take effect: %+v", log[1].Effect)
	}
	e := Effects(log)
	if e[TornWrite] != (KindEffects{Applied: 1, Effective: 0}) || e[Crash] != (KindEffects{Applied: 1, Effective: 1}) {
		t.Fatalf("effects by kind %+v", e)
	}
}

// Damage at rest (tail-damage, lose-newest-file) applies to a down node
// only, whose disk shows it when it boots, and records what it damaged or
// that under its path there was nothing to damage.
func TestDamageAtRestRecordsWhatItDid(t *testing.T) {
	s, err := simtest.CounterCluster(3, 5, nil)
	if err != nil {
		t.Fatal(err)
	}
	in := NewInjector(s, sim.LinkConfig{Latency: sim.FixedLatency(time.Millisecond)})
	ms := func(n int) Duration { return Duration(time.Duration(n) * time.Millisecond) }
	sched := Schedule{Faults: []Fault{
		{At: ms(300), Kind: Crash, Node: "n2"},
		{At: ms(301), Kind: TailDamage, Node: "n2", Count: 1, Path: "log"},
		{At: ms(302), Kind: LoseNewestFile, Node: "n2", Path: "snap-"},
		{At: ms(303), Kind: LoseNewestFile, Node: "n2"},
		{At: ms(304), Kind: TailDamage, Node: "n3", Count: 1},
		{At: ms(400), Kind: Restart, Node: "n2"},
	}}
	if err := in.Install(sched); err != nil {
		t.Fatal(err)
	}
	s.Run(sim.TimeFromDuration(time.Second))
	in.Finish()
	log := in.Log()
	if e := log[1].Effect; !e.Effective || !strings.Contains(e.What, "bytes of log from") {
		t.Fatalf("tail damage of a down node's log: %+v", e)
	}
	if e := log[2].Effect; e.Effective || e.What != "no file to lose" {
		t.Fatalf("loss with no file under the path: %+v", e)
	}
	if e := log[3].Effect; !e.Effective || !strings.HasPrefix(e.What, "lost log ") {
		t.Fatalf("loss of the newest file (the log, created after the counter): %+v", e)
	}
	if log[4].Skipped == "" {
		t.Fatalf("tail damage of a running node applied: %+v", log[4])
	}
	if e := Effects(log); e[TailDamage] != (KindEffects{Applied: 1, Effective: 1}) || e[LoseNewestFile] != (KindEffects{Applied: 2, Effective: 1}) {
		t.Fatalf("effects by kind %+v", e)
	}
}

// TestArmedNamesTheNodeALeaderCrashPointWasArmedOn: a crash point aimed at
// "@leader" arms the node that leads then, and "@armed" later names that
// node, whoever leads by then; a crash point that could not be armed (no
// leader) leaves "@armed" naming nothing, so its restart is skipped rather
// than restarting some earlier node.
func TestArmedNamesTheNodeALeaderCrashPointWasArmedOn(t *testing.T) {
	s, err := simtest.CounterCluster(3, 5, nil)
	if err != nil {
		t.Fatal(err)
	}
	in := NewInjector(s, sim.LinkConfig{Latency: sim.FixedLatency(time.Millisecond)})
	leader := "n2"
	in.Resolve = func(role string) (string, bool) { return leader, leader != "" }
	ms := func(v int) Duration { return Duration(time.Duration(v) * time.Millisecond) }
	sched := Schedule{Faults: []Fault{
		{At: ms(100), Kind: CrashPoint, Node: "@leader", Point: DuringFsync, Delay: ms(200)},
		{At: ms(150), Kind: SlowDisk, Node: Armed, Count: 1},
		{At: ms(400), Kind: CrashPoint, Node: "@leader", Point: DuringFsync, Delay: ms(200)},
		{At: ms(450), Kind: Restart, Node: Armed},
	}}
	if err := in.Install(sched); err != nil {
		t.Fatal(err)
	}
	s.At(sim.TimeFromDuration(300*time.Millisecond), func() { leader = "" })
	s.Run(sim.TimeFromDuration(time.Second))
	log := in.Log()
	if log[0].Fault.Node != "n2" || log[1].Fault.Node != "n2" || log[1].Skipped != "" {
		t.Fatalf("the first crash point armed %q and @armed named %q (%s)", log[0].Fault.Node, log[1].Fault.Node, log[1].Skipped)
	}
	if log[2].Skipped == "" || log[3].Skipped == "" || log[3].Fault.Node != Armed {
		t.Fatalf("with no leader the second crash point was %+v and the restart %+v", log[2], log[3])
	}
}

// TestPausedNamesTheNodeALeaderPauseFroze: "@paused" resumes the node a
// pause of "@leader" froze, whoever leads when it resumes.
func TestPausedNamesTheNodeALeaderPauseFroze(t *testing.T) {
	s, err := simtest.CounterCluster(3, 5, nil)
	if err != nil {
		t.Fatal(err)
	}
	in := NewInjector(s, sim.LinkConfig{Latency: sim.FixedLatency(time.Millisecond)})
	leader := "n3"
	in.Resolve = func(string) (string, bool) { return leader, true }
	ms := func(v int) Duration { return Duration(time.Duration(v) * time.Millisecond) }
	if err := in.Install(Schedule{Faults: []Fault{
		{At: ms(100), Kind: Pause, Node: "@leader"},
		{At: ms(400), Kind: Resume, Node: Paused},
	}}); err != nil {
		t.Fatal(err)
	}
	s.At(sim.TimeFromDuration(200*time.Millisecond), func() { leader = "n1" })
	s.Run(sim.TimeFromDuration(time.Second))
	log := in.Log()
	if log[0].Fault.Node != "n3" || log[1].Fault.Node != "n3" || log[1].Skipped != "" {
		t.Fatalf("paused %q, resumed %q (%s)", log[0].Fault.Node, log[1].Fault.Node, log[1].Skipped)
	}
}

// TestTransferAndPausePointsProveTheirEffect: a transfer takes effect when
// the transferee campaigns at the leader's request (the cluster's counter
// moves), not when the leader merely agrees; a refused one is skipped; a
// pause point takes effect when it freezes its node, and "@armed" then
// names that node for the resume.
func TestTransferAndPausePointsProveTheirEffect(t *testing.T) {
	s, err := simtest.CounterCluster(3, 5, nil)
	if err != nil {
		t.Fatal(err)
	}
	in := NewInjector(s, sim.LinkConfig{Latency: sim.FixedLatency(time.Millisecond)})
	in.Messages = func(point, node string) func([]byte) bool { return func([]byte) bool { return true } }
	campaigns := map[string]int64{}
	in.TransferLeader = func(from, to string) (func() int64, error) {
		if from != "n1" {
			return nil, errors.New("not the leader")
		}
		return func() int64 { return campaigns[to] }, nil
	}
	ms := func(v int) Duration { return Duration(time.Duration(v) * time.Millisecond) }
	if err := in.Install(Schedule{Faults: []Fault{
		{At: ms(100), Kind: PausePoint, Node: "n2", Point: AfterAppendAck, Delay: ms(500)},
		{At: ms(100), Kind: TransferLeader, From: "n1", To: Armed},
		{At: ms(200), Kind: TransferLeader, From: "n1", To: "n3"},
		{At: ms(300), Kind: TransferLeader, From: "n4", To: "n5"},
		{At: ms(400), Kind: Resume, Node: Armed},
	}}); err != nil {
		t.Fatal(err)
	}
	s.At(sim.TimeFromDuration(150*time.Millisecond), func() { campaigns["n2"]++ })
	s.Run(sim.TimeFromDuration(time.Second))
	in.Finish()
	log := in.Log()
	if !log[0].Effect.Effective || !strings.Contains(log[0].Effect.What, "froze") {
		t.Fatalf("pause point: %+v", log[0])
	}
	if log[1].Fault.To != "n2" || !log[1].Effect.Effective {
		t.Fatalf("transfer to the armed node: %+v", log[1])
	}
	if log[2].Skipped != "" || log[2].Effect.Effective {
		t.Fatalf("a transfer whose transferee never campaigned: %+v", log[2])
	}
	if log[3].Skipped == "" {
		t.Fatalf("a refused transfer was not skipped: %+v", log[3])
	}
	if log[4].Fault.Node != "n2" || log[4].Skipped != "" || !s.IsUp(1) {
		t.Fatalf("resume of @armed: %+v, n2 up %v", log[4], s.IsUp(1))
	}
}

// A blank voter is a story in six faults: laggards cut off from
// "@follower" on, then at the heal the up-to-date "@last-follower"
// crashed and the leader cut off alone, the follower restarted before the
// leader could step down, and the leader's cut healed last.
func TestBlankVoterCutsLaggardsThenRestartsAnUpToDateVoterWhileTheLeaderIsAway(t *testing.T) {
	plan := Plan{Servers: []string{"n1", "n2", "n3"}, Start: Duration(time.Second), End: Duration(7 * time.Second),
		Every: Duration(700 * time.Millisecond), HoldMin: Duration(200 * time.Millisecond), HoldMax: Duration(1500 * time.Millisecond),
		Weights: []Weight{{Kind: DBlankVoter, Weight: 1}}}
	s := Generate(sim.NewStream(3, "faults"), plan)
	if err := s.Validate(plan.Servers); err != nil {
		t.Fatal(err)
	}
	want := []string{"isolate @follower", "heal ", "crash @last-follower", "isolate @leader", "restart @last-follower", "heal "}
	if len(s.Faults) < len(want) {
		t.Fatalf("schedule too short:\n%s", s.JSON())
	}
	for i, w := range want {
		f := s.Faults[i]
		if got := string(f.Kind) + " " + f.Node; got != w {
			t.Fatalf("fault %d is %q, want %q:\n%s", i, got, w, s.JSON())
		}
	}
	heal, restart := s.Faults[1].At, s.Faults[4].At
	if d := time.Duration(restart - heal); d < 20*time.Millisecond || d >= 50*time.Millisecond {
		t.Errorf("the voter restarts %v after its crash: the leader could have stepped down", d)
	}
}
