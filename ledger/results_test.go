package ledger

import (
	"testing"

	"github.com/shopspring/decimal"
)

func id(v uint64) ID { return IDFromUint64(v) }

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// fixture builds a ledger with the accounts and pending transfers every
// result-code case needs. Ledger 1 is USD (scale 2), ledger 2 is JPY
// (scale 0).
//
//	accounts 1, 2: plain USD; 3: debits must not exceed credits; 4: credits
//	must not exceed debits; 5: JPY; 6: closed.
//	transfers 100: pending 1->2 10.00; 101: pending, posted; 102: pending,
//	voided; 103: pending with a 1000ns timeout, expired; 104: posted 1->2 5.00.
func fixture(t *testing.T) *State {
	t.Helper()
	s, err := New(Config{Ledgers: []LedgerSpec{{ID: 1, Scale: 2, Name: "USD"}, {ID: 2, Scale: 0, Name: "JPY"}}})
	if err != nil {
		t.Fatal(err)
	}
	mustApply(t, s, Command{Op: OpCreateAccounts, Accounts: []Account{
		{ID: id(1), Ledger: 1, Code: 10}, {ID: id(2), Ledger: 1, Code: 10},
		{ID: id(3), Ledger: 1, Code: 10, Flags: DebitsMustNotExceedCredits},
		{ID: id(4), Ledger: 1, Code: 10, Flags: CreditsMustNotExceedDebits},
		{ID: id(5), Ledger: 2, Code: 10}, {ID: id(6), Ledger: 1, Code: 10, Flags: Closed},
	}}, 1000)
	pending := func(tid uint64, timeout uint64) Transfer {
		return Transfer{ID: id(tid), DebitAccountID: id(1), CreditAccountID: id(2), Amount: dec("10"), Ledger: 1, Code: 1, Flags: Pending, Timeout: timeout}
	}
	mustApply(t, s, Command{Op: OpCreateTransfers, Transfers: []Transfer{
		pending(100, 0), pending(101, 0), pending(102, 0), pending(103, 1000),
		{ID: id(104), DebitAccountID: id(1), CreditAccountID: id(2), Amount: dec("5"), Ledger: 1, Code: 1},
		{ID: id(105), PendingID: id(101), Flags: PostPending},
		{ID: id(106), PendingID: id(102), Flags: VoidPending},
	}}, 2000)
	// Advance ledger time past 103's deadline; any command expires it.
	mustApply(t, s, Command{Op: OpLookupAccounts, IDs: []ID{id(1)}}, 10_000)
	mustApply(t, s, Command{Op: OpCreateAccounts, Accounts: []Account{{ID: id(7), Ledger: 1, Code: 10}}}, 10_000)
	return s
}

func mustApply(t *testing.T, s *State, cmd Command, ts uint64) Reply {
	t.Helper()
	rep, err := s.Apply(cmd, ts)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range rep.Results {
		if r != Ok {
			t.Fatalf("fixture event %d: %s", i, r)
		}
	}
	if err := s.CheckInvariants(); err != nil {
		t.Fatal(err)
	}
	return rep
}

func simple(tid, debit, credit uint64, amount string) Transfer {
	return Transfer{ID: id(tid), DebitAccountID: id(debit), CreditAccountID: id(credit), Amount: dec(amount), Ledger: 1, Code: 1}
}

