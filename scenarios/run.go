package scenarios

import (
	"fmt"
	"io"
	"time"

	"github.com/anishathalye/porcupine"

	"github.com/faultline/faultline/checkers"
	"github.com/faultline/faultline/faults"
	"github.com/faultline/faultline/ledger"
	"github.com/faultline/faultline/ledger/replica"
	"github.com/faultline/faultline/scenarios/cluster"
	"github.com/faultline/faultline/sim"
)

// RunOptions adjust one run.
type RunOptions struct {
	// Schedule replaces the scenario's generated schedule (replay, shrink).
	Schedule *faults.Schedule
	// Trace receives the JSON-lines trace.
	Trace io.Writer
	// CheckTimeout bounds the linearizability search; past it the verdict
	// is unknown, never pass. Zero means 20s.
	CheckTimeout time.Duration
	// StopAt, if set, ends client traffic earlier than the scenario does
	// (shrinking shortens the workload); the quiet period after it stays.
	StopAt time.Duration
	// Parameters replace the knobs the seed draws (replaying a bundle,
	// shrinking); nil draws them from the seed.
	Parameters *Parameters
}

// Outcome is everything a run produced: the verdicts, and the evidence
// behind them for reports and failure bundles.
type Outcome struct {
	Scenario  string
	Seed      uint64
	Verdicts  []checkers.Verdict
	TraceHash string
	Events    int64
	SimTime   sim.Time
	Schedule  faults.Schedule
	Applied   []faults.Applied
	History   *History
	// Linearization is Porcupine's account of the check, for its
	// visualization.
	Linearization porcupine.LinearizationInfo
	Model         porcupine.Model
	LastHeal      time.Duration
	Recovery      time.Duration
	// Mutant names the planted bug of the binary that ran it (see Mutant).
	Mutant string
	// Parameters are the run's knobs (drawn from the seed, or given).
	Parameters Parameters
	// CommitTimes are the true times at which log indexes were first
	// applied anywhere, in index order.
	CommitTimes []time.Duration
	// DeposedLeaderRequests counts client requests that reached a leader
	// already superseded by a newer one (see cluster.Observer).
	DeposedLeaderRequests int
	// Transfers counts the snapshots the replicas streamed, and in how
	// many chunks (see cluster.Transfers).
	Transfers cluster.Transfers
}

// Passed reports whether every invariant held.
func (o *Outcome) Passed() bool { return checkers.Passed(o.Verdicts) }

// Run runs one scenario on one seed. An error means the run could not be
// made (a bad schedule, say); a violated invariant is a failed verdict.
func Run(sc *Scenario, seed uint64, opts RunOptions) (*Outcome, error) {
	if err := sc.Validate(); err != nil {
		return nil, err
	}
	// Drawn from the scenario as written: a shortened workload (shrinking)
	// stops traffic earlier and changes nothing else.
	params := DrawParameters(seed, sc)
	if opts.StopAt > 0 && opts.StopAt < sc.Workload.StopAt {
		shortened := *sc
		shortened.Duration -= sc.Workload.StopAt - opts.StopAt
		shortened.Workload.StopAt = opts.StopAt
		sc = &shortened
	}
	if opts.Parameters != nil {
		if err := opts.Parameters.Validate(sc); err != nil {
			return nil, err
		}
		params = *opts.Parameters
	}
	// The cluster of the run's size, and the fault plan drawn for it.
	tuned := sc.Sized(params.Replicas)
	tuned.Workload = params.workload(sc.Workload)
	sc = &tuned
	sched := sc.schedule(seed, params.Volatile)
	if opts.Schedule != nil {
		sched = *opts.Schedule
	}
	r, err := build(sc, seed, opts, sched, params)
	if err != nil {
		return nil, err
	}
	broken := r.runGuarded(sim.Time(sc.Duration))
	// The final checks compare replicas that have caught up. A cluster
	// whose followers are still behind when the scenario ends (a slow WAN,
	// a small replication window, a long partition) gets more quiet time,
	// in steps, up to settleMax; one that has not converged by then fails
	// final-convergence. Without this, a correct but slow follower read as
	// a lost acknowledged write.
	// A cluster stalled by a majority's loss (see WipePlan) never
	// converges: the quiet time would only prolong the stall.
	_, _, wiped := r.wipedAt()
	for extra := time.Duration(0); broken == "" && !wiped && extra < settleMax && !r.converged(); extra += settleStep {
		broken = r.runGuarded(r.c.Now() + sim.Time(settleStep))
	}
	r.injector.Finish()
	if err := r.c.Close(); err != nil {
		return nil, err
	}
	var o *Outcome
	if broken != "" {
		o = r.brokenOutcome(broken)
	} else {
		o = r.judge(opts)
	}
	o.Mutant = Mutant
	o.Parameters = params
	return o, nil
}

