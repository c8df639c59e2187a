package sim_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/faultline/faultline/sim"
	"pgregory.net/rapid"
)

// diskModel is the simplest possible disk: every copy its own array, and
// pending operations replayed onto the platter at Sync. The simulator's
// Disk shares memory between its copies; this test proves the sharing
// never shows, whatever the sequence of writes, truncations, removals,
// syncs (failed or not), bit flips and crashes.
type diskModel struct {
	durable, cached map[string][]byte
	pending         []func(files map[string][]byte)
}

func (m *diskModel) apply(op func(files map[string][]byte)) {
	op(m.cached)
	m.pending = append(m.pending, op)
}

func modelWrite(name string, off int, data []byte) func(map[string][]byte) {
	return func(files map[string][]byte) {
		b := files[name]
		if b == nil {
			b = []byte{}
		}
		if end := off + len(data); end > len(b) {
			b = append(b, make([]byte, end-len(b))...)
		}
		copy(b[off:], data)
		files[name] = b
	}
}

func modelTruncate(name string, size int) func(map[string][]byte) {
	return func(files map[string][]byte) {
		b := files[name]
		if b == nil {
			b = []byte{}
		}
		if size <= len(b) {
			files[name] = b[:size]
		} else {
			files[name] = append(b, make([]byte, size-len(b))...)
		}
	}
}

func modelRemove(name string) func(map[string][]byte) {
	return func(files map[string][]byte) { delete(files, name) }
}

func cloneFiles(files map[string][]byte) map[string][]byte {
	out := make(map[string][]byte, len(files))
	for name, b := range files {
		out[name] = bytes.Clone(b)
	}
	return out
}

func TestDiskMatchesACopyingModel(t *testing.T) {
	names := []string{"a", "b"}
	rapid.Check(t, func(rt *rapid.T) {
		ps := mustProbeSim(1, time.Millisecond, nil)
		d := ps.probe(0).env.Disk()
		m := &diskModel{durable: map[string][]byte{}, cached: map[string][]byte{}}
		steps := rapid.IntRange(1, 60).Draw(rt, "steps")
		for range steps {
			name := rapid.SampledFrom(names).Draw(rt, "name")
			switch rapid.IntRange(0, 7).Draw(rt, "op") {
			case 0, 1, 2:
				off := rapid.IntRange(0, 40).Draw(rt, "off")
				data := rapid.SliceOfN(rapid.Byte(), 0, 24).Draw(rt, "data")
				if err := d.Write(name, int64(off), data); err != nil {
					rt.Fatal(err)
				}
				m.apply(modelWrite(name, off, bytes.Clone(data)))
			case 3:
				size := rapid.IntRange(0, 50).Draw(rt, "size")
				if err := d.Truncate(name, int64(size)); err != nil {
					rt.Fatal(err)
				}
				m.apply(modelTruncate(name, size))
			case 4:
				d.Remove(name)
				m.apply(modelRemove(name))
			case 5:
				fail := rapid.Bool().Draw(rt, "fail")
				if fail {
					d.FailSyncs(1)
				}
				err := d.Sync()
				if (err != nil) != fail {
					rt.Fatalf("sync returned %v, failure injected: %v", err, fail)
				}
				if !fail {
					for _, op := range m.pending {
						op(m.durable)
					}
				}
				m.pending = nil
			case 6:
				// Damage at rest: a synced file with no write pending
				// (the page cache holds what the platter holds).
				size := len(m.cached[name])
				if _, ok := m.cached[name]; !ok || size == 0 || len(m.pending) > 0 {
					continue
				}
				off := rapid.IntRange(0, size-1).Draw(rt, "flip")
				if err := d.FlipBit(name, int64(off), 2); err != nil {
					rt.Fatal(err)
				}
				m.cached[name][off] ^= 1 << 2
				if off < len(m.durable[name]) {
					m.durable[name][off] ^= 1 << 2
				}
			case 7:
				if err := ps.Crash(0); err != nil {
					rt.Fatal(err)
				}
				if err := ps.Restart(0, time.Millisecond); err != nil {
					rt.Fatal(err)
				}
				ps.RunFor(2 * time.Millisecond)
				d = ps.probe(0).env.Disk()
				m.cached, m.pending = cloneFiles(m.durable), nil
			}
			if err := sim.CheckDiskArrays(d); err != nil {
				rt.Fatal(err)
			}
			for _, n := range names {
				want, exists := m.cached[n]
				got, err := d.ReadAll(n)
				switch {
				case !exists && err == nil:
					rt.Fatalf("file %s exists, the model has none", n)
				case exists && err != nil:
					rt.Fatalf("file %s: %v, the model holds %x", n, err, want)
				case exists && !bytes.Equal(got, want):
					rt.Fatalf("file %s reads %x, the model holds %x", n, got, want)
				}
			}
		}
	})
}

