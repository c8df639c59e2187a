package replica

import (
	"encoding/binary"
	"testing"
)

// FuzzOpenWAL writes arbitrary bytes as a segment, a hard state copy, a
// snapshot copy and an ack mark copy, and checks that opening them is an
// error or a consistent recovery, never a panic, and that the recovered
// WAL takes an append and reopens cleanly.
func FuzzOpenWAL(f *testing.F) {
	one := appendRecord(nil, &Entry{Term: 1, Index: 1, Kind: EntryCommand, Data: []byte("x")})
	two := appendRecord(append([]byte(nil), one...), &Entry{Term: 1, Index: 2, Kind: EntryNoop})
	var hs [hardStatePayloadSize]byte
	binary.LittleEndian.PutUint64(hs[:], 3)
	hard := appendSlot(nil, hardStateMagic, 1, hs[:])
	snap := appendSlot(nil, snapMagic, 1, make([]byte, snapMetaSize), []byte("data"))
	var mk [markPayloadSize]byte
	binary.LittleEndian.PutUint64(mk[:], 2)
	mark := appendSlot(nil, markMagic, 1, mk[:])
	f.Add(two, hard, snap, mark)
	for _, extreme := range []uint64{1 << 40, walIndexMax, walIndexMax + 1, ^uint64(0)} {
		var meta [snapMetaSize]byte
		binary.LittleEndian.PutUint64(meta[:], extreme)
		binary.LittleEndian.PutUint64(mk[:], extreme)
		f.Add(two, hard, appendSlot(nil, snapMagic, 2, meta[:]), appendSlot(nil, markMagic, 2, mk[:]))
	}
	f.Add(one[:10], hard[:7], snap[:slotHeaderSize], mark)
	f.Add(append(two, 0, 0, 0), []byte{}, []byte{}, []byte{})
	f.Add(append(one[:20], two...), hard, []byte{}, mark[:3])
	f.Fuzz(func(t *testing.T, segment, hard, snap, mark []byte) {
		ws := newWALSim(t, 1)
		d := ws.disk()
		files := []struct {
			name string
			data []byte
		}{{segmentName(1), segment}, {hardStateFiles[0], hard}, {snapFiles[0], snap}, {markFiles[0], mark}}
		for _, file := range files {
			if len(file.data) > 0 {
				if err := d.Write(file.name, 0, file.data); err != nil {
					t.Fatal(err)
				}
			}
		}
		w, rec, err := OpenWAL(d, WALOptions{})
		if err != nil {
			return
		}
		checkRecovered(t, w, rec)
		next := w.LastIndex() + 1
		if err := w.Append([]Entry{{Term: 1 << 40, Index: next, Kind: EntryNoop}}); err != nil {
			t.Fatal(err)
		}
		if err := w.Sync(); err != nil {
			t.Fatal(err)
		}
		w2, rec2, err := OpenWAL(d, WALOptions{})
		if err != nil {
			t.Fatalf("reopen after a clean append: %v", err)
		}
		checkRecovered(t, w2, rec2)
		if w2.LastIndex() != next && rec2.Corruption == nil {
			t.Fatalf("reopen ends at %d, want %d", w2.LastIndex(), next)
		}
	})
}

func checkRecovered(t *testing.T, w *WAL, rec Recovered) {
	t.Helper()
	for i, e := range rec.Entries {
		if e.Index != rec.Snapshot.Index+1+uint64(i) {
			t.Fatalf("entry %d has index %d after snapshot %d", i, e.Index, rec.Snapshot.Index)
		}
	}
	if n := uint64(len(rec.Entries)); w.LastIndex() != rec.Snapshot.Index+n {
		t.Fatalf("last index %d, but %d entries after snapshot %d", w.LastIndex(), n, rec.Snapshot.Index)
	}
	if c := rec.Corruption; c != nil && c.FirstBadIndex > 0 && w.LastIndex() >= c.FirstBadIndex {
		t.Fatalf("corruption from %d, yet the log runs to %d", c.FirstBadIndex, w.LastIndex())
	}
}
