package ledger

import (
	"math/big"
	"testing"

	"github.com/shopspring/decimal"
	"pgregory.net/rapid"
)

// genCoefficient draws a coefficient magnitude around every edge the fast
// paths have: zero, 15 digits, 63 and 64 bits, 128 bits (max u128 and one
// past it), the codec's 32-byte limit, and trailing zeros.
func genCoefficient(t *rapid.T) *big.Int {
	one := big.NewInt(1)
	pow2 := func(n uint) *big.Int { return new(big.Int).Lsh(one, n) }
	var c *big.Int
	switch rapid.IntRange(0, 7).Draw(t, "coefficientKind") {
	case 0:
		c = big.NewInt(rapid.Int64Range(0, 10_000).Draw(t, "small"))
	case 1:
		c = new(big.Int).SetUint64(rapid.Uint64().Draw(t, "u64"))
	case 2:
		c = new(big.Int).SetUint64(rapid.Uint64Range(999_999_999_999_990, 1_000_000_000_000_010).Draw(t, "15digits"))
	case 3:
		c = new(big.Int).Add(new(big.Int).Lsh(new(big.Int).SetUint64(rapid.Uint64().Draw(t, "hi")), 64),
			new(big.Int).SetUint64(rapid.Uint64().Draw(t, "lo")))
	case 4:
		edges := []*big.Int{maxU128, new(big.Int).Add(maxU128, one), pow2(63), new(big.Int).Sub(pow2(63), one),
			pow2(64), new(big.Int).Sub(pow2(64), one), new(big.Int).Sub(pow2(256), one), pow2(255)}
		c = new(big.Int).Set(rapid.SampledFrom(edges).Draw(t, "edge"))
	case 5:
		c = new(big.Int).SetBytes(rapid.SliceOfN(rapid.Byte(), 1, 32).Draw(t, "bytes"))
	default:
		c = new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(rapid.IntRange(0, 40).Draw(t, "pow10"))), nil)
		c.Mul(c, big.NewInt(rapid.Int64Range(1, 99).Draw(t, "times")))
	}
	if rapid.IntRange(0, 3).Draw(t, "trailingZeros?") == 0 { // trailing zeros, to be stripped
		c.Mul(c, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(rapid.IntRange(1, 20).Draw(t, "zeros"))), nil))
	}
	return c
}

// genDecimal draws a decimal of either sign, with an exponent around the
// one of the smallest unit at scale (where units are exact or a digit too
// precise) or anywhere within the codec's bounds and past them.
func genDecimal(t *rapid.T, scale uint8) decimal.Decimal {
	c := genCoefficient(t)
	if rapid.Bool().Draw(t, "negative") {
		c.Neg(c)
	}
	exp := rapid.IntRange(-70, 70).Draw(t, "exponent")
	if rapid.Bool().Draw(t, "nearScale") {
		exp = -int(scale) + rapid.IntRange(-3, 3).Draw(t, "exponentFromScale")
	}
	return decimal.NewFromBigInt(c, int32(exp))
}

// TestUnitsMatchTheGeneralPath checks the fast conversion of an amount to
// units (through its canonical form) against math/big's, at every scale.
func TestUnitsMatchTheGeneralPath(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		scale := uint8(rapid.IntRange(0, 18).Draw(t, "scale"))
		d := genDecimal(t, scale)
		got, gotStatus := canonicalOf(d).units(scale)
		want, wantStatus := toUnitsGeneral(d, scale)
		if got != want || gotStatus != wantStatus {
			t.Fatalf("%s at scale %d: %v (status %d), general path %v (status %d)", d, scale, got, gotStatus, want, wantStatus)
		}
	})
}

// TestUnitsAtTheEdges names the cases the random ones must not miss.
func TestUnitsAtTheEdges(t *testing.T) {
	max := decimal.NewFromBigInt(maxU128, 0)
	for _, c := range []struct {
		name  string
		d     decimal.Decimal
		scale uint8
	}{
		{"zero", decimal.Zero, 2},
		{"zero at a small exponent", decimal.New(0, -30), 2},
		{"max u128 units", decimal.NewFromBigInt(maxU128, -18), 18},
		{"max u128 plus one", decimal.NewFromBigInt(new(big.Int).Add(maxU128, big.NewInt(1)), 0), 0},
		{"max u128 at scale 1", max, 1},
		{"10^38 units", decimal.New(1, 38), 0},
		{"10^39 units", decimal.New(1, 39), 0},
		{"one unit too precise", decimal.New(1, -3), 2},
		{"negative", decimal.New(-5, 0), 2},
		{"trailing zeros inside the scale", decimal.New(1200, -4), 2},
		{"exponent near int32's top", decimal.New(10, 1<<31-1), 2},
		{"exponent near int32's bottom", decimal.New(7, -1<<31), 2},
	} {
		got, gotStatus := canonicalOf(c.d).units(c.scale)
		want, wantStatus := toUnitsGeneral(c.d, c.scale)
		if got != want || gotStatus != wantStatus {
			t.Errorf("%s: %v (status %d), general path %v (status %d)", c.name, got, gotStatus, want, wantStatus)
		}
	}
}

