package checkers

import (
	"math/big"

	"github.com/shopspring/decimal"

	"github.com/faultline/faultline/ledger"
)

// applyBatch applies a batch stamped base (0: unknown) by the ledger's
// rules for the subset the workload uses, chains all-or-none, and returns
// the results, in dst's array if it has room. Event i is stamped base+i.
func (s *groupState) applyBatch(dst []ledger.Result, ts []ledger.Transfer, base uint64, scale uint8) []ledger.Result {
	// A batch at an unknown time leaves the floor where it was, although it
	// took timestamps after it: whether it ran before or after a batch of
	// known time must lead to equal states, or the search could not merge
	// the orders of operations that commute (and would walk each of them).
	// Checking less is sound; the next known time moves the floor again.
	defer func() {
		if base != 0 {
			s.floor = base + uint64(len(ts)) - 1
		}
	}()
	at := func(i int) uint64 {
		if base == 0 {
			return 0
		}
		return base + uint64(i)
	}
	results := sized(dst, len(ts))
	for i := 0; i < len(ts); {
		end := i
		for end < len(ts) && ts[end].Flags&ledger.Linked != 0 {
			end++
		}
		if end == len(ts) && end > i {
			for j := i; j < len(ts); j++ {
				results[j] = ledger.LinkedEventFailed
			}
			results[len(ts)-1] = ledger.LinkedEventChainOpen
			break
		}
		if end == i {
			results[i] = s.apply(&ts[i], at(i), i, scale)
			i++
			continue
		}
		trial, failed := s.clone(), -1
		for j := i; j <= end && failed < 0; j++ {
			if results[j] = trial.apply(&ts[j], at(j), j, scale); results[j] != ledger.Ok {
				failed = j
			}
		}
		if failed < 0 {
			*s = *trial
		} else {
			for j := i; j <= end; j++ {
				if j != failed {
					results[j] = ledger.LinkedEventFailed
				}
			}
		}
		i = end + 1
	}
	return results
}

// sized returns n zero results in dst's array, or in a new one if it has
// no room.
func sized(dst []ledger.Result, n int) []ledger.Result {
	if cap(dst) < n {
		return make([]ledger.Result, n)
	}
	out := dst[:n]
	clear(out)
	return out
}

// find returns the transfer applied with id, if any.
func (s *groupState) find(id ledger.ID) (*modelTransfer, bool) {
	for n := s.created; n != nil; n = n.next {
		if n.t.id == id {
			return &n.t, true
		}
	}
	return nil, false
}

// status returns a reservation's state: the latest settlement, or pending.
func (s *groupState) status(t *modelTransfer) uint8 {
	if !t.pending {
		return tsFinal
	}
	for n := s.settled; n != nil; n = n.next {
		if n.pendingID == t.id {
			return n.status
		}
	}
	return tsPending
}

func (s *groupState) insert(t modelTransfer) {
	s.created = &createdNode{t: t, next: s.created}
	h := idHash(t.id, 1)
	s.digest[0] ^= h[0]
	s.digest[1] ^= h[1]
}

func (s *groupState) settle1(id ledger.ID, status uint8) {
	s.settled = &settledNode{pendingID: id, status: status, next: s.settled}
	h := idHash(id, 2+uint64(status))
	s.digest[0] ^= h[0]
	s.digest[1] ^= h[1]
}

func (s *groupState) account(id ledger.ID) int {
	for i, a := range s.accounts {
		if a.ID == id {
			return i
		}
	}
	return -1
}

func units(t *ledger.Transfer, scale uint8) Units { return UnitsOf(t.Amount, scale) }

// shapeResult checks what needs no state, in the ledger's order: the
// timestamp the cluster sets, the ID, the flags.
func shapeResult(t *ledger.Transfer) ledger.Result {
	kinds := 0
	for _, f := range [...]ledger.TransferFlags{ledger.Pending, ledger.PostPending, ledger.VoidPending} {
		if t.Flags&f != 0 {
			kinds++
		}
	}
	switch {
	case t.Timestamp != 0:
		return ledger.TimestampMustBeZero
	case t.ID.IsZero():
		return ledger.IDMustNotBeZero
	case t.Flags&^knownTransferFlags != 0:
		return ledger.FlagsAreUnknown
	case kinds > 1:
		return ledger.FlagsAreMutuallyExclusive
	case t.Flags&(ledger.CloseDebit|ledger.CloseCredit) != 0 && t.Flags&ledger.Pending == 0:
		return ledger.CloseFlagsRequirePending
	}
	return ledger.Ok
}

// knownTransferFlags are the flags the ledger defines.
const knownTransferFlags = ledger.Linked | ledger.Pending | ledger.PostPending | ledger.VoidPending | ledger.CloseDebit | ledger.CloseCredit

