package ledger

import "math/big"

func (m *model) transfer(t Transfer, ts uint64) Result {
	kinds := 0
	for _, f := range []TransferFlags{Pending, PostPending, VoidPending} {
		if t.Flags&f != 0 {
			kinds++
		}
	}
	switch {
	case t.ID.IsZero():
		return IDMustNotBeZero
	case kinds > 1:
		return FlagsAreMutuallyExclusive
	case t.Flags&(CloseDebit|CloseCredit) != 0 && t.Flags&Pending == 0:
		return CloseFlagsRequirePending
	}
	if e := m.transfers[t.ID]; e != nil {
		return m.compare(e, t)
	}
	if t.Flags&(PostPending|VoidPending) != 0 {
		return m.settle(t, ts)
	}
	switch {
	case t.DebitAccountID.IsZero():
		return DebitAccountIDMustNotBeZero
	case t.CreditAccountID.IsZero():
		return CreditAccountIDMustNotBeZero
	case t.DebitAccountID == t.CreditAccountID:
		return AccountsMustBeDifferent
	case !t.PendingID.IsZero():
		return PendingIDReservedForPostOrVoid
	case t.Timeout != 0 && t.Flags&Pending == 0:
		return TimeoutReservedForPendingTransfer
	}
	scale, ok := m.scales[t.Ledger]
	if !ok {
		return LedgerNotFound
	}
	amount, r := units(t, scale)
	if r != Ok {
		return r
	}
	if amount.Sign() == 0 {
		return AmountMustBePositive
	}
	dr, cr := m.accounts[t.DebitAccountID], m.accounts[t.CreditAccountID]
	switch {
	case dr == nil:
		return DebitAccountNotFound
	case cr == nil:
		return CreditAccountNotFound
	case dr.ledger != t.Ledger || cr.ledger != t.Ledger:
		return LedgerMismatch
	case dr.flags&Closed != 0:
		return DebitAccountClosed
	case cr.flags&Closed != 0:
		return CreditAccountClosed
	}
	debits := new(big.Int).Add(dr.debitsPending, dr.debitsPosted)
	credits := new(big.Int).Add(cr.creditsPending, cr.creditsPosted)
	if dr.flags&DebitsMustNotExceedCredits != 0 && debits.Add(debits, amount).Cmp(dr.creditsPosted) > 0 {
		return ExceedsCredits
	}
	if cr.flags&CreditsMustNotExceedDebits != 0 && credits.Add(credits, amount).Cmp(cr.debitsPosted) > 0 {
		return ExceedsDebits
	}
	rec := &mTransfer{submitted: t, amount: amount, debit: t.DebitAccountID, credit: t.CreditAccountID,
		ledger: t.Ledger, code: t.Code, status: statusPosted, created: ts}
	if t.Flags&Pending != 0 {
		rec.status = statusPending
		if t.Timeout > 0 {
			rec.deadline = ts + t.Timeout
		}
		dr.debitsPending.Add(dr.debitsPending, amount)
		cr.creditsPending.Add(cr.creditsPending, amount)
		if t.Flags&CloseDebit != 0 {
			dr.flags |= Closed
		}
		if t.Flags&CloseCredit != 0 {
			cr.flags |= Closed
		}
	} else {
		dr.debitsPosted.Add(dr.debitsPosted, amount)
		cr.creditsPosted.Add(cr.creditsPosted, amount)
	}
	m.transfers[t.ID] = rec
	return Ok
}

func (m *model) compare(e *mTransfer, t Transfer) Result {
	s := e.submitted
	amount, r := units(t, m.scales[e.ledger])
	sub, _ := units(s, m.scales[e.ledger])
	switch {
	case s.Flags&^Linked != t.Flags&^Linked:
		return ExistsWithDifferentFlags
	case s.DebitAccountID != t.DebitAccountID:
		return ExistsWithDifferentDebitAccountID
	case s.CreditAccountID != t.CreditAccountID:
		return ExistsWithDifferentCreditAccountID
	case r != Ok || sub == nil || amount.Cmp(sub) != 0:
		return ExistsWithDifferentAmount
	case s.PendingID != t.PendingID:
		return ExistsWithDifferentPendingID
	case s.Ledger != t.Ledger:
		return ExistsWithDifferentLedger
	case s.Code != t.Code:
		return ExistsWithDifferentCode
	case s.Timeout != t.Timeout:
		return ExistsWithDifferentTimeout
	}
	return Exists
}

func (m *model) settle(t Transfer, ts uint64) Result {
	switch {
	case t.PendingID.IsZero():
		return PendingIDMustNotBeZero
	case t.PendingID == t.ID:
		return PendingIDMustBeDifferent
	case t.Timeout != 0:
		return TimeoutReservedForPendingTransfer
	}
	p := m.transfers[t.PendingID]
	switch {
	case p == nil:
		return PendingTransferNotFound
	case p.submitted.Flags&Pending == 0:
		return PendingTransferNotPending
	case !t.DebitAccountID.IsZero() && t.DebitAccountID != p.debit:
		return PendingTransferHasDifferentDebitAccountID
	case !t.CreditAccountID.IsZero() && t.CreditAccountID != p.credit:
		return PendingTransferHasDifferentCreditAccountID
	case t.Ledger != 0 && t.Ledger != p.ledger:
		return PendingTransferHasDifferentLedger
	case t.Code != 0 && t.Code != p.code:
		return PendingTransferHasDifferentCode
	}
	amount, r := units(t, m.scales[p.ledger])
	if r != Ok {
		return r
	}
	post := t.Flags&PostPending != 0
	switch {
	case post && amount.Cmp(p.amount) > 0:
		return ExceedsPendingTransferAmount
	case !post && amount.Sign() != 0 && amount.Cmp(p.amount) != 0:
		return PendingTransferHasDifferentAmount
	case p.status == statusSettled:
		return PendingTransferAlreadyPosted
	case p.status == statusVoided:
		return PendingTransferAlreadyVoided
	case p.status == statusExpired:
		return PendingTransferExpired
	}
	if amount.Sign() == 0 {
		amount = p.amount
	}
	m.release(p)
	rec := &mTransfer{submitted: t, amount: amount, debit: p.debit, credit: p.credit, ledger: p.ledger, code: p.code, created: ts}
	if post {
		dr, cr := m.accounts[p.debit], m.accounts[p.credit]
		dr.debitsPosted.Add(dr.debitsPosted, amount)
		cr.creditsPosted.Add(cr.creditsPosted, amount)
		if p.submitted.Flags&CloseDebit != 0 {
			dr.flags |= Closed
		}
		if p.submitted.Flags&CloseCredit != 0 {
			cr.flags |= Closed
		}
		p.status, rec.status = statusSettled, statusPosted
	} else {
		p.status, rec.status = statusVoided, statusVoid
	}
	m.transfers[t.ID] = rec
	return Ok
}
