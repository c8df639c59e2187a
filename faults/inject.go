package faults

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/faultline/faultline/sim"
)

// Injector applies faults to a running simulation and keeps a log of what
// it did, for annotations, reports and the liveness checker.
type Injector struct {
	// Resolve, if set, names the node a role stands for at the moment a
	// fault applies ("@leader", "@follower"), so a schedule can say "crash
	// the leader" and still replay exactly: the same run resolves the same
	// way.
	Resolve func(role string) (string, bool)
	// Servers, if set, are the cluster's own nodes: Isolate then cuts a
	// node off from the other servers only, so clients can still reach it
	// (a split brain that clients can write to, the dangerous kind).
	Servers []string
	// Messages, if set, says which messages a crash point after a send,
	// armed on node now, waits for: the simulator does not read messages,
	// the harness does (and knows, say, the term node holds when armed).
	Messages func(point, node string) func(msg []byte) bool
	// TransferLeader, if set, asks node from, if it leads, to hand its
	// leadership to node to, as an operator drains a node before its
	// maintenance: the simulator knows no leaders, the harness does. It
	// returns a counter of the campaigns to has started at a leader's
	// request (Raft's TimeoutNow), across its lives: the transfer takes
	// effect when that counter moves, not when the leader merely agrees.
	// An error means the cluster refused (from does not lead, or is not
	// up) and the fault is skipped.
	TransferLeader func(from, to string) (campaigns func() int64, err error)

	s         *sim.Sim
	base      sim.LinkConfig
	baseLinks map[[2]sim.NodeID]sim.LinkConfig // per-link bases, e.g. WAN links
	links     map[[2]sim.NodeID]sim.LinkConfig // current non-base link configs
	log       []Applied
	watches   []watch // faults whose effect is still being measured
	// handovers is the counter of the latest transfer's transferee.
	handovers func() int64
	armed     string // the node the latest crash point was armed on (the "@armed" role)
	paused    string // the node the latest pause froze (the "@paused" role)
	// atRest says what the latest tail-damage or lose-newest-file did,
	// for its effect.
	atRest Effect
}

// Applied is a fault as it happened: when, and whether the simulator
// refused it (crashing a node that is already down, say).
type Applied struct {
	Fault   Fault
	At      sim.Time
	Skipped string // why the simulator refused it, if it did
	// Effect is what it did; for faults whose effect shows later (a torn
	// write at the next crash, a cut in the messages it drops) it is
	// final once the injector's Finish has run.
	Effect Effect
}

// NewInjector returns an injector for s, whose links start at base.
func NewInjector(s *sim.Sim, base sim.LinkConfig) *Injector {
	return &Injector{s: s, base: base, links: map[[2]sim.NodeID]sim.LinkConfig{},
		baseLinks: map[[2]sim.NodeID]sim.LinkConfig{}}
}

// SetBaseLink records that the link from -> to normally has cfg (a WAN
// link, say), so that NetworkNormal restores it rather than the default.
func (in *Injector) SetBaseLink(from, to sim.NodeID, cfg sim.LinkConfig) {
	in.baseLinks[[2]sim.NodeID{from, to}] = cfg
}

func (in *Injector) baseOf(p [2]sim.NodeID) sim.LinkConfig {
	if cfg, ok := in.baseLinks[p]; ok {
		return cfg
	}
	return in.base
}

// Log returns every fault applied so far, in order.
func (in *Injector) Log() []Applied { return in.log }

// Install validates the schedule against the simulation's nodes and
// schedules each fault at its time.
func (in *Injector) Install(sched Schedule) error {
	names := make([]string, in.s.NodeCount())
	for i := range names {
		names[i] = in.s.NodeName(sim.NodeID(i))
	}
	if err := sched.Validate(names); err != nil {
		return err
	}
	for _, f := range sched.Faults {
		in.s.At(sim.Time(f.At), func() { in.apply(f) })
	}
	return nil
}

func (in *Injector) apply(f Fault) {
	f, err := in.resolve(f)
	var before sim.DiskStats
	n := in.node(f.Node)
	if d := in.s.Disk(n); d != nil {
		before = d.Stats()
	}
	driftBefore := in.s.ClockDriftPPM(n)
	if err == nil {
		err = in.Apply(f)
	}
	entry := Applied{Fault: f, At: in.s.Now()} // with roles resolved
	if err != nil {
		if !errors.Is(err, sim.ErrNodeState) && !errors.Is(err, errNoSuchRole) && !errors.Is(err, errRefused) {
			panic(fmt.Sprintf("faults: validated fault failed: %v", err)) // Install checked it
		}
		entry.Skipped = err.Error()
	}
	in.log = append(in.log, entry)
	switch f.Kind {
	case CrashPoint, PausePoint:
		in.armed = ""
		if err == nil {
			in.armed = f.Node
		}
	case Pause:
		in.paused = ""
		if err == nil {
			in.paused = f.Node
		}
	}
	if err == nil {
		in.watchFor(len(in.log)-1, f, n, before)
		if f.Kind == ClockDrift {
			// Setting the rate a clock already runs at changes nothing.
			after := in.s.ClockDriftPPM(n)
			in.log[len(in.log)-1].Effect = Effect{Effective: after != driftBefore,
				What: fmt.Sprintf("clock rate %+dppm -> %+dppm", driftBefore, after)}
		}
	}
}

