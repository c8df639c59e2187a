package sim_test

import (
	"encoding/binary"
	"errors"
	"hash/crc32"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/sim"
)

// timedDisks gives every node of a probe simulation a disk whose fsync
// takes exactly d.
func timedDisks(d time.Duration) func(*sim.Config) {
	return func(cfg *sim.Config) {
		for i := range cfg.Nodes {
			cfg.Nodes[i].Disk = sim.DiskTiming{Sync: sim.FixedLatency(d)}
		}
	}
}

func TestATimedSyncIsDurableOnlyWhenItCompletes(t *testing.T) {
	ps := mustProbeSim(1, time.Millisecond, timedDisks(2*time.Millisecond))
	d := ps.probe(0).env.Disk()
	mustWrite(t, d, "wal", 0, "entry")
	mustSync(t, d)
	ticket, durable, err := d.Barrier()
	if err != nil || durable || ticket != 1 {
		t.Fatalf("barrier right after the sync: ticket %d durable %v err %v, want 1, false, nil", ticket, durable, err)
	}
	// A crash one microsecond before the fsync completes loses the write.
	ps.RunFor(2*time.Millisecond - time.Microsecond)
	crashAndRestart(t, ps, 0)
	if d.Size("wal") != -1 || d.Stats().LostWrites != 1 {
		t.Fatalf("after a crash mid-fsync the file has %d bytes and %d writes were lost, want none and 1",
			d.Size("wal"), d.Stats().LostWrites)
	}
	if len(ps.lives[0][0].disk) != 0 {
		t.Fatalf("the crashed life heard of an fsync that never completed: %+v", ps.lives[0][0].disk)
	}
	// The same again, but the fsync completes: the node hears of it then.
	mustWrite(t, d, "wal", 0, "entry")
	mustSync(t, d)
	start := ps.Now()
	ps.RunFor(2 * time.Millisecond)
	p := ps.probe(0)
	if len(p.disk) != 1 || p.disk[0].at != start.Add(2*time.Millisecond) || p.disk[0].data != "" {
		t.Fatalf("DiskDone calls %+v, want one, 2ms after the sync, without error", p.disk)
	}
	if _, durable, _ := d.Barrier(); !durable {
		t.Fatal("the barrier is not durable after its fsync completed")
	}
	crashAndRestart(t, ps, 0)
	if got := readAll(t, d, "wal"); got != "entry" {
		t.Fatalf("after the fsync completed and a crash the file holds %q", got)
	}
}

func TestFsyncsCompleteInOrderAndCoverOnlyEarlierWrites(t *testing.T) {
	ps := mustProbeSim(1, time.Millisecond, timedDisks(time.Millisecond))
	d := ps.probe(0).env.Disk()
	mustWrite(t, d, "wal", 0, "first.")
	mustSync(t, d)
	ps.RunFor(500 * time.Microsecond)
	mustWrite(t, d, "wal", 6, "second")
	mustSync(t, d) // queued behind the first: completes at 2ms
	ps.RunFor(time.Millisecond)
	// The first fsync completed at 1ms; the second is still in flight.
	crashAndRestart(t, ps, 0)
	if got := readAll(t, d, "wal"); got != "first." {
		t.Fatalf("the file holds %q, want only what the completed fsync covered", got)
	}
}

func TestAFailedTimedFsyncIsReportedWhenItCompletes(t *testing.T) {
	ps := mustProbeSim(1, time.Millisecond, timedDisks(time.Millisecond))
	d := ps.probe(0).env.Disk()
	d.FailSyncs(1)
	mustWrite(t, d, "wal", 0, "doomed")
	mustSync(t, d) // queued: the failure is known only when it completes
	ps.RunFor(time.Millisecond)
	p := ps.probe(0)
	if len(p.disk) != 1 || !strings.Contains(p.disk[0].data, "fsync failed") {
		t.Fatalf("DiskDone calls %+v, want one reporting the failed fsync", p.disk)
	}
	crashAndRestart(t, ps, 0)
	if d.Size("wal") != -1 {
		t.Fatal("a write whose fsync failed survived the crash")
	}
}