// runGuarded runs the simulation and turns a broken assertion (a panic in
// a replica or the simulator) into a failed run: TigerBeetle's rule that
// an assertion is a finding, reported with its seed, not a crash of the
// whole sweep.
func (r *running) runGuarded(limit sim.Time) (broken string) {
	defer func() {
		if p := recover(); p != nil {
			broken = fmt.Sprint(p)
		}
	}()
	r.c.Run(limit)
	return ""
}

func (r *running) brokenOutcome(msg string) *Outcome {
	return &Outcome{Scenario: r.sc.Name, Seed: r.seed, TraceHash: r.c.TraceHashHex(), Events: r.c.Events(),
		SimTime: r.c.Now(), Schedule: r.sched, Applied: r.injector.Log(), History: r.history(),
		Model: r.model(), Recovery: -1,
		Verdicts: []checkers.Verdict{{Invariant: "assertions", Status: checkers.Fail,
			Evidence: []string{fmt.Sprintf("at %v: %s", r.c.Now(), msg)}}}}
}

// running is a run in progress.
type running struct {
	sc       *Scenario
	seed     uint64
	c        *cluster.Cluster
	wl       *workload
	kv       *kvWorkload // the lin-kv clients of a Maelstrom scenario, else nil
	injector *faults.Injector
	sched    faults.Schedule
	rogue    rogueRecord
	// volatile is whether the nodes keep nothing across a crash: then a
	// schedule that crashes a majority at once must stall the cluster
	// (see WipePlan).
	volatile bool

	// ledgerRPC is the ledger clients of a Maelstrom scenario, else nil.
	ledgerRPC *ledgerRPCWorkload
	// finalDigests are, per replica, its final ledger's recomputed digest,
	// once judging has computed it (see finalDigest).
	finalDigests []*[32]byte
	// heartbeat is the replicas' heartbeat interval (on their own clocks),
	// for the traffic budget (see boundedTraffic).
	heartbeat time.Duration
}

func build(sc *Scenario, seed uint64, opts RunOptions, sched faults.Schedule, params Parameters) (*running, error) {
	r := &running{sc: sc, seed: seed, wl: newWorkload(sc.Workload), sched: sched, volatile: params.Volatile,
		heartbeat: params.heartbeat()}
	replicas := make([]sim.NodeID, sc.Replicas)
	for i := range replicas {
		replicas[i] = sim.NodeID(i)
	}
	clientOpts := sc.Workload.Client
	cfg := cluster.Config{Seed: seed, Replicas: sc.Replicas, Link: sc.Link, Trace: opts.Trace,
		ClockDriftPPM: sc.ClockDriftPPM, ClockOffset: sc.ClockOffset,
		MaxEvents:       eventsMax,
		NewStateMachine: func() replica.StateMachine { return ledger.NewMachine(LedgerConfig) },
		Tune:            params.tune, Maelstrom: sc.Maelstrom, Volatile: params.Volatile}
	if sc.Maelstrom {
		r.kv = newKVWorkload(sc.Workload)
		for i := range sc.Workload.Clients {
			cfg.Clients = append(cfg.Clients, sim.NodeSpec{Name: fmt.Sprintf("c%d", i+1),
				New: r.kv.client(func() *sim.Sim { return r.c.Sim }, sc.Replicas)})
		}
		r.addLedgerRPCClients(&cfg, sc)
		return r.start(cfg, sc, sched)
	}
	for i := range sc.Workload.Clients {
		cfg.Clients = append(cfg.Clients, sim.NodeSpec{Name: fmt.Sprintf("c%d", i+1),
			New: cluster.NewClient(func() *sim.Sim { return r.c.Sim }, uint64(i+1), replicas, clientOpts, r.wl.driver(i))})
	}
	for i, b := range params.BatchJobs {
		index := sc.Workload.Clients + i
		opts := clientOpts
		opts.StartAfter = b.StartAt
		cfg.Clients = append(cfg.Clients, sim.NodeSpec{Name: fmt.Sprintf("b%d", i+1),
			New: cluster.NewClient(func() *sim.Sim { return r.c.Sim }, uint64(index+1), replicas, opts, r.wl.batchDriver(index, b.Ops))})
	}
	r.rogue.Clients = params.RogueClients
	for i := range params.RogueClients {
		id := sc.Workload.Clients + len(params.BatchJobs) + i + 1
		d := &rogueDriver{rec: &r.rogue, stopAt: sc.Workload.StopAt, replicas: sc.Replicas}
		cfg.Clients = append(cfg.Clients, sim.NodeSpec{Name: fmt.Sprintf("r%d", i+1),
			New: cluster.NewClient(func() *sim.Sim { return r.c.Sim }, uint64(id), replicas, clientOpts, d)})
	}
	return r.start(cfg, sc, sched)
}

