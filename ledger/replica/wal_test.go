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

// walIdleNode is the simulated node that owns the disk; the tests drive
// the WAL directly.
type walIdleNode struct{}

func (walIdleNode) Start(*sim.Env)             {}
func (walIdleNode) Receive(sim.NodeID, []byte) {}
func (walIdleNode) Timer(uint64)               {}

func newWALSim(t testing.TB, seed uint64) *walSim {
	t.Helper()
	s, err := sim.New(sim.Config{Seed: seed, Nodes: []sim.NodeSpec{{Name: "n1", New: func() sim.Node { return walIdleNode{} }}}})
	if err != nil {
		t.Fatal(err)
	}
	s.Run(0)
	return &walSim{s: s}
}

func (ws *walSim) disk() *sim.Disk { return ws.s.Disk(0) }

// crash drops every unsynced write (or tears them, if armed) and restarts
// the node, as a power loss would.
func (ws *walSim) crash(t testing.TB) {
	t.Helper()
	if err := ws.s.Crash(0); err != nil {
		t.Fatal(err)
	}
	if err := ws.s.Restart(0, 0); err != nil {
		t.Fatal(err)
	}
	ws.s.Run(ws.s.Now())
}

func (ws *walSim) open(t testing.TB, opts WALOptions) (*WAL, Recovered) {
	t.Helper()
	w, rec, err := OpenWAL(ws.disk(), opts)
	if err != nil {
		t.Fatal(err)
	}
	return w, rec
}

// flip flips one bit at rest, in the durable copy too.
func (ws *walSim) flip(t testing.TB, name string, off int64) {
	t.Helper()
	if err := ws.disk().FlipBit(name, off, 3); err != nil {
		t.Fatal(err)
	}
}

// entry is the canonical entry i of term: tests compare against it.
func entry(i, term uint64) Entry {
	return Entry{Term: term, Index: i, Kind: EntryCommand, Timestamp: int64(i) * 10,
		Data: fmt.Appendf(nil, "entry-%d-term-%d", i, term)}
}

func entries(from, to, term uint64) []Entry {
	var es []Entry
	for i := from; i <= to; i++ {
		es = append(es, entry(i, term))
	}
	return es
}

func mustAppend(t testing.TB, w *WAL, es []Entry) {
	t.Helper()
	if err := w.Append(es); err != nil {
		t.Fatal(err)
	}
}

func mustSync(t testing.TB, w *WAL) {
	t.Helper()
	if err := w.Sync(); err != nil {
		t.Fatal(err)
	}
}

func mustAppendSync(t testing.TB, w *WAL, es []Entry) {
	t.Helper()
	mustAppend(t, w, es)
	mustSync(t, w)
}

func sameEntry(a, b Entry) bool {
	return a.Term == b.Term && a.Index == b.Index && a.Kind == b.Kind &&
		a.Timestamp == b.Timestamp && string(a.Data) == string(b.Data)
}

// assertLog checks that got is exactly want.
func assertLog(t testing.TB, got, want []Entry) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("recovered %d entries (%s), want %d (%s)", len(got), span(got), len(want), span(want))
	}
	for i := range got {
		if !sameEntry(got[i], want[i]) {
			t.Fatalf("entry %d is %+v, want %+v", i, got[i], want[i])
		}
	}
}

func span(es []Entry) string {
	if len(es) == 0 {
		return "none"
	}
	return fmt.Sprintf("%d..%d", es[0].Index, es[len(es)-1].Index)
}

func TestWALRoundTripAcrossCrash(t *testing.T) {
	cases := []struct {
		name string
		opts WALOptions
		snap uint64 // 0: no snapshot
	}{
		{name: "one segment", opts: WALOptions{}},
		{name: "segments of 4 entries", opts: WALOptions{SegmentEntriesMax: 4}},
		{name: "segments of 100 bytes", opts: WALOptions{SegmentBytesMax: 100}},
		{name: "snapshot then entries", opts: WALOptions{SegmentEntriesMax: 4}, snap: 9},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ws := newWALSim(t, 1)
			w, _ := ws.open(t, tc.opts)
			if err := w.SaveHardState(HardState{Term: 3, Vote: 2}); err != nil {
				t.Fatal(err)
			}
			mustAppendSync(t, w, entries(1, 14, 3))
			if tc.snap > 0 {
				if err := w.SaveSnapshot(SnapshotMeta{Index: tc.snap, Term: 3, Timestamp: 90}, []byte("state")); err != nil {
					t.Fatal(err)
				}
			}
			ws.crash(t)
			w2, rec := ws.open(t, tc.opts)
			if rec.HardState != (HardState{Term: 3, Vote: 2}) || rec.Corruption != nil || rec.TornTail {
				t.Fatalf("recovered hard state %+v corruption %+v torn %v", rec.HardState, rec.Corruption, rec.TornTail)
			}
			if rec.Snapshot.Index != tc.snap || (tc.snap > 0 && string(rec.SnapshotData) != "state") {
				t.Fatalf("recovered snapshot %+v %q", rec.Snapshot, rec.SnapshotData)
			}
			assertLog(t, rec.Entries, entries(tc.snap+1, 14, 3))
			if w2.FirstIndex() != tc.snap+1 || w2.LastIndex() != 14 {
				t.Fatalf("bounds [%d, %d], want [%d, 14]", w2.FirstIndex(), w2.LastIndex(), tc.snap+1)
			}
			mustAppendSync(t, w2, entries(15, 16, 4)) // the recovered WAL takes appends
		})
	}
}

