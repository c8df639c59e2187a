package replica

import (
	"errors"
	"fmt"
	"reflect"
	"testing"
)

func sampleMessages() []Message {
	entries := []Entry{{Term: 3, Index: 7, Kind: EntryNoop, Timestamp: 11},
		{Term: 3, Index: 8, Kind: EntryCommand, Timestamp: 12, Data: []byte("transfer")}}
	return []Message{
		{Kind: MsgPreVote, Term: 4, LastIndex: 9, LastTerm: 3},
		{Kind: MsgVote, Term: 4, LastIndex: 9, LastTerm: 3, Transfer: true},
		{Kind: MsgPreVoteResp, Term: 4, Granted: true},
		{Kind: MsgVoteResp, Term: 4},
		{Kind: MsgAppend, Term: 3, PrevIndex: 6, PrevTerm: 2, Commit: 5, LastIndex: 8, Entries: entries},
		{Kind: MsgAppend, Term: 3, PrevIndex: 6, PrevTerm: 2, Commit: 5},
		{Kind: MsgAppendResp, Term: 3, Success: true, PrevIndex: 6, Match: 8, LastIndex: 8},
		{Kind: MsgAppendResp, Term: 3, PrevIndex: 6, RejectHint: 4, LastIndex: 4, Recovering: true},
		{Kind: MsgSnapshot, Term: 3, Snapshot: SnapshotMeta{Index: 100, Term: 2, Timestamp: 99},
			SnapshotSize: 12, SnapshotChecksum: 0xdeadbeef, Offset: 7, SnapshotData: []byte("state")},
		{Kind: MsgSnapshotResp, Term: 3, Snapshot: SnapshotMeta{Index: 100}, Offset: 7, Success: true},
		{Kind: MsgSnapshotResp, Term: 3, Snapshot: SnapshotMeta{Index: 100}},
		{Kind: MsgTimeoutNow, Term: 5},
		{Kind: MsgClientRequest, Request: Request{ClientID: 7, Seq: 2, Command: []byte("cmd")}},
		{Kind: MsgClientReply, Reply: Reply{ClientID: 7, Seq: 2, Status: StatusNotLeader, Leader: None, Index: 3, Result: []byte("r")}},
	}
}

func TestMessageHeaderReadsKindAndTerm(t *testing.T) {
	for _, m := range sampleMessages() {
		kind, term, ok := MessageHeader(EncodeMessage(&m))
		if !ok || kind != m.Kind || term != m.Term {
			t.Fatalf("%s: header %s, %d, %v; want term %d", m.Kind, kind, term, ok, m.Term)
		}
	}
	if _, _, ok := MessageHeader([]byte{wireVersion, byte(MsgVote), 1}); ok {
		t.Fatal("a header cut short was read")
	}
}

func TestMessagesRoundTrip(t *testing.T) {
	for i, m := range sampleMessages() {
		t.Run(fmt.Sprint(i, m.Kind), func(t *testing.T) {
			got, err := DecodeMessage(EncodeMessage(&m))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, m) {
				t.Fatalf("decoded %+v, want %+v", got, m)
			}
		})
	}
}

func TestDamagedMessagesAreRejected(t *testing.T) {
	wire := EncodeMessage(&sampleMessages()[4])
	for i := range wire {
		for bit := range 8 {
			b := append([]byte(nil), wire...)
			b[i] ^= 1 << bit
			if _, err := DecodeMessage(b); !errors.Is(err, ErrBadMessage) {
				t.Fatalf("flipping bit %d of byte %d: err %v", bit, i, err)
			}
		}
	}
	for n := range len(wire) {
		if _, err := DecodeMessage(wire[:n]); !errors.Is(err, ErrBadMessage) {
			t.Fatalf("truncated to %d bytes: err %v", n, err)
		}
	}
}

// A chunk that cannot belong to any snapshot is refused on the wire: the
// follower's assembly relies on every chunk lying inside its snapshot.
func TestMalformedSnapshotChunksAreRejected(t *testing.T) {
	ok := Message{Kind: MsgSnapshot, Term: 2, Snapshot: SnapshotMeta{Index: 9, Term: 1}, SnapshotSize: 10, Offset: 4, SnapshotData: []byte("abcdef")}
	if _, err := DecodeMessage(EncodeMessage(&ok)); err != nil {
		t.Fatalf("the last chunk of a snapshot: %v", err)
	}
	cases := map[string]func(m *Message){
		"no snapshot":             func(m *Message) { m.SnapshotSize, m.Offset = 0, 0 },
		"a snapshot over the max": func(m *Message) { m.SnapshotSize = SnapshotDataMax + 1 },
		"an empty chunk":          func(m *Message) { m.SnapshotData = nil },
		"a chunk past the end":    func(m *Message) { m.Offset = 5 },
		"an offset past the end":  func(m *Message) { m.Offset = 11 },
		"an offset that wraps":    func(m *Message) { m.Offset = ^uint64(0) - 2 },
		"a chunk over the limit": func(m *Message) {
			m.SnapshotSize, m.Offset, m.SnapshotData = SnapshotDataMax, 0, make([]byte, SnapshotChunkLimit+1)
		},
	}
	for name, bend := range cases {
		t.Run(name, func(t *testing.T) {
			m := ok
			bend(&m)
			if _, err := DecodeMessage(EncodeMessage(&m)); !errors.Is(err, ErrBadMessage) {
				t.Fatalf("decoded: err %v", err)
			}
		})
	}
}

