package cluster

import (
	"math/rand/v2"
	"time"

	"github.com/faultline/faultline/ledger/replica"
	"github.com/faultline/faultline/sim"
)

// replicaEnv adapts a simulated node's environment to what a replica needs.
// Replica addresses are simulator node IDs, so the conversion is a cast.
// Every message to a peer replica is shown to the observer as it leaves.
type replicaEnv struct {
	env *sim.Env
	n   *replicaNode
}

func (e replicaEnv) WallTime() int64          { return e.env.WallTime() }
func (e replicaEnv) Monotonic() time.Duration { return e.env.Monotonic() }
func (e replicaEnv) Disk() replica.Disk       { return e.env.Disk() }
func (e replicaEnv) Rand() *rand.Rand         { return e.env.Rand() }
func (e replicaEnv) Record(note string)       { e.env.Record(note) }

func (e replicaEnv) Send(to replica.NodeID, b []byte) {
	if int(to) < e.n.c.cfg.Replicas {
		e.n.c.Observer.sent(int(e.n.id), int(to), b, &e.n.answered)
	}
	e.env.Send(sim.NodeID(to), b)
}

func (e replicaEnv) SetTimer(d time.Duration, tag uint64) replica.TimerID {
	return replica.TimerID(e.env.SetTimer(d, tag))
}

func (e replicaEnv) CancelTimer(id replica.TimerID) bool {
	return e.env.CancelTimer(sim.TimerID(id))
}
