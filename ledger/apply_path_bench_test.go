package ledger

import (
	"math/rand/v2"
	"testing"

	"github.com/shopspring/decimal"
)

// everydayCommands returns n encoded commands of a simulated bank's
// everyday traffic, as a scenario's clients send them (scenarios'
// DefaultMix): one transfer per command (40% simple, 15% pending, 15% a
// post or void of an earlier pending one, 10% a linked pair), 20% lookups
// of a group's five accounts, over groups of five accounts on one ledger
// at scale 2. The first command creates the accounts.
func everydayCommands(n, groups int, seed uint64) [][]byte {
	rng := rand.New(rand.NewPCG(seed, 0))
	accounts := make([]Account, groups*5)
	for i := range accounts {
		accounts[i] = Account{ID: IDFromUint64(uint64(i + 1)), Ledger: 1, Code: 1}
	}
	out := [][]byte{EncodeCommand(Command{Op: OpCreateAccounts, Accounts: accounts})}
	next, pending := uint64(1000), []ID(nil)
	pair := func() (ID, ID) {
		g := rng.IntN(groups) * 5
		d, c := rng.IntN(5), rng.IntN(4)
		if c >= d {
			c++
		}
		return IDFromUint64(uint64(g + d + 1)), IDFromUint64(uint64(g + c + 1))
	}
	transfer := func() Transfer {
		next++
		d, c := pair()
		return Transfer{ID: IDFromUint64(next), DebitAccountID: d, CreditAccountID: c,
			Amount: decimal.New(int64(rng.IntN(5000)+1), -2), Ledger: 1, Code: 1}
	}
	for len(out) < n {
		var cmd Command
		switch k := rng.IntN(100); {
		case k < 40:
			cmd = Command{Op: OpCreateTransfers, Transfers: []Transfer{transfer()}}
		case k < 55:
			t := transfer()
			t.Flags = Pending
			if rng.IntN(2) == 0 {
				t.Timeout = 1 + rng.Uint64N(2000)
			}
			pending = append(pending, t.ID)
			cmd = Command{Op: OpCreateTransfers, Transfers: []Transfer{t}}
		case k < 70 && len(pending) > 0:
			i := rng.IntN(len(pending))
			next++
			t := Transfer{ID: IDFromUint64(next), PendingID: pending[i], Flags: PostPending}
			if rng.IntN(3) == 0 {
				t.Flags = VoidPending
			}
			pending = append(pending[:i], pending[i+1:]...)
			cmd = Command{Op: OpCreateTransfers, Transfers: []Transfer{t}}
		case k < 80:
			a, b := transfer(), transfer()
			a.Flags = Linked
			cmd = Command{Op: OpCreateTransfers, Transfers: []Transfer{a, b}}
		default:
			g := rng.IntN(groups) * 5
			ids := make([]ID, 5)
			for i := range ids {
				ids[i] = IDFromUint64(uint64(g + i + 1))
			}
			cmd = Command{Op: OpLookupAccounts, IDs: ids}
		}
		out = append(out, EncodeCommand(cmd))
	}
	return out
}

// BenchmarkReplicaApplyEveryday measures a replica's apply path on a
// scenario's traffic: AppendApplyEncoded of one command into a reused
// reply buffer (a session's), then StateDigest (the observer reads it
// after every entry). One op is one command. A run's ledger is small (a
// few thousand commands), so the ledger starts afresh every
// everydayRunCommands commands, outside the timer.
func BenchmarkReplicaApplyEveryday(b *testing.B) {
	const everydayRunCommands = 2048
	cmds := everydayCommands(everydayRunCommands, 4, 1)
	var reply []byte
	var sink [32]byte
	b.ReportAllocs()
	b.ResetTimer()
	for done := 0; done < b.N; {
		b.StopTimer()
		s, err := New(Config{Ledgers: []LedgerSpec{{ID: 1, Scale: 2, Name: "USD"}}})
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		for i := 0; i < len(cmds) && done < b.N; i++ {
			reply, err = s.AppendApplyEncoded(reply[:0], cmds[i], uint64(done+1)*1000)
			if err != nil {
				b.Fatal(err)
			}
			sink = s.StateDigest()
			done++
		}
	}
	_ = sink
}
