package scenarios

import (
	"fmt"
	"time"

	"github.com/anishathalye/porcupine"

	"github.com/faultline/faultline/checkers"
	"github.com/faultline/faultline/faults"
	"github.com/faultline/faultline/ledger"
	"github.com/faultline/faultline/ledger/replica"
	"github.com/faultline/faultline/scenarios/cluster"
	"github.com/faultline/faultline/sim"
)

// judge runs every checker on what the run recorded.
func (r *running) judge(opts RunOptions) *Outcome {
	o := &Outcome{Scenario: r.sc.Name, Seed: r.seed, TraceHash: r.c.TraceHashHex(), Events: r.c.Events(),
		SimTime: r.c.Now(), Schedule: r.sched, Applied: r.injector.Log(), History: r.history(), Model: r.model()}
	o.CommitTimes = r.c.Observer.FirstApplyTimes
	o.DeposedLeaderRequests = r.c.Observer.DeposedLeaderRequests
	o.Transfers = r.c.Transfers()
	timeout := opts.CheckTimeout
	if timeout == 0 {
		timeout = 20 * time.Second
	}
	if r.kv != nil {
		return r.judgeMaelstrom(o, timeout)
	}
	o.Verdicts = append(o.Verdicts, checkers.Verdict{Invariant: "assertions", Status: checkers.Pass})
	states := r.finalStates()
	ops := r.wl.history.Ops
	if final := latestState(states); final != nil {
		ops = checkers.PinUnknowns(ops, final)
	}
	o.Verdicts = append(o.Verdicts, r.checkLinearizable(o, ops, timeout))
	o.Verdicts = append(o.Verdicts,
		checkers.Conservation(states),
		checkers.Durability(states, r.wl.history.Acked),
		checkers.ExactlyOnce(states, r.wl.history.Submitted),
		checkers.IntentExactlyOnce(states, r.wl.history.Intents, r.wl.history.IntentOf))
	r.checkFinalStates()
	o.Verdicts = append(o.Verdicts, r.c.Observer.Verdicts()...)
	o.Verdicts = append(o.Verdicts, r.boundedTraffic())
	o.Verdicts = append(o.Verdicts, r.finalConvergence())
	o.Verdicts = append(o.Verdicts, r.rogue.verdict())
	o.LastHeal = lastRecovery(o.Applied, r.sched)
	live, rto := checkers.Liveness(r.c.Observer.FirstApplyTimes, o.LastHeal, r.sc.SLO.RecoveryBound, time.Duration(r.c.Now()))
	o.Recovery = rto
	o.Verdicts = append(o.Verdicts, live)
	return o
}

// boundedTraffic judges what the replicas sent one another against the
// work of the run (see checkers.Traffic).
func (r *running) boundedTraffic() checkers.Verdict {
	elapsed := time.Duration(r.c.Now())
	return r.c.Observer.Traffic.Verdict(elapsed, r.heartbeat)
}

// history is the run's client-side record, model the Porcupine model
// that judges it: the bank's, or lin-kv's in a Maelstrom scenario (whose
// record counts its ledger clients' operations too).
func (r *running) history() *History {
	if r.kv != nil {
		return r.maelstromHistory()
	}
	return r.wl.history
}

func (r *running) model() porcupine.Model {
	if r.kv != nil {
		return checkers.KVModel
	}
	return checkers.LedgerModel(r.wl.groups, USD.Scale)
}

// checkLinearizable checks ops against the run's model, and keeps
// Porcupine's account of a failing check for its visualization.
func (r *running) checkLinearizable(o *Outcome, ops []porcupine.Operation, timeout time.Duration) checkers.Verdict {
	v, info := checkLinearizableWith(o.Model, ops, timeout)
	if v.Status == checkers.Fail {
		o.Linearization = info
	}
	return v
}

// checkLinearizableWith checks ops partition by partition, one after
// another on this goroutine: Porcupine would check partitions in parallel,
// but a sweep already runs one simulation per core, and a run that
// grabs every core makes sweeps scale worse. Only a failing history is
// checked again in full, for Porcupine's visualization.
func checkLinearizableWith(model porcupine.Model, ops []porcupine.Operation, timeout time.Duration) (checkers.Verdict, porcupine.LinearizationInfo) {
	single := model
	single.Partition, single.PartitionEvent = nil, nil
	deadline := time.Now().Add(timeout) // nondeterministic-ok: the checker's own wall-clock budget, after the simulation; past it the verdict is unknown, never pass
	result := porcupine.Ok
	for _, part := range model.Partition(ops) {
		left := time.Until(deadline)
		if left <= 0 {
			result = porcupine.Unknown
			break
		}
		res := checkAlone(single, part)
		if res == porcupine.Unknown {
			res = porcupine.CheckOperationsTimeout(single, part, left)
		}
		if res == porcupine.Illegal {
			result = porcupine.Illegal
			break
		}
		if res == porcupine.Unknown {
			result = porcupine.Unknown
		}
	}
	switch result {
	case porcupine.Ok:
		return checkers.Verdict{Invariant: "linearizability", Status: checkers.Pass}, porcupine.LinearizationInfo{}
	case porcupine.Illegal:
		_, info := porcupine.CheckOperationsVerbose(model, ops, timeout)
		return checkers.Verdict{Invariant: "linearizability", Status: checkers.Fail,
			Evidence: []string{fmt.Sprintf("no linearization of %d operations exists; see the visualization", len(ops))}}, info
	}
	return checkers.Verdict{Invariant: "linearizability", Status: checkers.Unknown,
		Evidence: []string{fmt.Sprintf("the check did not finish within %v", timeout)}}, porcupine.LinearizationInfo{}
}

