package ledger

import (
	"math/big"
	"slices"
)

// model is a deliberately simple reference ledger: plain maps, big.Int
// amounts, one event at a time, and linked chains applied to a full copy
// that is kept or thrown away. The real State must agree with it on every
// result and every balance.
type model struct {
	scales    map[uint32]uint8
	accounts  map[ID]*mAccount
	transfers map[ID]*mTransfer
	last      uint64
}

type mAccount struct {
	ledger                        uint32
	code                          uint16
	flags                         AccountFlags
	debitsPending, debitsPosted   *big.Int
	creditsPending, creditsPosted *big.Int
}

type mTransfer struct {
	submitted         Transfer
	amount            *big.Int // resolved, in units
	debit, credit     ID
	ledger            uint32
	code              uint16
	status            transferStatus
	deadline, created uint64
}

func newModel() *model {
	return &model{scales: map[uint32]uint8{1: 2, 2: 0}, accounts: map[ID]*mAccount{}, transfers: map[ID]*mTransfer{}}
}

func (m *model) clone() *model {
	c := &model{scales: m.scales, accounts: map[ID]*mAccount{}, transfers: map[ID]*mTransfer{}, last: m.last}
	for k, a := range m.accounts {
		cp := *a
		cp.debitsPending, cp.debitsPosted = new(big.Int).Set(a.debitsPending), new(big.Int).Set(a.debitsPosted)
		cp.creditsPending, cp.creditsPosted = new(big.Int).Set(a.creditsPending), new(big.Int).Set(a.creditsPosted)
		c.accounts[k] = &cp
	}
	for k, t := range m.transfers {
		cp := *t
		c.transfers[k] = &cp
	}
	return c
}

// units converts a decimal at a scale, or reports why it cannot.
func units(t Transfer, scale uint8) (*big.Int, Result) {
	d := t.Amount.Shift(int32(scale))
	if d.Sign() < 0 {
		return nil, AmountMustNotBeNegative
	}
	if !d.IsInteger() {
		return nil, AmountScaleExceedsLedger
	}
	return d.BigInt(), Ok
}

func (m *model) apply(cmd Command, ts uint64) []Result {
	base := max(ts, m.last+1)
	m.expire(base)
	n := len(cmd.Transfers) + len(cmd.Accounts)
	results := make([]Result, n)
	linked := func(i int) bool {
		if cmd.Op == OpCreateAccounts {
			return cmd.Accounts[i].Flags&AccountLinked != 0
		}
		return cmd.Transfers[i].Flags&Linked != 0
	}
	event := func(target *model, i int) Result {
		if cmd.Op == OpCreateAccounts {
			return target.account(cmd.Accounts[i], base+uint64(i))
		}
		return target.transfer(cmd.Transfers[i], base+uint64(i))
	}
	for i := 0; i < n; {
		if !linked(i) {
			results[i] = event(m, i)
			i++
			continue
		}
		end := i
		for end < n && linked(end) {
			end++
		}
		if end == n {
			for j := i; j < n; j++ {
				results[j] = LinkedEventFailed
			}
			results[n-1] = LinkedEventChainOpen
			break
		}
		trial, failed := m.clone(), -1
		for j := i; j <= end && failed < 0; j++ {
			if results[j] = event(trial, j); results[j] != Ok {
				failed = j
			}
		}
		if failed < 0 {
			*m = *trial
		} else {
			for j := i; j <= end; j++ {
				if j != failed {
					results[j] = LinkedEventFailed
				}
			}
		}
		i = end + 1
	}
	m.last = base + uint64(max(n, 1)) - 1
	return results
}

func (m *model) expire(now uint64) {
	var due []*mTransfer
	for _, t := range m.transfers {
		if t.status == statusPending && t.deadline > 0 && t.deadline <= now {
			due = append(due, t)
		}
	}
	slices.SortFunc(due, func(a, b *mTransfer) int { return int(a.created) - int(b.created) })
	for _, t := range due {
		m.release(t)
		t.status = statusExpired
	}
}

func (m *model) release(t *mTransfer) {
	dr, cr := m.accounts[t.debit], m.accounts[t.credit]
	dr.debitsPending.Sub(dr.debitsPending, t.amount)
	cr.creditsPending.Sub(cr.creditsPending, t.amount)
	if t.submitted.Flags&CloseDebit != 0 {
		dr.flags &^= Closed
	}
	if t.submitted.Flags&CloseCredit != 0 {
		cr.flags &^= Closed
	}
}

func (m *model) account(a Account, ts uint64) Result {
	if a.ID.IsZero() {
		return IDMustNotBeZero
	}
	if a.Flags&DebitsMustNotExceedCredits != 0 && a.Flags&CreditsMustNotExceedDebits != 0 {
		return FlagsAreMutuallyExclusive
	}
	if e := m.accounts[a.ID]; e != nil {
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
	if _, ok := m.scales[a.Ledger]; !ok {
		return LedgerNotFound
	}
	m.accounts[a.ID] = &mAccount{ledger: a.Ledger, code: a.Code, flags: a.Flags &^ AccountLinked,
		debitsPending: new(big.Int), debitsPosted: new(big.Int), creditsPending: new(big.Int), creditsPosted: new(big.Int)}
	return Ok
}
