package checkers

import (
	"math"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"
)

func kvOp(client int, call, ret int64, in KVInput, out KVOutput) porcupine.Operation {
	return porcupine.Operation{ClientId: client, Call: call, Return: ret, Input: in, Output: out}
}

func TestKVModelVerdicts(t *testing.T) {
	w := func(v int64) KVInput { return KVInput{Op: "write", Key: "x", Value: v} }
	r := KVInput{Op: "read", Key: "x"}
	cases := []struct {
		name    string
		history []porcupine.Operation
		want    porcupine.CheckResult
	}{
		{"read after write sees it", []porcupine.Operation{
			kvOp(0, 0, 10, w(1), KVOutput{}), kvOp(1, 20, 30, r, KVOutput{Value: 1})}, porcupine.Ok},
		{"stale read is rejected", []porcupine.Operation{
			kvOp(0, 0, 10, w(1), KVOutput{}), kvOp(0, 20, 30, w(2), KVOutput{}),
			kvOp(1, 40, 50, r, KVOutput{Value: 1})}, porcupine.Illegal},
		{"read of a missing key before any write", []porcupine.Operation{
			kvOp(1, 0, 5, r, KVOutput{Missing: true}), kvOp(0, 10, 20, w(1), KVOutput{})}, porcupine.Ok},
		{"missing after a completed write is rejected", []porcupine.Operation{
			kvOp(0, 0, 5, w(1), KVOutput{}), kvOp(1, 10, 20, r, KVOutput{Missing: true})}, porcupine.Illegal},
		{"cas success needs the precondition", []porcupine.Operation{
			kvOp(0, 0, 5, w(1), KVOutput{}), kvOp(1, 10, 20, KVInput{Op: "cas", Key: "x", From: 2, To: 3}, KVOutput{})}, porcupine.Illegal},
		{"failed cas with a matching value is rejected", []porcupine.Operation{
			kvOp(0, 0, 5, w(1), KVOutput{}), kvOp(1, 10, 20, KVInput{Op: "cas", Key: "x", From: 1, To: 3}, KVOutput{Failed: true})}, porcupine.Illegal},
		{"an unknown write may land late", []porcupine.Operation{
			kvOp(0, 0, math.MaxInt64, w(7), KVOutput{Unknown: true}), kvOp(1, 10, 20, r, KVOutput{Missing: true}),
			kvOp(1, 30, 40, r, KVOutput{Value: 7})}, porcupine.Ok},
		{"an unknown write may never land", []porcupine.Operation{
			kvOp(0, 0, math.MaxInt64, w(7), KVOutput{Unknown: true}), kvOp(1, 10, 20, w(1), KVOutput{}),
			kvOp(1, 30, 40, r, KVOutput{Value: 1})}, porcupine.Ok},
		{"a value nobody wrote is rejected", []porcupine.Operation{
			kvOp(0, 0, 10, w(1), KVOutput{}), kvOp(1, 20, 30, r, KVOutput{Value: 9})}, porcupine.Illegal},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := porcupine.CheckOperationsTimeout(KVModel, tc.history, 5*time.Second); got != tc.want {
				t.Fatalf("verdict %s, want %s", got, tc.want)
			}
		})
	}
}
