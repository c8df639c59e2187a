package ledger

// Read accessors that give amounts in a ledger's smallest units (its
// internal u128) rather than as decimals. The harness's checkers and
// workload count in units: reading a decimal only to convert it back costs
// math/big allocations per amount, for nothing.

// UnitsAmount is an amount in its ledger's smallest unit, 128 bits
// unsigned, as the ledger keeps balances: Hi and Lo are its high and low 64
// bits.
type UnitsAmount struct{ Hi, Lo uint64 }

func unitsAmountOf(v u128) UnitsAmount { return UnitsAmount{Hi: v.hi, Lo: v.lo} }

// AccountUnits is an account as a lookup reply carries it, its balances in
// units.
type AccountUnits struct {
	ID     ID
	Ledger uint32
	Code   uint16
	Flags  AccountFlags
	// Balances are debits pending, debits posted, credits pending and
	// credits posted, in that order.
	Balances  [4]UnitsAmount
	Scale     uint8 // the scale of its ledger, at which Balances count
	Timestamp uint64
}

// TransferUnits is a transfer as a lookup reply or a State's units
// accessors give it, its amount in units.
type TransferUnits struct {
	ID              ID
	DebitAccountID  ID
	CreditAccountID ID
	Amount          UnitsAmount
	Scale           uint8 // the scale of its ledger, at which Amount counts
	PendingID       ID
	Ledger          uint32
	Code            uint16
	Flags           TransferFlags
	Timeout         uint64
	Timestamp       uint64
}

// ReplyUnits is a Reply read with every amount in units.
type ReplyUnits struct {
	Results   []Result
	Accounts  []AccountUnits
	Transfers []TransferUnits
	Timestamp uint64
}

// DecodeReplyUnits parses a reply's canonical encoding as DecodeReply does,
// into rep, with every amount converted to units at scale (the scale of
// the ledger of the accounts and transfers it carries). It reuses rep's
// Accounts and Transfers arrays, so a caller that decodes reply after reply
// into one ReplyUnits allocates only the Results, which are fresh on every
// call (callers keep them). It rejects what DecodeReply rejects, and an
// amount that is negative, finer than scale or beyond 128 bits units: a
// reply the ledger encoded at scale never holds one, and a caller that
// must see such an amount anyway reads it with DecodeReply.
func DecodeReplyUnits(b []byte, scale uint8, rep *ReplyUnits) error {
	r, err := open(b, "reply")
	if err != nil {
		return err
	}
	rep.Timestamp, rep.Results = r.u64(), nil
	if n := r.count(BatchEventsMax, 2); n > 0 {
		rep.Results = make([]Result, n)
		for i := range rep.Results {
			if rep.Results[i] = Result(r.u16()); rep.Results[i] >= resultCount {
				r.fail("result code %d", rep.Results[i])
			}
		}
	}
	rep.Accounts = grow(rep.Accounts, r.count(BatchEventsMax, accountMinSize))
	for i := range rep.Accounts {
		a := &rep.Accounts[i]
		a.ID, a.Ledger, a.Code, a.Flags = r.id(), r.u32(), r.u16(), AccountFlags(r.u16())
		for j := range a.Balances {
			a.Balances[j] = r.unitsAmount(scale)
		}
		a.Scale, a.Timestamp = scale, r.u64()
	}
	rep.Transfers = grow(rep.Transfers, r.count(BatchEventsMax, transferMinSize))
	for i := range rep.Transfers {
		var t transferEvent
		r.transferEvent(&t)
		rep.Transfers[i] = TransferUnits{ID: t.ID, DebitAccountID: t.DebitAccountID,
			CreditAccountID: t.CreditAccountID, Amount: r.unitsOf(t.Amount, scale), Scale: scale, PendingID: t.PendingID,
			Ledger: t.Ledger, Code: t.Code, Flags: t.Flags, Timeout: t.Timeout, Timestamp: t.Timestamp}
	}
	return r.finish("reply")
}

// unitsAmount reads a canonical decimal as units at scale.
func (r *reader) unitsAmount(scale uint8) UnitsAmount { return r.unitsOf(r.canonical(), scale) }

// unitsOf converts c to units at scale, failing the read for an amount no
// ledger at scale could hold.
func (r *reader) unitsOf(c canonicalDecimal, scale uint8) UnitsAmount {
	v, status := c.units(scale)
	if status != amountOK {
		r.fail("amount is not whole units at scale %d (status %d)", scale, status)
		return UnitsAmount{}
	}
	return unitsAmountOf(v)
}

// IsZero reports whether a is 0.
func (a UnitsAmount) IsZero() bool { return a == UnitsAmount{} }

// LookupTransferUnits is LookupTransfer with the amount in units: the
// transfer as resolved, and whether it exists.
func (s *State) LookupTransferUnits(id ID) (TransferUnits, bool) {
	i, ok := s.byID[id]
	if !ok {
		return TransferUnits{}, false
	}
	return s.transferUnits(i), true
}

// TransferUnitsAt returns the i-th transfer applied (0 <= i <
// TransferCount()), as resolved, with its amount in units: Transfers()[i]
// without building every transfer's decimal.
func (s *State) TransferUnitsAt(i int) TransferUnits {
	if i < 0 || i >= s.transfers.len() {
		panicf("transfer %d of %d", i, s.transfers.len())
	}
	return s.transferUnits(uint32(i))
}

func (s *State) transferUnits(i uint32) TransferUnits {
	t := s.transfers.at(i)
	r := &t.res
	return TransferUnits{ID: r.id, DebitAccountID: r.debit, CreditAccountID: r.credit,
		Amount: unitsAmountOf(r.amount), Scale: s.scales[r.ledger], PendingID: r.pendingID, Ledger: r.ledger,
		Code: r.code, Flags: r.flags, Timeout: r.timeout, Timestamp: t.timestamp}
}

// LookupAccountUnits is LookupAccount with the balances in units.
func (s *State) LookupAccountUnits(id ID) (AccountUnits, bool) {
	a := s.accounts[id]
	if a == nil {
		return AccountUnits{}, false
	}
	return AccountUnits{ID: a.id, Ledger: a.ledger, Code: a.code, Flags: a.flags, Timestamp: a.timestamp,
		Scale: s.scales[a.ledger], Balances: [4]UnitsAmount{unitsAmountOf(a.debitsPending),
			unitsAmountOf(a.debitsPosted), unitsAmountOf(a.creditsPending), unitsAmountOf(a.creditsPosted)}}, true
}
