package cluster_test

import (
	"testing"
	"time"

	"github.com/faultline/faultline/ledger/replica"
	"github.com/faultline/faultline/scenarios/cluster"
	"github.com/faultline/faultline/sim"
)

// A leader cut off from the cluster must step down within an election
// timeout (CheckQuorum), the majority must elect a new leader and keep
// serving, and when the partition heals the old leader must follow and
// converge. Nothing may be acknowledged by the isolated side.
func TestPartitionedOldLeaderStepsDownAndRejoins(t *testing.T) {
	drivers := []*incrementer{{key: "a", until: at(7 * time.Second)}, {key: "b", until: at(7 * time.Second)}, {key: "c", until: at(7 * time.Second)}}
	c, err := newTestCluster(3, 5, drivers, nil)
	if err != nil {
		t.Fatal(err)
	}
	c.Run(at(2 * time.Second))
	old, ok := c.Leader()
	if !ok {
		t.Fatal("no leader")
	}
	oldTerm := c.Replica(old).Status().Term
	if err := c.Network().Isolate(sim.NodeID(old)); err != nil {
		t.Fatal(err)
	}
	before := len(drivers[0].ok)
	c.Run(at(3 * time.Second))
	if st := c.Replica(old).Status(); st.Role == "leader" {
		t.Fatalf("isolated %s still leads term %d a second later", st.Role, st.Term)
	}
	leader, ok := c.Leader()
	if !ok || leader == old || c.Replica(leader).Status().Term <= oldTerm {
		t.Fatalf("the majority did not elect a new leader (leader %d ok %v)", leader, ok)
	}
	c.Run(at(5 * time.Second))
	if len(drivers[0].ok) <= before {
		t.Fatal("clients made no progress while the old leader was cut off")
	}
	c.Network().Heal()
	c.Run(at(8 * time.Second))
	assertConverged(t, c)
	if err := checkIncrements(c, drivers); err != nil {
		t.Fatal(err)
	}
	assertObserverClean(t, c)
}

// A follower that crashes with torn, unsynced writes recovers a clean
// prefix from disk and catches up from the leader.
func TestFollowerRecoversFromATornTail(t *testing.T) {
	drivers := []*incrementer{{key: "a", until: at(8 * time.Second)}, {key: "b", until: at(8 * time.Second)}}
	c, err := newTestCluster(4, 3, drivers, nil)
	if err != nil {
		t.Fatal(err)
	}
	c.Run(at(time.Second))
	leader, _ := c.Leader()
	follower := sim.NodeID((leader + 1) % 3)
	for round := range 5 {
		c.Disk(follower).TearOnNextCrash()
		if err := c.Crash(follower); err != nil {
			t.Fatal(err)
		}
		if err := c.Restart(follower, 100*time.Millisecond); err != nil {
			t.Fatal(err)
		}
		c.Run(at(time.Duration(2+round) * time.Second))
	}
	c.Run(at(10 * time.Second))
	assertConverged(t, c)
	if err := checkIncrements(c, drivers); err != nil {
		t.Fatal(err)
	}
	assertObserverClean(t, c)
}

// Leader transfer hands leadership to a chosen follower without an
// election timeout passing, and the cluster keeps its data.
func TestLeaderTransfer(t *testing.T) {
	drivers := []*incrementer{{key: "a", until: at(2 * time.Second)}}
	c, err := newTestCluster(5, 3, drivers, nil)
	if err != nil {
		t.Fatal(err)
	}
	c.Run(at(time.Second))
	leader, _ := c.Leader()
	target := (leader + 1) % 3
	if err := c.Replica(leader).TransferLeadership(c.Peers()[target]); err != nil {
		t.Fatal(err)
	}
	c.Run(at(time.Second + 100*time.Millisecond))
	if now, _ := c.Leader(); now != target {
		t.Fatalf("leader is %d 100ms after transfer to %d", now, target)
	}
	c.Run(at(3 * time.Second))
	if err := checkIncrements(c, drivers); err != nil {
		t.Fatal(err)
	}
	assertObserverClean(t, c)
}

