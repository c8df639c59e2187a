package sha256pad

import (
	"crypto/sha256"
	"strconv"
	"testing"
)

// TestSumIsSHA256 checks the digest against crypto/sha256's for messages
// of every length up to five blocks, through one reused Hasher, and that
// this Go's marshalled state is the one Sum reads (else every digest is
// right but no faster).
func TestSumIsSHA256(t *testing.T) {
	if !stateReadable {
		t.Fatal("crypto/sha256's marshalled state is not read as expected: Sum falls back to sha256.Sum256")
	}
	var h Hasher
	for n := range 5*blockSize + 1 {
		msg := make([]byte, n)
		for i := range msg {
			msg[i] = byte(i*31 + n)
		}
		padded := AppendPadding(append([]byte(nil), msg...), n)
		if len(padded) != PaddedSize(n) || len(padded)%blockSize != 0 {
			t.Fatalf("%d bytes padded to %d (PaddedSize %d)", n, len(padded), PaddedSize(n))
		}
		if got, want := h.Sum(padded, n), sha256.Sum256(msg); got != want {
			t.Fatalf("%d bytes: %x, crypto/sha256 %x", n, got, want)
		}
	}
}

// TestSumAllocatesNothing checks that a reused Hasher digests without
// allocating.
func TestSumAllocatesNothing(t *testing.T) {
	var h Hasher
	padded := AppendPadding(make([]byte, 113, 256), 113)
	h.Sum(padded, 113)
	if n := testing.AllocsPerRun(100, func() { h.Sum(padded, 113) }); n != 0 {
		t.Fatalf("Sum allocates %v times", n)
	}
}

// TestSumRefusesAnUnpaddedMessage checks that a buffer of a message's
// padded length that does not hold its padding panics rather than hash
// something else.
func TestSumRefusesAnUnpaddedMessage(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("Sum of a message without its padding did not panic")
		}
	}()
	var h Hasher
	h.Sum(make([]byte, 128), 113) // the right length, without the padding
}

func BenchmarkSum(b *testing.B) {
	for _, n := range []int{113, 202} {
		padded := AppendPadding(make([]byte, n, 256), n)
		b.Run(strconv.Itoa(n)+"-padded", func(b *testing.B) {
			var h Hasher
			b.ReportAllocs()
			for range b.N {
				h.Sum(padded, n)
			}
		})
		b.Run(strconv.Itoa(n)+"-sha256.Sum256", func(b *testing.B) {
			b.ReportAllocs()
			for range b.N {
				sha256.Sum256(padded[:n])
			}
		})
	}
}
