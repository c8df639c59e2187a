package ledger

import (
	"crypto/sha256"
	"encoding/binary"
	"slices"
)

// The state digest is what replicas compare to prove they hold the same
// ledger, not only the same log: a replica whose apply is not
// deterministic (it reads a clock, iterates a map, restores a snapshot
// that lost a field) agrees on every log entry and still holds different
// balances. Hashing the whole state after every command would cost
// O(state) per command, so the digest is a multiset hash (in the manner of
// LtHash): the sum, lane by lane modulo 2^64, of a SHA-256 of every
// account's and every transfer's canonical record. A command changes only
// the records it touches: each is subtracted before its first change and
// added back, as changed, when the command ends. RecomputeStateDigest sums
// every record afresh; the two must agree (Snapshot asserts it), which
// catches a change that bypassed the bookkeeping.

// stateSum is the running multiset hash of every record.
type stateSum [4]uint64

func (s *stateSum) add(h [32]byte) {
	for i := range s {
		s[i] += binary.LittleEndian.Uint64(h[8*i:])
	}
}

func (s *stateSum) sub(h [32]byte) {
	for i := range s {
		s[i] -= binary.LittleEndian.Uint64(h[8*i:])
	}
}

// Record tags keep an account's and a transfer's hashes apart.
const (
	recordTagAccount  = 1
	recordTagTransfer = 2
)

// accountHash hashes an account's canonical record. The record is built
// in the state's scratch buffer: a buffer on the stack escapes through the
// writer and would cost an allocation per hash.
func (s *State) accountHash(a *account) [32]byte {
	w := writer{b: append(s.recordBuffer(), recordTagAccount)}
	w.accountRecord(a)
	s.scratch = w.b
	return sha256.Sum256(w.b)
}

func (s *State) transferHash(t *transfer) [32]byte {
	w := writer{b: append(s.recordBuffer(), recordTagTransfer)}
	w.transferRecord(t)
	s.scratch = w.b
	return sha256.Sum256(w.b)
}

// recordBuffer returns the state's scratch buffer, empty, with room for
// the longest tagged record: grown once, not by appends (five allocations
// for every new state, restored ones included).
func (s *State) recordBuffer() []byte {
	return slices.Grow(s.scratch[:0], 1+max(snapAccountSize, snapTransferSize))
}

// markAccount is called before an existing account's first change in a
// command: its old record leaves the sum.
func (s *State) markAccount(a *account) {
	if a.dirty {
		return
	}
	a.dirty = true
	s.sum.sub(a.hash) // kept since it last joined: hashing it again would cost as much as the command
	s.dirtyAccounts = append(s.dirtyAccounts, a)
}

// markNewAccount is called when an account is created: it joins the sum
// when the command ends.
func (s *State) markNewAccount(a *account) {
	a.dirty = true
	s.dirtyAccounts = append(s.dirtyAccounts, a)
}

// markTransfer is called before an existing transfer's first change in a
// command (a pending transfer posted, voided or expired).
func (s *State) markTransfer(i uint32) {
	t := s.transfers.at(i)
	if t.dirty {
		return
	}
	t.dirty = true
	s.sum.sub(s.transferHash(t))
	s.dirtyTransfers = append(s.dirtyTransfers, i)
}

// markNewTransfer is called when a transfer is stored.
func (s *State) markNewTransfer(i uint32) {
	s.transfers.at(i).dirty = true
	s.dirtyTransfers = append(s.dirtyTransfers, i)
}

// settleDigest adds every record the command changed back to the sum, as
// it now is. It runs at the end of every command.
func (s *State) settleDigest() {
	for _, a := range s.dirtyAccounts {
		if !a.dirty || s.accounts[a.id] != a {
			panicf("account %s marked for the digest but not dirty or not stored", a.id)
		}
		a.dirty = false
		a.hash = s.accountHash(a)
		s.sum.add(a.hash)
	}
	for _, i := range s.dirtyTransfers {
		t := s.transfers.at(i)
		if !t.dirty {
			panicf("transfer %d marked for the digest but not dirty", i)
		}
		t.dirty = false
		s.sum.add(s.transferHash(t))
	}
	clear(s.dirtyAccounts) // drop the pointers: the slice is reused
	s.dirtyAccounts, s.dirtyTransfers = s.dirtyAccounts[:0], s.dirtyTransfers[:0]
}

