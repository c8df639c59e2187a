package cluster

import (
	"math/rand/v2"
	"time"

	"github.com/faultline/faultline/ledger/replica"
	"github.com/faultline/faultline/sim"
)

// replicaEnv adapts a simulated node's environment to what a replica needs.
// Replica addresses are simulator node IDs, so the conversion is a cast.
type replicaEnv struct{ env *sim.Env }

func (e replicaEnv) WallTime() int64                  { return e.env.WallTime() }
func (e replicaEnv) Monotonic() time.Duration         { return e.env.Monotonic() }
func (e replicaEnv) Send(to replica.NodeID, b []byte) { e.env.Send(sim.NodeID(to), b) }
func (e replicaEnv) Disk() replica.Disk               { return e.env.Disk() }
func (e replicaEnv) Rand() *rand.Rand                 { return e.env.Rand() }
func (e replicaEnv) Record(note string)               { e.env.Record(note) }

func (e replicaEnv) SetTimer(d time.Duration, tag uint64) replica.TimerID {
	return replica.TimerID(e.env.SetTimer(d, tag))
}

func (e replicaEnv) CancelTimer(id replica.TimerID) bool {
	return e.env.CancelTimer(sim.TimerID(id))
}
