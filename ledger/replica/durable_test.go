package replica

import (
	"testing"

	"github.com/faultline/faultline/sim"
)

// heldDisk is an instantaneous simulated disk whose barriers complete only
// when the test says so (complete), as a real device's fsync completes
// some time after it was issued. It lets a test look at the persist/send
// boundary between the two moments.
type heldDisk struct {
	*sim.Disk
	issued, done uint64
	writesSeen   int64
}

func (d *heldDisk) Barrier() (uint64, bool, error) {
	if w := d.Disk.Stats().Writes; w != d.writesSeen {
		d.writesSeen = w
		d.issued++
	}
	return d.issued, d.done >= d.issued, nil
}

// heldEnv is a testEnv whose disk holds its barriers.
type heldEnv struct {
	*testEnv
	disk *heldDisk
}

func (e heldEnv) Disk() Disk { return e.disk }

func newHeldReplica(t *testing.T, id NodeID, peers int) (*Replica, *testEnv, *heldDisk) {
	t.Helper()
	cfg := DefaultConfig()
	cfg.ID = id
	for i := range peers {
		cfg.Peers = append(cfg.Peers, NodeID(i))
	}
	cfg.NewStateMachine = func() StateMachine { return nopMachine{} }
	r, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	env := newTestEnv(t)
	disk := &heldDisk{Disk: env.disk}
	r.Start(heldEnv{testEnv: env, disk: disk})
	return r, env, disk
}

// complete makes every barrier issued so far complete and tells r.
func (d *heldDisk) complete(r *Replica) {
	d.done = d.issued
	r.Durable(d.done, nil)
}

func TestAVoteLeavesOnlyOnceItIsDurable(t *testing.T) {
	r, env, disk := newHeldReplica(t, 0, 3)
	deliver(r, 1, Message{Kind: MsgVote, Term: 1})
	if sent := env.take(); len(sent) != 0 {
		t.Fatalf("sent %+v before the vote was durable", sent)
	}
	disk.complete(r)
	sent := env.take()
	if len(sent) != 1 || sent[0].msg.Kind != MsgVoteResp || !sent[0].msg.Granted {
		t.Fatalf("sent %+v once durable, want the granted vote", sent)
	}
}

func TestAnAppendAcknowledgementLeavesOnlyOnceItIsDurable(t *testing.T) {
	r, env, disk := newHeldReplica(t, 1, 3)
	entry := Entry{Term: 1, Index: 1, Kind: EntryNoop}
	deliver(r, 0, Message{Kind: MsgAppend, Term: 1, Entries: []Entry{entry}})
	if sent := env.take(); len(sent) != 0 {
		t.Fatalf("sent %+v before the entry was durable", sent)
	}
	// A heartbeat in the meantime writes nothing new, yet its reply must
	// not overtake the acknowledgement held before it.
	deliver(r, 0, Message{Kind: MsgAppend, Term: 1, PrevIndex: 1, PrevTerm: 1})
	if sent := env.take(); len(sent) != 0 {
		t.Fatalf("sent %+v while the first barrier was in flight", sent)
	}
	disk.complete(r)
	sent := env.take()
	if len(sent) != 2 || sent[0].msg.Kind != MsgAppendResp || !sent[0].msg.Success || sent[0].msg.Match != 1 {
		t.Fatalf("sent %+v once durable, want the acknowledgement of index 1 first", sent)
	}
}

func TestALeaderCountsItsOwnEntryOnlyOnceItIsDurable(t *testing.T) {
	r, env, disk := newHeldReplica(t, 0, 3)
	r.becomeCandidate()
	r.becomeLeader() // its no-op at index 1, term 1
	r.flush()
	env.take()
	// A follower acknowledges the no-op: with the leader's own copy that
	// would be a quorum, but the leader's copy is not durable yet.
	deliver(r, 1, Message{Kind: MsgAppendResp, Term: 1, Success: true, PrevIndex: 0, Match: 1})
	if r.commit != 0 {
		t.Fatalf("commit is %d while the leader's own copy is still in flight", r.commit)
	}
	disk.complete(r)
	if r.commit != 1 {
		t.Fatalf("commit is %d once the leader's copy is durable, want 1", r.commit)
	}
}

// While a barrier is in flight, later appends wait for one barrier issued
// when it completes (a group commit), not one each.
func TestAppendsDuringAnFsyncShareTheNextOne(t *testing.T) {
	r, env, disk := newHeldReplica(t, 1, 3)
	for i := uint64(1); i <= 3; i++ {
		deliver(r, 0, Message{Kind: MsgAppend, Term: 1, PrevIndex: i - 1, PrevTerm: min(i-1, 1),
			Entries: []Entry{{Term: 1, Index: i, Kind: EntryNoop}}})
	}
	if disk.issued != 1 {
		t.Fatalf("%d barriers issued for three appends while the first was in flight, want 1", disk.issued)
	}
	disk.complete(r)
	sent := env.take()
	if len(sent) != 1 || sent[0].msg.Match != 1 {
		t.Fatalf("sent %+v after the first barrier, want only the acknowledgement of index 1", sent)
	}
	if disk.issued != 2 {
		t.Fatalf("%d barriers issued after the first completed, want one more for the other two appends", disk.issued)
	}
	disk.complete(r)
	sent = env.take()
	if len(sent) != 2 || sent[0].msg.Match != 2 || sent[1].msg.Match != 3 {
		t.Fatalf("sent %+v after the second barrier, want the acknowledgements of 2 and 3 in order", sent)
	}
}
