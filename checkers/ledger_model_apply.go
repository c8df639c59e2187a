package checkers

import "github.com/faultline/faultline/ledger"

// applyBatch applies a batch by the ledger's rules for the subset the
// workload uses, chains all-or-none, and returns the results.
func (s *groupState) applyBatch(ts []ledger.Transfer, scale uint8) []ledger.Result {
	results := make([]ledger.Result, len(ts))
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
			results[i] = s.apply(&ts[i], scale)
			i++
			continue
		}
		trial, failed := s.clone(), -1
		for j := i; j <= end && failed < 0; j++ {
			if results[j] = trial.apply(&ts[j], scale); results[j] != ledger.Ok {
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

func units(t *ledger.Transfer, scale uint8) int64 { return t.Amount.Shift(int32(scale)).IntPart() }

// apply runs one event. The workload only generates events whose fields
// are well formed, so the checks are the ones its events can fail.
func (s *groupState) apply(t *ledger.Transfer, scale uint8) ledger.Result {
	if e, ok := s.find(t.ID); ok {
		if e.flags != t.Flags&^ledger.Linked || e.debit != t.DebitAccountID || e.credit != t.CreditAccountID ||
			(e.amount != units(t, scale) && !(t.Flags&(ledger.PostPending|ledger.VoidPending) != 0)) || e.pendingID != t.PendingID {
			return ledger.ExistsWithDifferentFlags // the workload never reuses an ID with other fields
		}
		return ledger.Exists
	}
	if t.Flags&(ledger.PostPending|ledger.VoidPending) != 0 {
		return s.settle(t)
	}
	d, c := s.account(t.DebitAccountID), s.account(t.CreditAccountID)
	amount := units(t, scale)
	db, cb := &s.balances[d], &s.balances[c]
	if s.accounts[d].Flags&ledger.DebitsMustNotExceedCredits != 0 && db[0]+db[1]+amount > db[3] {
		return ledger.ExceedsCredits
	}
	if s.accounts[c].Flags&ledger.CreditsMustNotExceedDebits != 0 && cb[2]+cb[3]+amount > cb[1] {
		return ledger.ExceedsDebits
	}
	rec := modelTransfer{id: t.ID, debit: t.DebitAccountID, credit: t.CreditAccountID, amount: amount, flags: t.Flags &^ ledger.Linked}
	if t.Flags&ledger.Pending != 0 {
		db[0] += amount
		cb[2] += amount
		rec.pending = true
	} else {
		db[1] += amount
		cb[3] += amount
	}
	s.insert(rec)
	return ledger.Ok
}

func (s *groupState) settle(t *ledger.Transfer) ledger.Result {
	p, ok := s.find(t.PendingID)
	if !ok {
		return ledger.PendingTransferNotFound
	}
	switch s.status(p) {
	case tsPosted:
		return ledger.PendingTransferAlreadyPosted
	case tsVoided:
		return ledger.PendingTransferAlreadyVoided
	case tsFinal:
		return ledger.PendingTransferNotPending
	}
	d, c := s.account(p.debit), s.account(p.credit)
	s.balances[d][0] -= p.amount
	s.balances[c][2] -= p.amount
	if t.Flags&ledger.PostPending != 0 {
		s.balances[d][1] += p.amount
		s.balances[c][3] += p.amount
		s.settle1(p.id, tsPosted)
	} else {
		s.settle1(p.id, tsVoided)
	}
	s.insert(modelTransfer{id: t.ID, pendingID: t.PendingID, flags: t.Flags &^ ledger.Linked})
	return ledger.Ok
}