// TestDecimalsEncodeAsTheGeneralPathDoes checks that the encoder writes
// every decimal byte for byte as math/big's canonical form, exponents that
// wrap int32 included.
func TestDecimalsEncodeAsTheGeneralPathDoes(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		d := genDecimal(t, 2)
		if rapid.IntRange(0, 9).Draw(t, "extremeExponent?") == 0 && d.Sign() != 0 {
			d = decimal.NewFromBigInt(d.Coefficient(), rapid.SampledFrom([]int32{1<<31 - 1, 1<<31 - 2, -1 << 31}).Draw(t, "exp"))
		}
		var w writer
		w.decimal(d)
		if want := decimalGeneral(d); string(w.b) != string(want) {
			t.Fatalf("%s encodes as %x, general path %x", d, w.b, want)
		}
	})
}

// TestUnitsEncodeAsTheirDecimals checks that a balance written straight
// from its units is the bytes its exported decimal encodes to, and that the
// exported decimal is the general path's.
func TestUnitsEncodeAsTheirDecimals(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		var v u128
		switch rapid.IntRange(0, 3).Draw(t, "kind") {
		case 0:
			v = u128{lo: rapid.Uint64Range(0, 100_000).Draw(t, "small")}
		case 1:
			v = u128{lo: rapid.Uint64().Draw(t, "lo")}
		case 2:
			v = u128{hi: rapid.Uint64().Draw(t, "hi"), lo: rapid.Uint64().Draw(t, "lo")}
		default:
			v = rapid.SampledFrom([]u128{{}, {hi: ^uint64(0), lo: ^uint64(0)}, {lo: 1 << 63}, {lo: 1<<63 - 1},
				{hi: 1}, {hi: 0x4b3b4ca85a86c47a, lo: 0x098a224000000000} /* 10^38 */}).Draw(t, "edge")
		}
		scale := uint8(rapid.IntRange(0, 18).Draw(t, "scale"))
		exported, general := v.decimal(scale), unitsDecimalGeneral(v, scale)
		if exported.Coefficient().Cmp(general.Coefficient()) != 0 || exported.Exponent() != general.Exponent() {
			t.Fatalf("%v at scale %d exports as %s, general path %s", v, scale, exported, general)
		}
		var w writer
		w.units(v, scale)
		if want := decimalGeneral(general); string(w.b) != string(want) {
			t.Fatalf("%v at scale %d encodes as %x, general path %x", v, scale, w.b, want)
		}
	})
}

// TestDecimalsDecodeAsTheGeneralPathDoes checks the decoder against
// math/big's on canonical encodings and on arbitrary bytes: the same
// decimal (coefficient and exponent), or the same refusal.
func TestDecimalsDecodeAsTheGeneralPathDoes(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		var b []byte
		if rapid.Bool().Draw(t, "canonical") {
			b = decimalGeneral(genDecimal(t, 2))
		} else {
			b = rapid.SliceOfN(rapid.Byte(), 0, 40).Draw(t, "bytes")
			if len(b) >= 6 && rapid.Bool().Draw(t, "plausible") {
				b[0] %= 4                                 // a sign, or one past
				b[1], b[2], b[3], b[4] = b[1]%80, 0, 0, 0 // a small positive exponent
				b[5] = uint8(min(len(b)-6, int(b[5])%33))
			}
		}
		fast, general := reader{b: b}, reader{b: b}
		got, want := fast.decimal(), readDecimalGeneral(&general)
		if (fast.err == nil) != (general.err == nil) || (fast.err != nil && fast.err.Error() != general.err.Error()) {
			t.Fatalf("%x: error %v, general path %v", b, fast.err, general.err)
		}
		if got.Coefficient().Cmp(want.Coefficient()) != 0 || got.Exponent() != want.Exponent() || fast.left() != general.left() {
			t.Fatalf("%x decodes as %s (%d bytes left), general path %s (%d)", b, got, fast.left(), want, general.left())
		}
	})
}