func TestAPausedNodeHearsOfItsFsyncWhenItResumes(t *testing.T) {
	ps := mustProbeSim(1, time.Millisecond, timedDisks(time.Millisecond))
	d := ps.probe(0).env.Disk()
	mustWrite(t, d, "wal", 0, "x")
	mustSync(t, d)
	if err := ps.Pause(0); err != nil {
		t.Fatal(err)
	}
	ps.RunFor(5 * time.Millisecond)
	if _, durable, _ := d.Barrier(); !durable {
		t.Fatal("the device did not finish its fsync while the process was frozen")
	}
	if n := len(ps.probe(0).disk); n != 0 {
		t.Fatalf("a paused node heard of %d fsyncs", n)
	}
	if err := ps.Resume(0); err != nil {
		t.Fatal(err)
	}
	ps.RunFor(0)
	if n := len(ps.probe(0).disk); n != 1 {
		t.Fatalf("after resuming the node heard of %d fsyncs, want 1", n)
	}
}

func TestACrashWithAnFsyncInFlightTearsAnArmedWrite(t *testing.T) {
	ps := mustProbeSim(1, time.Millisecond, timedDisks(time.Millisecond))
	d := ps.probe(0).env.Disk()
	// Many sectors per write, so that a random tear almost never keeps a
	// whole one; several seeds' worth of tries make it certain.
	torn := int64(0)
	for try := range 20 {
		name := "seg" + string(rune('a'+try))
		mustWrite(t, d, name, 0, strings.Repeat("x", 64*sim.SectorSize))
		mustSync(t, d)
		d.TearOnNextCrash()
		crashAndRestart(t, ps, 0)
		torn = d.Stats().BytesTorn
		if d.Stats().TornWrites > 0 {
			break
		}
	}
	if d.Stats().TornWrites == 0 || torn == 0 {
		t.Fatalf("twenty crashes with a torn write armed and an fsync in flight tore nothing: %+v", d.Stats())
	}
}

func TestSlowDiskStretchesFsyncs(t *testing.T) {
	ps := mustProbeSim(1, time.Millisecond, timedDisks(time.Millisecond))
	if err := ps.SetDiskSlow(0, 10); err != nil {
		t.Fatal(err)
	}
	d := ps.probe(0).env.Disk()
	mustWrite(t, d, "wal", 0, "x")
	mustSync(t, d)
	ps.RunFor(9 * time.Millisecond)
	if _, durable, _ := d.Barrier(); durable {
		t.Fatal("a disk ten times slower finished a 1ms fsync within 9ms")
	}
	ps.RunFor(time.Millisecond)
	if _, durable, _ := d.Barrier(); !durable {
		t.Fatal("a disk ten times slower did not finish a 1ms fsync in 10ms")
	}
	if err := ps.SetDiskSlow(0, 0); err == nil {
		t.Fatal("a slow-disk factor of 0 was accepted")
	}
}

// withCRC appends the CRC-32C of b to b, as many wire formats do: the
// CRC of the result is then the same constant whatever b holds.
func withCRC(b []byte) []byte {
	return binary.LittleEndian.AppendUint32(b, crc32.Checksum(b, crc32.MakeTable(crc32.Castagnoli)))
}

// hashOfOneRun sends msg from p1 to p2 and writes data to p1's disk, and
// returns the trace hash.
func hashOfOneRun(t *testing.T, msg, data []byte) uint64 {
	t.Helper()
	ps := mustProbeSim(2, time.Millisecond, nil)
	ps.probe(0).env.Send(1, msg)
	mustWrite(t, ps.probe(0).env.Disk(), "wal", 0, string(data))
	ps.RunFor(10 * time.Millisecond)
	if len(ps.probe(1).messages) != 1 {
		t.Fatal("the message did not arrive")
	}
	return ps.TraceHash()
}

func TestTheTraceHashCoversWhatWasSaidAndWritten(t *testing.T) {
	a, b := []byte("transfer 100 to account 7"), []byte("transfer 900 to account 7")
	if crc32.Checksum(withCRC(a), crc32.MakeTable(crc32.Castagnoli)) != crc32.Checksum(withCRC(b), crc32.MakeTable(crc32.Castagnoli)) {
		t.Fatal("the premise of this test broke: messages ending in their own CRC-32C share its residue")
	}
	base := hashOfOneRun(t, withCRC(a), []byte("entry"))
	if again := hashOfOneRun(t, withCRC(a), []byte("entry")); again != base {
		t.Fatalf("the same run gave hashes %x and %x", base, again)
	}
	if other := hashOfOneRun(t, withCRC(b), []byte("entry")); other == base {
		t.Fatal("two runs whose messages differ in one byte share a trace hash")
	}
	if other := hashOfOneRun(t, withCRC(a), []byte("entrY")); other == base {
		t.Fatal("two runs whose disk writes differ in one byte share a trace hash")
	}
}

