package checkers

import (
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"
	"github.com/shopspring/decimal"

	"github.com/faultline/faultline/ledger"
)

var testGroups = [][]GroupAccount{{
	{ID: ledger.IDFromUint64(1)},
	{ID: ledger.IDFromUint64(2), Flags: ledger.DebitsMustNotExceedCredits},
}}

func xfer(id, debit, credit uint64, cents int64, flags ledger.TransferFlags) ledger.Transfer {
	return ledger.Transfer{ID: ledger.IDFromUint64(id), DebitAccountID: ledger.IDFromUint64(debit),
		CreditAccountID: ledger.IDFromUint64(credit), Amount: decimal.New(cents, -2), Ledger: 1, Code: 1, Flags: flags}
}

func settle(id, pending uint64, flags ledger.TransferFlags) ledger.Transfer {
	return ledger.Transfer{ID: ledger.IDFromUint64(id), PendingID: ledger.IDFromUint64(pending), Flags: flags}
}

func op(client int, call, ret int64, ts []ledger.Transfer, out LedgerOutput) porcupine.Operation {
	return porcupine.Operation{ClientId: client, Call: call, Return: ret, Input: LedgerInput{Group: 0, Transfers: ts}, Output: out}
}

func settleAmount(id, pending uint64, flags ledger.TransferFlags, cents int64) ledger.Transfer {
	t := settle(id, pending, flags)
	t.Amount = decimal.New(cents, -2)
	return t
}

func withAmount(t ledger.Transfer, amount decimal.Decimal) ledger.Transfer {
	t.Amount = amount
	return t
}

// units4 converts balances written as small numbers.
func units4(bs [][4]int64) [][4]Units {
	out := make([][4]Units, len(bs))
	for i, b := range bs {
		out[i] = Balances4(b)
	}
	return out
}

func results(rs ...ledger.Result) LedgerOutput { return LedgerOutput{Results: rs} }

func lookup(client int, call, ret int64, balances ...[4]int64) porcupine.Operation {
	return porcupine.Operation{ClientId: client, Call: call, Return: ret, Input: LedgerInput{Group: 0},
		Output: LedgerOutput{Balances: units4(balances)}}
}

