package scenarios

import (
	"testing"

	"github.com/shopspring/decimal"

	"github.com/faultline/faultline/checkers"
	"github.com/faultline/faultline/ledger"
)

// TestRepliesReadInUnitsAgreeWithDecimals: the workload reads replies with
// ledger.DecodeReplyUnits; every amount must come out as decoding decimals
// and converting them with checkers.UnitsOf did, wide ones included, and an
// amount no USD ledger could send falls back to that conversion.
func TestRepliesReadInUnitsAgreeWithDecimals(t *testing.T) {
	wide, _ := decimal.NewFromString("3402823669209384634633746074317682114.55") // 2^128-1 units
	amounts := []decimal.Decimal{decimal.Zero, decimal.New(1, -2), decimal.New(5000, -2), decimal.New(7, 3),
		decimal.New(1, 18), wide, decimal.New(1, -3)} // the last is finer than a cent
	for _, amount := range amounts {
		rep := ledger.Reply{Timestamp: 9, Results: []ledger.Result{ledger.Ok},
			Accounts: []ledger.Account{{ID: ledger.IDFromUint64(1), Ledger: 1, DebitsPending: amount,
				DebitsPosted: decimal.New(3, 0), CreditsPending: amount, CreditsPosted: decimal.Zero, Flags: ledger.Closed}},
			Transfers: []ledger.Transfer{{ID: ledger.IDFromUint64(2), Amount: amount}}}
		var w workload
		got, err := w.decodeReply(ledger.EncodeReply(rep))
		if err != nil {
			t.Fatalf("%s: %v", amount, err)
		}
		want := checkers.UnitsOf(amount, USD.Scale)
		a := got.Accounts[0]
		if unitsOf(a.Balances[0]) != want || unitsOf(a.Balances[2]) != want || unitsOf(a.Balances[1]) != checkers.U(300) ||
			!a.Balances[3].IsZero() || a.Flags != ledger.Closed || a.ID != ledger.IDFromUint64(1) {
			t.Errorf("%s: account read as %+v, want balances %v", amount, a, want)
		}
		if unitsOf(got.Transfers[0].Amount) != want || got.Transfers[0].ID != ledger.IDFromUint64(2) {
			t.Errorf("%s: transfer read as %+v, want %v", amount, got.Transfers[0], want)
		}
		if got.Timestamp != 9 || len(got.Results) != 1 || got.Results[0] != ledger.Ok {
			t.Errorf("%s: reply read as %+v", amount, got)
		}
	}
}

// TestReplyReadInUnitsAllocatesOnlyItsResults: a lookup's reply read into
// the workload's reused ReplyUnits allocates nothing but its Results,
// which the history keeps.
func TestReplyReadInUnitsAllocatesOnlyItsResults(t *testing.T) {
	if raceDetector {
		t.Skip("the race detector's instrumentation may allocate")
	}
	rep := ledger.Reply{Timestamp: 9, Accounts: make([]ledger.Account, 5)}
	for i := range rep.Accounts {
		rep.Accounts[i] = ledger.Account{ID: ledger.IDFromUint64(uint64(i + 1)), Ledger: 1, DebitsPosted: decimal.New(int64(i), -2)}
	}
	b := ledger.EncodeReply(rep)
	var w workload
	if n := testing.AllocsPerRun(100, func() { _, _ = w.decodeReply(b) }); n != 0 {
		t.Fatalf("reading a lookup's reply allocates %v times", n)
	}
}
