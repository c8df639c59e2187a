package ledger

// createAccount validates and creates one account. A refused account
// changes nothing.
func (s *State) createAccount(a *Account, timestamp uint64) Result {
	switch {
	case a.Timestamp != 0:
		return TimestampMustBeZero
	case a.ID.IsZero():
		return IDMustNotBeZero
	case a.Flags&^accountFlagsAll != 0:
		return FlagsAreUnknown
	case a.Flags&DebitsMustNotExceedCredits != 0 && a.Flags&CreditsMustNotExceedDebits != 0:
		return FlagsAreMutuallyExclusive
	case !a.DebitsPending.IsZero() || !a.DebitsPosted.IsZero() || !a.CreditsPending.IsZero() || !a.CreditsPosted.IsZero():
		return BalancesMustBeZero
	}
	if existing := s.accounts[a.ID]; existing != nil {
		return compareAccount(existing, a)
	}
	switch _, known := s.scales[a.Ledger]; {
	case a.Ledger == 0:
		return LedgerMustNotBeZero
	case !known:
		return LedgerNotFound
	case a.Code == 0:
		return CodeMustNotBeZero
	}
	acct := &account{id: a.ID, ledger: a.Ledger, code: a.Code, flags: a.Flags &^ AccountLinked, timestamp: timestamp}
	s.accounts[a.ID] = acct
	s.markNewAccount(acct)
	if s.recording {
		s.undo = append(s.undo, undoStep{kind: undoAccountCreated, account: acct})
	}
	return Ok
}

func compareAccount(e *account, a *Account) Result {
	switch {
	case e.flags != a.Flags&^AccountLinked:
		return ExistsWithDifferentFlags
	case e.ledger != a.Ledger:
		return ExistsWithDifferentLedger
	case e.code != a.Code:
		return ExistsWithDifferentCode
	}
	return Exists
}