// amountResult classifies an amount at the ledger's scale, by decimal
// arithmetic of its own rather than the ledger's 128-bit units: negative,
// finer than the scale, at or beyond 2^128 units, or zero where a zero
// means nothing.
func amountResult(t *ledger.Transfer, scale uint8, zeroAllowed bool) ledger.Result {
	if u, ok := unitsExact(t.Amount, scale); ok { // the everyday amount: whole, below 2^64 units
		if u.IsZero() && !zeroAllowed {
			return ledger.AmountMustBePositive
		}
		return ledger.Ok
	}
	shifted := t.Amount.Shift(int32(scale))
	switch {
	case t.Amount.Sign() < 0:
		return ledger.AmountMustNotBeNegative
	case !shifted.Equal(shifted.Truncate(0)):
		return ledger.AmountScaleExceedsLedger
	case shifted.Cmp(units128) >= 0:
		return ledger.Overflow
	case shifted.IsZero() && !zeroAllowed:
		return ledger.AmountMustBePositive
	}
	return ledger.Ok
}

// units128 is 2^128, the first amount in units the ledger cannot hold.
var units128 = decimal.NewFromBigInt(new(big.Int).Lsh(big.NewInt(1), 128), 0)

// newTransferResult checks a single-phase or pending transfer's fields in
// the ledger's order, before its accounts' balances.
func (s *groupState) newTransferResult(t *ledger.Transfer, scale uint8) ledger.Result {
	switch {
	case t.DebitAccountID.IsZero():
		return ledger.DebitAccountIDMustNotBeZero
	case t.CreditAccountID.IsZero():
		return ledger.CreditAccountIDMustNotBeZero
	case t.DebitAccountID == t.CreditAccountID:
		return ledger.AccountsMustBeDifferent
	case !t.PendingID.IsZero():
		return ledger.PendingIDReservedForPostOrVoid
	case t.Timeout != 0 && t.Flags&ledger.Pending == 0:
		return ledger.TimeoutReservedForPendingTransfer
	case t.Ledger == 0:
		return ledger.LedgerMustNotBeZero
	case t.Ledger != modelLedger && t.Ledger != modelOtherLedger:
		return ledger.LedgerNotFound
	case t.Code == 0:
		return ledger.CodeMustNotBeZero
	}
	if r := amountResult(t, scale, false); r != ledger.Ok {
		return r
	}
	switch {
	case s.account(t.DebitAccountID) < 0:
		return ledger.DebitAccountNotFound
	case s.account(t.CreditAccountID) < 0:
		return ledger.CreditAccountNotFound
	case t.Ledger != modelLedger:
		return ledger.LedgerMismatch // the groups' accounts are all on the model's ledger
	}
	return ledger.Ok
}

// existsResult answers an event under an ID already applied: exists if it
// is the same event, else the first field, in the ledger's order, that
// differs from what was requested then.
func existsResult(e *modelTransfer, t *ledger.Transfer, scale uint8) ledger.Result {
	switch {
	case e.flags != t.Flags&^ledger.Linked:
		return ledger.ExistsWithDifferentFlags
	case e.debit != t.DebitAccountID:
		return ledger.ExistsWithDifferentDebitAccountID
	case e.credit != t.CreditAccountID:
		return ledger.ExistsWithDifferentCreditAccountID
	case amountResult(t, scale, true) != ledger.Ok || e.amount != units(t, scale):
		return ledger.ExistsWithDifferentAmount
	case e.pendingID != t.PendingID:
		return ledger.ExistsWithDifferentPendingID
	case e.ledger != t.Ledger:
		return ledger.ExistsWithDifferentLedger
	case e.code != t.Code:
		return ledger.ExistsWithDifferentCode
	case e.timeout != t.Timeout:
		return ledger.ExistsWithDifferentTimeout
	}
	return ledger.Exists
}

// modelLedger is the ledger the model's accounts are on; modelOtherLedger
// exists too, with none of them.
const (
	modelLedger      = 1
	modelOtherLedger = 2
)

// apply runs one event. The workload's events are well formed or carry one
// deliberate defect each; the checks here are the ledger's, in its order,
// for every field the workload sets.
func (s *groupState) apply(t *ledger.Transfer, ts uint64, position int, scale uint8) ledger.Result {
	if r := shapeResult(t); r != ledger.Ok {
		return r
	}
	if e, ok := s.find(t.ID); ok {
		return existsResult(e, t, scale)
	}
	if t.Flags&(ledger.PostPending|ledger.VoidPending) != 0 {
		return s.settle(t, scale)
	}
	if r := s.newTransferResult(t, scale); r != ledger.Ok {
		return r
	}
	d, c := s.account(t.DebitAccountID), s.account(t.CreditAccountID)
	switch {
	case s.closed&(1<<d) != 0:
		return ledger.DebitAccountClosed
	case s.closed&(1<<c) != 0:
		return ledger.CreditAccountClosed
	}
	amount := units(t, scale)
	db, cb := &s.balances[d], &s.balances[c]
	if r := limitsResult(s.accounts[d].Flags, s.accounts[c].Flags, db, cb, amount); r != ledger.Ok {
		return r
	}
	rec := modelTransfer{id: t.ID, debit: t.DebitAccountID, credit: t.CreditAccountID, amount: amount, ledger: t.Ledger,
		code: t.Code, timeout: t.Timeout, flags: t.Flags &^ ledger.Linked}
	if t.Flags&ledger.Pending != 0 {
		db[0], cb[2] = db[0].Plus(amount), cb[2].Plus(amount)
		rec.pending = true
		if t.Flags&ledger.CloseDebit != 0 {
			s.closed |= 1 << d
		}
		if t.Flags&ledger.CloseCredit != 0 {
			s.closed |= 1 << c
		}
		if t.Timeout != 0 {
			s.addTimer(t.ID, t.Timeout, ts, position)
		}
	} else {
		db[1], cb[3] = db[1].Plus(amount), cb[3].Plus(amount)
	}
	s.insert(rec)
	return ledger.Ok
}

