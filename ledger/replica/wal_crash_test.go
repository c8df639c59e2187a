package replica

import (
	"errors"
	"fmt"
	"testing"
)

// walModel drives a WAL through a story of operations and remembers what a
// recovery may and must show: every version of every entry ever written,
// the log as of the last Sync that returned (what the replica could have
// acknowledged), and the hard state and snapshot last saved.
type walModel struct {
	w        *WAL
	versions map[uint64][]Entry
	log      map[uint64]Entry // the log as written so far
	acked    map[uint64]Entry // the log when the last Sync returned
	// ackedMax is the highest index acknowledged and not truncated since:
	// every entry up to it must survive any crash.
	ackedMax           uint64
	last               uint64
	hard, hardInFlight HardState
	snap, snapInFlight uint64
}

func newWALModel(w *WAL) *walModel {
	return &walModel{w: w, versions: map[uint64][]Entry{}, log: map[uint64]Entry{}, acked: map[uint64]Entry{},
		hard: HardState{Vote: None}, hardInFlight: HardState{Vote: None}}
}

func (m *walModel) append(from, to, term uint64) error {
	es := entries(from, to, term)
	for _, e := range es {
		m.versions[e.Index] = append(m.versions[e.Index], e)
		m.log[e.Index] = e
	}
	m.last = to
	return m.w.Append(es)
}

func (m *walModel) truncate(from uint64) error {
	for i := from; i <= m.last; i++ {
		delete(m.log, i)
	}
	m.last = from - 1
	m.ackedMax = min(m.ackedMax, from-1)
	return m.w.TruncateFrom(from)
}

func (m *walModel) sync() error {
	if err := m.w.Sync(); err != nil {
		return err
	}
	clear(m.acked)
	for i, e := range m.log {
		m.acked[i] = e
	}
	m.ackedMax = m.last
	return nil
}

func (m *walModel) saveHardState(term uint64, vote NodeID) error {
	m.hardInFlight = HardState{Term: term, Vote: vote}
	if err := m.w.SaveHardState(m.hardInFlight); err != nil {
		return err
	}
	m.hard = m.hardInFlight
	return nil
}

func (m *walModel) saveSnapshot(index uint64) error {
	m.snapInFlight = index
	if err := m.w.SaveSnapshot(SnapshotMeta{Index: index, Term: m.log[index].Term}, fmt.Appendf(nil, "s%d", index)); err != nil {
		return err
	}
	m.snap = index
	return nil
}

// walStory is the sequence of operations crashed at every fsync: appends
// across segments, conflicting truncations, hard states, snapshots (one
// past a truncation), and an unsynced tail at the end.
func walStory(m *walModel) error {
	steps := []func() error{
		func() error { return m.saveHardState(1, 0) },
		func() error { return m.append(1, 10, 1) },
		m.sync,
		func() error { return m.append(11, 20, 1) },
		m.sync,
		func() error { return m.saveHardState(2, 1) },
		func() error { return m.truncate(15) },
		func() error { return m.append(15, 22, 2) },
		m.sync,
		func() error { return m.saveSnapshot(12) },
		func() error { return m.append(23, 30, 2) },
		m.sync,
		func() error { return m.truncate(26) },
		func() error { return m.append(26, 27, 3) },
		m.sync,
		func() error { return m.saveHardState(3, 2) },
		func() error { return m.saveSnapshot(25) },
		func() error { return m.append(28, 33, 3) },
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return err
		}
	}
	return nil
}

// check verifies a recovery after a crash: no corruption (a crash alone
// never damages synced data), the hard state and snapshot saved or being
// saved, every acknowledged entry, and no entry that was never written.
func (m *walModel) check(rec Recovered) error {
	if rec.Corruption != nil {
		return fmt.Errorf("corruption after a plain crash: %+v", rec.Corruption)
	}
	if hs := rec.HardState; hs != m.hard && hs != m.hardInFlight {
		return fmt.Errorf("hard state %+v, want %+v or %+v", hs, m.hard, m.hardInFlight)
	}
	if s := rec.Snapshot.Index; s != m.snap && s != m.snapInFlight {
		return fmt.Errorf("snapshot %d, want %d or %d", s, m.snap, m.snapInFlight)
	}
	for _, e := range rec.Entries {
		if !containsEntry(m.versions[e.Index], e) {
			return fmt.Errorf("entry %+v was never written", e)
		}
	}
	for i := rec.Snapshot.Index + 1; i <= m.ackedMax; i++ {
		k := i - rec.Snapshot.Index - 1
		if k >= uint64(len(rec.Entries)) || !sameEntry(rec.Entries[k], m.acked[i]) {
			return fmt.Errorf("acknowledged entry %d lost (recovered %s)", i, span(rec.Entries))
		}
	}
	return nil
}

func containsEntry(es []Entry, e Entry) bool {
	for _, v := range es {
		if sameEntry(v, e) {
			return true
		}
	}
	return false
}

// TestWALCrashAtEveryFsync runs the story once per fsync it makes, crashing
// right at that fsync (its writes pending), with the pending writes dropped
// or torn under several seeds, and checks every recovery.
func TestWALCrashAtEveryFsync(t *testing.T) {
	opts := WALOptions{SegmentEntriesMax: 4}
	ws := newWALSim(t, 1)
	w, _ := ws.open(t, opts)
	counter := &crashDisk{Disk: ws.disk(), crashAt: -1}
	w.disk = counter
	if err := walStory(newWALModel(w)); err != nil {
		t.Fatal(err)
	}
	for crashAt := 0; crashAt <= counter.syncs; crashAt++ {
		for seed := uint64(1); seed <= 6; seed++ {
			ws := newWALSim(t, seed)
			w, _ := ws.open(t, opts)
			w.disk = &crashDisk{Disk: ws.disk(), crashAt: crashAt}
			m := newWALModel(w)
			if err := walStory(m); err != nil && !errors.Is(err, errCrashPoint) {
				t.Fatal(err)
			}
			if seed > 1 {
				ws.disk().TearOnNextCrash()
			}
			ws.crash(t)
			w2, rec := ws.open(t, opts)
			if err := m.check(rec); err != nil {
				t.Fatalf("crash at fsync %d of %d, seed %d: %v", crashAt, counter.syncs, seed, err)
			}
			// Whatever was recovered, the WAL goes on from it.
			mustAppendSync(t, w2, entries(w2.LastIndex()+1, w2.LastIndex()+2, 9))
		}
	}
}
