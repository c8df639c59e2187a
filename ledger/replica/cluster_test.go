package replica

import (
	"math/rand/v2"
	"testing"
)

// testCluster runs replicas in one process over a network the test
// controls: each round ticks every replica, then delivers what they sent
// until nothing is left. The test may cut replicas off and pass every
// message through net, which may drop, duplicate or reorder it.
type testCluster struct {
	t    *testing.T
	rs   []*Replica
	envs []*testEnv
	cfgs []Config
	// restarts counts restarts, to seed each new life's randomness apart.
	restarts uint64
	cut      []bool // a cut replica sends and receives nothing
	// net, if set, sees every message in flight and returns how many
	// copies to deliver (0 drops it).
	net func(from NodeID, s sentMessage) int
	// shuffle, if set, reorders each batch of messages in flight.
	shuffle *rand.Rand
	// seen, if set, is shown every message sent, delivered or not.
	seen func(from NodeID, s sentMessage)
}

// newTestCluster builds n replicas, each configured by tune, and elects
// replica 0.
func newTestCluster(t *testing.T, n int, machine func() StateMachine, tune func(*Config)) *testCluster {
	t.Helper()
	c := startTestCluster(t, n, machine, tune)
	deliver(c.rs[0], 1, Message{Kind: MsgTimeoutNow}) // replica 0 campaigns at once
	c.settle()
	if c.rs[0].role != roleLeader {
		t.Fatalf("replica 0 is %s after campaigning", c.rs[0].role)
	}
	return c
}

// startTestCluster builds and starts n replicas, each configured by tune,
// and elects no one.
func startTestCluster(t *testing.T, n int, machine func() StateMachine, tune func(*Config)) *testCluster {
	t.Helper()
	c := &testCluster{t: t, cut: make([]bool, n)}
	for id := range n {
		cfg := DefaultConfig()
		cfg.ID = NodeID(id)
		for i := range n {
			cfg.Peers = append(cfg.Peers, NodeID(i))
		}
		cfg.NewStateMachine = machine
		if tune != nil {
			tune(&cfg)
		}
		r, err := New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		env := newTestEnv(t)
		env.rng = rand.New(rand.NewPCG(uint64(id), 7))
		r.Start(env)
		c.rs, c.envs, c.cfgs = append(c.rs, r), append(c.envs, env), append(c.cfgs, cfg)
	}
	return c
}

// restart replaces replica id with a new process of the same
// configuration on a blank disk, as a volatile node comes back after a
// kill; what it had sent is lost with it.
func (c *testCluster) restart(id int) {
	c.t.Helper()
	r, err := New(c.cfgs[id])
	if err != nil {
		c.t.Fatal(err)
	}
	c.restarts++
	env := newTestEnv(c.t)
	env.rng = rand.New(rand.NewPCG(uint64(id), 7+c.restarts))
	r.Start(env)
	c.rs[id], c.envs[id] = r, env
}

// settle delivers messages until none is in flight.
func (c *testCluster) settle() {
	for range 1_000_000 {
		var batch []struct {
			from NodeID
			s    sentMessage
		}
		for id, env := range c.envs {
			for _, s := range env.take() {
				if c.seen != nil {
					c.seen(NodeID(id), s)
				}
				if c.cut[id] || c.cut[s.to] {
					continue
				}
				copies := 1
				if c.net != nil {
					copies = c.net(NodeID(id), s)
				}
				for range copies {
					batch = append(batch, struct {
						from NodeID
						s    sentMessage
					}{NodeID(id), s})
				}
			}
		}
		if len(batch) == 0 {
			return
		}
		if c.shuffle != nil {
			c.shuffle.Shuffle(len(batch), func(i, j int) { batch[i], batch[j] = batch[j], batch[i] })
		}
		for _, b := range batch {
			c.rs[b.s.to].Receive(b.from, b.s.wire)
		}
	}
	c.t.Fatal("the cluster never went quiet")
}

// tick advances every replica by ticks ticks, settling after each.
func (c *testCluster) tick(ticks int) {
	for range ticks {
		for _, r := range c.rs {
			r.Timer(tickTag)
		}
		c.settle()
	}
}

// propose has the leader, replica 0, take n commands of size bytes each.
func (c *testCluster) propose(n, size int) {
	for i := range n {
		cmd := make([]byte, size)
		for j := range cmd {
			cmd[j] = byte(i + j)
		}
		c.rs[0].Propose(Request{Command: cmd}, func(Reply) {})
		if i%64 == 63 {
			c.settle()
		}
	}
	c.settle()
}

// assertConverged checks that every replica applied the leader's log and
// holds its digest.
func (c *testCluster) assertConverged() {
	c.t.Helper()
	want := c.rs[0].Status()
	for _, r := range c.rs[1:] {
		st := r.Status()
		if st.Applied != want.Applied || st.Digest != want.Digest {
			c.t.Fatalf("replica %d applied %d (digest %x), the leader %d (digest %x)", st.ID, st.Applied, st.Digest[:4], want.Applied, want.Digest[:4])
		}
	}
}
