package sim

import (
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"sort"
)

// Errors a Disk returns. Callers branch on them with errors.Is.
var (
	// ErrSyncFailed is returned by Sync when the simulation injects an fsync
	// failure. As on Linux after a failed fsync, the writes it covered are
	// not durable and never will be, though reads still see them until the
	// node crashes: a correct node treats this as fatal.
	ErrSyncFailed = errors.New("sim: fsync failed")
	// ErrNotExist is returned when reading a file that does not exist.
	ErrNotExist = errors.New("sim: file does not exist")
	// ErrInvalidIO is returned for a negative offset or a file grown past
	// FileSizeMax.
	ErrInvalidIO = errors.New("sim: invalid disk operation")
	// ErrIO is returned by a read, write, truncation or fsync that the
	// simulation made fail, as a failing device's EIO (see SetIOErrors).
	ErrIO = errors.New("sim: input/output error")
)

// FileSizeMax bounds one simulated file. Past it a write fails: a node that
// grows a file without bound has a bug the simulation should surface.
const FileSizeMax = 1 << 30

// SectorSize is the unit in which a torn write persists and by which a
// misdirected write misses its target.
const SectorSize = 512

// Disk is a node's simulated storage: named files of bytes. Writes are
// volatile until a Sync covering them completes; a crash drops every write
// not yet durable. Fault hooks (torn writes, bit flips, misdirected writes,
// fsync failures, slow disks) are armed by the harness and drawn from the
// disk's own random stream. How long operations take is the node's
// DiskTiming: with one set, a Sync completes later, as an event.
type Disk struct {
	sim    *Sim
	owner  NodeID
	rng    *rand.Rand
	timing DiskTiming
	files  map[string]*diskFile
	// pending are the writes not yet durable, in order: what a crash
	// loses, and what a torn write persists a prefix of.
	pending []diskOp
	// covered counts the pending writes an issued fsync covers (always
	// all of them on an instantaneous disk, which completes it at once).
	covered int
	// barriers are the issued fsyncs of a timed disk, oldest first; each
	// completes at its time, behind the one before (busyUntil is when the
	// last completes). issued and done number them.
	barriers     []barrier
	busyUntil    Time
	issued, done uint64
	// failed: an fsync of this life failed, so its writes are lost for good.
	failed     bool
	slowFactor int
	// pendingData holds the bytes of the pending writes, one after another:
	// a write copies its data here rather than into an allocation of its
	// own, and the buffer is reused once Sync or a crash settles them.
	pendingData []byte

	syncFailures    int    // the next n Syncs fail
	ioErrorPPM      uint64 // each read, write, truncation and fsync fails with ErrIO at this rate
	misdirectNext   int    // the next n writes land at a wrong offset
	tornOnNextCrash bool   // the next crash persists a torn prefix of pending

	// landings counts the changes that became durable, in order: the
	// stamps of diskFile.born and diskFile.written.
	landings uint64

	stats DiskStats
}

// DiskStats counts a disk's activity and what its faults did: the writes
// a crash dropped, and the writes it tore.
type DiskStats struct {
	Writes       int64
	BytesWritten int64
	Syncs        int64
	SyncFailures int64
	// LostWrites counts pending writes, truncations and removals that
	// crashes dropped; TornWrites the writes crashes persisted only in
	// part, and BytesTorn the bytes of them that did not persist.
	LostWrites int64
	TornWrites int64
	BytesTorn  int64
	// TornCrashes counts crashes that found a torn write armed and
	// writes pending, so that a prefix of them persisted; Misdirected
	// counts writes that landed at a wrong offset.
	TornCrashes int64
	Misdirected int64
	// LostDisks counts the times the disk was replaced by a blank one.
	LostDisks int64
	// IOErrors counts the operations that failed with ErrIO.
	IOErrors int64
	// BytesDamaged counts the bytes that latent sector errors garbled at
	// rest (DamageNewestWrite); LostFiles the files whose directory entry
	// was lost (LoseNewestFile).
	BytesDamaged int64
	LostFiles    int64
}

// diskOp is one volatile change: a write, a truncate or a removal.
type diskOp struct {
	kind diskOpKind
	name string
	// file is the file it changes, looked up once when it is issued: an
	// entry of Disk.files is never replaced while ops on it are pending
	// (only LoseDisk replaces them, on a node that is down).
	file *diskFile
	off  int64
	data []byte
	// dataAt is where data starts in Disk.pendingData, so that the
	// buffer can be compacted while later writes are still pending.
	dataAt int
}

type diskOpKind uint8

