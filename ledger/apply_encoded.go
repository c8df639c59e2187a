package ledger

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"slices"
)

// The codec of State.ApplyEncoded, the replicas' path: commands decode
// into events the state reuses, with amounts kept canonical (no decimals,
// so no math/big), and replies are encoded straight from the state's
// records. Both are byte for byte what DecodeCommand, Apply and
// EncodeReply give (TestApplyEncodedMatchesApply).

// events is a command as apply reads it. Its transfers keep their amounts
// canonical (no decimals, so no math/big). A State keeps one: ApplyEncoded
// decodes into it and Apply converts into it, reusing its slices from
// command to command, so that neither allocates per event in steady state.
type events struct {
	op        Operation
	accounts  []Account
	transfers []transferEvent
	ids       []ID
}

// transferEvent is a Transfer as the apply path reads it: the same fields,
// with the amount canonical rather than a decimal. The fields keep
// Transfer's names so that the apply code reads as it did when it took a
// *Transfer (and the mutant patches anchored in it still apply).
type transferEvent struct {
	ID              ID
	DebitAccountID  ID
	CreditAccountID ID
	Amount          canonicalDecimal
	PendingID       ID
	Ledger          uint32
	Code            uint16
	Flags           TransferFlags
	Timeout         uint64
	Timestamp       uint64
}

// transferEventOf returns t as the apply path reads it.
func transferEventOf(t *Transfer) transferEvent {
	return transferEvent{ID: t.ID, DebitAccountID: t.DebitAccountID, CreditAccountID: t.CreditAccountID,
		Amount: canonicalOf(t.Amount), PendingID: t.PendingID, Ledger: t.Ledger, Code: t.Code, Flags: t.Flags,
		Timeout: t.Timeout, Timestamp: t.Timestamp}
}

// transfer returns the event as a Transfer.
func (t *transferEvent) transfer() Transfer {
	return Transfer{ID: t.ID, DebitAccountID: t.DebitAccountID, CreditAccountID: t.CreditAccountID,
		Amount: t.Amount.decimal(), PendingID: t.PendingID, Ledger: t.Ledger, Code: t.Code, Flags: t.Flags,
		Timeout: t.Timeout, Timestamp: t.Timestamp}
}

// from sets ev to a command as the apply path reads it, reusing ev's
// slices. It copies the command's slices rather than aliasing them: decode
// reuses ev's, and must never write into a caller's.
func (ev *events) from(cmd *Command) {
	ev.op = cmd.Op
	ev.accounts = append(ev.accounts[:0], cmd.Accounts...)
	ev.ids = append(ev.ids[:0], cmd.IDs...)
	ev.transfers = grow(ev.transfers[:0], len(cmd.Transfers))
	for i := range cmd.Transfers {
		ev.transfers[i] = transferEventOf(&cmd.Transfers[i])
	}
}

// decode parses the canonical encoding of a command into ev, reusing ev's
// slices; a wide amount's coefficient aliases b. Anything but a canonical
// encoding is an error wrapping ErrCorrupt.
func (ev *events) decode(b []byte) error {
	r, err := open(b, "command")
	if err != nil {
		return err
	}
	ev.op = Operation(r.u8())
	ev.accounts, ev.transfers, ev.ids = ev.accounts[:0], ev.transfers[:0], ev.ids[:0]
	switch ev.op {
	case OpCreateAccounts:
		n := r.count(BatchEventsMax, accountMinSize)
		ev.accounts = grow(ev.accounts, n)
		for i := range ev.accounts {
			ev.accounts[i] = r.account()
		}
	case OpCreateTransfers:
		n := r.count(BatchEventsMax, transferMinSize)
		ev.transfers = grow(ev.transfers, n)
		for i := range ev.transfers {
			r.transferEvent(&ev.transfers[i])
		}
	case OpLookupAccounts, OpLookupTransfers:
		n := r.count(BatchEventsMax, 16)
		ev.ids = grow(ev.ids, n)
		for i := range ev.ids {
			ev.ids[i] = r.id()
		}
	default:
		return fmt.Errorf("%w: operation %d", ErrCorrupt, ev.op)
	}
	return r.finish("command")
}

// grow returns s resized to n elements, reusing its array when it is large
// enough. An empty result is nil when s was, as a decoded Command's empty
// batches always were.
func grow[E any](s []E, n int) []E {
	if n == 0 {
		return s[:0]
	}
	if cap(s) < n {
		return make([]E, n)
	}
	return s[:n]
}

