package replica

import (
	"slices"
	"testing"
)

func saveSnapshot(t testing.TB, w *WAL, index uint64, data string) {
	t.Helper()
	meta := SnapshotMeta{Index: index, Term: 1, Timestamp: int64(index) * 10}
	if err := w.SaveSnapshot(meta, []byte(data)); err != nil {
		t.Fatal(err)
	}
}

func TestSnapshotCompactsCoveredSegments(t *testing.T) {
	ws := newWALSim(t, 1)
	opts := WALOptions{SegmentEntriesMax: 4}
	w, _ := ws.open(t, opts)
	mustAppendSync(t, w, entries(1, 14, 1))
	saveSnapshot(t, w, 9, "state@9")
	files := ws.disk().Files()
	for _, gone := range []uint64{1, 5} {
		if slices.Contains(files, segmentName(gone)) {
			t.Fatalf("segment %s is covered by the snapshot but still on disk: %v", segmentName(gone), files)
		}
	}
	if !slices.Contains(files, segmentName(9)) { // holds 9..12: 10..12 are not covered
		t.Fatalf("segment %s holds entries after the snapshot but was removed: %v", segmentName(9), files)
	}
	if w.FirstIndex() != 10 || w.LastIndex() != 14 {
		t.Fatalf("bounds [%d, %d], want [10, 14]", w.FirstIndex(), w.LastIndex())
	}
	ws.crash(t)
	_, rec := ws.open(t, opts)
	if rec.Snapshot.Index != 9 || string(rec.SnapshotData) != "state@9" || rec.Corruption != nil {
		t.Fatalf("recovered snapshot %+v %q corruption %+v", rec.Snapshot, rec.SnapshotData, rec.Corruption)
	}
	assertLog(t, rec.Entries, entries(10, 14, 1))
}

// A snapshot from the leader past the end of the log replaces all of it:
// the replica truncates its log, saves the snapshot, and appends after it.
func TestSnapshotPastTheLog(t *testing.T) {
	ws := newWALSim(t, 1)
	opts := WALOptions{SegmentEntriesMax: 4}
	w, _ := ws.open(t, opts)
	mustAppendSync(t, w, entries(1, 6, 1))
	if err := w.TruncateFrom(1); err != nil {
		t.Fatal(err)
	}
	saveSnapshot(t, w, 50, "state@50")
	mustAppendSync(t, w, entries(51, 53, 2))
	ws.crash(t)
	_, rec := ws.open(t, opts)
	if rec.Snapshot.Index != 50 || rec.Corruption != nil {
		t.Fatalf("snapshot %+v corruption %+v", rec.Snapshot, rec.Corruption)
	}
	assertLog(t, rec.Entries, entries(51, 53, 2))
}

func TestSnapshotDamage(t *testing.T) {
	cases := []struct {
		name       string
		flip       []uint64 // the snapshots (by index) flipped at rest
		wantSnap   uint64
		firstBad   uint64 // 0: no corruption expected, unless anyBad
		anyBad     bool   // corruption expected that lost no entry
		wantFirst  uint64 // first entry returned, 0 for none
		segEntries int
	}{
		{name: "older copy flipped", flip: []uint64{4}, wantSnap: 16, wantFirst: 17, segEntries: 4},
		{name: "newest flipped, log compacted past the older", flip: []uint64{16}, wantSnap: 4, firstBad: 5, segEntries: 4},
		{name: "newest flipped, log still joins the older", flip: []uint64{16}, wantSnap: 4, wantFirst: 5, segEntries: 100},
		{name: "both flipped, log runs from 1", flip: []uint64{4, 16}, anyBad: true, wantFirst: 1, segEntries: 100},
		{name: "both flipped, log compacted", flip: []uint64{4, 16}, firstBad: 1, segEntries: 4},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ws := newWALSim(t, 1)
			opts := WALOptions{SegmentEntriesMax: tc.segEntries}
			w, _ := ws.open(t, opts)
			mustAppendSync(t, w, entries(1, 20, 1))
			saveSnapshot(t, w, 4, "s4")
			slot4 := w.snapSlot
			saveSnapshot(t, w, 16, "s16")
			for _, idx := range tc.flip {
				slot := w.snapSlot
				if idx == 4 {
					slot = slot4
				}
				ws.flip(t, snapFiles[slot], slotHeaderSize+snapMetaSize)
			}
			ws.crash(t)
			_, rec := ws.open(t, opts)
			c := rec.Corruption
			switch {
			case tc.firstBad > 0 && (c == nil || c.FirstBadIndex != tc.firstBad):
				t.Fatalf("corruption %+v, want first bad index %d", c, tc.firstBad)
			case tc.anyBad && (c == nil || c.FirstBadIndex != 0):
				t.Fatalf("corruption %+v, want one that lost no entry", c)
			case tc.firstBad == 0 && !tc.anyBad && c != nil:
				t.Fatalf("unexpected corruption %+v", c)
			case rec.Snapshot.Index != tc.wantSnap:
				t.Fatalf("recovered snapshot %d, want %d", rec.Snapshot.Index, tc.wantSnap)
			}
			var want []Entry
			if tc.wantFirst > 0 {
				want = entries(tc.wantFirst, 20, 1)
			}
			assertLog(t, rec.Entries, want)
		})
	}
}
