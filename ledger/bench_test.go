package ledger

import (
	"testing"

	"github.com/shopspring/decimal"
)

func benchState(b *testing.B, accounts int) *State {
	s, err := New(Config{Ledgers: []LedgerSpec{{ID: 1, Scale: 2, Name: "USD"}}})
	if err != nil {
		b.Fatal(err)
	}
	var cmd Command
	cmd.Op = OpCreateAccounts
	for i := range accounts {
		cmd.Accounts = append(cmd.Accounts, Account{ID: IDFromUint64(uint64(i + 1)), Ledger: 1, Code: 1})
		if len(cmd.Accounts) == BatchEventsMax || i == accounts-1 {
			if _, err := s.Apply(cmd, 1); err != nil {
				b.Fatal(err)
			}
			cmd.Accounts = cmd.Accounts[:0]
		}
	}
	return s
}

// BenchmarkApplyTransfers applies simple transfers in full batches of
// BatchEventsMax over 10,000 accounts, including the hash chain over each
// command's canonical encoding. One op is one transfer.
func BenchmarkApplyTransfers(b *testing.B) {
	s := benchState(b, 10_000)
	amount := decimal.New(1250, -2)
	batch := make([]Transfer, BatchEventsMax)
	next := uint64(1)
	b.ReportAllocs()
	b.ResetTimer()
	for done := 0; done < b.N; {
		n := min(BatchEventsMax, b.N-done)
		for i := range n {
			batch[i] = Transfer{ID: IDFromUint64(next), DebitAccountID: IDFromUint64(next%10_000 + 1),
				CreditAccountID: IDFromUint64((next*7+3)%10_000 + 1), Amount: amount, Ledger: 1, Code: 1}
			if batch[i].DebitAccountID == batch[i].CreditAccountID {
				batch[i].CreditAccountID = IDFromUint64((next+1)%10_000 + 1)
			}
			next++
		}
		rep, err := s.Apply(Command{Op: OpCreateTransfers, Transfers: batch[:n]}, next)
		if err != nil || rep.Results[0] != Ok {
			b.Fatalf("apply: %v %v", err, rep.Results[0])
		}
		done += n
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "transfers/s")
}

// BenchmarkDecimalAdd measures shopspring/decimal addition, the
// alternative to the exact 128-bit integers balances use inside.
func BenchmarkDecimalAdd(b *testing.B) {
	sum, amount := decimal.Zero, decimal.New(1250, -2)
	b.ReportAllocs()
	for range b.N {
		sum = sum.Add(amount)
	}
	_ = sum
}

// BenchmarkU128Add measures the internal representation's addition.
func BenchmarkU128Add(b *testing.B) {
	var sum u128
	amount := u128{lo: 1250}
	for range b.N {
		sum, _ = sum.add(amount)
	}
	_ = sum
}
