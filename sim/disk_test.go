package sim_test

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/faultline/faultline/sim"
)

func TestCrashDropsUnsyncedWrites(t *testing.T) {
	ps := mustProbeSim(1, time.Millisecond, nil)
	d := ps.probe(0).env.Disk()
	mustWrite(t, d, "wal", 0, "synced.")
	if err := d.Sync(); err != nil {
		t.Fatal(err)
	}
	mustWrite(t, d, "wal", 7, "volatile")
	mustWrite(t, d, "other", 0, "gone")
	if got := readAll(t, d, "wal"); got != "synced.volatile" {
		t.Fatalf("before the crash reads see %q", got)
	}
	crashAndRestart(t, ps, 0)
	if got := readAll(t, d, "wal"); got != "synced." {
		t.Fatalf("after the crash the file holds %q, want only the synced part", got)
	}
	if d.Size("other") != -1 {
		t.Fatalf("a never-synced file survived the crash")
	}
}

func TestRemoveIsVolatileUntilSync(t *testing.T) {
	ps := mustProbeSim(1, time.Millisecond, nil)
	d := ps.probe(0).env.Disk()
	mustWrite(t, d, "snap", 0, "data")
	mustSync(t, d)
	d.Remove("snap")
	if d.Size("snap") != -1 {
		t.Fatal("removed file still visible")
	}
	crashAndRestart(t, ps, 0)
	if got := readAll(t, d, "snap"); got != "data" {
		t.Fatalf("an unsynced remove was not rolled back by the crash: %q", got)
	}
}

func TestFailedSyncLosesItsWritesForGood(t *testing.T) {
	ps := mustProbeSim(1, time.Millisecond, nil)
	d := ps.probe(0).env.Disk()
	mustWrite(t, d, "wal", 0, "A")
	d.FailSyncs(1)
	if err := d.Sync(); !errors.Is(err, sim.ErrSyncFailed) {
		t.Fatalf("sync returned %v, want ErrSyncFailed", err)
	}
	if got := readAll(t, d, "wal"); got != "A" {
		t.Fatalf("reads after a failed fsync see %q; the page cache should still hold A", got)
	}
	mustSync(t, d) // succeeds, but the failed writes are already gone
	crashAndRestart(t, ps, 0)
	if d.Size("wal") != -1 {
		t.Fatalf("writes covered by a failed fsync became durable")
	}
}

func TestTornWritePersistsAPrefix(t *testing.T) {
	torn := 0
	for seed := uint64(1); seed <= 40; seed++ {
		ps := mustProbeSim(1, time.Millisecond, func(c *sim.Config) { c.Seed = seed })
		d := ps.probe(0).env.Disk()
		payload := bytes.Repeat([]byte("x"), 4*sim.SectorSize)
		if err := d.Write("wal", 0, payload); err != nil {
			t.Fatal(err)
		}
		d.TearOnNextCrash()
		crashAndRestart(t, ps, 0)
		size := d.Size("wal")
		if size > int64(len(payload)) {
			t.Fatalf("seed %d: torn write left %d bytes, more than written", seed, size)
		}
		if size > 0 && size < int64(len(payload)) {
			torn++
		}
	}
	if torn == 0 {
		t.Fatal("no seed tore the write partway")
	}
}

func TestBitFlipIsSeenByReads(t *testing.T) {
	ps := mustProbeSim(1, time.Millisecond, nil)
	d := ps.probe(0).env.Disk()
	mustWrite(t, d, "wal", 0, "AAAA")
	mustSync(t, d)
	if err := d.FlipBit("wal", 2, 0); err != nil {
		t.Fatal(err)
	}
	if got := readAll(t, d, "wal"); got != "AA@A" {
		t.Fatalf("read %q after flipping bit 0 of byte 2", got)
	}
	crashAndRestart(t, ps, 0)
	if got := readAll(t, d, "wal"); got != "AA@A" {
		t.Fatalf("the flip did not persist: %q", got)
	}
	if err := d.FlipBit("wal", 99, 0); !errors.Is(err, sim.ErrInvalidIO) {
		t.Fatalf("flipping past the end returned %v", err)
	}
	if name, off, ok := d.CorruptRandom(); !ok || name != "wal" || off < 0 || off > 3 {
		t.Fatalf("CorruptRandom chose %s@%d ok=%v", name, off, ok)
	}
}

