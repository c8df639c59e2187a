package faults

import (
	"math/rand/v2"
	"time"

	"github.com/faultline/faultline/sim"
)

// generator builds a schedule while tracking the fault budget: when each
// server is next whole, and when the partition matrix and the link configs
// are next free (Heal and NetworkNormal reset them wholesale, so one fault
// of each kind at a time).
type generator struct {
	rng        *rand.Rand
	plan       Plan
	downUntil  map[string]Duration
	cutsUntil  Duration
	linksUntil Duration
	// roleDown are the budget taken by faults aimed at a role (the
	// leader), whose node is only known when they fire: each counts as
	// that many servers down until its end, whichever they turn out to be.
	roleDown []roleSpan
	// pointUntil is when the latest crash point aimed at a role has been
	// restarted: until then "@armed" names its node, so a second one must
	// wait.
	pointUntil Duration
	// pauseUntil is the same for a pause aimed at a role ("@paused").
	pauseUntil Duration
	out        []Fault
}

// roleSpan is budget held by a fault aimed at a role.
type roleSpan struct {
	until Duration
	down  int
}

// Generate draws a schedule from the plan. Every disruption is paired with
// its recovery before plan.End, and the budget is never exceeded.
func Generate(rng *rand.Rand, plan Plan) Schedule {
	g := &generator{rng: rng, plan: plan, downUntil: map[string]Duration{}}
	total := 0
	for _, w := range plan.Weights {
		total += max(w.Weight, 0)
	}
	if total > 0 && plan.Every > 0 {
		for t := plan.Start + g.gap(); t < plan.End; t += g.gap() {
			g.disrupt(g.pick(total), t)
		}
	}
	g.emit(Fault{At: plan.End, Kind: Heal}, Fault{At: plan.End, Kind: NetworkNormal})
	s := Schedule{Faults: g.out}
	s.Sort()
	return s
}

func (g *generator) gap() Duration {
	return Duration(int64(g.plan.Every)/2 + g.rng.Int64N(int64(g.plan.Every)+1))
}

func (g *generator) pick(total int) Disruption {
	n := g.rng.IntN(total)
	for _, w := range g.plan.Weights {
		if n < max(w.Weight, 0) {
			return w.Kind
		}
		n -= max(w.Weight, 0)
	}
	return g.plan.Weights[len(g.plan.Weights)-1].Kind
}

func (g *generator) hold(t Duration) Duration {
	span := int64(g.plan.HoldMax - g.plan.HoldMin)
	d := g.plan.HoldMin + Duration(g.rng.Int64N(span+1))
	return min(t+d, g.plan.End)
}

func (g *generator) emit(fs ...Fault) { g.out = append(g.out, fs...) }

func (g *generator) downAt(t Duration) int {
	n := 0
	for _, r := range g.roleDown {
		if r.until > t {
			n += r.down
		}
	}
	for _, s := range g.plan.Servers { // a slice: iteration order is fixed
		if g.downUntil[s] > t {
			n++
		}
	}
	return n
}

// healthyServer picks a server that is whole at t, if the budget allows
// one more down.
func (g *generator) healthyServer(t Duration) (string, bool) {
	if g.downAt(t)+1 > g.plan.maxDown() {
		return "", false
	}
	var whole []string
	for _, s := range g.plan.Servers {
		if g.downUntil[s] <= t {
			whole = append(whole, s)
		}
	}
	if len(whole) == 0 {
		return "", false
	}
	return whole[g.rng.IntN(len(whole))], true
}

