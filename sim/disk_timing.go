package sim

import (
	"fmt"
	"time"
)

// DiskTiming is how long a node's disk takes. With the zero value every
// operation is instantaneous and Sync is durable when it returns: that mode
// exists for unit tests of storage code with no simulation around them,
// and a cluster simulation never uses it, because a crash could then never
// land between a write and its fsync.
//
// With a timing set, the disk works through its operations in the order
// they were issued, as a device queue does: the writes since the previous
// Sync are transferred at WriteBytesPerMs, then the fsync takes a draw
// from Sync. Reads see every issued write at once (the page cache); only a
// completed Sync makes writes durable, and the node learns of it as an
// event (DiskWaiter.DiskDone). A crash drops everything not yet durable,
// and with a torn write armed persists a random prefix of it instead.
type DiskTiming struct {
	// Sync is the distribution of one fsync's latency.
	Sync Latency `json:"sync"`
	// WriteBytesPerMs is the transfer rate of the writes an fsync
	// covers; 0 means they take no time beyond the fsync itself.
	WriteBytesPerMs int64 `json:"write_bytes_per_ms"`
}

// Timed reports whether the disk takes simulated time.
func (t DiskTiming) Timed() bool { return t.Sync.Max > 0 }

// Validate checks the distribution and the rate.
func (t DiskTiming) Validate() error {
	if err := t.Sync.Validate(); err != nil {
		return fmt.Errorf("sync: %w", err)
	}
	if t.WriteBytesPerMs < 0 {
		return fmt.Errorf("write_bytes_per_ms must not be negative, got %d", t.WriteBytesPerMs)
	}
	return nil
}

// DiskWaiter is implemented by a node that waits for its disk: the
// simulator calls DiskDone, as an event of its own, when the barrier with
// the given ticket (see Disk.Barrier) and every one before it completed,
// with err set if an fsync failed (the writes it covered are lost for good).
type DiskWaiter interface {
	DiskDone(ticket uint64, err error)
}

// barrier is one issued Sync of a timed disk: it covers pending[:ops] and
// completes at at.
type barrier struct {
	ops    int
	at     Time
	ticket uint64
}

// slowDiskFactorMax bounds how far a slow-disk fault stretches latencies.
const slowDiskFactorMax = 1000

// SetDiskSlow multiplies every later fsync and transfer time of node id's
// disk by factor (1 makes it normal again), as a failing drive or a noisy
// neighbour on shared storage would.
func (s *Sim) SetDiskSlow(id NodeID, factor int) error {
	n, err := s.lookup(id)
	if err != nil {
		return err
	}
	if factor < 1 || factor > slowDiskFactorMax {
		return fmt.Errorf("slow disk %s: factor %d is outside [1, %d]", n.spec.Name, factor, slowDiskFactorMax)
	}
	n.disk.slowFactor = factor
	s.trace.fault(s.now, id, "slow-disk", fmt.Sprintf("x%d", factor))
	return nil
}

// issueBarrier queues an fsync of the pending writes not yet covered by
// one, behind every fsync already queued.
func (d *Disk) issueBarrier() {
	var bytes int64
	for _, op := range d.pending[d.covered:] {
		bytes += int64(len(op.data))
	}
	cost := d.timing.Sync.sample(d.rng)
	if rate := d.timing.WriteBytesPerMs; rate > 0 {
		cost += time.Duration(bytes * int64(time.Millisecond) / rate)
	}
	cost *= time.Duration(max(d.slowFactor, 1))
	start := max(d.sim.now, d.busyUntil)
	d.busyUntil = start.Add(cost)
	if n := d.sim.nodes[d.owner]; n.crashPoint != nil {
		d.sim.crashPointInFsync(n, start, cost)
	}
	d.issued++
	d.covered = len(d.pending)
	d.barriers = append(d.barriers, barrier{ops: d.covered, at: d.busyUntil, ticket: d.issued})
	d.sim.push(d.busyUntil, event{kind: eventDisk, node: d.owner, incarnation: d.sim.nodes[d.owner].incarnation})
}

// Barrier returns a ticket for every write issued so far, issuing a Sync
// for any not yet covered by one, and whether they are all durable
// already. When they are not, a DiskWaiter hears DiskDone with the ticket
// (or a later one) once they are. On an instantaneous disk the Sync it may
// issue runs at once, and its failure is returned.
func (d *Disk) Barrier() (ticket uint64, durable bool, err error) {
	if !d.timing.Timed() {
		if len(d.pending) > 0 {
			if err := d.Sync(); err != nil {
				return d.issued, false, err
			}
		}
		return d.issued, true, nil
	}
	if len(d.pending) > d.covered {
		d.stats.Syncs++
		if err := d.ioFails("fsync", ""); err != nil {
			d.loseUncovered()
			return d.issued, false, err
		}
		d.issueBarrier()
	}
	return d.issued, d.done >= d.issued, nil
}

// completeBarrier makes the oldest queued fsync's writes durable, or lost
// if an fsync failure was armed, and returns the error to report.
func (d *Disk) completeBarrier() error {
	b := d.barriers[0]
	if b.at != d.sim.now {
		panicf("disk of %s: barrier %d due at %d completes at %d", d.sim.names[d.owner], b.ticket, b.at, d.sim.now)
	}
	copy(d.barriers, d.barriers[1:])
	d.barriers = d.barriers[:len(d.barriers)-1]
	failed := d.syncFailures > 0
	if failed {
		d.syncFailures--
		d.stats.SyncFailures++
		d.failed = true
	}
	d.settle(b.ops, failed)
	for i := range d.barriers {
		d.barriers[i].ops -= b.ops
	}
	d.done = b.ticket
	if failed {
		d.sim.trace.disk(d.sim.now, d.owner, "fsync-failed", "", int64(b.ticket))
	} else {
		d.sim.trace.disk(d.sim.now, d.owner, "fsync-done", "", int64(b.ticket))
	}
	return d.syncErr()
}

// syncErr is what DiskDone reports: a failed fsync stays failed for the
// rest of the node's life, as on Linux, where the lost writes never return.
func (d *Disk) syncErr() error {
	if d.failed {
		return ErrSyncFailed
	}
	return nil
}

// fireDisk completes a timed disk's oldest fsync and tells its node.
func (s *Sim) fireDisk(e event) {
	n := s.nodes[e.node]
	if e.incarnation != n.incarnation {
		return // the crash that ended that life dropped the fsync
	}
	s.events++
	err := n.disk.completeBarrier()
	if n.status == nodePaused {
		// The device finishes while the process is frozen; the process
		// hears of it when it thaws.
		n.deferred = append(n.deferred, event{kind: eventDiskNotify, node: n.id, incarnation: n.incarnation})
		return
	}
	s.notifyDisk(n, err)
}

// fireDiskNotify tells a thawed node of fsyncs that completed while it was
// paused.
func (s *Sim) fireDiskNotify(e event) {
	n := s.nodes[e.node]
	if e.incarnation != n.incarnation || n.status != nodeUp {
		return
	}
	s.events++
	s.notifyDisk(n, n.disk.syncErr())
}

func (s *Sim) notifyDisk(n *nodeState, err error) {
	if w, ok := n.node.(DiskWaiter); ok {
		w.DiskDone(n.disk.done, err)
	}
}
