package sim_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/sim"
)

func TestDamageNewestWriteGarblesTheWriteThatReachedThePlatterLast(t *testing.T) {
	ps := mustProbeSim(1, time.Millisecond, nil)
	d := ps.probe(0).env.Disk()
	mustWrite(t, d, "log-1", 0, "older records.")
	mustSync(t, d)
	mustWrite(t, d, "log-1", 14, "NEWEST")
	mustWrite(t, d, "mark", 0, "written after the log, but not a log file")
	mustSync(t, d)
	mustWrite(t, d, "log-1", 20, "never synced")
	if _, _, _, err := ps.DamageNewestWrite(0, "log-", 8); !errors.Is(err, sim.ErrNodeState) {
		t.Fatalf("damage on a running node: %v, want ErrNodeState", err)
	}
	if err := ps.Crash(0); err != nil {
		t.Fatal(err)
	}
	name, off, n, err := ps.DamageNewestWrite(0, "log-", 8)
	if err != nil || name != "log-1" || off != 14 || n != 6 {
		t.Fatalf("damaged %s at %d, %d bytes (err %v); want log-1 at 14, the 6 bytes of the newest synced write", name, off, n, err)
	}
	got := readAll(t, d, "log-1")
	if got[:14] != "older records." || len(got) != 20 {
		t.Fatalf("the file reads %q: the damage reached past the newest write", got)
	}
	for i := 14; i < 20; i++ {
		if got[i] == "NEWEST"[i-14] {
			t.Fatalf("byte %d of the newest write survived: %q", i, got)
		}
	}
	if readAll(t, d, "mark") != "written after the log, but not a log file" || d.Stats().BytesDamaged != 6 {
		t.Fatalf("a file outside the prefix changed, or %d bytes counted damaged", d.Stats().BytesDamaged)
	}
	// The damage is at rest: it survives the restart.
	if err := ps.Restart(0, time.Millisecond); err != nil {
		t.Fatal(err)
	}
	ps.RunFor(2 * time.Millisecond)
	if readAll(t, d, "log-1") != got {
		t.Fatal("the damage did not survive the restart")
	}
}

func TestDamageNewestWriteTakesAtMostItsSectors(t *testing.T) {
	ps := mustProbeSim(1, time.Millisecond, nil)
	d := ps.probe(0).env.Disk()
	mustWrite(t, d, "log-1", 0, strings.Repeat("a", 3*sim.SectorSize))
	mustSync(t, d)
	if err := ps.Crash(0); err != nil {
		t.Fatal(err)
	}
	if _, off, n, err := ps.DamageNewestWrite(0, "", 2); err != nil || off != sim.SectorSize || n != 2*sim.SectorSize {
		t.Fatalf("damaged %d bytes at %d (err %v), want the last two sectors", n, off, err)
	}
	if got := readAll(t, d, "log-1"); got[:sim.SectorSize] != strings.Repeat("a", sim.SectorSize) {
		t.Fatal("the first sector changed")
	}
	if _, _, n, err := ps.DamageNewestWrite(0, "snap-", 1); err != nil || n != 0 {
		t.Fatalf("damage with no file under the prefix: %d bytes, %v; want nothing to damage", n, err)
	}
	if _, _, _, err := ps.DamageNewestWrite(0, "", 0); !errors.Is(err, sim.ErrInvalidIO) {
		t.Fatalf("damage of no sectors: %v, want ErrInvalidIO", err)
	}
}