func (g *generator) disrupt(kind Disruption, t Duration) {
	stop := g.hold(t)
	switch kind {
	case DCrash, DCrashLeader, DPause, DBitFlip, DMisdirect, DFsyncFailure, DDiskLoss, DCrashPoint, DIOError, DTailDamage, DLoseNewest:
		g.nodeFault(kind, t, stop)
	case DSlowDisk:
		n := g.plan.Servers[g.rng.IntN(len(g.plan.Servers))]
		g.emit(Fault{At: t, Kind: SlowDisk, Node: n, Count: 5 + g.rng.IntN(46)},
			Fault{At: stop, Kind: SlowDisk, Node: n, Count: 1})
	case DSlow:
		n := g.plan.Servers[g.rng.IntN(len(g.plan.Servers))]
		g.emit(Fault{At: t, Kind: Slow, Node: n, Delay: Duration(20+g.rng.IntN(180)) * Duration(time.Millisecond)},
			Fault{At: stop, Kind: Slow, Node: n})
	case DIsolate, DMinority, DBridge, DAsymmetric, DRegion:
		g.partition(kind, t, stop)
	case DLossy, DDelay, DCorrupt:
		g.linkFault(kind, t, stop)
	case DClockSkew, DClockDrift:
		g.clockFault(kind, t, stop)
	case DLeaderChurn:
		g.leaderChurn(t, stop)
	case DLaggingQuorum:
		g.laggingQuorum(t)
	case DLeaderPoint:
		g.leaderPoint(t, stop)
	case DVoterCrash:
		g.voterCrash(t, stop)
	case DLeaderTransfer:
		g.leaderTransfer(t, stop)
	case DBlankVoter:
		g.blankVoter(t)
	case DLeaderPause:
		if g.pauseUntil > t || g.downAt(t)+1 > g.plan.maxDown() {
			return
		}
		// The rest elect a new leader while it is frozen; thawed, it still
		// believes it leads until it hears of the newer term, and its
		// clients' requests wait for it.
		g.roleDown = append(g.roleDown, roleSpan{until: stop, down: 1})
		g.pauseUntil = stop
		g.emit(Fault{At: t, Kind: Pause, Node: "@leader"}, Fault{At: stop, Kind: Resume, Node: Paused})
	}
}

// leaderPoint aims a crash point at whoever leads at t: its disk slowed so
// that its own log sync is the last to finish, then a crash while an fsync
// is in flight (or right after it answers a client), and a restart of that
// node at stop. This is the moment a leader that counts its own entry
// before its fsync completes, or that answers before it is durable, loses
// an acknowledged write: the restarted node may help elect a replica that
// never had it.
func (g *generator) leaderPoint(t, stop Duration) {
	if g.pointUntil > t || g.downAt(t)+1 > g.plan.maxDown() || stop <= t+Duration(2*time.Millisecond) {
		return
	}
	g.roleDown = append(g.roleDown, roleSpan{until: stop, down: 1})
	g.pointUntil = stop
	point := DuringFsync
	if g.rng.IntN(3) == 0 {
		point = AfterClientReply
	}
	g.emit(Fault{At: t, Kind: SlowDisk, Node: "@leader", Count: 5 + g.rng.IntN(46)},
		Fault{At: t, Kind: CrashPoint, Node: "@leader", Point: point, Delay: armWindow(t, stop)},
		Fault{At: stop, Kind: SlowDisk, Node: Armed, Count: 1},
		Fault{At: stop, Kind: Restart, Node: Armed})
}

// voterCrash aims a crash point at a voter at the moment it adopts a new
// term. At t the leader freezes and its first follower is cut off from
// the other servers, so that the rest elect a leader of a newer term
// without it; at the heal, halfway, the follower learns that term from
// the new leader's appends, not from a vote of its own, and crashes right
// after its first answer in it (a successful acknowledgement, or a vote
// reply if the election outlasted the cut). At stop it is restarted and
// the old leader thaws at the same instant, still leading in its own
// mind, with clients' requests queued for it, so that its appends reach
// the restarted follower before the new leader's next heartbeat does: a
// replica that forgot the term it acknowledged in (a term adopted but
// never made durable) is back in an older term, in which the thawed
// leader's appends are current and truncate what it acknowledged; one
// that kept it refuses them and deposes the old leader.
func (g *generator) voterCrash(t, stop Duration) {
	if g.pointUntil > t || g.pauseUntil > t || g.cutsUntil > t || g.downAt(t)+2 > g.plan.maxDown() ||
		stop <= t+Duration(4*time.Millisecond) {
		return
	}
	heal := t + (stop-t)/2
	g.roleDown = append(g.roleDown, roleSpan{until: stop, down: 2})
	g.pointUntil, g.pauseUntil, g.cutsUntil = stop, stop, heal
	// The follower is named while the leader still runs (a frozen leader
	// leads no one), and cut off by the role the crash point gave it.
	g.emit(Fault{At: t, Kind: CrashPoint, Node: "@follower", Point: AfterTermAdoption, Delay: stop - t - Duration(time.Millisecond)},
		Fault{At: t, Kind: Isolate, Node: Armed},
		Fault{At: t, Kind: Pause, Node: "@leader"},
		Fault{At: heal, Kind: Heal},
		Fault{At: stop, Kind: Restart, Node: Armed},
		Fault{At: stop, Kind: Resume, Node: Paused})
}

