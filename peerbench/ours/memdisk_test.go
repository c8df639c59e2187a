package ours

import (
	"bytes"
	"io"
	"math/rand/v2"
	"testing"
)

// TestMemDiskMatchesAFlatFile checks the chunked disk against the plainest
// model of a file, a byte slice, over random writes (some past the end,
// leaving gaps), truncations and reads across chunk boundaries.
func TestMemDiskMatchesAFlatFile(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	d := newMemDisk()
	var model []byte
	for step := range 2000 {
		switch op := rng.IntN(10); {
		case op < 6:
			off := rng.Int64N(int64(len(model)) + 3*chunkBytes/2)
			p := make([]byte, rng.IntN(chunkBytes+100))
			for i := range p {
				p[i] = byte(rng.Uint32())
			}
			if err := d.Write("f", off, p); err != nil {
				t.Fatal(err)
			}
			if end := int(off) + len(p); end > len(model) {
				model = append(model, make([]byte, end-len(model))...)
			}
			copy(model[off:], p)
		case op < 8:
			size := rng.Int64N(int64(len(model)) + chunkBytes)
			if err := d.Truncate("f", size); err != nil {
				t.Fatal(err)
			}
			if size <= int64(len(model)) {
				model = model[:size]
			} else {
				model = append(model, make([]byte, size-int64(len(model)))...)
			}
		default:
			off := rng.Int64N(int64(len(model)) + 1)
			p := make([]byte, rng.IntN(2*chunkBytes))
			n, err := d.Read("f", off, p)
			want := model[off:min(int(off)+len(p), len(model))]
			if !bytes.Equal(p[:n], want) || (n < len(p)) != (err == io.EOF) {
				t.Fatalf("step %d: read %d bytes at %d: got %d (%v), want %d", step, len(p), off, n, err, len(want))
			}
		}
		if got, err := d.ReadAll("f"); err != nil || !bytes.Equal(got, model) || d.Size("f") != int64(len(model)) {
			t.Fatalf("step %d: file of %d bytes differs from the model's %d (%v)", step, len(got), len(model), err)
		}
	}
	d.Remove("f")
	if d.Size("f") != -1 || len(d.Files()) != 0 || len(d.free) == 0 {
		t.Fatalf("after remove: size %d, files %v, free chunks %d", d.Size("f"), d.Files(), len(d.free))
	}
}
