package checkers

import (
	"fmt"
	"hash/fnv"
	"slices"
	"strings"

	"github.com/anishathalye/porcupine"

	"github.com/faultline/faultline/ledger"
)

// LedgerInput is one client operation on one group of accounts: a batch of
// transfers (one, or a linked chain) or a lookup of the group's accounts.
// Workloads keep every operation inside one group, so the history
// partitions by group and each partition is checked on its own (a model of
// the whole ledger would explode Porcupine's search).
type LedgerInput struct {
	Group     int
	Transfers []ledger.Transfer // empty for a lookup
}

// LedgerOutput is what the client learned.
type LedgerOutput struct {
	// Unknown: the client never learned the outcome; the operation may
	// have applied at any time after its call, or never.
	Unknown bool
	// Results are the per-event results of a transfer batch.
	Results []ledger.Result
	// Balances are a lookup's balances, in the group's account order, in
	// the ledger's smallest units: debits pending, debits posted, credits
	// pending, credits posted.
	Balances [][4]int64
}

// GroupAccount is an account of a group as the model knows it.
type GroupAccount struct {
	ID    ledger.ID
	Flags ledger.AccountFlags
}

// groupState is the model's view of one group: its balances and every
// transfer applied in it, sorted by ID.
type groupState struct {
	group     int
	accounts  []GroupAccount
	balances  [][4]int64
	transfers []modelTransfer
}

type modelTransfer struct {
	id, debit, credit, pendingID ledger.ID
	amount                       int64
	flags                        ledger.TransferFlags
	status                       uint8 // 0 posted or final, 1 pending, 2 posted, 3 voided
}

const (
	tsFinal uint8 = iota
	tsPending
	tsPosted
	tsVoided
)

// LedgerModel returns the Porcupine model of the ledger's client-visible
// behaviour for the given groups of accounts (group index -> accounts, all
// on one ledger of the given scale, all existing before the workload
// starts, with zero balances). It covers simple, pending, post and void
// transfers, linked chains, idempotent resubmission, balance limits and
// lookups; the workload uses no timeouts, so no event depends on time.
func LedgerModel(groups [][]GroupAccount, scale uint8) porcupine.Model {
	return porcupine.Model{
		Partition: partitionByGroup,
		Init:      func() any { return (*groupState)(nil) },
		Step: func(state, input, output any) (bool, any) {
			in := input.(LedgerInput)
			s := state.(*groupState)
			if s == nil {
				s = newGroupState(in.Group, groups[in.Group])
			}
			return s.step(in, output.(LedgerOutput), scale)
		},
		Equal: func(a, b any) bool { return groupStateKey(a) == groupStateKey(b) },
		Hash: func(state any) uint64 {
			h := fnv.New64a()
			h.Write([]byte(groupStateKey(state)))
			return h.Sum64()
		},
		DescribeOperation: describeLedgerOp,
		DescribeState:     func(state any) string { return groupStateKey(state) },
	}
}

func newGroupState(group int, accounts []GroupAccount) *groupState {
	return &groupState{group: group, accounts: accounts, balances: make([][4]int64, len(accounts))}
}

func (s *groupState) clone() *groupState {
	return &groupState{group: s.group, accounts: s.accounts, balances: slices.Clone(s.balances),
		transfers: slices.Clone(s.transfers)}
}

func (s *groupState) step(in LedgerInput, out LedgerOutput, scale uint8) (bool, any) {
	if len(in.Transfers) == 0 {
		if out.Unknown {
			return true, s
		}
		return slices.Equal(out.Balances, s.balances), s
	}
	next := s.clone()
	results := next.applyBatch(in.Transfers, scale)
	if out.Unknown {
		return true, next
	}
	if !slices.Equal(results, out.Results) {
		return false, s
	}
	return true, next
}

func partitionByGroup(history []porcupine.Operation) [][]porcupine.Operation {
	byGroup := map[int][]porcupine.Operation{}
	for _, op := range history {
		g := op.Input.(LedgerInput).Group
		byGroup[g] = append(byGroup[g], op)
	}
	groups := make([]int, 0, len(byGroup))
	for g := range byGroup {
		groups = append(groups, g)
	}
	slices.Sort(groups)
	out := make([][]porcupine.Operation, 0, len(groups))
	for _, g := range groups {
		out = append(out, byGroup[g])
	}
	return out
}

func groupStateKey(state any) string {
	s := state.(*groupState)
	if s == nil {
		return "init"
	}
	var b strings.Builder
	fmt.Fprint(&b, s.balances)
	for _, t := range s.transfers {
		fmt.Fprintf(&b, ";%s:%d", t.id, t.status)
	}
	return b.String()
}

func describeLedgerOp(input, output any) string {
	in, out := input.(LedgerInput), output.(LedgerOutput)
	var b strings.Builder
	if len(in.Transfers) == 0 {
		fmt.Fprintf(&b, "lookup g%d -> ", in.Group)
		if out.Unknown {
			b.WriteString("?")
		} else {
			fmt.Fprint(&b, out.Balances)
		}
		return b.String()
	}
	for i, t := range in.Transfers {
		if i > 0 {
			b.WriteString(" + ")
		}
		fmt.Fprintf(&b, "t%s %s->%s %s", t.ID, t.DebitAccountID, t.CreditAccountID, t.Amount)
		if t.Flags&ledger.Pending != 0 {
			b.WriteString(" pending")
		}
		if !t.PendingID.IsZero() {
			fmt.Fprintf(&b, " settles t%s", t.PendingID)
		}
	}
	if out.Unknown {
		return b.String() + " -> ?"
	}
	fmt.Fprintf(&b, " -> %v", out.Results)
	return b.String()
}
