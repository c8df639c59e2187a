// Package etcd37 runs the peer workload (package workload) on etcd's raft
// at v3.7.0: RawNodes on MemoryStorage, every message marshalled to
// protobuf bytes and unmarshalled on a workload.Wire, every Ready handled
// (hard state and entries stored, messages sent, committed entries applied)
// and Advanced at once after each proposal or message, as our replica
// handles each call; or, with batched Ready, once per round of deliveries,
// as etcd's own node loop does under load.
//
// It is etcd36's code ported to v3.7.0's API: raftpb moved from gogo's
// generated value types to google.golang.org/protobuf's, whose messages,
// entries and fields are pointers, marshalled by proto.MarshalOptions.
package etcd37

import (
	"fmt"
	"io"
	"log"

	"github.com/faultline/faultline/peerbench/workload"
	"go.etcd.io/raft/v3"
	pb "go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/proto"
)

// Cluster is n etcd RawNodes in one process, node 1 the leader.
type Cluster struct {
	nodes []*node
	wire  workload.Wire
	// batched: handle Ready once per round (every message in flight
	// stepped, then every node's Ready), not after every proposal and
	// message.
	batched bool
}

// node is one RawNode, its storage and its state machine.
type node struct {
	rn        *raft.RawNode
	storage   *raft.MemoryStorage
	confState *pb.ConfState
	sm        workload.Machine
	applied   uint64
	snapIndex uint64
}

// NewCluster starts n nodes, configured as the workload says, and elects
// node 1 (index 0) by making it campaign. With batched, the nodes handle
// their Ready once per round of deliveries rather than after every input.
func NewCluster(n int, batched bool) (*Cluster, error) {
	c := &Cluster{batched: batched}
	voters := make([]uint64, n)
	for i := range voters {
		voters[i] = uint64(i + 1)
	}
	logger := &raft.DefaultLogger{Logger: log.New(io.Discard, "", 0)}
	for i := range n {
		nd := &node{storage: raft.NewMemoryStorage(), confState: &pb.ConfState{Voters: voters}}
		// Every node starts from the same snapshot at index 1 that holds
		// the configuration: etcd's usual way to boot a fixed cluster.
		boot := &pb.Snapshot{Metadata: &pb.SnapshotMetadata{ConfState: nd.confState, Index: new(uint64(1)), Term: new(uint64(1))}}
		if err := nd.storage.ApplySnapshot(boot); err != nil {
			return nil, err
		}
		nd.applied, nd.snapIndex = 1, 1
		rn, err := raft.NewRawNode(&raft.Config{
			ID: uint64(i + 1), ElectionTick: workload.ElectionTicks, HeartbeatTick: workload.HeartbeatTicks,
			Storage: nd.storage, Applied: 1, MaxSizePerMsg: workload.AppendBytesMax,
			MaxInflightMsgs: workload.InflightMax, CheckQuorum: true, PreVote: true, Logger: logger,
		})
		if err != nil {
			return nil, err
		}
		nd.rn = rn
		c.nodes = append(c.nodes, nd)
	}
	if err := c.nodes[0].rn.Campaign(); err != nil {
		return nil, err
	}
	c.ready(0)
	c.Settle()
	if st := c.nodes[0].rn.BasicStatus(); st.RaftState != raft.StateLeader {
		return nil, fmt.Errorf("etcd37: node 1 not elected: %v", st.RaftState)
	}
	return c, nil
}

// Propose proposes one entry at the leader and handles its Ready.
func (c *Cluster) Propose(data []byte) {
	if err := c.nodes[0].rn.Propose(data); err != nil {
		panic(fmt.Sprintf("etcd37: propose: %v", err))
	}
	if !c.batched {
		c.ready(0)
	}
}

// Settle delivers messages until none is in flight and no node has a
// Ready, each node handling its Ready after each message, or, batched,
// every node once after each round of messages.
func (c *Cluster) Settle() {
	for {
		delivered := c.deliver()
		readied := false
		for i, nd := range c.nodes {
			if nd.rn.HasReady() {
				c.ready(i)
				readied = true
			}
		}
		if delivered == 0 && !readied {
			return
		}
	}
}

// deliver steps every message in flight, and, unless batched, every
// message that causes, and reports how many it stepped.
func (c *Cluster) deliver() (delivered int) {
	for ; ; delivered++ {
		_, to, msg, ok := c.wire.Next()
		if !ok {
			return delivered
		}
		m := &pb.Message{}
		if err := proto.Unmarshal(msg, m); err != nil {
			panic(fmt.Sprintf("etcd37: unmarshal: %v", err))
		}
		if err := c.nodes[to].rn.Step(m); err != nil {
			panic(fmt.Sprintf("etcd37: step %v: %v", m.GetType(), err))
		}
		if !c.batched {
			c.ready(to)
		}
	}
}

// Finish settles: etcd's leader sends its new commit index in a message of
// its own as soon as it commits, so the followers have applied already.
func (c *Cluster) Finish() { c.Settle() }

// Wire returns the cluster's network.
func (c *Cluster) Wire() *workload.Wire { return &c.wire }

// Machines returns every node's state machine, leader first.
func (c *Cluster) Machines() []*workload.Machine {
	out := make([]*workload.Machine, len(c.nodes))
	for i, nd := range c.nodes {
		out[i] = &nd.sm
	}
	return out
}

// ready handles node i's Ready, if it has one, the synchronous way: store
// the hard state and entries, then send, then apply, then Advance.
func (c *Cluster) ready(i int) {
	nd := c.nodes[i]
	if !nd.rn.HasReady() {
		return
	}
	rd := nd.rn.Ready()
	if !raft.IsEmptyHardState(rd.HardState) {
		if err := nd.storage.SetHardState(rd.HardState); err != nil {
			panic(err)
		}
	}
	if err := nd.storage.Append(rd.Entries); err != nil {
		panic(err)
	}
	for _, m := range rd.Messages {
		buf, err := proto.MarshalOptions{}.MarshalAppend(c.wire.Tail(), m)
		if err != nil {
			panic(err)
		}
		c.wire.Push(i, int(m.GetTo()-1), buf)
	}
	for _, e := range rd.CommittedEntries {
		nd.apply(e)
	}
	nd.rn.Advance(rd)
}

// apply applies one committed entry and snapshots every SnapshotEntries,
// compacting the storage behind the snapshot as our replica does.
func (nd *node) apply(e *pb.Entry) {
	if e.GetType() == pb.EntryNormal && len(e.GetData()) > 0 {
		nd.sm.Apply(e.GetData())
	}
	nd.applied = e.GetIndex()
	if nd.applied-nd.snapIndex < workload.SnapshotEntries {
		return
	}
	if _, err := nd.storage.CreateSnapshot(nd.applied, nd.confState, nd.sm.Snapshot()); err != nil {
		panic(err)
	}
	if err := nd.storage.Compact(nd.applied); err != nil {
		panic(err)
	}
	nd.snapIndex = nd.applied
}
