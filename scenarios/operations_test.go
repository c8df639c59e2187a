package scenarios

import (
	"testing"

	"github.com/shopspring/decimal"
)

// TestUnitsAgreesWithDecimalArithmetic: units' fast path gives what the
// decimal arithmetic it stands for gives, at every exponent and sign,
// around its bounds too.
func TestUnitsAgreesWithDecimalArithmetic(t *testing.T) {
	for _, c := range []int64{0, 1, -1, 7, 1234, -98765, 99_999_999_999_999, 100_000_000_000_000, 999_999_999_999_999_999, -999_999_999_999_999} {
		for exp := int32(-6); exp <= 4; exp++ {
			d := decimal.New(c, exp)
			if got, want := units(d), d.Shift(int32(USD.Scale)).IntPart(); got != want {
				t.Errorf("units(%s) = %d, want %d", d, got, want)
			}
		}
	}
}
