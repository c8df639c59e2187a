package replica

import (
	"encoding/binary"
	"strings"
	"testing"
)

// mustPanic runs f and fails unless it stops at a broken invariant whose
// message contains want.
func mustPanic(t *testing.T, want string, f func()) {
	t.Helper()
	defer func() {
		t.Helper()
		p := recover()
		if p == nil {
			t.Fatalf("no panic, want an invariant broken: %q", want)
		}
		msg, _ := p.(string)
		if !strings.HasPrefix(msg, "replica: invariant broken: ") || !strings.Contains(msg, want) {
			t.Fatalf("panic %v, want an invariant broken: %q", p, want)
		}
	}()
	f()
}

// Each test below breaks one invariant the way a bug would, by setting
// the replica's fields or calling an internal step out of turn, and shows
// that the assertion guarding it fires.

func TestCommitNeverGoesBack(t *testing.T) {
	r, _ := newTestReplica(t, 0, 1)
	r.log.append(Entry{Term: 1, Index: 1, Kind: EntryNoop}, Entry{Term: 1, Index: 2, Kind: EntryNoop})
	r.commitTo(2)
	r.commitTo(2) // staying put is fine
	mustPanic(t, "commit going back from 2 to 1", func() { r.commitTo(1) })
}

func TestPositionsStayInOrder(t *testing.T) {
	cases := []struct {
		name  string
		spoil func(r *Replica)
	}{
		{"commit past the log", func(r *Replica) { r.commit = 3 }},
		{"applied past commit", func(r *Replica) { r.applied = 2; r.commit = 1 }},
		{"persisted past the log", func(r *Replica) { r.persisted = 3 }},
		{"snapshot past applied", func(r *Replica) { r.log.snap.Index = 1 }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r, _ := newTestReplica(t, 0, 3)
			r.log.append(Entry{Term: 1, Index: 1, Kind: EntryNoop}, Entry{Term: 1, Index: 2, Kind: EntryNoop})
			r.checkPositions("setup") // in order
			tc.spoil(r)
			mustPanic(t, "after test: want snapshot", func() { r.checkPositions("test") })
		})
	}
}

// A leader that counted its own entry before its disk confirmed it (the
// bug that TestALeaderCountsItsOwnEntryOnlyOnceItIsDurable guards against
// from outside) is caught at the commit itself.
func TestALeaderCommitOnlyWhatAQuorumHoldsDurably(t *testing.T) {
	r, env, disk := newHeldReplica(t, 0, 3)
	r.becomeCandidate()
	r.becomeLeader() // its no-op at index 1, term 1, not yet durable
	r.flush()
	env.take()
	deliver(r, 1, Message{Kind: MsgAppendResp, Term: 1, Success: true, PrevIndex: 0, Match: 1})
	r.commit = 1 // as if its own in-flight copy had counted
	mustPanic(t, "commits 1, durable on 1 replicas, quorum 2", r.checkCommitQuorum)
	r.commit = 0
	disk.complete(r) // now it is durable: the real commit passes the check
	if r.commit != 1 {
		t.Fatalf("commit %d, want 1", r.commit)
	}
}

// Figure 8: a quorum holding an entry of an earlier term is no reason to
// commit it.
func TestALeaderCommitIsOfItsOwnTerm(t *testing.T) {
	r, _ := newTestReplica(t, 0, 3)
	r.log.append(Entry{Term: 1, Index: 1, Kind: EntryNoop}, Entry{Term: 2, Index: 2, Kind: EntryNoop})
	r.term, r.role, r.persisted = 2, roleLeader, 2
	r.progress[1].match = 1
	r.commit = 1 // durable on a quorum, but of term 1
	mustPanic(t, "commits 1 of term 1 by counting replicas", r.checkCommitQuorum)
}

