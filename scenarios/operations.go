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

// nextOperation draws one operation by the mix.
func (w *workload) nextOperation(rng *rand.Rand) checkers.LedgerInput {
	g := w.pickGroup(rng)
	in := checkers.LedgerInput{Group: g}
	m := w.spec.Mix
	pick := rng.IntN(m.Simple + m.Pending + m.Settle + m.Linked + m.Lookup)
	switch {
	case pick < m.Simple:
		in.Transfers = []ledger.Transfer{w.transfer(rng, g, 0)}
	case pick < m.Simple+m.Pending:
		t := w.transfer(rng, g, ledger.Pending)
		w.pending[g] = append(w.pending[g], t.ID)
		in.Transfers = []ledger.Transfer{t}
	case pick < m.Simple+m.Pending+m.Settle:
		in.Transfers = []ledger.Transfer{w.settle(rng, g)}
	case pick < m.Simple+m.Pending+m.Settle+m.Linked:
		a, b := w.transfer(rng, g, ledger.Linked), w.transfer(rng, g, 0)
		in.Transfers = []ledger.Transfer{a, b}
	}
	return in // no transfers: a lookup of the group
}

func (w *workload) transfer(rng *rand.Rand, g int, flags ledger.TransferFlags) ledger.Transfer {
	accounts := w.groups[g]
	d := rng.IntN(len(accounts))
	c := (d + 1 + rng.IntN(len(accounts)-1)) % len(accounts)
	w.nextID++
	return ledger.Transfer{ID: ledger.IDFromUint64(w.nextID), DebitAccountID: accounts[d].ID,
		CreditAccountID: accounts[c].ID, Amount: amountOf(1 + rng.Int64N(5000)), Ledger: USD.ID, Code: 1, Flags: flags}
}

// settle posts or voids a reservation some client made, possibly one
// already settled (the ledger must say so).
func (w *workload) settle(rng *rand.Rand, g int) ledger.Transfer {
	w.nextID++
	t := ledger.Transfer{ID: ledger.IDFromUint64(w.nextID), Flags: ledger.PostPending}
	if rng.IntN(3) == 0 {
		t.Flags = ledger.VoidPending
	}
	if p := w.pending[g]; len(p) > 0 {
		t.PendingID = p[rng.IntN(len(p))]
	} else {
		t.PendingID = ledger.IDFromUint64(1 << 40) // never created: not found
	}
	return t
}
