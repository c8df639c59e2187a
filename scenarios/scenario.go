package scenarios

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/faultline/faultline/faults"
	"github.com/faultline/faultline/sim"
)

// Scenario is one named, "severe but plausible" disruption: a cluster, a
// workload, a fault plan and the impact tolerances it must stay within.
type Scenario struct {
	Name string
	// Summary is the one line `faultline scenarios` prints.
	Summary string
	// Models says what real-world event the scenario stands for, for the
	// resilience report.
	Models string
	// Replicas is the scenario's own cluster size, the one a seed that
	// draws no parameters runs (see Parameters.Replicas).
	Replicas int
	// SwarmSizes are the cluster sizes a seed may draw for this scenario;
	// nil means SwarmSizesDefault. A scenario whose fault plan only makes
	// sense at some sizes lists those (it must include Replicas).
	SwarmSizes []int
	Duration   time.Duration
	// Link is every link's config; Regions, if set, puts replicas in
	// regions with WANLatency between them (by replica index, for the
	// scenario's own size; Sized spreads them over another size).
	Link       sim.LinkConfig
	Regions    [][]int
	WANLatency sim.Latency
	// ClockDriftPPM and ClockOffset set replica clocks at the start.
	ClockDriftPPM []int64
	ClockOffset   []time.Duration
	Workload      WorkloadSpec
	// Faults builds the scenario's schedule from its own random stream,
	// for the servers of the run's cluster size: it must name nodes, size
	// partitions and keep its crash budget from servers, never assume the
	// scenario's own size (unless SwarmSizes keeps it fixed).
	Faults func(rng *rand.Rand, servers []string) faults.Schedule
	// MajorityWipe, if set, ends the plan of some of the seeds that draw
	// volatile nodes with a majority's state lost at once (see WipePlan).
	MajorityWipe *WipePlan
	// RogueClients run beside the workload's clients: clients whose codec
	// is broken or of another version (see rogue.go). RogueOneIn, if set,
	// gives one more to one seed in that many, drawn from the seed.
	RogueClients int
	RogueOneIn   int
	// NoParameterSwarm keeps the replicas' and the workload's knobs as
	// written in every seed (see Parameters): for the reference scenario
	// whose latency and throughput the others are read against.
	NoParameterSwarm bool
	// Maelstrom runs the Maelstrom node's code (package maelstrom) on the
	// servers and lin-kv clients in place of the bank's (see maelstrom.go).
	Maelstrom bool
	SLO       SLO
}

// WipePlan is how a scenario of volatile nodes stages the loss of a
// majority's state at once (faults.MajorityWipe): the one situation the
// bootstrap rule's unanimity is for, which plans that crash a minority at
// a time never reach. One in Share volatile seeds, drawn from the seed's
// own "majority-wipe" stream, takes Before's schedule in place of the
// scenario's Faults (a plan that ends early enough for the cluster to
// recover from it) and ends it with the wipe at At. Such a run must stall
// from At on: the judge checks that no node becomes leader and no client
// request is answered after it (the no-rebootstrap invariant), and judges
// liveness on the time before it.
type WipePlan struct {
	Share  int
	At     time.Duration
	Before func(rng *rand.Rand, servers []string) faults.Schedule
}

// SLO are a scenario's impact tolerances.
type SLO struct {
	// RecoveryBound: after the last fault heals, the cluster must commit
	// again within this (the liveness invariant; the RTO tolerance).
	RecoveryBound time.Duration
	// MinAvailability: the share of one-second windows, while clients ran,
	// in which at least one request completed.
	MinAvailability float64
	// LatencyP99Bound bounds the 99th percentile client latency.
	LatencyP99Bound time.Duration
}

// Validate checks the scenario's shape.
func (s *Scenario) Validate() error {
	switch {
	case s.Name == "":
		return fmt.Errorf("scenario: name is empty")
	case s.Replicas < 1 || s.Replicas > 15:
		return fmt.Errorf("scenario %s: replicas must be 1..15", s.Name)
	case s.Duration <= 0:
		return fmt.Errorf("scenario %s: duration must be positive", s.Name)
	case s.Workload.StopAt > s.Duration:
		return fmt.Errorf("scenario %s: clients stop after the run ends", s.Name)
	case s.SLO.RecoveryBound <= 0:
		return fmt.Errorf("scenario %s: slo recovery bound must be positive", s.Name)
	}
	if sizes := s.SwarmSizes; sizes != nil && !slices.Contains(sizes, s.Replicas) {
		return fmt.Errorf("scenario %s: swarm sizes %v leave out its own size %d", s.Name, sizes, s.Replicas)
	}
	if err := s.Link.Validate(); err != nil {
		return fmt.Errorf("scenario %s: link: %w", s.Name, err)
	}
	return s.Workload.validate()
}

