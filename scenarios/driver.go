package scenarios

import (
	"math/rand/v2"
	"time"

	"github.com/shopspring/decimal"

	"github.com/faultline/faultline/checkers"
	"github.com/faultline/faultline/ledger"
	"github.com/faultline/faultline/ledger/client"
	"github.com/faultline/faultline/scenarios/cluster"
)

// workload is the harness state all clients of a run share: the accounts,
// the reservations waiting to be settled, the next transfer ID, and the
// history. The simulation is single-threaded, so sharing needs no locks,
// and every draw comes from a client node's own random stream.
type workload struct {
	spec      WorkloadSpec
	groups    [][]checkers.GroupAccount
	setupDone bool
	nextID    uint64
	pending   [][]reservation     // per group: reservations clients have made
	simple    [][]ledger.ID       // per group: some single-phase transfer IDs
	acked     [][]ledger.Transfer // per group: some acknowledged single-phase transfers
	reusing   bool                // the operation drawn last reuses an acknowledged ID
	reserved  reservation         // the reservation drawn last
	whaled    []bool              // per group: a whale transfer was drawn
	// heldReservations are, per group, some reservations the ledger
	// acknowledged (whatever became of them since).
	heldReservations [][]ledger.ID
	history          *History
	// reply is the last reply decoded, its arrays reused from reply to
	// reply (all but its Results, which the history keeps).
	reply ledger.ReplyUnits
}

func newWorkload(spec WorkloadSpec) *workload {
	return &workload{spec: spec, groups: groupAccounts(spec.Groups), nextID: 1 << 20,
		pending: make([][]reservation, spec.Groups), simple: make([][]ledger.ID, spec.Groups),
		acked: make([][]ledger.Transfer, spec.Groups), whaled: make([]bool, spec.Groups),
		heldReservations: make([][]ledger.ID, spec.Groups), history: newHistory()}
}

// driver is one client's behaviour.
type driver struct {
	w       *workload
	index   int
	client  int // Porcupine client ID
	current checkers.LedgerInput
	intent  int // the intent current carries out; -1 for a lookup
	setup   bool
	retry   []resubmission // unknown operations to submit again
	// captureOf, when set, is a reservation this client made (in group
	// captureGroup) and settles with its next operation.
	captureOf    *reservation
	captureGroup int
	due          time.Duration // open loop: when the next request is due
	// opsLeft, for a batch job's driver, is how many more operations it
	// submits before it stops; -1 for a client that runs to the end.
	opsLeft int
}

// resubmission is an operation whose outcome stayed unknown, kept to be
// submitted again: the same intent, under the same transfer IDs.
type resubmission struct {
	input  checkers.LedgerInput
	intent int
}

func (w *workload) driver(index int) *driver {
	return &driver{w: w, index: index, client: w.history.newClientID(), opsLeft: -1}
}

// batchDriver drives a batch job: a client that joins late, submits ops
// operations and leaves, its session left idle in the replicas' table.
func (w *workload) batchDriver(index, ops int) *driver {
	d := w.driver(index)
	d.opsLeft = ops
	return d
}

// Next implements cluster.Driver.
func (d *driver) Next(c *cluster.Client) ([]byte, time.Duration, bool) {
	now := time.Duration(c.Now())
	if now >= d.w.spec.StopAt || d.opsLeft == 0 {
		return nil, 0, false
	}
	if !d.w.setupDone {
		if d.index != 0 {
			return nil, 20 * time.Millisecond, true
		}
		d.setup = true
		return ledger.EncodeCommand(d.w.setupCommand()), 0, true
	}
	rng := c.Env().Rand()
	if d.opsLeft > 0 {
		d.opsLeft--
	}
	if n := len(d.retry); n > 0 && rng.Float64() < 0.5 {
		d.current, d.intent, d.retry = d.retry[n-1].input, d.retry[n-1].intent, d.retry[:n-1]
	} else if r := d.captureOf; r != nil {
		d.captureOf = nil
		d.current = checkers.LedgerInput{Group: d.captureGroup, Transfers: []ledger.Transfer{d.w.capture(rng, *r)}}
		d.intent = d.w.history.newIntent(d.current.Transfers)
	} else {
		d.current = d.w.nextOperation(rng)
		d.intent = -1 // a reused ID is no new intent, and it must not take the old one's place
		if !d.w.reusing {
			d.intent = d.w.history.newIntent(d.current.Transfers)
		}
		if ts := d.current.Transfers; len(ts) == 1 && ts[0].Flags&ledger.Pending != 0 && ts[0].Timeout != 0 && rng.IntN(2) == 0 {
			r := d.w.reserved
			d.captureOf, d.captureGroup = &r, d.current.Group // a timed reservation is captured by the next operation, half the time
		}
	}
	if d.captureOf != nil {
		return d.w.encode(d.current), 0, true // the capture follows the reservation's answer at once
	}
	return d.w.encode(d.current), d.pause(rng, now), true
}

