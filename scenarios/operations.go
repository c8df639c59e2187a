package scenarios

import (
	"math/big"
	"math/rand/v2"
	"time"

	"github.com/shopspring/decimal"

	"github.com/faultline/faultline/checkers"
	"github.com/faultline/faultline/ledger"
)

// units is d in USD's smallest units, truncated toward zero: what
// d.Shift(scale).IntPart() returns, without its copy of the coefficient
// (math/big) for the everyday amount, whose coefficient has at most 14
// digits (15 if NumDigits, through a float64 logarithm, counts one short)
// at an exponent at most 3 below whole units: that times 10^3 fits int64.
func units(d decimal.Decimal) int64 {
	if shift := int(d.Exponent()) + int(USD.Scale); shift >= 0 && shift < len(unitsShift) && d.NumDigits() <= 14 {
		return d.CoefficientInt64() * unitsShift[shift]
	}
	return d.Shift(int32(USD.Scale)).IntPart()
}

// unitsShift are the powers of ten units' fast path multiplies by.
var unitsShift = [...]int64{1, 10, 100, 1000}

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
		if rng.IntN(16) == 0 {
			t = w.whale(rng, g)
		}
		if len(w.simple[g]) < simpleKept {
			w.simple[g] = append(w.simple[g], t.ID)
		}
		in.Transfers = []ledger.Transfer{t}
	case pick < m.Simple+m.Pending:
		in.Transfers = []ledger.Transfer{w.reserve(rng, g)}
	case pick < m.Simple+m.Pending+m.Settle:
		in.Transfers = []ledger.Transfer{w.settle(rng, g)}
	case pick < m.Simple+m.Pending+m.Settle+m.Linked:
		in.Transfers = w.chain(rng, g)
	case pick < m.Simple+m.Pending+m.Settle+m.Linked+m.Lookup:
		if rng.IntN(4) == 0 {
			in.TransferIDs = w.transferIDs(rng, g)
		} // else no transfers: a lookup of the group's accounts
	case rng.IntN(5) == 0:
		in.Accounts = []ledger.Account{w.invalidAccount(rng, g)}
		if rng.IntN(4) == 0 {
			// a valid new account linked to the refused one: created, then
			// rolled back with the chain
			w.nextID++
			valid := ledger.Account{ID: ledger.IDFromUint64(1<<45 + w.nextID), Ledger: USD.ID, Code: 1, Flags: ledger.AccountLinked}
			in.Accounts = append([]ledger.Account{valid}, in.Accounts...)
		}
	default:
		in.Transfers = []ledger.Transfer{w.invalid(rng, g)}
	}
	return in
}

// chain is a linked chain of two events, all or nothing: two transfers;
// or a post or void and a transfer (a settlement rolled back when the
// transfer fails); or two reservations with timeouts that fall due at the
// same nanosecond (expired in the ledger's order for ties; and when the
// chain fails, an expiry left behind for a reservation that was never
// kept).
func (w *workload) chain(rng *rand.Rand, g int) []ledger.Transfer {
	switch rng.IntN(6) {
	case 0:
		a := w.settle(rng, g)
		a.Flags |= ledger.Linked
		return []ledger.Transfer{a, w.transfer(rng, g, 0)}
	case 1:
		a, b := w.transfer(rng, g, ledger.Pending|ledger.Linked), w.transfer(rng, g, ledger.Pending)
		a.Timeout, b.Timeout = 3, 2 // b is stamped one after a: the same deadline
		w.pending[g] = append(w.pending[g], reservation{id: a.ID, cents: units(a.Amount)},
			reservation{id: b.ID, cents: units(b.Amount)})
		return []ledger.Transfer{a, b}
	}
	return []ledger.Transfer{w.transfer(rng, g, ledger.Linked), w.transfer(rng, g, 0)}
}

// transferIDs picks one to four transfers of group g to look up: its
// reservations and single-phase transfers (sent, whatever became of them),
// and now and then an ID nobody used.
func (w *workload) transferIDs(rng *rand.Rand, g int) []ledger.ID {
	n := 1 + rng.IntN(4)
	ids := make([]ledger.ID, 0, n)
	for range n {
		switch p, s := w.pending[g], w.simple[g]; {
		case len(p) > 0 && rng.IntN(2) == 0:
			ids = append(ids, p[rng.IntN(len(p))].id)
		case len(s) > 0 && rng.IntN(4) != 0:
			ids = append(ids, s[rng.IntN(len(s))])
		default:
			ids = append(ids, ledger.IDFromUint64(1<<40)) // never used
		}
	}
	return ids
}