// checkAlone decides a partition of one operation, as Porcupine would,
// without what Porcupine sets up for a search (a goroutine, a timer, a
// context, a cache, linked entries: most of a run's partitions are single
// operations the ledger refuses on their own fields, see
// checkers.LedgerModel). One operation is linearizable exactly when the
// model steps it from its initial state; one that returns before its call
// never is (Porcupine meets its return first). Unknown means "not one
// operation, or a model without Step": ask Porcupine.
func checkAlone(model porcupine.Model, part []porcupine.Operation) porcupine.CheckResult {
	if len(part) != 1 || model.Step == nil || model.Init == nil {
		return porcupine.Unknown
	}
	op := part[0]
	if op.Return < op.Call {
		return porcupine.Illegal
	}
	if ok, _ := model.Step(model.Init(), op.Input, op.Output); ok {
		return porcupine.Ok
	}
	return porcupine.Illegal
}

// latestState returns the ledger of the serving replica that applied the
// most (the first of those that tie), nil if none serves.
func latestState(states []checkers.ReplicaState) *ledger.State {
	var out *ledger.State
	for _, s := range states {
		if out == nil || s.State.LastTimestamp() > out.LastTimestamp() {
			out = s.State
		}
	}
	return out
}

// finalStates returns the ledger of every replica that is up and serving
// at the end: crashed replicas have no state to judge, and a stopped one
// refuses to serve. Each comes with its digest computed afresh, so that
// the checkers judge replicas holding the same ledger once.
func (r *running) finalStates() []checkers.ReplicaState {
	var out []checkers.ReplicaState
	for i := range r.sc.Replicas {
		rep := r.c.Replica(i)
		if rep == nil || rep.Stopped() != nil {
			continue
		}
		m, ok := ledgerOf(rep.StateMachine())
		if !ok {
			continue
		}
		out = append(out, checkers.ReplicaState{Name: cluster.ReplicaName(i), State: m.State,
			Digest: r.finalDigest(i, m.State)})
	}
	return out
}

// ledgerOf is the ledger a replica's state machine holds: the bank's
// replicas run a ledger.Machine, a Maelstrom node's holds one beside its
// lin-kv store.
func ledgerOf(sm replica.StateMachine) (*ledger.Machine, bool) {
	switch m := sm.(type) {
	case *ledger.Machine:
		return m, true
	case interface{ Ledger() *ledger.Machine }:
		return m.Ledger(), true
	}
	return nil, false
}

// finalDigest is replica i's final ledger st's digest, computed afresh
// from every record once per run: finalStates and checkFinalStates both
// need it, and the simulation is over, so st no longer changes.
func (r *running) finalDigest(i int, st *ledger.State) [32]byte {
	if r.finalDigests == nil {
		r.finalDigests = make([]*[32]byte, r.sc.Replicas)
	}
	if d := r.finalDigests[i]; d != nil {
		return *d
	}
	d := st.RecomputeStateDigest()
	r.finalDigests[i] = &d
	return d
}

// checkFinalStates hands the replica-state checker every serving
// replica's final ledger, its digest computed afresh from every record:
// it must be the digest every other replica held at the same index, and
// the one the replica itself kept as it applied.
func (r *running) checkFinalStates() {
	now := time.Duration(r.c.Now())
	for i := range r.sc.Replicas {
		rep := r.c.Replica(i)
		if rep == nil || rep.Stopped() != nil {
			continue
		}
		m, ok := ledgerOf(rep.StateMachine())
		applied := rep.Status().Applied
		if !ok || applied == 0 {
			continue
		}
		name := cluster.ReplicaName(i)
		recomputed := r.finalDigest(i, m.State)
		if running := m.State.StateDigest(); running != recomputed {
			r.c.Observer.ReplicaStates.Mismatch(name, applied, running, recomputed)
		}
		r.c.Observer.ReplicaStates.Applied(name+" (final state)", applied, recomputed, now)
	}
}

// finalConvergence checks that every serving replica ended on the same
// applied log: after the quiet period, a lagging replica is a bug too.
func (r *running) finalConvergence() checkers.Verdict {
	var evidence []string
	var first *struct {
		name    string
		applied uint64
		digest  [32]byte
	}
	for i := range r.sc.Replicas {
		rep := r.c.Replica(i)
		if rep == nil || rep.Stopped() != nil {
			continue
		}
		st := rep.Status()
		if first == nil {
			first = &struct {
				name    string
				applied uint64
				digest  [32]byte
			}{cluster.ReplicaName(i), st.Applied, st.Digest}
			continue
		}
		if st.Applied != first.applied || st.Digest != first.digest {
			evidence = append(evidence, fmt.Sprintf("%s ended at index %d, %s at %d (or their logs differ)",
				first.name, first.applied, cluster.ReplicaName(i), st.Applied))
		}
	}
	v := checkers.Verdict{Invariant: "final-convergence", Status: checkers.Pass}
	if len(evidence) > 0 {
		v.Status, v.Evidence = checkers.Fail, evidence
	}
	return v
}

// lastRecovery is when the last fault that gives something back applied:
// the moment from which the cluster must recover. With no faults it is 0.
func lastRecovery(applied []faults.Applied, sched faults.Schedule) time.Duration {
	var last sim.Time
	for _, a := range applied {
		if !a.Fault.Disrupts() || a.Fault.Kind == faults.FsyncFailure {
			last = max(last, a.At)
		}
	}
	for _, f := range sched.Faults {
		if f.Disrupts() {
			last = max(last, sim.Time(f.At))
		}
	}
	return time.Duration(last)
}