func TestLedgerModelVerdicts(t *testing.T) {
	model := LedgerModel(testGroups, 2)
	cases := []struct {
		name    string
		history []porcupine.Operation
		want    porcupine.CheckResult
	}{
		{"a transfer then a lookup that sees it", []porcupine.Operation{
			op(0, 0, 10, []ledger.Transfer{xfer(10, 1, 2, 500, 0)}, results(ledger.Ok)),
			lookup(1, 20, 30, [4]int64{0, 500, 0, 0}, [4]int64{0, 0, 0, 500}),
		}, porcupine.Ok},
		{"a stale read: the lookup misses a completed transfer", []porcupine.Operation{
			op(0, 0, 10, []ledger.Transfer{xfer(10, 1, 2, 500, 0)}, results(ledger.Ok)),
			lookup(1, 20, 30, [4]int64{}, [4]int64{}),
		}, porcupine.Illegal},
		{"money from nothing: a lookup shows a balance nobody moved", []porcupine.Operation{
			lookup(1, 0, 10, [4]int64{0, 100, 0, 0}, [4]int64{0, 0, 0, 100}),
		}, porcupine.Illegal},
		{"the limit: account 2 cannot overdraw", []porcupine.Operation{
			op(0, 0, 10, []ledger.Transfer{xfer(10, 2, 1, 100, 0)}, results(ledger.ExceedsCredits)),
			op(0, 20, 30, []ledger.Transfer{xfer(11, 1, 2, 300, 0)}, results(ledger.Ok)),
			op(0, 40, 50, []ledger.Transfer{xfer(12, 2, 1, 100, 0)}, results(ledger.Ok)),
		}, porcupine.Ok},
		{"an overdraft that was allowed is rejected", []porcupine.Operation{
			op(0, 0, 10, []ledger.Transfer{xfer(10, 2, 1, 100, 0)}, results(ledger.Ok)),
		}, porcupine.Illegal},
		{"a retried transfer is Exists, never applied twice", []porcupine.Operation{
			op(0, 0, 10, []ledger.Transfer{xfer(10, 1, 2, 500, 0)}, results(ledger.Ok)),
			op(1, 20, 30, []ledger.Transfer{xfer(10, 1, 2, 500, 0)}, results(ledger.Exists)),
			lookup(1, 40, 50, [4]int64{0, 500, 0, 0}, [4]int64{0, 0, 0, 500}),
		}, porcupine.Ok},
		{"a double-applied retry is rejected", []porcupine.Operation{
			op(0, 0, 10, []ledger.Transfer{xfer(10, 1, 2, 500, 0)}, results(ledger.Ok)),
			op(1, 20, 30, []ledger.Transfer{xfer(10, 1, 2, 500, 0)}, results(ledger.Ok)),
		}, porcupine.Illegal},
		{"post then a second post says already posted", []porcupine.Operation{
			op(0, 0, 10, []ledger.Transfer{xfer(10, 1, 2, 500, ledger.Pending)}, results(ledger.Ok)),
			op(0, 20, 30, []ledger.Transfer{settle(11, 10, ledger.PostPending)}, results(ledger.Ok)),
			op(1, 40, 50, []ledger.Transfer{settle(12, 10, ledger.VoidPending)}, results(ledger.PendingTransferAlreadyPosted)),
			lookup(1, 60, 70, [4]int64{0, 500, 0, 0}, [4]int64{0, 0, 0, 500}),
		}, porcupine.Ok},
		{"a void that claims success after a post is rejected", []porcupine.Operation{
			op(0, 0, 10, []ledger.Transfer{xfer(10, 1, 2, 500, ledger.Pending)}, results(ledger.Ok)),
			op(0, 20, 30, []ledger.Transfer{settle(11, 10, ledger.PostPending)}, results(ledger.Ok)),
			op(1, 40, 50, []ledger.Transfer{settle(12, 10, ledger.VoidPending)}, results(ledger.Ok)),
		}, porcupine.Illegal},
		{"a linked chain applies all or none", []porcupine.Operation{
			op(0, 0, 10, []ledger.Transfer{xfer(10, 1, 2, 100, ledger.Linked), xfer(11, 2, 1, 500, 0)},
				results(ledger.LinkedEventFailed, ledger.ExceedsCredits)),
			lookup(1, 20, 30, [4]int64{}, [4]int64{}),
		}, porcupine.Ok},
		{"half a chain visible is rejected", []porcupine.Operation{
			op(0, 0, 10, []ledger.Transfer{xfer(10, 1, 2, 100, ledger.Linked), xfer(11, 2, 1, 500, 0)},
				results(ledger.LinkedEventFailed, ledger.ExceedsCredits)),
			lookup(1, 20, 30, [4]int64{0, 100, 0, 0}, [4]int64{0, 0, 0, 100}),
		}, porcupine.Illegal},
		{"a timed-out transfer may apply late", []porcupine.Operation{
			op(0, 0, math.MaxInt64, []ledger.Transfer{xfer(10, 1, 2, 500, 0)}, LedgerOutput{Unknown: true}),
			lookup(1, 20, 30, [4]int64{}, [4]int64{}),
			lookup(1, 40, 50, [4]int64{0, 500, 0, 0}, [4]int64{0, 0, 0, 500}),
		}, porcupine.Ok},
		{"a timed-out transfer may never apply", []porcupine.Operation{
			op(0, 0, math.MaxInt64, []ledger.Transfer{xfer(10, 1, 2, 500, 0)}, LedgerOutput{Unknown: true}),
			lookup(1, 20, 30, [4]int64{}, [4]int64{}),
		}, porcupine.Ok},
		{"a partial post moves what it posts and releases the rest", []porcupine.Operation{
			op(0, 0, 10, []ledger.Transfer{xfer(10, 1, 2, 500, ledger.Pending)}, results(ledger.Ok)),
			op(0, 20, 30, []ledger.Transfer{settleAmount(11, 10, ledger.PostPending, 200)}, results(ledger.Ok)),
			lookup(1, 40, 50, [4]int64{0, 200, 0, 0}, [4]int64{0, 0, 0, 200}),
		}, porcupine.Ok},
		{"a partial post that leaves the remainder reserved is rejected", []porcupine.Operation{
			op(0, 0, 10, []ledger.Transfer{xfer(10, 1, 2, 500, ledger.Pending)}, results(ledger.Ok)),
			op(0, 20, 30, []ledger.Transfer{settleAmount(11, 10, ledger.PostPending, 200)}, results(ledger.Ok)),
			lookup(1, 40, 50, [4]int64{300, 200, 0, 0}, [4]int64{0, 0, 300, 200}),
		}, porcupine.Illegal},
		{"a post of more than reserved is refused", []porcupine.Operation{
			op(0, 0, 10, []ledger.Transfer{xfer(10, 1, 2, 500, ledger.Pending)}, results(ledger.Ok)),
			op(0, 20, 30, []ledger.Transfer{settleAmount(11, 10, ledger.PostPending, 501)}, results(ledger.ExceedsPendingTransferAmount)),
		}, porcupine.Ok},
		{"an amount finer than the ledger's scale accepted is rejected", []porcupine.Operation{
			op(0, 0, 10, []ledger.Transfer{withAmount(xfer(10, 1, 2, 0, 0), decimal.New(12345, -3))}, results(ledger.Ok)),
		}, porcupine.Illegal},
		{"an amount finer than the ledger's scale is refused", []porcupine.Operation{
			op(0, 0, 10, []ledger.Transfer{withAmount(xfer(10, 1, 2, 0, 0), decimal.New(12345, -3))}, results(ledger.AmountScaleExceedsLedger)),
			lookup(1, 20, 30, [4]int64{}, [4]int64{}),
		}, porcupine.Ok},
		{"an amount beyond 128 bits is an overflow", []porcupine.Operation{
			op(0, 0, 10, []ledger.Transfer{withAmount(xfer(10, 1, 2, 0, 0), decimal.New(1, 40))}, results(ledger.Overflow)),
		}, porcupine.Ok},
		{"a reused ID with another amount is exists-with-different-amount, and moves nothing", []porcupine.Operation{
			op(0, 0, 10, []ledger.Transfer{xfer(10, 1, 2, 500, 0)}, results(ledger.Ok)),
			op(1, 20, 30, []ledger.Transfer{xfer(10, 1, 2, 501, 0)}, results(ledger.ExistsWithDifferentAmount)),
			lookup(1, 40, 50, [4]int64{0, 500, 0, 0}, [4]int64{0, 0, 0, 500}),
		}, porcupine.Ok},
		{"a reused ID answered as plain exists is rejected", []porcupine.Operation{
			op(0, 0, 10, []ledger.Transfer{xfer(10, 1, 2, 500, 0)}, results(ledger.Ok)),
			op(1, 20, 30, []ledger.Transfer{xfer(10, 1, 2, 501, 0)}, results(ledger.Exists)),
		}, porcupine.Illegal},
		{"a zero ID accepted is rejected, even alone in its partition", []porcupine.Operation{
			op(0, 0, 10, []ledger.Transfer{xfer(0, 1, 2, 500, 0)}, results(ledger.Ok)),
		}, porcupine.Illegal},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := porcupine.CheckOperationsTimeout(model, tc.history, 5*time.Second); got != tc.want {
				t.Fatalf("verdict %s, want %s", got, tc.want)
			}
			if got := porcupine.CheckOperationsTimeout(model, boxedByPointer(tc.history), 5*time.Second); got != tc.want {
				t.Fatalf("boxed by pointer (as the workload's history is): verdict %s, want %s", got, tc.want)
			}
		})
	}
}

