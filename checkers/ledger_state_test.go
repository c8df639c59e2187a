package checkers

import (
	"slices"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/faultline/faultline/ledger"
)

// replicaWith builds a ledger holding the given transfers between accounts
// 1 and 2.
func replicaWith(t *testing.T, name string, ts ...ledger.Transfer) ReplicaState {
	t.Helper()
	s, err := ledger.New(ledger.Config{Ledgers: []ledger.LedgerSpec{{ID: 1, Scale: 2}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Apply(ledger.Command{Op: ledger.OpCreateAccounts, Accounts: []ledger.Account{
		{ID: ledger.IDFromUint64(1), Ledger: 1, Code: 1}, {ID: ledger.IDFromUint64(2), Ledger: 1, Code: 1}}}, 1); err != nil {
		t.Fatal(err)
	}
	if len(ts) > 0 {
		if _, err := s.Apply(ledger.Command{Op: ledger.OpCreateTransfers, Transfers: ts}, 2); err != nil {
			t.Fatal(err)
		}
	}
	return ReplicaState{Name: name, State: s}
}

func TestDurabilityRejectsALostAcknowledgedTransfer(t *testing.T) {
	a := xfer(10, 1, 2, 500, 0)
	acked := map[ledger.ID]ledger.Transfer{a.ID: a}
	if v := Durability([]ReplicaState{replicaWith(t, "n1", a), replicaWith(t, "n2", a)}, acked); v.Status != Pass {
		t.Fatalf("%+v", v)
	}
	v := Durability([]ReplicaState{replicaWith(t, "n1", a), replicaWith(t, "n2")}, acked)
	if v.Status != Fail || len(v.Evidence) != 1 {
		t.Fatalf("a replica that lost an acknowledged transfer passed: %+v", v)
	}
	other := xfer(10, 1, 2, 700, 0)
	if v := Durability([]ReplicaState{replicaWith(t, "n1", other)}, acked); v.Status != Fail {
		t.Fatalf("a transfer with other fields passed: %+v", v)
	}
}

func TestExactlyOnceRejectsTransfersNobodySubmitted(t *testing.T) {
	a, b := xfer(10, 1, 2, 500, 0), xfer(11, 2, 1, 100, 0)
	submitted := map[ledger.ID]ledger.Transfer{a.ID: a}
	if v := ExactlyOnce([]ReplicaState{replicaWith(t, "n1", a)}, submitted); v.Status != Pass {
		t.Fatalf("%+v", v)
	}
	if v := ExactlyOnce([]ReplicaState{replicaWith(t, "n1", a, b)}, submitted); v.Status != Fail {
		t.Fatalf("money moved by a transfer no client sent passed: %+v", v)
	}
}

func TestConservationAcceptsAHealthyLedger(t *testing.T) {
	if v := Conservation([]ReplicaState{replicaWith(t, "n1", xfer(10, 1, 2, 500, 0))}); v.Status != Pass {
		t.Fatalf("%+v", v)
	}
}

func TestConservationRejectsMoneyFromNothingAndBrokenLimits(t *testing.T) {
	d := func(s string) decimal.Decimal { return decimal.RequireFromString(s) }
	created := []ledger.Account{
		{ID: ledger.IDFromUint64(1), Ledger: 1, CreditsPosted: d("10")}, // credited with no matching debit
		{ID: ledger.IDFromUint64(2), Ledger: 1},
	}
	if got := ConservationOf(created); len(got) != 1 {
		t.Fatalf("money created from nothing: %v", got)
	}
	overdrawn := []ledger.Account{
		{ID: ledger.IDFromUint64(1), Ledger: 1, Flags: ledger.DebitsMustNotExceedCredits, DebitsPosted: d("5")},
		{ID: ledger.IDFromUint64(2), Ledger: 1, CreditsPosted: d("5")},
	}
	if got := ConservationOf(overdrawn); len(got) != 1 {
		t.Fatalf("an overdrawn account: %v", got)
	}
	balanced := []ledger.Account{
		{ID: ledger.IDFromUint64(1), Ledger: 1, DebitsPosted: d("5"), DebitsPending: d("1")},
		{ID: ledger.IDFromUint64(2), Ledger: 1, CreditsPosted: d("5.00"), CreditsPending: d("1")},
	}
	if got := ConservationOf(balanced); len(got) != 0 {
		t.Fatalf("a balanced ledger: %v", got)
	}
}

// withDigest is replicaWith with the digest the judge attaches.
func withDigest(t *testing.T, name string, ts ...ledger.Transfer) ReplicaState {
	t.Helper()
	s := replicaWith(t, name, ts...)
	s.Digest = s.State.RecomputeStateDigest()
	return s
}

// TestReplicasHoldingTheSameLedgerAreJudgedAlike: with digests attached,
// replicas that hold the same ledger are judged once, and a violation
// still names every replica that holds it, as it does without digests;
// a replica whose digest differs is judged on its own.
func TestReplicasHoldingTheSameLedgerAreJudgedAlike(t *testing.T) {
	a, b := xfer(10, 1, 2, 500, 0), xfer(11, 2, 1, 100, 0)
	acked := map[ledger.ID]ledger.Transfer{a.ID: a}
	same := []ReplicaState{withDigest(t, "n1", b), withDigest(t, "n2", b), withDigest(t, "n3", b)}
	if len(distinctStates(same)) != 1 {
		t.Fatalf("three equal ledgers are %d distinct states", len(distinctStates(same)))
	}
	v := Durability(same, acked)
	want := Durability([]ReplicaState{replicaWith(t, "n1", b), replicaWith(t, "n2", b), replicaWith(t, "n3", b)}, acked)
	if v.Status != Fail || v.Violations != 3 || !slices.Equal(v.Evidence, want.Evidence) {
		t.Fatalf("three replicas that lost an acknowledged transfer: %+v, want %+v", v, want)
	}
	mixed := []ReplicaState{withDigest(t, "n1", a), withDigest(t, "n2", a), withDigest(t, "n3", a, b)}
	if v := ExactlyOnce(mixed, acked); v.Status != Fail || v.Violations == 0 || !strings.HasPrefix(v.Evidence[0], "n3") {
		t.Fatalf("the one replica holding a transfer nobody submitted passed: %+v", v)
	}
	if v := ExactlyOnce(mixed[:2], acked); v.Status != Pass {
		t.Fatalf("%+v", v)
	}
}
