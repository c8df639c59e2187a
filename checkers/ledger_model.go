package checkers

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/anishathalye/porcupine"
	"github.com/shopspring/decimal"

	"github.com/faultline/faultline/ledger"
)

// LedgerInput is one client operation on one group of accounts: a batch of
// transfers (one, or a linked chain) or a lookup of the group's accounts.
// Workloads keep every operation inside one group, so the history
// partitions by group and each partition is checked on its own (a model of
// the whole ledger would explode Porcupine's search).
type LedgerInput struct {
	Group     int
	Transfers []ledger.Transfer // empty for a lookup or an account creation
	// Accounts, when set, make the operation a creation of accounts, each
	// with one deliberate defect or an ID the group's accounts already use,
	// so that its result depends on no state the workload changes.
	Accounts []ledger.Account
	// TransferIDs, when set, make the operation a lookup of transfers by
	// ID (transfers of the group, and IDs nobody used).
	TransferIDs []ledger.ID
}

// isLookup reports whether in reads: the group's accounts, or transfers.
func (in *LedgerInput) isLookup() bool { return len(in.Transfers) == 0 && len(in.Accounts) == 0 }

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
	Balances [][4]Units
	// Closed is a lookup's closed accounts, bit i for the group's account i.
	Closed uint32
	// Found is a transfer lookup's answer, per ID asked.
	Found []FoundTransfer
	// Timestamp is the cluster time the reply names: the first event's of
	// a batch, or the lookup's; for an unknown batch, the time PinUnknowns
	// found it applied at. Zero when no one knows (the model then places
	// the operation at any time after the last it knows).
	Timestamp uint64
}

// GroupAccount is an account of a group as the model knows it.
type GroupAccount struct {
	ID    ledger.ID
	Flags ledger.AccountFlags
}

// groupState is the model's view of one group. It is immutable once
// built, and cheap to step: balances are a few words, and the transfers
// applied so far are persistent lists shared between states (a new state
// adds a node; it never copies the past). Two states are equal when their
// balances and order-independent digests of their transfer sets are, which
// is what lets Porcupine merge equal states.
type groupState struct {
	group    int
	accounts []GroupAccount
	balances [][4]Units
	closed   uint32       // bit i: account i is closed
	created  *createdNode // every transfer applied, newest first
	settled  *settledNode // every post, void or expiry of a reservation, newest first
	digest   [2]uint64    // XOR of per-transfer and per-settlement hashes
	// floor is a cluster time the ledger's last timestamp has reached: the
	// next batch is stamped after it.
	floor uint64
	// timers are the reservations with a timeout not yet settled or
	// expired, oldest first (see ledger_model_time.go). The array is
	// never written in place, so that clones share it: a change makes a
	// new one (most steps change no timer).
	timers []timer
}

type createdNode struct {
	t    modelTransfer
	next *createdNode
}

type settledNode struct {
	pendingID ledger.ID
	status    uint8
	next      *settledNode
}

type modelTransfer struct {
	id, debit, credit, pendingID ledger.ID
	amount                       Units // as requested (a post or void may ask 0)
	ledger                       uint32
	code                         uint16
	timeout                      uint64
	flags                        ledger.TransferFlags
	pending                      bool
}

const (
	tsFinal uint8 = iota
	tsPending
	tsPosted
	tsVoided
	tsExpired
)