// reserve makes a reservation (a pending transfer). Half have a timeout:
// a quarter of a few nanoseconds of ledger time, so that it expires at the
// very next batch, stamped at or just after its deadline (where an
// off-by-one in expiry shows), a sixth of tens of milliseconds to a second,
// which clock skew and failovers stretch or shrink. A twelfth close the
// group's closable account while they are pending (and for good if
// posted), for 10-200 ms, so that the account opens again if nobody
// settles them.
func (w *workload) reserve(rng *rand.Rand, g int) ledger.Transfer {
	t := w.transfer(rng, g, ledger.Pending)
	r := reservation{id: t.ID}
	roll := rng.IntN(24)
	switch {
	case roll < 2:
		accounts := w.groups[g]
		closable, other := accounts[closableAccount].ID, accounts[rng.IntN(closableAccount)].ID
		if rng.IntN(2) == 0 {
			t.DebitAccountID, t.CreditAccountID, t.Flags = closable, other, t.Flags|ledger.CloseDebit
		} else {
			t.DebitAccountID, t.CreditAccountID, t.Flags = other, closable, t.Flags|ledger.CloseCredit
		}
		// a closing that lasts 10-200 ms: the account is closed a few
		// per cent of the time, not most of it
		t.Timeout, r.closing = uint64(10*time.Millisecond)+uint64(rng.Int64N(int64(190*time.Millisecond))), true
	case roll < 8:
		t.Timeout = 1 + uint64(rng.IntN(3))
	case roll < 12:
		t.Timeout = timeoutLong(rng)
		if rng.IntN(16) == 0 {
			t.Timeout = 1<<64 - 1 - uint64(rng.Int64N(1000)) // never due: the deadline saturates
		}
	}
	r.cents = units(t.Amount)
	w.pending[g] = append(w.pending[g], r)
	w.reserved = r
	return t
}

// timeoutLong is a reservation's timeout of 20 ms to 1 s, in nanoseconds
// of ledger time.
func timeoutLong(rng *rand.Rand) uint64 {
	return uint64(20*time.Millisecond) + uint64(rng.Int64N(int64(980*time.Millisecond)))
}

// invalidAccount is an account creation refused on one field of its own,
// or under the ID of one of the group's accounts (never the closable one,
// whose flags change), with or without a field changed.
func (w *workload) invalidAccount(rng *rand.Rand, g int) ledger.Account {
	w.nextID++
	a := ledger.Account{ID: ledger.IDFromUint64(1<<45 + w.nextID), Ledger: USD.ID, Code: 1}
	switch rng.IntN(14) {
	case 0:
		a.Timestamp = 1
	case 1:
		a.ID = ledger.ID{}
	case 2:
		a.Flags = 1 << 10 // no such flag
	case 3:
		a.Flags = ledger.DebitsMustNotExceedCredits | ledger.CreditsMustNotExceedDebits
	case 4:
		a.DebitsPending = amountOf(1 + rng.Int64N(5000))
	case 5:
		a.DebitsPosted = amountOf(1 + rng.Int64N(5000))
	case 6:
		a.CreditsPending = amountOf(1 + rng.Int64N(5000))
	case 7:
		a.CreditsPosted = amountOf(1 + rng.Int64N(5000))
	case 8:
		a.Ledger = 0
	case 9:
		a.Ledger = 9 // no such ledger
	case 10:
		a.Code = 0
	default:
		e := w.groups[g][rng.IntN(closableAccount)]
		a.ID, a.Flags = e.ID, e.Flags
		switch rng.IntN(4) {
		case 0:
			a.Flags ^= ledger.Closed
		case 1:
			a.Ledger = EUR.ID
		case 2:
			a.Code = 2
		}
	}
	return a
}

func (w *workload) transfer(rng *rand.Rand, g int, flags ledger.TransferFlags) ledger.Transfer {
	accounts := w.groups[g]
	d := rng.IntN(len(accounts))
	c := (d + 1 + rng.IntN(len(accounts)-1)) % len(accounts)
	w.nextID++
	return ledger.Transfer{ID: ledger.IDFromUint64(w.nextID), DebitAccountID: accounts[d].ID,
		CreditAccountID: accounts[c].ID, Amount: amountOf(1 + rng.Int64N(5000)), Ledger: USD.ID, Code: 1, Flags: flags}
}