// leaderTransfer hands leadership over, as an operator moves a leader off
// a machine before maintenance. In a calm cluster the transferee freezes
// at the worst moment: at t a pause point is armed on the leader's first
// follower and whoever leads is asked to hand over to it; the follower
// freezes right after the acknowledgement that brings it level with the
// leader's log, so the leader's TimeoutNow waits for it, and it thaws at
// stop. If stop comes after the leader's transfer timeout (an election
// timeout), the leader has taken proposals again and committed entries the
// transferee lacks; thawed, the transferee campaigns at once on the old
// TimeoutNow, past pre-vote and leader leases by design, with its old log:
// only the other replicas' log check keeps it from winning. Such a
// handover is planned for a calm cluster: no other fault aimed at the
// leader starts until stop.
//
// When the cluster is not calm (a cut, or no budget for a frozen server)
// the operator drains the leader anyway, a plain handover to its first
// live follower, with no budget: over in an election's time, or, if that
// follower cannot take over, abandoned after an election timeout. Never
// while a point or a pause aimed at a role is under way, whose schedule
// counts on the leader it froze or the follower it armed.
func (g *generator) leaderTransfer(t, stop Duration) {
	if g.pointUntil > t || g.pauseUntil > t {
		return
	}
	if g.cutsUntil > t || g.downAt(t)+1 > g.plan.maxDown() {
		g.emit(Fault{At: t, Kind: TransferLeader, From: "@leader", To: "@follower"})
		return
	}
	g.roleDown = append(g.roleDown, roleSpan{until: stop, down: 1})
	g.pointUntil, g.pauseUntil, g.cutsUntil = stop, stop, stop
	g.emit(Fault{At: t, Kind: PausePoint, Node: "@follower", Point: AfterCatchUp, Delay: armWindow(t, stop)},
		Fault{At: t, Kind: TransferLeader, From: "@leader", To: Armed},
		Fault{At: stop, Kind: Resume, Node: Armed})
}

// leaderChurn deposes whoever leads at t: it and up to the budget's worth
// of followers are cut off from the other servers (clients still reach
// them), so the leader keeps appending entries it cannot commit, on a
// minority that changes with every round, while the rest elect a new
// leader; the heal makes the two logs meet. Dense rounds of it are where
// log matching, truncation and the commitment rule are under pressure.
func (g *generator) leaderChurn(t, stop Duration) {
	if g.cutsUntil > t {
		return
	}
	room := g.plan.maxDown() - g.downAt(t)
	if room < 1 {
		return
	}
	size := 1 + g.rng.IntN(room)
	g.roleDown = append(g.roleDown, roleSpan{until: stop, down: size})
	g.cutsUntil = stop
	g.emit(Fault{At: t, Kind: Isolate, Node: "@leader", Count: size}, Fault{At: stop, Kind: Heal})
}

