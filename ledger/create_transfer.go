package ledger

// createTransfer validates and applies one transfer event. Every check runs
// before the first change, so a refused event changes nothing.
func (s *State) createTransfer(t *transferEvent, timestamp uint64) Result {
	if r := checkTransferShape(t); r != Ok {
		return r
	}
	if i, ok := s.byID[t.ID]; ok {
		return s.compareTransfer(s.transfers.at(i), t)
	}
	if t.Flags&(PostPending|VoidPending) != 0 {
		return s.settlePending(t, timestamp)
	}
	fields, dr, cr, r := s.checkNewTransfer(t)
	if r != Ok {
		return r
	}
	s.touch(dr)
	s.touch(cr)
	status := statusPosted
	if t.Flags&Pending != 0 {
		status = statusPending
		dr.debitsPending, _ = dr.debitsPending.add(fields.amount)
		cr.creditsPending, _ = cr.creditsPending.add(fields.amount)
		if t.Flags&CloseDebit != 0 {
			dr.flags |= Closed
		}
		if t.Flags&CloseCredit != 0 {
			cr.flags |= Closed
		}
	} else {
		dr.debitsPosted, _ = dr.debitsPosted.add(fields.amount)
		cr.creditsPosted, _ = cr.creditsPosted.add(fields.amount)
	}
	s.insertTransfer(fields, fields, timestamp, status)
	return Ok
}

// checkTransferShape checks what needs no state: IDs and flags.
func checkTransferShape(t *transferEvent) Result {
	kinds := 0
	for _, f := range [...]TransferFlags{Pending, PostPending, VoidPending} {
		if t.Flags&f != 0 {
			kinds++
		}
	}
	switch {
	case t.Timestamp != 0:
		return TimestampMustBeZero
	case t.ID.IsZero():
		return IDMustNotBeZero
	case t.Flags&^transferFlagsAll != 0:
		return FlagsAreUnknown
	case kinds > 1:
		return FlagsAreMutuallyExclusive
	case t.Flags&(CloseDebit|CloseCredit) != 0 && t.Flags&Pending == 0:
		return CloseFlagsRequirePending
	}
	return Ok
}

// checkNewTransfer validates a single-phase or pending transfer against the
// state and returns its fields and accounts.
func (s *State) checkNewTransfer(t *transferEvent) (transferFields, *account, *account, Result) {
	var f transferFields
	scale, known := s.scales[t.Ledger]
	switch {
	case t.DebitAccountID.IsZero():
		return f, nil, nil, DebitAccountIDMustNotBeZero
	case t.CreditAccountID.IsZero():
		return f, nil, nil, CreditAccountIDMustNotBeZero
	case t.DebitAccountID == t.CreditAccountID:
		return f, nil, nil, AccountsMustBeDifferent
	case !t.PendingID.IsZero():
		return f, nil, nil, PendingIDReservedForPostOrVoid
	case t.Timeout != 0 && t.Flags&Pending == 0:
		return f, nil, nil, TimeoutReservedForPendingTransfer
	case t.Ledger == 0:
		return f, nil, nil, LedgerMustNotBeZero
	case !known:
		return f, nil, nil, LedgerNotFound
	case t.Code == 0:
		return f, nil, nil, CodeMustNotBeZero
	}
	amount, r := checkAmount(t, scale, false)
	if r != Ok {
		return f, nil, nil, r
	}
	dr, cr := s.accounts[t.DebitAccountID], s.accounts[t.CreditAccountID]
	switch {
	case dr == nil:
		return f, nil, nil, DebitAccountNotFound
	case cr == nil:
		return f, nil, nil, CreditAccountNotFound
	case dr.ledger != t.Ledger || cr.ledger != t.Ledger:
		return f, nil, nil, LedgerMismatch
	case dr.flags&Closed != 0:
		return f, nil, nil, DebitAccountClosed
	case cr.flags&Closed != 0:
		return f, nil, nil, CreditAccountClosed
	}
	if r := checkLimits(dr, cr, amount); r != Ok {
		return f, nil, nil, r
	}
	f = transferFields{id: t.ID, debit: t.DebitAccountID, credit: t.CreditAccountID, amount: amount,
		ledger: t.Ledger, code: t.Code, flags: t.Flags &^ Linked, timeout: t.Timeout}
	return f, dr, cr, Ok
}

// checkAmount converts the amount at the ledger's scale. Posts and voids
// may carry zero (meaning the pending amount).
func checkAmount(t *transferEvent, scale uint8, zeroAllowed bool) (u128, Result) {
	amount, st := t.Amount.units(scale)
	switch {
	case st == amountNegative:
		return amount, AmountMustNotBeNegative
	case st == amountTooPrecise:
		return amount, AmountScaleExceedsLedger
	case st == amountTooLarge:
		return amount, Overflow
	case amount.isZero() && !zeroAllowed:
		return amount, AmountMustBePositive
	}
	return amount, Ok
}

// checkLimits checks the balance limits and overflow for moving amount
// from dr to cr. Pending and posted debits together count against posted
// credits, so a reservation can never be posted past a limit.
func checkLimits(dr, cr *account, amount u128) Result {
	drDebits, o1 := dr.debitsPending.add(dr.debitsPosted)
	drDebits, o2 := drDebits.add(amount)
	crCredits, o3 := cr.creditsPending.add(cr.creditsPosted)
	crCredits, o4 := crCredits.add(amount)
	switch {
	case o1 || o2 || o3 || o4:
		return Overflow
	case dr.flags&DebitsMustNotExceedCredits != 0 && drDebits.cmp(dr.creditsPosted) > 0:
		return ExceedsCredits
	case cr.flags&CreditsMustNotExceedDebits != 0 && crCredits.cmp(cr.debitsPosted) > 0:
		return ExceedsDebits
	}
	return Ok
}

func (s *State) insertTransfer(req, res transferFields, timestamp uint64, status transferStatus) {
	empty, ok := emptyFieldsOf(&req, &res)
	if !ok {
		panicf("transfer %s: request %+v is not its resolution %+v with fields left empty", req.id, req, res)
	}
	idx := s.transfers.push(transfer{res: res, timestamp: timestamp, status: status, empty: empty})
	s.byID[req.id] = idx
	s.markNewTransfer(idx)
	if s.recording {
		s.undo = append(s.undo, undoStep{kind: undoTransferCreated, transfer: idx})
	}
	if status == statusPending && res.timeout > 0 {
		s.expiries.push(expiry{deadline: deadlineOf(timestamp, res.timeout), timestamp: timestamp, index: idx})
	}
}
