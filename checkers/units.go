package checkers

import (
	"fmt"
	"math/big"
	"math/bits"

	"github.com/shopspring/decimal"
)

// Units is an amount in a ledger's smallest unit, 128 bits unsigned, as the
// ledger keeps balances: the checkers compute with the ledger's range, so
// a balance beyond 2^64 units (where a dropped carry hides) is checked as
// exactly as a small one. The checkers' own arithmetic is independent of
// the ledger's (bits.Add64 here, the ledger's u128 there; math/big for
// conversion).
type Units struct{ Hi, Lo uint64 }

// UnitsOf converts a non-negative amount that is whole at scale, below
// 2^128 units; anything else converts to its value modulo 2^128 (the
// checkers that call this only pass amounts the ledger accepted, or
// balances it reported).
func UnitsOf(d decimal.Decimal, scale uint8) Units {
	if u, ok := unitsExact(d, scale); ok {
		return u
	}
	shifted := d.Shift(int32(scale))
	if shifted.Sign() >= 0 && shifted.Exponent() >= 0 && shifted.NumDigits()+int(shifted.Exponent()) <= 18 {
		return Units{Lo: uint64(shifted.IntPart())}
	}
	v := shifted.BigInt()
	v.And(v, mask128)
	lo := new(big.Int).And(v, mask64).Uint64()
	return Units{Hi: new(big.Int).Rsh(v, 64).Uint64(), Lo: lo}
}

// unitsExact converts the everyday amount without math/big: zero, or a
// positive coefficient of at most 15 digits (16 if NumDigits, which goes
// through a float64 logarithm, counted one short) at an exponent that
// leaves it whole at scale, times at most 10^3: below 2^64, so exact. It
// reports false for any other amount, which it leaves to math/big.
func unitsExact(d decimal.Decimal, scale uint8) (Units, bool) {
	switch sign := d.Sign(); {
	case sign == 0:
		return Units{}, true
	case sign > 0 && d.NumDigits() <= 15:
		if shift := int(d.Exponent()) + int(scale); shift >= 0 && shift <= 3 {
			return Units{Lo: uint64(d.CoefficientInt64()) * pow10Small[shift]}, true
		}
	}
	return Units{}, false
}

// pow10Small are the powers of ten UnitsOf's fast path multiplies by.
var pow10Small = [4]uint64{1, 10, 100, 1000}

var (
	mask64  = new(big.Int).SetUint64(^uint64(0))
	mask128 = new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 128), big.NewInt(1))
)

// Add returns a+b and whether it overflowed 128 bits.
func (a Units) Add(b Units) (Units, bool) {
	lo, carry := bits.Add64(a.Lo, b.Lo, 0)
	hi, over := bits.Add64(a.Hi, b.Hi, carry)
	return Units{hi, lo}, over != 0
}

// Plus returns a+b modulo 2^128.
func (a Units) Plus(b Units) Units {
	s, _ := a.Add(b)
	return s
}

// Minus returns a-b modulo 2^128: sums of credits and debits that
// subtract on the way come out exact when the true result is in range.
func (a Units) Minus(b Units) Units {
	lo, borrow := bits.Sub64(a.Lo, b.Lo, 0)
	hi, _ := bits.Sub64(a.Hi, b.Hi, borrow)
	return Units{hi, lo}
}

// Cmp compares a and b.
func (a Units) Cmp(b Units) int {
	switch {
	case a.Hi != b.Hi:
		return cmpUint64(a.Hi, b.Hi)
	default:
		return cmpUint64(a.Lo, b.Lo)
	}
}

// IsZero reports whether a is 0.
func (a Units) IsZero() bool { return a == Units{} }

// String prints a in decimal.
func (a Units) String() string {
	if a.Hi == 0 {
		return fmt.Sprint(a.Lo)
	}
	v := new(big.Int).Lsh(new(big.Int).SetUint64(a.Hi), 64)
	return v.Or(v, new(big.Int).SetUint64(a.Lo)).String()
}

// U is a small amount in units.
func U(v uint64) Units { return Units{Lo: v} }

// Balances4 converts four small balances (debits pending and posted,
// credits pending and posted), as tests write them.
func Balances4(b [4]int64) [4]Units {
	return [4]Units{U(uint64(b[0])), U(uint64(b[1])), U(uint64(b[2])), U(uint64(b[3]))}
}
