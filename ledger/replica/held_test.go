package replica

import (
	"bytes"
	"testing"
)

// appendDoubling keeps every byte, doubles the capacity when it must grow,
// and never grows past wireRetainMax by doubling.
func TestAppendDoublingDoublesUpToTheRetainedMax(t *testing.T) {
	msg := bytes.Repeat([]byte{7}, 64<<10)
	var b, want []byte
	for len(b)+len(msg) <= wireRetainMax {
		before := cap(b)
		b = appendDoubling(b, msg)
		want = append(want, msg...)
		if before > 0 && cap(b) != before && cap(b) != min(2*before, wireRetainMax) {
			t.Fatalf("grew from %d to %d bytes", before, cap(b))
		}
	}
	if !bytes.Equal(b, want) || cap(b) > wireRetainMax {
		t.Fatalf("%d bytes in a buffer of %d: content lost or grown past %d", len(b), cap(b), wireRetainMax)
	}
	if b = appendDoubling(b, msg); !bytes.Equal(b, append(want, msg...)) {
		t.Fatal("content lost past the retained max")
	}
}