func TestMisdirectedWriteLandsElsewhere(t *testing.T) {
	ps := mustProbeSim(1, time.Millisecond, nil)
	d := ps.probe(0).env.Disk()
	d.MisdirectWrites(1)
	mustWrite(t, d, "wal", 0, "target")
	buf := make([]byte, 6)
	if _, err := d.Read("wal", 0, buf); err != nil {
		t.Fatal(err)
	}
	if string(buf) == "target" {
		t.Fatal("the misdirected write landed on its target")
	}
	content := readAll(t, d, "wal")
	if !bytes.Contains([]byte(content), []byte("target")) || len(content)%sim.SectorSize != 6 {
		t.Fatalf("misdirected write not found a whole number of sectors away (file is %d bytes)", len(content))
	}
}

func TestDiskRejectsBadOffsets(t *testing.T) {
	ps := mustProbeSim(1, time.Millisecond, nil)
	d := ps.probe(0).env.Disk()
	if err := d.Write("f", -1, []byte("x")); !errors.Is(err, sim.ErrInvalidIO) {
		t.Fatalf("negative offset: %v", err)
	}
	if err := d.Write("f", sim.FileSizeMax, []byte("x")); !errors.Is(err, sim.ErrInvalidIO) {
		t.Fatalf("past the size limit: %v", err)
	}
	if _, err := d.Read("missing", 0, make([]byte, 1)); !errors.Is(err, sim.ErrNotExist) {
		t.Fatalf("missing file: %v", err)
	}
	mustWrite(t, d, "f", 0, "ab")
	if n, err := d.Read("f", 1, make([]byte, 4)); n != 1 || err != io.EOF {
		t.Fatalf("short read returned %d, %v", n, err)
	}
}

func mustWrite(t *testing.T, d *sim.Disk, name string, off int64, s string) {
	t.Helper()
	if err := d.Write(name, off, []byte(s)); err != nil {
		t.Fatal(err)
	}
}

func mustSync(t *testing.T, d *sim.Disk) {
	t.Helper()
	if err := d.Sync(); err != nil {
		t.Fatal(err)
	}
}

func readAll(t *testing.T, d *sim.Disk, name string) string {
	t.Helper()
	b, err := d.ReadAll(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func crashAndRestart(t *testing.T, ps *probeSim, id sim.NodeID) {
	t.Helper()
	if err := ps.Crash(id); err != nil {
		t.Fatal(err)
	}
	if err := ps.Restart(id, time.Millisecond); err != nil {
		t.Fatal(err)
	}
	ps.RunFor(2 * time.Millisecond)
}

// Synced content and the page cache share memory until a write lands on
// what is durable; these cases change cached data under a synced prefix
// and check that the platter keeps its own copy.
func TestUnsyncedOverwritesNeverReachThePlatter(t *testing.T) {
	truncate := func(d *sim.Disk, size int64) {
		if err := d.Truncate("f", size); err != nil {
			t.Fatal(err)
		}
	}
	cases := []struct {
		name   string
		change func(d *sim.Disk)
		reads  string // what the page cache shows before the crash
	}{
		{"overwrite inside", func(d *sim.Disk) { mustWrite(t, d, "f", 1, "xy") }, "AxyD"},
		{"truncate then append", func(d *sim.Disk) {
			truncate(d, 1)
			mustWrite(t, d, "f", 1, "zzzzzz")
		}, "Azzzzzz"},
		{"truncate then extend with zeros", func(d *sim.Disk) { truncate(d, 1); truncate(d, 3) }, "A\x00\x00"},
		{"truncate then overwrite what is left", func(d *sim.Disk) {
			truncate(d, 3)
			mustWrite(t, d, "f", 0, "zz")
		}, "zzC"},
		{"append then overwrite inside", func(d *sim.Disk) {
			mustWrite(t, d, "f", 4, "EFGH")
			mustWrite(t, d, "f", 2, "zzzz")
		}, "ABzzzzGH"},
		{"remove then recreate", func(d *sim.Disk) { d.Remove("f"); mustWrite(t, d, "f", 0, "new") }, "new"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ps := mustProbeSim(1, time.Millisecond, nil)
			d := ps.probe(0).env.Disk()
			mustWrite(t, d, "f", 0, "ABCD")
			mustSync(t, d)
			tc.change(d)
			if got := readAll(t, d, "f"); got != tc.reads {
				t.Fatalf("before the crash the file reads %q, want %q", got, tc.reads)
			}
			crashAndRestart(t, ps, 0)
			if got := readAll(t, d, "f"); got != "ABCD" {
				t.Fatalf("after the crash the file holds %q, want the synced ABCD", got)
			}
			mustWrite(t, d, "f", 4, "E") // and it goes on working
			mustSync(t, d)
			crashAndRestart(t, ps, 0)
			if got := readAll(t, d, "f"); got != "ABCDE" {
				t.Fatalf("then %q", got)
			}
		})
	}
}
