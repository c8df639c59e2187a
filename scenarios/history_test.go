package scenarios

import (
	"testing"
	"time"

	"github.com/faultline/faultline/checkers"
	"github.com/faultline/faultline/ledger"
)

// TestDurabilityAfterAWipeReadsTheRecordedHistory: durableAfterWipe reads
// operations as History.record boxes them (by pointer), so a transfer
// acknowledged well before the wipe is asked of the survivors and one
// acknowledged just before it, or never, is not. A reader that expected
// another boxing would find no operation and ask nothing of anyone.
func TestDurabilityAfterAWipeReadsTheRecordedHistory(t *testing.T) {
	h := newHistory()
	early, late, refused := ledger.IDFromUint64(1), ledger.IDFromUint64(2), ledger.IDFromUint64(3)
	batch := func(id ledger.ID) checkers.LedgerInput {
		return checkers.LedgerInput{Transfers: []ledger.Transfer{{ID: id}}}
	}
	wipeAt := 5 * time.Second
	h.record(0, batch(early), checkers.LedgerOutput{Results: []ledger.Result{ledger.Ok}}, time.Second, 2*time.Second)
	h.record(1, batch(late), checkers.LedgerOutput{Results: []ledger.Result{ledger.Ok}}, 4*time.Second, wipeAt-time.Millisecond)
	h.record(2, batch(refused), checkers.LedgerOutput{Results: []ledger.Result{ledger.ExceedsCredits}}, time.Second, 2*time.Second)
	_, acked := durableAfterWipe(nil, nil, h.Ops, wipeAt)
	if _, ok := acked[early]; !ok || len(acked) != 1 {
		t.Errorf("acknowledged before the wipe: %v, want only transfer %s", acked, early)
	}
}