// boxedByPointer returns a copy of history whose inputs and outputs are
// boxed as pointers, as the workload's history boxes them.
func boxedByPointer(history []porcupine.Operation) []porcupine.Operation {
	out := make([]porcupine.Operation, len(history))
	for i, op := range history {
		in, res := op.Input.(LedgerInput), op.Output.(LedgerOutput)
		op.Input, op.Output = &in, &res
		out[i] = op
	}
	return out
}

// TestStaticallyRefusedEventsAreCheckedAlone: an event refused on its own
// fields goes to a partition of its own (it commutes with everything), an
// event that may apply stays in its group, and so does a refused one whose
// ID an applicable event also uses.
func TestStaticallyRefusedEventsAreCheckedAlone(t *testing.T) {
	model := LedgerModel(testGroups, 2)
	same := xfer(10, 1, 1, 500, 0) // accounts must be different
	history := []porcupine.Operation{
		op(0, 0, 10, []ledger.Transfer{xfer(10, 1, 2, 500, 0)}, results(ledger.Ok)),
		op(0, 20, 30, []ledger.Transfer{same}, results(ledger.Exists)), // shares ID 10: stays
		op(1, 0, 10, []ledger.Transfer{xfer(20, 1, 1, 500, 0)}, results(ledger.AccountsMustBeDifferent)),
		op(1, 20, 30, []ledger.Transfer{xfer(0, 1, 2, 500, 0)}, results(ledger.IDMustNotBeZero)),
	}
	parts := model.Partition(history)
	if len(parts) != 3 || len(parts[0]) != 2 || len(parts[1]) != 1 || len(parts[2]) != 1 {
		t.Fatalf("partitions %v", parts)
	}
}