func TestTransferResultCodes(t *testing.T) {
	with := func(tr Transfer, f func(*Transfer)) Transfer { f(&tr); return tr }
	cases := []struct {
		name string
		tr   Transfer
		want Result
	}{
		{"ok", simple(200, 1, 2, "1.25"), Ok},
		{"exists", with(simple(104, 1, 2, "5"), func(*Transfer) {}), Exists},
		{"exists, same amount written differently", simple(104, 1, 2, "5.000"), Exists},
		{"exists with different flags", with(simple(104, 1, 2, "5"), func(t *Transfer) { t.Flags = Pending }), ExistsWithDifferentFlags},
		{"exists with different debit account", simple(104, 3, 2, "5"), ExistsWithDifferentDebitAccountID},
		{"exists with different credit account", simple(104, 1, 4, "5"), ExistsWithDifferentCreditAccountID},
		{"exists with different amount", simple(104, 1, 2, "6"), ExistsWithDifferentAmount},
		{"exists with different pending id", with(simple(104, 1, 2, "5"), func(t *Transfer) { t.PendingID = id(9) }), ExistsWithDifferentPendingID},
		{"exists with different ledger", with(simple(104, 1, 2, "5"), func(t *Transfer) { t.Ledger = 2 }), ExistsWithDifferentLedger},
		{"exists with different code", with(simple(104, 1, 2, "5"), func(t *Transfer) { t.Code = 2 }), ExistsWithDifferentCode},
		{"exists with different timeout", with(simple(100, 1, 2, "10"), func(t *Transfer) { t.Flags, t.Timeout = Pending, 5 }), ExistsWithDifferentTimeout},
		{"timestamp must be zero", with(simple(200, 1, 2, "1"), func(t *Transfer) { t.Timestamp = 1 }), TimestampMustBeZero},
		{"id must not be zero", simple(0, 1, 2, "1"), IDMustNotBeZero},
		{"unknown flags", with(simple(200, 1, 2, "1"), func(t *Transfer) { t.Flags = 1 << 12 }), FlagsAreUnknown},
		{"flags mutually exclusive", with(simple(200, 1, 2, "1"), func(t *Transfer) { t.Flags = Pending | PostPending }), FlagsAreMutuallyExclusive},
		{"close flags need pending", with(simple(200, 1, 2, "1"), func(t *Transfer) { t.Flags = CloseDebit }), CloseFlagsRequirePending},
		{"debit account id zero", simple(200, 0, 2, "1"), DebitAccountIDMustNotBeZero},
		{"credit account id zero", simple(200, 1, 0, "1"), CreditAccountIDMustNotBeZero},
		{"accounts must be different", simple(200, 1, 1, "1"), AccountsMustBeDifferent},
		{"pending id reserved for post or void", with(simple(200, 1, 2, "1"), func(t *Transfer) { t.PendingID = id(100) }), PendingIDReservedForPostOrVoid},
		{"timeout only for pending", with(simple(200, 1, 2, "1"), func(t *Transfer) { t.Timeout = 10 }), TimeoutReservedForPendingTransfer},
		{"ledger must not be zero", with(simple(200, 1, 2, "1"), func(t *Transfer) { t.Ledger = 0 }), LedgerMustNotBeZero},
		{"ledger not found", with(simple(200, 1, 2, "1"), func(t *Transfer) { t.Ledger = 9 }), LedgerNotFound},
		{"code must not be zero", with(simple(200, 1, 2, "1"), func(t *Transfer) { t.Code = 0 }), CodeMustNotBeZero},
		{"amount must be positive", simple(200, 1, 2, "0"), AmountMustBePositive},
		{"amount must not be negative", simple(200, 1, 2, "-1"), AmountMustNotBeNegative},
		{"amount scale exceeds ledger", simple(200, 1, 2, "0.001"), AmountScaleExceedsLedger},
		{"amount too large", simple(200, 1, 2, "1e40"), Overflow},
		{"debit account not found", simple(200, 99, 2, "1"), DebitAccountNotFound},
		{"credit account not found", simple(200, 1, 99, "1"), CreditAccountNotFound},
		{"ledger mismatch", simple(200, 1, 5, "1"), LedgerMismatch},
		{"debit account closed", simple(200, 6, 2, "1"), DebitAccountClosed},
		{"credit account closed", simple(200, 1, 6, "1"), CreditAccountClosed},
		{"exceeds credits", simple(200, 3, 2, "1"), ExceedsCredits},
		{"exceeds debits", simple(200, 1, 4, "1"), ExceedsDebits},
		{"post: pending id zero", Transfer{ID: id(200), Flags: PostPending}, PendingIDMustNotBeZero},
		{"post: pending id must differ", Transfer{ID: id(200), PendingID: id(200), Flags: PostPending}, PendingIDMustBeDifferent},
		{"post: timeout reserved", Transfer{ID: id(200), PendingID: id(100), Flags: PostPending, Timeout: 5}, TimeoutReservedForPendingTransfer},
		{"post: pending not found", Transfer{ID: id(200), PendingID: id(99), Flags: PostPending}, PendingTransferNotFound},
		{"post: target not pending", Transfer{ID: id(200), PendingID: id(104), Flags: PostPending}, PendingTransferNotPending},
		{"post: different debit account", Transfer{ID: id(200), PendingID: id(100), DebitAccountID: id(3), Flags: PostPending}, PendingTransferHasDifferentDebitAccountID},
		{"post: different credit account", Transfer{ID: id(200), PendingID: id(100), CreditAccountID: id(3), Flags: PostPending}, PendingTransferHasDifferentCreditAccountID},
		{"post: different ledger", Transfer{ID: id(200), PendingID: id(100), Ledger: 2, Flags: PostPending}, PendingTransferHasDifferentLedger},
		{"post: different code", Transfer{ID: id(200), PendingID: id(100), Code: 7, Flags: PostPending}, PendingTransferHasDifferentCode},
		{"post: more than reserved", Transfer{ID: id(200), PendingID: id(100), Amount: dec("10.01"), Flags: PostPending}, ExceedsPendingTransferAmount},
		{"post: partial amount", Transfer{ID: id(200), PendingID: id(100), Amount: dec("4"), Flags: PostPending}, Ok},
		{"void: different amount", Transfer{ID: id(200), PendingID: id(100), Amount: dec("3"), Flags: VoidPending}, PendingTransferHasDifferentAmount},
		{"void: ok", Transfer{ID: id(200), PendingID: id(100), Flags: VoidPending}, Ok},
		{"post: already posted", Transfer{ID: id(200), PendingID: id(101), Flags: PostPending}, PendingTransferAlreadyPosted},
		{"post: already voided", Transfer{ID: id(200), PendingID: id(102), Flags: PostPending}, PendingTransferAlreadyVoided},
		{"post: expired", Transfer{ID: id(200), PendingID: id(103), Flags: PostPending}, PendingTransferExpired},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := fixture(t)
			before := s.StateDigest()
			rep, err := s.Apply(Command{Op: OpCreateTransfers, Transfers: []Transfer{tc.tr}}, 20_000)
			if err != nil {
				t.Fatal(err)
			}
			if got := rep.Results[0]; got != tc.want {
				t.Fatalf("result %s, want %s", got, tc.want)
			}
			if err := s.CheckInvariants(); err != nil {
				t.Fatal(err)
			}
			if tc.want != Ok {
				// A refused (or repeated) event changes nothing but time.
				s2 := fixture(t)
				s2.lastTimestamp = s.lastTimestamp
				s2.chain = s.chain
				if s2.StateDigest() != s.StateDigest() || before == [32]byte{} {
					t.Fatalf("a refused event changed the state")
				}
			}
		})
	}
}