// start builds the cluster and installs the fault schedule.
func (r *running) start(cfg cluster.Config, sc *Scenario, sched faults.Schedule) (*running, error) {
	c, err := cluster.New(cfg)
	if err != nil {
		return nil, err
	}
	r.c = c
	r.injector = faults.NewInjector(c.Sim, sc.Link)
	if err := r.applyRegions(); err != nil {
		return nil, err
	}
	r.injector.Resolve = r.resolveRole
	r.injector.Servers = sc.Servers()
	r.injector.Messages = c.CrashPointMatcher
	r.injector.TransferLeader = c.TransferLeader
	if err := r.injector.Install(sched); err != nil {
		return nil, err
	}
	return r, nil
}

// SessionPressure is how a run fills its replicas' session tables, drawn
// from its seed: in most runs the default table, which never fills; in
// some, a table exactly as large as the workload's clients and batch jobs
// that join while the clients run, so that each batch's registration
// evicts a session still in use. The evicted client's next request is
// answered SessionExpired (its outcome unknown: an earlier attempt may have
// applied), it registers again and evicts the least recently used session
// in turn, until a batch job has left and its idle session is the one
// evicted. That is the path of a cluster whose sessions outnumber its
// table, bounded so that the run still does useful work.
type SessionPressure struct {
	// SessionsMax is the replicas' session table size; 0 keeps the default.
	SessionsMax int
	// Batches are the batch jobs, in order of joining.
	Batches []BatchJob
}

// BatchJob is a client that joins late and leaves after a few operations.
type BatchJob struct {
	// StartAt is when it registers its session.
	StartAt time.Duration
	// Ops is how many operations it submits.
	Ops int
}

// sessionPressureOneIn is the share of seeds (one in this many) whose
// session tables fill.
const sessionPressureOneIn = 4

// DrawSessionPressure draws a run's session pressure from its seed: its
// own stream, so that drawing it changes no other draw.
func DrawSessionPressure(seed uint64, w WorkloadSpec) SessionPressure {
	rng := sim.NewStream(seed, "session-table")
	if rng.IntN(sessionPressureOneIn) != 0 || w.StopAt <= 0 {
		return SessionPressure{}
	}
	p := SessionPressure{SessionsMax: w.Clients}
	at := w.StopAt / 5
	for range 1 + rng.IntN(2) {
		// Joins spread over the middle of the workload, in order.
		at += time.Duration(rng.Int64N(int64(w.StopAt/5) + 1))
		p.Batches = append(p.Batches, BatchJob{StartAt: at, Ops: 3 + rng.IntN(6)})
	}
	return p
}

// settleMax and settleStep bound the extra quiet time a run gets for its
// replicas to catch up before the final checks.
const (
	settleMax  = 20 * time.Second
	settleStep = 250 * time.Millisecond
)

// converged reports whether every serving replica has applied the same
// log, to the same index.
func (r *running) converged() bool {
	var applied uint64
	var digest [32]byte
	seen := false
	for i := range r.sc.Replicas {
		rep := r.c.Replica(i)
		if rep == nil || rep.Stopped() != nil {
			continue
		}
		st := rep.Status()
		if !seen {
			applied, digest, seen = st.Applied, st.Digest, true
			continue
		}
		if st.Applied != applied || st.Digest != digest {
			return false
		}
	}
	return true
}

// eventsMax is every run's budget against livelock: far above what any
// catalog scenario needs.
const eventsMax = 200_000_000

// applyRegions sets WAN latency between replicas of different regions.
func (r *running) applyRegions() error {
	region := map[int]int{}
	for ri, members := range r.sc.Regions {
		for _, m := range members {
			region[m] = ri
		}
	}
	if len(region) == 0 {
		return nil
	}
	wan := r.sc.Link
	wan.Latency = r.sc.WANLatency
	for a := range r.sc.Replicas {
		for b := range r.sc.Replicas {
			if a != b && region[a] != region[b] {
				if err := r.c.Network().SetLink(sim.NodeID(a), sim.NodeID(b), wan); err != nil {
					return err
				}
				r.injector.SetBaseLink(sim.NodeID(a), sim.NodeID(b), wan)
			}
		}
	}
	return nil
}

// resolveRole names the node holding a role now: the leader, or the first
// live follower after it.
func (r *running) resolveRole(role string) (string, bool) {
	leader, ok := r.c.Leader()
	if !ok {
		return "", false
	}
	switch role {
	case "@leader":
		return cluster.ReplicaName(leader), true
	case faults.LastFollower:
		if r.sc.Replicas > 1 {
			return cluster.ReplicaName((leader + r.sc.Replicas - 1) % r.sc.Replicas), true
		}
	case "@follower":
		for i := 1; i < r.sc.Replicas; i++ {
			f := (leader + i) % r.sc.Replicas
			if r.c.Replica(f) != nil {
				return cluster.ReplicaName(f), true
			}
		}
	}
	return "", false
}
