package scenarios

import (
	"math/rand/v2"
	"time"

	"github.com/faultline/faultline/faults"
	"github.com/faultline/faultline/ledger/replica"
	"github.com/faultline/faultline/scenarios/cluster"
)

func baseline() Scenario {
	s := base("baseline", "no faults: the reference for latency and throughput",
		"an ordinary day: every node up, the network healthy")
	s.Workload.Client = cluster.DefaultClientOptions() // the reference: a patient client
	s.NoParameterSwarm = true                          // and the default knobs, every seed
	return s
}

func leaderCrash() Scenario {
	s := base("leader-crash", "the leader crashes at 3s and restarts at 5s",
		"loss of the primary node (hardware failure, kernel panic)")
	s.Faults = fixedFor(func(servers []string) []faults.Fault {
		return append([]faults.Fault{{At: at(3 * time.Second), Kind: faults.Crash, Node: "@leader"}},
			everyServer(faults.Fault{At: at(5 * time.Second), Kind: faults.Restart}, servers)...)
	})
	return s
}

func doubleFailover() Scenario {
	s := base("double-failover", "the leader crashes, then the node that took over crashes too",
		"a failover that fails: the standby dies shortly after taking over")
	// Two of three replicas down would be an outage, not a failover that
	// fails: five or more, so that a majority survives both crashes.
	s.SwarmSizes = []int{5, 7}
	s.Faults = fixedFor(func(servers []string) []faults.Fault {
		return append([]faults.Fault{{At: at(2 * time.Second), Kind: faults.Crash, Node: "@leader"},
			{At: at(3500 * ms), Kind: faults.Crash, Node: "@leader"}},
			everyServer(faults.Fault{At: at(6 * time.Second), Kind: faults.Restart}, servers)...)
	})
	return s
}

func lose20pct() Scenario {
	s := base("lose-20pct", "a fifth of the nodes is lost for good at 2s",
		"loss of a server rack or an availability zone's share of the cluster")
	// One follower is a fifth of the cluster at five replicas only: at
	// three it would be a third, at seven a seventh, and the scenario is
	// named for its share.
	s.SwarmSizes = []int{5}
	s.Faults = fixed(faults.Fault{At: at(2 * time.Second), Kind: faults.Crash, Node: "@follower"})
	return s
}

func minorityPartition() Scenario {
	s := base("minority-partition", "random minority/majority splits, healed in between; a lagging minority rejoining as the leader fails",
		"a switch failure cuts a minority of nodes off")
	s.Faults = planned([]faults.Weight{w(faults.DMinority, 3), w(faults.DIsolate, 1), w(faults.DLaggingQuorum, 1)}, 1200*ms, 1500*ms, 0)
	return s
}

func majorityPartition() Scenario {
	s := base("majority-partition", "the leader is isolated from a majority, twice",
		"the primary's rack loses its uplink: the majority must elect a new leader")
	s.Faults = fixed(faults.Fault{At: at(2 * time.Second), Kind: faults.Isolate, Node: "@leader"},
		faults.Fault{At: at(3500 * ms), Kind: faults.Heal},
		faults.Fault{At: at(4500 * ms), Kind: faults.Isolate, Node: "@leader"},
		faults.Fault{At: at(6 * time.Second), Kind: faults.Heal})
	return s
}

func bridge() Scenario {
	s := base("bridge", "two halves that only one node connects",
		"a partial network failure where one node still sees both sides")
	// The default budget, a minority: two at five replicas, three at seven,
	// where the halves a bridge leaves are three each.
	s.Faults = planned([]faults.Weight{w(faults.DBridge, 1)}, 1500*ms, 2*time.Second, 0)
	return s
}

func asymmetricPartition() Scenario {
	s := base("asymmetric-partition", "one node can hear but not be heard",
		"a one-way link failure (a bad NIC, a misconfigured firewall)")
	s.Faults = planned([]faults.Weight{w(faults.DAsymmetric, 1)}, 1500*ms, 2*time.Second, 0)
	return s
}