// FuzzDecodeMessage proves that garbage on the wire is an error, never a
// panic or an unbounded allocation, and that what decodes re-encodes to
// the same bytes.
func FuzzDecodeMessage(f *testing.F) {
	for _, m := range sampleMessages() {
		f.Add(EncodeMessage(&m))
	}
	// Chunks at the edges of their snapshot, and one just past it.
	for _, off := range []uint64{0, 5, 6} {
		f.Add(EncodeMessage(&Message{Kind: MsgSnapshot, Term: 1, Snapshot: SnapshotMeta{Index: 3, Term: 1},
			SnapshotSize: 10, Offset: off, SnapshotData: []byte("chunk")}))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := DecodeMessage(b)
		if err != nil {
			return
		}
		if again := EncodeMessage(&m); string(again) != string(b) {
			t.Fatalf("decoded message re-encodes differently")
		}
	})
}

// TestAliasedDecodeMatchesCopyingDecode: the receive path's in-place
// decoding reads every message as DecodeMessage does, its byte fields
// capacity-capped to their own bytes.
func TestAliasedDecodeMatchesCopyingDecode(t *testing.T) {
	scratch := make([]Entry, 0, 8)
	for i, m := range sampleMessages() {
		wire := EncodeMessage(&m)
		var got Message
		if err := decodeMessage(wire, &got, scratch, true); err != nil {
			t.Fatalf("%d %s: %v", i, m.Kind, err)
		}
		if !reflect.DeepEqual(got, m) {
			t.Fatalf("%d %s: decoded %+v, want %+v", i, m.Kind, got, m)
		}
		for _, b := range [][]byte{got.Request.Command, got.Reply.Result, got.SnapshotData} {
			if cap(b) != len(b) {
				t.Fatalf("%d %s: a field of %d bytes has capacity %d: an append would overwrite the wire", i, m.Kind, len(b), cap(b))
			}
		}
	}
}

// TestAliasedDecodeOfAnAppendAllocatesNothing: with an entry array kept
// between messages, decoding an Append on the receive path allocates
// nothing (the data stay in the wire buffer until the log copies them).
func TestAliasedDecodeOfAnAppendAllocatesNothing(t *testing.T) {
	wire := EncodeMessage(&sampleMessages()[4])
	scratch := make([]Entry, 0, 8)
	var m Message
	allocs := testing.AllocsPerRun(100, func() {
		m = Message{}
		if err := decodeMessage(wire, &m, scratch, true); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 || len(m.Entries) != 2 {
		t.Fatalf("%v allocations per decode, %d entries", allocs, len(m.Entries))
	}
}

// TestReceivedEntriesOutliveTheBuffer: the environment may reuse a
// delivered message's buffer once Receive returns (the simulator does),
// so the entries the log keeps must not alias it.
func TestReceivedEntriesOutliveTheBuffer(t *testing.T) {
	r, _ := newTestReplica(t, 1, 3)
	want := []Entry{{Term: 1, Index: 1, Kind: EntryNoop, Timestamp: 5},
		{Term: 1, Index: 2, Kind: EntryCommand, Timestamp: 6, Data: []byte("first command")},
		{Term: 1, Index: 3, Kind: EntryCommand, Timestamp: 7, Data: []byte("second")}}
	wire := EncodeMessage(&Message{Kind: MsgAppend, Term: 1, LastIndex: 3, Entries: want})
	r.Receive(0, wire)
	for i := range wire {
		wire[i] = 0xff // the buffer reused for another message
	}
	if r.log.lastIndex() != 3 {
		t.Fatalf("log ends at %d, want 3", r.log.lastIndex())
	}
	for i := range want {
		if got := r.log.at(want[i].Index); !reflect.DeepEqual(*got, want[i]) {
			t.Fatalf("entry %d is %+v after the buffer was reused, want %+v", want[i].Index, *got, want[i])
		}
	}
	if cap(r.received) < len(want) {
		t.Fatalf("the decoding array of capacity %d was not kept", cap(r.received))
	}
	for i, e := range r.received[:cap(r.received)] {
		if e.Data != nil {
			t.Fatalf("the decoding array still points into the buffer at %d", i)
		}
	}
}
