package cluster

import (
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/faultline/faultline/faults"
	"github.com/faultline/faultline/ledger/replica"
	"github.com/faultline/faultline/sim"
)

// Config describes a simulated cluster.
type Config struct {
	Seed uint64
	// Replicas is the cluster size; replicas are nodes n1..nN with
	// simulator IDs 0..N-1.
	Replicas int
	// Clients are extra simulated nodes (workload clients), IDs N and up.
	Clients []sim.NodeSpec
	// NewStateMachine builds the replicated state machine.
	NewStateMachine func() replica.StateMachine
	// Maelstrom runs every replica inside the Maelstrom node's core, which
	// brings its own state machine (NewStateMachine is then unused), and
	// makes the network carry Maelstrom messages (see maelstrom.go).
	Maelstrom bool
	// Volatile, in a Maelstrom cluster, keeps each node's replica state in
	// memory, as ledger-node does without --data-dir: every start, a
	// restart included, is on a blank disk (see maelstromHost.OpenDisk).
	Volatile bool
	// Tune, if set, adjusts each replica's config after the defaults.
	Tune func(*replica.Config)
	// Link is the initial config of every link.
	Link sim.LinkConfig
	// ClockOffset and ClockDriftPPM set replica clocks, by replica index;
	// shorter slices leave the rest accurate.
	ClockOffset   []time.Duration
	ClockDriftPPM []int64
	// DiskTiming sets replica disks' latencies, by replica index; the rest
	// are drawn from the seed (DrawDiskTiming). Every replica disk takes
	// time: a zero entry is drawn too.
	DiskTiming []sim.DiskTiming
	// RestartDelay is how long the supervisor waits to restart a replica
	// that stopped itself; zero means the default, negative disables it.
	RestartDelay time.Duration
	// RestartsMax caps supervisor restarts per replica; zero means 10.
	RestartsMax int
	MaxEvents   int64
	Trace       io.Writer
}

// Cluster is a running simulated cluster.
type Cluster struct {
	*sim.Sim
	cfg      Config
	peers    []replica.NodeID
	nodes    []*replicaNode // by replica index; a node's life is its replica
	stops    []int
	Observer *Observer
	// handoversBefore sums each replica's handovers in its ended lives.
	handoversBefore []int64
	// transfersBefore sums the replicas' message transfers in their
	// ended lives.
	transfersBefore Transfers
	// clientMsgIDMax is, in a Maelstrom cluster, the highest msg_id each
	// replica has taken from each client (see firstDelivery).
	clientMsgIDMax map[[2]sim.NodeID]int64
}

// Transfers counts how the replicas moved state in bulk, over every life
// of every replica: snapshot transfers started by leaders, the chunks
// they took, and the snapshots followers installed. More chunks than
// transfers shows snapshots streamed in pieces (SnapshotChunkBytesMax);
// OversizeMessages, messages a replica dropped as over its bounds, stays
// zero in a cluster whose replicas share their configuration.
type Transfers struct {
	Snapshots, SnapshotChunks, SnapshotsInstalled, OversizeMessages int64
}

func (t *Transfers) add(st replica.Stats) {
	t.Snapshots += int64(st.SnapshotsSent)
	t.SnapshotChunks += int64(st.SnapshotChunksSent)
	t.SnapshotsInstalled += int64(st.SnapshotsInstalled)
	t.OversizeMessages += int64(st.OversizeMessages)
}

// Transfers sums the replicas' transfers so far, in all their lives.
func (c *Cluster) Transfers() Transfers {
	t := c.transfersBefore
	for _, n := range c.nodes {
		if n != nil && n.r != nil {
			t.add(n.r.Status().Stats)
		}
	}
	return t
}

// New builds the cluster and schedules every node to boot at time zero.
func New(cfg Config) (*Cluster, error) {
	if cfg.Replicas < 1 || cfg.Replicas > 15 {
		return nil, fmt.Errorf("cluster: replicas: need 1 to 15, got %d", cfg.Replicas)
	}
	if cfg.NewStateMachine == nil && !cfg.Maelstrom {
		return nil, fmt.Errorf("cluster: new_state_machine is nil")
	}
	if cfg.Volatile && !cfg.Maelstrom {
		return nil, fmt.Errorf("cluster: volatile needs maelstrom: only the Maelstrom node keeps its state in memory")
	}
	if cfg.RestartDelay == 0 {
		cfg.RestartDelay = restartDelayDefault
	}
	if cfg.RestartsMax == 0 {
		cfg.RestartsMax = 10
	}
	c := &Cluster{cfg: cfg, stops: make([]int, cfg.Replicas), nodes: make([]*replicaNode, cfg.Replicas),
		handoversBefore: make([]int64, cfg.Replicas), clientMsgIDMax: map[[2]sim.NodeID]int64{}}
	c.Observer = newObserver(cfg.Replicas)
	simCfg := sim.Config{Seed: cfg.Seed, Link: cfg.Link, MaxEvents: cfg.MaxEvents, Trace: cfg.Trace,
		Summarize: summarizeReplica}
	if cfg.Maelstrom {
		simCfg.Summarize = summarizeMaelstrom
	}
	for i := range cfg.Replicas {
		c.peers = append(c.peers, replica.NodeID(i))
		spec := sim.NodeSpec{Name: ReplicaName(i), New: c.nodeFactory(i)}
		if i < len(cfg.ClockOffset) {
			spec.ClockOffset = cfg.ClockOffset[i]
		}
		if i < len(cfg.ClockDriftPPM) {
			spec.ClockDriftPPM = cfg.ClockDriftPPM[i]
		}
		if i < len(cfg.DiskTiming) {
			spec.Disk = cfg.DiskTiming[i]
		}
		if !spec.Disk.Timed() {
			spec.Disk = DrawDiskTiming(sim.NewStream(cfg.Seed, "disk-timing/"+spec.Name))
		}
		simCfg.Nodes = append(simCfg.Nodes, spec)
	}
	simCfg.Nodes = append(simCfg.Nodes, cfg.Clients...)
	s, err := sim.New(simCfg)
	if err != nil {
		return nil, err
	}
	c.Sim = s
	return c, nil
}