// digestMark is the digest's bookkeeping at the start of a linked chain.
type digestMark struct {
	sum                 stateSum
	accounts, transfers int
}

func (s *State) markDigest() digestMark {
	return digestMark{sum: s.sum, accounts: len(s.dirtyAccounts), transfers: len(s.dirtyTransfers)}
}

// rollbackDigest undoes the bookkeeping of a chain that was rolled back:
// rollback restored its records to what they were at the mark, so the sum
// is the mark's and the records first marked since are clean again (those
// created since are gone).
func (s *State) rollbackDigest(m digestMark) {
	for _, a := range s.dirtyAccounts[m.accounts:] {
		a.dirty = false
	}
	for _, i := range s.dirtyTransfers[m.transfers:] {
		if int(i) < s.transfers.len() {
			s.transfers.at(i).dirty = false
		}
	}
	clear(s.dirtyAccounts[m.accounts:])
	s.sum, s.dirtyAccounts, s.dirtyTransfers = m.sum, s.dirtyAccounts[:m.accounts], s.dirtyTransfers[:m.transfers]
}

// resetDigest forgets any bookkeeping and sums every record afresh, for a
// state built without commands (a restored snapshot).
func (s *State) resetDigest() {
	for _, a := range s.dirtyAccounts {
		a.dirty = false
	}
	for _, i := range s.dirtyTransfers {
		s.transfers.at(i).dirty = false
	}
	clear(s.dirtyAccounts)
	s.dirtyAccounts, s.dirtyTransfers = s.dirtyAccounts[:0], s.dirtyTransfers[:0]
	for _, a := range s.accounts {
		a.hash = s.accountHash(a)
	}
	s.sum = s.recomputeSum()
}

// recomputeSum sums every record afresh.
func (s *State) recomputeSum() stateSum {
	var sum stateSum
	for _, a := range s.accounts { // addition commutes: map order cannot matter
		sum.add(s.accountHash(a)) // afresh, never the kept hash: this is the check of it
	}
	for i := range s.transfers.len() {
		sum.add(s.transferHash(s.transfers.at(uint32(i))))
	}
	return sum
}

// StateDigest is a digest of the whole ledger state: every account and
// every transfer (canonical records, timestamps included) and the last
// timestamp. Two replicas that applied the same log deterministically hold
// equal digests at every index. It costs O(1): the digest is kept as
// commands apply.
func (s *State) StateDigest() [32]byte { return s.finishDigest(s.sum) }

// RecomputeStateDigest computes StateDigest from every record afresh, in
// O(state): a check of the running digest, and of the state itself for a
// reader that trusts nothing kept incrementally.
func (s *State) RecomputeStateDigest() [32]byte { return s.finishDigest(s.recomputeSum()) }

func (s *State) finishDigest(sum stateSum) [32]byte {
	// The lanes already digest every record; the last timestamp and the
	// counts are folded in through a mixing function rather than another
	// SHA-256, because replicas read this digest after every entry.
	sum[0] += mix64(s.lastTimestamp)
	sum[1] += mix64(uint64(len(s.accounts)) ^ 0x9e3779b97f4a7c15)
	sum[2] += mix64(uint64(s.transfers.len()) ^ 0xbf58476d1ce4e5b9)
	var out [32]byte
	for i, lane := range sum {
		binary.LittleEndian.PutUint64(out[8*i:], lane)
	}
	return out
}

// mix64 is SplitMix64's finalizer: a bijection on 64 bits in which every
// input bit flips about half the output bits.
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	return x ^ x>>31
}

// checkDigest asserts that the running digest is the recomputed one.
func (s *State) checkDigest() {
	if got := s.recomputeSum(); got != s.sum {
		panicf("running state digest %x differs from the recomputed %x: a change bypassed the digest's bookkeeping",
			s.sum, got)
	}
}