// LedgerModel returns the Porcupine model of the ledger's client-visible
// behaviour for the given groups of accounts (group index -> accounts, all
// on ledger 1 at the given scale, all existing before the workload
// starts, with zero balances; ledger 2 exists too, with no account of the
// groups on it). It covers simple, pending, post (of all or part of a
// reservation) and void transfers, reservations that close accounts and
// reservations with timeouts that expire, linked chains (and one left
// open), idempotent resubmission and IDs reused with other fields, balance
// limits, every refusal of an event's own fields and of a settlement that
// contradicts its reservation, account creations refused on their own
// fields or by an existing account, and lookups.
//
// Cluster time is part of the model: each reply names the timestamp the
// ledger applied it at, so the model checks that time moves forward along
// the linearization and expires each reservation at the first batch
// stamped at or after its deadline, as the ledger does. Where the model
// cannot know the time (an operation whose outcome is unknown, a lookup
// that may follow batches of other groups), it keeps every outcome the
// ledger could have reached: the model is nondeterministic.
func LedgerModel(groups [][]GroupAccount, scale uint8) porcupine.Model {
	step := func(ctx context.Context, state, input, output any) (bool, any) {
		var inBuf LedgerInput
		var outBuf LedgerOutput
		in, out := ledgerInput(input, &inBuf), ledgerOutput(output, &outBuf)
		var one [1]*groupState
		var buf [stepStatesInline]*groupState
		next := buf[:0]
		for _, s := range members(state, &one) {
			if ctx.Err() != nil {
				return false, nil
			}
			if s == nil {
				s = newGroupState(in.Group, groups[in.Group])
			}
			next = s.step(next, in, out, scale)
		}
		if ctx.Err() != nil {
			return false, nil
		}
		if next = mergeStates(next); len(next) == 0 {
			return false, nil
		}
		return true, setOf(next)
	}
	return porcupine.Model{
		Partition: func(history []porcupine.Operation) [][]porcupine.Operation {
			return partitionByGroup(history, groups, scale)
		},
		Init: func() any { return (*groupState)(nil) },
		Step: func(state, input, output any) (bool, any) {
			return step(context.Background(), state, input, output)
		},
		StepContext:       step,
		Equal:             stateSetsEqual,
		Hash:              stateSetHash,
		DescribeOperation: describeLedgerOp,
		DescribeState:     describeStateSet,
	}
}

// stepStatesInline is how many successor states a step gathers on its own
// stack before it allocates: one is the rule, a few where expiries or
// unknown times fork the state.
const stepStatesInline = 16

// ledgerInput returns the input an operation carries, boxed as a pointer
// (as the workload's history boxes it, into arrays of its own: boxing an
// 80-byte value would copy it to the heap, one allocation an operation) or
// as a value, copied into buf.
func ledgerInput(v any, buf *LedgerInput) *LedgerInput {
	if p, ok := v.(*LedgerInput); ok {
		return p
	}
	*buf = v.(LedgerInput)
	return buf
}

// ledgerOutput is ledgerInput for an operation's output.
func ledgerOutput(v any, buf *LedgerOutput) *LedgerOutput {
	if p, ok := v.(*LedgerOutput); ok {
		return p
	}
	*buf = v.(LedgerOutput)
	return buf
}

func newGroupState(group int, accounts []GroupAccount) *groupState {
	return withBalances(groupState{group: group, accounts: accounts}, make([][4]Units, len(accounts)))
}

// clone makes a state to step from: the balances are copied, the lists
// and the timers are shared (timers are never written in place).
func (s *groupState) clone() *groupState {
	return withBalances(*s, s.balances)
}

// inlineAccounts is how many accounts' balances a state holds in the same
// allocation as itself: the workload's groups have five. Porcupine's
// search clones a state for nearly every step it tries, so one allocation
// per clone rather than two counts.
const inlineAccounts = 5

// stateWithBalances is a state and the array its balances use, allocated
// together.
type stateWithBalances struct {
	state    groupState
	balances [inlineAccounts][4]Units
}

// withBalances returns a new state s with a copy of balances.
func withBalances(s groupState, balances [][4]Units) *groupState {
	n := len(balances)
	if n > inlineAccounts {
		c := new(groupState) // not &s: that would move s to the heap on every call, the rule's too
		*c = s
		c.balances = slices.Clone(balances)
		return c
	}
	b := &stateWithBalances{state: s}
	b.state.balances = b.balances[:n:n] // full: an append could never write past it
	copy(b.state.balances, balances)
	return &b.state
}

