package replica

import "testing"

// Figure 8 of the Raft paper: a leader must not commit an entry of an
// earlier term by counting replicas, because a later leader that never saw
// it could still be elected and overwrite it. It commits such an entry only
// by committing an entry of its own term after it.
func TestLeaderCommitsOnlyThroughItsOwnTerm(t *testing.T) {
	r, _ := newTestReplica(t, 0, 5)
	// Log: index 1 from term 1, index 2 from term 2 (written when this
	// replica led term 2, replicated to one follower), then it wins term 4.
	r.log.append(Entry{Term: 1, Index: 1, Kind: EntryNoop}, Entry{Term: 2, Index: 2, Kind: EntryNoop})
	if err := r.wal.Append(r.log.entries); err != nil {
		t.Fatal(err)
	}
	r.term = 3
	r.becomeCandidate() // term 4
	r.becomeLeader()    // appends its no-op at index 3, term 4
	r.flush()
	if r.log.lastIndex() != 3 || r.log.lastTerm() != 4 {
		t.Fatalf("log ends at %d/%d, want the new leader's no-op at 3/4", r.log.lastIndex(), r.log.lastTerm())
	}
	// Two followers now hold index 2 (term 2): a majority with the leader.
	for _, p := range []NodeID{1, 2} {
		deliver(r, p, Message{Kind: MsgAppendResp, Term: 4, Success: true, PrevIndex: 1, Match: 2})
	}
	if r.commit != 0 {
		t.Fatalf("commit is %d: the term-2 entry was committed by counting replicas", r.commit)
	}
	// One follower acknowledges the term-4 no-op: still no majority at 3.
	deliver(r, 1, Message{Kind: MsgAppendResp, Term: 4, Success: true, PrevIndex: 2, Match: 3})
	if r.commit != 0 {
		t.Fatalf("commit is %d with only two of five replicas at index 3", r.commit)
	}
	// A second one does: index 3 commits, and index 2 with it.
	deliver(r, 2, Message{Kind: MsgAppendResp, Term: 4, Success: true, PrevIndex: 2, Match: 3})
	if r.commit != 3 {
		t.Fatalf("commit is %d, want 3 once a majority holds the term-4 entry", r.commit)
	}
}

func TestVoteRequiresAnUpToDateLog(t *testing.T) {
	cases := []struct {
		name              string
		lastTerm, lastIdx uint64
		want              bool
	}{
		{"longer log, same term", 2, 5, true},
		{"same log", 2, 2, true},
		{"shorter log, same term", 2, 1, false},
		{"higher last term, shorter log", 3, 1, true},
		{"lower last term, longer log", 1, 9, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r, env := newTestReplica(t, 0, 3)
			r.log.append(Entry{Term: 1, Index: 1, Kind: EntryNoop}, Entry{Term: 2, Index: 2, Kind: EntryNoop})
			r.term = 2
			deliver(r, 1, Message{Kind: MsgVote, Term: 3, LastTerm: tc.lastTerm, LastIndex: tc.lastIdx})
			sent := env.take()
			if len(sent) != 1 || sent[0].msg.Kind != MsgVoteResp || sent[0].msg.Granted != tc.want {
				t.Fatalf("sent %+v, want one vote response granted=%v", sent, tc.want)
			}
			if tc.want && r.vote != 1 {
				t.Fatalf("granted but recorded vote %d", r.vote)
			}
		})
	}
}

func TestOneVotePerTerm(t *testing.T) {
	r, env := newTestReplica(t, 0, 3)
	deliver(r, 1, Message{Kind: MsgVote, Term: 1})
	deliver(r, 2, Message{Kind: MsgVote, Term: 1})
	sent := env.take()
	if len(sent) != 2 || !sent[0].msg.Granted || sent[1].msg.Granted {
		t.Fatalf("votes %+v: want the first granted and the second refused", sent)
	}
}

// A replica that hears from a live leader ignores a candidate that did not
// come through leader transfer (CheckQuorum), and refuses pre-votes.
func TestLeaseProtectsALiveLeader(t *testing.T) {
	r, env := newTestReplica(t, 0, 3)
	deliver(r, 1, Message{Kind: MsgAppend, Term: 1}) // n1 leads term 1
	env.take()
	deliver(r, 2, Message{Kind: MsgPreVote, Term: 2})
	deliver(r, 2, Message{Kind: MsgVote, Term: 2})
	sent := env.take()
	if r.term != 1 || r.leader != 1 {
		t.Fatalf("a disruptive candidate moved the replica to term %d, leader %d", r.term, r.leader)
	}
	if len(sent) != 1 || sent[0].msg.Kind != MsgPreVoteResp || sent[0].msg.Granted {
		t.Fatalf("sent %+v: want one refused pre-vote and the vote ignored", sent)
	}
	deliver(r, 2, Message{Kind: MsgVote, Term: 2, Transfer: true})
	if r.term != 2 || r.vote != 2 {
		t.Fatalf("a transfer vote was refused: term %d vote %d", r.term, r.vote)
	}
}

