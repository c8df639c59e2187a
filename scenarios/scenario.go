package scenarios

import (
	"fmt"
	"math/rand/v2"
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
	Models   string
	Replicas int
	Duration time.Duration
	// Link is every link's config; Regions, if set, puts replicas in
	// regions with WANLatency between them.
	Link       sim.LinkConfig
	Regions    [][]int
	WANLatency sim.Latency
	// ClockDriftPPM and ClockOffset set replica clocks at the start.
	ClockDriftPPM []int64
	ClockOffset   []time.Duration
	Workload      WorkloadSpec
	// Faults builds the scenario's schedule from its own random stream.
	Faults func(rng *rand.Rand, servers []string) faults.Schedule
	// RogueClients run beside the workload's clients: clients whose codec
	// is broken or of another version (see rogue.go). RogueOneIn, if set,
	// gives one more to one seed in that many, drawn from the seed.
	RogueClients int
	RogueOneIn   int
	// NoParameterSwarm keeps the replicas' and the workload's knobs as
	// written in every seed (see Parameters): for the reference scenario
	// whose latency and throughput the others are read against.
	NoParameterSwarm bool
	SLO              SLO
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

// Schedule returns the fault schedule a seed gives this scenario.
func (s *Scenario) Schedule(seed uint64) faults.Schedule {
	if s.Faults == nil {
		return faults.Schedule{}
	}
	return s.Faults(sim.NewStream(seed, "faults"), s.Servers())
}
