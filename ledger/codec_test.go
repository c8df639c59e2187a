package ledger

import (
	"bytes"
	"errors"
	"reflect"
	"testing"

	"github.com/shopspring/decimal"
)

func sampleCommands() []Command {
	return []Command{
		{Op: OpCreateAccounts, Accounts: []Account{{ID: ID{Hi: 1, Lo: 2}, Ledger: 1, Code: 3, Flags: Closed}}},
		{Op: OpCreateTransfers, Transfers: []Transfer{
			{ID: id(1), DebitAccountID: id(2), CreditAccountID: id(3), Amount: dec("12.5"), Ledger: 1, Code: 1, Flags: Pending | Linked, Timeout: 9},
			{ID: id(4), PendingID: id(1), Amount: dec("123456789012345678901234567890.12345"), Flags: PostPending},
			{ID: id(5), DebitAccountID: id(2), CreditAccountID: id(3), Amount: dec("-3"), Ledger: 1, Code: 1},
		}},
		{Op: OpLookupAccounts, IDs: []ID{id(1), {Hi: 9}}},
		{Op: OpLookupTransfers, IDs: []ID{id(7)}},
		{Op: OpCreateTransfers},
	}
}

func TestCommandsRoundTrip(t *testing.T) {
	for _, cmd := range sampleCommands() {
		got, err := DecodeCommand(EncodeCommand(cmd))
		if err != nil {
			t.Fatalf("%s: %v", cmd.Op, err)
		}
		if string(EncodeCommand(got)) != string(EncodeCommand(cmd)) || !sameCommand(got, cmd) {
			t.Fatalf("%s: decoded %+v, want %+v", cmd.Op, got, cmd)
		}
	}
}

// sameCommand compares commands with decimals by value (1.50 equals 1.5).
func sameCommand(a, b Command) bool {
	if a.Op != b.Op || len(a.Transfers) != len(b.Transfers) || len(a.Accounts) != len(b.Accounts) || !reflect.DeepEqual(a.IDs, b.IDs) {
		return false
	}
	for i := range a.Transfers {
		x, y := a.Transfers[i], b.Transfers[i]
		if !x.Amount.Equal(y.Amount) {
			return false
		}
		x.Amount, y.Amount = decimal.Zero, decimal.Zero
		if x != y {
			return false
		}
	}
	return true
}

func TestEqualDecimalsEncodeIdentically(t *testing.T) {
	a := EncodeCommand(Command{Op: OpCreateTransfers, Transfers: []Transfer{{ID: id(1), Amount: dec("1.5")}}})
	b := EncodeCommand(Command{Op: OpCreateTransfers, Transfers: []Transfer{{ID: id(1), Amount: dec("1.500")}}})
	if string(a) != string(b) {
		t.Fatal("1.5 and 1.500 encode differently: the encoding is not canonical")
	}
}

func TestRepliesRoundTrip(t *testing.T) {
	rep := Reply{Timestamp: 77, Results: []Result{Ok, ExceedsCredits, LinkedEventFailed},
		Accounts:  []Account{{ID: id(1), Ledger: 1, Code: 1, DebitsPosted: dec("5.25"), Timestamp: 9}},
		Transfers: []Transfer{{ID: id(2), DebitAccountID: id(1), CreditAccountID: id(3), Amount: dec("1"), Ledger: 1, Code: 1, Timestamp: 10}}}
	got, err := DecodeReply(EncodeReply(rep))
	if err != nil {
		t.Fatal(err)
	}
	if string(EncodeReply(got)) != string(EncodeReply(rep)) || !reflect.DeepEqual(got.Results, rep.Results) {
		t.Fatalf("decoded %+v", got)
	}
}

func TestDamagedEncodingsAreRejected(t *testing.T) {
	wire := EncodeCommand(sampleCommands()[1])
	for i := range wire {
		b := append([]byte(nil), wire...)
		b[i] ^= 0x10
		if _, err := DecodeCommand(b); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("byte %d flipped: %v", i, err)
		}
	}
	for n := range len(wire) {
		if _, err := DecodeCommand(wire[:n]); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("truncated to %d: %v", n, err)
		}
	}
}