func TestOneVotePerTermIsAsserted(t *testing.T) {
	t.Run("a second candidate in memory", func(t *testing.T) {
		r, _ := newTestReplica(t, 0, 3)
		r.term = 1
		r.castVote(1)
		r.castVote(1) // the same candidate again is fine
		mustPanic(t, "term 1: voting for 2 after voting for 1", func() { r.castVote(2) })
	})
	t.Run("a second candidate on disk", func(t *testing.T) {
		r, _ := newTestReplica(t, 0, 3)
		r.term = 1
		r.castVote(1)
		r.flush()     // durable: the disk says 1
		r.vote = None // a bug forgets the vote in memory
		mustPanic(t, "term 1: voting for 2, the disk says 1", func() { r.castVote(2) })
	})
	t.Run("a vote carried into a later term", func(t *testing.T) {
		r, _ := newTestReplica(t, 0, 3)
		r.term = 1
		r.castVote(1)
		r.term = 2 // a term change that kept the vote
		mustPanic(t, "vote for 1 cast in term 1 still held in term 2", func() {
			deliver(r, 2, Message{Kind: MsgVote, Term: 2})
		})
	})
	t.Run("a hard state that changes the vote of its term", func(t *testing.T) {
		r, _ := newTestReplica(t, 0, 3)
		r.savedHard = HardState{Term: 3, Vote: 1}
		r.checkHardStateWrite(HardState{Term: 3, Vote: 1})
		r.checkHardStateWrite(HardState{Term: 4, Vote: None})
		mustPanic(t, "hard state (term 3, vote 2) about to replace (term 3, vote 1)", func() {
			r.checkHardStateWrite(HardState{Term: 3, Vote: 2})
		})
		mustPanic(t, "hard state (term 2, vote -1) about to replace (term 3, vote 1)", func() {
			r.checkHardStateWrite(HardState{Term: 2, Vote: None})
		})
	})
	t.Run("a term that goes back", func(t *testing.T) {
		r, _ := newTestReplica(t, 0, 3)
		r.term = 3
		mustPanic(t, "becoming a follower in term 2 from term 3", func() { r.becomeFollower(2, None) })
	})
}

func TestALeaderLogEndsInItsOwnTerm(t *testing.T) {
	t.Run("a command before the no-op", func(t *testing.T) {
		r, _ := newTestReplica(t, 0, 3)
		r.log.append(Entry{Term: 1, Index: 1, Kind: EntryNoop})
		r.term, r.role = 2, roleLeader // a leader that skipped its no-op
		mustPanic(t, "leader of term 2 appends entry kind 2 after an entry of term 1", func() {
			r.appendEntry(EntryCommand, nil)
		})
		mustPanic(t, "leader of term 2 has a log ending at 1 in term 1", r.tickLeader)
	})
	t.Run("a second no-op in its term", func(t *testing.T) {
		r, _ := newTestReplica(t, 0, 1)
		r.campaign(false, false) // a cluster of one: leader of term 1 at once
		if r.role != roleLeader || r.log.lastTerm() != 1 {
			t.Fatalf("role %s, log ends in term %d", r.role, r.log.lastTerm())
		}
		r.appendEntry(EntryCommand, nil) // commands after the no-op are fine
		mustPanic(t, "leader of term 1 appends entry kind 1 after an entry of term 1", r.becomeLeader)
	})
	t.Run("an append by a follower", func(t *testing.T) {
		r, _ := newTestReplica(t, 0, 3)
		mustPanic(t, "follower of term 0 appends", func() { r.appendEntry(EntryCommand, nil) })
	})
}

func TestAWALRecordIsCheckedBeforeItIsWritten(t *testing.T) {
	e := Entry{Term: 2, Index: 7, Kind: EntryCommand, Timestamp: 99, Data: []byte("transfer")}
	b := appendRecord(nil, &e)
	checkRecord(b, &e)
	other := e
	other.Timestamp = 100 // the record says something else than the entry
	mustPanic(t, "WAL record for entry 7 does not read back: its body holds another entry", func() { checkRecord(b, &other) })
	mustPanic(t, "WAL record for entry 7 does not read back: header of", func() { checkRecord(b[:len(b)-1], &e) })
	b[9] ^= 1 // the header is damaged: its own checksum fails
	mustPanic(t, "WAL record for entry 7 does not read back: header of", func() { checkRecord(b, &e) })
}

func TestAWALBatchKeepsItsTermsInOrder(t *testing.T) {
	w, _ := newWALSim(t, 1).open(t, WALOptions{})
	es := []Entry{{Term: 2, Index: 1, Kind: EntryNoop}, {Term: 1, Index: 2, Kind: EntryNoop}}
	mustPanic(t, "WAL append of entry 2 of term 1 after entry 1 of term 2", func() { _ = w.Append(es) })
}