func TestFollowerRejectsAGapAndHintsWhereToResume(t *testing.T) {
	r, env := newTestReplica(t, 1, 3)
	deliver(r, 0, Message{Kind: MsgAppend, Term: 1, PrevIndex: 0, Entries: []Entry{
		{Term: 1, Index: 1, Kind: EntryNoop}, {Term: 1, Index: 2, Kind: EntryNoop}}})
	env.take()
	deliver(r, 0, Message{Kind: MsgAppend, Term: 1, PrevIndex: 7, PrevTerm: 1})
	sent := env.take()
	if len(sent) != 1 || sent[0].msg.Success || sent[0].msg.RejectHint != 3 {
		t.Fatalf("sent %+v, want a rejection hinting index 3", sent)
	}
}

func TestConflictingSuffixIsReplaced(t *testing.T) {
	r, env := newTestReplica(t, 1, 3)
	deliver(r, 0, Message{Kind: MsgAppend, Term: 1, Entries: []Entry{
		{Term: 1, Index: 1, Kind: EntryNoop}, {Term: 1, Index: 2, Kind: EntryNoop}, {Term: 1, Index: 3, Kind: EntryNoop}}})
	deliver(r, 2, Message{Kind: MsgAppend, Term: 2, PrevIndex: 1, PrevTerm: 1, Entries: []Entry{
		{Term: 2, Index: 2, Kind: EntryNoop}}})
	env.take()
	if r.log.lastIndex() != 2 || r.log.lastTerm() != 2 {
		t.Fatalf("log ends at %d/%d, want 2/2 after the conflict", r.log.lastIndex(), r.log.lastTerm())
	}
}

// A replica recovering from storage damage votes only for a candidate that
// surely holds whatever it acknowledged: a later last term, or the same
// term reaching its ack mark. With the mark lost it never votes.
func TestADamagedReplicaVotesOnlyForACandidateHoldingWhatItAcknowledged(t *testing.T) {
	rc := &recovery{term: 5, ackedThrough: 100, ackedKnown: true}
	cases := []struct {
		lastTerm, lastIndex uint64
		want                bool
	}{
		{6, 1, true},     // a later term: its leader held everything committed before
		{5, 100, true},   // the same term, through the mark
		{5, 150, true},   // the same term, past the mark
		{5, 99, false},   // the same term, short of the mark: may lack an acknowledged entry
		{4, 1000, false}, // an older term, however long: may lack an entry committed in term 5
	}
	for _, c := range cases {
		if got := rc.vouchesFor(c.lastTerm, c.lastIndex); got != c.want {
			t.Errorf("candidate ending at term %d index %d: vote %v, want %v", c.lastTerm, c.lastIndex, got, c.want)
		}
	}
	lost := &recovery{term: 5, ackedKnown: false}
	if lost.vouchesFor(9, 1000) {
		t.Error("a replica that lost its ack mark voted")
	}
	var healthy *recovery
	if !healthy.vouchesFor(0, 0) {
		t.Error("a replica without damage is held back by the recovery rule")
	}
}

// newTermTwoLeader returns replica 0 of three, leading term 2 over a log
// of entries 1..n from term 1 and its own no-op at n+1, with what it sent
// on becoming leader taken.
func newTermTwoLeader(t *testing.T, n uint64) (*Replica, *testEnv) {
	t.Helper()
	r, env := newTestReplica(t, 0, 3)
	for i := uint64(1); i <= n; i++ {
		r.log.append(Entry{Term: 1, Index: i, Kind: EntryNoop})
	}
	if err := r.wal.Append(r.log.entries); err != nil {
		t.Fatal(err)
	}
	r.term = 1
	r.becomeCandidate() // term 2
	r.becomeLeader()    // its no-op at n+1
	r.flush()
	env.take()
	return r, env
}

// appendsTo returns the Appends among sent that went to node to.
func appendsTo(sent []sentMessage, to NodeID) []Message {
	var out []Message
	for _, s := range sent {
		if s.to == to && s.msg.Kind == MsgAppend {
			out = append(out, s.msg)
		}
	}
	return out
}