// pause is how long to wait before the next request: a think time after
// the last completion in a closed loop, or until the next arrival is due in
// an open one.
func (d *driver) pause(rng *rand.Rand, now time.Duration) time.Duration {
	gap := d.w.thinkTime(rng, now)
	if !d.w.spec.OpenLoop {
		return gap
	}
	d.due = max(d.due, now-gap) + gap // arrivals keep their own rhythm
	return max(d.due-now, 0)
}

// Completed implements cluster.Driver.
func (d *driver) Completed(c *cluster.Client, op *cluster.Op) {
	if d.setup {
		d.setup = false
		if op.Outcome == cluster.OutcomeOK {
			if rep, err := ledger.DecodeReply(op.Result); err == nil {
				d.w.history.countResults(rep.Results)
				if allSucceeded(rep.Results) {
					d.w.setupDone = true
				}
			}
		}
		return
	}
	if op.Reason == client.ReasonSessionExpired {
		d.w.history.SessionsExpired++
	}
	out := checkers.LedgerOutput{Unknown: op.Outcome != cluster.OutcomeOK}
	if op.Outcome == cluster.OutcomeFailed {
		d.w.history.Failed++
		return // definitely not applied (never sent): not part of the history, nor a submission
	}
	if !out.Unknown {
		rep, err := d.w.decodeReply(op.Result)
		if err != nil {
			out.Unknown = true // a garbled answer tells nothing
		} else {
			out.Results, out.Timestamp = rep.Results, rep.Timestamp
			switch {
			case len(d.current.TransferIDs) > 0:
				out.Found = found(d.current.TransferIDs, rep.Transfers)
			case len(d.current.Transfers) == 0 && len(d.current.Accounts) == 0:
				out.Balances, out.Closed = d.w.balancesOf(d.current.Group, rep.Accounts)
			}
			d.w.history.countResults(rep.Results)
			d.w.noteAcked(d.current, rep.Results)
		}
	}
	d.w.history.record(d.client, d.current, out, time.Duration(op.Invoked), time.Duration(op.Completed))
	if d.intent >= 0 {
		in := &d.w.history.Intents[d.intent]
		in.Record(checkers.SubmissionStatus(!out.Unknown, out.Results, len(in.Transfers)))
	}
	if out.Unknown {
		d.client = d.w.history.newClientID()
		if d.intent >= 0 && c.Env().Rand().Float64() < d.w.spec.RetryUnknownShare {
			d.retry = append(d.retry, resubmission{input: d.current, intent: d.intent})
		}
	}
}

func allSucceeded(rs []ledger.Result) bool {
	for _, r := range rs {
		if !r.Succeeded() {
			return false
		}
	}
	return len(rs) > 0
}

func (w *workload) setupCommand() ledger.Command {
	cmd := ledger.Command{Op: ledger.OpCreateAccounts}
	for _, g := range w.groups {
		for _, a := range g {
			cmd.Accounts = append(cmd.Accounts, ledger.Account{ID: a.ID, Ledger: USD.ID, Code: 1, Flags: a.Flags})
		}
	}
	return cmd
}

func (w *workload) encode(in checkers.LedgerInput) []byte {
	if len(in.Accounts) > 0 {
		return ledger.EncodeCommand(ledger.Command{Op: ledger.OpCreateAccounts, Accounts: in.Accounts})
	}
	if len(in.TransferIDs) > 0 {
		return ledger.EncodeCommand(ledger.Command{Op: ledger.OpLookupTransfers, IDs: in.TransferIDs})
	}
	if len(in.Transfers) == 0 {
		ids := make([]ledger.ID, 0, len(w.groups[in.Group]))
		for _, a := range w.groups[in.Group] {
			ids = append(ids, a.ID)
		}
		return ledger.EncodeCommand(ledger.Command{Op: ledger.OpLookupAccounts, IDs: ids})
	}
	for _, t := range in.Transfers {
		if _, again := w.history.Submitted[t.ID]; !again { // a reused ID keeps its first submission
			w.history.Submitted[t.ID] = t
		}
	}
	return ledger.EncodeCommand(ledger.Command{Op: ledger.OpCreateTransfers, Transfers: in.Transfers})
}

