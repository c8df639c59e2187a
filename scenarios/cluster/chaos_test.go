package cluster_test

import (
	"testing"
	"time"

	"github.com/faultline/faultline/scenarios/cluster"
	"github.com/faultline/faultline/sim"
)

// TestStateMachineSafetyUnderChaos is the randomized test of the replica:
// over many seeds, five replicas serve clients while a minority at a time is
// crashed, restarted, paused or partitioned away, on a lossy, duplicating,
// reordering network with drifting clocks. After the faults stop, every
// replica must agree on the applied log (no two replicas ever applied
// different entries at an index), no term may have two leaders, cluster
// time never runs backwards, and every acknowledged increment must be there
// exactly once.
func TestStateMachineSafetyUnderChaos(t *testing.T) {
	seeds := uint64(100)
	if testing.Short() {
		seeds = 8
	}
	for seed := uint64(1); seed <= seeds; seed++ {
		stop := at(10 * time.Second)
		drivers := []*incrementer{{key: "a", until: stop}, {key: "b", until: stop}, {key: "c", until: stop}, {key: "d", until: stop}}
		c, err := newTestCluster(seed, 5, drivers, func(cfg *cluster.Config) {
			cfg.Link.LossRate, cfg.Link.DuplicateRate, cfg.Link.ReorderRate = 0.05, 0.02, 0.05
			cfg.ClockDriftPPM = []int64{0, 30_000, -30_000}
			cfg.Tune = tuneSmallSnapshots
		})
		if err != nil {
			t.Fatal(err)
		}
		rng := sim.NewStream(seed, "faults")
		down := map[sim.NodeID]bool{}
		for ms := 500; ms < 8000; ms += 250 {
			c.At(at(time.Duration(ms)*time.Millisecond), func() { chaosStep(c, rng, down) })
		}
		c.At(at(8*time.Second), func() { healAll(c, down) })
		c.Run(at(14 * time.Second))
		if t.Failed() {
			return
		}
		assertConverged(t, c)
		if err := checkIncrements(c, drivers); err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		assertObserverClean(t, c)
		if len(drivers[0].ok) == 0 {
			t.Fatalf("seed %d: client a never completed an increment", seed)
		}
	}
}

// chaosStep applies one random fault, keeping at most two of five replicas
// down or cut off at once, so that a majority can always make progress.
func chaosStep(c *cluster.Cluster, rng interface{ IntN(int) int }, down map[sim.NodeID]bool) {
	id := sim.NodeID(rng.IntN(c.Replicas()))
	if leader, ok := c.Leader(); ok && rng.IntN(3) == 0 {
		id = sim.NodeID(leader) // leaders are where the interesting bugs live
	}
	switch rng.IntN(8) {
	case 0:
		if len(down) < 2 && !down[id] && c.Crash(id) == nil {
			down[id] = true
			c.After(time.Duration(200+rng.IntN(800))*time.Millisecond, func() {
				if c.Restart(id, 0) == nil {
					delete(down, id)
				}
			})
		}
	case 1:
		if len(down) < 2 && !down[id] && c.Pause(id) == nil {
			down[id] = true
			c.After(time.Duration(100+rng.IntN(600))*time.Millisecond, func() {
				if c.Resume(id) == nil {
					delete(down, id)
				}
			})
		}
	case 2:
		if len(down) == 0 {
			_ = c.Network().Isolate(id)
			c.After(time.Duration(300+rng.IntN(700))*time.Millisecond, func() { c.Network().Heal() })
		}
	case 3:
		c.Disk(id).TearOnNextCrash()
	case 4:
		_ = c.SetClockDrift(id, int64(rng.IntN(5)-2)*20_000)
	case 5:
		_ = c.JumpClock(id, time.Duration(rng.IntN(5)-2)*time.Second)
	case 6:
		// Storage damage, one replica at a time: the protocol tolerates a
		// damaged minority, as it tolerates a crashed one.
		if len(down) == 0 {
			c.Disk(id).CorruptRandom()
			if c.Crash(id) == nil {
				down[id] = true
				c.After(100*time.Millisecond, func() {
					if c.Restart(id, 0) == nil {
						delete(down, id)
					}
				})
			}
		}
	case 7:
		c.Disk(id).FailSyncs(1)
	}
}

func healAll(c *cluster.Cluster, down map[sim.NodeID]bool) {
	c.Network().Heal()
	for id := range c.Replicas() {
		nid := sim.NodeID(id)
		_ = c.Resume(nid)
		if c.IsDown(nid) {
			_ = c.Restart(nid, 0)
		}
	}
	clear(down)
}
