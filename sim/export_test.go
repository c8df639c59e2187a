package sim

import (
	"encoding/binary"
	"fmt"
	"sort"
	"unsafe"
)

// CheckDiskArrays checks how every file of d shares memory between its
// copies (see diskFile): shared copies are views of one array, cached's
// capacity never reaching under durable's bytes while it is the shorter;
// unshared copies, and the spare, are views of arrays of their own; a file
// gone from both copies keeps no spare. The model tests call it after
// every step, so that sharing that went wrong is caught where it happened
// rather than when it first garbles a read.
func CheckDiskArrays(d *Disk) error {
	names := make([]string, 0, len(d.files))
	for name := range d.files {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if err := checkFileArrays(d.files[name]); err != nil {
			return fmt.Errorf("file %s: %w", name, err)
		}
	}
	return nil
}

func checkFileArrays(f *diskFile) error {
	base := func(b []byte) uintptr { return uintptr(unsafe.Pointer(unsafe.SliceData(b))) }
	distinct := func(a, b []byte) bool { return cap(a) == 0 || cap(b) == 0 || base(a) != base(b) }
	switch {
	case f.shared && f.durable == nil:
		return fmt.Errorf("shared without a durable copy")
	case f.shared && (base(f.durable) != base(f.cached) && cap(f.durable) > 0):
		return fmt.Errorf("shared, but the copies are views of different arrays")
	case f.shared && len(f.cached) < len(f.durable) && cap(f.cached) != len(f.cached):
		return fmt.Errorf("shared, cached (%d bytes, capacity %d) shorter than durable (%d) and not capped",
			len(f.cached), cap(f.cached), len(f.durable))
	case !f.shared && !distinct(f.durable, f.cached):
		return fmt.Errorf("not shared, but both copies are views of one array")
	case !distinct(f.spare, f.durable) || !distinct(f.spare, f.cached):
		return fmt.Errorf("the spare array is in use")
	case len(f.spare) != 0:
		return fmt.Errorf("the spare has length %d", len(f.spare))
	case f.spare != nil && f.durable == nil && f.cached == nil:
		return fmt.Errorf("a file gone from both copies keeps a spare of %d bytes", cap(f.spare))
	}
	return nil
}

// FileShared reports whether file name of d has its durable and cached
// copies in one array.
func FileShared(d *Disk, name string) bool {
	f := d.files[name]
	return f != nil && f.shared
}

// HashBytes is the hash the trace folds a message's or a disk write's
// bytes by, for its own tests and benchmarks.
var HashBytes = hashBytes

// HashBytesSerial is the byte hash the trace used before hashBytes: one
// multiply-xorshift chain, eight bytes a step, each step waiting for the
// last. BenchmarkTraceFoldBytes measures hashBytes against it.
func HashBytesSerial(b []byte) uint64 {
	h := traceSeed
	for len(b) >= 8 {
		h = mixWord(h, binary.LittleEndian.Uint64(b))
		b = b[8:]
	}
	var tail [8]byte
	copy(tail[:], b)
	return mixWord(h, binary.LittleEndian.Uint64(tail[:])^uint64(len(b))<<56)
}

// DamageInFlight flips bit of byte off of every message in flight that
// is long enough, as Network.corrupt flips a copy's bit, but without
// drawing from the network's stream or tracing a fault: a test can then
// compare a run with its twin whose messages arrived intact, differing in
// nothing but the bytes received. It returns how many it damaged.
func DamageInFlight(s *Sim, off int, bit uint) int {
	damaged := 0
	for h, m := range s.messages.held {
		if !m.live {
			continue
		}
		b := s.messages.bytes(uint32(h))
		if off < len(b) {
			b[off] ^= 1 << bit
			s.messages.damage(uint32(h), len(b))
			damaged++
		}
	}
	return damaged
}