func crossRegion() Scenario {
	s := base("cross-region", "three regions with WAN latency; one region is cut off",
		"a regional outage in a multi-region deployment")
	s.Regions = splitRegions(s.Replicas, 3) // {0,1} {2,3} {4}; Sized spreads another size the same way
	s.WANLatency = wan
	s.SLO.RecoveryBound = 4 * time.Second
	s.Workload.Client.AttemptTimeout = 600 * ms
	s.Workload.Client.GiveUpAfter = 1500 * ms // two WAN attempts and a regional election
	s.Workload.Client.Backoff = 50 * ms
	s.Faults = func(rng *rand.Rand, servers []string) faults.Schedule {
		return faults.Generate(rng, faults.Plan{Servers: servers, Start: at(time.Second), End: at(7 * time.Second),
			Every: at(2 * time.Second), HoldMin: at(time.Second), HoldMax: at(2 * time.Second),
			Weights: []faults.Weight{w(faults.DRegion, 1)}, // the default budget: no region holds a majority
			Regions: regionNames(servers, 3)})
	}
	return s
}

func clockSkew() Scenario {
	s := base("clock-skew", "clock offsets, jumps and drift on every node",
		"NTP failures: clocks seconds apart, stepping, running fast or slow")
	s.ClockOffset = []time.Duration{0, 3 * time.Second, -2 * time.Second}
	s.ClockDriftPPM = []int64{0, 0, 0, 100_000, -100_000}
	s.Faults = planned([]faults.Weight{w(faults.DClockSkew, 2), w(faults.DClockDrift, 2), w(faults.DCrash, 1)},
		600*ms, 2*time.Second, 0)
	return s
}

func diskCorruption() Scenario {
	s := base("disk-corruption", "bit flips, torn and misdirected writes, fsync failures, damage to the newest log write, lost log files",
		"failing disks and firmware bugs that corrupt data at rest, latent sector errors on the blocks written last, and file systems that lose the newest file's directory entry")
	s.Faults = planned([]faults.Weight{w(faults.DBitFlip, 3), w(faults.DMisdirect, 2), w(faults.DCrashLeader, 2),
		w(faults.DFsyncFailure, 1), w(faults.DSlowDisk, 1), w(faults.DDiskLoss, 1), w(faults.DTailDamage, 2),
		w(faults.DLoseNewest, 2)}, 700*ms, 1500*ms, 1)
	return s
}

func failingDisk() Scenario {
	s := base("failing-disk", "disks that fail reads, writes and fsyncs for a while, on up to two nodes at a time, or garble the blocks written last",
		"a dying drive or a flapping storage controller that returns I/O errors (EIO) on reads, writes and fsyncs, or whose newest blocks read back damaged after a restart (latent sector errors)")
	s.Faults = planned([]faults.Weight{w(faults.DIOError, 3), w(faults.DSlowDisk, 1), w(faults.DTailDamage, 1)}, 700*ms, 1500*ms, 0)
	return s
}

func flakyNetwork() Scenario {
	s := base("flaky-network", "loss, duplication, reordering and delay spikes",
		"a congested or degraded network")
	s.Faults = planned([]faults.Weight{w(faults.DLossy, 2), w(faults.DDelay, 1), w(faults.DSlow, 1)},
		900*ms, 2*time.Second, 0)
	return s
}

