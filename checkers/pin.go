package checkers

import (
	"cmp"
	"slices"

	"github.com/anishathalye/porcupine"

	"github.com/faultline/faultline/ledger"
)

// PinUnknowns places the operations whose outcome the client never learned
// by what the ledger holds at the end, as a final read of the transfers by
// ID would (Jepsen's final reads; etcd's robustness tests patch their
// histories the same way). An unknown operation may otherwise take effect
// anywhere after its call, or nowhere, and each one doubles Porcupine's
// search. final is the state of a replica that serves at the end (the
// replica-state and convergence checks hold every serving replica to it).
//
// A batch of transfers (one event or a linked chain, all or nothing):
//   - none of whose events the ledger holds as sent took no effect (it never
//     ran, or was refused, which changes nothing): it is left out;
//   - all of whose events the ledger holds, stamped one after another, took
//     effect at that time, unless an operation whose answer a client read
//     applied the same events then (this one came after, answered Exists):
//     the first such unknown operation by call time is given the batch's
//     timestamp (its results stay unknown), so that the model places it at
//     that point of cluster time and nowhere else; a later copy is left out;
//   - anything else (part of a chain held) stays as it was, and is a matter
//     for the other checkers.
//
// Lookups and account creations are returned as they are. The history is
// not changed; the operations returned share nothing with it that is
// written.
func PinUnknowns(ops []porcupine.Operation, final *ledger.State) []porcupine.Operation {
	applied := map[uint64]bool{} // timestamps of events applied by answered operations
	var inBuf LedgerInput
	var outBuf LedgerOutput
	for _, op := range ops {
		in, out := ledgerInput(op.Input, &inBuf), ledgerOutput(op.Output, &outBuf)
		if out.Unknown || out.Timestamp == 0 {
			continue
		}
		for i, r := range out.Results {
			if r == ledger.Ok && i < len(in.Transfers) {
				applied[out.Timestamp+uint64(i)] = true
			}
		}
	}
	claimed := map[uint64]bool{}
	keep := make([]bool, len(ops))
	pinned := make([]uint64, len(ops))
	for _, i := range byCall(ops) {
		in, res := ledgerInput(ops[i].Input, &inBuf), ledgerOutput(ops[i].Output, &outBuf)
		if !res.Unknown || len(in.Transfers) == 0 {
			keep[i] = true
			continue
		}
		base, held := heldAt(final, in.Transfers)
		switch {
		case held == 0: // no effect
		case base == 0:
			keep[i] = true
		case applied[base] || claimed[base]: // another operation applied these events
		default:
			claimed[base] = true
			keep[i], pinned[i] = true, base
		}
	}
	out := make([]porcupine.Operation, 0, len(ops))
	for i, op := range ops {
		if !keep[i] {
			continue
		}
		if pinned[i] != 0 {
			op.Output = withTimestamp(op.Output, pinned[i])
		}
		out = append(out, op)
	}
	return out
}

// withTimestamp returns a copy of output with its timestamp set, boxed as
// output is (by pointer or by value): the history's own stays as it was.
func withTimestamp(output any, ts uint64) any {
	if p, ok := output.(*LedgerOutput); ok {
		c := *p
		c.Timestamp = ts
		return &c
	}
	res := output.(LedgerOutput)
	res.Timestamp = ts
	return res
}

// heldAt returns how many of ts the ledger holds as sent, and the batch's
// timestamp if it holds all of them stamped one after another (else 0).
func heldAt(final *ledger.State, ts []ledger.Transfer) (uint64, int) {
	var base uint64
	held, consecutive := 0, true
	for i := range ts {
		at, ok := final.Holds(&ts[i])
		if !ok {
			continue
		}
		if held == 0 {
			base = at - min(at, uint64(i))
		}
		held++
		consecutive = consecutive && at == base+uint64(i)
	}
	if held != len(ts) || !consecutive {
		return 0, held
	}
	return base, held
}

// byCall returns the indexes of ops in call order (ties by index), the
// order in which the first unknown copy of a batch is told from later ones.
func byCall(ops []porcupine.Operation) []int {
	idx := make([]int, len(ops))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int { return cmp.Compare(ops[a].Call, ops[b].Call) })
	return idx
}