// CrashPointMessages says which messages a crash point after a send waits
// for: a granted vote, a successful append acknowledgement, any reply to
// a client. It returns nil for a point that is not about a message, or
// that needs to know the node (see CrashPointMatcher).
func CrashPointMessages(point string) func(msg []byte) bool {
	var want func(m *replica.Message) bool
	switch point {
	case faults.AfterVote:
		want = func(m *replica.Message) bool { return m.Kind == replica.MsgVoteResp && m.Granted }
	case faults.AfterAppendAck:
		want = func(m *replica.Message) bool { return m.Kind == replica.MsgAppendResp && m.Success }
	case faults.AfterClientReply:
		want = func(m *replica.Message) bool { return m.Kind == replica.MsgClientReply }
	default:
		return nil
	}
	return matcher(want)
}

func matcher(want func(m *replica.Message) bool) func(msg []byte) bool {
	return func(msg []byte) bool {
		m, err := replica.DecodeMessage(msg)
		return err == nil && want(&m)
	}
}

// CrashPointMatcher is CrashPointMessages for a point armed on node now.
// after-term-adoption waits for the node's first vote reply (granted or
// not) or successful append acknowledgement in a term newer than the one
// it holds now: the first answer it gives after adopting a new
// candidate's or leader's term. It returns nil if node is not a live
// replica.
//
// after-catch-up waits for a successful append acknowledgement that
// reaches the last index of whoever leads when it is sent.
func (c *Cluster) CrashPointMatcher(point, node string) func(msg []byte) bool {
	switch point {
	case faults.AfterCatchUp:
		return matcher(func(m *replica.Message) bool {
			if m.Kind != replica.MsgAppendResp || !m.Success {
				return false
			}
			leader, ok := c.Leader()
			return ok && m.Match >= c.Replica(leader).Status().LastIndex
		})
	case faults.AfterTermAdoption:
	default:
		return CrashPointMessages(point)
	}
	id, ok := c.Sim.NodeByName(node)
	if !ok || int(id) >= c.cfg.Replicas {
		return nil
	}
	r := c.Replica(int(id))
	if r == nil {
		return nil
	}
	armed := r.Status().Term
	return matcher(func(m *replica.Message) bool {
		answer := m.Kind == replica.MsgVoteResp || (m.Kind == replica.MsgAppendResp && m.Success)
		return answer && m.Term > armed
	})
}

// TransferLeader asks replica from, if it leads, to hand its leadership to
// replica to, as an operator does before taking it down for maintenance
// (see Replica.TransferLeadership), and returns a counter of the campaigns
// to has started at a leader's request (its TimeoutNow), across its lives:
// the evidence that the handover happened, whether or not to then wins.
// It returns an error wrapping sim.ErrNodeState when from is not up and
// leading, or when either is not a replica. The leader does not know
// whether to is alive: a handover to a replica that cannot take over is
// abandoned after an election timeout.
func (c *Cluster) TransferLeader(from, to string) (campaigns func() int64, err error) {
	src, ok1 := c.Sim.NodeByName(from)
	dest, ok2 := c.Sim.NodeByName(to)
	if !ok1 || !ok2 || int(src) >= c.cfg.Replicas || int(dest) >= c.cfg.Replicas {
		return nil, fmt.Errorf("transfer leader %s -> %s: not replicas: %w", from, to, sim.ErrNodeState)
	}
	r := c.Replica(int(src))
	if r == nil || !c.Sim.IsUp(src) {
		return nil, fmt.Errorf("transfer leader %s -> %s: %s is not up: %w", from, to, from, sim.ErrNodeState)
	}
	if err := r.TransferLeadership(c.peers[dest]); err != nil {
		return nil, fmt.Errorf("%w: %w", err, sim.ErrNodeState)
	}
	c.nodes[src].superviseStop() // its handler may have met a storage failure
	return func() int64 { return c.handovers(int(dest)) }, nil
}

// handovers counts replica i's campaigns at a leader's request: those of
// its earlier lives and of the running one.
func (c *Cluster) handovers(i int) int64 {
	n := c.handoversBefore[i]
	if r := c.Replica(i); r != nil {
		n += int64(r.Status().Stats.Handovers)
	}
	return n
}