const (
	opWrite diskOpKind = iota + 1
	opTruncate
	opRemove
)

func newDisk(s *Sim, owner NodeID, rng *rand.Rand, timing DiskTiming) *Disk {
	return &Disk{sim: s, owner: owner, rng: rng, timing: timing, files: make(map[string]*diskFile)}
}

// Stats returns the disk's counters.
func (d *Disk) Stats() DiskStats { return d.stats }

// Write writes p at offset off of file name, creating the file and zero
// filling any gap. The write is volatile until Sync. An armed misdirected
// write lands at another offset instead, silently, as real firmware does.
func (d *Disk) Write(name string, off int64, p []byte) error {
	if off < 0 || off+int64(len(p)) > FileSizeMax {
		return fmt.Errorf("write %s at %d (%d bytes): %w", name, off, len(p), ErrInvalidIO)
	}
	if err := d.ioFails("write", name); err != nil {
		return err
	}
	if d.misdirectNext > 0 {
		d.misdirectNext--
		off = d.misdirect(name, off)
	}
	if len(d.pendingData)+len(p) > cap(d.pendingData) && len(d.pending) > 0 && d.pending[0].dataAt > 0 {
		// Reuse the room of settled writes before growing: a disk whose
		// fsyncs overlap never empties the buffer.
		d.compactPending()
	}
	start := len(d.pendingData)
	if need := start + len(p); need > cap(d.pendingData) {
		// Double (append grows large buffers by only 1.25x): the buffer
		// is kept across Syncs, so it settles at the largest batch.
		grown := make([]byte, start, max(need, 2*cap(d.pendingData)))
		copy(grown, d.pendingData)
		d.pendingData = grown
	}
	d.pendingData = append(d.pendingData, p...)
	// The op's view is capped so that nothing can append into a later
	// write's bytes; if the buffer moves as it grows, the view keeps the
	// old array, which holds the same bytes.
	op := diskOp{kind: opWrite, name: name, file: d.file(name), off: off, data: d.pendingData[start:len(d.pendingData):len(d.pendingData)], dataAt: start}
	d.sim.trace.diskWrite(d.owner, name, off, p)
	d.apply(op, false)
	d.pending = append(d.pending, op)
	d.stats.Writes++
	d.stats.BytesWritten += int64(len(p))
	return nil
}

// misdirect picks the wrong offset a misdirected write lands at: a few
// sectors away from where it was aimed, never before the start of the file.
func (d *Disk) misdirect(name string, off int64) int64 {
	shift := int64(1+d.rng.IntN(8)) * SectorSize
	if off >= shift && d.rng.IntN(2) == 0 {
		off -= shift
	} else {
		off += shift
	}
	d.stats.Misdirected++
	d.sim.trace.disk(d.sim.now, d.owner, "misdirected-write", name, off)
	return off
}

