package checkers

import (
	"math"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"
	"github.com/shopspring/decimal"

	"github.com/faultline/faultline/ledger"
)

// at is a reply stamped ts.
func at(out LedgerOutput, ts uint64) LedgerOutput {
	out.Timestamp = ts
	return out
}

func timed(t ledger.Transfer, timeout uint64) ledger.Transfer {
	t.Timeout = timeout
	return t
}

func lookupAt(client int, call, ret int64, ts uint64, closed uint32, balances ...[4]int64) porcupine.Operation {
	return porcupine.Operation{ClientId: client, Call: call, Return: ret, Input: LedgerInput{Group: 0},
		Output: LedgerOutput{Balances: units4(balances), Closed: closed, Timestamp: ts}}
}

// TestLedgerModelKeepsClusterTime: cluster time moves forward along the
// linearization, reservations expire at the first batch stamped at or
// after their deadline (not one tick later), what a reservation closes is
// closed until it is voided or expires, and a lookup may see an expiry
// that a batch of another group carried out, but never one before the
// deadline.
func TestLedgerModelKeepsClusterTime(t *testing.T) {
	model := LedgerModel(testGroups, 2)
	unknown := LedgerOutput{Unknown: true}
	pending := timed(xfer(10, 1, 2, 500, ledger.Pending), 5) // stamped 100: due at 105
	closing := timed(xfer(20, 2, 1, 0, ledger.Pending|ledger.CloseDebit), 1000)
	closing.Amount = decimal.New(100, -2)
	cases := []struct {
		name    string
		history []porcupine.Operation
		want    porcupine.CheckResult
	}{
		{"time that goes back along real time is rejected", []porcupine.Operation{
			op(0, 0, 10, []ledger.Transfer{xfer(10, 1, 2, 500, 0)}, at(results(ledger.Ok), 100)),
			op(0, 20, 30, []ledger.Transfer{xfer(11, 1, 2, 500, 0)}, at(results(ledger.Ok), 90)),
		}, porcupine.Illegal},
		{"a read that names the last event's own time is judged by what it read", []porcupine.Operation{
			op(0, 0, 10, []ledger.Transfer{xfer(10, 1, 2, 500, 0)}, at(results(ledger.Ok), 100)),
			lookupAt(1, 20, 30, 100, 0, [4]int64{0, 500, 0, 0}, [4]int64{0, 0, 0, 500}),
		}, porcupine.Ok},
		{"a read stamped before the last event it saw is rejected", []porcupine.Operation{
			op(0, 0, 10, []ledger.Transfer{xfer(10, 1, 2, 500, 0)}, at(results(ledger.Ok), 100)),
			lookupAt(1, 20, 30, 99, 0, [4]int64{0, 500, 0, 0}, [4]int64{0, 0, 0, 500}),
		}, porcupine.Illegal},
		{"concurrent operations are ordered by their times", []porcupine.Operation{
			op(0, 0, 30, []ledger.Transfer{xfer(11, 2, 1, 300, 0)}, at(results(ledger.Ok), 200)),
			op(1, 0, 30, []ledger.Transfer{xfer(10, 1, 2, 500, 0)}, at(results(ledger.Ok), 100)),
		}, porcupine.Ok},
		{"the same two, stamped the other way round, overdraw", []porcupine.Operation{
			op(0, 0, 30, []ledger.Transfer{xfer(11, 2, 1, 300, 0)}, at(results(ledger.Ok), 100)),
			op(1, 0, 30, []ledger.Transfer{xfer(10, 1, 2, 500, 0)}, at(results(ledger.Ok), 200)),
		}, porcupine.Illegal},
		{"a post stamped at the deadline finds the reservation expired", []porcupine.Operation{
			op(0, 0, 10, []ledger.Transfer{pending}, at(results(ledger.Ok), 100)),
			op(0, 20, 30, []ledger.Transfer{settle(11, 10, ledger.PostPending)}, at(results(ledger.PendingTransferExpired), 105)),
			lookupAt(1, 40, 50, 106, 0, [4]int64{}, [4]int64{}),
		}, porcupine.Ok},
		{"a post stamped at the deadline that succeeds is rejected (expiry one tick late)", []porcupine.Operation{
			op(0, 0, 10, []ledger.Transfer{pending}, at(results(ledger.Ok), 100)),
			op(0, 20, 30, []ledger.Transfer{settle(11, 10, ledger.PostPending)}, at(results(ledger.Ok), 105)),
		}, porcupine.Illegal},
		{"a post stamped before the deadline succeeds", []porcupine.Operation{
			op(0, 0, 10, []ledger.Transfer{pending}, at(results(ledger.Ok), 100)),
			op(0, 20, 30, []ledger.Transfer{settle(11, 10, ledger.PostPending)}, at(results(ledger.Ok), 104)),
			lookupAt(1, 40, 50, 200, 0, [4]int64{0, 500, 0, 0}, [4]int64{0, 0, 0, 500}),
		}, porcupine.Ok},
		{"a post stamped before the deadline that finds it expired is rejected", []porcupine.Operation{
			op(0, 0, 10, []ledger.Transfer{pending}, at(results(ledger.Ok), 100)),
			op(0, 20, 30, []ledger.Transfer{settle(11, 10, ledger.PostPending)}, at(results(ledger.PendingTransferExpired), 104)),
		}, porcupine.Illegal},
		{"a lookup after the deadline may see the reservation released by another group's batch", []porcupine.Operation{
			op(0, 0, 10, []ledger.Transfer{pending}, at(results(ledger.Ok), 100)),
			lookupAt(1, 20, 30, 110, 0, [4]int64{}, [4]int64{}),
		}, porcupine.Ok},
		{"... or still held, if no batch ran since", []porcupine.Operation{
			op(0, 0, 10, []ledger.Transfer{pending}, at(results(ledger.Ok), 100)),
			lookupAt(1, 20, 30, 110, 0, [4]int64{500, 0, 0, 0}, [4]int64{0, 0, 500, 0}),
		}, porcupine.Ok},
		{"a lookup before the deadline that sees it released is rejected", []porcupine.Operation{
			op(0, 0, 10, []ledger.Transfer{pending}, at(results(ledger.Ok), 100)),
			lookupAt(1, 20, 30, 104, 0, [4]int64{}, [4]int64{}),
		}, porcupine.Illegal},
		{"a reservation whose creation time is unknown expires within its bounds", []porcupine.Operation{
			op(0, 0, math.MaxInt64, []ledger.Transfer{pending}, unknown),
			op(1, 20, 30, []ledger.Transfer{xfer(12, 1, 2, 1, 0)}, at(results(ledger.Ok), 100)),
			op(1, 40, 50, []ledger.Transfer{settle(11, 10, ledger.PostPending)}, at(results(ledger.PendingTransferExpired), 200)),
		}, porcupine.Ok},
		{"... and not after a batch that follows its deadline", []porcupine.Operation{
			op(0, 0, math.MaxInt64, []ledger.Transfer{pending}, unknown),
			lookupAt(1, 20, 30, 150, 0, [4]int64{500, 0, 0, 0}, [4]int64{0, 0, 500, 0}), // made before 150
			op(1, 40, 50, []ledger.Transfer{settle(11, 10, ledger.PostPending)}, at(results(ledger.Ok), 200)),
		}, porcupine.Illegal},
		{"a closed account refuses transfers until its reservation is voided", []porcupine.Operation{
			op(0, 0, 10, []ledger.Transfer{xfer(5, 1, 2, 300, 0)}, at(results(ledger.Ok), 10)),
			op(0, 20, 30, []ledger.Transfer{closing}, at(results(ledger.Ok), 100)),
			op(0, 40, 50, []ledger.Transfer{xfer(21, 2, 1, 1, 0)}, at(results(ledger.DebitAccountClosed), 110)),
			op(0, 60, 70, []ledger.Transfer{xfer(22, 1, 2, 1, 0)}, at(results(ledger.CreditAccountClosed), 120)),
			lookupAt(1, 80, 90, 130, 0b10, [4]int64{0, 300, 100, 0}, [4]int64{100, 0, 0, 300}),
			op(0, 100, 110, []ledger.Transfer{settle(23, 20, ledger.VoidPending)}, at(results(ledger.Ok), 140)),
			op(0, 120, 130, []ledger.Transfer{xfer(24, 2, 1, 1, 0)}, at(results(ledger.Ok), 150)),
		}, porcupine.Ok},
		{"a transfer from a closed account that succeeds is rejected", []porcupine.Operation{
			op(0, 0, 10, []ledger.Transfer{xfer(5, 1, 2, 300, 0)}, at(results(ledger.Ok), 10)),
			op(0, 20, 30, []ledger.Transfer{closing}, at(results(ledger.Ok), 100)),
			op(0, 40, 50, []ledger.Transfer{xfer(21, 2, 1, 1, 0)}, at(results(ledger.Ok), 110)),
		}, porcupine.Illegal},
		{"a lookup that misses the closed flag is rejected", []porcupine.Operation{
			op(0, 0, 10, []ledger.Transfer{xfer(5, 1, 2, 300, 0)}, at(results(ledger.Ok), 10)),
			op(0, 20, 30, []ledger.Transfer{closing}, at(results(ledger.Ok), 100)),
			lookupAt(1, 80, 90, 130, 0, [4]int64{0, 300, 100, 0}, [4]int64{100, 0, 0, 300}),
		}, porcupine.Illegal},
		{"an expired closing reservation opens its account again", []porcupine.Operation{
			op(0, 0, 10, []ledger.Transfer{xfer(5, 1, 2, 300, 0)}, at(results(ledger.Ok), 10)),
			op(0, 20, 30, []ledger.Transfer{closing}, at(results(ledger.Ok), 100)),
			op(0, 40, 50, []ledger.Transfer{xfer(21, 2, 1, 1, 0)}, at(results(ledger.Ok), 1100)),
		}, porcupine.Ok},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := porcupine.CheckOperationsTimeout(model, tc.history, 5*time.Second); got != tc.want {
				t.Fatalf("verdict %s, want %s", got, tc.want)
			}
		})
	}
}

