package scenarios

import (
	"cmp"
	"encoding/json"
	"fmt"
	"maps"
	"math/big"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/anishathalye/porcupine"
	"github.com/shopspring/decimal"

	"github.com/faultline/faultline/checkers"
	"github.com/faultline/faultline/ledger"
	"github.com/faultline/faultline/scenarios/cluster"
	"github.com/faultline/faultline/sim"
)

// Beside its lin-kv clients, a Maelstrom scenario runs ledger clients that
// speak the node's ledger RPCs (maelstrom/ledger_rpc.go), as a Maelstrom
// ledger client would: each first creates every account of the workload
// (create_accounts, sent again until every result is ok or exists: account
// creation is idempotent by ID), then sends create_transfers (simple
// transfers, reservations, their posts and voids, transfers with one
// deliberate defect) and lookup_accounts of one group, with a msg_id, to
// any node, awaiting the reply that names it in in_reply_to. A reply that
// does not come in time leaves the operation's outcome unknown. The
// history is checked against checkers.LedgerModel, and every node's ledger
// at the end by the bank's conservation, durability and exactly-once
// checkers: the RPC path (parsing, conversion to ledger commands, reply
// encoding) is then exercised by every seed.

// Shape of the ledger clients: few, in two groups of the bank's five
// accounts, so that they meet each other's transfers and the
// linearizability check stays small beside the lin-kv one.
const (
	ledgerRPCClients = 2
	ledgerRPCGroups  = 2
)

// ledgerRPCMix weighs the ledger clients' operations. Reservations carry
// no timeout: replies name no cluster time, and a model that must place
// every expiry anywhere searches far wider for nothing the RPC path does.
var ledgerRPCMix = Mix{Simple: 40, Pending: 15, Settle: 15, Lookup: 20, Invalid: 10}

// ledgerRPCWorkload is the ledger clients' shared record: the bank's
// workload as generator of accounts, transfers and reservations, its
// history, and what the setup was refused.
type ledgerRPCWorkload struct {
	gen *workload
	// setupRefused holds every account creation answered other than ok or
	// exists: the accounts are the same each time, so that is a bug.
	setupRefused []string
}

func newLedgerRPCWorkload(spec WorkloadSpec) *ledgerRPCWorkload {
	spec.Groups, spec.Mix = ledgerRPCGroups, ledgerRPCMix
	return &ledgerRPCWorkload{gen: newWorkload(spec)}
}

// addLedgerRPCClients adds the ledger clients to a Maelstrom cluster,
// after the lin-kv ones.
func (r *running) addLedgerRPCClients(cfg *cluster.Config, sc *Scenario) {
	r.ledgerRPC = newLedgerRPCWorkload(sc.Workload)
	for i := range ledgerRPCClients {
		w := r.ledgerRPC
		cfg.Clients = append(cfg.Clients, sim.NodeSpec{Name: fmt.Sprintf("l%d", i+1), New: func() sim.Node {
			return &ledgerRPCClient{w: w, sim: func() *sim.Sim { return r.c.Sim }, servers: sc.Replicas, clientID: w.gen.history.newClientID()}
		}})
	}
}

// ledgerRPCClient is one ledger client: a simulated node that speaks
// Maelstrom ledger RPCs to the servers, one request at a time.
type ledgerRPCClient struct {
	w        *ledgerRPCWorkload
	sim      func() *sim.Sim
	servers  int
	env      *sim.Env
	msgID    int64
	pending  *ledgerRPCRequest
	clientID int  // its Porcupine client ID; a fresh one after an unknown
	created  bool // the workload's accounts exist
	stopped  bool
}

// ledgerRPCRequest is the request a client awaits an answer to; setup is
// the creation of the accounts, which is no part of the history.
type ledgerRPCRequest struct {
	msgID   int64
	setup   bool
	in      checkers.LedgerInput
	call    time.Duration
	timeout sim.TimerID
}

// Start implements sim.Node.
func (c *ledgerRPCClient) Start(env *sim.Env) {
	c.env = env
	c.think()
}

func (c *ledgerRPCClient) think() {
	wait := time.Microsecond
	if t := c.w.gen.spec.ThinkTime; t > 0 {
		wait += time.Duration(c.env.Rand().Int64N(int64(2 * t)))
	}
	c.env.SetTimer(wait, kvTagNext)
}

func (c *ledgerRPCClient) now() time.Duration { return time.Duration(c.sim().Now()) }

