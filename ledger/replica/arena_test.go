package replica

import (
	"bytes"
	"testing"
)

// The arena's pieces never overlap, an append to one cannot reach the
// next, and a large piece does not come out of a chunk.
func TestArenaPiecesAreTheirOwn(t *testing.T) {
	var a entryArena
	var pieces [][]byte
	for i := range 300 {
		p := a.alloc(1 + i%200)
		if len(p) != 1+i%200 || cap(p) != len(p) {
			t.Fatalf("piece of %d bytes has length %d, capacity %d", 1+i%200, len(p), cap(p))
		}
		for j := range p {
			p[j] = byte(i)
		}
		pieces = append(pieces, p)
	}
	_ = append(pieces[0], 0xff) // must copy, not write into pieces[1]
	for i, p := range pieces {
		if !bytes.Equal(p, bytes.Repeat([]byte{byte(i)}, len(p))) {
			t.Fatalf("piece %d was overwritten", i)
		}
	}
	before := len(a.chunk)
	if p := a.alloc(arenaOwnMin); len(p) != arenaOwnMin || len(a.chunk) != before {
		t.Fatalf("a large piece of %d bytes came out of the chunk (%d -> %d used)", len(p), before, len(a.chunk))
	}
}

// Taking entries from a leader copies their data into the arena: no
// allocation per Append once a chunk is in hand.
func TestOwnDataAllocatesNothingPerAppend(t *testing.T) {
	r := &Replica{}
	data := []byte("a command of some bytes")
	es := make([]Entry, 4)
	allocs := testing.AllocsPerRun(100, func() {
		for i := range es {
			es[i].Data = data
		}
		r.ownData(es)
	})
	if allocs > 0.05 { // one chunk per ~350 of these Appends
		t.Fatalf("%.2f allocations per Append", allocs)
	}
	for i := range es {
		if !bytes.Equal(es[i].Data, data) || cap(es[i].Data) != len(data) || &es[i].Data[0] == &data[0] {
			t.Fatalf("entry %d: data not copied into a piece of its own", i)
		}
	}
}