func rollingRestart() Scenario {
	s := base("rolling-restart", "every node restarted in turn, as in an upgrade, most of them drained of leadership first",
		"a rolling deployment of a new version")
	// One node at a time, spread over six seconds whatever the size
	// (1.2 s apart at five replicas), each back 500 ms after it went down.
	s.Faults = func(rng *rand.Rand, servers []string) faults.Schedule {
		var fs []faults.Fault
		for i, n := range servers {
			t := time.Second + time.Duration(i)*6*time.Second/time.Duration(len(servers))
			// The runbook drains a node before its restart: if it leads,
			// it hands over to the next node 100 ms before it goes down.
			// One step in four skips the drain, as an operator in a hurry
			// does, and the leader just dies.
			if rng.IntN(4) != 0 {
				fs = append(fs, faults.Fault{At: at(t - 100*ms), Kind: faults.TransferLeader, From: n, To: servers[(i+1)%len(servers)]})
			}
			fs = append(fs, faults.Fault{At: at(t), Kind: faults.Crash, Node: n},
				faults.Fault{At: at(t + 500*ms), Kind: faults.Restart, Node: n})
		}
		sched := faults.Schedule{Faults: fs}
		sched.Sort()
		return sched
	}
	return s
}

func endOfDayBurst() Scenario {
	s := base("end-of-day-burst", "bursts of traffic at the open and close, with a follower crash",
		"the start and end of a trading day, when volume peaks")
	s.Workload.Clients = 12
	s.Workload.OpenLoop = true // arrivals do not wait for the ledger to keep up
	s.Workload.Groups = 16     // a burst spreads over many accounts
	s.Workload.HotGroupShare = 0.1
	s.Workload.Bursts = []Burst{{From: 500 * ms, To: 2 * time.Second, Factor: 8}, {From: 5 * time.Second, To: 7500 * ms, Factor: 8}}
	s.Faults = fixedFor(func(servers []string) []faults.Fault {
		return append([]faults.Fault{{At: at(5500 * ms), Kind: faults.Crash, Node: "@follower"}},
			everyServer(faults.Fault{At: at(6500 * ms), Kind: faults.Restart}, servers)...)
	})
	return s
}

func swarm() Scenario {
	s := base("swarm", "everything, at random: each seed enables its own mix of faults",
		"the unforeseen combination (swarm testing)")
	s.SLO.RecoveryBound = 3 * time.Second
	s.RogueOneIn = 2 // and one seed in two a client with a broken codec
	s.Faults = func(rng *rand.Rand, servers []string) faults.Schedule {
		plan := faults.Swarm(rng, servers, time.Second, 7*time.Second)
		plan.LogPrefix = replica.SegmentPrefix
		return faults.Generate(rng, plan)
	}
	return s
}

func malformedInput() Scenario {
	s := base("malformed-input", "frames corrupted on the wire, and clients with a broken codec",
		"a faulty NIC, cable or switch that damages frames past the transport's checksum, and clients built against another protocol version or a buggy SDK")
	s.RogueClients = 2
	s.Faults = planned([]faults.Weight{w(faults.DCorrupt, 3), w(faults.DCrash, 1)}, 900*ms, 2*time.Second, 0)
	return s
}

func leaderChurn() Scenario {
	s := base("leader-churn", "whoever leads is cut off, alone or with followers, every few hundred ms",
		"flapping leadership: a leader's uplink that keeps failing, leaving uncommitted tails on changing minorities")
	s.SLO.MinAvailability = 0.3 // an election every round is the point, not an outage
	// The density of the replica's own randomized test: a fault every few
	// hundred milliseconds on a slightly lossy network, with crashes and
	// pauses among the rounds so that deposed leaders also come back with
	// their tails, crash points aimed at the leader mid-fsync and at a
	// voter right after it adopts a new term, and leadership handed to a
	// follower that freezes right after it catches up (amid a cut, a plain
	// drain to the first live follower).
	s.Link.LossRate, s.Link.DuplicateRate, s.Link.ReorderRate = 0.02, 0.01, 0.05
	s.Faults = func(rng *rand.Rand, servers []string) faults.Schedule {
		return faults.Generate(rng, faults.Plan{Servers: servers, Start: at(time.Second), End: at(7 * time.Second),
			Every: at(250 * ms), HoldMin: at(200 * ms), HoldMax: at(800 * ms),
			Weights: []faults.Weight{w(faults.DLeaderChurn, 6), w(faults.DLeaderPoint, 2), w(faults.DLeaderPause, 2), w(faults.DCrash, 1),
				w(faults.DCrashPoint, 1), w(faults.DVoterCrash, 2), w(faults.DLeaderTransfer, 2),
				w(faults.DLaggingQuorum, 1)}})
	}
	return s
}