// laggingQuorum lets followers fall behind, then takes the leader away so
// that the next leader's quorum needs them: a minority of followers is cut
// off from the other servers (clients still reach them) for one to two and
// a half seconds, while the rest commit hundreds of entries without them;
// then the cut heals as the leader crashes mid-fsync, and it restarts half
// a second to a second later. The new leader can commit only through a
// laggard it must first find the matching point with (backtracking over
// hundreds of entries, across the terms of the crashed leader's tail) and
// then catch up append by append: log matching, truncation and the
// follower's commit bound under the pressure of a quorum that waits for
// them. (A leader that counts replicas for an older term's entries is seen
// here only when an append boundary falls inside the crashed leader's
// uncommitted tail: with the default 256 entries per append, rarely.)
func (g *generator) laggingQuorum(t Duration) {
	k := g.plan.maxDown()
	heal := t + Duration(time.Second) + Duration(g.rng.Int64N(int64(1500*time.Millisecond)))
	stop := heal + Duration(500*time.Millisecond) + Duration(g.rng.Int64N(int64(500*time.Millisecond)))
	if g.cutsUntil > t || g.pointUntil > t || k < 1 || g.downAt(t)+k > k || stop > g.plan.End {
		return
	}
	// k followers are cut off until the heal, then the leader is down until
	// stop: never more than k at once.
	g.roleDown = append(g.roleDown, roleSpan{until: stop, down: k})
	g.cutsUntil, g.pointUntil = stop, stop
	g.emit(Fault{At: t, Kind: Isolate, Node: "@follower", Count: k},
		Fault{At: heal, Kind: Heal},
		Fault{At: heal, Kind: CrashPoint, Node: "@leader", Point: DuringFsync, Delay: armWindow(heal, stop)},
		Fault{At: stop, Kind: Restart, Node: Armed})
}

// blankVoter attacks the abstain rule of replicas whose memory dies with
// their process (see DBlankVoter): the budget's worth of followers, from
// "@follower" on, is cut off for 0.6 to 1.2 s while the leader and the
// rest commit; at the heal, "@last-follower", which holds every committed
// entry, crashes, the leader is cut off alone a millisecond later, and the
// follower restarts 20 to 50 ms after its crash, before the leader could
// step down and so while "@last-follower" still names it. Until the
// leader's cut heals 0.4 to 1 s later the reachable servers are laggards
// and one blank voter: a correct cluster of three stalls (the blank voter
// grants nothing), a larger one elects an up-to-date follower. Nothing
// else aimed at a node or a role runs meanwhile.
func (g *generator) blankVoter(t Duration) {
	k := g.plan.maxDown()
	heal := t + Duration(600*time.Millisecond) + Duration(g.rng.Int64N(int64(600*time.Millisecond)))
	restart := heal + Duration(20*time.Millisecond) + Duration(g.rng.Int64N(int64(30*time.Millisecond)))
	stop := heal + Duration(400*time.Millisecond) + Duration(g.rng.Int64N(int64(600*time.Millisecond)))
	if g.cutsUntil > t || g.pointUntil > t || g.pauseUntil > t || k < 1 || g.downAt(t) > 0 || stop > g.plan.End {
		return
	}
	g.roleDown = append(g.roleDown, roleSpan{until: stop, down: k})
	g.cutsUntil, g.pointUntil, g.pauseUntil = stop, stop, stop
	g.emit(Fault{At: t, Kind: Isolate, Node: "@follower", Count: k},
		Fault{At: heal, Kind: Heal},
		Fault{At: heal, Kind: Crash, Node: LastFollower},
		Fault{At: heal + Duration(time.Millisecond), Kind: Isolate, Node: "@leader", Count: 1},
		Fault{At: restart, Kind: Restart, Node: LastFollower},
		Fault{At: stop, Kind: Heal})
}

