package replica

import (
	"errors"
	"testing"
)

// A follower that lags by thousands of entries is caught up with Appends
// that each stay within AppendBytesMax (one entry over it only when alone):
// under Maelstrom a leader once sent a lagging follower 149,037 bytes in
// one message.
func TestALaggingFollowerIsCaughtUpWithinTheByteBound(t *testing.T) {
	const bytesMax = 4 << 10
	c := newTestCluster(t, 3, func() StateMachine { return &growingMachine{} }, func(cfg *Config) {
		cfg.AppendBytesMax = bytesMax
		cfg.SnapshotEntries = 1 << 20 // keep the log: this is about appends
	})
	c.cut[2] = true
	c.propose(5000, 100)
	c.cut[2] = false
	appends, biggest := 0, 0
	c.seen = func(from NodeID, s sentMessage) {
		if s.msg.Kind != MsgAppend || s.to != 2 || len(s.msg.Entries) == 0 {
			return
		}
		appends++
		n := 0
		for i := range s.msg.Entries {
			n += entryWireSize(&s.msg.Entries[i])
		}
		biggest = max(biggest, len(s.wire))
		if n > bytesMax && len(s.msg.Entries) > 1 {
			t.Fatalf("an append of %d entries carries %d bytes, over %d", len(s.msg.Entries), n, bytesMax)
		}
	}
	c.tick(200)
	c.assertConverged()
	t.Logf("%d appends to the lagging follower, the largest %d bytes on the wire", appends, biggest)
	if appends < 5000*(entryHeaderSize+100)/bytesMax {
		t.Fatalf("only %d appends carried 5000 entries: the bound was not applied", appends)
	}
}

// An entry larger than the bound still goes out, alone, so that
// replication never stalls on it.
func TestAnEntryLargerThanTheBoundGoesOutAlone(t *testing.T) {
	es := []Entry{{Index: 1, Data: make([]byte, 10)}, {Index: 2, Data: make([]byte, 5000)}, {Index: 3}}
	if got := limitAppendBytes(es[1:], 1000); len(got) != 1 {
		t.Fatalf("an oversize first entry: %d entries, want it alone", len(got))
	}
	if got := limitAppendBytes(es, 1000); len(got) != 1 {
		t.Fatalf("%d entries, want the small one only: the next would pass the bound", len(got))
	}
	if got := limitAppendBytes(es, 1<<20); len(got) != 3 {
		t.Fatalf("%d entries, want all three within a large bound", len(got))
	}
	if got := limitAppendBytes(nil, 1); len(got) != 0 {
		t.Fatalf("%d entries from none", len(got))
	}
}

// A follower drops an Append whose entries before the last exceed its
// bound: a leader never sends one, and taking it would let one message
// outgrow what the follower is sized for.
func TestAFollowerDropsAnOversizeAppend(t *testing.T) {
	r, env := newTestReplica(t, 1, 3)
	big := make([]byte, r.cfg.AppendBytesMax)
	deliver(r, 0, Message{Kind: MsgAppend, Term: 1, Entries: []Entry{
		{Term: 1, Index: 1, Kind: EntryCommand, Data: big}, {Term: 1, Index: 2, Kind: EntryNoop}}})
	if sent := env.take(); len(sent) != 0 || r.log.lastIndex() != 0 || r.stats.OversizeMessages != 1 {
		t.Fatalf("sent %d messages, log ends at %d, %d oversize: want the append dropped", len(sent), r.log.lastIndex(), r.stats.OversizeMessages)
	}
	// The same entry alone is taken: that is how a large entry travels.
	deliver(r, 0, Message{Kind: MsgAppend, Term: 1, Entries: []Entry{{Term: 1, Index: 1, Kind: EntryCommand, Data: big}}})
	if sent := env.take(); len(sent) != 1 || !sent[0].msg.Success || r.log.lastIndex() != 1 {
		t.Fatalf("sent %+v, log ends at %d: want the lone large entry taken", sent, r.log.lastIndex())
	}
}

// The codec refuses an Append whose entries before its last exceed the
// wire limit, before it reads (and allocates) further.
func TestTheCodecRefusesAnAppendOverTheWireLimit(t *testing.T) {
	big := make([]byte, EntryDataMax)
	var es []Entry
	for i := range AppendBytesLimit/EntryDataMax + 2 {
		es = append(es, Entry{Term: 1, Index: uint64(i + 1), Kind: EntryCommand, Data: big})
	}
	if _, err := DecodeMessage(EncodeMessage(&Message{Kind: MsgAppend, Term: 1, Entries: es})); !errors.Is(err, ErrBadMessage) {
		t.Fatalf("an append of %d bytes decoded: err %v", len(es)*EntryDataMax, err)
	}
	es = es[:AppendBytesLimit/EntryDataMax]
	if _, err := DecodeMessage(EncodeMessage(&Message{Kind: MsgAppend, Term: 1, Entries: es})); err != nil {
		t.Fatalf("an append within the limit: %v", err)
	}
}