var errNoSuchRole = errors.New("faults: no node holds that role now")

// errRefused is a fault the cluster declined: a transfer asked of a
// replica that no longer leads, say.
var errRefused = errors.New("faults: refused")

// resolve replaces role names with the nodes that hold them now.
func (in *Injector) resolve(f Fault) (Fault, error) {
	for _, name := range []*string{&f.Node, &f.From, &f.To} {
		if !IsRole(*name) {
			continue
		}
		if *name == Armed || *name == Paused {
			node := map[string]string{Armed: in.armed, Paused: in.paused}[*name]
			if node == "" {
				return f, fmt.Errorf("%w: %s (none yet, or the last one could not apply)", errNoSuchRole, *name)
			}
			*name = node
			continue
		}
		if in.Resolve == nil {
			return f, fmt.Errorf("%w: %s (no resolver)", errNoSuchRole, *name)
		}
		node, ok := in.Resolve(*name)
		if !ok {
			return f, fmt.Errorf("%w: %s", errNoSuchRole, *name)
		}
		*name = node
	}
	return f, nil
}

// IsRole reports whether a node name is a role ("@leader", "@follower").
func IsRole(name string) bool { return len(name) > 1 && name[0] == '@' }

// Roles are the role names a schedule may use instead of a node. "@armed"
// is the node the latest crash or pause point was armed on: a schedule
// that aims a crash point at "@leader" restarts "@armed" afterwards, the
// node it actually crashed, whoever leads by then.
var Roles = []string{"@leader", "@follower", LastFollower, Armed, Paused}

// LastFollower is the role of the follower just before the leader in the
// servers' order: the one that a cut of "@follower" with a Count of at most
// a minority never includes.
const LastFollower = "@last-follower"

// Armed is the role of the node the latest crash or pause point was armed
// on.
const Armed = "@armed"

// Paused is the role of the node the latest pause froze: a schedule that
// pauses "@leader" resumes "@paused".
const Paused = "@paused"

func (in *Injector) node(name string) sim.NodeID {
	id, ok := in.s.NodeByName(name)
	if !ok {
		return -1 // validation names every node; the sim rejects -1 with an error
	}
	return id
}

// Apply applies one fault now.
func (in *Injector) Apply(f Fault) error {
	s, nw := in.s, in.s.Network()
	n := in.node(f.Node)
	switch f.Kind {
	case Crash:
		return s.Crash(n)
	case Restart:
		return s.Restart(n, time.Duration(f.Delay))
	case Pause:
		return s.Pause(n)
	case Resume:
		return s.Resume(n)
	case Slow:
		return s.SetSlow(n, time.Duration(f.Delay))
	case Partition:
		groups := make([][]sim.NodeID, len(f.Groups))
		for i, g := range f.Groups {
			for _, name := range g {
				groups[i] = append(groups[i], in.node(name))
			}
		}
		return nw.Partition(groups...)
	case Isolate:
		if len(in.Servers) == 0 {
			return nw.Isolate(n)
		}
		side, others := in.isolatedSide(f)
		return nw.Partition(side, others)
	case Cut:
		return nw.Cut(in.node(f.From), in.node(f.To))
	case Heal:
		nw.Heal()
		return nil
	case Loss, Duplicate, Reorder, Delay, NetworkNormal, Corrupt:
		return in.applyLink(f)
	case ClockOffset:
		return s.SetClockOffset(n, time.Duration(f.Offset))
	case ClockJump:
		return s.JumpClock(n, time.Duration(f.Offset))
	case ClockDrift:
		return s.SetClockDrift(n, f.PPM)
	case TransferLeader:
		if in.TransferLeader == nil {
			return fmt.Errorf("%w: transfer-leader needs a harness that knows the leader", errRefused)
		}
		campaigns, err := in.TransferLeader(f.From, f.To)
		if err != nil {
			return fmt.Errorf("%w: %w", errRefused, err)
		}
		in.handovers = campaigns
		return nil
	}
	return in.applyDisk(f, n)
}

