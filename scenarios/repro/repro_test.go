package repro

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"pgregory.net/rapid"

	"github.com/faultline/faultline/faults"
	"github.com/faultline/faultline/scenarios"
)

func TestCorruptBundlesAreRejected(t *testing.T) {
	for name, content := range map[string]string{
		"not json":         "{",
		"wrong version":    `{"version": 99, "scenario": "baseline"}`,
		"unknown scenario": `{"version": 1, "scenario": "nope"}`,
		"bad schedule":     `{"version": 1, "scenario": "baseline", "schedule": {"faults": [{"at": "1s", "kind": "crash", "node": "n42"}]}}`,
		"bad parameters": `{"version": 1, "scenario": "swarm", "parameters": {"election_ticks": 3, "heartbeat_ticks": 3, "entries_per_append_max": 0,
			"inflight_max": 1, "snapshot_entries": 1, "segment_entries_max": 1, "sessions_max": 1, "clients": 1, "attempt_timeout": "1s", "give_up_after": "1s"}}`,
		"replicas 0":  `{"version": 1, "scenario": "swarm", "parameters": ` + paramsWithReplicas(0) + `}`,
		"replicas 2":  `{"version": 1, "scenario": "swarm", "parameters": ` + paramsWithReplicas(2) + `}`,
		"replicas 16": `{"version": 1, "scenario": "swarm", "parameters": ` + paramsWithReplicas(16) + `}`,
		"replicas 7 where the plan needs 5": `{"version": 1, "scenario": "lose-20pct", "parameters": ` +
			paramsWithReplicas(7) + `}`,
		"a node beyond the bundle's size": `{"version": 1, "scenario": "swarm", "parameters": ` + paramsWithReplicas(3) +
			`, "schedule": {"faults": [{"at": "1s", "kind": "crash", "node": "n4"}]}}`,
	} {
		path := t.TempDir() + "/bundle.json"
		if err := writeFile(path, content); err != nil {
			t.Fatal(err)
		}
		_, err := Read(path)
		if err == nil {
			t.Errorf("%s: accepted", name)
		} else if strings.HasPrefix(name, "replicas") && !strings.Contains(err.Error(), "replicas must be") {
			t.Errorf("%s: %v, want a word on the replicas", name, err)
		}
	}
}

// paramsWithReplicas is the swarm scenario's default parameters as JSON,
// with the cluster size replaced.
func paramsWithReplicas(n int) string {
	sc, _ := scenarios.Lookup("swarm")
	p := scenarios.DefaultParameters(&sc)
	p.Replicas = n
	b, _ := json.Marshal(p)
	return string(b)
}

// TestABundleReplaysItsClusterSize: a run at seven replicas, written as a
// bundle and read back, replays with seven, to the same trace hash; a
// bundle written before the size was drawn replays the scenario's own.
func TestABundleReplaysItsClusterSize(t *testing.T) {
	sc, _ := scenarios.Lookup("minority-partition")
	p := scenarios.DefaultParameters(&sc)
	p.Replicas = 7
	opts := scenarios.RunOptions{Parameters: &p}
	o, err := scenarios.Run(&sc, 3, opts)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := Write(dir, FromOutcome(o, opts, &sc), o); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(dir, "bundle.json"))
	if err != nil || !strings.Contains(string(data), `"replicas": 7`) {
		t.Fatalf("the bundle does not store replicas 7 (%v)", err)
	}
	b, err := Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	r, err := Run(b)
	if err != nil {
		t.Fatal(err)
	}
	if !r.SameTrace || r.Outcome.Parameters.Replicas != 7 {
		t.Fatalf("replayed %d replicas: %s", r.Outcome.Parameters.Replicas, r.Describe(b))
	}

	// The same bundle without the field: written before runs drew the size.
	var raw map[string]any
	if err := json.Unmarshal(data, &raw); err != nil {
		t.Fatal(err)
	}
	delete(raw["parameters"].(map[string]any), "replicas")
	raw["schedule"] = map[string]any{"faults": []any{}}
	old, _ := json.Marshal(raw)
	if err := writeFile(filepath.Join(dir, "bundle.json"), string(old)); err != nil {
		t.Fatal(err)
	}
	b, err = Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	if b.Parameters.Replicas != sc.Replicas {
		t.Fatalf("a bundle without replicas reads as %d, want the scenario's %d", b.Parameters.Replicas, sc.Replicas)
	}
}

// TestRandomSchedulesKeepEveryInvariant is a property test: rapid draws
// fault schedules (crashes, restarts, partitions, heals, clock jumps) for a
// three-node cluster, and every invariant must hold. When one does not,
// rapid shrinks the schedule to a minimal one and prints the seed to
// replay it with: go test ./scenarios/repro -run RandomSchedules -rapid.seed=N
func TestRandomSchedulesKeepEveryInvariant(t *testing.T) {
	if testing.Short() {
		t.Skip("a hundred simulations: skipped in -short mode")
	}
	sc, _ := scenarios.Lookup("baseline")
	sc.Name, sc.Replicas, sc.Duration = "rapid", 3, 5*1e9
	sc.Workload.StopAt, sc.Workload.Clients, sc.Workload.Groups = 3*1e9, 2, 2
	rapid.Check(t, func(t *rapid.T) {
		var fs []faults.Fault
		for i := range rapid.IntRange(0, 6).Draw(t, "faults") {
			node := rapid.SampledFrom([]string{"n1", "n2", "n3"}).Draw(t, "node")
			at := faults.Duration(rapid.Int64Range(2e8, 15e8).Draw(t, "at")) // healed by 2.5s: 2.5s left to recover
			switch rapid.IntRange(0, 3).Draw(t, "kind") {
			case 0:
				fs = append(fs, faults.Fault{At: at, Kind: faults.Crash, Node: node},
					faults.Fault{At: at + faults.Duration(rapid.Int64Range(1e7, 1e9).Draw(t, "down")), Kind: faults.Restart, Node: node})
			case 1:
				fs = append(fs, faults.Fault{At: at, Kind: faults.Isolate, Node: node}, faults.Fault{At: at + 5e8, Kind: faults.Heal})
			case 2:
				fs = append(fs, faults.Fault{At: at, Kind: faults.ClockJump, Node: node, Offset: faults.Duration(rapid.Int64Range(-5e9, 5e9).Draw(t, "jump"))})
			case 3:
				fs = append(fs, faults.Fault{At: at, Kind: faults.Pause, Node: node}, faults.Fault{At: at + 3e8, Kind: faults.Resume, Node: node})
			}
			_ = i
		}
		sched := faults.Schedule{Faults: fs}
		sched.Sort()
		seed := rapid.Uint64Range(1, 1000).Draw(t, "seed")
		o, err := scenarios.Run(&sc, seed, scenarios.RunOptions{Schedule: &sched})
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range o.Verdicts {
			if v.Status != "pass" {
				t.Fatalf("%s: %s %v", v.Invariant, v.Status, v.Evidence)
			}
		}
	})
}