// DrawDiskTiming draws one replica disk's latencies: a median fsync of
// 0.2 to 1 ms with a long tail (ten times the median at the extreme), and
// 100 to 1000 bytes per microsecond of transfer. Each node draws its own,
// so a cluster mixes fast and slow disks.
func DrawDiskTiming(r *rand.Rand) sim.DiskTiming {
	p50 := 200*time.Microsecond + time.Duration(r.Int64N(int64(800*time.Microsecond)))
	return sim.DiskTiming{
		Sync:            sim.Latency{Min: p50 / 4, P50: p50, P90: 2 * p50, P99: 5 * p50, Max: 10 * p50},
		WriteBytesPerMs: 100_000 + r.Int64N(900_000),
	}
}

// ReplicaName is the simulator name of replica i: n1, n2, ... The
// observer names a replica on every entry it applies and every message it
// sends, so the names of every cluster size New accepts are built once.
func ReplicaName(i int) string {
	if i >= 0 && i < len(replicaNames) {
		return replicaNames[i]
	}
	return "n" + strconv.Itoa(i+1)
}

// replicaNames holds ReplicaName(i) for i below 15, New's cluster size
// bound.
var replicaNames = func() (names [15]string) {
	for i := range names {
		names[i] = "n" + strconv.Itoa(i+1)
	}
	return names
}()

func (c *Cluster) nodeFactory(i int) func() sim.Node {
	return func() sim.Node {
		if old := c.nodes[i]; old != nil && old.r != nil {
			c.handoversBefore[i] += int64(old.r.Status().Stats.Handovers)
			c.transfersBefore.add(old.r.Status().Stats)
		}
		n := &replicaNode{c: c, id: sim.NodeID(i)}
		c.nodes[i] = n
		return n
	}
}

func (c *Cluster) newReplica(id sim.NodeID, rejoin bool) *replica.Replica {
	rc := replica.DefaultConfig()
	rc.ID = replica.NodeID(id)
	rc.Peers = c.peers
	rc.NewStateMachine = c.cfg.NewStateMachine
	if c.cfg.Tune != nil {
		c.cfg.Tune(&rc)
	}
	rc.Rejoin = rejoin
	var r *replica.Replica // set below, before the replica starts applying
	rc.OnApply = func(e *replica.Entry, digest [32]byte) {
		c.Observer.applied(c.Sim, int(id), e, digest, r.StateMachine())
	}
	rc.OnLeader = func(term uint64) { c.Observer.leader(c.Sim, int(id), term) }
	r, err := replica.New(rc)
	if err != nil {
		panic(fmt.Sprintf("cluster: replica config: %v", err)) // the cluster built it: a harness bug
	}
	return r
}

// Replicas returns the cluster size.
func (c *Cluster) Replicas() int { return c.cfg.Replicas }

// Peers returns the replica addresses.
func (c *Cluster) Peers() []replica.NodeID { return c.peers }

// Replica returns replica i while its node is up, or nil.
func (c *Cluster) Replica(i int) *replica.Replica {
	if c.Sim.IsDown(sim.NodeID(i)) || c.nodes[i] == nil {
		return nil
	}
	return c.nodes[i].r
}

// Leader returns the replica that leads the highest term among live,
// serving replicas, if any.
func (c *Cluster) Leader() (int, bool) {
	best, bestTerm := -1, uint64(0)
	for i := range c.cfg.Replicas {
		r := c.Replica(i)
		if r == nil || !c.Sim.IsUp(sim.NodeID(i)) {
			continue
		}
		st := r.Status()
		if st.Role == "leader" && !st.Stopped && st.Term >= bestTerm {
			best, bestTerm = i, st.Term
		}
	}
	return best, best >= 0
}

// summarizeReplica renders a replica message for the JSON trace.
func summarizeReplica(b []byte) string {
	m, err := replica.DecodeMessage(b)
	if err != nil {
		return "undecodable"
	}
	s := fmt.Sprintf("%s t%d", m.Kind, m.Term)
	switch m.Kind {
	case replica.MsgAppend:
		s += fmt.Sprintf(" prev=%d/%d n=%d commit=%d", m.PrevIndex, m.PrevTerm, len(m.Entries), m.Commit)
	case replica.MsgAppendResp:
		s += fmt.Sprintf(" ok=%v match=%d hint=%d", m.Success, m.Match, m.RejectHint)
	case replica.MsgVote, replica.MsgPreVote:
		s += fmt.Sprintf(" last=%d/%d", m.LastIndex, m.LastTerm)
	case replica.MsgVoteResp, replica.MsgPreVoteResp:
		s += fmt.Sprintf(" granted=%v", m.Granted)
	case replica.MsgClientRequest:
		s += fmt.Sprintf(" client=%d seq=%d", m.Request.ClientID, m.Request.Seq)
	case replica.MsgClientReply:
		s += fmt.Sprintf(" client=%d seq=%d %s", m.Reply.ClientID, m.Reply.Seq, m.Reply.Status)
	}
	return s
}