// depose is one round of deposedLeader: the leader cut off from the other
// replicas at t, its clock at half speed (a starved VM whose timers fire
// late, so it notices its lost quorum late), healed and corrected after
// hold.
func depose(t, hold time.Duration, servers []string) []faults.Fault {
	fs := []faults.Fault{{At: at(t), Kind: faults.Isolate, Node: "@leader"},
		{At: at(t), Kind: faults.ClockDrift, Node: "@leader", PPM: -500_000},
		{At: at(t + hold), Kind: faults.Heal}}
	return append(fs, everyServer(faults.Fault{At: at(t + hold), Kind: faults.ClockDrift}, servers)...)
}

func deposedLeader() Scenario {
	s := base("deposed-leader", "the leader loses its replicas but not its clients, three times",
		"a primary cut off from its peers but not from its zone's clients, which keep talking to it")
	// Each client is connected to one node, as through its zone's load
	// balancer, and starts every request there: those homed on the cut-off
	// leader keep asking it, while it still believes it leads, for
	// balances the new leader has changed.
	s.Workload.Client.StartAtHome = true
	s.Faults = fixedFor(func(servers []string) []faults.Fault {
		var fs []faults.Fault
		for _, t := range []time.Duration{2 * time.Second, 4500 * ms, 7 * time.Second} {
			fs = append(fs, depose(t, 900*ms, servers)...)
		}
		return fs
	})
	return s
}

func maelstromNode() Scenario {
	s := base("maelstrom-node", "the Maelstrom node's own code (cmd/ledger-node's core) serving lin-kv to clients of any node, under partitions, loss, crashes and clock faults; one in four seeds with volatile nodes ends by wiping a majority at once, after which the cluster must stall and never rebootstrap",
		"the Maelstrom deployment of the ledger: clients that talk to whichever node they reach, a follower or one cut off from the majority as much as the leader")
	s.Maelstrom = true
	s.Workload.Clients = 5
	s.Workload.ThinkTime = 20 * ms
	// Leader churn and isolation leave clients talking to cut-off nodes
	// that may still believe they lead; crashes restart nodes on their
	// simulated disks; the rest delay, lose, duplicate and reorder the
	// Maelstrom messages between nodes, and skew and drift their clocks.
	// Blank voters aim at the seeds whose nodes are volatile (see
	// Parameters.Volatile): a restarted node's vote would decide an
	// election among laggards, if it did not abstain until caught up.
	weights := []faults.Weight{w(faults.DIsolate, 2), w(faults.DMinority, 2), w(faults.DLeaderChurn, 2),
		w(faults.DLossy, 2), w(faults.DDelay, 1), w(faults.DCrash, 2), w(faults.DClockSkew, 1), w(faults.DClockDrift, 1),
		w(faults.DBlankVoter, 2)}
	s.Faults = planned(weights, 700*ms, 1500*ms, 0)
	// One in four volatile seeds loses a majority's state at once, the
	// bootstrap node's among it, late in the run: the plan ends at 4.5 s,
	// leaving the cluster its 2 s recovery bound to commit again, and the
	// wipe comes at 6.5 s, while clients still write. From then on the
	// cluster must stall: no leader, no answer, never a new bootstrap.
	s.MajorityWipe = &WipePlan{Share: 4, At: 6500 * ms, Before: plannedUntil(4500*ms, weights, 700*ms, 1500*ms, 0)}
	return s
}