func TestASlotRecordIsCheckedBeforeItIsWritten(t *testing.T) {
	w, _ := newWALSim(t, 1).open(t, WALOptions{})
	if err := w.writeSlot("slot", hardStateMagic, 1, []byte("term and "), []byte("vote")); err != nil {
		t.Fatal(err)
	}
	b, err := w.disk.ReadAll("slot")
	if err != nil {
		t.Fatal(err)
	}
	if seq, payload, ok := decodeSlot(b, hardStateMagic, slotSize{0, 64}); !ok || seq != 1 || string(payload) != "term and vote" {
		t.Fatalf("slot written as %q reads back as seq %d, %q, ok %t", b, seq, payload, ok)
	}
	payload := []byte("term and vote")
	record := appendSlot(nil, hardStateMagic, 1, payload)
	sum := binary.LittleEndian.Uint32(record[20:])
	checkSlot("slot", record, nil, hardStateMagic, 1, sum)
	mustPanic(t, "slot slot: header does not cover the 13 bytes written after it", func() {
		checkSlot("slot", record, nil, hardStateMagic, 1, sum^1) // a checksum taken over other bytes
	})
	mustPanic(t, "slot slot: header does not cover the 17 bytes written after it", func() {
		checkSlot("slot", record, [][]byte{[]byte("more")}, hardStateMagic, 1, sum) // bytes the header does not count
	})
	mustPanic(t, "slot slot: header does not cover the 13 bytes written after it", func() {
		checkSlot("slot", record, nil, markMagic, 1, sum)
	})
	mustPanic(t, "slot slot: record without a header", func() { checkSlot("slot", payload, nil, hardStateMagic, 1, sum) })
}

func TestASnapshotNeverReplacesALaterOne(t *testing.T) {
	w, _ := newWALSim(t, 1).open(t, WALOptions{})
	saveSnapshot(t, w, 5, "five")
	mustPanic(t, "snapshot through 3 replacing one through 5", func() {
		_ = w.SaveSnapshot(SnapshotMeta{Index: 3, Term: 1}, []byte("three"))
	})
}

func TestTheRecoveredLogIsCheckedAfterItIsRead(t *testing.T) {
	snap := SnapshotMeta{Index: 4, Term: 2}
	good := Recovered{Snapshot: snap, Entries: []Entry{{Term: 2, Index: 5}, {Term: 3, Index: 6}}}
	checkRecoveredLog(&good)
	cases := []struct {
		name    string
		entries []Entry
		want    string
	}{
		{"a gap after the snapshot", []Entry{{Term: 2, Index: 6}}, "recovered entry 6 of term 2 after entry 4 of term 2"},
		{"a term before the snapshot's", []Entry{{Term: 1, Index: 5}}, "recovered entry 5 of term 1 after entry 4 of term 2"},
		{"a gap in the log", []Entry{{Term: 2, Index: 5}, {Term: 2, Index: 7}}, "recovered entry 7 of term 2 after entry 5"},
		{"a term going back", []Entry{{Term: 3, Index: 5}, {Term: 2, Index: 6}}, "recovered entry 6 of term 2 after entry 5 of term 3"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			mustPanic(t, tc.want, func() { checkRecoveredLog(&Recovered{Snapshot: snap, Entries: tc.entries}) })
		})
	}
}

// The snapshot encoding is read back before it is written with the same
// parser that restores it.
func TestSnapshotPartsReadBackWhatEncodeSnapshotWrote(t *testing.T) {
	r, _ := newTestReplica(t, 0, 1)
	r.digest[0] = 7
	data := r.encodeSnapshot()
	v, digest, _, _, ok := snapshotParts(data)
	if !ok || v != snapshotVersion || digest[0] != 7 {
		t.Fatalf("snapshotParts: version %d, digest %x, ok %t", v, digest, ok)
	}
	if _, _, _, _, ok := snapshotParts(append(data, 0)); ok {
		t.Fatal("a snapshot with a byte too many read back")
	}
}