// limitsResult checks moving amount from an account with balances db and
// flags df to one with cb and cf, as the ledger does: the debit side's
// debits (pending, posted and this) and the credit side's credits must fit
// 128 bits, and each within its flagged limit.
func limitsResult(df, cf ledger.AccountFlags, db, cb *[4]Units, amount Units) ledger.Result {
	debits, o1 := db[0].Add(db[1])
	debits, o2 := debits.Add(amount)
	credits, o3 := cb[2].Add(cb[3])
	credits, o4 := credits.Add(amount)
	switch {
	case o1 || o2 || o3 || o4:
		return ledger.Overflow
	case df&ledger.DebitsMustNotExceedCredits != 0 && debits.Cmp(db[3]) > 0:
		return ledger.ExceedsCredits
	case cf&ledger.CreditsMustNotExceedDebits != 0 && credits.Cmp(cb[1]) > 0:
		return ledger.ExceedsDebits
	}
	return ledger.Ok
}

// settle posts (all of a reservation, or less: the rest is released) or
// voids one, in the ledger's order of checks.
func (s *groupState) settle(t *ledger.Transfer, scale uint8) ledger.Result {
	switch {
	case t.PendingID.IsZero():
		return ledger.PendingIDMustNotBeZero
	case t.PendingID == t.ID:
		return ledger.PendingIDMustBeDifferent
	case t.Timeout != 0:
		return ledger.TimeoutReservedForPendingTransfer
	}
	p, ok := s.find(t.PendingID)
	if !ok {
		return ledger.PendingTransferNotFound
	}
	switch {
	case !p.pending:
		return ledger.PendingTransferNotPending
	case !t.DebitAccountID.IsZero() && t.DebitAccountID != p.debit:
		return ledger.PendingTransferHasDifferentDebitAccountID
	case !t.CreditAccountID.IsZero() && t.CreditAccountID != p.credit:
		return ledger.PendingTransferHasDifferentCreditAccountID
	case t.Ledger != 0 && t.Ledger != modelLedger:
		return ledger.PendingTransferHasDifferentLedger
	case t.Code != 0 && t.Code != p.code:
		return ledger.PendingTransferHasDifferentCode
	}
	if r := amountResult(t, scale, true); r != ledger.Ok {
		return r
	}
	amount := units(t, scale)
	requested := amount
	post := t.Flags&ledger.PostPending != 0
	switch {
	case post && amount.Cmp(p.amount) > 0:
		return ledger.ExceedsPendingTransferAmount
	case !post && !amount.IsZero() && amount != p.amount:
		return ledger.PendingTransferHasDifferentAmount
	}
	switch s.status(p) {
	case tsPosted:
		return ledger.PendingTransferAlreadyPosted
	case tsVoided:
		return ledger.PendingTransferAlreadyVoided
	case tsExpired:
		return ledger.PendingTransferExpired
	}
	if amount.IsZero() {
		amount = p.amount
	}
	d, c := s.account(p.debit), s.account(p.credit)
	s.release(p) // the whole reservation is released, and what it closed reopens
	s.dropTimer(p.id)
	if post {
		s.balances[d][1] = s.balances[d][1].Plus(amount)
		s.balances[c][3] = s.balances[c][3].Plus(amount)
		if p.flags&ledger.CloseDebit != 0 {
			s.closed |= 1 << d // a posted closing reservation keeps its account closed
		}
		if p.flags&ledger.CloseCredit != 0 {
			s.closed |= 1 << c
		}
		s.settle1(p.id, tsPosted)
	} else {
		s.settle1(p.id, tsVoided)
	}
	s.insert(modelTransfer{id: t.ID, pendingID: t.PendingID, debit: t.DebitAccountID, credit: t.CreditAccountID, amount: requested,
		ledger: t.Ledger, code: t.Code, timeout: t.Timeout, flags: t.Flags &^ ledger.Linked})
	return ledger.Ok
}
