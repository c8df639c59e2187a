package ledger

import (
	"encoding/binary"
	"math/big"

	"github.com/shopspring/decimal"
)

// The general paths: the codec and the amount conversion by math/big, as
// they were before the fast paths took everyday values off it (and with
// math/big in place of their 64-bit shortcuts too), kept as the reference
// the fast paths are tested against (canonical_test.go). They are the
// specification: do not make them faster.

var maxU128 = new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 128), big.NewInt(1))

// toUnitsGeneral is the conversion of any decimal to units.
func toUnitsGeneral(d decimal.Decimal, scale uint8) (u128, amountStatus) {
	if d.Sign() < 0 {
		return u128{}, amountNegative
	}
	shift := int(d.Exponent()) + int(scale)
	if d.NumDigits() <= 15 {
		return smallUnitsGeneral(uint64(d.CoefficientInt64()), shift)
	}
	return bigUnitsGeneral(d.Coefficient(), shift)
}

func smallUnitsGeneral(c uint64, shift int) (u128, amountStatus) {
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
		return bigUnitsGeneral(new(big.Int).SetUint64(c), shift)
	}
	hi, lo := mul64General(c, pow10[shift])
	return u128{hi, lo}, amountOK
}

func mul64General(a, b uint64) (uint64, uint64) {
	p := new(big.Int).Mul(new(big.Int).SetUint64(a), new(big.Int).SetUint64(b))
	return new(big.Int).Rsh(p, 64).Uint64(), new(big.Int).And(p, new(big.Int).SetUint64(^uint64(0))).Uint64()
}

func bigUnitsGeneral(c *big.Int, shift int) (u128, amountStatus) {
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

// decimalGeneral is writer.decimal's general encoding of any decimal.
func decimalGeneral(d decimal.Decimal) []byte {
	w := writer{}
	if d.Sign() == 0 {
		w.u8(0)
		w.u32(0)
		w.u8(0)
		return w.b
	}
	exp := d.Exponent()
	c := new(big.Int).Abs(d.Coefficient())
	ten, r := big.NewInt(10), new(big.Int)
	for {
		q, m := new(big.Int).QuoRem(c, ten, r)
		if m.Sign() != 0 {
			break
		}
		c = q
		exp++
	}
	mag := c.Bytes()
	sign := uint8(1)
	if d.Sign() < 0 {
		sign = 2
	}
	w.u8(sign)
	w.u32(uint32(exp))
	w.u8(uint8(len(mag)))
	w.b = append(w.b, mag...)
	return w.b
}

// readDecimalGeneral is reader.decimal's general decoding.
func readDecimalGeneral(r *reader) decimal.Decimal {
	sign, exp, n := r.u8(), int32(r.u32()), int(r.u8())
	mag := r.take(n)
	if r.err != nil {
		return decimal.Zero
	}
	switch {
	case sign == 0 && (exp != 0 || n != 0):
		r.fail("non-canonical zero")
	case sign > 2:
		r.fail("decimal sign %d", sign)
	case sign != 0 && (n == 0 || n > decimalCoeffMax || mag[0] == 0):
		r.fail("decimal coefficient of %d bytes", n)
	case exp > decimalExponentMax || exp < -decimalExponentMax:
		r.fail("decimal exponent %d", exp)
	}
	if r.err != nil || sign == 0 {
		return decimal.Zero
	}
	c := new(big.Int).SetBytes(mag)
	if new(big.Int).Rem(c, big.NewInt(10)).Sign() == 0 {
		r.fail("non-canonical decimal: trailing zero")
		return decimal.Zero
	}
	if sign == 2 {
		c.Neg(c)
	}
	return decimal.NewFromBigInt(c, exp)
}

// unitsDecimalGeneral is u128.decimal through math/big only.
func unitsDecimalGeneral(v u128, scale uint8) decimal.Decimal {
	b := make([]byte, 16)
	binary.BigEndian.PutUint64(b[:8], v.hi)
	binary.BigEndian.PutUint64(b[8:], v.lo)
	return decimal.NewFromBigInt(new(big.Int).SetBytes(b), -int32(scale))
}
