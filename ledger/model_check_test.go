package ledger

import (
	"fmt"
	"testing"

	"github.com/shopspring/decimal"
	"pgregory.net/rapid"
)

var (
	genAmounts = []string{"0", "1", "2.5", "10", "0.01", "0.001", "-1", "100", "3.00"}
	genFlags   = []TransferFlags{0, 0, 0, Pending, Pending, PostPending, VoidPending, Pending | CloseDebit,
		Pending | CloseCredit, Pending | PostPending}
)

func genTransfer(t *rapid.T, label string) Transfer {
	tr := Transfer{
		ID:              id(rapid.Uint64Range(0, 40).Draw(t, label+"id")),
		DebitAccountID:  id(rapid.Uint64Range(0, 6).Draw(t, label+"debit")),
		CreditAccountID: id(rapid.Uint64Range(0, 6).Draw(t, label+"credit")),
		Amount:          decimal.RequireFromString(rapid.SampledFrom(genAmounts).Draw(t, label+"amount")),
		Ledger:          rapid.SampledFrom([]uint32{1, 1, 1, 2, 3}).Draw(t, label+"ledger"),
		Code:            1,
		Flags:           rapid.SampledFrom(genFlags).Draw(t, label+"flags"),
	}
	if rapid.IntRange(0, 4).Draw(t, label+"linked") == 0 {
		tr.Flags |= Linked
	}
	if tr.Flags&Pending != 0 && rapid.Bool().Draw(t, label+"timed") {
		tr.Timeout = rapid.SampledFrom([]uint64{50, 500, 5000}).Draw(t, label+"timeout")
	}
	if tr.Flags&(PostPending|VoidPending) != 0 {
		tr.PendingID = id(rapid.Uint64Range(0, 40).Draw(t, label+"pending"))
		if rapid.Bool().Draw(t, label+"inherit") {
			tr.DebitAccountID, tr.CreditAccountID, tr.Ledger, tr.Code = ID{}, ID{}, 0, 0
		}
	}
	return tr
}

func genAccounts(t *rapid.T) []Account {
	flags := []AccountFlags{0, 0, DebitsMustNotExceedCredits, CreditsMustNotExceedDebits, Closed, AccountLinked}
	n := rapid.IntRange(1, 4).Draw(t, "accounts")
	out := make([]Account, n)
	for i := range out {
		out[i] = Account{ID: id(rapid.Uint64Range(1, 6).Draw(t, "acct")), Ledger: rapid.SampledFrom([]uint32{1, 1, 2, 3}).Draw(t, "aledger"),
			Code: 1, Flags: rapid.SampledFrom(flags).Draw(t, "aflags")}
	}
	return out
}

// TestStateMatchesReferenceModel drives the ledger and the reference model
// with the same random commands and compares every result and balance;
// after every command the ledger's invariants must hold, and at a random
// point it is snapshotted, restored and continued in lockstep.
func TestStateMatchesReferenceModel(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		s, _ := New(Config{Ledgers: []LedgerSpec{{ID: 1, Scale: 2}, {ID: 2, Scale: 0}}})
		m := newModel()
		ts := uint64(1000)
		restoreAt := rapid.IntRange(0, 30).Draw(t, "restoreAt")
		for step := range rapid.IntRange(1, 30).Draw(t, "steps") {
			var cmd Command
			if step < 2 || rapid.IntRange(0, 3).Draw(t, "kind") == 0 {
				cmd = Command{Op: OpCreateAccounts, Accounts: genAccounts(t)}
			} else {
				cmd = Command{Op: OpCreateTransfers}
				for i := range rapid.IntRange(1, 6).Draw(t, "batch") {
					cmd.Transfers = append(cmd.Transfers, genTransfer(t, fmt.Sprint(i)))
				}
			}
			ts = uint64(int64(ts) + rapid.Int64Range(-100, 400).Draw(t, "dt"))
			rep, err := s.Apply(cmd, ts)
			if err != nil {
				t.Fatal(err)
			}
			want := m.apply(cmd, ts)
			for i := range want {
				if rep.Results[i] != want[i] {
					t.Fatalf("step %d event %d (%+v): ledger %s, model %s", step, i, eventOf(cmd, i), rep.Results[i], want[i])
				}
			}
			compareBalances(t, s, m)
			if s.StateDigest() != s.RecomputeStateDigest() {
				t.Fatalf("step %d: the running state digest is not the recomputed one", step)
			}
			if err := s.CheckInvariants(); err != nil {
				t.Fatal(err)
			}
			if step == restoreAt {
				restored, err := Restore(s.Snapshot())
				if err != nil {
					t.Fatal(err)
				}
				if restored.StateDigest() != s.StateDigest() || restored.ChainDigest() != s.ChainDigest() {
					t.Fatal("a restored state has another digest")
				}
				s = restored
			}
		}
	})
}

func eventOf(cmd Command, i int) any {
	if cmd.Op == OpCreateAccounts {
		return cmd.Accounts[i]
	}
	return cmd.Transfers[i]
}

func compareBalances(t *rapid.T, s *State, m *model) {
	if s.AccountCount() != len(m.accounts) || s.TransferCount() != len(m.transfers) {
		t.Fatalf("ledger has %d accounts, %d transfers; model %d, %d", s.AccountCount(), s.TransferCount(), len(m.accounts), len(m.transfers))
	}
	for aid, ma := range m.accounts {
		a, ok := s.LookupAccount(aid)
		scale := int32(m.scales[ma.ledger])
		if !ok || a.Flags != ma.flags ||
			!a.DebitsPending.Equal(decimal.NewFromBigInt(ma.debitsPending, -scale)) ||
			!a.DebitsPosted.Equal(decimal.NewFromBigInt(ma.debitsPosted, -scale)) ||
			!a.CreditsPending.Equal(decimal.NewFromBigInt(ma.creditsPending, -scale)) ||
			!a.CreditsPosted.Equal(decimal.NewFromBigInt(ma.creditsPosted, -scale)) {
			t.Fatalf("account %s: ledger %+v, model %+v", aid, a, ma)
		}
	}
}
