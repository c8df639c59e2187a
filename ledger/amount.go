package ledger

import (
	"math/big"
	"math/bits"

	"github.com/shopspring/decimal"
)

// u128 is an exact non-negative amount in a ledger's smallest unit.
type u128 struct{ hi, lo uint64 }

func (a u128) isZero() bool { return a.hi == 0 && a.lo == 0 }

func (a u128) cmp(b u128) int {
	switch {
	case a.hi < b.hi || (a.hi == b.hi && a.lo < b.lo):
		return -1
	case a == b:
		return 0
	}
	return 1
}

// add returns a+b and whether it overflowed.
func (a u128) add(b u128) (u128, bool) {
	lo, carry := bits.Add64(a.lo, b.lo, 0)
	hi, over := bits.Add64(a.hi, b.hi, carry)
	return u128{hi, lo}, over != 0
}

// sub returns a-b; a must not be below b.
func (a u128) sub(b u128) u128 {
	lo, borrow := bits.Sub64(a.lo, b.lo, 0)
	hi, under := bits.Sub64(a.hi, b.hi, borrow)
	if under != 0 {
		panicf("amount underflow: %v - %v", a, b)
	}
	return u128{hi, lo}
}

func (a u128) big() *big.Int {
	v := new(big.Int).SetUint64(a.hi)
	v.Lsh(v, 64)
	return v.Or(v, new(big.Int).SetUint64(a.lo))
}

// decimal returns a as a decimal at the ledger's scale.
func (a u128) decimal(scale uint8) decimal.Decimal {
	if a.hi == 0 && a.lo <= 1<<63-1 {
		return decimal.New(int64(a.lo), -int32(scale))
	}
	return decimal.NewFromBigInt(a.big(), -int32(scale))
}

var maxU128 = new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 128), big.NewInt(1))

// amountStatus is why a decimal cannot be an amount.
type amountStatus uint8

const (
	amountOK amountStatus = iota
	amountNegative
	amountTooPrecise // more decimal places than the ledger's scale
	amountTooLarge
)

var pow10 = func() (p [20]uint64) {
	p[0] = 1
	for i := 1; i < len(p); i++ {
		p[i] = p[i-1] * 10
	}
	return p
}()

// toUnits converts a decimal to an exact count of the ledger's smallest
// unit: 12.34 at scale 2 is 1234 units. The common case (a coefficient that
// fits 64 bits) allocates nothing.
func toUnits(d decimal.Decimal, scale uint8) (u128, amountStatus) {
	if d.Sign() < 0 {
		return u128{}, amountNegative
	}
	shift := int(d.Exponent()) + int(scale) // units = coefficient * 10^shift
	// NumDigits is allocation-free for coefficients up to 2^53, which
	// covers every everyday amount; only huge ones take the big.Int path.
	// Either path gives the same exact result.
	if d.NumDigits() <= 15 {
		return smallUnits(uint64(d.CoefficientInt64()), shift)
	}
	return bigUnits(d.Coefficient(), shift)
}

func smallUnits(c uint64, shift int) (u128, amountStatus) {
	for shift < 0 {
		if c%10 != 0 {
			return u128{}, amountTooPrecise
		}
		c /= 10
		shift++
	}
	if c == 0 {
		return u128{}, amountOK
	}
	if shift >= len(pow10) {
		return bigUnits(new(big.Int).SetUint64(c), shift)
	}
	hi, lo := bits.Mul64(c, pow10[shift])
	return u128{hi, lo}, amountOK
}

func bigUnits(c *big.Int, shift int) (u128, amountStatus) {
	v := new(big.Int).Set(c)
	ten := big.NewInt(10)
	if shift < 0 {
		div := new(big.Int).Exp(ten, big.NewInt(int64(-shift)), nil)
		q, r := new(big.Int).QuoRem(v, div, new(big.Int))
		if r.Sign() != 0 {
			return u128{}, amountTooPrecise
		}
		v = q
	} else if shift > 0 {
		if shift > 40 {
			return u128{}, amountTooLarge
		}
		v.Mul(v, new(big.Int).Exp(ten, big.NewInt(int64(shift)), nil))
	}
	if v.Cmp(maxU128) > 0 {
		return u128{}, amountTooLarge
	}
	lo := new(big.Int).And(v, new(big.Int).SetUint64(^uint64(0))).Uint64()
	hi := new(big.Int).Rsh(v, 64).Uint64()
	return u128{hi, lo}, amountOK
}