// whale is a transfer of 2^62 to 2^66 units between the group's two
// accounts without limits (its first and its closable one), so that their
// balances pass 2^64 and every sum carries into the high word of the
// ledger's 128-bit amounts; one in eight is within a thousand units of
// 2^128, which the ledger must refuse as an overflow once the accounts hold
// anything (the group's earlier whales see to that).
func (w *workload) whale(rng *rand.Rand, g int) ledger.Transfer {
	t := w.transfer(rng, g, 0)
	accounts := w.groups[g]
	t.DebitAccountID, t.CreditAccountID = accounts[0].ID, accounts[closableAccount].ID
	if rng.IntN(2) == 0 {
		t.DebitAccountID, t.CreditAccountID = t.CreditAccountID, t.DebitAccountID
	}
	v := new(big.Int).SetUint64(rng.Uint64()>>2 | 1<<62) // 2^62 .. 2^64
	v.Lsh(v, uint(rng.IntN(3)))                          // .. 2^66
	if w.whaled[g] && rng.IntN(8) == 0 {
		v.Lsh(big.NewInt(1), 128).Sub(v, big.NewInt(1+rng.Int64N(1000)))
	}
	w.whaled[g] = true
	t.Amount = decimal.NewFromBigInt(v, -int32(USD.Scale))
	return t
}

// reservation is a pending transfer a client made: its ID and amount, and
// whether it closes an account.
type reservation struct {
	id      ledger.ID
	cents   int64
	closing bool
}

// settle posts or voids a reservation some client made, possibly one
// already settled (the ledger must say so). Most posts take the whole
// reservation (amount zero); some post less, which releases the rest; a
// few ask for more than was reserved, and a few voids name an amount other
// than the reservation's, both of which the ledger refuses.
func (w *workload) settle(rng *rand.Rand, g int) ledger.Transfer {
	t := w.newSettlement(rng)
	p := w.pending[g]
	if len(p) == 0 {
		t.PendingID = ledger.IDFromUint64(1 << 40) // never created: not found
		return t
	}
	return w.settleOf(rng, t, p[rng.IntN(len(p))])
}

// newSettlement is a post (two in three) or a void under a fresh ID, of
// no reservation yet.
func (w *workload) newSettlement(rng *rand.Rand) ledger.Transfer {
	w.nextID++
	t := ledger.Transfer{ID: ledger.IDFromUint64(w.nextID), Flags: ledger.PostPending}
	if rng.IntN(3) == 0 {
		t.Flags = ledger.VoidPending
	}
	return t
}

// capture settles reservation r at once, as a card payment is captured
// right after its authorisation: a reservation with a timeout of a few
// nanoseconds is then settled by the very next batch, which ledger time
// that stalls (a new leader whose clock is behind) stamps at its deadline.
func (w *workload) capture(rng *rand.Rand, r reservation) ledger.Transfer {
	t := w.newSettlement(rng)
	return w.settleOf(rng, t, r)
}

// settleOf makes t a post or void of reservation r, with the amount the
// settle's roll gives it.
func (w *workload) settleOf(rng *rand.Rand, t ledger.Transfer, r reservation) ledger.Transfer {
	t.PendingID = r.id
	if r.closing && rng.IntN(10) != 0 {
		t.Flags = ledger.VoidPending // most closings are undone: a posted one closes its account for good
	}
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
	// Cases 21 and up (a third) are settlements with one defect: they
	// have about as many codes to reach as the rest.
	switch rng.IntN(31) {
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
	case 20:
		t.Ledger = EUR.ID // a ledger neither account is on
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
	if held := w.heldReservations[g]; len(held) > 0 && rng.IntN(4) != 0 {
		// a reservation the ledger acknowledged, so that the defect, not
		// an unknown pending ID, is what the ledger answers
		t.PendingID = held[rng.IntN(len(held))]
	}
	t.Amount = decimal.Zero
	accounts := w.groups[g]
	if simple := w.simple[g]; len(simple) > 0 && rng.IntN(6) == 0 {
		t.PendingID = simple[rng.IntN(len(simple))] // not a reservation
		return t
	}
	switch rng.IntN(9) {
	case 7:
		t.Amount = decimal.New(-1-rng.Int64N(100), -2) // negative
	case 8:
		t.Amount = decimal.New(1+rng.Int64N(9), -3) // finer than the ledger's scale
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
