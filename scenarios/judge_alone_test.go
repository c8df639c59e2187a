package scenarios

import (
	"math"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"

	"github.com/faultline/faultline/checkers"
)

// TestALoneOperationIsJudgedAsPorcupineJudgesIt: checkAlone, which decides
// a partition of one operation without Porcupine's search, gives
// Porcupine's verdict: legal and illegal answers, an unknown outcome, a
// return before the call, and (not one operation) no verdict of its own.
func TestALoneOperationIsJudgedAsPorcupineJudgesIt(t *testing.T) {
	read := checkers.KVInput{Op: "read", Key: "k"}
	cases := []struct {
		name string
		op   porcupine.Operation
	}{
		{"a read of a missing key", porcupine.Operation{Input: read, Output: checkers.KVOutput{Missing: true}, Call: 1, Return: 2}},
		{"a read of a value nobody wrote", porcupine.Operation{Input: read, Output: checkers.KVOutput{Value: 5}, Call: 1, Return: 2}},
		{"an unknown read", porcupine.Operation{Input: read, Output: checkers.KVOutput{Unknown: true}, Call: 1, Return: math.MaxInt64}},
		{"a write returning at its call", porcupine.Operation{Input: checkers.KVInput{Op: "write", Key: "k", Value: 1}, Output: checkers.KVOutput{}, Call: 3, Return: 3}},
		{"a write returning before its call", porcupine.Operation{Input: checkers.KVInput{Op: "write", Key: "k", Value: 1}, Output: checkers.KVOutput{}, Call: 3, Return: 2}},
	}
	model := checkers.KVModel
	model.Partition = nil
	for _, tc := range cases {
		part := []porcupine.Operation{tc.op}
		want := porcupine.CheckOperationsTimeout(model, part, time.Minute)
		if got := checkAlone(model, part); got != want {
			t.Errorf("%s: %s, Porcupine says %s", tc.name, got, want)
		}
	}
	if got := checkAlone(model, []porcupine.Operation{cases[0].op, cases[3].op}); got != porcupine.Unknown {
		t.Errorf("two operations: %s, want unknown (Porcupine's to search)", got)
	}
}
