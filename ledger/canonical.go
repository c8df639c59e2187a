package ledger

import (
	"encoding/binary"
	"math"
	"math/big"

	"github.com/shopspring/decimal"
)

// canonicalDecimal is a decimal in the codec's canonical form: a sign, an
// exponent and a coefficient with no trailing zeros (zero is sign 0 and
// exponent 0). The codec reads and writes it and the apply path converts it
// to units without math/big: every amount a ledger can hold has a
// coefficient of at most 128 bits. Only a wider one (up to decimalCoeffMax
// bytes on the wire, never a valid amount) keeps its bytes instead.
type canonicalDecimal struct {
	coef u128   // the coefficient's magnitude, when it fits 128 bits
	wide []byte // the coefficient's big-endian bytes when it does not, else nil
	// exp is the exponent. It is 64 bits wide so that stripping a decimal's
	// trailing zeros never wraps it (decimal exponents are int32); the
	// codec writes its low 32 bits, as it always has.
	exp  int64
	sign uint8 // as on the wire: 0 zero, 1 positive, 2 negative
}

// Wire sign codes of a decimal.
const (
	signZero     = 0
	signPositive = 1
	signNegative = 2
)

// canonicalOfUnits returns units of a ledger at scale as a canonical
// decimal: 1230 units at scale 2 is 123e-1. It allocates nothing.
func canonicalOfUnits(v u128, scale uint8) canonicalDecimal {
	if v.isZero() {
		return canonicalDecimal{}
	}
	return canonicalDecimal{coef: v, exp: -int64(scale), sign: signPositive}.stripped()
}

// canonicalOf returns any decimal in canonical form. It allocates nothing
// for coefficients of up to 15 digits (every everyday amount); wider ones
// take math/big.
func canonicalOf(d decimal.Decimal) canonicalDecimal {
	sign := d.Sign()
	if sign == 0 {
		return canonicalDecimal{}
	}
	c := canonicalDecimal{exp: int64(d.Exponent()), sign: signPositive}
	if sign < 0 {
		c.sign = signNegative
	}
	// NumDigits is allocation-free for coefficients up to 2^53, and a
	// coefficient of 15 digits or fewer fits CoefficientInt64.
	if d.NumDigits() <= 15 {
		v := d.CoefficientInt64()
		if v < 0 {
			v = -v
		}
		c.coef = u128{lo: uint64(v)}
		return c.stripped()
	}
	return c.withBigCoefficient(d.Coefficient())
}

// withBigCoefficient sets c's coefficient from a big one (of any sign),
// stripping its trailing zeros first so that a wide coefficient that ends in
// zeros is narrowed when it can be.
func (c canonicalDecimal) withBigCoefficient(coefficient *big.Int) canonicalDecimal {
	v := coefficient.Abs(coefficient) // Coefficient returned a copy
	ten, q, r := big.NewInt(10), new(big.Int), new(big.Int)
	for {
		q.QuoRem(v, ten, r)
		if r.Sign() != 0 {
			break
		}
		v, q = q, v
		c.exp++
	}
	if v.BitLen() > 128 {
		c.wide = v.Bytes()
		return c
	}
	var buf [16]byte
	v.FillBytes(buf[:])
	c.coef = u128{hi: binary.BigEndian.Uint64(buf[:8]), lo: binary.BigEndian.Uint64(buf[8:])}
	return c
}

// stripped moves the trailing zeros of a 128-bit coefficient into the
// exponent.
func (c canonicalDecimal) stripped() canonicalDecimal {
	if c.sign == signZero || c.wide != nil {
		return c
	}
	for c.coef.hi != 0 {
		q, r := c.coef.quoRem10()
		if r != 0 {
			return c
		}
		c.coef = q
		c.exp++
	}
	for c.coef.lo != 0 && c.coef.lo%10 == 0 { // 64 bits: the everyday amount
		c.coef.lo /= 10
		c.exp++
	}
	return c
}

// units converts c to an exact count of the smallest unit of a ledger at
// scale: 1234e-2 at scale 2 is 1234 units, 12345e-3 is too precise. It
// allocates nothing and agrees with the math/big conversion of the same
// decimal (toUnitsGeneral in the tests) on every value.
func (c canonicalDecimal) units(scale uint8) (u128, amountStatus) {
	switch c.sign {
	case signZero:
		return u128{}, amountOK
	case signNegative:
		return u128{}, amountNegative
	}
	shift := int(c.exp) + int(scale) // units = coefficient * 10^shift
	if c.wide == nil && c.coef.hi == 0 && c.coef.lo < pow10[15] {
		return smallUnits(c.coef.lo, shift) // the everyday amount
	}
	// A canonical coefficient has no factor of ten, so a negative shift
	// always leaves a fraction of a unit.
	switch {
	case shift < 0:
		return u128{}, amountTooPrecise
	case c.wide != nil:
		return u128{}, amountTooLarge
	}
	v, overflow := c.coef.mulPow10(shift)
	if overflow {
		return u128{}, amountTooLarge
	}
	return v, amountOK
}

// decimal returns c as a decimal: two small allocations for a coefficient
// that fits 63 bits (what decimal.New costs), math/big beyond.
func (c canonicalDecimal) decimal() decimal.Decimal {
	if c.sign == signZero {
		return decimal.Zero
	}
	exp := int32(c.exp)
	if int64(exp) != c.exp {
		panicf("decimal exponent %d does not fit 32 bits", c.exp)
	}
	if c.wide == nil && c.coef.hi == 0 && c.coef.lo <= math.MaxInt64 {
		v := int64(c.coef.lo)
		if c.sign == signNegative {
			v = -v
		}
		return decimal.New(v, exp)
	}
	var v *big.Int
	if c.wide != nil {
		v = new(big.Int).SetBytes(c.wide)
	} else {
		v = c.coef.big()
	}
	if c.sign == signNegative {
		v.Neg(v)
	}
	return decimal.NewFromBigInt(v, exp)
}

// bytesMod10 returns a big-endian number's remainder modulo 10.
func bytesMod10(b []byte) uint64 {
	var r uint64
	for _, x := range b {
		r = (r<<8 | uint64(x)) % 10
	}
	return r
}
