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

// quoRem10 returns a/10 and a%10.
func (a u128) quoRem10() (u128, uint64) {
	if a.hi == 0 {
		return u128{lo: a.lo / 10}, a.lo % 10
	}
	hi, r := a.hi/10, a.hi%10
	lo, r := bits.Div64(r, a.lo, 10)
	return u128{hi, lo}, r
}

// mul64 returns a*m and whether it overflowed.
func (a u128) mul64(m uint64) (u128, bool) {
	carry, lo := bits.Mul64(a.lo, m)
	over, mid := bits.Mul64(a.hi, m)
	hi, carried := bits.Add64(mid, carry, 0)
	return u128{hi, lo}, over != 0 || carried != 0
}

// mulPow10 returns a*10^shift (shift >= 0) and whether it overflowed. It
// takes at most three steps for a non-zero a: 10^39 is above 2^128.
func (a u128) mulPow10(shift int) (u128, bool) {
	for shift > 0 {
		step := min(shift, len(pow10)-1)
		var overflow bool
		if a, overflow = a.mul64(pow10[step]); overflow {
			return u128{}, true
		}
		if a.isZero() {
			return a, false
		}
		shift -= step
	}
	return a, false
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
	v, overflow := u128{lo: c}.mulPow10(shift)
	if overflow {
		return u128{}, amountTooLarge
	}
	return v, amountOK
}