// Read reads into p from offset off of file name, as the node's page cache
// sees it. It returns io.EOF when off is at or past the end of the file, and
// a short count when the file ends inside p.
func (d *Disk) Read(name string, off int64, p []byte) (int, error) {
	f, ok := d.files[name]
	if !ok || f.cached == nil {
		return 0, fmt.Errorf("read %s: %w", name, ErrNotExist)
	}
	if off < 0 {
		return 0, fmt.Errorf("read %s at %d: %w", name, off, ErrInvalidIO)
	}
	if err := d.ioFails("read", name); err != nil {
		return 0, err
	}
	if off >= int64(len(f.cached)) {
		return 0, io.EOF
	}
	n := copy(p, f.cached[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// ReadAll returns a copy of the whole file name.
func (d *Disk) ReadAll(name string) ([]byte, error) {
	f, ok := d.files[name]
	if !ok || f.cached == nil {
		return nil, fmt.Errorf("read %s: %w", name, ErrNotExist)
	}
	if err := d.ioFails("read", name); err != nil {
		return nil, err
	}
	return append([]byte(nil), f.cached...), nil
}

// Size returns the length of file name, or -1 if it does not exist.
func (d *Disk) Size(name string) int64 {
	f, ok := d.files[name]
	if !ok || f.cached == nil {
		return -1
	}
	return int64(len(f.cached))
}

// Truncate sets the length of file name, creating it if needed. It is
// volatile until Sync.
func (d *Disk) Truncate(name string, size int64) error {
	if size < 0 || size > FileSizeMax {
		return fmt.Errorf("truncate %s to %d: %w", name, size, ErrInvalidIO)
	}
	if err := d.ioFails("truncate", name); err != nil {
		return err
	}
	op := diskOp{kind: opTruncate, name: name, file: d.file(name), off: size, dataAt: len(d.pendingData)}
	d.sim.trace.diskWrite(d.owner, name, size, nil)
	d.apply(op, false)
	d.pending = append(d.pending, op)
	return nil
}

// Remove deletes file name. It is volatile until Sync: a crash before the
// next Sync brings the file back.
func (d *Disk) Remove(name string) {
	op := diskOp{kind: opRemove, name: name, file: d.file(name), dataAt: len(d.pendingData)}
	d.sim.trace.diskWrite(d.owner, name, -1, nil)
	d.apply(op, false)
	d.pending = append(d.pending, op)
}

// file returns the entry of file name, creating an empty one (a file that
// exists in neither copy) if there is none.
func (d *Disk) file(name string) *diskFile {
	f := d.files[name]
	if f == nil {
		f = &diskFile{}
		d.files[name] = f
	}
	return f
}

// Files returns the names of the files that exist, sorted.
func (d *Disk) Files() []string {
	names := make([]string, 0, len(d.files))
	for name, f := range d.files {
		if f.cached != nil {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	return names
}

// Sync makes every write issued before it durable, before any later write
// reaches the platter. On an instantaneous disk it is durable when Sync
// returns, unless the harness armed an fsync failure: then Sync returns
// ErrSyncFailed and those writes are lost at the next crash, whatever later
// Syncs do. On a timed disk Sync queues the fsync and returns nil; it
// completes later (see Barrier), and an armed failure is reported then.
func (d *Disk) Sync() error {
	d.stats.Syncs++
	if d.timing.Timed() {
		if len(d.pending) > d.covered {
			if err := d.ioFails("fsync", ""); err != nil {
				d.loseUncovered()
				return err
			}
			d.issueBarrier()
		}
		return nil
	}
	if len(d.pending) > 0 {
		if err := d.ioFails("fsync", ""); err != nil {
			d.settle(len(d.pending), true)
			return err
		}
	}
	if d.syncFailures > 0 {
		d.syncFailures--
		d.stats.SyncFailures++
		d.settle(len(d.pending), true)
		d.sim.trace.disk(d.sim.now, d.owner, "fsync-failed", "", 0)
		return ErrSyncFailed
	}
	d.settle(len(d.pending), false)
	return nil
}

// settle ends the first k pending writes: they become durable, or, if
// their fsync failed, are lost for good (the files they touched keep
// showing them until the next crash).
func (d *Disk) settle(k int, failed bool) {
	switch {
	case failed:
		for _, op := range d.pending[:k] {
			op.file.diverged = true
		}
	case k == len(d.pending):
		for _, op := range d.pending {
			f := op.file
			d.landed(f, op)
			if f.diverged {
				d.apply(op, true) // replay: cached holds writes that will never be durable
				continue
			}
			// cached is exactly durable plus the pending writes, so
			// once they are durable the platter holds what cached holds.
			old, wasShared := f.durable, f.shared
			f.durable, f.shared = f.cached, f.cached != nil
			if !wasShared {
				f.recycle(old) // durable's own array, which nothing reads now
			}
			f.releaseIfGone()
		}
	default:
		for i := range k {
			d.makeDurable(i)
		}
	}
	d.dropPending(k)
}

// makeDurable applies pending write i, not the last pending one, to the
// durable copy of its file. When no later pending write changes the bytes
// the platter holds after it, cached holds them too, and durable becomes
// a view of cached: for shared copies, an append past the durable end only
// lengthens durable's view (the hot path of a log whose next append was
// issued while this one synced); for copies that went apart (a cut log
// rewritten, a segment grown while a cut was pending), durable adopts
// cached's array and the two are shared again, where they would otherwise
// stay apart, every write replayed onto durable, until the disk next fell
// idle. Anything else is replayed onto durable's own copy.
func (d *Disk) makeDurable(i int) {
	op := d.pending[i]
	f := op.file
	d.landed(f, op)
	if !f.diverged && op.kind == opWrite && (!f.shared || op.off >= int64(len(f.durable))) {
		size := max(int64(len(f.durable)), op.off+int64(len(op.data)))
		// Shared copies agree below durable's end (a write there makes
		// durable copy first); copies apart agree on nothing known.
		agreeBelow := int64(0)
		if f.shared {
			agreeBelow = int64(len(f.durable))
		}
		if size <= int64(len(f.cached)) && !d.touchedLater(f, agreeBelow, size, i+1) {
			old, wasShared := f.durable, f.shared
			f.durable, f.shared = f.cached[:size], true
			if !wasShared {
				f.recycle(old) // durable's own array, which nothing reads now
			}
			return
		}
	}
	d.apply(op, true)
}

// landed stamps f with op, which is reaching the platter: the order in
// which files were created and written there, for the faults that aim at
// the newest (see DamageNewestWrite and LoseNewestFile).
func (d *Disk) landed(f *diskFile, op diskOp) {
	d.landings++
	switch {
	case op.kind == opRemove:
		f.born, f.written, f.writeOff, f.writeEnd = 0, 0, 0, 0
		return
	case f.born == 0:
		f.born = d.landings
	}
	if op.kind == opWrite && len(op.data) > 0 {
		f.written, f.writeOff, f.writeEnd = d.landings, op.off, op.off+int64(len(op.data))
	}
}

// touchedLater reports whether a pending write from index from on changes
// bytes of file f in [lo, hi), or cuts or removes it below hi.
func (d *Disk) touchedLater(f *diskFile, lo, hi int64, from int) bool {
	for _, op := range d.pending[from:] {
		if op.file != f {
			continue
		}
		switch op.kind {
		case opWrite:
			if op.off < hi && op.off+int64(len(op.data)) > lo {
				return true
			}
		case opTruncate:
			if op.off < hi {
				return true
			}
		case opRemove:
			return true
		}
	}
	return false
}

// dropPending forgets the first k pending writes once they are durable or
// lost, keeping both buffers for the writes to come. The bytes of the
// writes still pending move to the front of the data buffer once the
// settled ones fill most of it, so that a disk that is never idle does not
// grow it without bound.
func (d *Disk) dropPending(k int) {
	if k == len(d.pending) {
		clear(d.pending)
		d.pending = d.pending[:0]
		d.pendingData = d.pendingData[:0]
		d.covered = 0
		return
	}
	rest := copy(d.pending, d.pending[k:])
	clear(d.pending[rest:])
	d.pending = d.pending[:rest]
	d.covered -= min(k, d.covered)
	if d.pending[0].dataAt >= len(d.pendingData)/2 {
		d.compactPending()
	}
}

// compactPending moves the bytes of the pending writes to the front of the
// data buffer, over those of the writes already settled.
func (d *Disk) compactPending() {
	shift := d.pending[0].dataAt
	n := copy(d.pendingData, d.pendingData[shift:])
	d.pendingData = d.pendingData[:n]
	for i := range d.pending {
		op := &d.pending[i]
		op.dataAt -= shift
		if op.kind == opWrite {
			end := op.dataAt + len(op.data)
			op.data = d.pendingData[op.dataAt:end:end]
		}
	}
}

// apply performs op on the cached copy, or on the durable copy.
func (d *Disk) apply(op diskOp, durable bool) {
	f := op.file
	if durable {
		if op.kind == opTruncate && f.shared && op.off <= int64(len(f.durable)) {
			// A shorter view of the shared array: durable loses bytes
			// it shared and gains none, so the copies stay shared.
			f.durable = f.durable[:op.off]
			return
		}
		f.own()
		old := f.durable
		var moved bool
		f.durable, moved = f.change(f.durable, op)
		if moved {
			f.recycle(old) // durable's own array (see own)
		}
		f.releaseIfGone()
		return
	}
	// Only a change to bytes that both copies see needs durable to take a
	// copy of its own first; bytes past durable's end are cached's alone.
	seenByBoth := int64(min(len(f.cached), len(f.durable)))
	switch {
	case op.kind == opWrite && op.off < seenByBoth:
		f.own()
	case op.kind == opTruncate && f.shared && op.off < int64(len(f.durable)) && op.off <= int64(len(f.cached)):
		// Cut without copying: the view is capped, so growing cached
		// again moves it to a new array instead of writing over bytes
		// durable still holds.
		f.cached = f.cached[:op.off:op.off]
		return
	}
	old := f.cached
	var moved bool
	f.cached, moved = f.change(f.cached, op)
	switch {
	case !moved:
	case !f.shared:
		f.recycle(old) // cached's own array
	case f.cached != nil && len(f.durable) <= len(old):
		// The new array starts with a copy of old, so with every byte of
		// durable (the change, which did not make durable copy, lies past
		// durable's end): durable moves along, the copies stay shared,
		// and the old array is free. Otherwise a growing log would grow
		// two arrays, and replay onto durable's every write cached got.
		f.durable = f.cached[:len(f.durable)]
		f.recycle(old)
	default:
		f.shared = false // durable alone holds the old array now
	}
	f.releaseIfGone()
}

// crash drops what was not durable, and every queued fsync with it. With a
// torn write armed, a random prefix of the pending writes persists, the
// last of them only partly, by sectors.
func (d *Disk) crash() {
	lost := len(d.pending)
	if d.tornOnNextCrash && len(d.pending) > 0 {
		d.tornOnNextCrash = false
		lost -= d.persistTornPrefix()
	}
	d.stats.LostWrites += int64(lost)
	clear(d.pending)
	d.pending = d.pending[:0]
	d.pendingData = d.pendingData[:0]
	d.covered = 0
	d.barriers = d.barriers[:0]
	d.busyUntil = d.sim.now
	d.done = d.issued
	d.failed = false
	for _, f := range d.files {
		// Each file is reset from its own durable copy; the order of the
		// map walk cannot matter because files are independent.
		old, wasShared := f.cached, f.shared
		f.cached, f.shared, f.diverged = f.durable, f.durable != nil, false
		if !wasShared {
			f.recycle(old) // cached's own array, which nothing reads now
		}
		f.releaseIfGone()
	}
}

// persistTornPrefix makes a random prefix of the pending writes durable,
// the last of them torn partway by sectors, and returns how many of them
// reached the platter at all. The crash counts as torn (TornCrashes) only
// when the outcome differs from both a clean crash and a completed fsync:
// some writes persisted and some, or part of one, did not.
func (d *Disk) persistTornPrefix() int {
	whole := d.rng.IntN(len(d.pending))
	for _, op := range d.pending[:whole] {
		d.apply(op, true)
		d.landed(op.file, op)
	}
	kept, cut := whole, false
	torn := d.pending[whole]
	if torn.kind == opWrite && len(torn.data) > 0 {
		sectors := (len(torn.data) + SectorSize - 1) / SectorSize
		keep := min(d.rng.IntN(sectors)*SectorSize+d.rng.IntN(SectorSize), len(torn.data))
		if keep < len(torn.data) {
			cut = true
			d.stats.TornWrites++
			d.stats.BytesTorn += int64(len(torn.data) - keep)
		}
		if keep > 0 {
			torn.data = torn.data[:keep]
			d.apply(torn, true)
			d.landed(torn.file, torn)
			kept++
		}
		d.sim.trace.disk(d.sim.now, d.owner, "torn-write", torn.name, torn.off+int64(keep))
	} else {
		d.sim.trace.disk(d.sim.now, d.owner, "torn-write", torn.name, torn.off)
	}
	if kept > 0 && (cut || kept < len(d.pending)) {
		d.stats.TornCrashes++
	}
	return kept
}

// SetIOErrors makes each later read, write, truncation and fsync of the
// disk fail with ErrIO with probability rate, drawn from the disk's own
// stream; 0 makes it healthy again. That is a dying device or a flapping
// controller: a failed write or truncation changes nothing, a failed read
// returns nothing, and a failed fsync loses the writes it would have
// covered for good, as an injected fsync failure does (see Sync). An fsync
// with nothing to write never reaches the device and never fails.
func (d *Disk) SetIOErrors(rate float64) error {
	if !(rate >= 0 && rate <= 1) { // also rejects NaN
		return fmt.Errorf("io errors: rate %v is outside [0, 1]: %w", rate, ErrInvalidIO)
	}
	d.ioErrorPPM = probabilityPPM(rate)
	d.sim.trace.disk(d.sim.now, d.owner, "arm-io-errors", "", int64(d.ioErrorPPM))
	return nil
}

// ioFails draws whether an operation fails with ErrIO; it draws nothing
// while the disk is healthy.
func (d *Disk) ioFails(op, name string) error {
	if !chance(d.rng, d.ioErrorPPM) {
		return nil
	}
	d.stats.IOErrors++
	d.sim.trace.disk(d.sim.now, d.owner, "io-error-"+op, name, 0)
	if name == "" {
		return fmt.Errorf("%s: %w", op, ErrIO)
	}
	return fmt.Errorf("%s %s: %w", op, name, ErrIO)
}

// loseUncovered ends the pending writes that no issued fsync covers, after
// the fsync that was to cover them failed: they are lost for good, though
// reads see them until the node crashes, and, as on Linux, the failure
// stays reported for the rest of the node's life.
func (d *Disk) loseUncovered() {
	for _, op := range d.pending[d.covered:] {
		op.file.diverged = true
	}
	if d.covered < len(d.pending) {
		d.pendingData = d.pendingData[:d.pending[d.covered].dataAt]
	}
	clear(d.pending[d.covered:])
	d.pending = d.pending[:d.covered]
	d.failed = true
}