// TestLedgerModelAnswersAccountCreations: refused creations are checked on
// their own fields, and against the group's existing accounts.
func TestLedgerModelAnswersAccountCreations(t *testing.T) {
	model := LedgerModel(testGroups, 2)
	create := func(a ledger.Account, r ledger.Result) []porcupine.Operation {
		return []porcupine.Operation{{Input: LedgerInput{Accounts: []ledger.Account{a}}, Output: results(r), Return: 10}}
	}
	fresh := ledger.Account{ID: ledger.IDFromUint64(99), Ledger: 1, Code: 1}
	preset := fresh
	preset.CreditsPosted = decimal.New(1, 0)
	existing := ledger.Account{ID: ledger.IDFromUint64(2), Ledger: 1, Code: 1, Flags: ledger.DebitsMustNotExceedCredits}
	otherLedger := existing
	otherLedger.Ledger = 2
	chain := func(rs ...ledger.Result) []porcupine.Operation {
		linked := ledger.Account{ID: ledger.IDFromUint64(98), Ledger: 1, Code: 1, Flags: ledger.AccountLinked}
		return []porcupine.Operation{{Input: LedgerInput{Accounts: []ledger.Account{linked, preset}}, Output: results(rs...), Return: 10}}
	}
	cases := []struct {
		name    string
		history []porcupine.Operation
		want    porcupine.CheckResult
	}{
		{"preset balances are refused", create(preset, ledger.BalancesMustBeZero), porcupine.Ok},
		{"preset balances accepted are rejected", create(preset, ledger.Ok), porcupine.Illegal},
		{"an existing account sent again exists", create(existing, ledger.Exists), porcupine.Ok},
		{"on another ledger, it exists with a different ledger", create(otherLedger, ledger.ExistsWithDifferentLedger), porcupine.Ok},
		{"answered as plain exists, that is rejected", create(otherLedger, ledger.Exists), porcupine.Illegal},
		{"a valid account chained to a refused one fails with it", chain(ledger.LinkedEventFailed, ledger.BalancesMustBeZero), porcupine.Ok},
		{"... and created alone, it is rejected", chain(ledger.Ok, ledger.BalancesMustBeZero), porcupine.Illegal},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := porcupine.CheckOperationsTimeout(model, tc.history, 5*time.Second); got != tc.want {
				t.Fatalf("verdict %s, want %s", got, tc.want)
			}
		})
	}
}