func TestACrashPointAfterASendCrashesRightAfterTheHandler(t *testing.T) {
	ps := mustProbeSim(2, time.Millisecond, timedDisks(time.Millisecond))
	vote := func(msg []byte) bool { return string(msg) == "vote" }
	if err := ps.CrashAfterSend(0, "after-vote", time.Second, vote); err != nil {
		t.Fatal(err)
	}
	p := ps.probe(0)
	p.env.Send(1, []byte("hello")) // not the moment: no crash
	ps.RunFor(time.Millisecond)
	if !ps.IsUp(0) {
		t.Fatal("a message the crash point does not wait for crashed the node")
	}
	p.env.Send(1, []byte("vote"))
	if !ps.IsUp(0) {
		t.Fatal("the node crashed inside the handler that sent the vote")
	}
	ps.RunFor(0)
	if ps.IsUp(0) || ps.CrashPointsFired(0) != 1 {
		t.Fatalf("up %v, fired %d: the crash point did not crash the node right after the send", ps.IsUp(0), ps.CrashPointsFired(0))
	}
	ps.RunFor(10 * time.Millisecond)
	if got := len(ps.probe(1).messages); got != 2 {
		t.Fatalf("the peer got %d messages, want both: the vote left before the crash", got)
	}
}

// TestAPausePointFreezesTheNodeUntilResume: a pause point freezes the node
// right after the send it waits for, the message leaves, and what reaches
// the node meanwhile waits for the resume, which delivers it.
func TestAPausePointFreezesTheNodeUntilResume(t *testing.T) {
	ps := mustProbeSim(2, time.Millisecond, timedDisks(time.Millisecond))
	ack := func(msg []byte) bool { return string(msg) == "ack" }
	if err := ps.PauseAfterSend(0, "after-append-ack", time.Second, ack); err != nil {
		t.Fatal(err)
	}
	p := ps.probe(0)
	p.env.Send(1, []byte("ack"))
	ps.RunFor(0)
	if ps.IsUp(0) || ps.IsDown(0) || ps.PausePointsFired(0) != 1 || ps.CrashPointsFired(0) != 0 {
		t.Fatalf("up %v, down %v, pause points %d, crash points %d: want the node frozen, not crashed",
			ps.IsUp(0), ps.IsDown(0), ps.PausePointsFired(0), ps.CrashPointsFired(0))
	}
	ps.probe(1).env.Send(0, []byte("timeout-now"))
	ps.RunFor(10 * time.Millisecond)
	if len(ps.probe(1).messages) != 1 || len(p.messages) != 0 {
		t.Fatalf("peer got %d, frozen node got %d: want the ack out and the reply held", len(ps.probe(1).messages), len(p.messages))
	}
	if err := ps.Resume(0); err != nil {
		t.Fatal(err)
	}
	ps.RunFor(0)
	if !ps.IsUp(0) || len(p.messages) != 1 || p.messages[0].data != "timeout-now" {
		t.Fatalf("after the resume: up %v, messages %+v", ps.IsUp(0), p.messages)
	}
}

func TestAnArmedCrashPointExpires(t *testing.T) {
	ps := mustProbeSim(2, time.Millisecond, nil)
	if err := ps.CrashAfterSend(0, "after-vote", time.Millisecond, func([]byte) bool { return true }); err != nil {
		t.Fatal(err)
	}
	ps.RunFor(2 * time.Millisecond)
	ps.probe(0).env.Send(1, []byte("late"))
	ps.RunFor(time.Millisecond)
	if !ps.IsUp(0) || ps.CrashPointsFired(0) != 0 {
		t.Fatal("a crash point fired after its window closed")
	}
}

