package replica

import (
	"errors"
	"fmt"
	"testing"

	"github.com/faultline/faultline/sim"
)

// walSim is a one-node simulation whose disk the WAL tests use, so that
// crashes drop unsynced writes exactly as the simulator models them.
type walSim struct {
	s *sim.Sim
}

func newWALSim(t *testing.T, seed uint64) *walSim {
	t.Helper()
	s, err := sim.New(sim.Config{Seed: seed, Nodes: []sim.NodeSpec{{Name: "n1", New: func() sim.Node { return idleNode{} }}}})
	if err != nil {
		t.Fatal(err)
	}
	s.Run(0)
	return &walSim{s: s}
}

func (ws *walSim) disk() *sim.Disk { return ws.s.Disk(0) }

func (ws *walSim) crash(t *testing.T) {
	t.Helper()
	if err := ws.s.Crash(0); err != nil {
		t.Fatal(err)
	}
	if err := ws.s.Restart(0, 0); err != nil {
		t.Fatal(err)
	}
	ws.s.Run(ws.s.Now())
}

func (ws *walSim) open(t *testing.T, opts WALOptions) (*WAL, Recovered) {
	t.Helper()
	w, rec, err := OpenWAL(ws.disk(), opts)
	if err != nil {
		t.Fatal(err)
	}
	return w, rec
}

func entries(from, to, term uint64) []Entry {
	var es []Entry
	for i := from; i <= to; i++ {
		es = append(es, Entry{Term: term, Index: i, Kind: EntryCommand, Timestamp: int64(i), Data: []byte(fmt.Sprintf("entry-%d", i))})
	}
	return es
}

func mustAppendSync(t *testing.T, w *WAL, es []Entry) {
	t.Helper()
	if err := w.Append(es); err != nil {
		t.Fatal(err)
	}
	if err := w.Sync(); err != nil {
		t.Fatal(err)
	}
}

func assertEntries(t *testing.T, got []Entry, first, last uint64) {
	t.Helper()
	if uint64(len(got)) != last-first+1 && !(last < first && len(got) == 0) {
		t.Fatalf("recovered %d entries, want %d..%d", len(got), first, last)
	}
	for i, e := range got {
		want := entries(first+uint64(i), first+uint64(i), e.Term)[0]
		if e.Index != want.Index || string(e.Data) != string(want.Data) {
			t.Fatalf("entry %d is %+v, want %+v", i, e, want)
		}
	}
}

func TestWALRoundTripAcrossCrash(t *testing.T) {
	ws := newWALSim(t, 1)
	w, _ := ws.open(t, WALOptions{SegmentEntriesMax: 4})
	if err := w.SaveHardState(HardState{Term: 3, Vote: 2}); err != nil {
		t.Fatal(err)
	}
	mustAppendSync(t, w, entries(1, 10, 3))
	if err := w.Append(entries(11, 12, 3)); err != nil { // never synced
		t.Fatal(err)
	}
	ws.crash(t)
	_, rec := ws.open(t, WALOptions{SegmentEntriesMax: 4})
	if rec.HardState != (HardState{Term: 3, Vote: 2}) || rec.Corruption != nil {
		t.Fatalf("recovered %+v", rec)
	}
	assertEntries(t, rec.Entries, 1, 10)
}

func TestWALTruncateThenAppend(t *testing.T) {
	ws := newWALSim(t, 1)
	w, _ := ws.open(t, WALOptions{SegmentEntriesMax: 3})
	mustAppendSync(t, w, entries(1, 8, 1))
	if err := w.TruncateFrom(5); err != nil {
		t.Fatal(err)
	}
	mustAppendSync(t, w, entries(5, 6, 2))
	ws.crash(t)
	_, rec := ws.open(t, WALOptions{SegmentEntriesMax: 3})
	if len(rec.Entries) != 6 || rec.Entries[5].Term != 2 || rec.Entries[3].Term != 1 {
		t.Fatalf("recovered %+v", rec.Entries)
	}
}

