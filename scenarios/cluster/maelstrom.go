package cluster

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/faultline/faultline/ledger/replica"
	"github.com/faultline/faultline/maelstrom"
	"github.com/faultline/faultline/sim"
)

// A cluster with Config.Maelstrom set runs, on every replica node, the
// Maelstrom node's own core (maelstrom.Node): its message parsing, lin-kv
// and ledger RPC handlers, session pool and replica wiring, the code
// cmd/ledger-node runs under Maelstrom. Nodes talk in Maelstrom messages
// (JSON lines, consensus in "raft" bodies) carried by the simulated
// network, so every network fault applies to them; the node's storage is
// the simulated disk and its clocks and timers the simulator's.

// maelstromInitSource is the sender of the init message the cluster gives
// a node as it boots, as Maelstrom does; its answer goes nowhere.
const maelstromInitSource = "maelstrom"

// startMaelstrom boots replica node n as a Maelstrom node and initializes
// it, which opens its (simulated) disk and starts its replica.
func (n *replicaNode) startMaelstrom(env *sim.Env, rejoin bool) {
	c, id := n.c, n.id
	tune := func(rc *replica.Config) {
		if c.cfg.Tune != nil {
			c.cfg.Tune(rc)
		}
		rc.Rejoin = rejoin
		rc.OnApply = func(e *replica.Entry, digest [32]byte) {
			c.Observer.applied(c.Sim, int(id), e, digest, n.m.Replica().StateMachine())
		}
		rc.OnLeader = func(term uint64) { c.Observer.leader(c.Sim, int(id), term) }
	}
	n.m = maelstrom.NewNode(&maelstromHost{env: env, n: n}, maelstrom.NodeOptions{Tune: tune})
	names := make([]string, c.cfg.Replicas)
	for i := range names {
		names[i] = ReplicaName(i)
	}
	init, _ := json.Marshal(map[string]any{"src": maelstromInitSource, "dest": ReplicaName(int(id)),
		"body": map[string]any{"type": "init", "msg_id": 1, "node_id": ReplicaName(int(id)), "node_ids": names}})
	n.m.Handle(init)
	n.r = n.m.Replica()
	if n.r == nil {
		panic(fmt.Sprintf("cluster: maelstrom node %s did not initialize", ReplicaName(int(id)))) // a harness bug
	}
}

// firstDelivery reports whether a client's message to replica node is the
// first delivery of its request. A client reaches a node over a
// connection (Maelstrom's clients, a real client's TCP), which may lose or
// delay a request but never hands it over twice, while the simulated link
// may duplicate it; the node would then run it twice, under two sessions,
// which no real deployment does. A client's msg_ids only grow, one
// request at a time, so a request at or below the highest seen is a copy
// (or one that arrived after its successor, which its client has given up
// on): it is dropped, as lost.
func (c *Cluster) firstDelivery(node, client sim.NodeID, msg []byte) bool {
	id, ok := maelstrom.MsgID(msg)
	if !ok || id <= 0 {
		return true
	}
	key := [2]sim.NodeID{node, client}
	if id <= c.clientMsgIDMax[key] {
		return false
	}
	c.clientMsgIDMax[key] = id
	return true
}

// maelstromHost is a Maelstrom node's Host on the simulator: the node's
// simulated clocks, timers, random stream and disk, and the simulated
// network, on which a message's destination is the node of that name.
type maelstromHost struct {
	env *sim.Env
	n   *replicaNode

	scratch []byte // the replica message of the last raft line sent, for the observer
}

func (h *maelstromHost) WallTime() int64          { return h.env.WallTime() }
func (h *maelstromHost) Monotonic() time.Duration { return h.env.Monotonic() }
func (h *maelstromHost) Rand() *rand.Rand         { return h.env.Rand() }
func (h *maelstromHost) Log(note string)          { h.env.Record(note) }

func (h *maelstromHost) SetTimer(d time.Duration, tag uint64) maelstrom.TimerID {
	return maelstrom.TimerID(h.env.SetTimer(d, tag))
}

func (h *maelstromHost) CancelTimer(id maelstrom.TimerID) bool {
	return h.env.CancelTimer(sim.TimerID(id))
}

// OpenDisk hands the node its simulated disk, which outlives a crash
// (with what was synced) like a real one; in a volatile cluster, a fresh
// in-memory disk, the one ledger-node opens without --data-dir, which dies
// with this life of the node, so the node configures its replica to
// abstain until caught up and to bootstrap by the lowest ID.
func (h *maelstromHost) OpenDisk(string, []string) (replica.Disk, bool, error) {
	if h.n.c.cfg.Volatile {
		return maelstrom.NewMemDisk(), true, nil
	}
	return h.env.Disk(), false, nil
}

// Send puts the line on the network. A consensus message to a peer is
// shown to the observer as it leaves, as a bare replica's is.
func (h *maelstromHost) Send(dest string, line []byte) { h.send(dest, line, nil, false) }

// SendRaft is Send for a raft line whose replica message the node hands
// over with it (maelstrom.RaftHost): the same, without reading it back.
func (h *maelstromHost) SendRaft(dest string, line, data []byte) { h.send(dest, line, data, true) }

// send puts line on the network to dest; known says that data is the
// replica message it carries, else the observer reads it from line.
func (h *maelstromHost) send(dest string, line, data []byte, known bool) {
	if dest == maelstromInitSource {
		return
	}
	to, ok := h.n.c.Sim.NodeByName(dest)
	if !ok {
		h.env.Record("maelstrom: dropped a message to unknown node " + dest)
		return
	}
	if int(to) < h.n.c.cfg.Replicas {
		if !known {
			data, known = h.raftPayload(line)
		}
		if known {
			h.n.c.Observer.sent(int(h.n.id), int(to), data, &h.n.answered) // which keeps none of it
		}
	}
	h.env.Send(to, line)
}

// raftScratchBytesMax bounds the buffer a host keeps between the raft
// lines it reads: an Append's worth, not the rare snapshot's.
const raftScratchBytesMax = 1 << 20

// raftPayload is raftData into the host's scratch buffer.
func (h *maelstromHost) raftPayload(line []byte) ([]byte, bool) {
	data, ok := maelstrom.RaftPayload(h.scratch[:0], line)
	if cap(data) <= raftScratchBytesMax {
		h.scratch = data[:0]
	}
	return data, ok
}

// raftData returns the replica message a "raft" line carries.
func raftData(line []byte) ([]byte, bool) { return maelstrom.RaftPayload(nil, line) }

// summarizeMaelstrom renders a Maelstrom line for the JSON trace: its
// body's type, and for a consensus message what it carries.
func summarizeMaelstrom(b []byte) string {
	if data, ok := raftData(b); ok {
		return "raft " + summarizeReplica(data)
	}
	var m struct {
		Body struct {
			Type      string          `json:"type"`
			MsgID     json.RawMessage `json:"msg_id"`
			InReplyTo json.RawMessage `json:"in_reply_to"`
		} `json:"body"`
	}
	if json.Unmarshal(b, &m) != nil {
		return "undecodable"
	}
	s := m.Body.Type
	if m.Body.MsgID != nil {
		s += " msg_id=" + string(m.Body.MsgID)
	}
	if m.Body.InReplyTo != nil {
		s += " in_reply_to=" + string(m.Body.InReplyTo)
	}
	return s
}