// step appends to next every state the operation may leave, none if its
// output is impossible from s.
func (s *groupState) step(next []*groupState, in *LedgerInput, out *LedgerOutput, scale uint8) []*groupState {
	var resultsBuf [batchInline]ledger.Result
	if len(in.Accounts) > 0 {
		if out.Unknown || slices.Equal(s.accountResults(resultsBuf[:0], in.Accounts), out.Results) {
			return append(next, s)
		}
		return next
	}
	if len(in.TransferIDs) > 0 {
		return s.stepTransferLookup(next, in.TransferIDs, out)
	}
	if in.isLookup() {
		return s.stepLookup(next, out)
	}
	var starts [stepStatesInline]*groupState
	for _, b := range s.atBatch(starts[:0], in, out) {
		results := b.applyBatch(resultsBuf[:0], in.Transfers, out.Timestamp, scale)
		if out.Unknown || slices.Equal(results, out.Results) {
			next = append(next, b)
		}
	}
	return next
}

// batchInline is how many events' results a step computes on its stack
// before it allocates: the workload's batches are a few events.
const batchInline = 16

// stepTransferLookup checks which transfers a lookup found, and the
// amounts the ledger resolved them to. Expiry changes neither.
func (s *groupState) stepTransferLookup(next []*groupState, ids []ledger.ID, out *LedgerOutput) []*groupState {
	if out.Unknown {
		return append(next, s)
	}
	after := s
	if t := out.Timestamp; t != 0 {
		if t < s.floor { // as for a lookup of accounts (atLookup)
			return next
		}
		after = s.clone()
		after.narrow(lookupBound(s.floor, t))
		after.floor = max(s.floor, t-1)
	}
	var foundBuf [batchInline]FoundTransfer
	if !slices.Equal(out.Found, s.found(foundBuf[:0], ids)) {
		return next
	}
	return append(next, after)
}

// FoundTransfer is what a lookup found under one ID: whether a transfer
// is there, and its amount as the ledger resolved it, in units.
type FoundTransfer struct {
	OK     bool
	Amount Units
}

// found appends to dst what a lookup of ids finds. A post or void that
// named no amount resolves to its reservation's.
func (s *groupState) found(dst []FoundTransfer, ids []ledger.ID) []FoundTransfer {
	for _, id := range ids {
		t, ok := s.find(id)
		switch {
		case !ok:
			dst = append(dst, FoundTransfer{})
		case t.amount.IsZero() && !t.pendingID.IsZero():
			p, _ := s.find(t.pendingID)
			dst = append(dst, FoundTransfer{OK: true, Amount: p.amount})
		default:
			dst = append(dst, FoundTransfer{OK: true, Amount: t.amount})
		}
	}
	return dst
}

// stepLookup returns the states a lookup may have read: expiries that
// batches of other groups may have carried out are resolved both ways,
// and kept where the balances read agree.
func (s *groupState) stepLookup(next []*groupState, out *LedgerOutput) []*groupState {
	if out.Unknown {
		return append(next, s)
	}
	var reads [stepStatesInline]*groupState
	for _, b := range s.atLookup(reads[:0], out.Timestamp) {
		if slices.Equal(out.Balances, b.balances) && out.Closed == b.closed {
			next = append(next, b)
		}
	}
	return next
}