// assertConverged checks that every live replica applied the same log to
// the same point: after a quiet period they must agree entirely.
func assertConverged(t *testing.T, c *cluster.Cluster) {
	t.Helper()
	var first *replica.Status
	for i := range c.Replicas() {
		r := c.Replica(i)
		if r == nil || r.Stopped() != nil {
			continue
		}
		st := r.Status()
		if first == nil {
			first = &st
			continue
		}
		if st.Applied != first.Applied || st.Digest != first.Digest {
			t.Fatalf("%s applied %d (digest %x), %s applied %d (digest %x)", cluster.ReplicaName(int(first.ID)),
				first.Applied, first.Digest[:4], cluster.ReplicaName(i), st.Applied, st.Digest[:4])
		}
	}
	if first == nil {
		t.Fatal("no live replica")
	}
}

// With room for two sessions and four clients, every registration evicts
// someone. An evicted client's request is reported unknown (it may have
// applied before the eviction), never failed, and the client registers a
// new session and goes on: every client keeps getting answers, and the
// increments stay exactly-once within what was acknowledged or unknown.
func TestEvictedClientsRegisterAgainAndKeepWorking(t *testing.T) {
	var drivers []*incrementer
	for _, k := range []string{"a", "b", "c", "d"} {
		drivers = append(drivers, &incrementer{key: k, until: at(3 * time.Second)})
	}
	c, err := newTestCluster(5, 3, drivers, func(cfg *cluster.Config) {
		cfg.Tune = func(rc *replica.Config) { rc.SessionsMax = 2 }
	})
	if err != nil {
		t.Fatal(err)
	}
	c.Run(at(4 * time.Second))
	evicted := 0
	for _, d := range drivers {
		if d.failed > 0 {
			t.Errorf("key %s: %d requests reported failed; an evicted session's request is unknown", d.key, d.failed)
		}
		if len(d.ok) < 10 {
			t.Errorf("key %s: only %d acknowledged increments: the client did not go on after eviction", d.key, len(d.ok))
		}
		evicted += d.expired
		t.Logf("key %s: ok %d unknown %d (evicted %d) sessions %d", d.key, len(d.ok), d.unknown, d.expired, d.sessions)
	}
	if evicted == 0 {
		t.Fatal("no session was ever evicted: the story tests nothing")
	}
	if err := checkIncrements(c, drivers); err != nil {
		t.Fatal(err)
	}
}

// A leadership transfer through the cluster's hook hands over to the
// follower (it campaigns at the leader's request and wins), and a crash
// point after term adoption armed on another follower fires on that
// follower's first answer in the new term, not before.
func TestTransferHandsOverAndATermAdoptionPointFiresInTheNewTerm(t *testing.T) {
	drivers := []*incrementer{{key: "a", until: at(4 * time.Second)}, {key: "b", until: at(4 * time.Second)}}
	c, err := newTestCluster(5, 5, drivers, nil)
	if err != nil {
		t.Fatal(err)
	}
	c.Run(at(time.Second))
	old, ok := c.Leader()
	if !ok {
		t.Fatal("no leader")
	}
	to, other := (old+1)%5, (old+2)%5
	match := c.CrashPointMatcher("after-term-adoption", cluster.ReplicaName(other))
	if err := c.CrashAfterSend(sim.NodeID(other), "after-term-adoption", time.Second, match); err != nil {
		t.Fatal(err)
	}
	c.Run(at(1500 * time.Millisecond))
	if c.CrashPointsFired(sim.NodeID(other)) != 0 {
		t.Fatal("the point fired with no new term")
	}
	campaigns, err := c.TransferLeader(cluster.ReplicaName(old), cluster.ReplicaName(to))
	if err != nil {
		t.Fatal(err)
	}
	c.Run(at(2 * time.Second))
	if leader, ok := c.Leader(); !ok || leader != to || campaigns() != 1 {
		t.Fatalf("after the transfer: leader %d (want %d), campaigns %d", leader, to, campaigns())
	}
	if c.CrashPointsFired(sim.NodeID(other)) != 1 || c.IsUp(sim.NodeID(other)) {
		t.Fatal("the follower did not crash on its first answer in the transferee's term")
	}
	if _, err := c.TransferLeader(cluster.ReplicaName(old), cluster.ReplicaName(to)); err == nil {
		t.Fatal("a replica that no longer leads agreed to transfer")
	}
}
