// Package ours runs the peer workload (package workload) on faultline's
// ledger/replica, through its exported API alone: replicas driven by
// Start, Receive, Timer and Propose, on an in-memory Disk, their messages
// in the replica's wire format (EncodeMessage and DecodeMessage, inside
// the replica) on a workload.Wire.
package ours

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/faultline/faultline/ledger/replica"
	"github.com/faultline/faultline/peerbench/workload"
)

// Cluster is n replicas of ledger/replica in one process, replica 0 the
// leader.
type Cluster struct {
	nodes    []*node
	wire     workload.Wire
	replied  uint64 // proposals answered StatusOK
	proposed uint64
	done     func(replica.Reply) // onReply, bound once so Propose allocates no closure
}

// node is one replica and the environment it runs in.
type node struct {
	r       *replica.Replica
	id      replica.NodeID
	c       *Cluster
	disk    *memDisk
	rng     *rand.Rand
	tickTag uint64 // the tag of the replica's periodic timer
	timers  replica.TimerID
	sm      *machine
}

// NewCluster starts n replicas, each configured as the workload says, and
// elects replica 0 by ticking it alone until it campaigns.
func NewCluster(n int) (*Cluster, error) {
	c := &Cluster{}
	c.done = c.onReply
	peers := make([]replica.NodeID, n)
	for i := range peers {
		peers[i] = replica.NodeID(i)
	}
	for i := range n {
		nd := &node{id: replica.NodeID(i), c: c, disk: newMemDisk(),
			rng: rand.New(rand.NewPCG(1, uint64(i))), sm: &machine{}}
		cfg := replica.DefaultConfig()
		cfg.ID, cfg.Peers = nd.id, peers
		cfg.NewStateMachine = func() replica.StateMachine { return nd.sm }
		cfg.ElectionTicks, cfg.HeartbeatTicks = workload.ElectionTicks, workload.HeartbeatTicks
		cfg.AppendBytesMax, cfg.InflightMax = workload.AppendBytesMax, workload.InflightMax
		cfg.SnapshotEntries = workload.SnapshotEntries
		r, err := replica.New(cfg)
		if err != nil {
			return nil, err
		}
		nd.r = r
		c.nodes = append(c.nodes, nd)
	}
	for _, nd := range c.nodes {
		nd.r.Start(nd)
		if err := nd.r.Stopped(); err != nil {
			return nil, err
		}
	}
	for range 4 * workload.ElectionTicks {
		if c.nodes[0].r.Status().Role == "leader" {
			c.Settle() // the leader's no-op commits
			return c, nil
		}
		c.tick(0)
		c.Settle()
	}
	return nil, fmt.Errorf("ours: replica 0 not elected after %d ticks", 4*workload.ElectionTicks)
}

// Propose submits one sessionless request (ClientID 0: no exactly-once
// bookkeeping, as etcd has none) at the leader.
func (c *Cluster) Propose(data []byte) {
	c.proposed++
	c.nodes[0].r.Propose(replica.Request{Command: data}, c.done)
}

func (c *Cluster) onReply(rep replica.Reply) {
	if rep.Status != replica.StatusOK {
		panic(fmt.Sprintf("ours: proposal answered %v", rep.Status))
	}
	c.replied++
}

// Settle delivers messages until none is in flight.
func (c *Cluster) Settle() {
	for {
		from, to, msg, ok := c.wire.Next()
		if !ok {
			return
		}
		c.nodes[to].r.Receive(replica.NodeID(from), msg)
	}
}

// Finish lets the leader's heartbeats carry its commit index to the
// followers (ours sends the commit index with the next append or
// heartbeat, not in a message of its own as etcd does).
func (c *Cluster) Finish() {
	for range workload.HeartbeatTicks {
		c.tick(0)
	}
	c.Settle()
	if c.replied != c.proposed {
		panic(fmt.Sprintf("ours: %d proposals, %d answered", c.proposed, c.replied))
	}
}

// Wire returns the cluster's network.
func (c *Cluster) Wire() *workload.Wire { return &c.wire }

// Machines returns every replica's state machine, leader first.
func (c *Cluster) Machines() []*workload.Machine {
	out := make([]*workload.Machine, len(c.nodes))
	for i, nd := range c.nodes {
		out[i] = &nd.sm.Machine
	}
	return out
}

func (c *Cluster) tick(i int) { c.nodes[i].r.Timer(c.nodes[i].tickTag) }

// The replica.Env of one node. Time stands still: the workload runs no
// timers but the ticks it makes itself.
func (nd *node) WallTime() int64          { return 0 }
func (nd *node) Monotonic() time.Duration { return 0 }
func (nd *node) SetTimer(_ time.Duration, tag uint64) replica.TimerID {
	nd.tickTag = tag
	nd.timers++
	return nd.timers
}
func (nd *node) CancelTimer(replica.TimerID) bool { return true }
func (nd *node) Disk() replica.Disk               { return nd.disk }
func (nd *node) Rand() *rand.Rand                 { return nd.rng }
func (nd *node) Record(string)                    {}

// Send copies msg onto the wire, as Env.Send's contract asks.
func (nd *node) Send(to replica.NodeID, msg []byte) {
	nd.c.wire.Push(int(nd.id), int(to), append(nd.c.wire.Tail(), msg...))
}

// machine adapts workload.Machine to replica.StateMachine.
type machine struct{ workload.Machine }

func (m *machine) Apply(command []byte, _ int64) []byte { m.Machine.Apply(command); return nil }
func (m *machine) Snapshot() []byte                     { return m.Machine.Snapshot() }
func (m *machine) Restore(b []byte) error               { return m.Machine.Restore(b) }
