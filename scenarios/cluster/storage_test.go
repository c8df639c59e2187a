package cluster_test

import (
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/scenarios/cluster"
	"github.com/faultline/faultline/sim"
)

// flipSyncedLogBit damages a record in the middle of replica id's oldest
// log segment, as a decayed sector would.
func flipSyncedLogBit(t *testing.T, d *sim.Disk) {
	t.Helper()
	for _, name := range d.Files() {
		if strings.HasPrefix(name, "log-") && d.Size(name) > 200 {
			if err := d.FlipBit(name, d.Size(name)/2, 3); err != nil {
				t.Fatal(err)
			}
			return
		}
	}
	t.Fatal("no log segment to damage")
}

// A replica whose synced log is damaged detects it on restart, abstains from
// voting while a leader repairs it, and rejoins whole; nothing acknowledged
// is lost and no replica ever applies a damaged entry.
func TestCorruptedFollowerIsRepairedByTheLeader(t *testing.T) {
	stop := at(6 * time.Second)
	drivers := []*incrementer{{key: "a", until: stop}, {key: "b", until: stop}}
	c, err := newTestCluster(11, 3, drivers, nil)
	if err != nil {
		t.Fatal(err)
	}
	c.Run(at(2 * time.Second))
	leader, _ := c.Leader()
	follower := sim.NodeID((leader + 1) % 3)
	if err := c.Crash(follower); err != nil {
		t.Fatal(err)
	}
	flipSyncedLogBit(t, c.Disk(follower))
	if err := c.Restart(follower, 10*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	c.Run(at(2*time.Second + 10*time.Millisecond)) // the restart, before any heartbeat can repair it
	if !c.Replica(int(follower)).Status().Recovering {
		t.Fatal("the damaged replica did not notice the corruption")
	}
	c.Run(at(8 * time.Second))
	if c.Replica(int(follower)).Status().Recovering {
		t.Fatal("the damaged replica was never repaired")
	}
	// The repair is durable: a restart finds the log whole again.
	if err := c.Crash(follower); err != nil {
		t.Fatal(err)
	}
	if err := c.Restart(follower, 10*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	c.Run(at(8*time.Second + 10*time.Millisecond))
	if c.Replica(int(follower)).Status().Recovering {
		t.Fatal("the repaired replica abstains again after a restart")
	}
	c.Run(at(9 * time.Second))
	assertConverged(t, c)
	if err := checkIncrements(c, drivers); err != nil {
		t.Fatal(err)
	}
	assertObserverClean(t, c)
}

// A leader whose fsync fails stops at once (it cannot know what reached
// the disk), its supervisor restarts it from disk, and the cluster carries
// on without losing an acknowledged write.
func TestFsyncFailureStopsTheReplicaAndItRestarts(t *testing.T) {
	stop := at(5 * time.Second)
	drivers := []*incrementer{{key: "a", until: stop}, {key: "b", until: stop}}
	c, err := newTestCluster(12, 3, drivers, nil)
	if err != nil {
		t.Fatal(err)
	}
	c.Run(at(time.Second))
	leader, _ := c.Leader()
	c.Disk(sim.NodeID(leader)).FailSyncs(1)
	c.Run(at(time.Second + 50*time.Millisecond))
	if !c.IsDown(sim.NodeID(leader)) {
		t.Fatal("the replica whose fsync failed is still serving")
	}
	c.Run(at(7 * time.Second))
	if c.IsDown(sim.NodeID(leader)) {
		t.Fatal("the supervisor did not restart the replica")
	}
	assertConverged(t, c)
	if err := checkIncrements(c, drivers); err != nil {
		t.Fatal(err)
	}
	assertObserverClean(t, c)
}

// A replica that stops serving stays up, answering StatusStopped, until
// the supervisor's next health check, which restarts it; a disk that
// keeps failing makes it stop again at boot, and the supervisor keeps
// restarting it until the disk heals.
func TestAStoppedReplicaIsRestartedAtTheNextHealthCheck(t *testing.T) {
	stop := at(5 * time.Second)
	drivers := []*incrementer{{key: "a", until: stop}}
	c, err := newTestCluster(14, 3, drivers, nil)
	if err != nil {
		t.Fatal(err)
	}
	c.Run(at(time.Second))
	leader, _ := c.Leader()
	id := sim.NodeID(leader)
	if err := c.Disk(id).SetIOErrors(1); err != nil {
		t.Fatal(err)
	}
	for c.Replica(leader) != nil && c.Replica(leader).Stopped() == nil {
		c.Run(c.Now() + at(100*time.Microsecond))
	}
	if c.IsDown(id) || !strings.Contains(c.Replica(leader).Stopped().Error(), "input/output error") {
		t.Fatalf("right after the failed write the replica is down (%v) or stopped for another reason", c.IsDown(id))
	}
	c.Run(c.Now() + at(21*time.Millisecond))
	if !c.IsDown(id) {
		t.Fatal("the supervisor's health check did not take the stopped replica down")
	}
	c.Run(c.Now() + at(time.Second))
	if r := c.Replica(leader); r != nil && r.Stopped() == nil {
		t.Fatal("a replica whose disk fails every read came back serving")
	}
	if err := c.Disk(id).SetIOErrors(0); err != nil {
		t.Fatal(err)
	}
	c.Run(at(7 * time.Second))
	if r := c.Replica(leader); r == nil || r.Stopped() != nil {
		t.Fatal("the supervisor did not bring the replica back once its disk healed")
	}
	assertConverged(t, c)
	if err := checkIncrements(c, drivers); err != nil {
		t.Fatal(err)
	}
	assertObserverClean(t, c)
}

// With both copies of its vote damaged a replica cannot rejoin safely: it
// must stop with a clear error, and the other two carry on.
func TestUnrecoverableHardStateStopsTheReplica(t *testing.T) {
	stop := at(5 * time.Second)
	drivers := []*incrementer{{key: "a", until: stop}}
	c, err := newTestCluster(13, 3, drivers, func(cfg *cluster.Config) { cfg.RestartsMax = 2 })
	if err != nil {
		t.Fatal(err)
	}
	c.Run(at(time.Second))
	leader, _ := c.Leader()
	victim := sim.NodeID((leader + 1) % 3)
	if err := c.Crash(victim); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"hardstate-a", "hardstate-b"} {
		if err := c.Disk(victim).FlipBit(f, 14, 0); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.Restart(victim, 0); err != nil {
		t.Fatal(err)
	}
	c.Run(at(7 * time.Second))
	if r := c.Replica(int(victim)); r != nil && r.Stopped() == nil {
		t.Fatal("a replica that lost its vote kept serving")
	}
	if err := checkIncrements(c, drivers); err != nil {
		t.Fatal(err)
	}
	if len(drivers[0].ok) < 50 {
		t.Fatalf("the two healthy replicas served only %d increments", len(drivers[0].ok))
	}
	assertObserverClean(t, c)
}

// A follower that is down for long, while the leader compacts past it, is
// not sent the whole state again every few heartbeats: the leader probes
// it, and sends a snapshot once it answers.
func TestALeaderSendsNoSnapshotsToADeadFollower(t *testing.T) {
	stop := at(8 * time.Second)
	drivers := []*incrementer{{key: "a", until: stop}, {key: "b", until: stop}}
	c, err := newTestCluster(14, 3, drivers, func(cfg *cluster.Config) { cfg.Tune = tuneSmallSnapshots })
	if err != nil {
		t.Fatal(err)
	}
	c.Run(at(time.Second))
	leader, _ := c.Leader()
	follower := sim.NodeID((leader + 1) % 3)
	if err := c.Crash(follower); err != nil {
		t.Fatal(err)
	}
	before := c.Replica(leader).Status().Stats.SnapshotsSent
	c.Run(at(5 * time.Second))
	if l, _ := c.Leader(); l != leader {
		t.Fatalf("leadership moved from %d to %d; the test needs a steady leader", leader, l)
	}
	st := c.Replica(leader).Status().Stats
	if st.Snapshots == 0 {
		t.Fatal("the leader never compacted, so the test shows nothing")
	}
	t.Logf("leader %d: %d snapshots taken, %d sent to the dead follower", leader, st.Snapshots, st.SnapshotsSent-before)
	if sent := st.SnapshotsSent - before; sent > 1 {
		t.Fatalf("the leader sent %d snapshots to a follower that never answered", sent)
	}
	if err := c.Restart(follower, 0); err != nil {
		t.Fatal(err)
	}
	c.Run(at(9 * time.Second))
	if c.Replica(int(follower)).Status().Stats.SnapshotsInstalled == 0 {
		t.Fatal("the restarted follower caught up without a snapshot; the test shows nothing")
	}
	assertConverged(t, c)
	if err := checkIncrements(c, drivers); err != nil {
		t.Fatal(err)
	}
	assertObserverClean(t, c)
}

// When a majority of replicas find their synced logs damaged at once, the
// cluster still elects a leader: the damaged replicas vote for a healthy
// candidate that holds everything they acknowledged (and for no other), it
// refills them, and no acknowledged write is lost. Without that rule the
// two healthy replicas could never gather a majority again.
func TestAClusterRecoversWhenAMajorityFindsDamage(t *testing.T) {
	stop := at(8 * time.Second)
	drivers := []*incrementer{{key: "a", until: stop}, {key: "b", until: stop}}
	c, err := newTestCluster(15, 5, drivers, nil)
	if err != nil {
		t.Fatal(err)
	}
	c.Run(at(2 * time.Second))
	leader, _ := c.Leader()
	damaged := []sim.NodeID{sim.NodeID(leader), sim.NodeID((leader + 1) % 5), sim.NodeID((leader + 2) % 5)}
	okBefore := len(drivers[0].ok) + len(drivers[1].ok)
	for _, id := range damaged {
		if err := c.Crash(id); err != nil {
			t.Fatal(err)
		}
		flipSyncedLogBit(t, c.Disk(id))
	}
	for _, id := range damaged {
		if err := c.Restart(id, 50*time.Millisecond); err != nil {
			t.Fatal(err)
		}
	}
	c.Run(at(2*time.Second + 60*time.Millisecond))
	for _, id := range damaged {
		if !c.Replica(int(id)).Status().Recovering {
			t.Fatalf("replica %d did not notice its damage", id)
		}
	}
	c.Run(at(9 * time.Second))
	if _, ok := c.Leader(); !ok {
		t.Fatal("no leader after a majority found damage")
	}
	if okAfter := len(drivers[0].ok) + len(drivers[1].ok); okAfter <= okBefore+100 {
		t.Fatalf("the cluster served %d increments after the damage", okAfter-okBefore)
	}
	for _, id := range damaged {
		if c.Replica(int(id)).Status().Recovering {
			t.Errorf("replica %d was never repaired", id)
		}
	}
	assertConverged(t, c)
	if err := checkIncrements(c, drivers); err != nil {
		t.Fatal(err)
	}
	assertObserverClean(t, c)
}

// A follower whose disk is replaced by a blank one (a new machine) comes
// back abstaining from votes, even across another crash before it is
// caught up; the leader refills it although its log is far behind what
// the leader believed it had; then it votes again, and nothing
// acknowledged is lost.
func TestAReplicaThatLostItsDiskIsCaughtUpBeforeItVotes(t *testing.T) {
	stop := at(6 * time.Second)
	drivers := []*incrementer{{key: "a", until: stop}, {key: "b", until: stop}}
	c, err := newTestCluster(12, 3, drivers, nil)
	if err != nil {
		t.Fatal(err)
	}
	c.Run(at(2 * time.Second))
	leader, _ := c.Leader()
	follower := sim.NodeID((leader + 1) % 3)
	before := c.Replica(int(follower)).Status().LastIndex
	if err := c.Crash(follower); err != nil {
		t.Fatal(err)
	}
	if files, _, err := c.LoseDisk(follower); err != nil || files == 0 {
		t.Fatalf("lose disk: %d files, %v", files, err)
	}
	// Cut it off, so that no leader can repair it before the second crash.
	if err := c.Network().Isolate(follower); err != nil {
		t.Fatal(err)
	}
	if err := c.Restart(follower, 10*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	c.Run(at(2*time.Second + 10*time.Millisecond))
	if st := c.Replica(int(follower)).Status(); !st.Recovering || st.LastIndex >= before {
		t.Fatalf("the blank replica: recovering %v, last index %d (was %d)", st.Recovering, st.LastIndex, before)
	}
	c.Run(at(2*time.Second + 100*time.Millisecond)) // the rejoin marker's fsync completes
	// Crash it again before it is caught up: the marker must outlive it.
	if err := c.Crash(follower); err != nil {
		t.Fatal(err)
	}
	if err := c.Restart(follower, 10*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	c.Run(at(2*time.Second + 115*time.Millisecond))
	if r := c.Replica(int(follower)); r == nil || !r.Status().Recovering {
		t.Fatal("after a second crash the replica that lost its disk forgot that it must abstain")
	}
	c.Network().Heal()
	c.Run(at(8 * time.Second))
	st := c.Replica(int(follower)).Status()
	if st.Recovering || st.LastIndex < before {
		t.Fatalf("the replica that lost its disk was never caught up: recovering %v, last index %d (had %d)", st.Recovering, st.LastIndex, before)
	}
	if c.Disk(follower).Size("rejoining") >= 0 {
		t.Fatal("the rejoin marker outlived the repair")
	}
	c.Run(at(9 * time.Second))
	assertConverged(t, c)
	if err := checkIncrements(c, drivers); err != nil {
		t.Fatal(err)
	}
	assertObserverClean(t, c)
}