// TestTimedDiskMatchesACopyingModel is the same proof for a disk whose
// fsyncs take time: writes keep arriving while earlier fsyncs are in
// flight, fsyncs complete in order and make durable exactly the writes
// issued before them, failures lose theirs, and a crash keeps only what
// completed.
func TestTimedDiskMatchesACopyingModel(t *testing.T) {
	names := []string{"a", "b"}
	const fsync = time.Millisecond
	rapid.Check(t, func(rt *rapid.T) {
		ps := mustProbeSim(1, time.Millisecond, timedDisks(fsync))
		d := ps.probe(0).env.Disk()
		m := &diskModel{durable: map[string][]byte{}, cached: map[string][]byte{}}
		type modelBarrier struct {
			ops int
			at  sim.Time
		}
		var barriers []modelBarrier
		busy := ps.Now()
		armed := 0
		complete := func() {
			for len(barriers) > 0 && barriers[0].at <= ps.Now() {
				b := barriers[0]
				barriers = barriers[1:]
				if armed > 0 {
					armed--
				} else {
					for _, op := range m.pending[:b.ops] {
						op(m.durable)
					}
				}
				m.pending = m.pending[b.ops:]
				for i := range barriers {
					barriers[i].ops -= b.ops
				}
			}
		}
		steps := rapid.IntRange(1, 80).Draw(rt, "steps")
		for range steps {
			name := rapid.SampledFrom(names).Draw(rt, "name")
			switch rapid.IntRange(0, 8).Draw(rt, "op") {
			case 0, 1, 2:
				off := rapid.IntRange(0, 40).Draw(rt, "off")
				data := rapid.SliceOfN(rapid.Byte(), 0, 24).Draw(rt, "data")
				if err := d.Write(name, int64(off), data); err != nil {
					rt.Fatal(err)
				}
				m.apply(modelWrite(name, off, bytes.Clone(data)))
			case 3:
				size := rapid.IntRange(0, 50).Draw(rt, "size")
				if err := d.Truncate(name, int64(size)); err != nil {
					rt.Fatal(err)
				}
				m.apply(modelTruncate(name, size))
			case 4:
				d.Remove(name)
				m.apply(modelRemove(name))
			case 5:
				if rapid.IntRange(0, 4).Draw(rt, "fail") == 0 {
					d.FailSyncs(1)
					armed++
				}
				if err := d.Sync(); err != nil {
					rt.Fatalf("a timed sync returned %v at once", err)
				}
				covered := 0
				if n := len(barriers); n > 0 {
					covered = barriers[n-1].ops
				}
				if len(m.pending) > covered {
					busy = max(busy, ps.Now()).Add(fsync)
					barriers = append(barriers, modelBarrier{ops: len(m.pending), at: busy})
				}
			case 6, 7:
				ps.RunFor(time.Duration(rapid.IntRange(0, 1500).Draw(rt, "us")) * time.Microsecond)
				complete()
			case 8:
				if err := ps.Crash(0); err != nil {
					rt.Fatal(err)
				}
				if err := ps.Restart(0, 0); err != nil {
					rt.Fatal(err)
				}
				ps.RunFor(0)
				d = ps.probe(0).env.Disk()
				// An fsync failure armed and not yet spent stays armed:
				// it is the device's, not the process's.
				m.cached, m.pending, barriers, busy = cloneFiles(m.durable), nil, nil, ps.Now()
			}
			if err := sim.CheckDiskArrays(d); err != nil {
				rt.Fatal(err)
			}
			for _, n := range names {
				want, exists := m.cached[n]
				got, err := d.ReadAll(n)
				switch {
				case !exists && err == nil:
					rt.Fatalf("file %s exists, the model has none", n)
				case exists && err != nil:
					rt.Fatalf("file %s: %v, the model holds %x", n, err, want)
				case exists && !bytes.Equal(got, want):
					rt.Fatalf("file %s reads %x, the model holds %x", n, got, want)
				}
			}
		}
	})
}
