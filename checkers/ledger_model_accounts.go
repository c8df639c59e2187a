package checkers

import "github.com/faultline/faultline/ledger"

// accountResults appends to dst the answer to a creation of accounts, as
// the ledger answers it,
// in its order of checks. The workload sends accounts that are refused on
// their own fields or whose ID is one of the group's accounts (made by the
// setup, on the model's ledger with code 1), so no answer depends on what
// the workload did before: none is ever created.
//
// A batch whose accounts are all linked but the last is one chain: the
// first account that fails it answers for itself, the others are
// linked_event_failed (the workload's chains always fail, so nothing of
// them is created).
func (s *groupState) accountResults(dst []ledger.Result, accounts []ledger.Account) []ledger.Result {
	out := sized(dst, len(accounts))
	failed := -1
	for i := range accounts {
		out[i] = s.accountResult(&accounts[i])
		if failed < 0 && out[i] != ledger.Ok {
			failed = i
		}
	}
	if accountChain(accounts) && failed >= 0 {
		for i := range out {
			if i != failed {
				out[i] = ledger.LinkedEventFailed
			}
		}
	}
	return out
}

// accountChain reports whether accounts are one closed chain of two or
// more.
func accountChain(accounts []ledger.Account) bool {
	n := len(accounts)
	if n < 2 || accounts[n-1].Flags&ledger.AccountLinked != 0 {
		return false
	}
	for _, a := range accounts[:n-1] {
		if a.Flags&ledger.AccountLinked == 0 {
			return false
		}
	}
	return true
}

func (s *groupState) accountResult(a *ledger.Account) ledger.Result {
	switch {
	case a.Timestamp != 0:
		return ledger.TimestampMustBeZero
	case a.ID.IsZero():
		return ledger.IDMustNotBeZero
	case a.Flags&^knownAccountFlags != 0:
		return ledger.FlagsAreUnknown
	case a.Flags&ledger.DebitsMustNotExceedCredits != 0 && a.Flags&ledger.CreditsMustNotExceedDebits != 0:
		return ledger.FlagsAreMutuallyExclusive
	case !a.DebitsPending.IsZero() || !a.DebitsPosted.IsZero() || !a.CreditsPending.IsZero() || !a.CreditsPosted.IsZero():
		return ledger.BalancesMustBeZero
	}
	if i := s.account(a.ID); i >= 0 {
		e := s.accounts[i]
		switch {
		case e.Flags != a.Flags&^ledger.AccountLinked:
			return ledger.ExistsWithDifferentFlags
		case a.Ledger != modelLedger:
			return ledger.ExistsWithDifferentLedger
		case a.Code != setupAccountCode:
			return ledger.ExistsWithDifferentCode
		}
		return ledger.Exists
	}
	switch {
	case a.Ledger == 0:
		return ledger.LedgerMustNotBeZero
	case a.Ledger != modelLedger && a.Ledger != modelOtherLedger:
		return ledger.LedgerNotFound
	case a.Code == 0:
		return ledger.CodeMustNotBeZero
	}
	return ledger.Ok // a valid new account: the workload never sends one
}

// knownAccountFlags are the account flags the ledger defines.
const knownAccountFlags = ledger.DebitsMustNotExceedCredits | ledger.CreditsMustNotExceedDebits | ledger.Closed | ledger.AccountLinked

// setupAccountCode is the code the workload's setup gives every account.
const setupAccountCode = 1