// next sends the setup until it has succeeded, then a random operation, to
// a random server.
func (c *ledgerRPCClient) next() {
	if c.stopped || c.now() >= c.w.gen.spec.StopAt {
		c.stopped = true
		return
	}
	rng := c.env.Rand()
	req := &ledgerRPCRequest{setup: !c.created}
	if !req.setup {
		req.in = c.w.nextOperation(rng)
	}
	c.msgID++
	req.msgID = c.msgID
	server := sim.NodeID(rng.IntN(c.servers))
	line := c.w.appendRequest(nil, c.env.Name(), cluster.ReplicaName(int(server)), req)
	req.call, req.timeout = c.now(), c.env.SetTimer(kvRequestTimeout, kvTagTimeout)
	c.pending = req
	c.env.Send(server, line)
}

// nextOperation draws one operation by ledgerRPCMix from the bank's
// generator, with reservations of its own (no timeout, none closing).
func (w *ledgerRPCWorkload) nextOperation(rng *rand.Rand) checkers.LedgerInput {
	g := w.gen
	group := rng.IntN(len(g.groups))
	in := checkers.LedgerInput{Group: group}
	m := ledgerRPCMix
	switch pick := rng.IntN(m.total()); {
	case pick < m.Simple:
		t := g.transfer(rng, group, 0)
		if rng.IntN(16) == 0 {
			t = g.whale(rng, group)
		}
		if len(g.simple[group]) < simpleKept {
			g.simple[group] = append(g.simple[group], t.ID)
		}
		in.Transfers = []ledger.Transfer{t}
	case pick < m.Simple+m.Pending:
		t := g.transfer(rng, group, ledger.Pending)
		g.pending[group] = append(g.pending[group], reservation{id: t.ID, cents: units(t.Amount)})
		in.Transfers = []ledger.Transfer{t}
	case pick < m.Simple+m.Pending+m.Settle:
		in.Transfers = []ledger.Transfer{g.settle(rng, group)}
	case pick < m.Simple+m.Pending+m.Settle+m.Lookup:
		// no transfers: a lookup of the group's accounts
	default:
		in.Transfers = []ledger.Transfer{g.invalid(rng, group)}
	}
	return in
}

// appendRequest appends the RPC that carries req: the setup's
// create_accounts, or req.in. Every transfer sent is noted as submitted
// (a reused ID keeps its first).
func (w *ledgerRPCWorkload) appendRequest(b []byte, src, dest string, req *ledgerRPCRequest) []byte {
	switch in := &req.in; {
	case req.setup:
		return appendCreateAccounts(b, src, dest, w.gen.setupCommand().Accounts, req.msgID)
	case len(in.Transfers) == 0:
		return appendLookupAccounts(b, src, dest, w.gen.groups[in.Group], req.msgID)
	default:
		for _, t := range in.Transfers {
			if _, again := w.gen.history.Submitted[t.ID]; !again {
				w.gen.history.Submitted[t.ID] = t
			}
		}
		return appendCreateTransfers(b, src, dest, in.Transfers, req.msgID)
	}
}

// ledgerRPCReply is the part of a reply a ledger client reads.
type ledgerRPCReply struct {
	Body struct {
		Type      string             `json:"type"`
		InReplyTo int64              `json:"in_reply_to"`
		Code      int                `json:"code"`
		Results   []string           `json:"results"`
		Accounts  []ledgerRPCAccount `json:"accounts"`
	} `json:"body"`
}

// ledgerRPCAccount is an account as lookup_accounts answers it.
type ledgerRPCAccount struct {
	ID             string `json:"id"`
	Ledger         uint32 `json:"ledger"`
	Code           uint16 `json:"code"`
	Flags          uint16 `json:"flags"`
	DebitsPending  string `json:"debits_pending"`
	DebitsPosted   string `json:"debits_posted"`
	CreditsPending string `json:"credits_pending"`
	CreditsPosted  string `json:"credits_posted"`
}

