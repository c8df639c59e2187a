package replica

import (
	"crypto/sha256"
	"encoding/binary"
	"testing"
)

// chainNextGeneral is the chain digest as its definition reads, with
// crypto/sha256: SHA-256(previous digest | index | term | kind | timestamp
// | data). It is the reference chainHasher is compared against.
func chainNextGeneral(prev [32]byte, e *Entry) [32]byte {
	b := append([]byte(nil), prev[:]...)
	b = binary.LittleEndian.AppendUint64(b, e.Index)
	b = binary.LittleEndian.AppendUint64(b, e.Term)
	b = append(b, byte(e.Kind))
	b = binary.LittleEndian.AppendUint64(b, uint64(e.Timestamp))
	return sha256.Sum256(append(b, e.Data...))
}

// The applied-log digest is SHA-256 over each entry as defined, through
// one reused hasher, for entries of every length across several blocks,
// and extending it allocates nothing once the buffer has grown.
func TestChainHasherIsTheDefinedDigest(t *testing.T) {
	var c chainHasher
	var got, want [32]byte
	for n := range 300 {
		data := make([]byte, n)
		for i := range data {
			data[i] = byte(i*13 + n)
		}
		e := &Entry{Index: uint64(n + 1), Term: uint64(n/7 + 1), Kind: EntryCommand, Timestamp: int64(n) * 1_000_003, Data: data}
		got, want = c.next(got, e), chainNextGeneral(want, e)
		if got != want {
			t.Fatalf("entry %d (%d bytes): digest %x, defined %x", e.Index, n, got, want)
		}
	}
	e := &Entry{Index: 301, Term: 9, Kind: EntryCommand, Data: make([]byte, 120)}
	if allocs := testing.AllocsPerRun(100, func() { got = c.next(got, e) }); allocs != 0 {
		t.Fatalf("extending the chain allocated %.1f times, want 0", allocs)
	}
}
