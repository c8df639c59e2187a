package simtest

import (
	"fmt"
	"io"
	"math/rand/v2"
	"time"

	"github.com/faultline/faultline/sim"
)

// ChaosConfig shapes a chaos run of counter nodes.
type ChaosConfig struct {
	Seed     uint64
	Nodes    int           // cluster size; 5 if zero
	Duration time.Duration // simulated time; 10s if zero
	Every    time.Duration // one fault this often; 200ms if zero
	Trace    io.Writer     // optional JSON-lines trace
	// MisdirectedWrites adds misdirected writes to the faults. The counter
	// node cannot detect them (the stale record it reads back has a valid
	// checksum), so with them on the durable-count invariant can fail: a
	// demonstration of why the ledger's replica checks more than checksums.
	MisdirectedWrites bool
}

// ChaosResult is what a chaos run did.
type ChaosResult struct {
	TraceHash string
	Events    int64
	SimTime   sim.Time
	Network   sim.NetworkStats
	Faults    int
	// Violations lists every breach of the durable-count invariant: a node
	// that restarted with a count below one it had synced, without having
	// detected corruption.
	Violations []string
}

// ChaosRun runs counter nodes under every kind of fault the simulator
// offers (crashes, restarts, pauses, partitions, one-way cuts, heals, clock
// drift and jumps, torn and misdirected writes, bit flips, fsync failures,
// slow nodes) on lossy, duplicating, reordering links. Faults are drawn from
// the seed's own "faults" stream, so the run is a function of the config.
func ChaosRun(cfg ChaosConfig) (ChaosResult, error) {
	cfg = cfg.withDefaults()
	s, err := CounterCluster(cfg.Seed, cfg.Nodes, func(c *sim.Config) {
		c.Link.LossRate = 0.02
		c.Link.DuplicateRate = 0.02
		c.Link.ReorderRate = 0.05
		c.Trace = cfg.Trace
		if len(c.Nodes) > 2 {
			c.Nodes[1].ClockDriftPPM = 50_000
			c.Nodes[2].ClockOffset = -3 * time.Second
		}
	})
	if err != nil {
		return ChaosResult{}, err
	}
	rng := sim.NewStream(cfg.Seed, "faults")
	check := newDurabilityCheck(s)
	faults := 0
	for at := cfg.Every; at < cfg.Duration; at += cfg.Every {
		kind, id, other := rng.IntN(faultKinds), sim.NodeID(rng.IntN(cfg.Nodes)), sim.NodeID(rng.IntN(cfg.Nodes))
		if kind == faultMisdirect && !cfg.MisdirectedWrites {
			kind = faultTornWrite
		}
		s.At(sim.TimeFromDuration(at), func() {
			check.beforeFault(kind, id)
			InjectFault(s, kind, id, other, rng)
		})
		faults++
	}
	s.Run(sim.TimeFromDuration(cfg.Duration))
	check.verifyRestarted()
	if err := s.Close(); err != nil {
		return ChaosResult{}, err
	}
	return ChaosResult{TraceHash: s.TraceHashHex(), Events: s.Events(), SimTime: s.Now(),
		Network: s.Network().Stats(), Faults: faults, Violations: check.violations}, nil
}

// durabilityCheck decides the durable-count invariant: a counter that
// restarts reads back at least the count it had synced before it crashed,
// or it reports the record corrupt. It checks what the simulator promises
// (synced writes survive a crash) and what the node promises (it never
// trusts a record that fails its checksum).
type durabilityCheck struct {
	s          *sim.Sim
	syncedMin  []uint64 // per node: the count synced before its last crash
	pending    []bool   // per node: a restart not yet verified
	violations []string
}

func newDurabilityCheck(s *sim.Sim) *durabilityCheck {
	n := s.NodeCount()
	return &durabilityCheck{s: s, syncedMin: make([]uint64, n), pending: make([]bool, n)}
}

func (d *durabilityCheck) beforeFault(kind int, id sim.NodeID) {
	d.verifyRestarted()
	if kind == faultCrash {
		if c := CounterOf(d.s, id); c != nil {
			d.syncedMin[id] = c.synced
			d.pending[id] = true
		}
	}
}

// verifyRestarted checks every node that has come back since its crash.
func (d *durabilityCheck) verifyRestarted() {
	for i := range d.pending {
		c := CounterOf(d.s, sim.NodeID(i))
		if !d.pending[i] || c == nil {
			continue
		}
		d.pending[i] = false
		if c.recovered < d.syncedMin[i] && !c.corrupt {
			d.violations = append(d.violations, fmt.Sprintf("%s at %v restarted with count %d after syncing %d",
				d.s.NodeName(sim.NodeID(i)), d.s.Now(), c.recovered, d.syncedMin[i]))
		}
	}
}

func (c ChaosConfig) withDefaults() ChaosConfig {
	if c.Nodes == 0 {
		c.Nodes = 5
	}
	if c.Duration == 0 {
		c.Duration = 10 * time.Second
	}
	if c.Every == 0 {
		c.Every = 200 * time.Millisecond
	}
	return c
}

// faultKinds is the number of fault kinds InjectFault knows.
const faultKinds = 13

// Fault kinds that the chaos driver treats specially.
const (
	faultCrash     = 0
	faultTornWrite = 9
	faultMisdirect = 12
)

// InjectFault applies fault number kind (0..12) to node id, with other as a
// second node or a magnitude. Faults that do not fit a node's state, such as
// crashing a node that is down, are refused by the simulator and skipped:
// that is part of the run, and the same seed skips the same ones.
func InjectFault(s *sim.Sim, kind int, id, other sim.NodeID, rng *rand.Rand) {
	nw := s.Network()
	n := sim.NodeID(s.NodeCount())
	switch kind {
	case faultCrash:
		_ = s.Crash(id)
	case 1:
		_ = s.Restart(id, 50*time.Millisecond)
	case 2:
		_ = s.Pause(id)
	case 3:
		_ = s.Resume(id)
	case 4:
		_ = nw.Partition([]sim.NodeID{id}, []sim.NodeID{(id + 1) % n, (id + 2) % n})
	case 5:
		_ = nw.Cut(id, other)
	case 6:
		nw.Heal()
	case 7:
		_ = s.SetClockDrift(id, int64(rng.IntN(5))*20_000-40_000)
	case 8:
		_ = s.JumpClock(id, time.Duration(rng.IntN(5)-2)*time.Second)
	case faultTornWrite:
		s.Disk(id).TearOnNextCrash()
	case 10:
		s.Disk(id).CorruptRandom()
		s.Disk(other).FailSyncs(1)
	case 11:
		_ = s.SetSlow(id, time.Duration(rng.IntN(5))*time.Millisecond)
	case faultMisdirect:
		s.Disk(id).MisdirectWrites(1)
	}
}
