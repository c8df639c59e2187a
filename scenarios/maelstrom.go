package scenarios

import (
	"encoding/json"
	"fmt"
	"math"
	"time"

	"github.com/anishathalye/porcupine"

	"github.com/faultline/faultline/checkers"
	"github.com/faultline/faultline/faults"
	"github.com/faultline/faultline/scenarios/cluster"
	"github.com/faultline/faultline/sim"
)

// A Maelstrom scenario (Scenario.Maelstrom) runs the Maelstrom node's own
// code on every server (see cluster.Config.Maelstrom) and, in place of the
// bank's clients, lin-kv clients as Maelstrom's lin-kv workload has them:
// each sends read, write and cas requests with a msg_id to any node,
// follower or cut-off node as much as the leader, awaits the reply that
// names it in in_reply_to, and records an operation whose reply does not
// come in time as of unknown outcome. The history is checked against
// checkers.KVModel.

// kvKeys and kvValues bound the registers the lin-kv clients use: few
// keys, so that reads meet recent writes; few values, so that cas
// succeeds at times.
const (
	kvKeys   = 3
	kvValues = 5
)

// kvRequestTimeout is how long a lin-kv client waits for a reply (the
// Maelstrom client's timeout is 5 s; the node answers an indefinite error
// after its sessions give up, 4 s). Past it the outcome is unknown. One
// second keeps a client that asked a cut-off node busy for a short while
// only, and the unknown operations few enough for Porcupine.
const kvRequestTimeout = time.Second

// kvWorkload is the lin-kv clients' shared record.
type kvWorkload struct {
	spec    WorkloadSpec
	history *History
}

func newKVWorkload(spec WorkloadSpec) *kvWorkload {
	return &kvWorkload{spec: spec, history: newHistory()}
}

// kvClient is one lin-kv client: a simulated node that speaks Maelstrom
// messages to the servers, one request at a time.
type kvClient struct {
	w        *kvWorkload
	sim      func() *sim.Sim
	servers  int
	env      *sim.Env
	msgID    int64
	pending  *kvRequest
	clientID int // its Porcupine client ID; a fresh one after an unknown
	stopped  bool
}

// kvRequest is the request a client awaits an answer to.
type kvRequest struct {
	msgID   int64
	in      checkers.KVInput
	call    time.Duration
	timeout sim.TimerID
}

// Timer tags of a lin-kv client.
const (
	kvTagNext = iota + 1
	kvTagTimeout
)

func (w *kvWorkload) client(s func() *sim.Sim, servers int) func() sim.Node {
	return func() sim.Node {
		return &kvClient{w: w, sim: s, servers: servers, clientID: w.history.newClientID()}
	}
}

// Start implements sim.Node.
func (c *kvClient) Start(env *sim.Env) {
	c.env = env
	c.think()
}

// think waits a client's pause (up to twice the workload's think time)
// before the next request.
func (c *kvClient) think() {
	wait := time.Microsecond
	if t := c.w.spec.ThinkTime; t > 0 {
		wait += time.Duration(c.env.Rand().Int64N(int64(2 * t)))
	}
	c.env.SetTimer(wait, kvTagNext)
}

// now is the true simulated time, which times operations for the checker.
func (c *kvClient) now() time.Duration { return time.Duration(c.sim().Now()) }

// next sends a random request to a random server.
func (c *kvClient) next() {
	if c.stopped || c.now() >= c.w.spec.StopAt {
		c.stopped = true
		return
	}
	rng := c.env.Rand()
	in := randomKVInput(rng.IntN, rng.Int64N)
	server := sim.NodeID(rng.IntN(c.servers))
	c.msgID++
	line := appendKVRequest(nil, c.env.Name(), cluster.ReplicaName(int(server)), in, c.msgID)
	c.pending = &kvRequest{msgID: c.msgID, in: in, call: c.now(), timeout: c.env.SetTimer(kvRequestTimeout, kvTagTimeout)}
	c.env.Send(server, line)
}

