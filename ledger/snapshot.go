package ledger

import (
	"fmt"
	"hash/crc32"
)

// Snapshot serializes the whole state canonically: the config, the last
// timestamp, the chain digest, accounts by ID and transfers in the order
// they were applied, with a CRC-32C trailer.
func (s *State) Snapshot() []byte { return s.AppendSnapshot(make([]byte, 0, s.SnapshotSize())) }

// SnapshotSize is the exact length of Snapshot's encoding, so that the
// buffer, often hundreds of kilobytes, is allocated once and never copied.
func (s *State) SnapshotSize() int { return s.snapshotSize() }

// AppendSnapshot appends Snapshot's encoding to b and returns the extended
// buffer: a caller that frames the snapshot in a larger record (a replica's
// snapshot, with its sessions) writes it in place rather than copying it.
// The checksum trailer covers the snapshot's own bytes, not b's.
func (s *State) AppendSnapshot(b []byte) []byte {
	size, start := s.snapshotSize(), len(b)
	w := writer{b: b}
	totals := make(map[uint32][2]u128, len(s.cfg.Ledgers))
	w.u8(codecVersion)
	w.u32(uint32(len(s.cfg.Ledgers)))
	for _, l := range s.cfg.Ledgers {
		w.u32(l.ID)
		w.u8(l.Scale)
		w.u8(uint8(len(l.Name)))
		w.b = append(w.b, l.Name...)
	}
	w.u64(s.lastTimestamp)
	w.b = append(w.b, s.chain[:]...)
	w.u32(uint32(len(s.accounts)))
	for _, id := range s.sortedAccountIDs() {
		a := s.accounts[id]
		w.accountRecord(a)
		t := totals[a.ledger]
		pending, posted := imbalance(a)
		totals[a.ledger] = [2]u128{addMod(t[0], pending), addMod(t[1], posted)}
	}
	w.u32(uint32(s.transfers.len()))
	for i := range s.transfers.len() {
		w.transferRecord(s.transfers.at(uint32(i)))
	}
	w.u32(crc32.Checksum(w.b[start:], castagnoli)) // the seal of the snapshot's own bytes
	// Checked before it is written, as Restore will check it after it is
	// read: every ledger balances, the encoding has the size planned, and
	// the state digest kept as commands applied is the one every record
	// gives (the snapshot already costs O(state): the check rides along).
	for _, l := range s.cfg.Ledgers {
		if t := totals[l.ID]; !t[0].isZero() || !t[1].isZero() {
			panicf("snapshot of ledger %d: debits minus credits %v pending, %v posted (mod 2^128)", l.ID, t[0], t[1])
		}
	}
	if len(w.b)-start != size {
		panicf("snapshot of %d bytes, planned %d", len(w.b)-start, size)
	}
	s.checkDigest()
	return w.b
}

// accountRecord writes an account's canonical record (snapshot and state
// digest alike).
func (w *writer) accountRecord(a *account) {
	b := appendU64(appendU16(appendU16(appendU32(appendID(w.b, a.id), a.ledger), a.code), uint16(a.flags)), a.timestamp)
	b = appendU128(appendU128(b, a.debitsPending), a.debitsPosted)
	w.b = appendU128(appendU128(b, a.creditsPending), a.creditsPosted)
}

// transferRecord writes a transfer's canonical record.
func (w *writer) transferRecord(t *transfer) {
	req := t.request()
	b := appendFields(appendFields(w.b, &req), &t.res)
	w.b = append(appendU64(b, t.timestamp), uint8(t.status))
}

// snapshotSize is the exact length of Snapshot's encoding, so that the
// buffer, often hundreds of kilobytes, is allocated once and never copied.
func (s *State) snapshotSize() int {
	n := 1 + 4 // version, ledger count
	for _, l := range s.cfg.Ledgers {
		n += 4 + 1 + 1 + len(l.Name)
	}
	n += 8 + len(s.chain) + 4 + len(s.accounts)*snapAccountSize
	n += 4 + s.transfers.len()*snapTransferSize
	return n + 4 // the checksum
}

