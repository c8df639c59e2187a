package cluster

import (
	"time"

	"github.com/faultline/faultline/ledger/replica"
	"github.com/faultline/faultline/maelstrom"
	"github.com/faultline/faultline/sim"
)

// replicaNode runs one replica as a simulated node. Like a process under
// systemd, a replica that stops itself (on an fsync failure, say) is
// crashed and restarted by its supervisor, and recovers from disk.
type replicaNode struct {
	c   *Cluster
	id  sim.NodeID
	r   *replica.Replica
	m   *maelstrom.Node // the Maelstrom node r runs in, in a Maelstrom cluster
	env *sim.Env
	// startedAt is when this life began; restarting is set once the
	// supervisor has scheduled the restart of this life.
	startedAt  sim.Time
	restarting bool
	// answered is the highest term this life was recorded answering in
	// (see Observer.sent).
	answered uint64
}

func (n *replicaNode) Start(env *sim.Env) {
	n.env = env
	n.startedAt = n.c.Sim.Now()
	n.answered = 0
	// A replica that boots on a blank disk after its disk was lost (a
	// disk-loss fault) rejoins as a member that may lack what it
	// acknowledged. One that simply crashed before it wrote anything is
	// blank too, but it never acknowledged anything: it boots as new.
	rejoin := env.Disk().Stats().LostDisks > 0 && len(env.Disk().Files()) == 0
	name := ReplicaName(int(n.id))
	if rejoin || n.c.cfg.Volatile {
		// A volatile node's memory is gone on every restart: it never held
		// the terms it acted in (it abstains instead, see OpenDisk).
		n.c.Observer.TermDurability.DiskReplaced(name)
	}
	if n.c.cfg.Maelstrom {
		n.startMaelstrom(env, rejoin)
	} else {
		n.r = n.c.newReplica(n.id, rejoin)
		n.r.Start(replicaEnv{env: env, n: n})
	}
	if st := n.r.Status(); !st.Stopped {
		n.c.Observer.TermDurability.Restarted(name, st.Term, time.Duration(n.c.Now()))
	}
	n.superviseStop()
}

func (n *replicaNode) Receive(from sim.NodeID, msg []byte) {
	if int(from) >= n.c.cfg.Replicas {
		n.c.Observer.clientRequest(n.r)
	}
	if n.m != nil {
		if int(from) < n.c.cfg.Replicas || n.c.firstDelivery(n.id, from, msg) {
			n.m.Handle(msg)
		}
	} else {
		n.r.Receive(replica.NodeID(from), msg)
	}
	n.superviseStop()
}

func (n *replicaNode) Timer(tag uint64) {
	if n.m != nil {
		n.m.Timer(tag)
	} else {
		n.r.Timer(tag)
	}
	n.superviseStop()
}

// DiskDone implements sim.DiskWaiter: the replica's writes through ticket
// are durable (or lost, with err).
func (n *replicaNode) DiskDone(ticket uint64, err error) {
	if n.m != nil {
		n.m.Durable(ticket, err)
	} else {
		n.r.Durable(ticket, err)
	}
	n.superviseStop()
}

// superviseStop restarts a stopped replica, once: the supervisor notices
// the stop at its next health check (until then the replica is up but
// answers every client StatusStopped), kills the process and starts it
// again after the cluster's restart delay. A replica that keeps stopping
// (unrecoverable storage) stays stopped after RestartsMax attempts in a
// row; a life that served for restartBudgetReset or more before it stopped
// starts a new row, as systemd counts restarts within an interval.
func (n *replicaNode) superviseStop() {
	if n.r.Stopped() == nil || n.c.cfg.RestartDelay < 0 || n.restarting {
		return
	}
	n.restarting = true
	s, id := n.c.Sim, n.id
	if time.Duration(s.Now()-n.startedAt) >= restartBudgetReset {
		n.c.stops[id] = 0
	}
	n.c.stops[id]++
	if n.c.stops[id] > n.c.cfg.RestartsMax {
		return
	}
	check := healthCheckEvery - time.Duration(s.Now())%healthCheckEvery
	s.After(check, func() {
		if n.c.nodes[id] != n || s.IsDown(id) {
			return // crashed (and maybe restarted) by a fault meanwhile
		}
		if s.Crash(id) == nil {
			_ = s.Restart(id, n.c.cfg.RestartDelay)
		}
	})
}

const (
	// restartDelayDefault is how long the supervisor waits before
	// restarting a stopped replica.
	restartDelayDefault = 200 * time.Millisecond
	// healthCheckEvery is the period of the supervisor's health checks,
	// on the true clock.
	healthCheckEvery = 20 * time.Millisecond
	// restartBudgetReset is how long a life must have served for its stop
	// to count as the first of a new row of restarts.
	restartBudgetReset = time.Second
)