func (g *generator) nodeFault(kind Disruption, t, stop Duration) {
	if (kind == DCrashPoint || kind == DCrashLeader) && g.pointUntil > t {
		// Arming a crash point renames "@armed", which a point aimed at
		// a role still needs for its restart or resume.
		return
	}
	if kind == DPause && g.pauseUntil > t {
		// Likewise a pause renames "@paused", which a pause aimed at a
		// role still needs for its resume.
		return
	}
	n, ok := g.healthyServer(t)
	if !ok {
		return
	}
	crashAt := t + Duration(time.Millisecond)
	if kind == DMisdirect {
		crashAt = t + Duration(50*time.Millisecond)
	}
	if crashAt >= stop {
		return // no room before the end to crash and restart in order
	}
	g.downUntil[n] = stop
	switch kind {
	case DBitFlip, DMisdirect, DDiskLoss, DTailDamage, DLoseNewest:
		// A replica with damaged or lost storage stays impaired after it restarts:
		// it may not vote until a leader has repaired it, and a leader needs
		// a majority of voters. So damage counts against the budget until
		// the end, as TigerBeetle's simulator confines storage faults to a
		// minority of replicas for the whole run.
		g.downUntil[n] = g.plan.End
	case DFsyncFailure:
		g.downUntil[n] = min(t+Duration(time.Second), g.plan.End) // stopped, then restarted by its supervisor
	case DIOError:
		// Stopped at its first failed operation and restarted by its
		// supervisor, maybe more than once while the disk still fails.
		g.downUntil[n] = min(stop+Duration(time.Second), g.plan.End)
	}
	switch kind {
	case DCrash:
		g.emit(Fault{At: t, Kind: Crash, Node: n}, Fault{At: stop, Kind: Restart, Node: n})
	case DCrashLeader:
		// Crash while an fsync is in flight, so that there are unsynced
		// writes to tear: a crash at a random instant often finds none.
		g.emit(Fault{At: t, Kind: TornWrite, Node: n},
			Fault{At: t, Kind: CrashPoint, Node: n, Point: DuringFsync, Delay: armWindow(t, stop)},
			Fault{At: stop, Kind: Restart, Node: n})
	case DCrashPoint:
		point := CrashPoints[g.rng.IntN(len(CrashPoints))]
		g.emit(Fault{At: t, Kind: CrashPoint, Node: n, Point: point, Delay: armWindow(t, stop)},
			Fault{At: stop, Kind: Restart, Node: n})
	case DPause:
		g.emit(Fault{At: t, Kind: Pause, Node: n}, Fault{At: stop, Kind: Resume, Node: n})
	case DBitFlip:
		g.emit(Fault{At: t, Kind: Crash, Node: n}, Fault{At: crashAt, Kind: BitFlip, Node: n}, Fault{At: stop, Kind: Restart, Node: n})
	case DMisdirect:
		g.emit(Fault{At: t, Kind: MisdirectedWrite, Node: n, Count: 1 + g.rng.IntN(3)},
			Fault{At: crashAt, Kind: Crash, Node: n}, Fault{At: stop, Kind: Restart, Node: n})
	case DFsyncFailure:
		g.emit(Fault{At: t, Kind: FsyncFailure, Node: n, Count: 1})
	case DDiskLoss:
		g.emit(Fault{At: t, Kind: DiskLoss, Node: n}, Fault{At: stop, Kind: Restart, Node: n})
	case DTailDamage, DLoseNewest:
		g.emit(Fault{At: t, Kind: Crash, Node: n}, g.atRest(kind, n, crashAt), Fault{At: stop, Kind: Restart, Node: n})
	case DIOError:
		g.emit(Fault{At: t, Kind: IOError, Node: n, Rate: 0.02 + 0.28*g.rng.Float64()},
			Fault{At: stop, Kind: IOError, Node: n})
	}
}

// atRest is the damage a down server's disk shows when it boots, aimed at
// what it wrote last: its newest log write garbled (latent sector errors in
// the blocks written last: at most one to eight 512-byte sectors of it, up
// to a 4 KiB physical sector), or its newest log file's directory entry
// lost. Checksums alone cannot tell either from a torn write of an unsynced
// tail when nothing valid follows the damage; only the replica's ack mark
// can, and a replica that cuts it as torn has forgotten entries it
// acknowledged (the leader, which counted them, never sends them again).
func (g *generator) atRest(kind Disruption, n string, at Duration) Fault {
	if kind == DLoseNewest {
		return Fault{At: at, Kind: LoseNewestFile, Node: n, Path: g.plan.LogPrefix}
	}
	return Fault{At: at, Kind: TailDamage, Node: n, Count: 1 + g.rng.IntN(8), Path: g.plan.LogPrefix}
}

// armWindow is how long a crash point armed at t stays armed: half the
// way to the restart at stop, so that the crash, if it comes, always
// lands before the restart that undoes it.
func armWindow(t, stop Duration) Duration { return max((stop-t)/2, Duration(time.Millisecond)) }

