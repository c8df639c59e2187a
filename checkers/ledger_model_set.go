package checkers

import (
	"fmt"
	"slices"
	"strings"
)

// The ledger model is nondeterministic (see LedgerModel): a Porcupine state
// is the set of group states the ledger may be in. LedgerModel builds that
// power-set model itself, with the semantics of
// porcupine.NondeterministicModel.ToModel (the same merge, in the same
// order; the same set equality, hash and description), and fewer
// allocations on the search's hot path: each state's successors are
// appended to one buffer on the step's stack and merged in place, where
// ToModel allocates a slice per state, another to gather them and a third
// to merge them.
//
// A set is held in one of two forms: a bare *groupState when it has one
// member, as nearly every set the search makes does (boxing a pointer
// allocates nothing), and a stateSet of two or more distinct members
// otherwise. The initial set is the nil *groupState alone.

// stateSet is a set of two or more distinct group states.
type stateSet []*groupState

// setOf boxes the merged states as a set: the state itself for one, a copy
// of the slice for more (states is the step's scratch buffer).
func setOf(states []*groupState) any {
	if len(states) == 1 {
		return states[0]
	}
	return stateSet(slices.Clone(states))
}

// members returns the states of a set, using one for a set of one.
func members(set any, one *[1]*groupState) []*groupState {
	switch s := set.(type) {
	case *groupState:
		one[0] = s
		return one[:]
	case stateSet:
		return s
	}
	panic(fmt.Sprintf("ledger model: a state of type %T", set))
}

// mergeStates removes from states every state equal to an earlier one,
// in place, keeping the first of each (ToModel's merge).
func mergeStates(states []*groupState) []*groupState {
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
	var oneX, oneY [1]*groupState
	x, y := members(a, &oneX), members(b, &oneY)
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
	var one [1]*groupState
	var h uint64
	for _, s := range members(state, &one) {
		h ^= groupStateHash(s)
	}
	return h
}

// describeStateSet describes a set of states for Porcupine's visualization.
func describeStateSet(state any) string {
	var one [1]*groupState
	var descriptions []string
	for _, s := range members(state, &one) {
		descriptions = append(descriptions, groupStateKey(s))
	}
	return fmt.Sprintf("{%s}", strings.Join(descriptions, ", "))
}
