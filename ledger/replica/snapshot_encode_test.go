package replica

import (
	"bytes"
	"testing"
)

// appendingMachine is growingMachine that also writes its snapshot in
// place (SnapshotAppender), as the ledger does.
type appendingMachine struct{ growingMachine }

func (m *appendingMachine) SnapshotSize() int { return len(m.state) }
func (m *appendingMachine) AppendSnapshot(b []byte) []byte {
	m.snapshotBytes += len(m.state)
	return append(b, m.state...)
}

// A state machine that writes its snapshot in place yields the very bytes
// of one that returns it: the record on disk and on the wire is the same.
func TestSnapshotAppenderEncodesTheSameBytes(t *testing.T) {
	r, _ := newTestReplica(t, 0, 3)
	r.sessions.byClient[7] = &session{lastSeq: 3, lastIndex: 9, result: []byte("ok")}
	r.sessions.byClient[2] = &session{lastSeq: 1, lastIndex: 4}
	r.digest = [32]byte{1, 2, 3}
	state := []byte("the state machine's state")
	r.sm = &growingMachine{state: state}
	plain := r.encodeSnapshot()
	r.sm = &appendingMachine{growingMachine{state: state}}
	direct := r.encodeSnapshot()
	if !bytes.Equal(plain, direct) {
		t.Fatalf("snapshot written in place differs:\n%x\n%x", plain, direct)
	}
	if len(direct) != cap(direct) {
		t.Fatalf("snapshot of %d bytes in a buffer of %d: the size was not planned exactly", len(direct), cap(direct))
	}
}