// A torn write only ever cuts off unsynced entries: whatever survives is a
// clean prefix of what was written, never garbage, never a corruption alarm.
func TestWALTornTailIsACleanPrefix(t *testing.T) {
	for seed := uint64(1); seed <= 60; seed++ {
		ws := newWALSim(t, seed)
		w, _ := ws.open(t, WALOptions{SegmentEntriesMax: 5})
		mustAppendSync(t, w, entries(1, 7, 1))
		for i := uint64(8); i <= 20; i += 3 {
			if err := w.Append(entries(i, i+2, 1)); err != nil {
				t.Fatal(err)
			}
		}
		ws.disk().TearOnNextCrash()
		ws.crash(t)
		_, rec := ws.open(t, WALOptions{SegmentEntriesMax: 5})
		if rec.Corruption != nil {
			t.Fatalf("seed %d: torn tail reported as corruption: %+v", seed, rec.Corruption)
		}
		if len(rec.Entries) < 7 {
			t.Fatalf("seed %d: lost synced entries: %d left", seed, len(rec.Entries))
		}
		assertEntries(t, rec.Entries, 1, uint64(len(rec.Entries)))
	}
}

// A bit flip anywhere in synced data, the last record included, is
// corruption: never a silently shorter log, never a wrong entry.
func TestWALBitFlipIsCorruption(t *testing.T) {
	for _, target := range []uint64{1, 5, 10} {
		t.Run(fmt.Sprintf("entry %d", target), func(t *testing.T) {
			ws := newWALSim(t, 1)
			w, _ := ws.open(t, WALOptions{SegmentEntriesMax: 100})
			mustAppendSync(t, w, entries(1, 10, 1))
			seg := w.segments[0]
			if err := ws.disk().FlipBit(seg.name, seg.offsets[target-1]+recordHeaderSize+3, 2); err != nil {
				t.Fatal(err)
			}
			ws.crash(t)
			_, rec := ws.open(t, WALOptions{SegmentEntriesMax: 100})
			if rec.Corruption == nil || rec.Corruption.FirstBadIndex != target {
				t.Fatalf("corruption %+v, want first bad index %d", rec.Corruption, target)
			}
			assertEntries(t, rec.Entries, 1, target-1)
			// The damage is cut away for good: reopening finds a clean log.
			ws.crash(t)
			_, again := ws.open(t, WALOptions{SegmentEntriesMax: 100})
			if again.Corruption != nil || len(again.Entries) != int(target-1) {
				t.Fatalf("after repair: %+v", again)
			}
		})
	}
}

func TestWALMisdirectedWriteNeverYieldsAWrongEntry(t *testing.T) {
	for seed := uint64(1); seed <= 30; seed++ {
		ws := newWALSim(t, seed)
		w, _ := ws.open(t, WALOptions{})
		mustAppendSync(t, w, entries(1, 20, 1))
		ws.disk().MisdirectWrites(1)
		mustAppendSync(t, w, entries(21, 22, 1))
		mustAppendSync(t, w, entries(23, 30, 1))
		ws.crash(t)
		_, rec := ws.open(t, WALOptions{})
		assertEntries(t, rec.Entries, 1, uint64(len(rec.Entries)))
		if len(rec.Entries) == 30 {
			t.Fatalf("seed %d: a misdirected write went unnoticed", seed)
		}
		if rec.Corruption == nil {
			t.Fatalf("seed %d: lost entries without reporting corruption", seed)
		}
	}
}