func TestAccountResultCodes(t *testing.T) {
	cases := []struct {
		name string
		a    Account
		want Result
	}{
		{"ok", Account{ID: id(50), Ledger: 1, Code: 1}, Ok},
		{"exists", Account{ID: id(1), Ledger: 1, Code: 10}, Exists},
		{"exists with different flags", Account{ID: id(1), Ledger: 1, Code: 10, Flags: Closed}, ExistsWithDifferentFlags},
		{"exists with different ledger", Account{ID: id(1), Ledger: 2, Code: 10}, ExistsWithDifferentLedger},
		{"exists with different code", Account{ID: id(1), Ledger: 1, Code: 11}, ExistsWithDifferentCode},
		{"id must not be zero", Account{Ledger: 1, Code: 1}, IDMustNotBeZero},
		{"timestamp must be zero", Account{ID: id(50), Ledger: 1, Code: 1, Timestamp: 3}, TimestampMustBeZero},
		{"unknown flags", Account{ID: id(50), Ledger: 1, Code: 1, Flags: 1 << 10}, FlagsAreUnknown},
		{"mutually exclusive flags", Account{ID: id(50), Ledger: 1, Code: 1, Flags: DebitsMustNotExceedCredits | CreditsMustNotExceedDebits}, FlagsAreMutuallyExclusive},
		{"balances must be zero", Account{ID: id(50), Ledger: 1, Code: 1, CreditsPosted: dec("1")}, BalancesMustBeZero},
		{"ledger must not be zero", Account{ID: id(50), Code: 1}, LedgerMustNotBeZero},
		{"ledger not found", Account{ID: id(50), Ledger: 7, Code: 1}, LedgerNotFound},
		{"code must not be zero", Account{ID: id(50), Ledger: 1}, CodeMustNotBeZero},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := fixture(t)
			rep, err := s.Apply(Command{Op: OpCreateAccounts, Accounts: []Account{tc.a}}, 20_000)
			if err != nil {
				t.Fatal(err)
			}
			if rep.Results[0] != tc.want {
				t.Fatalf("result %s, want %s", rep.Results[0], tc.want)
			}
		})
	}
}

