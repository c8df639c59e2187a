package checkers

import (
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/ledger/replica"
)

// trafficRun is a three-replica run of 10 s with a 30 ms heartbeat, in
// which n1 leads and replicates entries one an Append: what a correct
// leader sends, answered once each.
func trafficRun(t *testing.T, entries int) *Traffic {
	t.Helper()
	tr := NewTraffic(3)
	heartbeats := int(10 * time.Second / (30 * time.Millisecond))
	for range heartbeats {
		for to := 1; to < 3; to++ {
			tr.Sent(0, to, replica.MsgAppend, nil)
			tr.Sent(to, 0, replica.MsgAppendResp, nil)
		}
	}
	for index := 1; index <= entries; index++ {
		for id := range 3 {
			tr.Applied(id, uint64(index))
		}
		for to := 1; to < 3; to++ {
			tr.Sent(0, to, replica.MsgAppend, nil)
			tr.Sent(to, 0, replica.MsgAppendResp, nil)
		}
	}
	return tr
}

func TestTrafficAcceptsAProportionateRun(t *testing.T) {
	tr := trafficRun(t, 3000)
	if v := tr.Verdict(10*time.Second, 30*time.Millisecond); v.Status != Pass {
		t.Fatalf("a leader sending one Append per entry and heartbeat was judged %s: %v", v.Status, v.Evidence)
	}
}

func TestTrafficAcceptsAnIdleRunsElectionsAndProbes(t *testing.T) {
	tr := NewTraffic(3)
	for range TrafficSlack {
		tr.Sent(1, 2, replica.MsgPreVote, nil)
	}
	if v := tr.Verdict(0, 30*time.Millisecond); v.Status != Pass {
		t.Fatalf("the slack did not cover a run with no work: %v", v.Evidence)
	}
}

// A probe storm: the same Append sent again for every stale answer, so
// that n1 sends n3 a hundred copies per entry (the mutant
// stale-answers-unpause-probes sent 130 per entry at end-of-day-burst
// seed 11), and n3 answers each.
func TestTrafficRejectsAProbeStorm(t *testing.T) {
	tr := trafficRun(t, 3000)
	for range 100 * 3000 {
		tr.Sent(0, 2, replica.MsgAppend, nil)
		tr.Sent(2, 0, replica.MsgAppendResp, nil)
	}
	v := tr.Verdict(10*time.Second, 30*time.Millisecond)
	if v.Status != Fail || v.Violations != 2 {
		t.Fatalf("a probe storm was judged %s with %d violations: %v", v.Status, v.Violations, v.Evidence)
	}
	for _, want := range []string{"n1 sent n3 303,333 append messages", "n3 sent n1 303,333 append-resp messages",
		"333 heartbeat intervals of 30ms", "3,000 log positions n1 applied"} {
		if !strings.Contains(strings.Join(v.Evidence, "\n"), want) {
			t.Errorf("evidence lacks %q:\n%s", want, strings.Join(v.Evidence, "\n"))
		}
	}
}

// A snapshot chunk resend loop: the same chunks again and again count
// once as work, so the resends exceed the budget; a snapshot that skips a
// follower ahead counts the positions it covers.
func TestTrafficRejectsASnapshotChunkLoopButNotASnapshot(t *testing.T) {
	chunk := func(offset uint64) []byte {
		return replica.EncodeMessage(&replica.Message{Kind: replica.MsgSnapshot, Term: 2,
			Snapshot: replica.SnapshotMeta{Index: 500, Term: 1}, SnapshotSize: 4000, Offset: offset,
			SnapshotData: make([]byte, 200)})
	}
	tr := NewTraffic(3)
	tr.Applied(2, 500) // a follower that took the snapshot: 500 positions
	for offset := uint64(0); offset < 4000; offset += 200 {
		tr.Sent(0, 2, replica.MsgSnapshot, chunk(offset))
	}
	if v := tr.Verdict(time.Second, 30*time.Millisecond); v.Status != Pass {
		t.Fatalf("one snapshot sent once was judged %s: %v", v.Status, v.Evidence)
	}
	for range 1000 {
		for offset := uint64(0); offset < 4000; offset += 200 {
			tr.Sent(0, 2, replica.MsgSnapshot, chunk(offset))
		}
	}
	v := tr.Verdict(time.Second, 30*time.Millisecond)
	if v.Status != Fail || !strings.Contains(v.Evidence[0], "n1 sent n3 20,020 snapshot messages") ||
		!strings.Contains(v.Evidence[0], "+ 20 distinct snapshot chunks") {
		t.Fatalf("a chunk resend loop was judged %s: %v", v.Status, v.Evidence)
	}
}

// A heartbeat storm: a heartbeat every tick to every follower for 10 s
// with a 1 s heartbeat interval configured and nothing else to do.
func TestTrafficRejectsAHeartbeatStorm(t *testing.T) {
	tr := NewTraffic(3)
	for range 10 * time.Second / time.Millisecond {
		tr.Sent(0, 1, replica.MsgAppend, nil)
	}
	if v := tr.Verdict(10*time.Second, time.Second); v.Status != Fail {
		t.Fatalf("10,000 heartbeats where 10 were due were judged %s", v.Status)
	}
}

func TestTrafficSentAllocatesNothingForAnAppend(t *testing.T) {
	tr := NewTraffic(5)
	b := replica.EncodeMessage(&replica.Message{Kind: replica.MsgAppend, Term: 3})
	if n := testing.AllocsPerRun(100, func() { tr.Sent(4, 2, replica.MsgAppend, b); tr.Applied(2, 7) }); n != 0 {
		t.Fatalf("Sent and Applied allocate %v times a message", n)
	}
}