// partitionByGroup splits the history by group, and takes out every
// operation whose outcome no state can change: a single event the ledger
// refuses on its fields alone (a zero ID, equal accounts, an amount finer
// than the scale...), which changes nothing and is refused the same way
// whatever ran before it. Each of those is checked on its own, against the
// initial state, which is as good as any; left in its group, it would
// multiply Porcupine's search by the places it could go among the
// operations whose outcome is unknown, for nothing. An operation counts as
// such only if no other operation, of the kind that may apply, shares its
// transfer ID (a stored transfer under that ID would make it "exists").
func partitionByGroup(history []porcupine.Operation, groups [][]GroupAccount, scale uint8) [][]porcupine.Operation {
	byGroup := map[int][]porcupine.Operation{}
	alone := make([]bool, len(history))
	applicable := map[ledger.ID]bool{}
	var inBuf LedgerInput
	for i, op := range history {
		in := ledgerInput(op.Input, &inBuf)
		alone[i] = staticallyRefused(in, groups, scale)
		if !alone[i] && len(in.Accounts) == 0 {
			for _, t := range in.Transfers {
				applicable[t.ID] = true
			}
		}
	}
	var singles [][]porcupine.Operation
	for i, op := range history {
		in := ledgerInput(op.Input, &inBuf)
		if alone[i] && (len(in.Accounts) > 0 || !applicable[in.Transfers[0].ID]) {
			singles = append(singles, []porcupine.Operation{op})
			continue
		}
		byGroup[in.Group] = append(byGroup[in.Group], op)
	}
	order := make([]int, 0, len(byGroup))
	for g := range byGroup {
		order = append(order, g)
	}
	slices.Sort(order)
	out := make([][]porcupine.Operation, 0, len(order)+len(singles))
	for _, g := range order {
		out = append(out, withoutRedundantUnknowns(byGroup[g]))
	}
	return append(out, singles...)
}

// withoutRedundantUnknowns takes out of a group's history the operations
// whose outcome is unknown and that no linearization needs, each of which
// would double Porcupine's search (an unknown operation may go anywhere
// after its call, or nowhere):
//   - a lookup: it changes no state and constrains none;
//   - a resubmission of the very same transfer, or linked chain, as an
//     earlier-called unknown operation: such an input changes the state at
//     most once (once stored, a copy is answered "exists"; refused, it
//     changes nothing), so wherever the later copy took effect the earlier
//     one may take effect instead, and the later one then goes last,
//     answered "exists".
//
// A batch of independent events may apply part now and the rest on a
// retry, so it is kept. Leader-churn seed 1 at seven replicas, where one
// group's check took 12 s of its 20 s budget with four unknown lookups and
// three unknown resubmissions, takes half a second without them.
func withoutRedundantUnknowns(ops []porcupine.Operation) []porcupine.Operation {
	drop := make([]bool, len(ops))
	var inBuf, otherBuf LedgerInput
	var outBuf, otherOutBuf LedgerOutput
	for i, op := range ops {
		in, out := ledgerInput(op.Input, &inBuf), ledgerOutput(op.Output, &outBuf)
		if !out.Unknown {
			continue
		}
		if in.isLookup() {
			drop[i] = true
			continue
		}
		if len(in.Transfers) == 0 || !appliesAtMostOnce(in.Transfers) {
			continue
		}
		for j, other := range ops {
			if j == i || drop[j] || !ledgerOutput(other.Output, &otherOutBuf).Unknown {
				continue
			}
			earlier := other.Call < op.Call || (other.Call == op.Call && j < i)
			if earlier && sameInput(ledgerInput(other.Input, &otherBuf), in) {
				drop[i] = true
				break
			}
		}
	}
	kept := make([]porcupine.Operation, 0, len(ops))
	for i, op := range ops {
		if !drop[i] {
			kept = append(kept, op)
		}
	}
	return kept
}

// appliesAtMostOnce reports whether a batch is one event or one linked
// chain (every event but the last linked): all or nothing of it applies.
func appliesAtMostOnce(ts []ledger.Transfer) bool {
	for _, t := range ts[:len(ts)-1] {
		if t.Flags&ledger.Linked == 0 {
			return false
		}
	}
	return true
}

// sameInput reports whether two inputs are the same batch, field for field
// (amounts to the digit: 1.5 and 1.50 are not the same request).
func sameInput(a, b *LedgerInput) bool {
	return a.Group == b.Group && slices.EqualFunc(a.Transfers, b.Transfers, func(x, y ledger.Transfer) bool {
		xa, ya := x.Amount, y.Amount
		x.Amount, y.Amount = decimal.Decimal{}, decimal.Decimal{}
		return x == y && xa.Equal(ya) && xa.Exponent() == ya.Exponent()
	})
}