// A leader probing a follower sends one probe at a time, however many
// answers arrive that move nothing: answers to old copies of an Append
// (a lagging follower answers each) must not each let another probe out,
// or the copies multiply into a storm that never ends. A fresh answer
// moves the follower on, and a heartbeat retries a probe whose answer was
// lost.
func TestStaleAnswersDoNotMultiplyProbes(t *testing.T) {
	r, env := newTermTwoLeader(t, 5)
	pr := &r.progress[r.peerIndex(1)]
	pr.match = 2
	pr.becomeProbe()
	r.broadcastPending()
	r.flush()
	if n := len(appendsTo(env.take(), 1)); n != 1 {
		t.Fatalf("probing follower 1 sent %d Appends, want one", n)
	}
	for i := range 40 {
		deliver(r, 1, Message{Kind: MsgAppendResp, Term: 2, Success: true, PrevIndex: 1, Match: uint64(1 + i%2)})
	}
	if n := len(appendsTo(env.take(), 1)); n != 0 {
		t.Fatalf("40 answers that moved nothing let %d more probes out, want none", n)
	}
	r.broadcastHeartbeat() // the probe's answer was lost: the heartbeat retries it
	r.flush()
	if n := len(appendsTo(env.take(), 1)); n != 1 {
		t.Fatalf("a heartbeat while probing sent %d Appends, want one probe", n)
	}
	deliver(r, 1, Message{Kind: MsgAppendResp, Term: 2, Success: true, PrevIndex: 2, Match: 4})
	if pr.state != replicateState || pr.match != 4 {
		t.Fatalf("after a fresh answer: state %d, match %d; want replicating from 4", pr.state, pr.match)
	}
	if n := len(appendsTo(env.take(), 1)); n == 0 {
		t.Fatal("a fresh answer sent follower 1 nothing more")
	}
}

// A rejected pipeline sends one probe, not one per rejection: when a
// follower misses an Append, every Append after it is rejected too (and a
// network that reorders makes that common), and a probe per rejection
// would have those probes rejected in turn and multiply.
func TestARejectedPipelineSendsOneProbe(t *testing.T) {
	r, env := newTermTwoLeader(t, 5)
	pr := &r.progress[r.peerIndex(1)]
	*pr = progress{match: 2, next: 6, state: replicateState, inflight: []uint64{3, 4, 5}, recentActive: true}
	// The Append of entry 3 was lost: those of 4 and 5 are rejected.
	for _, prev := range []uint64{3, 4} {
		deliver(r, 1, Message{Kind: MsgAppendResp, Term: 2, PrevIndex: prev, RejectHint: 3})
	}
	probes := appendsTo(env.take(), 1)
	if len(probes) != 1 || probes[0].PrevIndex != 2 {
		t.Fatalf("two rejections of one pipeline sent %+v, want one probe after index 2", probes)
	}
	// A rejection of the probe itself is an answer: the leader probes
	// further back at once.
	pr.match = 0
	deliver(r, 1, Message{Kind: MsgAppendResp, Term: 2, PrevIndex: 2, RejectHint: 1})
	next := appendsTo(env.take(), 1)
	if len(next) != 1 || next[0].PrevIndex != 0 {
		t.Fatalf("the probe's rejection sent %+v, want one probe after index 0", next)
	}
}

// A follower that lost acknowledged entries (damage found at restart)
// says so in its rejections, and the leader stops counting it for them and
// refills it. Only a rejection of an Append sent from match or beyond says
// so: an old rejection, of an Append from below match that the network
// delayed past the answers that raised match, must not lower match and
// restart the pipeline, or every window resent begets more of them.
func TestOnlyAFreshRejectionReportsLostEntries(t *testing.T) {
	r, env := newTermTwoLeader(t, 14)
	pr := &r.progress[r.peerIndex(1)]
	*pr = progress{match: 10, next: 16, state: replicateState, inflight: []uint64{12, 14, 15}, recentActive: true}
	deliver(r, 1, Message{Kind: MsgAppendResp, Term: 2, PrevIndex: 7, RejectHint: 6, Recovering: true, LastIndex: 5})
	if pr.match != 10 || pr.state != replicateState || len(env.take()) != 0 {
		t.Fatalf("an old rejection (of an Append after 7) moved match to %d, state %d", pr.match, pr.state)
	}
	deliver(r, 1, Message{Kind: MsgAppendResp, Term: 2, PrevIndex: 12, RejectHint: 6, Recovering: true, LastIndex: 5})
	if pr.match != 5 {
		t.Fatalf("match %d after the follower said it holds only 5 of the 10 it acknowledged", pr.match)
	}
	probes := appendsTo(env.take(), 1)
	if len(probes) != 1 || probes[0].PrevIndex != 5 {
		t.Fatalf("after the loss the leader sent %+v, want one probe after index 5", probes)
	}
}
