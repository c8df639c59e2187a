package checkers

import (
	"math"
	"testing"

	"github.com/anishathalye/porcupine"

	"github.com/faultline/faultline/ledger"
)

// pinLedger is a ledger holding the test group's accounts, with the given
// transfer batches applied at the given times.
func pinLedger(t *testing.T, batches map[uint64][]ledger.Transfer, order ...uint64) *ledger.State {
	t.Helper()
	s, err := ledger.New(ledger.Config{Ledgers: []ledger.LedgerSpec{{ID: 1, Scale: 2, Name: "USD"}}})
	if err != nil {
		t.Fatal(err)
	}
	apply := func(cmd ledger.Command, ts uint64) {
		if _, err := s.ApplyEncoded(ledger.EncodeCommand(cmd), ts); err != nil {
			t.Fatal(err)
		}
	}
	apply(ledger.Command{Op: ledger.OpCreateAccounts, Accounts: []ledger.Account{
		{ID: ledger.IDFromUint64(1), Ledger: 1, Code: 1},
		{ID: ledger.IDFromUint64(2), Ledger: 1, Code: 1, Flags: ledger.DebitsMustNotExceedCredits}}}, 1)
	for _, ts := range order {
		apply(ledger.Command{Op: ledger.OpCreateTransfers, Transfers: batches[ts]}, ts)
	}
	return s
}

// TestPinUnknownsPlacesWhatTheLedgerHolds: an unknown transfer the ledger
// never applied leaves the check, one it applied is pinned to the time it
// applied at (so a lookup from before that time that saw it is caught,
// where an unpinned one could have slid before the lookup), and an unknown
// copy of a transfer a known operation applied leaves the check too.
func TestPinUnknownsPlacesWhatTheLedgerHolds(t *testing.T) {
	model := LedgerModel(testGroups, 2)
	unknown := LedgerOutput{Unknown: true}
	applied, never, again := xfer(10, 1, 2, 500, 0), xfer(11, 1, 2, 700, 0), xfer(12, 1, 2, 100, 0)
	final := pinLedger(t, map[uint64][]ledger.Transfer{100: {again}, 200: {applied}}, 100, 200)
	history := []porcupine.Operation{
		op(0, 0, math.MaxInt64, []ledger.Transfer{applied}, unknown),
		op(1, 0, math.MaxInt64, []ledger.Transfer{never}, unknown),
		op(2, 0, 10, []ledger.Transfer{again}, at(results(ledger.Ok), 100)),
		op(3, 20, math.MaxInt64, []ledger.Transfer{again}, unknown),
		// a lookup stamped 150 that sees transfer 10, which the ledger applied at 200
		lookupAt(4, 30, 40, 150, 0, [4]int64{0, 600, 0, 0}, [4]int64{0, 0, 0, 600}),
	}
	pinned := PinUnknowns(history, final)
	if len(pinned) != 3 {
		t.Fatalf("kept %d operations, want 3 (the never-applied and the copy leave): %v", len(pinned), pinned)
	}
	if got := pinned[0].Output.(LedgerOutput); !got.Unknown || got.Timestamp != 200 {
		t.Fatalf("the applied transfer is %+v, want unknown at 200", got)
	}
	if !porcupine.CheckOperations(model, history) {
		t.Fatal("unpinned, the history should pass: transfer 10 may have applied before the lookup")
	}
	if porcupine.CheckOperations(model, pinned) {
		t.Fatal("pinned, the lookup at 150 saw a transfer applied at 200: it must fail")
	}
}

// TestPinUnknownsLeavesAPartlyHeldChainAlone: a chain of which the ledger
// holds only one event is no operation's clean effect; it stays unknown
// and unpinned, for the other checkers to judge.
func TestPinUnknownsLeavesAPartlyHeldChainAlone(t *testing.T) {
	first := xfer(10, 1, 2, 500, 0)
	final := pinLedger(t, map[uint64][]ledger.Transfer{100: {first}}, 100)
	chain := []ledger.Transfer{xfer(10, 1, 2, 500, ledger.Linked), xfer(11, 1, 2, 100, 0)}
	history := []porcupine.Operation{op(0, 0, math.MaxInt64, chain, LedgerOutput{Unknown: true})}
	pinned := PinUnknowns(history, final)
	if len(pinned) != 1 || pinned[0].Output.(LedgerOutput).Timestamp != 0 {
		t.Fatalf("got %+v", pinned)
	}
}

// TestOverdueFindsAReservationThatOutlivedItsDeadline: a timed reservation
// still pending although a batch stamped well after its deadline ran is
// evidence; one settled, or whose deadline no batch has surely passed, is
// not.
func TestOverdueFindsAReservationThatOutlivedItsDeadline(t *testing.T) {
	r := ledger.TransferUnits{ID: ledger.IDFromUint64(10), Timestamp: 1000, Timeout: 50}
	late := uint64(1050 + ledger.BatchEventsMax - 1)
	if got := overdue("n0", []ledger.TransferUnits{r}, nil, late); len(got) != 1 {
		t.Fatalf("overdue reservation not reported: %v", got)
	}
	if got := overdue("n0", []ledger.TransferUnits{r}, map[ledger.ID]bool{r.ID: true}, late); len(got) != 0 {
		t.Fatalf("a settled reservation reported: %v", got)
	}
	if got := overdue("n0", []ledger.TransferUnits{r}, nil, late-1); len(got) != 0 {
		t.Fatalf("a batch that may have started before the deadline counted: %v", got)
	}
}