func TestWALHardStateSurvivesOneDamagedCopy(t *testing.T) {
	ws := newWALSim(t, 1)
	w, _ := ws.open(t, WALOptions{})
	for term := uint64(1); term <= 3; term++ {
		if err := w.SaveHardState(HardState{Term: term, Vote: NodeID(term)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := ws.disk().FlipBit(hardStateFiles[0], 13, 1); err != nil {
		t.Fatal(err)
	}
	_, rec := ws.open(t, WALOptions{})
	if rec.HardState != (HardState{Term: 3, Vote: 3}) {
		t.Fatalf("recovered %+v, want term 3 vote 3 from the intact copy", rec.HardState)
	}
	if err := ws.disk().FlipBit(hardStateFiles[1], 13, 1); err != nil {
		t.Fatal(err)
	}
	if _, _, err := OpenWAL(ws.disk(), WALOptions{}); !errors.Is(err, ErrUnrecoverable) {
		t.Fatalf("both copies damaged: err %v, want ErrUnrecoverable", err)
	}
}

func TestWALFsyncFailureIsAStorageFailure(t *testing.T) {
	ws := newWALSim(t, 1)
	w, _ := ws.open(t, WALOptions{})
	if err := w.Append(entries(1, 2, 1)); err != nil {
		t.Fatal(err)
	}
	ws.disk().FailSyncs(1)
	if err := w.Sync(); !errors.Is(err, ErrStorageFailed) || !errors.Is(err, sim.ErrSyncFailed) {
		t.Fatalf("sync error %v", err)
	}
}

func TestWALSnapshotCompactsAndRecovers(t *testing.T) {
	ws := newWALSim(t, 1)
	w, _ := ws.open(t, WALOptions{SegmentEntriesMax: 4})
	mustAppendSync(t, w, entries(1, 14, 1))
	if err := w.SaveSnapshot(SnapshotMeta{Index: 9, Term: 1, Timestamp: 9}, []byte("state@9")); err != nil {
		t.Fatal(err)
	}
	for _, name := range ws.disk().Files() {
		if name == segmentName(1) || name == segmentName(5) {
			t.Fatalf("segment %s is covered by the snapshot but still on disk", name)
		}
	}
	ws.crash(t)
	_, rec := ws.open(t, WALOptions{SegmentEntriesMax: 4})
	if rec.Snapshot.Index != 9 || string(rec.SnapshotData) != "state@9" || rec.Corruption != nil {
		t.Fatalf("recovered snapshot %+v %q corruption %+v", rec.Snapshot, rec.SnapshotData, rec.Corruption)
	}
	assertEntries(t, rec.Entries, 10, 14)
}

// If the newest snapshot is damaged after the log behind it was compacted,
// the older snapshot no longer meets the log: that gap is corruption, to be
// repaired by the leader, never papered over.
func TestWALDamagedSnapshotWithCompactedLogIsCorruption(t *testing.T) {
	ws := newWALSim(t, 1)
	w, _ := ws.open(t, WALOptions{SegmentEntriesMax: 4})
	mustAppendSync(t, w, entries(1, 20, 1))
	if err := w.SaveSnapshot(SnapshotMeta{Index: 4, Term: 1}, []byte("s4")); err != nil {
		t.Fatal(err)
	}
	if err := w.SaveSnapshot(SnapshotMeta{Index: 16, Term: 1}, []byte("s16")); err != nil {
		t.Fatal(err)
	}
	if err := ws.disk().FlipBit(snapFiles[w.snapSlot], snapHeaderSize, 0); err != nil {
		t.Fatal(err)
	}
	_, rec := ws.open(t, WALOptions{SegmentEntriesMax: 4})
	if rec.Snapshot.Index != 4 || rec.Corruption == nil || rec.Corruption.FirstBadIndex != 5 {
		t.Fatalf("snapshot %+v corruption %+v", rec.Snapshot, rec.Corruption)
	}
	if len(rec.Entries) != 0 {
		t.Fatalf("entries after a gap were returned: %d", len(rec.Entries))
	}
}

// FuzzOpenWAL writes arbitrary bytes as a segment, a hard state copy and a
// snapshot, and checks that opening them is an error or a valid recovery,
// never a panic.
func FuzzOpenWAL(f *testing.F) {
	rec := appendRecord(nil, &Entry{Term: 1, Index: 1, Kind: EntryCommand, Data: []byte("x")})
	f.Add(rec, []byte{}, []byte{})
	f.Add(rec[:10], make([]byte, hardStateSize), make([]byte, snapHeaderSize))
	f.Fuzz(func(t *testing.T, segment, hard, snap []byte) {
		ws := newWALSim(t, 1)
		d := ws.disk()
		for name, b := range map[string][]byte{segmentName(1): segment, hardStateFiles[0]: hard, snapFiles[0]: snap} {
			if len(b) > 0 {
				_ = d.Write(name, 0, b)
			}
		}
		w, rec, err := OpenWAL(d, WALOptions{})
		if err != nil {
			return
		}
		if len(rec.Entries) > 0 && rec.Entries[0].Index != rec.Snapshot.Index+1 {
			t.Fatalf("entries start at %d after snapshot %d", rec.Entries[0].Index, rec.Snapshot.Index)
		}
		_ = w.Append([]Entry{{Term: 9, Index: w.LastIndex() + 1, Kind: EntryNoop}})
	})
}