func (g *generator) partition(kind Disruption, t, stop Duration) {
	if g.cutsUntil > t {
		return
	}
	servers := g.plan.Servers
	var f Fault
	switch kind {
	case DIsolate:
		f = Fault{Kind: Partition, Groups: IsolateOne(g.rng, servers)}
	case DMinority:
		f = Fault{Kind: Partition, Groups: MajorityMinority(g.rng, servers)}
	case DBridge:
		if len(servers) < 3 {
			return
		}
		f = Fault{Kind: Partition, Groups: Bridge(g.rng, servers)}
	case DRegion:
		if len(g.plan.Regions) < 2 {
			return
		}
		f = Fault{Kind: Partition, Groups: RegionSplit(g.plan.Regions, g.rng.IntN(len(g.plan.Regions)))}
	case DAsymmetric:
		g.asymmetric(t, stop)
		return
	}
	if g.downAt(t)+minoritySize(f.Groups, len(servers)) > g.plan.maxDown() {
		return
	}
	g.markMinority(f.Groups, stop)
	f.At = t
	g.cutsUntil = stop
	g.emit(f, Fault{At: stop, Kind: Heal})
}

// asymmetric cuts one server's outgoing links: it hears everyone but nobody
// hears it, the partition that breaks naive failure detectors.
func (g *generator) asymmetric(t, stop Duration) {
	n, ok := g.healthyServer(t)
	if !ok {
		return
	}
	g.downUntil[n], g.cutsUntil = stop, stop
	for _, other := range g.plan.Servers {
		if other != n {
			g.emit(Fault{At: t, Kind: Cut, From: n, To: other})
		}
	}
	g.emit(Fault{At: stop, Kind: Heal})
}

func (g *generator) markMinority(groups [][]string, stop Duration) {
	largest := 0
	for i, grp := range groups {
		if len(grp) > len(groups[largest]) {
			largest = i
		}
	}
	for i, grp := range groups {
		if i != largest {
			for _, n := range grp {
				g.downUntil[n] = max(g.downUntil[n], stop)
			}
		}
	}
}

func (g *generator) linkFault(kind Disruption, t, stop Duration) {
	if g.linksUntil > t {
		return
	}
	g.linksUntil = stop
	switch kind {
	case DDelay:
		ms := func(v int) time.Duration { return time.Duration(v) * time.Millisecond }
		lat := sim.Latency{Min: ms(20), P50: ms(40 + g.rng.IntN(40)), P90: ms(100), P99: ms(200), Max: ms(400)}
		g.emit(Fault{At: t, Kind: Delay, Latency: &lat})
	case DCorrupt:
		g.emit(Fault{At: t, Kind: Corrupt, Rate: 0.01 + 0.09*g.rng.Float64()})
	default:
		g.emit(Fault{At: t, Kind: Loss, Rate: 0.05 + 0.25*g.rng.Float64()},
			Fault{At: t, Kind: Duplicate, Rate: 0.1 * g.rng.Float64()},
			Fault{At: t, Kind: Reorder, Rate: 0.2 * g.rng.Float64()})
	}
	g.emit(Fault{At: stop, Kind: NetworkNormal})
}

func (g *generator) clockFault(kind Disruption, t, stop Duration) {
	n := g.plan.Servers[g.rng.IntN(len(g.plan.Servers))]
	if kind == DClockDrift {
		ppm := int64(1+g.rng.IntN(200)) * 1000
		if g.rng.IntN(2) == 0 {
			ppm = -ppm
		}
		g.emit(Fault{At: t, Kind: ClockDrift, Node: n, PPM: ppm}, Fault{At: stop, Kind: ClockDrift, Node: n})
		return
	}
	skew := Duration(time.Duration(1+g.rng.IntN(10_000)) * time.Millisecond)
	if g.rng.IntN(2) == 0 {
		skew = -skew
	}
	kindOf := ClockOffset
	if g.rng.IntN(2) == 0 {
		kindOf = ClockJump
	}
	g.emit(Fault{At: t, Kind: kindOf, Node: n, Offset: skew}, Fault{At: stop, Kind: ClockOffset, Node: n})
}
