package checkers

import (
	"fmt"
	"strings"
)

// The ledger model is nondeterministic (see LedgerModel): a Porcupine state
// is the set of group states the ledger may be in, a []any of distinct
// *groupState. LedgerModel builds that power-set model itself, exactly as
// porcupine.NondeterministicModel.ToModel builds it (the same merge, in
// the same order; the same set equality, hash and description), with
// fewer allocations on the search's hot path: each state's successors are
// appended to one slice, merged in place, where ToModel allocates a slice
// per state, another to gather them and a third to merge them.

// mergeStates removes from states every state equal to an earlier one,
// in place, keeping the first of each (ToModel's merge).
func mergeStates(states []any) []any {
	out := states[:0]
	for _, s := range states {
		unique := true
		for _, u := range out {
			if groupStatesEqual(s, u) {
				unique = false
				break
			}
		}
		if unique {
			out = append(out, s)
		}
	}
	return out
}

// stateSetsEqual compares two merged sets of states: as each holds
// distinct states, equal sizes and one inclusion make them equal.
func stateSetsEqual(a, b any) bool {
	x, y := a.([]any), b.([]any)
	if len(x) != len(y) {
		return false
	}
	for _, s := range x {
		found := false
		for _, t := range y {
			if groupStatesEqual(s, t) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// stateSetHash combines its states' hashes by XOR, which ignores their
// order, as a set's hash must.
func stateSetHash(state any) uint64 {
	var h uint64
	for _, s := range state.([]any) {
		h ^= groupStateHash(s)
	}
	return h
}

// describeStateSet describes a set of states for Porcupine's visualization.
func describeStateSet(state any) string {
	var descriptions []string
	for _, s := range state.([]any) {
		descriptions = append(descriptions, groupStateKey(s))
	}
	return fmt.Sprintf("{%s}", strings.Join(descriptions, ", "))
}
