package replica

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// volatile configures a replica as ledger-node without --data-dir does.
func volatile(cfg *Config) {
	cfg.AbstainUntilCaughtUp = true
	cfg.BootstrapLowestID = true
}

// leaderOf returns the one leader of the highest term among the replicas,
// or -1.
func (c *testCluster) leaderOf() int {
	best, term := -1, uint64(0)
	for i, r := range c.rs {
		if r.role == roleLeader && r.term >= term {
			best, term = i, r.term
		}
	}
	return best
}

// bootstrap ticks a fresh volatile cluster until it has a leader.
func bootstrap(t *testing.T, n int) *testCluster {
	t.Helper()
	c := startTestCluster(t, n, func() StateMachine { return nopMachine{} }, volatile)
	for range 10 * DefaultConfig().ElectionTicks {
		if c.leaderOf() >= 0 {
			break
		}
		c.tick(1)
	}
	return c
}

// A brand-new cluster of replicas that all abstain until caught up elects
// its bootstrap replica (the lowest ID) in term 1, and then serves: every
// replica is caught up and applies the same log.
func TestAFreshAbstainingClusterElectsItsBootstrapReplica(t *testing.T) {
	for _, n := range []int{1, 3, 5} {
		t.Run(fmt.Sprintf("%d replicas", n), func(t *testing.T) {
			c := bootstrap(t, n)
			if l := c.leaderOf(); l != 0 || c.rs[0].term != 1 {
				t.Fatalf("leader %d in term %d: want replica 0 in term 1", l, c.rs[0].term)
			}
			c.propose(20, 16)
			c.tick(2 * DefaultConfig().HeartbeatTicks)
			c.assertConverged()
			for _, r := range c.rs {
				if st := r.Status(); st.Recovering || st.Applied < 21 {
					t.Fatalf("replica %d: recovering %t, applied %d: want caught up through 21", st.ID, st.Recovering, st.Applied)
				}
			}
		})
	}
}

// Without the bootstrap rule, the same cluster never elects anyone: the
// liveness the rule restores.
func TestAFreshAbstainingClusterWithoutTheRuleElectsNoOne(t *testing.T) {
	c := startTestCluster(t, 3, func() StateMachine { return nopMachine{} }, func(cfg *Config) { cfg.AbstainUntilCaughtUp = true })
	c.tick(10 * DefaultConfig().ElectionTicks)
	if l := c.leaderOf(); l >= 0 {
		t.Fatalf("replica %d became leader", l)
	}
}

// The bootstrap election needs every replica: one replica cut off keeps a
// fresh cluster leaderless, and it elects once the replica is back.
func TestTheBootstrapElectionWaitsForEveryReplica(t *testing.T) {
	c := startTestCluster(t, 3, func() StateMachine { return nopMachine{} }, volatile)
	c.cut[2] = true
	c.tick(10 * DefaultConfig().ElectionTicks)
	if l := c.leaderOf(); l >= 0 || c.rs[0].term != 0 {
		t.Fatalf("leader %d, bootstrap replica in term %d: want no leader and no vote asked", l, c.rs[0].term)
	}
	c.cut[2] = false
	c.tick(4 * DefaultConfig().ElectionTicks)
	if l := c.leaderOf(); l != 0 {
		t.Fatalf("leader %d once every replica is reachable: want 0", l)
	}
}

func TestBootstrapNeedsAbstention(t *testing.T) {
	cfg := DefaultConfig()
	cfg.ID, cfg.Peers = 0, []NodeID{0, 1, 2}
	cfg.NewStateMachine = func() StateMachine { return nopMachine{} }
	cfg.BootstrapLowestID = true
	if err := cfg.Validate(); err == nil {
		t.Fatal("bootstrap_lowest_id accepted without abstain_until_caught_up")
	}
}

// A follower restarted blank in a live cluster refuses a vote and a
// pre-vote (of a later term) until the leader has caught it up, and grants
// one after.
func TestABlankRestartedFollowerVotesOnlyAfterCatchUp(t *testing.T) {
	c := bootstrap(t, 3)
	c.propose(10, 8)
	c.restart(2)
	r, env := c.rs[2], c.envs[2]
	leader := c.rs[0].Status()
	ask := func(term uint64) (granted []string) {
		deliver(r, 1, Message{Kind: MsgPreVote, Term: term, LastTerm: leader.LastTerm, LastIndex: leader.LastIndex})
		deliver(r, 1, Message{Kind: MsgVote, Term: term, LastTerm: leader.LastTerm, LastIndex: leader.LastIndex, Transfer: true})
		for _, s := range env.take() {
			if s.msg.Granted {
				granted = append(granted, s.msg.Kind.String())
			}
		}
		return granted
	}
	if g := ask(2); len(g) > 0 || r.vote != None {
		t.Fatalf("blank after a restart, granted %v (vote %d)", g, r.vote)
	}
	// The leader's next heartbeat finds it and refills its log; replica
	// 2 is now in term 2, so the leader of term 1 steps down on its
	// answer and a new election follows, which 2 joins once caught up.
	c.envs[2].take()
	c.tick(6 * DefaultConfig().ElectionTicks)
	l := c.leaderOf()
	if l < 0 {
		t.Fatal("no leader after the restart")
	}
	c.propose(0, 0)
	if st := r.Status(); st.Recovering || st.LastIndex != c.rs[l].Status().LastIndex {
		t.Fatalf("replica 2 recovering %t with log through %d: want caught up", st.Recovering, st.LastIndex)
	}
	leader = c.rs[l].Status()
	// The pre-vote is refused now for the live leader's lease, as at any
	// replica; the vote by leader transfer bypasses the lease.
	if g := ask(r.term + 1); len(g) != 1 || g[0] != "vote-resp" {
		t.Fatalf("caught up, granted %v: want the vote", g)
	}
}

