package sim

import (
	"fmt"
	"strings"
)

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

// DamageNewestWrite garbles, at rest, the newest write to node id's disk
// among the files whose names start with prefix (a directory; "" for any
// file): latent sector errors in the blocks written last, or a write the
// drive acknowledged, flush and all, and never put on the platter. The
// damage covers the bytes of the write that reached the platter last, at
// most its last sectors' worth (sectors times SectorSize bytes, ending
// where it ended); if the file has been cut below that write since, the
// same number of bytes before its end. Every byte in it changes. The
// simulator reads no file format: the newest write is known from the
// order in which writes reached the platter.
//
// The node must be down (the damage is found when it boots). It reports
// the file, where the damage starts and how many bytes it garbled; n is 0
// if no file under prefix holds a durable byte.
func (s *Sim) DamageNewestWrite(id NodeID, prefix string, sectors int) (name string, off, n int64, err error) {
	d, err := s.diskAtRest(id, "damage newest write")
	if err != nil {
		return "", 0, 0, err
	}
	if sectors < 1 {
		return "", 0, 0, fmt.Errorf("damage newest write: %d sectors: %w", sectors, ErrInvalidIO)
	}
	name, f := d.newest(prefix, func(f *diskFile) uint64 { return f.written })
	end := int64(0)
	if f != nil {
		end = min(f.writeEnd, int64(len(f.durable)))
	}
	if end <= 0 {
		s.trace.disk(s.now, id, "damage-newest-write-none", prefix, 0)
		return name, 0, 0, nil
	}
	off = max(end-int64(sectors)*SectorSize, 0)
	if f.writeOff < end {
		off = max(off, f.writeOff)
	}
	f.own() // the durable copy alone: the cached view is reset from it below
	for i := off; i < end; i++ {
		f.durable[i] ^= byte(1 + d.rng.IntN(255))
	}
	f.cached, f.shared = f.durable, true
	n = end - off
	d.stats.BytesDamaged += n
	s.trace.disk(s.now, id, "damage-newest-write", name, off)
	return name, off, n, nil
}

// LoseNewestFile removes, at rest, the file of node id's disk whose name
// starts with prefix (a directory; "" for any file) that was created last:
// its directory entry lost, as some file systems lose the entry of a file
// created shortly before a crash. The node must be down (the loss is found
// when it boots). It reports the file and its size, or "" if no file under
// prefix exists on the platter.
func (s *Sim) LoseNewestFile(id NodeID, prefix string) (name string, size int64, err error) {
	d, err := s.diskAtRest(id, "lose newest file")
	if err != nil {
		return "", 0, err
	}
	name, f := d.newest(prefix, func(f *diskFile) uint64 { return f.born })
	if f == nil {
		s.trace.disk(s.now, id, "lost-file-none", prefix, 0)
		return "", 0, nil
	}
	size = int64(len(f.durable))
	f.durable, f.cached, f.shared, f.spare = nil, nil, false, nil
	f.born, f.written, f.writeOff, f.writeEnd = 0, 0, 0, 0
	d.stats.LostFiles++
	s.trace.disk(s.now, id, "lost-file", name, size)
	return name, size, nil
}

// diskAtRest returns the disk of node id, which must be down: a crash left
// it nothing pending, so what reads see is the platter.
func (s *Sim) diskAtRest(id NodeID, what string) (*Disk, error) {
	n, err := s.lookup(id)
	if err != nil {
		return nil, err
	}
	if n.status != nodeDown {
		return nil, fmt.Errorf("%s of %s: not down: %w", what, n.spec.Name, ErrNodeState)
	}
	if len(n.disk.pending) > 0 {
		panicf("disk of down node %s has %d writes pending", n.spec.Name, len(n.disk.pending))
	}
	return n.disk, nil
}

// newest returns the file under prefix that exists on the platter with the
// highest stamp, or nil if none has a stamp. Stamps are unique, so the
// choice never depends on the map's order.
func (d *Disk) newest(prefix string, stamp func(*diskFile) uint64) (string, *diskFile) {
	var best string
	var found *diskFile
	for name, f := range d.files {
		if f.durable == nil || stamp(f) == 0 || !strings.HasPrefix(name, prefix) {
			continue
		}
		if found == nil || stamp(f) > stamp(found) {
			best, found = name, f
		}
	}
	return best, found
}