// Servers returns the replica names, n1..nN.
func (s *Scenario) Servers() []string {
	out := make([]string, s.Replicas)
	for i := range out {
		out[i] = fmt.Sprintf("n%d", i+1)
	}
	return out
}

// Schedule returns the fault schedule a seed gives this scenario, for the
// cluster size the seed draws (see DrawParameters).
func (s *Scenario) Schedule(seed uint64) faults.Schedule {
	return s.ScheduleFor(seed, DrawParameters(seed, s))
}

// ScheduleFor returns the fault schedule a seed gives this scenario with
// parameters p: what a run with them and no schedule of its own injects.
// It depends on p's cluster size and, for a scenario with a WipePlan, on
// whether its nodes are volatile.
func (s *Scenario) ScheduleFor(seed uint64, p Parameters) faults.Schedule {
	sized := s.Sized(p.Replicas)
	return sized.schedule(seed, p.Volatile)
}

// schedule is the fault schedule of the seed for the scenario as sized,
// its nodes volatile or not.
func (s *Scenario) schedule(seed uint64, volatile bool) faults.Schedule {
	if s.Faults == nil {
		return faults.Schedule{}
	}
	if w := s.MajorityWipe; w != nil && volatile && w.Share > 0 {
		// Its own stream: drawing it shifts no other seed's plan.
		rng := sim.NewStream(seed, "majority-wipe")
		if rng.IntN(w.Share) == 0 {
			sched := w.Before(sim.NewStream(seed, "faults"), s.Servers())
			sched.Faults = append(sched.Faults, faults.MajorityWipe(rng, s.Servers(), faults.Duration(w.At))...)
			sched.Sort()
			return sched
		}
	}
	return s.Faults(sim.NewStream(seed, "faults"), s.Servers())
}

// SwarmSizesDefault are the cluster sizes a seed may draw (see
// Parameters.Replicas): odd sizes, whose majorities tolerate one, two
// and three failures.
var SwarmSizesDefault = []int{3, 5, 7}

// swarmSizes are the sizes a seed may draw for s.
func (s *Scenario) swarmSizes() []int {
	if s.SwarmSizes != nil {
		return s.SwarmSizes
	}
	return SwarmSizesDefault
}

// Sized returns the scenario with n replicas: its per-node settings
// (regions, initial clock offsets and drifts) spread over the new size.
// At the scenario's own size it is the scenario unchanged.
func (s *Scenario) Sized(n int) Scenario {
	out := *s
	if n == s.Replicas {
		return out
	}
	out.Replicas = n
	if len(s.Regions) > 0 {
		out.Regions = splitRegions(n, len(s.Regions))
	}
	out.ClockOffset = fold(s.ClockOffset, n)
	out.ClockDriftPPM = fold(s.ClockDriftPPM, n)
	return out
}

// splitRegions puts n replicas, in order, into k regions as even as can
// be, the larger first: 5 into 3 is {0,1} {2,3} {4}. With n >= k every
// region has a replica, and with k >= 3 no region holds a majority, so
// cutting one off leaves a quorum.
func splitRegions(n, k int) [][]int {
	k = min(k, n)
	out := make([][]int, k)
	next := 0
	for r := range out {
		size := n / k
		if r < n%k {
			size++
		}
		for range size {
			out[r] = append(out[r], next)
			next++
		}
	}
	return out
}

// regionNames are splitRegions as server names.
func regionNames(servers []string, k int) [][]string {
	var out [][]string
	for _, members := range splitRegions(len(servers), k) {
		var names []string
		for _, m := range members {
			names = append(names, servers[m])
		}
		out = append(out, names)
	}
	return out
}

// fold fits a per-replica setting to n replicas: the settings of replicas
// beyond n move, in order, to the first replicas left at the zero value,
// so a smaller cluster keeps as many skewed clocks as it has room for.
func fold[T comparable](per []T, n int) []T {
	if len(per) <= n {
		return per
	}
	out := slices.Clone(per[:n])
	var zero T
	for _, v := range per[n:] {
		if v == zero {
			continue
		}
		if i := slices.Index(out, zero); i >= 0 {
			out[i] = v
		}
	}
	return out
}
