package replica

import "testing"

// A replica whose storage does not outlive its process grants no vote,
// not even a pre-vote, and never campaigns, until a leader has caught its
// log up: restarted blank, it may have acknowledged writes it no longer
// holds, and its vote could elect a leader that lacks them. Once caught
// up it votes as any replica does.
func TestAVolatileReplicaAbstainsUntilCaughtUp(t *testing.T) {
	cfg := DefaultConfig()
	cfg.ID, cfg.Peers = 1, []NodeID{0, 1, 2}
	cfg.NewStateMachine = func() StateMachine { return nopMachine{} }
	cfg.AbstainUntilCaughtUp = true
	r, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	env := newTestEnv(t)
	r.Start(env)
	if !r.Status().Recovering {
		t.Fatal("a volatile replica started without abstaining")
	}
	// A candidate whose log is as up to date as can be, asking for a
	// pre-vote, a vote, and a vote by leader transfer.
	deliver(r, 2, Message{Kind: MsgPreVote, Term: 1, LastTerm: 9, LastIndex: 100})
	deliver(r, 2, Message{Kind: MsgVote, Term: 1, LastTerm: 9, LastIndex: 100})
	deliver(r, 0, Message{Kind: MsgVote, Term: 2, LastTerm: 9, LastIndex: 100, Transfer: true})
	for _, s := range env.take() {
		if s.msg.Granted {
			t.Fatalf("granted a %s to %d before catching up", s.msg.Kind, s.to)
		}
	}
	if r.vote != None {
		t.Fatalf("recorded a vote for %d before catching up", r.vote)
	}
	for range 4 * cfg.ElectionTicks {
		r.Timer(tickTag)
	}
	for _, s := range env.take() {
		if s.msg.Kind == MsgPreVote || s.msg.Kind == MsgVote {
			t.Fatalf("campaigned (%s to %d) before catching up", s.msg.Kind, s.to)
		}
	}
	// The leader of term 3 refills the log through its last index.
	deliver(r, 0, Message{Kind: MsgAppend, Term: 3, LastIndex: 3, Commit: 2, Entries: []Entry{
		{Term: 3, Index: 1, Kind: EntryNoop}, {Term: 3, Index: 2, Kind: EntryNoop}, {Term: 3, Index: 3, Kind: EntryNoop}}})
	if st := r.Status(); st.Recovering || st.LastIndex != 3 {
		t.Fatalf("log ends at %d, recovering %t: want caught up through 3", st.LastIndex, st.Recovering)
	}
	env.take()
	deliver(r, 2, Message{Kind: MsgVote, Term: 4, LastTerm: 3, LastIndex: 3, Transfer: true})
	if sent := env.take(); len(sent) != 1 || sent[0].msg.Kind != MsgVoteResp || !sent[0].msg.Granted || r.vote != 2 {
		t.Fatalf("sent %+v, vote %d: want the vote granted once caught up", sent, r.vote)
	}
}

// A replica caught only partway (the leader's log runs further) still
// abstains: it may lack an entry it acknowledged at a later index.
func TestAVolatileReplicaCaughtUpPartwayStillAbstains(t *testing.T) {
	cfg := DefaultConfig()
	cfg.ID, cfg.Peers = 1, []NodeID{0, 1, 2}
	cfg.NewStateMachine = func() StateMachine { return nopMachine{} }
	cfg.AbstainUntilCaughtUp = true
	r, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	env := newTestEnv(t)
	r.Start(env)
	deliver(r, 0, Message{Kind: MsgAppend, Term: 3, LastIndex: 5, Commit: 1, Entries: []Entry{{Term: 3, Index: 1, Kind: EntryNoop}}})
	env.take()
	deliver(r, 2, Message{Kind: MsgVote, Term: 4, LastTerm: 3, LastIndex: 1, Transfer: true})
	if sent := env.take(); len(sent) != 1 || sent[0].msg.Granted || !r.Status().Recovering {
		t.Fatalf("sent %+v: want the vote refused while the log is short of the leader's", sent)
	}
}