// The bootstrap replica, restarted blank, campaigns for term 1 again; a
// cluster that remembers any term refuses it, it learns the cluster's term
// and abstains, and it rejoins as a follower: it never leads term 1 a
// second time, whether the others moved on to a later term or are still in
// term 1 (their leader, its former self, gone).
func TestARestartedBootstrapReplicaFollowsTheLiveCluster(t *testing.T) {
	for _, moveOn := range []bool{false, true} {
		t.Run(fmt.Sprintf("cluster past term 1: %t", moveOn), func(t *testing.T) {
			c := bootstrap(t, 3)
			// The restarted replica 0 reports the terms it leads.
			var ledAgain []uint64
			c.cfgs[0].OnLeader = func(term uint64) { ledAgain = append(ledAgain, term) }
			c.propose(10, 8)
			if moveOn {
				if err := c.rs[0].TransferLeadership(1); err != nil {
					t.Fatal(err)
				}
				c.settle()
				if c.leaderOf() != 1 || c.rs[1].term != 2 {
					t.Fatalf("leader %d: want replica 1 in term 2", c.leaderOf())
				}
			}
			c.restart(0)
			c.tick(10 * DefaultConfig().ElectionTicks)
			l := c.leaderOf()
			if l <= 0 || len(ledAgain) > 0 {
				t.Fatalf("leader %d; the restarted replica 0 led terms %v: want another leader", l, ledAgain)
			}
			st := c.rs[0].Status()
			if st.Role != "follower" || st.Term < 2 || st.Recovering || st.Leader != NodeID(l) {
				t.Fatalf("restarted replica 0: %+v: want a caught-up follower of %d", st, l)
			}
		})
	}
}

// A majority restarted blank at once stalls the cluster instead of losing
// what it acknowledged: the survivor keeps its term and refuses the
// bootstrap, and the blank ones never vote for it.
func TestAMajorityRestartedAtOnceStallsTheCluster(t *testing.T) {
	c := bootstrap(t, 3)
	c.propose(10, 8)
	c.tick(DefaultConfig().HeartbeatTicks)
	kept := c.rs[2].Status()
	c.restart(0)
	c.restart(1)
	c.tick(20 * DefaultConfig().ElectionTicks)
	if l := c.leaderOf(); l >= 0 {
		t.Fatalf("replica %d leads term %d after a majority lost its state", l, c.rs[l].term)
	}
	if st := c.rs[2].Status(); st.LastIndex != kept.LastIndex || st.Digest != kept.Digest {
		t.Fatalf("the surviving replica's log changed: %+v, had %+v", st, kept)
	}
}

// Election safety under blank restarts, most of them early, while the
// cluster bootstraps or is still in term 1, with messages lost,
// duplicated and reordered and replicas cut off: no term ever has two
// leaders (a restarted bootstrap replica included, whose two lives would
// both be "replica 0 in term 1"), and no index is ever applied with two
// different log digests, by any replica in any life. One replica other
// than the bootstrap one never restarts: the rule promises nothing once
// every replica has lost its state.
func TestElectionSafetyWithBlankRestartsInTermOne(t *testing.T) {
	seeds := 300
	if testing.Short() {
		seeds = 60
	}
	live := 0
	for seed := range seeds {
		if runBlankRestarts(t, uint64(seed)) {
			live++
		}
	}
	t.Logf("%d of %d runs had a leader at the end", live, seeds)
	if live == 0 {
		t.Fatal("no run ended with a leader: the test exercises nothing")
	}
}

// runBlankRestarts runs one seed and reports whether it ends with a leader.
func runBlankRestarts(t *testing.T, seed uint64) bool {
	rng := rand.New(rand.NewPCG(seed, 20))
	n := 3 + 2*rng.IntN(2)
	witness := 1 + rng.IntN(n-1)
	leaders := map[uint64]int{}
	digests := map[uint64][32]byte{}
	tune := func(cfg *Config) {
		volatile(cfg)
		id := cfg.ID
		cfg.OnLeader = func(term uint64) {
			if prev, ok := leaders[term]; ok {
				t.Fatalf("seed %d: replicas %d and %d both led term %d", seed, prev, id, term)
			}
			leaders[term] = int(id)
		}
		cfg.OnApply = func(e *Entry, digest [32]byte) {
			if d, ok := digests[e.Index]; ok && d != digest {
				t.Fatalf("seed %d: replica %d applied index %d with another log than before", seed, id, e.Index)
			}
			digests[e.Index] = digest
		}
	}
	c := startTestCluster(t, n, func() StateMachine { return nopMachine{} }, tune)
	c.shuffle = rng
	c.net = func(NodeID, sentMessage) int {
		switch p := rng.IntN(100); {
		case p < 10:
			return 0
		case p < 15:
			return 2
		}
		return 1
	}
	for tick := range 600 {
		restartPercent := 1
		if tick < 100 {
			restartPercent = 6
		}
		if id := rng.IntN(n); id != witness && rng.IntN(100) < restartPercent {
			c.restart(id)
		}
		if rng.IntN(100) < 3 {
			id := rng.IntN(n)
			c.cut[id] = !c.cut[id]
		}
		if l := c.leaderOf(); l >= 0 && rng.IntN(4) == 0 {
			c.rs[l].Propose(Request{Command: []byte{byte(tick)}}, func(Reply) {})
		}
		c.tick(1)
	}
	clear(c.cut)
	c.net = nil
	c.tick(20 * DefaultConfig().ElectionTicks)
	return c.leaderOf() >= 0
}