// appendFields appends a transfer's fields (as submitted or as resolved).
func appendFields(b []byte, f *transferFields) []byte {
	b = appendID(appendID(appendID(appendID(b, f.id), f.debit), f.credit), f.pendingID)
	b = appendU16(appendU16(appendU32(appendU128(b, f.amount), f.ledger), f.code), uint16(f.flags))
	return appendU64(b, f.timeout)
}

func (r *reader) fields() transferFields {
	return transferFields{id: r.id(), debit: r.id(), credit: r.id(), pendingID: r.id(), amount: r.u128(),
		ledger: r.u32(), code: r.u16(), flags: TransferFlags(r.u16()), timeout: r.u64()}
}

// Sizes of snapshot records, for bounding counts before allocating.
const (
	snapAccountSize  = 16 + 4 + 2 + 2 + 8 + 16*4
	snapFieldsSize   = 16*4 + 16 + 4 + 2 + 2 + 8
	snapTransferSize = 2*snapFieldsSize + 8 + 1
	snapRecordsMax   = 1 << 28
)

// Restore rebuilds a State from a snapshot. A damaged or inconsistent
// snapshot is an error wrapping ErrCorrupt, never a panic.
func Restore(b []byte) (*State, error) {
	r, err := open(b, "snapshot")
	if err != nil {
		return nil, err
	}
	var cfg Config
	for range r.count(LedgersMax, 6) {
		l := LedgerSpec{ID: r.u32(), Scale: r.u8()}
		l.Name = string(r.take(int(r.u8())))
		cfg.Ledgers = append(cfg.Ledgers, l)
	}
	if r.err != nil {
		return nil, r.err
	}
	s, err := New(cfg)
	if err != nil {
		return nil, fmt.Errorf("%w: snapshot config: %w", ErrCorrupt, err)
	}
	s.lastTimestamp = r.u64()
	copy(s.chain[:], r.take(32))
	if err := s.restoreRecords(&r); err != nil {
		return nil, err
	}
	if len(s.byID) != s.transfers.len() {
		panicf("restored %d transfers, %d by ID", s.transfers.len(), len(s.byID)) // repeats are refused
	}
	if err := r.finish("snapshot"); err != nil {
		return nil, err
	}
	s.resetDigest()
	if err := s.CheckInvariants(); err != nil {
		return nil, fmt.Errorf("%w: snapshot violates the ledger's invariants: %w", ErrCorrupt, err)
	}
	return s, nil
}

// restoreRecords reads the accounts and transfers. The maps are sized for
// the counts the snapshot states (bounded by its bytes), not grown and
// rehashed record by record, and the accounts share one array: a restored
// account is never deleted (a rollback deletes only accounts its chain
// created).
func (s *State) restoreRecords(r *reader) error {
	accounts := make([]account, r.count(snapRecordsMax, snapAccountSize))
	s.accounts = make(map[ID]*account, len(accounts))
	for i := range accounts {
		a := &accounts[i]
		*a = account{id: r.id(), ledger: r.u32(), code: r.u16(), flags: AccountFlags(r.u16()), timestamp: r.u64(),
			debitsPending: r.u128(), debitsPosted: r.u128(), creditsPending: r.u128(), creditsPosted: r.u128()}
		if _, dup := s.accounts[a.id]; dup || a.id.IsZero() {
			r.fail("account %s repeated or zero", a.id)
		}
		if _, known := s.scales[a.ledger]; !known && r.err == nil {
			r.fail("account %s on unknown ledger %d", a.id, a.ledger)
		}
		s.accounts[a.id] = a
	}
	transfers := r.count(snapRecordsMax, snapTransferSize)
	s.byID = make(map[ID]uint32, transfers)
	for range transfers {
		req, res := r.fields(), r.fields()
		timestamp, status := r.u64(), transferStatus(r.u8())
		if r.err != nil {
			break
		}
		if _, dup := s.byID[req.id]; dup || status < statusPosted || status > statusVoid {
			r.fail("transfer %s repeated or with status %d", req.id, status)
			break
		}
		if _, known := s.scales[res.ledger]; !known {
			r.fail("transfer %s on unknown ledger %d", req.id, res.ledger)
			break
		}
		if _, ok := emptyFieldsOf(&req, &res); !ok {
			r.fail("transfer %s: request is not its resolution with fields left empty", req.id)
			break
		}
		s.insertTransfer(req, res, timestamp, status)
	}
	return r.err
}
