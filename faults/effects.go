package faults

import (
	"fmt"

	"github.com/faultline/faultline/sim"
)

// A fault proves its effect: the injector watches the counter each kind
// moves (messages dropped by a cut, bytes torn by a crash, fsyncs that
// failed) from the moment the fault applies until the fault that ends it,
// or the end of the run, and records what it did. A fault that did nothing
// (a torn write armed on a node that never crashed with writes pending, a
// partition while no message crossed it) is recorded as not effective, so
// that a scenario whose faults never bite fails a test instead of passing
// vacuously.

// Effect is what one applied fault did. Effective is false when it had
// no effect at all; What says what it did, in a few words.
type Effect struct {
	Effective bool   `json:"effective"`
	What      string `json:"what"`
}

// KindEffects sums the faults of one kind: how many applied (not skipped)
// and how many of those took effect.
type KindEffects struct {
	Applied   int `json:"applied"`
	Effective int `json:"effective"`
}

// watch is an open measurement: counter read when the fault applied, the
// entry of the log it belongs to, and how to render what it did.
type watch struct {
	entry   int
	kind    Kind
	node    sim.NodeID
	counter func() int64
	start   int64
	what    string // fmt verb %d takes the counter's change
	// detail, if set, is a second counter whose change follows what
	// (bytes torn, writes lost), after its own %d.
	detail      func() int64
	detailStart int64
}

// ends reports whether fault kind later ends the span of an earlier fault
// of kind k: cuts last until a heal (so cuts made together, the one-way
// cuts of an asymmetric partition, share the drops while they all stand),
// a link fault until the next of its kind or the links' return to normal,
// and a disk fault on a node until the next fault of its kind there.
func ends(later, k Kind) bool {
	switch k {
	case Partition, Isolate, Cut:
		return later == Heal
	case Loss, Duplicate, Reorder, Delay, Corrupt:
		return later == k || later == NetworkNormal
	}
	return later == k
}

