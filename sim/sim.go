package sim

import (
	"fmt"
	"time"
)

// Sim is one simulation: a queue of events in true time and the nodes,
// network and disks they act on. It is not safe for concurrent use; run many
// simulations in parallel, one per goroutine, instead.
type Sim struct {
	cfg     Config
	now     Time
	seq     uint64
	sends   uint64 // messages sent so far: the last send's sequence number
	queue   eventQueue
	nodes   []*nodeState
	names   []string
	network *Network
	trace   tracer
	// records, callbacks and messages are the queue's side tables: what
	// each pending event does, the harness's functions it calls, and the
	// messages in flight (see slab.go).
	records   slab[event]
	callbacks slab[func()]
	messages  buffers
	events    int64 // events fired, stale ones not counted
}

// New builds a simulation from cfg and schedules every node's first start at
// time zero, in node order.
func New(cfg Config) (*Sim, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	s := &Sim{cfg: cfg}
	n := len(cfg.Nodes)
	s.names = make([]string, n)
	for i, spec := range cfg.Nodes {
		s.names[i] = spec.Name
	}
	s.trace = newTracer(s.names, cfg.Trace, cfg.Summarize)
	s.network = &Network{sim: s, n: n, links: make([]link, n*n), cut: make([]bool, n*n),
		rng: NewStream(cfg.Seed, "network")}
	compiled := compileLink(cfg.Link)
	for i := range s.network.links {
		s.network.links[i] = compiled
	}
	for i, spec := range cfg.Nodes {
		id := NodeID(i)
		st := &nodeState{
			id:    id,
			spec:  spec,
			clock: nodeClock{driftPPM: spec.ClockDriftPPM, wallOffset: spec.ClockOffset},
			rng:   NewStream(cfg.Seed, "node/"+spec.Name),
		}
		st.disk = newDisk(s, id, NewStream(cfg.Seed, "disk/"+spec.Name), spec.Disk)
		s.nodes = append(s.nodes, st)
		st.status = nodeStarting
		s.push(0, event{kind: eventStart, node: id})
	}
	return s, nil
}

// Now returns the current true time. Only harness code may read it; nodes
// see their own clocks through Env.
func (s *Sim) Now() Time { return s.now }

// Seed returns the root seed.
func (s *Sim) Seed() uint64 { return s.cfg.Seed }

// Network returns the simulated network.
func (s *Sim) Network() *Network { return s.network }

// NodeCount returns the number of nodes.
func (s *Sim) NodeCount() int { return len(s.nodes) }

// NodeName returns the name of node id, or "" if there is no such node.
func (s *Sim) NodeName(id NodeID) string {
	if id < 0 || int(id) >= len(s.names) {
		return ""
	}
	return s.names[id]
}

// NodeByName returns the ID of the node called name.
func (s *Sim) NodeByName(name string) (NodeID, bool) {
	for i, n := range s.names {
		if n == name {
			return NodeID(i), true
		}
	}
	return -1, false
}

// Node returns the live in-memory state of node id, or nil while it is down.
// Harness code uses it to inspect nodes; it must not change them.
func (s *Sim) Node(id NodeID) Node {
	if st := s.state(id); st != nil {
		return st.node
	}
	return nil
}

// Disk returns node id's disk, or nil if there is no such node.
func (s *Sim) Disk(id NodeID) *Disk {
	if st := s.state(id); st != nil {
		return st.disk
	}
	return nil
}

// TraceHash returns the running hash of everything that has happened so far.
func (s *Sim) TraceHash() uint64 { return s.trace.hash }

// TraceHashHex returns the trace hash as 16 hex digits, the form printed by
// the command line and kept in failure bundles.
func (s *Sim) TraceHashHex() string { return fmt.Sprintf("%016x", s.trace.hash) }

// Events returns how many events have fired.
func (s *Sim) Events() int64 { return s.events }

// Close flushes the JSON trace, if any, and reports the first write error.
func (s *Sim) Close() error { return s.trace.flush() }

func (s *Sim) state(id NodeID) *nodeState {
	if id < 0 || int(id) >= len(s.nodes) {
		return nil
	}
	return s.nodes[id]
}

// push schedules e at true time at, after every event already scheduled
// for that time.
func (s *Sim) push(at Time, e event) {
	s.seq++
	s.queue.push(queued{at: at, seq: s.seq, handle: s.records.put(e)})
}

// At schedules fn to run at true time t: the harness's way to inject faults
// and drive workloads. A time in the past runs at the current time, after
// the events already due then.
func (s *Sim) At(t Time, fn func()) {
	s.push(max(t, s.now), event{kind: eventCallback, ref: s.callbacks.put(fn)})
}

// After schedules fn to run d after the current time.
func (s *Sim) After(d time.Duration, fn func()) { s.At(s.now.Add(d), fn) }

func (s *Sim) scheduleTimer(n *nodeState, slot uint32) {
	ts := &n.timers.slots[slot]
	at := n.clock.trueTimeAt(s.now, ts.deadline)
	s.push(at, event{kind: eventTimer, node: n.id, timerSlot: slot,
		timerVersion: ts.schedule, incarnation: n.incarnation})
}

// send routes one message through the network. Its bytes are folded into
// the trace here, once; what becomes of each copy is traced by its origin
// (see tracer.messageInFlight).
func (s *Sim) send(from, to NodeID, msg []byte) {
	nw := s.network
	if !nw.valid(to) {
		s.trace.messageSent(traceDrop, s.now, from, to, msg, "unknown-destination")
		return
	}
	nw.stats.Sent++
	s.sends++
	s.trace.messageSent(traceSend, s.now, from, to, msg, "")
	if n := s.nodes[from]; n.crashPoint != nil {
		s.crashPointAfterSend(n, msg)
	}
	var delays [2]time.Duration
	copies, reason := nw.route(from, to, &delays)
	if copies == 0 {
		s.trace.messageInFlight(traceDrop, s.now, from, to, msg, messageOrigin{send: s.sends}, reason)
		return
	}
	slow := s.nodes[to].slowDelay + s.nodes[from].slowDelay
	for i := range copies {
		h := s.messages.get(msg, messageOrigin{send: s.sends, copy: uint8(i)})
		if kept, damaged := nw.corrupt(from, to, s.messages.bytes(h)); damaged {
			s.messages.damage(h, len(kept))
		}
		s.push(s.now.Add(delays[i]+slow), event{kind: eventDeliver, node: to, from: from, ref: h})
	}
}