// decodeReply reads a reply with its amounts in units, into w.reply (the
// result is valid until the next call). A reply whose amounts are not
// whole USD units (no ledger at USD's scale sends one) is read through
// decimals instead, and converted as checkers.UnitsOf converts, so that
// what the history records never depends on which path read it.
func (w *workload) decodeReply(b []byte) (*ledger.ReplyUnits, error) {
	if err := ledger.DecodeReplyUnits(b, USD.Scale, &w.reply); err == nil {
		return &w.reply, nil
	}
	rep, err := ledger.DecodeReply(b)
	if err != nil {
		return nil, err
	}
	w.reply = ledger.ReplyUnits{Results: rep.Results, Timestamp: rep.Timestamp}
	for _, a := range rep.Accounts {
		w.reply.Accounts = append(w.reply.Accounts, ledger.AccountUnits{ID: a.ID, Ledger: a.Ledger, Code: a.Code,
			Flags: a.Flags, Timestamp: a.Timestamp, Balances: [4]ledger.UnitsAmount{
				unitsAmountOf(a.DebitsPending), unitsAmountOf(a.DebitsPosted),
				unitsAmountOf(a.CreditsPending), unitsAmountOf(a.CreditsPosted)}})
	}
	for _, t := range rep.Transfers {
		w.reply.Transfers = append(w.reply.Transfers, ledger.TransferUnits{ID: t.ID, Amount: unitsAmountOf(t.Amount)})
	}
	return &w.reply, nil
}

// unitsAmountOf converts a decimal as checkers.UnitsOf does, at USD's scale.
func unitsAmountOf(d decimal.Decimal) ledger.UnitsAmount {
	u := checkers.UnitsOf(d, USD.Scale)
	return ledger.UnitsAmount{Hi: u.Hi, Lo: u.Lo}
}

// unitsOf is an amount the ledger reported, as the checkers count it.
func unitsOf(a ledger.UnitsAmount) checkers.Units { return checkers.Units{Hi: a.Hi, Lo: a.Lo} }

// found lays a transfer lookup's answer out in the order of ids: each
// transfer's amount in units, where the ledger has one.
func found(ids []ledger.ID, transfers []ledger.TransferUnits) []checkers.FoundTransfer {
	out := make([]checkers.FoundTransfer, len(ids))
	for i, id := range ids {
		for _, t := range transfers {
			if t.ID == id {
				out[i] = checkers.FoundTransfer{OK: true, Amount: unitsOf(t.Amount)}
			}
		}
	}
	return out
}

// balancesOf lays a lookup's accounts out in the group's order, in units,
// with the closed ones as bits.
func (w *workload) balancesOf(group int, accounts []ledger.AccountUnits) ([][4]checkers.Units, uint32) {
	out := make([][4]checkers.Units, len(w.groups[group]))
	var closed uint32
	for _, a := range accounts {
		for i, ga := range w.groups[group] {
			if ga.ID == a.ID {
				out[i] = [4]checkers.Units{unitsOf(a.Balances[0]), unitsOf(a.Balances[1]),
					unitsOf(a.Balances[2]), unitsOf(a.Balances[3])}
				if a.Flags&ledger.Closed != 0 {
					closed |= 1 << i
				}
			}
		}
	}
	return out, closed
}

func (w *workload) thinkTime(rng *rand.Rand, now time.Duration) time.Duration {
	mean := w.spec.ThinkTime
	for _, b := range w.spec.Bursts {
		if now >= b.From && now < b.To {
			mean /= time.Duration(b.Factor)
		}
	}
	if mean <= 0 {
		return 0
	}
	return time.Duration(rng.Int64N(int64(2 * mean)))
}

// noteAcked keeps a few acknowledged single-phase transfers per group, for
// resubmissions under their IDs with a field changed, and a few
// acknowledged reservations, for settlements with one defect.
func (w *workload) noteAcked(in checkers.LedgerInput, results []ledger.Result) {
	if len(in.Transfers) != 1 || len(results) != 1 || results[0] != ledger.Ok {
		return
	}
	t := in.Transfers[0]
	switch g := in.Group; {
	case t.Flags&ledger.Pending != 0 && len(w.heldReservations[g]) < simpleKept:
		w.heldReservations[g] = append(w.heldReservations[g], t.ID)
	case t.Flags == 0 && t.PendingID.IsZero() && len(w.acked[g]) < simpleKept:
		w.acked[g] = append(w.acked[g], t)
	}
}
