package scenarios

import (
	"math/rand/v2"

	"github.com/shopspring/decimal"

	"github.com/faultline/faultline/checkers"
	"github.com/faultline/faultline/ledger"
)

func units(d decimal.Decimal) int64 { return d.Shift(int32(USD.Scale)).IntPart() }

func (w *workload) pickGroup(rng *rand.Rand) int {
	if w.spec.HotGroupShare > 0 && rng.Float64() < w.spec.HotGroupShare {
		return 0
	}
	return rng.IntN(len(w.groups))
}

// simpleKept bounds the single-phase transfer IDs kept per group, for
// settlements that wrongly name one.
const simpleKept = 64

// nextOperation draws one operation by the mix.
func (w *workload) nextOperation(rng *rand.Rand) checkers.LedgerInput {
	w.reusing = false
	g := w.pickGroup(rng)
	in := checkers.LedgerInput{Group: g}
	m := w.spec.Mix
	pick := rng.IntN(m.total())
	switch {
	case pick < m.Simple:
		t := w.transfer(rng, g, 0)
		if len(w.simple[g]) < simpleKept {
			w.simple[g] = append(w.simple[g], t.ID)
		}
		in.Transfers = []ledger.Transfer{t}
	case pick < m.Simple+m.Pending:
		t := w.transfer(rng, g, ledger.Pending)
		w.pending[g] = append(w.pending[g], reservation{id: t.ID, cents: units(t.Amount)})
		in.Transfers = []ledger.Transfer{t}
	case pick < m.Simple+m.Pending+m.Settle:
		in.Transfers = []ledger.Transfer{w.settle(rng, g)}
	case pick < m.Simple+m.Pending+m.Settle+m.Linked:
		a, b := w.transfer(rng, g, ledger.Linked), w.transfer(rng, g, 0)
		in.Transfers = []ledger.Transfer{a, b}
	case pick < m.Simple+m.Pending+m.Settle+m.Linked+m.Lookup:
		// no transfers: a lookup of the group
	default:
		in.Transfers = []ledger.Transfer{w.invalid(rng, g)}
	}
	return in
}

func (w *workload) transfer(rng *rand.Rand, g int, flags ledger.TransferFlags) ledger.Transfer {
	accounts := w.groups[g]
	d := rng.IntN(len(accounts))
	c := (d + 1 + rng.IntN(len(accounts)-1)) % len(accounts)
	w.nextID++
	return ledger.Transfer{ID: ledger.IDFromUint64(w.nextID), DebitAccountID: accounts[d].ID,
		CreditAccountID: accounts[c].ID, Amount: amountOf(1 + rng.Int64N(5000)), Ledger: USD.ID, Code: 1, Flags: flags}
}

// reservation is a pending transfer a client made: its ID and amount.
type reservation struct {
	id    ledger.ID
	cents int64
}

// settle posts or voids a reservation some client made, possibly one
// already settled (the ledger must say so). Most posts take the whole
// reservation (amount zero); some post less, which releases the rest; a
// few ask for more than was reserved, and a few voids name an amount other
// than the reservation's, both of which the ledger refuses.
func (w *workload) settle(rng *rand.Rand, g int) ledger.Transfer {
	w.nextID++
	t := ledger.Transfer{ID: ledger.IDFromUint64(w.nextID), Flags: ledger.PostPending}
	if rng.IntN(3) == 0 {
		t.Flags = ledger.VoidPending
	}
	p := w.pending[g]
	if len(p) == 0 {
		t.PendingID = ledger.IDFromUint64(1 << 40) // never created: not found
		return t
	}
	r := p[rng.IntN(len(p))]
	t.PendingID = r.id
	switch roll := rng.IntN(10); {
	case t.Flags == ledger.PostPending && roll < 3 && r.cents > 1:
		t.Amount = amountOf(1 + rng.Int64N(r.cents-1)) // a partial post
	case t.Flags == ledger.PostPending && roll == 3:
		t.Amount = amountOf(r.cents + 1 + rng.Int64N(100)) // more than reserved
	case t.Flags == ledger.VoidPending && roll == 3:
		t.Amount = amountOf(r.cents + 1) // not the reserved amount
	case roll == 4:
		t.Amount = amountOf(r.cents) // the whole reservation, spelled out
	}
	return t
}