func TestSnapshotRoundTripAndDamage(t *testing.T) {
	s := fixture(t)
	snap := s.Snapshot()
	if len(snap) != cap(snap) {
		t.Fatalf("snapshot size computed as %d, encoded %d bytes", cap(snap), len(snap))
	}
	r, err := Restore(snap)
	if err != nil {
		t.Fatal(err)
	}
	if r.StateDigest() != s.StateDigest() || r.ChainDigest() != s.ChainDigest() {
		t.Fatal("restored state differs")
	}
	// The restored ledger behaves identically: 100 is still pending.
	cmd := Command{Op: OpCreateTransfers, Transfers: []Transfer{{ID: id(900), PendingID: id(100), Flags: PostPending}}}
	a, _ := s.Apply(cmd, 99_999)
	b, _ := r.Apply(cmd, 99_999)
	if a.Results[0] != Ok || b.Results[0] != Ok || s.StateDigest() != r.StateDigest() {
		t.Fatalf("after restore: %v vs %v", a.Results, b.Results)
	}
	snap[len(snap)/2] ^= 1
	if _, err := Restore(snap); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("damaged snapshot: %v", err)
	}
}

// FuzzDecodeCommand proves garbage is an error, never a panic, and that
// whatever decodes re-encodes to the same bytes (the codec is canonical).
func FuzzDecodeCommand(f *testing.F) {
	for _, c := range sampleCommands() {
		f.Add(EncodeCommand(c))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		cmd, err := DecodeCommand(b)
		if err != nil {
			return
		}
		if string(EncodeCommand(cmd)) != string(b) {
			t.Fatal("a decoded command re-encodes differently")
		}
	})
}

// FuzzDecodeReply does the same for replies.
func FuzzDecodeReply(f *testing.F) {
	f.Add(EncodeReply(Reply{Results: []Result{Ok}, Accounts: []Account{{ID: id(1), CreditsPosted: dec("2")}}}))
	f.Fuzz(func(t *testing.T, b []byte) {
		rep, err := DecodeReply(b)
		if err != nil {
			return
		}
		if string(EncodeReply(rep)) != string(b) {
			t.Fatal("a decoded reply re-encodes differently")
		}
	})
}

// FuzzRestore proves a damaged snapshot never panics.
func FuzzRestore(f *testing.F) {
	s, _ := New(Config{Ledgers: []LedgerSpec{{ID: 1, Scale: 2}}})
	s.Apply(Command{Op: OpCreateAccounts, Accounts: []Account{{ID: id(1), Ledger: 1, Code: 1}, {ID: id(2), Ledger: 1, Code: 1}}}, 5)
	s.Apply(Command{Op: OpCreateTransfers, Transfers: []Transfer{{ID: id(3), DebitAccountID: id(1), CreditAccountID: id(2), Amount: dec("1"), Ledger: 1, Code: 1, Flags: Pending, Timeout: 5}}}, 9)
	f.Add(s.Snapshot())
	f.Fuzz(func(t *testing.T, b []byte) {
		if r, err := Restore(b); err == nil {
			_ = r.CheckInvariants()
		}
	})
}

// AppendSnapshot writes Snapshot's bytes after whatever the buffer holds,
// its checksum over its own bytes only, and exactly SnapshotSize of them.
func TestAppendSnapshotIsSnapshotInPlace(t *testing.T) {
	s := fixture(t)
	prefix := []byte("a replica's framing")
	b := s.AppendSnapshot(append([]byte(nil), prefix...))
	if !bytes.Equal(b[:len(prefix)], prefix) || !bytes.Equal(b[len(prefix):], s.Snapshot()) {
		t.Fatal("AppendSnapshot after a prefix differs from the prefix and Snapshot")
	}
	if len(b)-len(prefix) != s.SnapshotSize() {
		t.Fatalf("appended %d bytes, SnapshotSize %d", len(b)-len(prefix), s.SnapshotSize())
	}
}
