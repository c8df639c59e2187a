package checkers

import (
	"math/big"
	"testing"

	"github.com/anishathalye/porcupine"
	"github.com/shopspring/decimal"

	"github.com/faultline/faultline/ledger"
)

// bigAmount is v units at scale 2, as a decimal.
func bigAmount(v *big.Int) decimal.Decimal { return decimal.NewFromBigInt(v, -2) }

func TestUnitsCarryAndConvert(t *testing.T) {
	half := Units{Lo: 1 << 63}
	sum, over := half.Add(half)
	if over || sum != (Units{Hi: 1}) {
		t.Fatalf("2^63 + 2^63 = %v (overflow %v), want 2^64", sum, over)
	}
	if _, over := (Units{Hi: ^uint64(0), Lo: ^uint64(0)}).Add(U(1)); !over {
		t.Fatal("2^128-1 + 1 did not overflow")
	}
	if got := U(5).Minus(U(7)).Plus(U(7)); got != U(5) {
		t.Fatalf("wrapping subtraction is not undone by addition: %v", got)
	}
	v := new(big.Int).Lsh(big.NewInt(3), 70)
	if got := UnitsOf(bigAmount(v), 2); got != (Units{Hi: 3 << 6}) || got.String() != v.String() {
		t.Fatalf("UnitsOf(3*2^70) = %+v %s", got, got)
	}
	if got := UnitsOf(decimal.New(1234, -2), 2); got != U(1234) {
		t.Fatalf("UnitsOf(12.34) = %v", got)
	}
}

// TestLedgerModelSumsPast64Bits: balances past 2^64 units are checked
// exactly (a lookup showing a dropped carry is rejected), and a transfer
// whose sum would pass 2^128 must be refused as an overflow.
func TestLedgerModelSumsPast64Bits(t *testing.T) {
	model := LedgerModel(testGroups, 2)
	x := new(big.Int).Lsh(big.NewInt(1), 63) // 2^63 units
	whale := func(id uint64, v *big.Int) ledger.Transfer { return withAmount(xfer(id, 1, 2, 0, 0), bigAmount(v)) }
	sum := [4]Units{{}, {Hi: 1}, {}, {}}    // account 1 debits posted: 2^64
	dropped := [4]Units{{}, {}, {}, {}}     // the carry lost: 0
	credit := [4]Units{{}, {}, {}, {Hi: 1}} // account 2 credits posted: 2^64
	lookupU := func(b ...[4]Units) porcupine.Operation {
		return porcupine.Operation{ClientId: 2, Call: 40, Return: 50, Input: LedgerInput{Group: 0}, Output: LedgerOutput{Balances: b}}
	}
	two := []porcupine.Operation{
		op(0, 0, 10, []ledger.Transfer{whale(10, x)}, results(ledger.Ok)),
		op(0, 20, 30, []ledger.Transfer{whale(11, x)}, results(ledger.Ok)),
	}
	if !porcupine.CheckOperations(model, append(two[:2:2], lookupU(sum, credit))) {
		t.Fatal("the carried sum was rejected")
	}
	if porcupine.CheckOperations(model, append(two[:2:2], lookupU(dropped, [4]Units{}))) {
		t.Fatal("a dropped carry was accepted")
	}
	max := new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 128), big.NewInt(1))
	over := append(two[:1:1], op(0, 20, 30, []ledger.Transfer{whale(12, max)}, results(ledger.Overflow)))
	if !porcupine.CheckOperations(model, over) {
		t.Fatal("an overflow refused was rejected")
	}
	over[1] = op(0, 20, 30, []ledger.Transfer{whale(12, max)}, results(ledger.Ok))
	if porcupine.CheckOperations(model, over) {
		t.Fatal("a sum past 2^128 was accepted")
	}
}

// TestUnitsOfFastPathAgreesWithBig: the conversion without math/big (small
// coefficients, a small shift) gives what math/big gives, at the edges of
// its range too (15 and 16 digits, shifts 0 to 3), and amounts outside it
// still convert through math/big.
func TestUnitsOfFastPathAgreesWithBig(t *testing.T) {
	coefficients := []int64{1, 7, 10, 99, 123456789, 999999999999999, 1000000000000000, 9999999999999999, 12345678901234567}
	for _, c := range coefficients {
		for exp := int32(-5); exp <= 4; exp++ {
			for _, scale := range []uint8{0, 2, 3} {
				d := decimal.New(c, exp)
				if got, want := UnitsOf(d, scale), unitsOfBig(d, scale); got != want {
					t.Errorf("UnitsOf(%s, %d) = %v, math/big gives %v", d, scale, got, want)
				}
			}
		}
	}
	if got := UnitsOf(decimal.Decimal{}, 2); !got.IsZero() {
		t.Errorf("UnitsOf(zero value) = %v", got)
	}
	if got, want := UnitsOf(decimal.New(-5, 0), 2), unitsOfBig(decimal.New(-5, 0), 2); got != want {
		t.Errorf("UnitsOf(-5) = %v, want %v (modulo 2^128)", got, want)
	}
}

// unitsOfBig is UnitsOf's conversion, all in math/big: the integer part of
// d shifted by scale, modulo 2^128.
func unitsOfBig(d decimal.Decimal, scale uint8) Units {
	v := d.Shift(int32(scale)).BigInt()
	v.And(v, mask128)
	return Units{Hi: new(big.Int).Rsh(v, 64).Uint64(), Lo: new(big.Int).And(v, mask64).Uint64()}
}

// TestUnitsOfEverydayAmountAllocatesNothing: the checkers convert every
// amount of the workload (whole cents below 10^15) without math/big.
func TestUnitsOfEverydayAmountAllocatesNothing(t *testing.T) {
	amount := decimal.New(5000, -2)
	if n := testing.AllocsPerRun(100, func() { _ = UnitsOf(amount, 2) }); n != 0 {
		t.Fatalf("UnitsOf(50.00) allocates %v times", n)
	}
}