func TestWALFreshDiskIsEmpty(t *testing.T) {
	ws := newWALSim(t, 1)
	w, rec := ws.open(t, WALOptions{})
	if rec.HardState != (HardState{Vote: None}) || rec.Snapshot != (SnapshotMeta{}) || rec.SnapshotData != nil ||
		len(rec.Entries) != 0 || rec.TornTail || rec.Corruption != nil {
		t.Fatalf("fresh disk recovered %+v", rec)
	}
	if w.FirstIndex() != 1 || w.LastIndex() != 0 {
		t.Fatalf("fresh bounds [%d, %d]", w.FirstIndex(), w.LastIndex())
	}
}

func TestWALUnsyncedAppendsVanishOnCrash(t *testing.T) {
	ws := newWALSim(t, 1)
	w, _ := ws.open(t, WALOptions{SegmentEntriesMax: 4})
	mustAppendSync(t, w, entries(1, 10, 1))
	mustAppend(t, w, entries(11, 13, 1)) // crosses into a new segment, never synced
	ws.crash(t)
	_, rec := ws.open(t, WALOptions{SegmentEntriesMax: 4})
	if rec.Corruption != nil {
		t.Fatalf("corruption %+v", rec.Corruption)
	}
	assertLog(t, rec.Entries, entries(1, 10, 1))
}

func TestWALTruncateFromThenAppend(t *testing.T) {
	cases := []struct {
		name string
		from uint64
	}{
		{name: "inside the last segment", from: 7},
		{name: "at a segment's first entry", from: 5},
		{name: "across segments", from: 3},
		{name: "the whole log", from: 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ws := newWALSim(t, 1)
			opts := WALOptions{SegmentEntriesMax: 4}
			w, _ := ws.open(t, opts)
			mustAppendSync(t, w, entries(1, 8, 1))
			if err := w.TruncateFrom(tc.from); err != nil {
				t.Fatal(err)
			}
			if w.LastIndex() != tc.from-1 {
				t.Fatalf("last index %d after truncating from %d", w.LastIndex(), tc.from)
			}
			mustAppendSync(t, w, entries(tc.from, 9, 2))
			ws.crash(t)
			_, rec := ws.open(t, opts)
			if rec.Corruption != nil {
				t.Fatalf("corruption %+v", rec.Corruption)
			}
			assertLog(t, rec.Entries, append(entries(1, tc.from-1, 1), entries(tc.from, 9, 2)...))
		})
	}
}

// An unsynced truncation below synced entries followed by a crash brings
// the old entries back: the truncation was never durable, and that is no
// corruption (the ack mark was lowered before the cut).
func TestWALUnsyncedTruncationIsUndoneByCrash(t *testing.T) {
	ws := newWALSim(t, 1)
	w, _ := ws.open(t, WALOptions{})
	mustAppendSync(t, w, entries(1, 8, 1))
	if err := w.TruncateFrom(4); err != nil {
		t.Fatal(err)
	}
	ws.crash(t)
	_, rec := ws.open(t, WALOptions{})
	if rec.Corruption != nil {
		t.Fatalf("corruption %+v", rec.Corruption)
	}
	if len(rec.Entries) != 3 && len(rec.Entries) != 8 {
		t.Fatalf("recovered %s, want 1..3 or 1..8", span(rec.Entries))
	}
}

func TestWALSegmentRollover(t *testing.T) {
	cases := []struct {
		name         string
		opts         WALOptions
		segmentsWant int
	}{
		{name: "by entries", opts: WALOptions{SegmentEntriesMax: 5}, segmentsWant: 4},
		{name: "by bytes", opts: WALOptions{SegmentBytesMax: 3 * recordSizeMin}, segmentsWant: 7},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ws := newWALSim(t, 1)
			w, _ := ws.open(t, tc.opts)
			writes := ws.disk().Stats().Writes
			mustAppend(t, w, entries(1, 20, 1))
			if got := ws.disk().Stats().Writes - writes; got != int64(tc.segmentsWant) {
				t.Fatalf("one batch took %d writes, want one per segment (%d)", got, tc.segmentsWant)
			}
			if len(w.segments) != tc.segmentsWant {
				t.Fatalf("%d segments, want %d", len(w.segments), tc.segmentsWant)
			}
			mustSync(t, w)
			ws.crash(t)
			_, rec := ws.open(t, tc.opts)
			assertLog(t, rec.Entries, entries(1, 20, 1))
		})
	}
}

func TestWALFsyncFailureIsAStorageFailure(t *testing.T) {
	cases := []struct {
		name string
		op   func(w *WAL) error
	}{
		{name: "Sync", op: func(w *WAL) error { return w.Sync() }},
		{name: "SaveHardState", op: func(w *WAL) error { return w.SaveHardState(HardState{Term: 2, Vote: 1}) }},
		{name: "SaveSnapshot", op: func(w *WAL) error { return w.SaveSnapshot(SnapshotMeta{Index: 2, Term: 1}, []byte("s")) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ws := newWALSim(t, 1)
			w, _ := ws.open(t, WALOptions{})
			mustAppend(t, w, entries(1, 2, 1))
			ws.disk().FailSyncs(1)
			if err := tc.op(w); !errors.Is(err, ErrStorageFailed) || !errors.Is(err, sim.ErrSyncFailed) {
				t.Fatalf("error %v, want ErrStorageFailed wrapping sim.ErrSyncFailed", err)
			}
		})
	}
}
