package replica

import (
	"errors"
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
		{Kind: MsgSnapshot, Term: 3, Snapshot: SnapshotMeta{Index: 100, Term: 2, Timestamp: 99}, SnapshotData: []byte("state")},
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
	for _, m := range sampleMessages() {
		t.Run(m.Kind.String(), func(t *testing.T) {
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

// FuzzDecodeMessage proves that garbage on the wire is an error, never a
// panic or an unbounded allocation, and that what decodes re-encodes to
// the same bytes.
func FuzzDecodeMessage(f *testing.F) {
	for _, m := range sampleMessages() {
		f.Add(EncodeMessage(&m))
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
