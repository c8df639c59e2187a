package checkers

import (
	"strings"
	"testing"

	"github.com/faultline/faultline/ledger"
)

// book is a hand-built workload record: intents, and every transfer ID the
// application sent for each.
type book struct {
	intents []Intent
	ids     map[ledger.ID]IntentRef
}

// ask records an intent told status, sent under the transfers' own IDs.
func (b *book) ask(status IntentStatus, ts ...ledger.Transfer) {
	if b.ids == nil {
		b.ids = map[ledger.ID]IntentRef{}
	}
	id := len(b.intents)
	for p, t := range ts {
		b.ids[t.ID] = IntentRef{Intent: id, Position: p}
	}
	b.intents = append(b.intents, Intent{ID: id, Transfers: ts, Status: status, Submissions: 1})
}

func (b *book) check(states ...ReplicaState) Verdict {
	return IntentExactlyOnce(states, b.intents, b.ids)
}

func wantIntentFailure(t *testing.T, v Verdict, about string) {
	t.Helper()
	if v.Status != Fail || !strings.Contains(strings.Join(v.Evidence, "\n"), about) {
		t.Fatalf("verdict %+v, want a failure saying %q", v, about)
	}
}

func TestIntentsThatTookEffectAsToldPass(t *testing.T) {
	var b book
	a, p, post := xfer(10, 1, 2, 500, 0), xfer(11, 2, 1, 200, ledger.Pending), settle(12, 11, ledger.PostPending)
	b.ask(IntentAcknowledged, a)
	b.ask(IntentAcknowledged, p)
	b.ask(IntentAcknowledged, post)
	b.ask(IntentUnknown, xfer(13, 1, 2, 700, 0)) // unknown: it may not have applied
	b.ask(IntentFailed, xfer(14, 1, 2, 900, 0))
	if v := b.check(replicaWith(t, "n1", a, p, post), replicaWith(t, "n2", a, p, post)); v.Status != Pass {
		t.Fatalf("%+v", v)
	}
}

// A client library that retries a timed-out request under fresh transfer
// IDs moves the money twice; per transfer ID every transfer applied once.
func TestARetryUnderFreshIDsIsTheSameIntentTakingEffectTwice(t *testing.T) {
	var b book
	a := xfer(10, 1, 2, 500, 0)
	b.ask(IntentAcknowledged, a)
	again := a
	again.ID = ledger.IDFromUint64(99) // made up by the client library: the workload never saw it
	wantIntentFailure(t, b.check(replicaWith(t, "n1", a, again)), "took effect 2 times")

	// The application itself resubmitted under a new ID and recorded it:
	// exactly-once per ID is satisfied, the intent is not.
	b.ids[again.ID] = IntentRef{Intent: 0}
	submitted := map[ledger.ID]ledger.Transfer{a.ID: a, again.ID: again}
	state := replicaWith(t, "n1", a, again)
	if v := ExactlyOnce([]ReplicaState{state}, submitted); v.Status != Pass {
		t.Fatalf("exactly-once per transfer ID: %+v", v)
	}
	wantIntentFailure(t, b.check(state), "took effect 2 times")
}

// A client that drops a retry and tells the application the request
// succeeded: the intent was acknowledged and never took effect.
func TestAnAcknowledgedIntentThatNeverTookEffectFails(t *testing.T) {
	var b book
	b.ask(IntentAcknowledged, xfer(10, 1, 2, 500, 0))
	wantIntentFailure(t, b.check(replicaWith(t, "n1")), "acknowledged but never took effect")
}

func TestAFailedIntentThatTookEffectFails(t *testing.T) {
	var b book
	a := xfer(10, 1, 2, 500, 0)
	b.ask(IntentFailed, a)
	wantIntentFailure(t, b.check(replicaWith(t, "n1", a)), "reported failed but took effect")
}

func TestMoneyMovedByNoIntentFails(t *testing.T) {
	var b book
	wantIntentFailure(t, b.check(replicaWith(t, "n1", xfer(10, 1, 2, 500, 0))), "matches no intent")
}

func TestHalfALinkedChainFails(t *testing.T) {
	var b book
	first, second := xfer(10, 1, 2, 500, ledger.Linked), xfer(11, 2, 1, 100, 0)
	b.ask(IntentUnknown, first, second)
	alone := first
	alone.Flags = 0
	wantIntentFailure(t, b.check(replicaWith(t, "n1", alone)), "took effect in part")
}

// The balances must be what the intents asked for, not merely what the
// ledger's own transfer records say: a transfer recorded for an intent but
// moving another amount breaks the sum.
func TestBalancesMustBeTheSumOfTheIntentsThatTookEffect(t *testing.T) {
	var b book
	asked := xfer(10, 1, 2, 500, 0)
	b.ask(IntentAcknowledged, asked)
	moved := asked
	moved.Amount = moved.Amount.Add(moved.Amount)
	wantIntentFailure(t, b.check(replicaWith(t, "n1", moved)), "intents that took effect sum to")
}

func TestIntentStatusOverSubmissions(t *testing.T) {
	for name, c := range map[string]struct {
		subs []IntentStatus
		want IntentStatus
	}{
		"refused once":                   {[]IntentStatus{IntentFailed}, IntentFailed},
		"refused after unknown":          {[]IntentStatus{IntentUnknown, IntentFailed}, IntentUnknown},
		"acknowledged after unknown":     {[]IntentStatus{IntentUnknown, IntentAcknowledged}, IntentAcknowledged},
		"unknown after acknowledged":     {[]IntentStatus{IntentAcknowledged, IntentUnknown}, IntentAcknowledged},
		"refused twice":                  {[]IntentStatus{IntentFailed, IntentFailed}, IntentFailed},
		"unknown after refused":          {[]IntentStatus{IntentFailed, IntentUnknown}, IntentUnknown},
		"a chain half refused is not ok": {[]IntentStatus{SubmissionStatus(true, []ledger.Result{ledger.Ok, ledger.ExceedsCredits}, 2)}, IntentUnknown},
	} {
		in := Intent{}
		for _, s := range c.subs {
			in.Record(s)
		}
		if in.Status != c.want {
			t.Errorf("%s: %v, want %v", name, in.Status, c.want)
		}
	}
}