func TestLinkedChainsApplyAllOrNone(t *testing.T) {
	s := fixture(t)
	before, _ := s.LookupAccount(id(1))
	link := func(tr Transfer) Transfer { tr.Flags |= Linked; return tr }
	rep, _ := s.Apply(Command{Op: OpCreateTransfers, Transfers: []Transfer{
		link(simple(300, 1, 2, "1")), link(simple(301, 1, 2, "2")), simple(302, 3, 2, "1"), // 302 exceeds credits
		simple(303, 1, 2, "4"),
		link(simple(304, 1, 2, "1")), simple(305, 1, 2, "1"),
		link(simple(306, 1, 2, "1")),
	}}, 20_000)
	want := []Result{LinkedEventFailed, LinkedEventFailed, ExceedsCredits, Ok, Ok, Ok, LinkedEventChainOpen}
	for i, r := range rep.Results {
		if r != want[i] {
			t.Fatalf("results %v, want %v", rep.Results, want)
		}
	}
	after, _ := s.LookupAccount(id(1))
	if got := after.DebitsPosted.Sub(before.DebitsPosted); !got.Equal(dec("6")) {
		t.Fatalf("debits moved by %s, want 6 (4 + the 1+1 chain)", got)
	}
	for _, missing := range []uint64{300, 301, 302, 306} {
		if _, ok := s.LookupTransfer(id(missing)); ok {
			t.Fatalf("transfer %d of a failed chain exists", missing)
		}
	}
}

func TestPendingTransfersExpireByLedgerTime(t *testing.T) {
	s := fixture(t)
	mustApply(t, s, Command{Op: OpCreateTransfers, Transfers: []Transfer{
		{ID: id(400), DebitAccountID: id(1), CreditAccountID: id(2), Amount: dec("7"), Ledger: 1, Code: 1, Flags: Pending, Timeout: 500},
	}}, 50_000)
	a, _ := s.LookupAccount(id(1))
	if !a.DebitsPending.Equal(dec("17")) { // 100's 10 + 400's 7
		t.Fatalf("debits pending %s", a.DebitsPending)
	}
	mustApply(t, s, Command{Op: OpCreateAccounts, Accounts: []Account{{ID: id(8), Ledger: 1, Code: 1}}}, 50_400)
	if a, _ = s.LookupAccount(id(1)); !a.DebitsPending.Equal(dec("17")) {
		t.Fatal("expired before its deadline")
	}
	mustApply(t, s, Command{Op: OpCreateAccounts, Accounts: []Account{{ID: id(9), Ledger: 1, Code: 1}}}, 50_500)
	if a, _ = s.LookupAccount(id(1)); !a.DebitsPending.Equal(dec("10")) {
		t.Fatalf("not expired at its deadline: debits pending %s", a.DebitsPending)
	}
}

func TestClosingTransferClosesAndVoidReopens(t *testing.T) {
	s := fixture(t)
	mustApply(t, s, Command{Op: OpCreateTransfers, Transfers: []Transfer{
		{ID: id(500), DebitAccountID: id(1), CreditAccountID: id(2), Amount: dec("1"), Ledger: 1, Code: 1, Flags: Pending | CloseDebit}}}, 30_000)
	rep, _ := s.Apply(Command{Op: OpCreateTransfers, Transfers: []Transfer{simple(501, 1, 2, "1")}}, 30_001)
	if rep.Results[0] != DebitAccountClosed {
		t.Fatalf("transfer from a closed account: %s", rep.Results[0])
	}
	mustApply(t, s, Command{Op: OpCreateTransfers, Transfers: []Transfer{{ID: id(502), PendingID: id(500), Flags: VoidPending}}}, 30_002)
	mustApply(t, s, Command{Op: OpCreateTransfers, Transfers: []Transfer{simple(503, 1, 2, "1")}}, 30_003)
}

func TestTimestampsStrictlyIncreaseWhateverTheClock(t *testing.T) {
	s := fixture(t)
	last := s.LastTimestamp()
	rep := mustApply(t, s, Command{Op: OpCreateTransfers, Transfers: []Transfer{simple(600, 1, 2, "1"), simple(601, 1, 2, "1")}}, 5) // clock far behind
	if rep.Timestamp != last+1 {
		t.Fatalf("batch stamped %d after %d", rep.Timestamp, last)
	}
	a, _ := s.LookupTransfer(id(600))
	b, _ := s.LookupTransfer(id(601))
	if a.Timestamp != last+1 || b.Timestamp != last+2 || s.LastTimestamp() != last+2 {
		t.Fatalf("timestamps %d %d, last %d", a.Timestamp, b.Timestamp, s.LastTimestamp())
	}
}