// transferEvent reads a transfer: its three IDs, the amount, and the
// fixed-width fields after it, each run of fixed fields taken at once (a
// take per field, each checked, was most of a command's decoding). A
// truncated event fails as a take per field would: "truncated", at the
// first field short of bytes.
func (r *reader) transferEvent(t *transferEvent) {
	*t = transferEvent{}
	head := r.take(3 * 16) // ID, debit and credit account IDs
	amount := r.canonical()
	tail := r.take(16 + 4 + 2 + 2 + 8 + 8) // pending ID, ledger, code, flags, timeout, timestamp
	if r.err != nil {
		return
	}
	le := binary.LittleEndian
	t.ID = ID{Hi: le.Uint64(head[0:]), Lo: le.Uint64(head[8:])}
	t.DebitAccountID = ID{Hi: le.Uint64(head[16:]), Lo: le.Uint64(head[24:])}
	t.CreditAccountID = ID{Hi: le.Uint64(head[32:]), Lo: le.Uint64(head[40:])}
	t.Amount = amount
	t.PendingID = ID{Hi: le.Uint64(tail[0:]), Lo: le.Uint64(tail[8:])}
	t.Ledger, t.Code, t.Flags = le.Uint32(tail[16:]), le.Uint16(tail[20:]), TransferFlags(le.Uint16(tail[22:]))
	t.Timeout, t.Timestamp = le.Uint64(tail[24:]), le.Uint64(tail[32:])
}

// appendReply appends the reply to the command ev that apply just applied
// at base: byte for byte what EncodeReply gives for the Reply Apply
// returns, written straight from the state's records rather than through
// exported decimals. AppendApplyEncoded writes it straight into the
// caller's buffer (a session's, reused), ApplyEncoded into the state's
// scratch, copied out at its exact size.
func (s *State) appendReply(dst []byte, ev *events, base uint64, results []Result) []byte {
	// Room for the longest reply first: appended field by field, a
	// session's first reply (into a nil buffer) would grow it several times.
	dst = slices.Grow(dst, replySizeMax(len(results), ev))
	start := len(dst)
	w := writer{b: dst}
	w.u8(codecVersion)
	w.u64(base)
	b := appendU32(w.b, uint32(len(results)))
	for _, r := range results {
		b = appendU16(b, uint16(r))
	}
	w.b = b
	found := 0
	w.u32(0) // the count of accounts found, set below
	if ev.op == OpLookupAccounts {
		at := len(w.b) - 4
		for _, id := range ev.ids {
			if a := s.accounts[id]; a != nil {
				w.exportedAccount(a, s.scales[a.ledger])
				found++
			}
		}
		binary.LittleEndian.PutUint32(w.b[at:], uint32(found))
	}
	w.u32(0) // the count of transfers found, set below
	if ev.op == OpLookupTransfers {
		at := len(w.b) - 4
		for _, id := range ev.ids {
			if i, ok := s.byID[id]; ok {
				t := s.transfers.at(i)
				w.exportedTransfer(t, s.scales[t.res.ledger])
				found++
			}
		}
		binary.LittleEndian.PutUint32(w.b[at:], uint32(found))
	}
	if found > len(ev.ids) || len(w.b)-start > replySizeMax(len(results), ev) {
		panicf("a lookup of %d IDs found %d records, a reply of %d bytes (at most %d)",
			len(ev.ids), found, len(w.b)-start, replySizeMax(len(results), ev))
	}
	w.u32(crc32.Checksum(w.b[start:], castagnoli)) // the seal of the reply's own bytes
	return w.b
}

// Upper bounds of what appendReply writes: a balance of 128 bits is a
// canonical decimal of at most 16 coefficient bytes.
const (
	unitsSizeMax            = 1 + 4 + 1 + 16 // sign, exponent, length, coefficient
	exportedAccountSizeMax  = 16 + 4 + 2 + 2 + 4*unitsSizeMax + 8
	exportedTransferSizeMax = 3*16 + unitsSizeMax + 16 + 4 + 2 + 2 + 8 + 8
)

// replySizeMax bounds the reply to ev with n results.
func replySizeMax(n int, ev *events) int {
	size := 1 + 8 + 4 + 2*n + 4 + 4 + 4 // version, base, results, the two counts, seal
	switch ev.op {
	case OpLookupAccounts:
		size += len(ev.ids) * exportedAccountSizeMax
	case OpLookupTransfers:
		size += len(ev.ids) * exportedTransferSizeMax
	}
	return size
}

// exportedAccount writes an account as the Account it exports at scale:
// what account(&a.export(scale)) writes, without the decimals.
func (w *writer) exportedAccount(a *account, scale uint8) {
	b := appendU16(appendU16(appendU32(appendID(w.b, a.id), a.ledger), a.code), uint16(a.flags))
	b = appendUnits(appendUnits(b, a.debitsPending, scale), a.debitsPosted, scale)
	b = appendUnits(appendUnits(b, a.creditsPending, scale), a.creditsPosted, scale)
	w.b = appendU64(b, a.timestamp)
}

// exportedTransfer writes a transfer as the Transfer it exports at scale:
// what transfer(&t.export(scale)) writes, without the decimal.
func (w *writer) exportedTransfer(t *transfer, scale uint8) {
	r := &t.res
	b := appendUnits(appendID(appendID(appendID(w.b, r.id), r.debit), r.credit), r.amount, scale)
	b = appendU16(appendU16(appendU32(appendID(b, r.pendingID), r.ledger), r.code), uint16(r.flags))
	w.b = appendU64(appendU64(b, r.timeout), t.timestamp)
}