// invalid is a transfer with exactly one defect, so that the result the
// ledger owes it does not depend on the order of its checks beyond the
// first that fails. Its ID is fresh (except for the zero-ID defect), so a
// resubmission finds nothing stored and is refused the same way.
func (w *workload) invalid(rng *rand.Rand, g int) ledger.Transfer {
	t := w.transfer(rng, g, 0)
	nowhere := ledger.IDFromUint64(1<<44 + w.nextID) // an account no group has
	if acked := w.acked[g]; len(acked) > 0 && rng.IntN(4) == 0 {
		return w.reuse(rng, g, acked[rng.IntN(len(acked))])
	}
	switch rng.IntN(22) {
	case 0:
		t.ID = ledger.ID{}
	case 1:
		t.Flags = ledger.Pending | ledger.VoidPending
	case 2:
		t.Flags = ledger.CloseDebit // closing needs a reservation
	case 3:
		t.CreditAccountID = t.DebitAccountID
	case 4:
		t.PendingID = ledger.IDFromUint64(1 << 40)
	case 5:
		t.Timeout = 60 // timeouts are for reservations only
	case 6:
		t.Ledger = 0
	case 7:
		t.Ledger = 9 // no such ledger
	case 8:
		t.Code = 0
	case 9:
		t.Amount = decimal.New(-t.Amount.Shift(2).IntPart(), -2)
	case 10:
		t.Amount = decimal.New(1+rng.Int64N(999), -3) // finer than cents
		if t.Amount.Shift(2).Equal(t.Amount.Shift(2).Truncate(0)) {
			t.Amount = decimal.New(5, -3)
		}
	case 11:
		t.Amount = decimal.New(1, 40) // beyond 2^128 cents
	case 12:
		t.Amount = decimal.Zero
	case 13:
		t.DebitAccountID = nowhere
	case 14:
		t.CreditAccountID = nowhere
	case 15:
		t.DebitAccountID = ledger.ID{}
	case 16:
		t.CreditAccountID = ledger.ID{}
	case 17:
		t.Flags = 1 << 12 // no such flag
	case 18:
		t.Timestamp = 1 // the cluster stamps time, not the client
	case 19:
		t.Flags = ledger.Linked // a chain that never closes
	default:
		return w.invalidSettle(rng, g)
	}
	return t
}

// reuse resubmits an acknowledged transfer's ID with one field changed:
// the ledger must answer with the first field that differs, and change
// nothing. It carries out no intent of its own.
func (w *workload) reuse(rng *rand.Rand, g int, t ledger.Transfer) ledger.Transfer {
	w.reusing = true
	accounts := w.groups[g]
	switch rng.IntN(8) {
	case 0:
		t.Flags |= ledger.Pending
	case 1:
		t.DebitAccountID = accounts[rng.IntN(len(accounts))].ID // may be the same: then exists
	case 2:
		t.CreditAccountID = ledger.IDFromUint64(1<<44 + 1)
	case 3:
		t.Amount = t.Amount.Add(decimal.New(1, -2))
	case 4:
		t.PendingID = ledger.IDFromUint64(1 << 40)
	case 5:
		t.Ledger = 9
	case 6:
		t.Code++
	case 7:
		t.Timeout = 60
	}
	return t
}

// invalidSettle is a post or void with one defect against a reservation.
func (w *workload) invalidSettle(rng *rand.Rand, g int) ledger.Transfer {
	t := w.settle(rng, g)
	t.Amount = decimal.Zero
	accounts := w.groups[g]
	if simple := w.simple[g]; len(simple) > 0 && rng.IntN(6) == 0 {
		t.PendingID = simple[rng.IntN(len(simple))] // not a reservation
		return t
	}
	switch rng.IntN(7) {
	case 0:
		t.PendingID = ledger.ID{}
	case 1:
		t.PendingID = t.ID
	case 2:
		t.DebitAccountID = accounts[rng.IntN(len(accounts))].ID // may differ from the reservation's
	case 3:
		t.Code = 7
	case 4:
		t.Timeout = 60
	case 5:
		t.CreditAccountID = accounts[rng.IntN(len(accounts))].ID
	case 6:
		t.Ledger = 9
	}
	return t
}