// TestLedgerModelRefusesTheOtherLedger: a transfer naming ledger 2 between
// accounts of ledger 1 is a mismatch.
func TestLedgerModelRefusesTheOtherLedger(t *testing.T) {
	model := LedgerModel(testGroups, 2)
	t2 := xfer(10, 1, 2, 500, 0)
	t2.Ledger = 2
	if got := porcupine.CheckOperations(model, []porcupine.Operation{op(0, 0, 10, []ledger.Transfer{t2}, results(ledger.LedgerMismatch))}); !got {
		t.Fatal("a mismatch was not accepted")
	}
	if got := porcupine.CheckOperations(model, []porcupine.Operation{op(0, 0, 10, []ledger.Transfer{t2}, results(ledger.Ok))}); got {
		t.Fatal("a transfer across ledgers was accepted")
	}
}

// TestLedgerModelChecksTransferLookups: a lookup of transfers by ID finds
// what applied before it, with the amount the ledger resolved (a post of
// the whole reservation names none), and nothing that applied after.
func TestLedgerModelChecksTransferLookups(t *testing.T) {
	model := LedgerModel(testGroups, 2)
	find := func(client int, call, ret int64, ts uint64, amounts []int64, ids ...uint64) porcupine.Operation {
		found := make([]FoundTransfer, len(amounts))
		for i, a := range amounts {
			if a >= 0 {
				found[i] = FoundTransfer{OK: true, Amount: U(uint64(a))}
			}
		}
		in := LedgerInput{Group: 0}
		for _, id := range ids {
			in.TransferIDs = append(in.TransferIDs, ledger.IDFromUint64(id))
		}
		return porcupine.Operation{ClientId: client, Call: call, Return: ret, Input: in, Output: LedgerOutput{Found: found, Timestamp: ts}}
	}
	reserve, post := xfer(10, 1, 2, 500, ledger.Pending), settle(11, 10, ledger.PostPending)
	cases := []struct {
		name    string
		history []porcupine.Operation
		want    porcupine.CheckResult
	}{
		{"a post of the whole reservation resolves to its amount", []porcupine.Operation{
			op(0, 0, 10, []ledger.Transfer{reserve}, at(results(ledger.Ok), 100)),
			op(0, 20, 30, []ledger.Transfer{post}, at(results(ledger.Ok), 110)),
			find(1, 40, 50, 120, []int64{500, 500, -1}, 10, 11, 12),
		}, porcupine.Ok},
		{"a lookup that finds a transfer applied after it is rejected", []porcupine.Operation{
			find(1, 0, 10, 90, []int64{500}, 10),
			op(0, 20, 30, []ledger.Transfer{reserve}, at(results(ledger.Ok), 100)),
		}, porcupine.Illegal},
		{"a lookup that misses an applied transfer is rejected", []porcupine.Operation{
			op(0, 0, 10, []ledger.Transfer{reserve}, at(results(ledger.Ok), 100)),
			find(1, 20, 30, 120, []int64{-1}, 10),
		}, porcupine.Illegal},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := porcupine.CheckOperationsTimeout(model, tc.history, 5*time.Second); got != tc.want {
				t.Fatalf("verdict %s, want %s", got, tc.want)
			}
		})
	}
}
