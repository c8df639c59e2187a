package ledger

import (
	"testing"

	"github.com/shopspring/decimal"
)

// codecBenchCommand is a command of 100 simple transfers of everyday
// amounts, as the workloads send them.
func codecBenchCommand() Command {
	cmd := Command{Op: OpCreateTransfers, Transfers: make([]Transfer, 100)}
	for i := range cmd.Transfers {
		n := uint64(i + 1)
		cmd.Transfers[i] = Transfer{ID: IDFromUint64(n), DebitAccountID: IDFromUint64(n%100 + 1),
			CreditAccountID: IDFromUint64((n+1)%100 + 1), Amount: decimal.New(int64(n*137%5000+1), -2), Ledger: 1, Code: 1}
	}
	return cmd
}

// codecBenchState returns a ledger that applied codecBenchCommand over its
// 100 accounts, with amounts applied twice so that balances vary.
func codecBenchState(b testing.TB) (*State, Command) {
	s, err := New(Config{Ledgers: []LedgerSpec{{ID: 1, Scale: 2, Name: "USD"}}})
	if err != nil {
		b.Fatal(err)
	}
	accounts := Command{Op: OpCreateAccounts}
	for i := range 100 {
		accounts.Accounts = append(accounts.Accounts, Account{ID: IDFromUint64(uint64(i + 1)), Ledger: 1, Code: 1})
	}
	cmd := codecBenchCommand()
	for _, c := range []Command{accounts, cmd} {
		if _, err := s.Apply(c, 1); err != nil {
			b.Fatal(err)
		}
	}
	return s, cmd
}

// BenchmarkCodec measures the codec on a 100-transfer command: one op is
// one command or reply. EncodeReply/lookup encodes the reply to a lookup of
// the 100 transfers (100 amounts); EncodeReply/results the reply to the
// command itself (100 result codes).
func BenchmarkCodec(b *testing.B) {
	s, cmd := codecBenchState(b)
	encoded := EncodeCommand(cmd)
	lookup := Command{Op: OpLookupTransfers}
	for i := range cmd.Transfers {
		lookup.IDs = append(lookup.IDs, cmd.Transfers[i].ID)
	}
	lookupReply, err := s.Apply(lookup, 2)
	if err != nil || len(lookupReply.Transfers) != 100 {
		b.Fatalf("lookup: %v, %d found", err, len(lookupReply.Transfers))
	}
	resultsReply := Reply{Results: make([]Result, 100), Timestamp: 2}
	b.Run("DecodeCommand", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			if _, err := DecodeCommand(encoded); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("EncodeCommand", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			EncodeCommand(cmd)
		}
	})
	b.Run("EncodeReply/results", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			EncodeReply(resultsReply)
		}
	})
	b.Run("EncodeReply/lookup", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			EncodeReply(lookupReply)
		}
	})
	b.Run("DecodeReply/lookup", func(b *testing.B) {
		encodedReply := EncodeReply(lookupReply)
		b.ReportAllocs()
		for range b.N {
			if _, err := DecodeReply(encodedReply); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkApplyEncoded measures a replica's apply of encoded commands:
// decode, apply, state digest, hash chain and encoded reply. One op is one
// command: "resubmitted" is the 100-transfer command again (every transfer
// answered exists), "lookup" a lookup of its 100 transfers,
// "lookup-accounts" one of its 100 accounts; each "-append" twin appends
// the reply to a reused buffer (AppendApplyEncoded).
func BenchmarkApplyEncoded(b *testing.B) {
	s, cmd := codecBenchState(b)
	lookup := Command{Op: OpLookupTransfers}
	lookupAccounts := Command{Op: OpLookupAccounts}
	for i := range cmd.Transfers {
		lookup.IDs = append(lookup.IDs, cmd.Transfers[i].ID)
		lookupAccounts.IDs = append(lookupAccounts.IDs, IDFromUint64(uint64(i+1)))
	}
	for _, c := range []struct {
		name string
		cmd  Command
	}{{"resubmitted", cmd}, {"lookup", lookup}, {"lookup-accounts", lookupAccounts}} {
		encoded := EncodeCommand(c.cmd)
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for i := range b.N {
				if _, err := s.ApplyEncoded(encoded, uint64(i+10)); err != nil {
					b.Fatal(err)
				}
			}
		})
		// The replicas' way: the reply appended into one reused buffer
		// (a session's), which takes the command's one allocation away.
		b.Run(c.name+"-append", func(b *testing.B) {
			b.ReportAllocs()
			var reply []byte
			for i := range b.N {
				var err error
				if reply, err = s.AppendApplyEncoded(reply[:0], encoded, uint64(i+10)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
