package scenarios

import (
	"math/rand/v2"
	"slices"
	"time"

	"github.com/faultline/faultline/faults"
	"github.com/faultline/faultline/ledger/replica"
	"github.com/faultline/faultline/scenarios/cluster"
	"github.com/faultline/faultline/sim"
)

const ms = time.Millisecond

// lan is a datacenter network: 0.2-2 ms one way with a tail.
var lan = sim.LinkConfig{Latency: sim.Latency{Min: 200 * time.Microsecond, P50: 500 * time.Microsecond,
	P90: time.Millisecond, P99: 2 * ms, Max: 5 * ms}}

// wan is the latency between regions.
var wan = sim.Latency{Min: 25 * ms, P50: 35 * ms, P90: 50 * ms, P99: 80 * ms, Max: 150 * ms}

// base is the shape most scenarios share: five replicas, ten simulated
// seconds of bank traffic, faults between 1s and 7s, then a quiet period
// in which the cluster must recover and converge.
func base(name, summary, models string) Scenario {
	return Scenario{
		Name: name, Summary: summary, Models: models,
		Replicas: 5, Duration: 10 * time.Second, Link: lan,
		Workload: WorkloadSpec{Clients: 6, Groups: 4, ThinkTime: 15 * ms, StopAt: 8 * time.Second,
			Mix: DefaultMix, HotGroupShare: 0.3, RetryUnknownShare: 0.5, Client: faultClient},
		SLO: SLO{RecoveryBound: 2 * time.Second, MinAvailability: 0.6, LatencyP99Bound: 2 * time.Second},
	}
}

// faultClient is the client of a fault scenario: impatient enough that a
// request caught by a failover, a partition or a lossy link can end
// unknown, which is what exercises resubmission under the same IDs and the
// checkers' possibly-applied operations (with 3 s no request of seeds
// 1-100 ever did). Elections here take 150-300 ms and a failover rarely
// outlasts 400 ms, so the share stays small; shorter (80/250 ms) made
// flaky-network's histories too big for Porcupine within its budget.
var faultClient = cluster.ClientOptions{AttemptTimeout: 100 * ms, GiveUpAfter: 400 * ms, Backoff: 20 * ms}

func fixed(fs ...faults.Fault) func(*rand.Rand, []string) faults.Schedule {
	return func(*rand.Rand, []string) faults.Schedule {
		s := faults.Schedule{Faults: slices.Clone(fs)}
		s.Sort()
		return s
	}
}

// fixedFor is a hand-written schedule that names the run's servers (every
// one restarted, say), so that it fits whatever cluster size the seed
// draws.
func fixedFor(build func(servers []string) []faults.Fault) func(*rand.Rand, []string) faults.Schedule {
	return func(_ *rand.Rand, servers []string) faults.Schedule {
		s := faults.Schedule{Faults: build(servers)}
		s.Sort()
		return s
	}
}

// everyServer is the same fault on every server, in order.
func everyServer(f faults.Fault, servers []string) []faults.Fault {
	out := make([]faults.Fault, 0, len(servers))
	for _, n := range servers {
		f.Node = n
		out = append(out, f)
	}
	return out
}

func at(d time.Duration) faults.Duration { return faults.Duration(d) }

func planned(weights []faults.Weight, every, holdMax time.Duration, maxDown int) func(*rand.Rand, []string) faults.Schedule {
	return plannedUntil(7*time.Second, weights, every, holdMax, maxDown)
}

// plannedUntil is planned with its faults, and its final heal, ending at
// end.
func plannedUntil(end time.Duration, weights []faults.Weight, every, holdMax time.Duration, maxDown int) func(*rand.Rand, []string) faults.Schedule {
	return func(rng *rand.Rand, servers []string) faults.Schedule {
		return faults.Generate(rng, faults.Plan{Servers: servers, Start: at(time.Second), End: at(end),
			Every: faults.Duration(every), HoldMin: at(200 * ms), HoldMax: faults.Duration(holdMax),
			Weights: weights, MaxDown: maxDown, LogPrefix: replica.SegmentPrefix})
	}
}

func w(d faults.Disruption, weight int) faults.Weight { return faults.Weight{Kind: d, Weight: weight} }

// Catalog returns every named scenario, sorted by name.
func Catalog() []Scenario {
	out := []Scenario{
		baseline(), leaderCrash(), doubleFailover(), lose20pct(), minorityPartition(), majorityPartition(),
		bridge(), asymmetricPartition(), crossRegion(), clockSkew(), diskCorruption(), flakyNetwork(),
		rollingRestart(), endOfDayBurst(), swarm(), leaderChurn(), deposedLeader(), malformedInput(), failingDisk(),
		maelstromNode(),
	}
	slices.SortFunc(out, func(a, b Scenario) int {
		if a.Name < b.Name {
			return -1
		}
		return 1
	})
	return out
}

// Lookup returns the named scenario.
func Lookup(name string) (Scenario, bool) {
	for _, s := range Catalog() {
		if s.Name == name {
			return s, true
		}
	}
	return Scenario{}, false
}

// Names lists the catalog's names.
func Names() []string {
	var out []string
	for _, s := range Catalog() {
		out = append(out, s.Name)
	}
	return out
}
