package ledger

import (
	"strings"
	"testing"
)

// mustPanic runs f and fails unless it stops at a broken invariant whose
// message contains want.
func mustPanic(t *testing.T, want string, f func()) {
	t.Helper()
	defer func() {
		t.Helper()
		p := recover()
		if p == nil {
			t.Fatalf("no panic, want an invariant broken: %q", want)
		}
		msg, _ := p.(string)
		if !strings.HasPrefix(msg, "ledger: invariant broken: ") || !strings.Contains(msg, want) {
			t.Fatalf("panic %v, want an invariant broken: %q", p, want)
		}
	}()
	f()
}

// oneSided adds a unit to an account's posted debits alone: money out of
// nowhere, the bug the conservation watch is there to catch.
func oneSided(a *account) { a.debitsPosted, _ = a.debitsPosted.add(u128{lo: 1}) }

func watchedIDs(w []watchedAccount) []uint64 {
	var out []uint64
	for _, x := range w {
		out = append(out, x.a.id.Lo)
	}
	return out
}

func TestATransferThatCreatesMoneyIsCaught(t *testing.T) {
	s := fixture(t)
	tr := simple(200, 1, 2, "3")
	var buf [watchEventInline]watchedAccount
	w := s.watchTransfer(buf[:0], event(tr))
	if r := s.createTransfer(event(tr), 20_000); r != Ok {
		t.Fatal(r)
	}
	checkConserved(w, "transfer") // a real transfer moves both sides
	tr = simple(201, 1, 2, "3")
	w = s.watchTransfer(buf[:0], event(tr))
	s.createTransfer(event(tr), 20_001)
	oneSided(s.accounts[id(2)])
	mustPanic(t, "transfer moved ledger 1's debits minus credits by {0 0} pending, {0 1} posted", func() {
		checkConserved(w, "transfer")
	})
}

func TestAPostIsWatchedOnItsPendingTransfersAccounts(t *testing.T) {
	s := fixture(t)
	var buf [watchEventInline]watchedAccount
	// A post naming no accounts takes pending transfer 100's, 1 and 2; one
	// naming them too holds each once.
	for _, tr := range []Transfer{
		{ID: id(200), PendingID: id(100), Flags: PostPending},
		{ID: id(200), DebitAccountID: id(1), CreditAccountID: id(2), PendingID: id(100), Flags: PostPending},
	} {
		w := s.watchTransfer(buf[:0], event(tr))
		if got := watchedIDs(w); len(got) != 2 || got[0] != 1 || got[1] != 2 {
			t.Fatalf("watching %v, want [1 2]", got)
		}
	}
	tr := Transfer{ID: id(200), PendingID: id(100), Flags: PostPending, Amount: dec("4")}
	w := s.watchTransfer(buf[:0], event(tr))
	if r := s.createTransfer(event(tr), 20_000); r != Ok {
		t.Fatal(r)
	}
	checkConserved(w, "post") // 4 posted and 6 released on both sides
}

func TestExpiryIsWatchedOnTheDueTransfersOnly(t *testing.T) {
	s := fixture(t)
	mustApply(t, s, Command{Op: OpCreateAccounts, Accounts: []Account{
		{ID: id(8), Ledger: 1, Code: 1}, {ID: id(9), Ledger: 1, Code: 1}}}, 40_000)
	pending := func(tid, debit, credit, timeout uint64) Transfer {
		return Transfer{ID: id(tid), DebitAccountID: id(debit), CreditAccountID: id(credit), Amount: dec("1"),
			Ledger: 1, Code: 1, Flags: Pending, Timeout: timeout}
	}
	mustApply(t, s, Command{Op: OpCreateTransfers, Transfers: []Transfer{
		pending(400, 1, 2, 500), pending(401, 8, 9, 5000), pending(402, 2, 1, 600)}}, 50_000)
	now := uint64(50_700)
	if !s.expiryDue(now) {
		t.Fatal("nothing due")
	}
	var buf [watchEventInline]watchedAccount
	w := s.watchExpiry(buf[:0], now)
	if got := watchedIDs(w); len(got) != 2 || got[0] != 1 || got[1] != 2 {
		t.Fatalf("watching %v, want [1 2]: 401 on 8 and 9 is not due", got)
	}
	s.expire(now)
	checkConserved(w, "expiry")
	w = s.watchExpiry(buf[:0], 60_000)
	s.expire(60_000)
	oneSided(s.accounts[id(9)])
	mustPanic(t, "expiry moved ledger 1's", func() { checkConserved(w, "expiry") })
}

func TestARollbackThatRestoresTheWrongBalanceIsCaught(t *testing.T) {
	for _, spoil := range []bool{false, true} {
		s := fixture(t)
		s.recording, s.undo = true, s.undo[:0]
		tr := simple(200, 1, 2, "3")
		if r := s.createTransfer(event(tr), 20_000); r != Ok {
			t.Fatal(r)
		}
		if !spoil {
			s.rollbackConserving()
			continue
		}
		for i := range s.undo {
			if u := &s.undo[i]; u.kind == undoAccountChanged && u.account.id == id(1) {
				oneSided(&u.saved) // the copy the rollback restores is not the one saved
			}
		}
		mustPanic(t, "rollback moved ledger 1's", s.rollbackConserving)
	}
}

func TestANewAccountHoldsNothing(t *testing.T) {
	s := fixture(t)
	s.checkNewAccount(id(7))
	s.accounts[id(7)].creditsPending = u128{lo: 1}
	mustPanic(t, "created with balances", func() { s.checkNewAccount(id(7)) })
	mustPanic(t, "created with balances (or not at all)", func() { s.checkNewAccount(id(99)) })
}

// The watch sums modulo 2^128: equal moves balance in every ledger even
// where a sum wraps, and each ledger is judged on its own.
func TestConservationSumsWrapAndStayPerLedger(t *testing.T) {
	top := u128{hi: ^uint64(0), lo: ^uint64(0) - 5}
	a := &account{id: id(1), ledger: 1, debitsPosted: top}
	b := &account{id: id(2), ledger: 1, creditsPosted: top}
	c := &account{id: id(3), ledger: 2, creditsPending: top}
	d := &account{id: id(4), ledger: 2, debitsPending: top}
	w := sealWatch([]watchedAccount{{a: d}, {a: b}, {a: c}, {a: a}, {a: b}})
	if got := watchedIDs(w); len(got) != 4 {
		t.Fatalf("watching %v, want each account once", got)
	}
	five := u128{lo: 5}
	a.debitsPosted, _ = a.debitsPosted.add(five)
	b.creditsPosted, _ = b.creditsPosted.add(five)
	c.creditsPending = c.creditsPending.sub(five)
	d.debitsPending = d.debitsPending.sub(five)
	checkConserved(w, "test")
	c.creditsPending = c.creditsPending.sub(five) // ledger 2 alone now moves
	mustPanic(t, "test moved ledger 2's", func() { checkConserved(w, "test") })
}

func TestASnapshotOfAnUnbalancedLedgerIsNotWritten(t *testing.T) {
	s := fixture(t)
	if _, err := Restore(s.Snapshot()); err != nil {
		t.Fatal(err)
	}
	oneSided(s.accounts[id(5)])
	mustPanic(t, "snapshot of ledger 2: debits minus credits {0 0} pending, {0 1} posted", func() { s.Snapshot() })
}

// event returns a transfer as the apply path reads it.
func event(t Transfer) *transferEvent {
	e := transferEventOf(&t)
	return &e
}
