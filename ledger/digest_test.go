package ledger

import (
	"crypto/sha256"
	"encoding/binary"
	"testing"
)

// The hash chain is SHA-256(previous digest | timestamp | command) as
// defined, computed here with crypto/sha256 and compared after every
// command of a scenario's traffic (batches of every kind, lookups
// included), with the base timestamp each reply names.
func TestChainDigestIsTheDefinedHash(t *testing.T) {
	s, err := New(Config{Ledgers: []LedgerSpec{{ID: 1, Scale: 2, Name: "USD"}}})
	if err != nil {
		t.Fatal(err)
	}
	var want [32]byte
	for i, cmd := range everydayCommands(400, 3, 7) {
		reply, err := s.ApplyEncoded(cmd, uint64(i+1)*1000)
		if err != nil {
			t.Fatal(err)
		}
		rep, err := DecodeReply(reply)
		if err != nil {
			t.Fatal(err)
		}
		msg := binary.LittleEndian.AppendUint64(append([]byte(nil), want[:]...), rep.Timestamp)
		want = sha256.Sum256(append(msg, cmd...))
		if got := s.ChainDigest(); got != want {
			t.Fatalf("command %d: chain digest %x, defined %x", i, got, want)
		}
	}
}

// The state digest's records are hashed with crypto/sha256's SHA-256, as
// defined: the lanes summed from sha256.Sum256 of every account's and every
// transfer's tagged record give the digest the state keeps.
func TestStateDigestRecordsAreSHA256(t *testing.T) {
	s, err := New(Config{Ledgers: []LedgerSpec{{ID: 1, Scale: 2, Name: "USD"}}})
	if err != nil {
		t.Fatal(err)
	}
	for i, cmd := range everydayCommands(300, 3, 11) {
		if _, err := s.ApplyEncoded(cmd, uint64(i+1)*1000); err != nil {
			t.Fatal(err)
		}
	}
	var sum stateSum
	for _, a := range s.accounts {
		w := writer{b: []byte{recordTagAccount}}
		w.accountRecord(a)
		sum.add(sha256.Sum256(w.b))
	}
	for i := range s.transfers.len() {
		w := writer{b: []byte{recordTagTransfer}}
		w.transferRecord(s.transfers.at(uint32(i)))
		sum.add(sha256.Sum256(w.b))
	}
	if got, want := s.StateDigest(), s.finishDigest(sum); got != want {
		t.Fatalf("state digest %x, from crypto/sha256 %x", got, want)
	}
}
