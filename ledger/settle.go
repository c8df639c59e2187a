package ledger

// settlePending posts or voids a pending transfer. Empty fields of the
// event (zero accounts, ledger, code, amount) take the pending transfer's.
func (s *State) settlePending(t *transferEvent, timestamp uint64) Result {
	switch {
	case t.PendingID.IsZero():
		return PendingIDMustNotBeZero
	case t.PendingID == t.ID:
		return PendingIDMustBeDifferent
	case t.Timeout != 0:
		return TimeoutReservedForPendingTransfer
	}
	pi, ok := s.byID[t.PendingID]
	if !ok {
		return PendingTransferNotFound
	}
	p := s.transfers.at(pi)
	if r := checkAgainstPending(t, p); r != Ok {
		return r
	}
	amount, r := checkAmount(t, s.scales[p.res.ledger], true)
	if r != Ok {
		return r
	}
	post := t.Flags&PostPending != 0
	switch {
	case post && amount.cmp(p.res.amount) > 0:
		return ExceedsPendingTransferAmount
	case !post && !amount.isZero() && amount != p.res.amount:
		return PendingTransferHasDifferentAmount
	}
	if r := pendingStatusResult(p.status); r != Ok {
		return r
	}
	if amount.isZero() {
		amount = p.res.amount
	}
	s.applySettlement(t, p, pi, amount, timestamp)
	return Ok
}

func checkAgainstPending(t *transferEvent, p *transfer) Result {
	switch {
	case p.res.flags&Pending == 0: // a request's flags are its resolution's
		return PendingTransferNotPending
	case !t.DebitAccountID.IsZero() && t.DebitAccountID != p.res.debit:
		return PendingTransferHasDifferentDebitAccountID
	case !t.CreditAccountID.IsZero() && t.CreditAccountID != p.res.credit:
		return PendingTransferHasDifferentCreditAccountID
	case t.Ledger != 0 && t.Ledger != p.res.ledger:
		return PendingTransferHasDifferentLedger
	case t.Code != 0 && t.Code != p.res.code:
		return PendingTransferHasDifferentCode
	}
	return Ok
}

func pendingStatusResult(st transferStatus) Result {
	switch st {
	case statusSettled:
		return PendingTransferAlreadyPosted
	case statusVoided:
		return PendingTransferAlreadyVoided
	case statusExpired:
		return PendingTransferExpired
	}
	return Ok
}

// applySettlement moves the reservation: a post turns amount of it into
// posted balances and releases the rest; a void releases it all.
func (s *State) applySettlement(t *transferEvent, p *transfer, pi uint32, amount u128, timestamp uint64) {
	post := t.Flags&PostPending != 0
	s.markTransfer(pi)
	if s.recording {
		s.undo = append(s.undo, undoStep{kind: undoTransferStatus, transfer: pi, status: p.status})
	}
	s.release(p)
	status := statusVoid
	if post {
		dr, cr := s.accounts[p.res.debit], s.accounts[p.res.credit]
		dr.debitsPosted, _ = dr.debitsPosted.add(amount)
		cr.creditsPosted, _ = cr.creditsPosted.add(amount)
		if p.res.flags&CloseDebit != 0 {
			dr.flags |= Closed // a posted closing transfer keeps the account closed
		}
		if p.res.flags&CloseCredit != 0 {
			cr.flags |= Closed
		}
		p.status, status = statusSettled, statusPosted
	} else {
		p.status = statusVoided
	}
	req := transferFields{id: t.ID, debit: t.DebitAccountID, credit: t.CreditAccountID, pendingID: t.PendingID,
		ledger: t.Ledger, code: t.Code, flags: t.Flags &^ Linked}
	req.amount, _ = t.Amount.units(s.scales[p.res.ledger])
	res := transferFields{id: t.ID, debit: p.res.debit, credit: p.res.credit, pendingID: t.PendingID,
		amount: amount, ledger: p.res.ledger, code: p.res.code, flags: t.Flags &^ Linked}
	s.insertTransfer(req, res, timestamp, status)
}

// compareTransfer answers a resubmitted ID: Exists if the event is the one
// already applied, else the first field that differs.
func (s *State) compareTransfer(e *transfer, t *transferEvent) Result {
	r := e.request()
	amount, st := t.Amount.units(s.scales[e.res.ledger])
	switch {
	case r.flags != t.Flags&^Linked:
		return ExistsWithDifferentFlags
	case r.debit != t.DebitAccountID:
		return ExistsWithDifferentDebitAccountID
	case r.credit != t.CreditAccountID:
		return ExistsWithDifferentCreditAccountID
	case st != amountOK || amount != r.amount:
		return ExistsWithDifferentAmount
	case r.pendingID != t.PendingID:
		return ExistsWithDifferentPendingID
	case r.ledger != t.Ledger:
		return ExistsWithDifferentLedger
	case r.code != t.Code:
		return ExistsWithDifferentCode
	case r.timeout != t.Timeout:
		return ExistsWithDifferentTimeout
	}
	return Exists
}
