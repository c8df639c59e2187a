package ledger

import "fmt"

// Encoded sizes of events without their decimals' coefficients.
const (
	accountMinSize  = 16 + 4 + 2 + 2 + 4*6 + 8
	transferMinSize = 16*4 + 6 + 4 + 2 + 2 + 8 + 8
)

// everydayCoefficientBytes is what an encoder plans for a decimal's
// coefficient: one of 64 bits or less, as amounts are, so that the buffer
// is allocated once and never grown.
const everydayCoefficientBytes = 8

// EncodeCommand returns cmd in the canonical checksummed encoding.
func EncodeCommand(cmd Command) []byte {
	w := writer{b: make([]byte, 0, 16+len(cmd.Transfers)*(transferMinSize+everydayCoefficientBytes)+
		len(cmd.Accounts)*accountMinSize+len(cmd.IDs)*16)}
	w.u8(codecVersion)
	w.u8(uint8(cmd.Op))
	switch cmd.Op {
	case OpCreateAccounts:
		w.u32(uint32(len(cmd.Accounts)))
		for i := range cmd.Accounts {
			w.account(&cmd.Accounts[i])
		}
	case OpCreateTransfers:
		w.u32(uint32(len(cmd.Transfers)))
		for i := range cmd.Transfers {
			w.transfer(&cmd.Transfers[i])
		}
	default:
		w.u32(uint32(len(cmd.IDs)))
		for _, id := range cmd.IDs {
			w.id(id)
		}
	}
	w.seal()
	return w.b
}

func (w *writer) account(a *Account) {
	b := appendU16(appendU16(appendU32(appendID(w.b, a.ID), a.Ledger), a.Code), uint16(a.Flags))
	b = appendCanonical(b, canonicalOf(a.DebitsPending))
	b = appendCanonical(b, canonicalOf(a.DebitsPosted))
	b = appendCanonical(b, canonicalOf(a.CreditsPending))
	b = appendCanonical(b, canonicalOf(a.CreditsPosted))
	w.b = appendU64(b, a.Timestamp)
}

func (w *writer) transfer(t *Transfer) {
	b := appendCanonical(appendID(appendID(appendID(w.b, t.ID), t.DebitAccountID), t.CreditAccountID), canonicalOf(t.Amount))
	b = appendU16(appendU16(appendU32(appendID(b, t.PendingID), t.Ledger), t.Code), uint16(t.Flags))
	w.b = appendU64(appendU64(b, t.Timeout), t.Timestamp)
}

// DecodeCommand parses the canonical encoding; anything else is an error
// wrapping ErrCorrupt. (State.ApplyEncoded decodes with events.decode,
// which reads the same encoding without decimals.)
func DecodeCommand(b []byte) (Command, error) {
	r, err := open(b, "command")
	if err != nil {
		return Command{}, err
	}
	cmd := Command{Op: Operation(r.u8())}
	switch cmd.Op {
	case OpCreateAccounts:
		if n := r.count(BatchEventsMax, accountMinSize); n > 0 {
			cmd.Accounts = make([]Account, n)
		}
		for i := range cmd.Accounts {
			cmd.Accounts[i] = r.account()
		}
	case OpCreateTransfers:
		if n := r.count(BatchEventsMax, transferMinSize); n > 0 {
			cmd.Transfers = make([]Transfer, n)
		}
		for i := range cmd.Transfers {
			cmd.Transfers[i] = r.transfer()
		}
	case OpLookupAccounts, OpLookupTransfers:
		if n := r.count(BatchEventsMax, 16); n > 0 {
			cmd.IDs = make([]ID, n)
		}
		for i := range cmd.IDs {
			cmd.IDs[i] = r.id()
		}
	default:
		return Command{}, fmt.Errorf("%w: operation %d", ErrCorrupt, cmd.Op)
	}
	if err := r.finish("command"); err != nil {
		return Command{}, err
	}
	return cmd, nil
}

func (r *reader) account() Account {
	return Account{ID: r.id(), Ledger: r.u32(), Code: r.u16(), Flags: AccountFlags(r.u16()),
		DebitsPending: r.decimal(), DebitsPosted: r.decimal(), CreditsPending: r.decimal(),
		CreditsPosted: r.decimal(), Timestamp: r.u64()}
}

func (r *reader) transfer() Transfer {
	var t transferEvent
	r.transferEvent(&t)
	return t.transfer()
}

// EncodeReply returns a reply in the canonical checksummed encoding.
func EncodeReply(rep Reply) []byte {
	w := writer{b: make([]byte, 0, 32+2*len(rep.Results)+len(rep.Accounts)*accountMinSize*2+len(rep.Transfers)*transferMinSize*2)}
	w.u8(codecVersion)
	w.u64(rep.Timestamp)
	w.u32(uint32(len(rep.Results)))
	for _, r := range rep.Results {
		w.u16(uint16(r))
	}
	w.u32(uint32(len(rep.Accounts)))
	for i := range rep.Accounts {
		w.account(&rep.Accounts[i])
	}
	w.u32(uint32(len(rep.Transfers)))
	for i := range rep.Transfers {
		w.transfer(&rep.Transfers[i])
	}
	w.seal()
	return w.b
}

// DecodeReply parses a reply's canonical encoding.
func DecodeReply(b []byte) (Reply, error) {
	r, err := open(b, "reply")
	if err != nil {
		return Reply{}, err
	}
	rep := Reply{Timestamp: r.u64()}
	if n := r.count(BatchEventsMax, 2); n > 0 {
		rep.Results = make([]Result, n)
		for i := range rep.Results {
			if rep.Results[i] = Result(r.u16()); rep.Results[i] >= resultCount {
				r.fail("result code %d", rep.Results[i])
			}
		}
	}
	if n := r.count(BatchEventsMax, accountMinSize); n > 0 {
		rep.Accounts = make([]Account, n)
		for i := range rep.Accounts {
			rep.Accounts[i] = r.account()
		}
	}
	if n := r.count(BatchEventsMax, transferMinSize); n > 0 {
		rep.Transfers = make([]Transfer, n)
		for i := range rep.Transfers {
			rep.Transfers[i] = r.transfer()
		}
	}
	if err := r.finish("reply"); err != nil {
		return Reply{}, err
	}
	return rep, nil
}
