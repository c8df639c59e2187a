package scenarios

import (
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/checkers"
	"github.com/faultline/faultline/ledger"
	"github.com/faultline/faultline/scenarios/cluster"
)

// freshIDs is the bug of a client library that resends a timed-out
// request as a new one under new transfer IDs, which it makes up itself:
// the workload never hears of them.
func freshIDs() func([]byte) []byte {
	next := uint64(1 << 50)
	return func(command []byte) []byte {
		cmd, err := ledger.DecodeCommand(command)
		if err != nil || cmd.Op != ledger.OpCreateTransfers {
			return nil
		}
		for i := range cmd.Transfers {
			next++
			cmd.Transfers[i].ID = ledger.IDFromUint64(next)
		}
		return ledger.EncodeCommand(cmd)
	}
}

// ackAll is the answer a client that dropped its retry makes up: every
// transfer succeeded. Other commands stay unknown.
func ackAll(command []byte) []byte {
	cmd, err := ledger.DecodeCommand(command)
	if err != nil || cmd.Op != ledger.OpCreateTransfers {
		return nil
	}
	return ledger.EncodeReply(ledger.Reply{Results: make([]ledger.Result, len(cmd.Transfers))})
}

func runBroken(t *testing.T, name string, seed uint64, tune func(*cluster.ClientOptions)) *Outcome {
	t.Helper()
	sc, ok := Lookup(name)
	if !ok {
		t.Fatalf("no scenario %s", name)
	}
	sc.Workload.Client = cluster.DefaultClientOptions()
	tune(&sc.Workload.Client)
	o, err := Run(&sc, seed, RunOptions{CheckTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func verdictOf(o *Outcome, invariant string) checkers.Verdict {
	for _, v := range o.Verdicts {
		if v.Invariant == invariant {
			return v
		}
	}
	return checkers.Verdict{}
}

func wantIntentBreach(t *testing.T, o *Outcome, about string) {
	t.Helper()
	t.Logf("ok=%d unknown=%d failed=%d", o.History.OK, o.History.Unknown, o.History.Failed)
	v := verdictOf(o, "intent-exactly-once")
	if v.Status != checkers.Fail || !strings.Contains(strings.Join(v.Evidence, "\n"), about) {
		t.Fatalf("intent-exactly-once %s %v, want a failure saying %q", v.Status, v.Evidence, about)
	}
	t.Logf("caught: %s", v.Evidence[0])
}

// A client that gives up before the reply comes (the request applies all
// the same) and resends under fresh IDs moves the money twice.
func TestAClientThatRetriesUnderFreshIDsBreaksIntentExactlyOnce(t *testing.T) {
	skipSingleGoroutineUnderRace(t)
	o := runBroken(t, "baseline", 1, func(c *cluster.ClientOptions) {
		c.GiveUpAfter = 8 * time.Millisecond
		c.Broken = &cluster.BrokenClient{RetryUnderFreshIDs: freshIDs()}
	})
	wantIntentBreach(t, o, "took effect")
}

// A client that drops every resend and, when it hears nothing, tells the
// application the transfer succeeded: on a lossy network some of those
// never applied.
func TestAClientThatDropsARetryAndAcknowledgesBreaksIntentExactlyOnce(t *testing.T) {
	o := runBroken(t, "flaky-network", 1, func(c *cluster.ClientOptions) {
		c.GiveUpAfter = 300 * time.Millisecond
		c.Broken = &cluster.BrokenClient{AckDroppedRetry: ackAll}
	})
	wantIntentBreach(t, o, "acknowledged but never took effect")
}

// The control: the same impatient client, without the bug, resubmits
// unknown intents only under their own IDs, and every intent holds.
func TestAnImpatientCorrectClientKeepsIntentExactlyOnce(t *testing.T) {
	skipSingleGoroutineUnderRace(t)
	o := runBroken(t, "baseline", 1, func(c *cluster.ClientOptions) { c.GiveUpAfter = 8 * time.Millisecond })
	if o.History.Unknown == 0 {
		t.Fatal("no operation ended unknown: the control exercises nothing")
	}
	for _, name := range []string{"intent-exactly-once", "exactly-once", "durability", "conservation"} {
		if v := verdictOf(o, name); v.Status != checkers.Pass {
			t.Errorf("%s: %s %v", name, v.Status, v.Evidence)
		}
	}
}
