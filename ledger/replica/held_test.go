package replica

import (
	"bytes"
	"testing"
)

// fillWire encodes n bytes of value v into w as a message would be, and
// returns them and the chunk they went into.
func fillWire(w *wireChunks, n int, v byte) ([]byte, uint64) {
	buf, chunk := w.reserve(n)
	start := len(buf)
	buf = append(buf, bytes.Repeat([]byte{v}, n)...)
	w.filled(buf)
	return buf[start:len(buf):len(buf)], chunk
}

// Messages encoded into wire chunks stay where they were written, whatever
// is encoded after them and whatever older chunks are let go, and a chunk
// is started only when the last one has too little room.
func TestWireChunksKeepMessagesInPlace(t *testing.T) {
	var w wireChunks
	var msgs [][]byte
	var chunks []uint64
	for i := range 100 {
		m, c := fillWire(&w, 1000+i*37, byte(i))
		msgs, chunks = append(msgs, m), append(chunks, c)
		if i > 0 && c != chunks[i-1] && c != chunks[i-1]+1 {
			t.Fatalf("message %d in chunk %d after chunk %d", i, c, chunks[i-1])
		}
	}
	if chunks[99] == chunks[0] {
		t.Fatal("100 messages of about 3 KB in one chunk of 64 KiB")
	}
	w.releaseBefore(chunks[50])
	for i := 50; i < 100; i++ {
		fillWire(&w, 2000, 0xff) // reuses the freed chunks
		if !bytes.Equal(msgs[i], bytes.Repeat([]byte{byte(i)}, 1000+i*37)) {
			t.Fatalf("message %d changed after older chunks were let go", i)
		}
	}
	big, _ := fillWire(&w, 3*wireChunkBytes, 7)
	if len(big) != 3*wireChunkBytes {
		t.Fatalf("a message of %d bytes kept as %d", 3*wireChunkBytes, len(big))
	}
	w.reset()
	if len(w.chunks) != 0 || w.freeBytes > wireRetainMax {
		t.Fatalf("after reset: %d chunks in use, %d bytes kept, over %d", len(w.chunks), w.freeBytes, wireRetainMax)
	}
}

// A replica that encodes, sends and lets go of its messages at every
// handler reuses the same chunk: steady messaging allocates nothing.
func TestWireChunksReuseWithoutAllocating(t *testing.T) {
	var w wireChunks
	fillWire(&w, 300, 1)
	w.reset()
	allocs := testing.AllocsPerRun(100, func() {
		for range 10 {
			buf, _ := w.reserve(300)
			w.filled(append(buf, make([]byte, 300)...))
		}
		w.reset()
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per handler", allocs)
	}
}