// randomKVInput draws one lin-kv operation: a third each of reads,
// writes and compare-and-sets.
func randomKVInput(intN func(int) int, int64N func(int64) int64) checkers.KVInput {
	key := fmt.Sprint(intN(kvKeys))
	switch intN(3) {
	case 0:
		return checkers.KVInput{Op: "read", Key: key}
	case 1:
		return checkers.KVInput{Op: "write", Key: key, Value: int64N(kvValues)}
	}
	return checkers.KVInput{Op: "cas", Key: key, From: int64N(kvValues), To: int64N(kvValues)}
}

// kvReply is the part of a reply a client reads.
type kvReply struct {
	Body struct {
		Type      string `json:"type"`
		InReplyTo int64  `json:"in_reply_to"`
		Code      int    `json:"code"`
		Value     int64  `json:"value"`
	} `json:"body"`
}

// Receive implements sim.Node: the reply to the pending request ends it;
// any other (a late reply to a request that timed out, a duplicate) is
// dropped, as Maelstrom's client drops it.
func (c *kvClient) Receive(_ sim.NodeID, msg []byte) {
	r, ok := readKVReply(msg)
	if !ok {
		r = kvReply{} // encoding/json leaves alone what the line lacks
		if json.Unmarshal(msg, &r) != nil {
			return
		}
	}
	if c.pending == nil || r.Body.InReplyTo != c.pending.msgID {
		return
	}
	p := c.pending
	c.pending = nil
	c.env.CancelTimer(p.timeout)
	out, definite := interpretKV(r)
	if definite {
		c.w.history.Failed++ // it did not happen: no part of the history
	} else {
		c.record(p, out)
	}
	c.think()
}

// Timer implements sim.Node.
func (c *kvClient) Timer(tag uint64) {
	switch tag {
	case kvTagNext:
		c.next()
	case kvTagTimeout:
		if p := c.pending; p != nil {
			c.pending = nil
			c.record(p, checkers.KVOutput{Unknown: true})
			c.think()
		}
	}
}

// record adds a finished operation; one of unknown outcome never returns,
// and its client goes on under a fresh Porcupine ID.
func (c *kvClient) record(p *kvRequest, out checkers.KVOutput) {
	h := c.w.history
	ret := c.now()
	op := porcupine.Operation{ClientId: c.clientID, Input: p.in, Output: out, Call: int64(p.call), Return: int64(ret)}
	if out.Unknown {
		op.Return = math.MaxInt64
		h.Unknown++
		c.clientID = h.newClientID()
	} else {
		h.OK++
		h.Latencies = append(h.Latencies, Latency{Invoked: p.call, Duration: ret - p.call})
	}
	h.Ops = append(h.Ops, op)
}

// interpretKV maps a reply onto the model by Maelstrom's error semantics:
// 11 (temporarily unavailable) and the other definite errors a node sends
// for a request it refused (10, 12) mean it did not happen; 20 and 22 are
// answers; anything else (0 timeout, 13 crash) may have happened.
func interpretKV(r kvReply) (out checkers.KVOutput, definite bool) {
	switch r.Body.Type {
	case "read_ok":
		return checkers.KVOutput{Value: r.Body.Value}, false
	case "write_ok", "cas_ok":
		return checkers.KVOutput{}, false
	case "error":
		switch r.Body.Code {
		case 10, 11, 12:
			return checkers.KVOutput{}, true
		case 20:
			return checkers.KVOutput{Missing: true}, false
		case 22:
			return checkers.KVOutput{Failed: true}, false
		}
	}
	return checkers.KVOutput{Unknown: true}, false
}

// judgeMaelstrom decides a Maelstrom run: the lin-kv history's
// linearizability, the ledger clients' (see maelstrom_ledger.go), and the
// replica-level invariants.
func (r *running) judgeMaelstrom(o *Outcome, timeout time.Duration) *Outcome {
	o.Verdicts = append(o.Verdicts, checkers.Verdict{Invariant: "assertions", Status: checkers.Pass})
	o.Verdicts = append(o.Verdicts, r.checkLinearizable(o, r.kv.history.Ops, timeout))
	o.Verdicts = append(o.Verdicts, r.judgeLedgerRPC(o, timeout)...)
	r.checkFinalStates()
	o.Verdicts = append(o.Verdicts, r.c.Observer.Verdicts()...)
	o.Verdicts = append(o.Verdicts, r.boundedTraffic())
	if wipeAt, _, wiped := r.wipedAt(); wiped {
		return r.judgeStall(o, wipeAt)
	}
	o.Verdicts = append(o.Verdicts, r.finalConvergence())
	o.LastHeal = lastRecovery(o.Applied, r.sched)
	live, rto := checkers.Liveness(r.c.Observer.FirstApplyTimes, o.LastHeal, r.sc.SLO.RecoveryBound, time.Duration(r.c.Now()))
	o.Recovery = rto
	o.Verdicts = append(o.Verdicts, live)
	return o
}

