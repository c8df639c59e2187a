package checkers

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestConvergenceRejectsDivergedReplicas(t *testing.T) {
	var c Convergence
	a, b := [32]byte{1}, [32]byte{2}
	c.Applied("n1", 1, a, 0)
	c.Applied("n2", 1, a, 0)
	if v := c.Verdict(); v.Status != Pass {
		t.Fatalf("agreeing replicas: %+v", v)
	}
	c.Applied("n3", 1, b, time.Second)
	if v := c.Verdict(); v.Status != Fail || len(v.Evidence) != 1 {
		t.Fatalf("diverged replicas: %+v", v)
	}
}

func TestElectionSafetyRejectsTwoLeadersInATerm(t *testing.T) {
	var e ElectionSafety
	e.Leader("n1", 3, 0)
	e.Leader("n1", 3, 0) // the same leader reported twice is fine
	e.Leader("n2", 4, 0)
	if v := e.Verdict(); v.Status != Pass {
		t.Fatalf("%+v", v)
	}
	e.Leader("n3", 4, time.Second)
	if v := e.Verdict(); v.Status != Fail {
		t.Fatalf("two leaders in term 4 passed: %+v", v)
	}
}

func TestTermDurabilityRejectsARestartInAnOlderTerm(t *testing.T) {
	var d TermDurability
	d.Restarted("n1", 0, 0) // first boot
	d.Answered("n1", 3)
	d.Answered("n1", 5)
	d.Answered("n1", 4) // a stale term seen later changes nothing
	d.Restarted("n1", 5, time.Second)
	d.Answered("n2", 5)
	d.DiskReplaced("n2") // a blank disk never held term 5
	d.Restarted("n2", 0, time.Second)
	if v := d.Verdict(); v.Status != Pass {
		t.Fatalf("%+v", v)
	}
	d.Restarted("n1", 4, 2*time.Second)
	if v := d.Verdict(); v.Status != Fail || len(v.Evidence) != 1 {
		t.Fatalf("n1 back in term 4 after acting in 5: %+v", v)
	}
}

func TestClusterTimeRejectsRegression(t *testing.T) {
	var c ClusterTime
	c.Applied("n1", 1, 100)
	c.Applied("n1", 2, 200)
	c.Applied("n1", 1, 100) // re-applied after a restart
	c.Applied("n1", 2, 200)
	c.Applied("n1", 9, 50) // skipped ahead by a snapshot
	if v := c.Verdict(); v.Status != Pass {
		t.Fatalf("%+v", v)
	}
	c.Applied("n1", 10, 50)
	if v := c.Verdict(); v.Status != Fail {
		t.Fatalf("a repeated timestamp passed: %+v", v)
	}
}

func TestLiveness(t *testing.T) {
	commits := []time.Duration{1 * time.Second, 2 * time.Second, 5 * time.Second}
	cases := []struct {
		name        string
		heal, bound time.Duration
		end         time.Duration
		want        Status
		wantRTO     time.Duration
	}{
		{"recovers within bound", 4 * time.Second, 2 * time.Second, 10 * time.Second, Pass, time.Second},
		{"recovers too late", 2500 * time.Millisecond, 2 * time.Second, 10 * time.Second, Fail, 2500 * time.Millisecond},
		{"never recovers", 6 * time.Second, 2 * time.Second, 10 * time.Second, Fail, -1},
		{"run too short to tell", 6 * time.Second, 5 * time.Second, 10 * time.Second, Unknown, -1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v, rto := Liveness(commits, tc.heal, tc.bound, tc.end)
			if v.Status != tc.want || rto != tc.wantRTO {
				t.Fatalf("verdict %+v rto %v, want %s rto %v", v, rto, tc.want, tc.wantRTO)
			}
		})
	}
}

func TestReplicaStatesRejectsLedgersThatDifferOnTheSameIndex(t *testing.T) {
	var r ReplicaStates
	a, b := [32]byte{1}, [32]byte{2}
	r.Applied("n1", 1, a, 0)
	r.Applied("n2", 1, a, 0)
	r.Applied("n1", 2, b, 0) // states move on between indexes: fine
	if v := r.Verdict(); v.Status != Pass || v.Invariant != "replica-state" {
		t.Fatalf("agreeing replicas: %+v", v)
	}
	r.Applied("n2", 2, a, time.Second)
	if v := r.Verdict(); v.Status != Fail || len(v.Evidence) != 1 {
		t.Fatalf("replicas holding different ledgers at index 2: %+v", v)
	}
}

func TestReplicaStatesRejectsAStateThatDisagreesWithItself(t *testing.T) {
	var r ReplicaStates
	r.Mismatch("n3", 40, [32]byte{1}, [32]byte{2})
	if v := r.Verdict(); v.Status != Fail {
		t.Fatalf("a running digest that is not the recomputed one passed: %+v", v)
	}
}

// Two replicas that diverge differ at every later index: thousands of
// violations. The evidence run prints and every record, bundle and JUnit
// file stores must stay a few lines that name the first divergence (its
// index, replicas and simulated time), each other replica that diverged,
// and how many more there were.
func TestALargeDivergenceIsSummarisedByItsFirstEntry(t *testing.T) {
	var r ReplicaStates
	for i := uint64(1); i <= 2500; i++ {
		n2, n3 := [32]byte{1}, [32]byte{1}
		if i >= 160 {
			n2 = [32]byte{2} // n2 goes its own way at index 160, n3 at 400
		}
		if i >= 400 {
			n3 = [32]byte{3}
		}
		at := time.Duration(i) * time.Millisecond
		r.Applied("n1", i, [32]byte{1}, at)
		r.Applied("n2", i, n2, at)
		r.Applied("n3", i, n3, at)
	}
	v := r.Verdict()
	want := []string{
		"first divergence: index 160: n1 applied state digest 010000000000, n2 applied 020000000000 (at 160ms)",
		"index 400: n1 applied state digest 010000000000, n3 applied 030000000000 (at 400ms)",
		"... and 4,440 more differing entries, through index 2,500",
	}
	if v.Status != Fail || strings.Join(v.Evidence, "\n") != strings.Join(want, "\n") {
		t.Fatalf("evidence:\n%s", strings.Join(v.Evidence, "\n"))
	}
	if v.Violations != 2341+2101 {
		t.Errorf("counted %d violations, want %d", v.Violations, 2341+2101)
	}
}

func TestEvidenceShowsTheFirstViolationsAndCountsTheRest(t *testing.T) {
	var lines []string
	for i := range 2344 {
		lines = append(lines, fmt.Sprintf("violation %d", i))
	}
	v := verdict("durability", lines)
	if len(v.Evidence) != evidenceMax+1 || v.Evidence[0] != "violation 0" || v.Evidence[evidenceMax] != "... and 2,341 more" || v.Violations != 2344 {
		t.Fatalf("%d lines, %d violations: %q", len(v.Evidence), v.Violations, v.Evidence)
	}
	for n, want := range map[int]string{0: "0", 999: "999", 1000: "1,000", 1234567: "1,234,567"} {
		if got := thousands(n); got != want {
			t.Errorf("thousands(%d) = %q", n, got)
		}
	}
}
