package sim

import (
	"math/rand/v2"
	"time"
)

// NodeID identifies a node of a simulation: its index in Config.Nodes.
type NodeID int32

// Node is an event-driven process. The simulator calls exactly one method at
// a time, on one goroutine, and a node acts only through the Env it was
// handed at Start: it must not read the real clock, start goroutines, or use
// global randomness.
type Node interface {
	// Start is called when the node boots: at the start of the simulation
	// and after every restart. A restarted node is a fresh value from
	// NodeSpec.New, so everything it knew is gone except its disk.
	Start(env *Env)
	// Receive delivers a message. msg is only valid during the call: the
	// simulator reuses its memory afterwards, so a node that keeps it must
	// copy it.
	Receive(from NodeID, msg []byte)
	// Timer is called when a timer set with Env.SetTimer expires, with the
	// tag it was set with.
	Timer(tag uint64)
}

// NodeSpec describes one node of a simulation.
type NodeSpec struct {
	// Name is how traces and errors refer to the node, e.g. "n1".
	Name string
	// New builds the node's in-memory state; it is called at the first start
	// and again at every restart.
	New func() Node
	// ClockOffset is the node's initial wall-clock offset from true time.
	ClockOffset time.Duration
	// ClockDriftPPM is the initial rate error of the node's monotonic clock,
	// in parts per million: +50000 runs 5% fast, so its timers fire 5% early
	// in true time.
	ClockDriftPPM int64
	// Disk is how long the node's disk takes; the zero value makes it
	// instantaneous (see DiskTiming).
	Disk DiskTiming
}

// nodeStatus is where a node is in its life cycle.
type nodeStatus uint8

const (
	nodeDown     nodeStatus = iota // crashed, or not yet started
	nodeStarting                   // restart scheduled, Start not yet called
	nodeUp
	nodePaused // frozen: events wait until it resumes
)

// nodeState is everything the simulator keeps about one node.
type nodeState struct {
	id          NodeID
	spec        NodeSpec
	status      nodeStatus
	incarnation uint32 // bumped at every crash; events of an older life are stale
	node        Node
	env         *Env
	clock       nodeClock
	disk        *Disk
	rng         *rand.Rand
	timers      timerTable
	deferred    []event       // events that arrived while paused, in order
	slowDelay   time.Duration // extra delay on every message to this node
	starts      int           // how many times the node has booted
	// crashPoint, if set, crashes (or freezes) the node at a protocol
	// moment.
	crashPoint       *crashPoint
	crashPointsFired int64
	pausePointsFired int64
}

// Env is a node's whole world: its clocks, timers, network, disk and
// randomness. A node must act only through it. An Env belongs to one life of
// a node; using it after that node crashed is a bug and panics.
type Env struct {
	sim         *Sim
	state       *nodeState
	incarnation uint32
}

func (e *Env) check() *nodeState {
	if e.incarnation != e.state.incarnation {
		panicf("node %s used its Env after it crashed", e.state.spec.Name)
	}
	return e.state
}

// ID returns the node's own ID.
func (e *Env) ID() NodeID { return e.state.id }

// Name returns the node's name.
func (e *Env) Name() string { return e.state.spec.Name }

// NodeCount returns how many nodes the simulation has; IDs run from 0 to
// NodeCount()-1.
func (e *Env) NodeCount() int { return len(e.sim.nodes) }

// NodeName returns the name of node id, or "" if there is no such node.
func (e *Env) NodeName(id NodeID) string { return e.sim.NodeName(id) }

// Restarted reports whether this life of the node follows a crash.
func (e *Env) Restarted() bool { return e.check().starts > 1 }

// WallTime returns the node's wall clock in Unix nanoseconds. It may jump,
// forwards or backwards, when the simulation moves the clock.
func (e *Env) WallTime() int64 { return e.check().clock.wall(e.sim.now) }

// Monotonic returns the node's monotonic clock. It never goes backwards,
// but it may run fast or slow against true time.
func (e *Env) Monotonic() time.Duration { return e.check().clock.monotonic(e.sim.now) }

// Rand returns the node's own random stream. It is independent of every
// other node's and of the network's, and it survives restarts.
func (e *Env) Rand() *rand.Rand { return e.check().rng }

// Disk returns the node's disk, which survives crashes (less what was not
// synced).
func (e *Env) Disk() *Disk { return e.check().disk }

// SetTimer arms a timer that fires after d has passed on the node's
// monotonic clock, then calls Node.Timer with tag. A negative d counts as 0.
func (e *Env) SetTimer(d time.Duration, tag uint64) TimerID {
	n := e.check()
	if d < 0 {
		d = 0
	}
	deadline := n.clock.monotonic(e.sim.now) + d
	slot, id := n.timers.arm(tag, deadline)
	e.sim.scheduleTimer(n, slot)
	return id
}

// CancelTimer stops a pending timer. It reports whether the timer was still
// pending; cancelling a fired or cancelled timer is harmless.
func (e *Env) CancelTimer(id TimerID) bool {
	n := e.check()
	slot, s := n.timers.lookup(id)
	if s == nil {
		return false
	}
	n.timers.release(slot)
	return true
}

// Send hands msg to the network for delivery to node to. The simulator
// copies msg, so the caller may reuse it at once. Delivery is not promised:
// the network may delay, drop, duplicate or reorder it.
func (e *Env) Send(to NodeID, msg []byte) {
	n := e.check()
	e.sim.send(n.id, to, msg)
}

// Record adds a note to the trace, such as "became leader term=3". Notes are
// part of the trace hash, so a node's decisions name the run as much as its
// messages do.
func (e *Env) Record(note string) {
	n := e.check()
	e.sim.trace.note(e.sim.now, n.id, note)
}