// wipedAt is when the run's volatile nodes lost a majority's state at
// once (see WipePlan and faults.Schedule.WipedAt), and which, if they did.
func (r *running) wipedAt() (time.Duration, []string, bool) {
	if !r.volatile {
		return 0, nil, false
	}
	at, wiped, ok := r.sched.WipedAt(r.sc.Servers())
	return time.Duration(at), wiped, ok
}

// judgeStall ends the judgement of a run whose volatile majority lost its
// state at once at wipeAt. The designed behaviour is a permanent stall:
// the survivors hold the only copy of what was committed, and the blank
// majority must neither elect one of its own nor bootstrap the cluster
// anew. So liveness is judged on the time before the wipe only (the last
// recovery before it, and commits before it), and no-rebootstrap fails if
// any node becomes leader, or any client request sent after the wipe is
// answered, from the wipe on. Final convergence is not asked: the blank
// nodes stay blank; the per-index checks (convergence, replica-state)
// still hold every replica that applied anything, and durability holds
// the survivors (see durableAfterWipe).
func (r *running) judgeStall(o *Outcome, wipeAt time.Duration) *Outcome {
	var before []faults.Applied
	for _, a := range o.Applied {
		if time.Duration(a.At) < wipeAt {
			before = append(before, a)
		}
	}
	var early faults.Schedule
	for _, f := range r.sched.Faults {
		if time.Duration(f.At) < wipeAt {
			early.Faults = append(early.Faults, f)
		}
	}
	var commits []time.Duration
	for _, at := range r.c.Observer.FirstApplyTimes {
		if at < wipeAt {
			commits = append(commits, at)
		}
	}
	o.LastHeal = lastRecovery(before, early)
	live, rto := checkers.Liveness(commits, o.LastHeal, r.sc.SLO.RecoveryBound, wipeAt)
	o.Recovery = rto
	o.Verdicts = append(o.Verdicts, live, r.noRebootstrap(wipeAt))
	return o
}

// noRebootstrap is the stall a majority's loss must cause: no leader from
// wipeAt on, and no answer to a request sent after it.
func (r *running) noRebootstrap(wipeAt time.Duration) checkers.Verdict {
	var evidence []string
	for _, e := range r.c.Observer.LeaderElections {
		if at := time.Duration(e.At); at >= wipeAt {
			evidence = append(evidence, fmt.Sprintf("%s became leader of term %d at %v, after a majority lost its state at %v",
				cluster.ReplicaName(e.Replica), e.Term, at, wipeAt))
		}
	}
	answered := answeredAfter(r.kv.history.Ops, wipeAt)
	if r.ledgerRPC != nil {
		answered += answeredAfter(r.ledgerRPC.gen.history.Ops, wipeAt)
	}
	if answered > 0 {
		evidence = append(evidence, fmt.Sprintf("%d client requests sent after the majority's loss at %v were answered", answered, wipeAt))
	}
	v := checkers.Verdict{Invariant: "no-rebootstrap", Status: checkers.Pass}
	if len(evidence) > 0 {
		v.Status, v.Evidence = checkers.Fail, evidence
	}
	return v
}

// answeredAfter counts the operations called after t that got an answer
// (an operation of unknown outcome never returns).
func answeredAfter(ops []porcupine.Operation, t time.Duration) int {
	n := 0
	for _, op := range ops {
		if time.Duration(op.Call) > t && op.Return != math.MaxInt64 {
			n++
		}
	}
	return n
}
