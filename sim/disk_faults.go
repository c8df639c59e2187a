package sim

import "fmt"

// Fault hooks. The fault injector calls these from scheduled callbacks; each
// one is recorded in the trace, and every random choice comes from the
// disk's own stream so that disk faults never shift other draws.

// FailSyncs makes the next n calls to Sync fail with ErrSyncFailed.
func (d *Disk) FailSyncs(n int) {
	d.syncFailures += max(n, 0)
	d.sim.trace.disk(d.sim.now, d.owner, "arm-fsync-failure", "", int64(n))
}

// MisdirectWrites makes the next n writes land some sectors away from their
// target offset, in the same file.
func (d *Disk) MisdirectWrites(n int) {
	d.misdirectNext += max(n, 0)
	d.sim.trace.disk(d.sim.now, d.owner, "arm-misdirected-write", "", int64(n))
}

// TearOnNextCrash makes the next crash persist a random prefix of the
// unsynced writes, the last of them torn partway, instead of dropping them
// all.
func (d *Disk) TearOnNextCrash() {
	d.tornOnNextCrash = true
	d.sim.trace.disk(d.sim.now, d.owner, "arm-torn-write", "", 0)
}

// FlipBit flips one bit of file name at rest: in the durable copy and in
// what reads see, as a decayed sector would.
func (d *Disk) FlipBit(name string, off int64, bit uint) error {
	f, ok := d.files[name]
	if !ok || f.cached == nil {
		return fmt.Errorf("flip bit in %s: %w", name, ErrNotExist)
	}
	if off < 0 || off >= int64(len(f.cached)) || bit > 7 {
		return fmt.Errorf("flip bit %d at %d of %s (%d bytes): %w", bit, off, name, len(f.cached), ErrInvalidIO)
	}
	f.cached[off] ^= 1 << bit
	if off < int64(len(f.durable)) && !f.shared { // a shared array took the flip already
		f.durable[off] ^= 1 << bit
	}
	d.sim.trace.disk(d.sim.now, d.owner, "bit-flip", name, off)
	return nil
}

// CorruptRandom flips one random bit of one random byte of the disk, the
// file chosen with weight by its size. It reports where, and false if the
// disk holds no data.
func (d *Disk) CorruptRandom() (name string, off int64, ok bool) {
	names := d.Files() // sorted: the choice must not depend on map order
	var total int64
	for _, n := range names {
		total += d.Size(n)
	}
	if total == 0 {
		return "", 0, false
	}
	pick := d.rng.Int64N(total)
	for _, n := range names {
		size := d.Size(n)
		if pick < size {
			return n, pick, d.FlipBit(n, pick, uint(d.rng.IntN(8))) == nil
		}
		pick -= size
	}
	panicf("random corruption offset %d outside %d bytes", pick, total)
	return "", 0, false
}
