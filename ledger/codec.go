package ledger

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"math/bits"

	"github.com/shopspring/decimal"
)

// ErrCorrupt is wrapped by every decoding error: bytes that are not a
// canonical encoding are rejected, never trusted, never a panic.
var ErrCorrupt = errors.New("ledger: corrupt encoding")

// The canonical binary codec, used on the wire and on disk: little-endian
// fixed-width fields, decimals as (sign, exponent, coefficient bytes) with
// no trailing zeros in the coefficient, and a CRC-32C trailer. Canonical
// means one value has exactly one encoding, so replicas that hash encoded
// commands agree.
const (
	codecVersion       = 1
	decimalCoeffMax    = 32 // bytes of a decimal's coefficient
	decimalExponentMax = 64
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// writer appends the canonical encoding to b. The records written per
// event (and per record hashed) are built by the append functions below on
// a local slice, stored back to w.b once: a store to w.b (the writer is
// behind a pointer) stores the slice's pointer, which pays the collector's
// write barrier whenever a collection is marking, and per field that was a
// tenth of a lookup's encoding.
type writer struct{ b []byte }

func (w *writer) u8(v uint8)                   { w.b = append(w.b, v) }
func (w *writer) u16(v uint16)                 { w.b = appendU16(w.b, v) }
func (w *writer) u32(v uint32)                 { w.b = appendU32(w.b, v) }
func (w *writer) u64(v uint64)                 { w.b = appendU64(w.b, v) }
func (w *writer) id(v ID)                      { w.b = appendID(w.b, v) }
func (w *writer) u128(v u128)                  { w.b = appendU128(w.b, v) }
func (w *writer) seal()                        { w.u32(crc32.Checksum(w.b, castagnoli)) }
func (w *writer) canonical(c canonicalDecimal) { w.b = appendCanonical(w.b, c) }

// decimal writes d canonically: trailing zeros of the coefficient move into
// the exponent, and zero is (0, 0, empty).
func (w *writer) decimal(d decimal.Decimal) { w.canonical(canonicalOf(d)) }

// units writes v units of a ledger at scale as the decimal they are, byte
// for byte what decimal(v.decimal(scale)) writes, without the decimal.
func (w *writer) units(v u128, scale uint8) { w.b = appendUnits(w.b, v, scale) }

func appendU16(b []byte, v uint16) []byte { return binary.LittleEndian.AppendUint16(b, v) }
func appendU32(b []byte, v uint32) []byte { return binary.LittleEndian.AppendUint32(b, v) }
func appendU64(b []byte, v uint64) []byte { return binary.LittleEndian.AppendUint64(b, v) }
func appendID(b []byte, v ID) []byte      { return appendU64(appendU64(b, v.Hi), v.Lo) }
func appendU128(b []byte, v u128) []byte  { return appendU64(appendU64(b, v.hi), v.lo) }

// appendCanonical appends a canonical decimal: sign, exponent (its low 32
// bits, as an int32 exponent wraps), and the coefficient's length and
// minimal big-endian bytes.
func appendCanonical(b []byte, c canonicalDecimal) []byte {
	b = appendU32(append(b, c.sign), uint32(c.exp))
	if c.wide != nil {
		return append(append(b, uint8(len(c.wide))), c.wide...)
	}
	n := 8 - bits.LeadingZeros64(c.coef.lo)/8 // bytes of the coefficient: none for zero
	if c.coef.hi != 0 {
		n = 16 - bits.LeadingZeros64(c.coef.hi)/8
	}
	var buf [16]byte
	binary.BigEndian.PutUint64(buf[:8], c.coef.hi)
	binary.BigEndian.PutUint64(buf[8:], c.coef.lo)
	return append(append(b, uint8(n)), buf[len(buf)-n:]...)
}

// appendUnits appends v units of a ledger at scale as the canonical
// decimal they are: appendCanonical(b, canonicalOfUnits(v, scale)). Every
// balance of a lookup's reply is written here, and nearly all fit 64 bits:
// those are written without building the canonical decimal (a struct of 56
// bytes, copied through stripping and appending, was most of the cost).
func appendUnits(b []byte, v u128, scale uint8) []byte {
	switch {
	case v.hi != 0:
		return appendCanonical(b, canonicalOfUnits(v, scale))
	case v.lo == 0:
		return append(b, signZero, 0, 0, 0, 0, 0) // sign, exponent 0, no coefficient bytes
	}
	coef, exp := v.lo, -int64(scale)
	for coef%10 == 0 { // trailing zeros move into the exponent
		coef /= 10
		exp++
	}
	n := 8 - bits.LeadingZeros64(coef)/8 // bytes of the coefficient
	var buf [8]byte
	binary.BigEndian.PutUint64(buf[:], coef)
	return append(append(appendU32(append(b, signPositive), uint32(exp)), uint8(n)), buf[8-n:]...)
}

// reader reads b from offset at on. It moves an offset rather than
// reslicing b: storing a slice stores its pointer, which pays the
// collector's write barrier on every field while a collection is marking.
type reader struct {
	b   []byte
	at  int
	err error
}

// left is how many bytes remain to read.
func (r *reader) left() int { return len(r.b) - r.at }

func (r *reader) fail(format string, args ...any) {
	if r.err == nil {
		r.err = fmt.Errorf("%w: %s", ErrCorrupt, fmt.Sprintf(format, args...))
	}
}

func (r *reader) take(n int) []byte {
	if r.err != nil {
		return nil
	}
	if n < 0 || r.left() < n {
		r.fail("truncated")
		return nil
	}
	out := r.b[r.at : r.at+n : r.at+n]
	r.at += n
	return out
}

func (r *reader) u8() uint8 {
	if b := r.take(1); b != nil {
		return b[0]
	}
	return 0
}
func (r *reader) u16() uint16 {
	if b := r.take(2); b != nil {
		return binary.LittleEndian.Uint16(b)
	}
	return 0
}
func (r *reader) u32() uint32 {
	if b := r.take(4); b != nil {
		return binary.LittleEndian.Uint32(b)
	}
	return 0
}
func (r *reader) u64() uint64 {
	if b := r.take(8); b != nil {
		return binary.LittleEndian.Uint64(b)
	}
	return 0
}
func (r *reader) id() ID     { return ID{Hi: r.u64(), Lo: r.u64()} }
func (r *reader) u128() u128 { return u128{hi: r.u64(), lo: r.u64()} }

// count reads an element count and checks it against a bound and against
// the bytes left, before anything is allocated for it.
func (r *reader) count(limit, minSize int) int {
	n := r.u32()
	if r.err == nil && (int64(n) > int64(limit) || int64(n)*int64(minSize) > int64(r.left())) {
		r.fail("count %d exceeds its bound", n)
		return 0
	}
	return int(n)
}

func (r *reader) decimal() decimal.Decimal { return r.canonical().decimal() }

// canonical reads a decimal and checks that it is canonical. Its
// coefficient, when wider than 128 bits, aliases the reader's bytes.
func (r *reader) canonical() canonicalDecimal {
	sign, exp, n := r.u8(), int32(r.u32()), int(r.u8())
	mag := r.take(n)
	if r.err != nil {
		return canonicalDecimal{}
	}
	switch {
	case sign == signZero && (exp != 0 || n != 0):
		r.fail("non-canonical zero")
	case sign > signNegative:
		r.fail("decimal sign %d", sign)
	case sign != signZero && (n == 0 || n > decimalCoeffMax || mag[0] == 0):
		r.fail("decimal coefficient of %d bytes", n)
	case exp > decimalExponentMax || exp < -decimalExponentMax:
		r.fail("decimal exponent %d", exp)
	}
	if r.err != nil || sign == signZero {
		return canonicalDecimal{}
	}
	if bytesMod10(mag) == 0 {
		r.fail("non-canonical decimal: trailing zero")
		return canonicalDecimal{}
	}
	c := canonicalDecimal{exp: int64(exp), sign: sign}
	if n > 16 {
		c.wide = mag
		return c
	}
	var buf [16]byte
	copy(buf[16-n:], mag)
	c.coef = u128{hi: binary.BigEndian.Uint64(buf[:8]), lo: binary.BigEndian.Uint64(buf[8:])}
	return c
}

// open checks the version and the CRC trailer, and returns a reader over
// the body. It returns the reader by value: a pointer would escape and cost
// an allocation per decode.
func open(b []byte, what string) (reader, error) {
	if len(b) < 5 {
		return reader{}, fmt.Errorf("%w: %s of %d bytes", ErrCorrupt, what, len(b))
	}
	body := b[:len(b)-4]
	if crc32.Checksum(body, castagnoli) != binary.LittleEndian.Uint32(b[len(b)-4:]) {
		return reader{}, fmt.Errorf("%w: %s checksum mismatch", ErrCorrupt, what)
	}
	if body[0] != codecVersion {
		return reader{}, fmt.Errorf("%w: %s version %d", ErrCorrupt, what, body[0])
	}
	return reader{b: body[1:]}, nil
}

func (r *reader) finish(what string) error {
	if r.err != nil {
		return r.err
	}
	if r.left() != 0 {
		return fmt.Errorf("%w: %s has %d trailing bytes", ErrCorrupt, what, r.left())
	}
	return nil
}