// watchFor opens the measurement of an applied fault, or records its
// effect at once when it is immediate. It runs right after the fault
// applied; before is the disk's counters just before it did.
func (in *Injector) watchFor(entry int, f Fault, n sim.NodeID, before sim.DiskStats) {
	nw := in.s.Network()
	a := &in.log[entry]
	closeGroup := func(node sim.NodeID) {
		kept := in.watches[:0]
		for _, w := range in.watches {
			if ends(f.Kind, w.kind) && w.node == node {
				in.finish(w)
				continue
			}
			kept = append(kept, w)
		}
		in.watches = kept
	}
	open := func(node sim.NodeID, counter func() int64, what string) *watch {
		in.watches = append(in.watches, watch{entry: entry, kind: f.Kind, node: node, counter: counter, start: counter(), what: what})
		return &in.watches[len(in.watches)-1]
	}
	withDetail := func(w *watch, detail func() int64, what string) {
		w.detail, w.detailStart, w.what = detail, detail(), w.what+what
	}
	disk := in.s.Disk(n)
	switch f.Kind {
	case Partition, Isolate, Cut:
		closeGroup(-1)
		open(-1, func() int64 { return nw.Stats().DroppedPartition }, "dropped %d messages")
	case Loss:
		closeGroup(-1)
		open(-1, func() int64 { return nw.Stats().DroppedLoss }, "dropped %d messages")
	case Duplicate:
		closeGroup(-1)
		open(-1, func() int64 { return nw.Stats().Duplicated }, "duplicated %d messages")
	case Reorder, Delay:
		closeGroup(-1)
		open(-1, func() int64 { return nw.Stats().Sent }, "reordered or delayed %d messages")
	case Corrupt:
		closeGroup(-1)
		open(-1, func() int64 { return nw.Stats().Corrupted }, "corrupted %d messages")
	case Heal, NetworkNormal:
		closeGroup(-1)
		a.Effect = Effect{Effective: true, What: "links restored"}
	case Crash:
		lost := disk.Stats().LostWrites - before.LostWrites
		a.Effect = Effect{Effective: true, What: fmt.Sprintf("node crashed, %d unsynced writes lost", lost)}
		if disk.Stats().TornCrashes > before.TornCrashes {
			a.Effect.What += fmt.Sprintf(", %d bytes torn", disk.Stats().BytesTorn-before.BytesTorn)
		}
	case CrashPoint:
		closeGroup(n)
		w := open(n, func() int64 { return in.s.CrashPointsFired(n) }, "crashed the node at its moment %d times")
		withDetail(w, func() int64 { return disk.Stats().LostWrites }, ", %d unsynced writes lost")
	case PausePoint:
		closeGroup(n)
		open(n, func() int64 { return in.s.PausePointsFired(n) }, "froze the node at its moment %d times")
	case DiskLoss:
		a.Effect = Effect{Effective: disk.Stats().LostDisks > before.LostDisks, What: "disk replaced by a blank one"}
	case TransferLeader:
		// The leader agreeing is not the handover: it takes effect when
		// the transferee campaigns on the leader's TimeoutNow (a transferee
		// that never catches up within the leader's timeout never does).
		// Whether it then wins is the cluster's business: a transferee
		// with a stale log must lose.
		to := in.node(f.To)
		closeGroup(to)
		open(to, in.handovers, f.To+" campaigned at the leader's request %d times")
	case TailDamage, LoseNewestFile:
		a.Effect = in.atRest
	case TornWrite:
		closeGroup(n)
		w := open(n, func() int64 { return disk.Stats().TornCrashes }, "%d crashes persisted a torn prefix of the unsynced writes")
		withDetail(w, func() int64 { return disk.Stats().LostWrites }, ", %d later writes lost")
	case MisdirectedWrite:
		closeGroup(n)
		open(n, func() int64 { return disk.Stats().Misdirected }, "%d writes misdirected")
	case FsyncFailure:
		closeGroup(n)
		open(n, func() int64 { return disk.Stats().SyncFailures }, "%d fsyncs failed")
	case IOError:
		closeGroup(n)
		if f.Rate <= 0 {
			a.Effect = Effect{Effective: true, What: "disk healthy again"}
			break
		}
		open(n, func() int64 { return disk.Stats().IOErrors }, "%d disk operations failed")
	case SlowDisk:
		closeGroup(n)
		if f.Count <= 1 {
			a.Effect = Effect{Effective: true, What: "disk speed restored"}
			break
		}
		open(n, func() int64 { return disk.Stats().Syncs }, "slowed %d fsyncs")
	default:
		// Life-cycle, slow-node and clock faults act the moment they
		// apply: the node froze, thawed or booted, its messages slowed,
		// its clock moved (and its timers with it).
		a.Effect = Effect{Effective: true, What: "applied"}
	}
}

func (in *Injector) finish(w watch) {
	d := w.counter() - w.start
	what := fmt.Sprintf(w.what, d)
	if w.detail != nil {
		what = fmt.Sprintf(w.what, d, w.detail()-w.detailStart)
	}
	in.log[w.entry].Effect = Effect{Effective: d > 0, What: what}
}

// Finish closes every open measurement at the end of the run; Log and
// Effects then hold the final effects.
func (in *Injector) Finish() {
	for _, w := range in.watches {
		in.finish(w)
	}
	in.watches = in.watches[:0]
}

// Effects sums the log by kind. Skipped faults are not applied; call
// Finish first.
func Effects(log []Applied) map[Kind]KindEffects {
	out := map[Kind]KindEffects{}
	for _, a := range log {
		if a.Skipped != "" {
			continue
		}
		e := out[a.Fault.Kind]
		e.Applied++
		if a.Effect.Effective {
			e.Effective++
		}
		out[a.Fault.Kind] = e
	}
	return out
}
