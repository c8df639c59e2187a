package sim

import (
	"encoding/binary"
	"slices"
	"testing"
)

// A delivery folds which message it was, not its bytes: delivering another
// message (another send, or the other copy of a duplicated one), at
// another time, to or from another node, or of another length changes the
// hash; so do the bytes of a copy the network altered.
func TestADeliveryIsFoldedByWhatItIs(t *testing.T) {
	msg := []byte("append entries 7..9, term 3")
	type delivery struct {
		at       Time
		from, to NodeID
		msg      []byte
		origin   messageOrigin
	}
	want := delivery{at: 5, from: 0, to: 1, msg: msg, origin: messageOrigin{send: 1}}
	hash := func(d delivery) uint64 {
		tr := newTracer([]string{"a", "b", "c"}, nil, nil)
		tr.messageSent(traceSend, 0, 0, 1, msg, "")
		tr.messageInFlight(traceDeliver, d.at, d.from, d.to, d.msg, d.origin, "")
		return tr.hash
	}
	base := hash(want)
	if again := hash(want); again != base {
		t.Fatalf("the same delivery hashed %x, then %x", base, again)
	}
	altered := messageOrigin{send: 1, altered: true}
	flipped := []byte("append entries 7..9, term 2")
	cases := map[string]delivery{
		"another send":                  {at: 5, from: 0, to: 1, msg: msg, origin: messageOrigin{send: 2}},
		"the second copy":               {at: 5, from: 0, to: 1, msg: msg, origin: messageOrigin{send: 1, copy: 1}},
		"at another time":               {at: 6, from: 0, to: 1, msg: msg, origin: want.origin},
		"to another node":               {at: 5, from: 0, to: 2, msg: msg, origin: want.origin},
		"from another node":             {at: 5, from: 2, to: 1, msg: msg, origin: want.origin},
		"cut short":                     {at: 5, from: 0, to: 1, msg: msg[:9], origin: altered},
		"altered, one byte flipped":     {at: 5, from: 0, to: 1, msg: flipped, origin: altered},
		"altered, another byte flipped": {at: 5, from: 0, to: 1, msg: []byte("append entries 7..9, term 1"), origin: altered},
	}
	seen := map[uint64]string{base: "the message sent"}
	for name, d := range cases {
		h := hash(d)
		if prev, dup := seen[h]; dup {
			t.Errorf("delivering %s hashes as %s, %x", name, prev, h)
		}
		seen[h] = name
	}
}

// TestHashBytesSeesATopBitFlipUndoneByTheNextWord pins the blind spot a
// plain 64-bit multiply-xorshift has: it passes a top-bit difference
// through unchanged, so flipping bit 63 of one word and bits 63 and 34 of
// the next word in the same lane used to collide. The folded 128-bit
// product carries the difference into the high half.
func TestHashBytesSeesATopBitFlipUndoneByTheNextWord(t *testing.T) {
	b := make([]byte, 64)
	for i := range b {
		b[i] = byte(i*7 + 3)
	}
	c := slices.Clone(b)
	binary.LittleEndian.PutUint64(c[0:], binary.LittleEndian.Uint64(c[0:])^1<<63)
	binary.LittleEndian.PutUint64(c[32:], binary.LittleEndian.Uint64(c[32:])^(1<<63|1<<34)) // word 4: lane 0 again
	if hashBytes(b) == hashBytes(c) {
		t.Fatal("a top-bit flip undone by a chosen flip in the next word of its lane hashes the same")
	}
}