// staticallyRefused reports whether in is one event that the ledger
// refuses on its own fields, before or without looking at any balance or
// reservation.
func staticallyRefused(in *LedgerInput, groups [][]GroupAccount, scale uint8) bool {
	if len(in.Accounts) > 0 {
		return true // refused on its fields, or by an account the setup made
	}
	if len(in.Transfers) != 1 || in.Group < 0 || in.Group >= len(groups) {
		return false
	}
	t := &in.Transfers[0]
	if shapeResult(t) != ledger.Ok {
		return true
	}
	if t.Flags&(ledger.PostPending|ledger.VoidPending) != 0 {
		return t.PendingID.IsZero() || t.PendingID == t.ID || t.Timeout != 0
	}
	s := groupState{accounts: groups[in.Group]} // the accounts are fixed: the rest is the event's own
	return s.newTransferResult(t, scale) != ledger.Ok
}

func groupStatesEqual(x, y *groupState) bool {
	if x == nil || y == nil {
		return x == y
	}
	return x.digest == y.digest && x.closed == y.closed && x.floor == y.floor &&
		slices.Equal(x.balances, y.balances) && slices.Equal(x.timers, y.timers)
}

func groupStateHash(s *groupState) uint64 {
	if s == nil {
		return 0
	}
	h := s.digest[0] ^ mix(uint64(s.closed)^s.floor<<8)
	for _, t := range s.timers {
		h = mix(h ^ t.lo ^ mix(t.hi))
	}
	for _, b := range s.balances {
		for _, v := range b {
			h = mix(h ^ v.Lo ^ mix(v.Hi))
		}
	}
	return h
}

// mix is SplitMix64's finalizer.
func mix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	return x ^ (x >> 31)
}

func idHash(id ledger.ID, salt uint64) [2]uint64 {
	return [2]uint64{mix(id.Hi ^ mix(id.Lo^salt)), mix(id.Lo ^ mix(id.Hi^salt^0x5bd1e995))}
}

func groupStateKey(s *groupState) string {
	if s == nil {
		return "init"
	}
	return fmt.Sprintf("%v closed %b at %d, timers %v #%x", s.balances, s.closed, s.floor, s.timers, s.digest)
}

func describeLedgerOp(input, output any) string {
	var inBuf LedgerInput
	var outBuf LedgerOutput
	in, out := ledgerInput(input, &inBuf), ledgerOutput(output, &outBuf)
	var b strings.Builder
	if len(in.Accounts) > 0 {
		fmt.Fprintf(&b, "create %d accounts (a%s...) -> ", len(in.Accounts), in.Accounts[0].ID)
		if out.Unknown {
			b.WriteString("?")
		} else {
			fmt.Fprint(&b, out.Results)
		}
		return b.String()
	}
	if len(in.TransferIDs) > 0 {
		fmt.Fprintf(&b, "lookup transfers %v -> ", in.TransferIDs)
		if out.Unknown {
			b.WriteString("?")
		} else {
			fmt.Fprintf(&b, "%v at %d", out.Found, out.Timestamp)
		}
		return b.String()
	}
	if len(in.Transfers) == 0 {
		fmt.Fprintf(&b, "lookup g%d -> ", in.Group)
		if out.Unknown {
			b.WriteString("?")
		} else {
			fmt.Fprintf(&b, "%v closed %b at %d", out.Balances, out.Closed, out.Timestamp)
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
		if t.Timeout != 0 {
			fmt.Fprintf(&b, " timeout %d", t.Timeout)
		}
	}
	if out.Unknown {
		return b.String() + " -> ?"
	}
	fmt.Fprintf(&b, " -> %v at %d", out.Results, out.Timestamp)
	return b.String()
}