// Receive implements sim.Node: the reply to the pending request ends it;
// any other is dropped, as Maelstrom's client drops it.
func (c *ledgerRPCClient) Receive(_ sim.NodeID, msg []byte) {
	r, ok := readLedgerRPCReply(msg)
	if !ok {
		r = ledgerRPCReply{} // encoding/json leaves alone what the line lacks
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
	if p.setup {
		c.setupAnswered(r)
		c.think()
		return
	}
	out, definite := c.w.interpret(p.in, r)
	if definite {
		c.w.gen.history.Failed++ // it did not happen: no part of the history
	} else {
		c.record(p, out)
	}
	c.think()
}

// setupAnswered notes the accounts created once every result is ok or
// exists; an answer that does not say so (an error, a timeout) leaves the
// setup to be sent again, and a refusal of the accounts is a bug.
func (c *ledgerRPCClient) setupAnswered(r ledgerRPCReply) {
	if r.Body.Type != "create_accounts_ok" {
		return
	}
	ok := len(r.Body.Results) == len(c.w.gen.setupCommand().Accounts)
	for i, name := range r.Body.Results {
		if name != ledger.Ok.String() && name != ledger.Exists.String() {
			ok = false
			c.w.setupRefused = append(c.w.setupRefused, fmt.Sprintf("%s at %v: account %d of the setup answered %q", c.env.Name(), c.now(), i, name))
		}
	}
	if ok {
		c.created = true
	} else if len(r.Body.Results) != len(c.w.gen.setupCommand().Accounts) {
		c.w.setupRefused = append(c.w.setupRefused, fmt.Sprintf("%s at %v: the setup's %d accounts answered with %d results",
			c.env.Name(), c.now(), len(c.w.gen.setupCommand().Accounts), len(r.Body.Results)))
	}
}

// interpret maps a reply onto the model by Maelstrom's error semantics,
// as interpretKV does: 10, 11 and 12 mean it did not happen; any other
// error, or an answer the client cannot read, may have happened.
func (w *ledgerRPCWorkload) interpret(in checkers.LedgerInput, r ledgerRPCReply) (out checkers.LedgerOutput, definite bool) {
	switch r.Body.Type {
	case "error":
		switch r.Body.Code {
		case 10, 11, 12:
			return out, true
		}
	case "create_transfers_ok":
		if len(in.Transfers) == 0 {
			break
		}
		for _, name := range r.Body.Results {
			res, ok := resultNamed[name]
			if !ok {
				return checkers.LedgerOutput{Unknown: true}, false
			}
			out.Results = append(out.Results, res)
		}
		w.gen.history.countResults(out.Results)
		w.gen.noteAcked(in, out.Results)
		return out, false
	case "lookup_accounts_ok":
		if len(in.Transfers) != 0 {
			break
		}
		accounts, ok := w.accountsOf(r)
		if !ok {
			break
		}
		out.Balances, out.Closed = w.gen.balancesOf(in.Group, accounts)
		if len(accounts) != len(w.gen.groups[in.Group]) {
			out.Balances = out.Balances[:0] // some account missing: no balances the model could match
		}
		return out, false
	}
	return checkers.LedgerOutput{Unknown: true}, false
}

// accountsOf reads a lookup's accounts, their balances in units as
// checkers.UnitsOf converts them.
func (w *ledgerRPCWorkload) accountsOf(r ledgerRPCReply) ([]ledger.AccountUnits, bool) {
	var out []ledger.AccountUnits
	for _, a := range r.Body.Accounts {
		id, err := parseDecimalID(a.ID)
		if err != nil {
			return nil, false
		}
		acct := ledger.AccountUnits{ID: id, Ledger: a.Ledger, Code: a.Code, Flags: ledger.AccountFlags(a.Flags)}
		for i, in := range [4]string{a.DebitsPending, a.DebitsPosted, a.CreditsPending, a.CreditsPosted} {
			d, err := decimal.NewFromString(in)
			if err != nil {
				return nil, false
			}
			acct.Balances[i] = unitsAmountOf(d)
		}
		out = append(out, acct)
	}
	return out, true
}

// resultNamed maps a result's wire name back to it.
var resultNamed = func() map[string]ledger.Result {
	m := map[string]ledger.Result{}
	for _, r := range ledger.AllResults() {
		m[r.String()] = r
	}
	return m
}()

// Timer implements sim.Node.
func (c *ledgerRPCClient) Timer(tag uint64) {
	switch tag {
	case kvTagNext:
		c.next()
	case kvTagTimeout:
		if p := c.pending; p != nil {
			c.pending = nil
			if !p.setup {
				c.record(p, checkers.LedgerOutput{Unknown: true})
			}
			c.think()
		}
	}
}

// record adds a finished operation; one of unknown outcome never returns,
// and its client goes on under a fresh Porcupine ID.
func (c *ledgerRPCClient) record(p *ledgerRPCRequest, out checkers.LedgerOutput) {
	h := c.w.gen.history
	h.record(c.clientID, p.in, out, p.call, c.now())
	if out.Unknown {
		c.clientID = h.newClientID()
	}
}

// judgeLedgerRPC decides the ledger clients' part of a Maelstrom run: the
// history's linearizability against the ledger model (with the setup's
// refusals, if any, as evidence against it), and conservation, durability
// and exactly-once on every serving node's ledger.
func (r *running) judgeLedgerRPC(o *Outcome, timeout time.Duration) []checkers.Verdict {
	w := r.ledgerRPC
	h := w.gen.history
	model := checkers.LedgerModel(w.gen.groups, USD.Scale)
	v, info := checkLinearizableWith(model, h.Ops, timeout)
	v.Invariant = "ledger-linearizability"
	if v.Status == checkers.Fail && checkers.Passed(o.Verdicts) {
		o.Model, o.Linearization = model, info // the lin-kv history passed: show this one
	}
	if len(w.setupRefused) > 0 {
		v.Status, v.Evidence = checkers.Fail, append(v.Evidence, w.setupRefused...)
	}
	states := r.finalStates()
	durable, acked := states, h.Acked
	if wipeAt, wiped, ok := r.wipedAt(); ok {
		durable, acked = durableAfterWipe(states, wiped, h.Ops, wipeAt)
	}
	return []checkers.Verdict{v, checkers.Conservation(states), checkers.Durability(durable, acked),
		checkers.ExactlyOnce(states, h.Submitted)}
}

// wipeReplicationMargin is how long before a majority's loss a transfer
// must have been acknowledged for the survivors to be asked to hold it.
// Losing a majority's disks is beyond what a majority quorum protects: a
// transfer committed in the last moments before the wipe may live only on
// the wiped nodes (the leader and the quorum that acknowledged it) while
// its append to a survivor is in flight. One acknowledged well before,
// with the network whole since the plan's end, has reached every
// survivor; losing it would be a bug.
const wipeReplicationMargin = 500 * time.Millisecond

// durableAfterWipe is what durability judges after a majority's loss at
// wipeAt: the final states of the replicas not wiped (the blank ones hold
// nothing by design), and the transfers acknowledged wipeReplicationMargin
// before it, by the same rule as History.record.
func durableAfterWipe(states []checkers.ReplicaState, wiped []string, ops []porcupine.Operation, wipeAt time.Duration) ([]checkers.ReplicaState, map[ledger.ID]ledger.Transfer) {
	var survivors []checkers.ReplicaState
	for _, s := range states {
		if !slices.Contains(wiped, s.Name) {
			survivors = append(survivors, s)
		}
	}
	acked := map[ledger.ID]ledger.Transfer{}
	for _, op := range ops {
		in, out, ok := ledgerOp(op)
		if !ok || out.Unknown || time.Duration(op.Return) >= wipeAt-wipeReplicationMargin {
			continue
		}
		for i, t := range in.Transfers {
			if i < len(out.Results) && out.Results[i].Succeeded() {
				acked[t.ID] = t
			}
		}
	}
	return survivors, acked
}

// maelstromHistory is a Maelstrom run's record: the lin-kv history (its
// operations, which o.Model judges), with the ledger clients' operations
// counted in, their latencies and the result codes they were told.
func (r *running) maelstromHistory() *History {
	h := *r.kv.history
	if r.ledgerRPC == nil {
		return &h
	}
	l := r.ledgerRPC.gen.history
	h.OK, h.Failed, h.Unknown = h.OK+l.OK, h.Failed+l.Failed, h.Unknown+l.Unknown
	h.Latencies = append(slices.Clone(h.Latencies), l.Latencies...)
	slices.SortStableFunc(h.Latencies, func(a, b Latency) int { return cmp.Compare(a.Invoked, b.Invoked) })
	h.ResultCodes = maps.Clone(l.ResultCodes)
	return &h
}

// decimalID writes an ID as the RPC takes it: a decimal number below
// 2^128.
func decimalID(id ledger.ID) string {
	v := new(big.Int).SetUint64(id.Hi)
	return v.Lsh(v, 64).Or(v, new(big.Int).SetUint64(id.Lo)).String()
}

// parseDecimalID reads an ID the RPC wrote.
func parseDecimalID(s string) (ledger.ID, error) {
	v, ok := new(big.Int).SetString(s, 10)
	if !ok || v.Sign() < 0 || v.BitLen() > 128 {
		return ledger.ID{}, fmt.Errorf("%q is no 128-bit decimal ID", s)
	}
	lo := new(big.Int).And(v, new(big.Int).SetUint64(^uint64(0))).Uint64()
	return ledger.ID{Hi: new(big.Int).Rsh(v, 64).Uint64(), Lo: lo}, nil
}