func TestACrashPointDuringAnFsyncLosesItsWrites(t *testing.T) {
	ps := mustProbeSim(1, time.Millisecond, timedDisks(4*time.Millisecond))
	if err := ps.CrashDuringFsync(0, time.Second); err != nil {
		t.Fatal(err)
	}
	d := ps.probe(0).env.Disk()
	mustWrite(t, d, "wal", 0, "in flight")
	mustSync(t, d)
	ps.RunFor(10 * time.Millisecond)
	if ps.IsUp(0) || ps.CrashPointsFired(0) != 1 {
		t.Fatal("the node did not crash during its fsync")
	}
	if len(ps.lives[0][0].disk) != 0 {
		t.Fatal("the fsync completed before the crash that was to land inside it")
	}
	if d.Size("wal") != -1 || d.Stats().LostWrites != 1 {
		t.Fatalf("after a crash mid-fsync: file size %d, lost writes %d", d.Size("wal"), d.Stats().LostWrites)
	}
}

func TestIOErrorsFailOperationsAndAFailedFsyncLosesItsWrites(t *testing.T) {
	ps := mustProbeSim(1, time.Millisecond, timedDisks(time.Millisecond))
	d := ps.probe(0).env.Disk()
	mustWrite(t, d, "wal", 0, "synced")
	mustSync(t, d)
	ps.RunFor(time.Millisecond)
	if err := d.SetIOErrors(1); err != nil {
		t.Fatal(err)
	}
	if err := d.Write("wal", 6, []byte("x")); !errors.Is(err, sim.ErrIO) {
		t.Fatalf("write: %v, want ErrIO", err)
	}
	if err := d.Truncate("wal", 0); !errors.Is(err, sim.ErrIO) {
		t.Fatalf("truncate: %v, want ErrIO", err)
	}
	if _, err := d.ReadAll("wal"); !errors.Is(err, sim.ErrIO) {
		t.Fatalf("read: %v, want ErrIO", err)
	}
	if err := d.Sync(); err != nil {
		t.Fatalf("an fsync with nothing to write failed: %v", err)
	}
	if err := d.SetIOErrors(0); err != nil {
		t.Fatal(err)
	}
	if got := readAll(t, d, "wal"); got != "synced" {
		t.Fatalf("failed operations changed the file: %q", got)
	}
	mustWrite(t, d, "wal", 6, "+lost")
	if err := d.SetIOErrors(1); err != nil {
		t.Fatal(err)
	}
	if _, _, err := d.Barrier(); !errors.Is(err, sim.ErrIO) {
		t.Fatalf("barrier: %v, want ErrIO", err)
	}
	if err := d.SetIOErrors(0); err != nil {
		t.Fatal(err)
	}
	if got := readAll(t, d, "wal"); got != "synced+lost" {
		t.Fatalf("reads after a failed fsync see %q; the page cache should still hold the write", got)
	}
	mustSync(t, d) // issues nothing: the failed fsync's writes are gone
	ps.RunFor(time.Millisecond)
	crashAndRestart(t, ps, 0)
	if got := readAll(t, d, "wal"); got != "synced" || d.Stats().IOErrors != 4 {
		t.Fatalf("after the crash the file holds %q with %d io errors, want only the synced part and 4", got, d.Stats().IOErrors)
	}
	if err := d.SetIOErrors(1.5); err == nil {
		t.Fatal("a rate above 1 was accepted")
	}
}

// A log appended to while earlier fsyncs are in flight, the WAL's hot
// path, keeps its durable and cached copies in one array as it grows:
// growing moves both copies, and each completed fsync only lengthens
// durable's view. (Copies that went apart would make every append be
// copied twice, into two separately growing arrays.)
func TestPipelinedLogStaysSharedAsItGrows(t *testing.T) {
	s := diskSim(2)(t)
	s.Run(0)
	const fsyncs = 1200 // appends of 200 bytes, short of the cut at logBytesMax: ~10 doublings
	for i := range fsyncs {
		if !s.Step() {
			t.Fatal("ran out of events")
		}
		if !sim.FileShared(s.Disk(0), "log") {
			t.Fatalf("after %d fsyncs the log's copies are apart", i+1)
		}
		if err := sim.CheckDiskArrays(s.Disk(0)); err != nil {
			t.Fatal(err)
		}
	}
	if size := s.Disk(0).Size("log"); size < fsyncs*200 {
		t.Fatalf("the log grew to %d bytes only", size)
	}
}
