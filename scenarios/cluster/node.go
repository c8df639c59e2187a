package cluster

import (
	"time"

	"github.com/faultline/faultline/ledger/replica"
	"github.com/faultline/faultline/sim"
)

// replicaNode runs one replica as a simulated node. Like a process under
// systemd, a replica that stops itself (on an fsync failure, say) is
// crashed and restarted by its supervisor, and recovers from disk.
type replicaNode struct {
	c   *Cluster
	id  sim.NodeID
	r   *replica.Replica
	env *sim.Env
}

func (n *replicaNode) Start(env *sim.Env) {
	n.env = env
	// A replica that boots on a blank disk after its disk was lost (a
	// disk-loss fault) rejoins as a member that may lack what it
	// acknowledged. One that simply crashed before it wrote anything is
	// blank too, but it never acknowledged anything: it boots as new.
	rejoin := env.Disk().Stats().LostDisks > 0 && len(env.Disk().Files()) == 0
	name := ReplicaName(int(n.id))
	if rejoin {
		n.c.Observer.TermDurability.DiskReplaced(name)
	}
	n.r = n.c.newReplica(n.id, rejoin)
	n.r.Start(replicaEnv{env: env, n: n})
	if st := n.r.Status(); !st.Stopped {
		n.c.Observer.TermDurability.Restarted(name, st.Term, time.Duration(n.c.Now()))
	}
	n.superviseStop()
}

func (n *replicaNode) Receive(from sim.NodeID, msg []byte) {
	if int(from) >= n.c.cfg.Replicas {
		n.c.Observer.clientRequest(n.r)
	}
	n.r.Receive(replica.NodeID(from), msg)
	n.superviseStop()
}

func (n *replicaNode) Timer(tag uint64) {
	n.r.Timer(tag)
	n.superviseStop()
}

// DiskDone implements sim.DiskWaiter: the replica's writes through ticket
// are durable (or lost, with err).
func (n *replicaNode) DiskDone(ticket uint64, err error) {
	n.r.Durable(ticket, err)
	n.superviseStop()
}

// superviseStop restarts a stopped replica, once, after the cluster's
// restart delay. A replica that stops again at once (unrecoverable storage)
// stays down after RestartsMax attempts.
func (n *replicaNode) superviseStop() {
	if n.r.Stopped() == nil || n.c.cfg.RestartDelay < 0 {
		return
	}
	n.c.stops[n.id]++
	if n.c.stops[n.id] > n.c.cfg.RestartsMax {
		return
	}
	s, id := n.c.Sim, n.id
	s.After(0, func() {
		if s.Crash(id) == nil {
			_ = s.Restart(id, n.c.cfg.RestartDelay)
		}
	})
}

// restartDelayDefault is how long the supervisor waits before restarting a
// stopped replica.
const restartDelayDefault = 200 * time.Millisecond