func (in *Injector) applyDisk(f Fault, n sim.NodeID) error {
	d := in.s.Disk(n)
	if d == nil {
		return fmt.Errorf("faults: unknown node %q", f.Node)
	}
	switch f.Kind {
	case TornWrite:
		d.TearOnNextCrash()
	case BitFlip:
		d.CorruptRandom()
	case MisdirectedWrite:
		d.MisdirectWrites(f.Count)
	case FsyncFailure:
		d.FailSyncs(f.Count)
	case SlowDisk:
		return in.s.SetDiskSlow(n, f.Count)
	case IOError:
		return d.SetIOErrors(f.Rate)
	case CrashPoint, PausePoint:
		if f.Kind == CrashPoint && f.Point == DuringFsync {
			return in.s.CrashDuringFsync(n, time.Duration(f.Delay))
		}
		if in.Messages == nil {
			return fmt.Errorf("%w: %s %s needs a message matcher", errNoSuchRole, f.Kind, f.Point)
		}
		match := in.Messages(f.Point, f.Node)
		if match == nil {
			return fmt.Errorf("%w: %s %s on %s: nothing to wait for", errRefused, f.Kind, f.Point, f.Node)
		}
		if f.Kind == PausePoint {
			return in.s.PauseAfterSend(n, f.Point, time.Duration(f.Delay), match)
		}
		return in.s.CrashAfterSend(n, f.Point, time.Duration(f.Delay), match)
	case TailDamage:
		name, off, size, err := in.s.DamageNewestWrite(n, f.Path, f.Count)
		if err != nil {
			return err
		}
		in.atRest = Effect{Effective: size > 0, What: fmt.Sprintf("garbled %d bytes of %s from %d, the last written", size, name, off)}
		if size == 0 {
			in.atRest.What = "nothing written to damage"
		}
	case LoseNewestFile:
		name, size, err := in.s.LoseNewestFile(n, f.Path)
		if err != nil {
			return err
		}
		in.atRest = Effect{Effective: name != "", What: fmt.Sprintf("lost %s (%d bytes), the newest file", name, size)}
		if name == "" {
			in.atRest.What = "no file to lose"
		}
	case DiskLoss:
		if in.s.IsUp(n) {
			if err := in.s.Crash(n); err != nil {
				return err
			}
		}
		_, _, err := in.s.LoseDisk(n)
		return err
	default:
		return fmt.Errorf("faults: unknown kind %q", f.Kind)
	}
	return nil
}

// applyLink changes one property of some links and keeps the others: a
// loss fault must not reset a delay fault's latency.
func (in *Injector) applyLink(f Fault) error {
	nw, count := in.s.Network(), in.s.NodeCount()
	var pairs [][2]sim.NodeID
	if f.From != "" {
		pairs = [][2]sim.NodeID{{in.node(f.From), in.node(f.To)}}
	} else {
		for a := range count {
			for b := range count {
				if a != b {
					pairs = append(pairs, [2]sim.NodeID{sim.NodeID(a), sim.NodeID(b)})
				}
			}
		}
	}
	for _, p := range pairs {
		cfg, ok := in.links[p]
		if !ok {
			cfg = in.baseOf(p)
		}
		switch f.Kind {
		case Loss:
			cfg.LossRate = f.Rate
		case Duplicate:
			cfg.DuplicateRate = f.Rate
		case Reorder:
			cfg.ReorderRate = f.Rate
		case Corrupt:
			cfg.CorruptRate = f.Rate
		case Delay:
			cfg.Latency = *f.Latency
		case NetworkNormal:
			cfg = in.baseOf(p)
		}
		in.links[p] = cfg
		if err := nw.SetLink(p[0], p[1], cfg); err != nil {
			return err
		}
	}
	return nil
}

// isolatedSide splits the servers for an isolate: the node and, when Count
// asks for more, the servers after it in server order (wrapping), never a
// majority, so that the side with the node (a leader, say) can append but
// not commit; and the rest. Clients are in neither group: their links stay
// up, so they can still reach the cut-off side.
func (in *Injector) isolatedSide(f Fault) (side, others []sim.NodeID) {
	at := slices.Index(in.Servers, f.Node)
	size := min(max(f.Count, 1), max((len(in.Servers)-1)/2, 1))
	inSide := make([]bool, len(in.Servers))
	for k := range size {
		if at >= 0 {
			inSide[(at+k)%len(in.Servers)] = true
		}
	}
	if at < 0 { // not a server (validation names every node): cut it alone
		side = append(side, in.node(f.Node))
	}
	for i, name := range in.Servers {
		if inSide[i] {
			side = append(side, in.node(name))
		} else {
			others = append(others, in.node(name))
		}
	}
	return side, others
}