// TestRedundantUnknownsLeaveTheCheck: a lookup whose outcome is unknown
// and a later copy of an unknown transfer or linked chain are taken out of
// their group's history; a known copy, a copy of an independent batch and
// a copy that differs in the amount's digits stay. The verdicts are
// unchanged: a later copy that took effect is stood in for by the earlier.
func TestRedundantUnknownsLeaveTheCheck(t *testing.T) {
	model := LedgerModel(testGroups, 2)
	unknown := LedgerOutput{Unknown: true}
	t1 := xfer(10, 1, 2, 500, 0)
	chain := []ledger.Transfer{xfer(20, 1, 2, 100, ledger.Linked), xfer(21, 1, 2, 100, 0)}
	batch := []ledger.Transfer{xfer(30, 1, 2, 100, 0), xfer(31, 1, 2, 100, 0)}
	history := []porcupine.Operation{
		op(1, 40, math.MaxInt64, []ledger.Transfer{t1}, unknown), // a later copy: out
		op(0, 0, math.MaxInt64, []ledger.Transfer{t1}, unknown),  // the earliest: stays
		op(2, 50, 60, []ledger.Transfer{t1}, results(ledger.Exists)),
		op(3, 70, math.MaxInt64, []ledger.Transfer{withAmount(t1, decimal.New(5000, -3))}, unknown),   // 5.000: stays
		{ClientId: 4, Call: 10, Return: math.MaxInt64, Input: LedgerInput{Group: 0}, Output: unknown}, // a lookup: out
		op(5, 0, math.MaxInt64, chain, unknown),
		op(6, 5, math.MaxInt64, chain, unknown), // out
		op(7, 0, math.MaxInt64, batch, unknown),
		op(8, 5, math.MaxInt64, batch, unknown), // stays: it may apply what the first did not
	}
	parts := model.Partition(history)
	if len(parts) != 1 {
		t.Fatalf("partitions %v", parts)
	}
	var clients []int
	for _, o := range parts[0] {
		clients = append(clients, o.ClientId)
	}
	if fmt.Sprint(clients) != "[0 2 3 5 7 8]" {
		t.Fatalf("kept the operations of clients %v, want [0 2 3 5 7 8]", clients)
	}

	// The later copy took effect (the lookup at 80 sees what the one at 60
	// did not): the earlier copy stands in for it.
	late := []porcupine.Operation{
		op(0, 0, math.MaxInt64, []ledger.Transfer{t1}, unknown),
		lookup(1, 50, 60, [4]int64{}, [4]int64{}),
		op(2, 65, math.MaxInt64, []ledger.Transfer{t1}, unknown),
		lookup(1, 80, 90, [4]int64{0, 500, 0, 0}, [4]int64{0, 0, 0, 500}),
	}
	if got := porcupine.CheckOperationsTimeout(model, late, 5*time.Second); got != porcupine.Ok {
		t.Fatalf("a copy that took effect late: %s", got)
	}
	// Seen before either copy was called: illegal, copies or not.
	early := []porcupine.Operation{
		lookup(1, 0, 10, [4]int64{0, 500, 0, 0}, [4]int64{0, 0, 0, 500}),
		op(0, 20, math.MaxInt64, []ledger.Transfer{t1}, unknown),
		op(2, 30, math.MaxInt64, []ledger.Transfer{t1}, unknown),
	}
	if got := porcupine.CheckOperationsTimeout(model, early, 5*time.Second); got != porcupine.Illegal {
		t.Fatalf("a transfer seen before it was sent: %s", got)
	}
}
