package ledger

import (
	"strings"
	"testing"
)

func mustRestore(t *testing.T, s *State) *State {
	t.Helper()
	r, err := Restore(s.Snapshot())
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestStateDigestIsKeptAsCommandsApply(t *testing.T) {
	s := fixture(t) // creates, posts, voids, expires: every kind of change
	if s.StateDigest() != s.RecomputeStateDigest() {
		t.Fatal("the running digest is not the recomputed one")
	}
	if r := mustRestore(t, s); r.StateDigest() != s.StateDigest() {
		t.Fatal("a restored state has another digest")
	}
}

func TestStateDigestSeesATimestampOrAFieldThatDiffers(t *testing.T) {
	a, b := mustRestore(t, fixture(t)), mustRestore(t, fixture(t))
	cmd := Command{Op: OpCreateTransfers, Transfers: []Transfer{simple(500, 1, 2, "1")}}
	mustApply(t, a, cmd, 30_000)
	mustApply(t, b, cmd, 30_000)
	if a.StateDigest() != b.StateDigest() {
		t.Fatal("two ledgers that applied the same commands at the same times differ")
	}
	// The same command a nanosecond later: the same balances, another
	// transfer timestamp (a replica that stamped it from its own clock).
	later := mustRestore(t, fixture(t))
	mustApply(t, later, cmd, 30_001)
	if later.StateDigest() == a.StateDigest() {
		t.Fatal("the digest does not see a transfer's timestamp")
	}
	// Another code on the same movement of money.
	coded := mustRestore(t, fixture(t))
	other := simple(500, 1, 2, "1")
	other.Code = 2
	mustApply(t, coded, Command{Op: OpCreateTransfers, Transfers: []Transfer{other}}, 30_000)
	if coded.StateDigest() == a.StateDigest() {
		t.Fatal("the digest does not see a transfer's code")
	}
}

func TestAFailedChainLeavesTheStateDigestAsItWas(t *testing.T) {
	s := fixture(t)
	before := s.StateDigest()
	link := func(tr Transfer) Transfer { tr.Flags |= Linked; return tr }
	rep, err := s.Apply(Command{Op: OpCreateTransfers, Transfers: []Transfer{
		link(simple(300, 1, 2, "1")), link(simple(301, 1, 2, "2")), simple(302, 3, 2, "1"), // 302 exceeds credits
		link(simple(306, 1, 2, "1")), // open at the end
	}}, 20_000)
	if err != nil || rep.Results[2] != ExceedsCredits {
		t.Fatalf("results %v, %v", rep.Results, err)
	}
	// Only the last timestamp moved: restore it and the digest must be the
	// one from before.
	if s.StateDigest() != s.RecomputeStateDigest() {
		t.Fatal("after a rolled-back chain the running digest is not the recomputed one")
	}
	if s.StateDigest() == before {
		t.Fatal("the last timestamp moved, so the digest must too")
	}
	s.lastTimestamp = 10_000
	if s.StateDigest() != before {
		t.Fatal("a rolled-back chain changed the state digest")
	}
}

func TestASnapshotRefusesAStateChangedBehindTheDigest(t *testing.T) {
	s := fixture(t)
	s.accounts[id(1)].code++ // a change that bypassed touch (and keeps every ledger balanced)
	defer func() {
		p := recover()
		if p == nil || !strings.Contains(p.(string), "bypassed the digest") {
			t.Fatalf("Snapshot did not assert the digest: %v", p)
		}
	}()
	s.Snapshot()
}