func TestDamageNewestWriteKeepsWithinAFileCutSince(t *testing.T) {
	ps := mustProbeSim(1, time.Millisecond, timedDisks(time.Millisecond))
	d := ps.probe(0).env.Disk()
	mustWrite(t, d, "log-1", 0, "0123456789")
	mustSync(t, d)
	mustWrite(t, d, "log-1", 10, "abcdef")
	mustSync(t, d)
	ps.RunFor(3 * time.Millisecond) // both fsyncs complete, one after the other
	if err := d.Truncate("log-1", 8); err != nil {
		t.Fatal(err)
	}
	mustSync(t, d)
	ps.RunFor(2 * time.Millisecond)
	if err := ps.Crash(0); err != nil {
		t.Fatal(err)
	}
	if _, off, n, err := ps.DamageNewestWrite(0, "log-", 1); err != nil || off != 0 || n != 8 {
		t.Fatalf("damaged %d bytes at %d (err %v), want the 8 bytes left before the cut", n, off, err)
	}
}

func TestLoseNewestFileLosesTheFileCreatedLast(t *testing.T) {
	ps := mustProbeSim(1, time.Millisecond, nil)
	d := ps.probe(0).env.Disk()
	mustWrite(t, d, "log-1", 0, "first segment")
	mustSync(t, d)
	mustWrite(t, d, "log-2", 0, "second segment")
	mustSync(t, d)
	mustWrite(t, d, "log-1", 13, ", written to later")
	mustWrite(t, d, "mark", 0, "created last, not a log file")
	mustSync(t, d)
	mustWrite(t, d, "log-3", 0, "never synced")
	if _, _, err := ps.LoseNewestFile(0, "log-"); !errors.Is(err, sim.ErrNodeState) {
		t.Fatalf("loss on a running node: %v, want ErrNodeState", err)
	}
	if err := ps.Crash(0); err != nil {
		t.Fatal(err)
	}
	name, size, err := ps.LoseNewestFile(0, "log-")
	if err != nil || name != "log-2" || size != 14 {
		t.Fatalf("lost %s (%d bytes), err %v; want log-2, created last of the log files that exist", name, size, err)
	}
	if files := strings.Join(d.Files(), " "); files != "log-1 mark" || d.Stats().LostFiles != 1 {
		t.Fatalf("files left: %s, %d lost; want log-1 mark, 1", files, d.Stats().LostFiles)
	}
	if name, _, _ := ps.LoseNewestFile(0, "log-"); name != "log-1" {
		t.Fatalf("then lost %q, want log-1", name)
	}
	if name, _, err := ps.LoseNewestFile(0, "log-"); name != "" || err != nil {
		t.Fatalf("with no log file left lost %q (%v), want nothing", name, err)
	}
	// A file created again is new: it is the newest once more.
	if err := ps.Restart(0, time.Millisecond); err != nil {
		t.Fatal(err)
	}
	ps.RunFor(2 * time.Millisecond)
	mustWrite(t, d, "log-1", 0, "again")
	mustSync(t, d)
	if err := ps.Crash(0); err != nil {
		t.Fatal(err)
	}
	if name, _, _ := ps.LoseNewestFile(0, ""); name != "log-1" {
		t.Fatalf("lost %q, want the recreated log-1", name)
	}
}

func TestNewestFollowsTheTornPrefixThatPersisted(t *testing.T) {
	ps := mustProbeSim(1, time.Millisecond, nil)
	d := ps.probe(0).env.Disk()
	mustWrite(t, d, "log-1", 0, "synced")
	mustSync(t, d)
	mustWrite(t, d, "log-2", 0, strings.Repeat("x", 4*sim.SectorSize))
	d.TearOnNextCrash()
	if err := ps.Crash(0); err != nil {
		t.Fatal(err)
	}
	name, _, n, err := ps.DamageNewestWrite(0, "log-", 8)
	switch {
	case err != nil:
		t.Fatal(err)
	case d.Size("log-2") > 0:
		if name != "log-2" || n != d.Size("log-2") {
			t.Fatalf("damaged %d bytes of %s; want all %d bytes of the torn prefix of log-2", n, name, d.Size("log-2"))
		}
	case name != "log-1" || n != 6:
		t.Fatalf("damaged %d bytes of %s; with nothing of log-2 persisted, want the 6 bytes of log-1", n, name)
	}
}
