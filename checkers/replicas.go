package checkers

import (
	"fmt"
	"slices"
	"time"
)

// Convergence checks that replicas agree on the applied log: every replica
// that has applied index i holds the same digest of the log through i. It
// is fed as replicas apply entries, so it keeps one digest per index rather
// than every replica's history.
type Convergence struct{ digests digestsByIndex }

// Applied records that replica applied index with the running digest.
func (c *Convergence) Applied(replica string, index uint64, digest [32]byte, at time.Duration) {
	c.digests.applied("log digest", replica, index, digest, at)
}

// Verdict decides the invariant.
func (c *Convergence) Verdict() Verdict { return c.digests.verdict("convergence") }

// ReplicaStates checks that replicas agree on the state machine itself, as
// TigerBeetle's state checker does: every replica that has applied index i
// holds the same digest of its ledger (every account and transfer) after
// i. Logs can agree while states differ: an apply that reads a local clock,
// iterates a map or restores a snapshot that lost a field holds another
// ledger on the same log, and answers clients from it.
type ReplicaStates struct{ digests digestsByIndex }

// Applied records that replica's state after applying index has digest.
func (r *ReplicaStates) Applied(replica string, index uint64, digest [32]byte, at time.Duration) {
	r.digests.applied("state digest", replica, index, digest, at)
}

// Mismatch records a replica whose state disagrees with itself: its state
// digest kept as commands applied differs from one computed afresh from
// every record at the end.
func (r *ReplicaStates) Mismatch(replica string, index uint64, running, recomputed [32]byte) {
	r.digests.violate(replica, index, func() string {
		return fmt.Sprintf("%s at index %d: running state digest %x, recomputed from every record %x",
			replica, index, running[:6], recomputed[:6])
	})
}

// Verdict decides the invariant.
func (r *ReplicaStates) Verdict() Verdict { return r.digests.verdict("replica-state") }

// digestsByIndex keeps the first digest reported for each index, and a
// summary of the disagreements with it: once two replicas diverge they
// differ at every later index, so a run can find thousands. The evidence
// names the first divergence (index, replicas, simulated time), then the
// first for each replica not yet named, and counts the rest.
type digestsByIndex struct {
	first      []digestAt // first digest reported per index, by index-1
	violations []string   // those shown, at most evidenceMax
	named      []string   // replicas the shown violations name
	more       int        // violations counted only
	lastIndex  uint64     // the highest index of any violation
}

type digestAt struct {
	known   bool
	replica string
	digest  [32]byte
}

func (d *digestsByIndex) applied(what, replica string, index uint64, digest [32]byte, at time.Duration) {
	for uint64(len(d.first)) < index {
		d.first = append(d.first, digestAt{})
	}
	f := &d.first[index-1]
	switch {
	case !f.known:
		*f = digestAt{known: true, replica: replica, digest: digest}
	case f.digest != digest:
		d.violate(replica, index, func() string { return divergence(what, index, f, replica, digest, at) })
	}
}

// divergence says how replica's digest at index differs from the first
// one reported. It takes the digests by value, so that the caller's
// digest stays on its stack: slicing it for fmt in the caller would move
// it to the heap on every applied entry.
func divergence(what string, index uint64, first *digestAt, replica string, digest [32]byte, at time.Duration) string {
	firstDigest := first.digest
	return fmt.Sprintf("index %d: %s applied %s %x, %s applied %x (at %v)",
		index, first.replica, what, firstDigest[:6], replica, digest[:6], at)
}

// violate shows the violation by replica when it is the first, or the
// first to name replica, and room is left; else it only counts it.
// Formatting is deferred to then: formatting each of thousands of
// violations would cost more than the run.
func (d *digestsByIndex) violate(replica string, index uint64, msg func() string) {
	d.lastIndex = max(d.lastIndex, index)
	if len(d.violations) < evidenceMax && (len(d.violations) == 0 || !slices.Contains(d.named, replica)) {
		if len(d.violations) == 0 {
			d.violations = append(d.violations, "first divergence: "+msg())
		} else {
			d.violations = append(d.violations, msg())
		}
		d.named = append(d.named, replica)
		return
	}
	d.more++
}

func (d *digestsByIndex) verdict(invariant string) Verdict {
	v := verdict(invariant, d.violations)
	if d.more > 0 {
		v.Evidence = append(v.Evidence, andMore(d.more, fmt.Sprintf("more differing entries, through index %s", thousands(int(d.lastIndex)))))
		v.Violations += d.more
	}
	return v
}

// ElectionSafety checks that no term has two leaders.
type ElectionSafety struct {
	leaders    map[uint64]string
	violations []string
}

// Leader records that replica became leader of term.
func (e *ElectionSafety) Leader(replica string, term uint64, at time.Duration) {
	if e.leaders == nil {
		e.leaders = make(map[uint64]string)
	}
	if prev, ok := e.leaders[term]; ok && prev != replica {
		e.violations = append(e.violations, fmt.Sprintf("term %d has two leaders: %s and %s (at %v)", term, prev, replica, at))
	}
	e.leaders[term] = replica
}

// Verdict decides the invariant.
func (e *ElectionSafety) Verdict() Verdict { return verdict("election-safety", e.violations) }

// TermDurability checks Raft's rule that the current term is on stable
// storage before a replica answers in it (Figure 2): a replica that has
// acted in a term (voted or refused a vote, campaigned, led, acknowledged
// or refused an append) holds at least that term when it restarts,
// whatever crashed it. A replica that forgot one can follow a deposed
// leader of an older term and truncate what it acknowledged in the newer
// one. A replica whose disk was replaced starts afresh.
type TermDurability struct {
	answered   map[string]uint64 // the highest term each replica acted in, over its lives on one disk
	violations []string
}

// Answered records that replica sent a message while holding term.
func (d *TermDurability) Answered(replica string, term uint64) {
	if d.answered == nil {
		d.answered = make(map[string]uint64)
	}
	d.answered[replica] = max(d.answered[replica], term)
}

// Restarted records that replica booted from its disk holding term.
func (d *TermDurability) Restarted(replica string, term uint64, at time.Duration) {
	if acted := d.answered[replica]; term < acted {
		d.violations = append(d.violations, fmt.Sprintf("%s restarted in term %d after acting in term %d (at %v): a term it answered in was not durable",
			replica, term, acted, at))
	}
}

// DiskReplaced forgets what replica acted in: its new disk never held it.
func (d *TermDurability) DiskReplaced(replica string) { delete(d.answered, replica) }

// Verdict decides the invariant.
func (d *TermDurability) Verdict() Verdict { return verdict("term-durability", d.violations) }

// ClusterTime checks that the cluster time stamped on applied entries never
// goes backwards along the log, whatever the replicas' clocks did.
type ClusterTime struct {
	last       map[string]clusterTimeAt
	violations []string
}

type clusterTimeAt struct {
	index     uint64
	timestamp int64
}

// Applied records that replica applied index stamped with timestamp. Only
// consecutive indexes are compared: after a restart a replica re-applies
// older entries, and after a snapshot it skips ahead; both start a new run.
func (c *ClusterTime) Applied(replica string, index uint64, timestamp int64) {
	if c.last == nil {
		c.last = make(map[string]clusterTimeAt)
	}
	prev, seen := c.last[replica]
	if seen && index == prev.index+1 && timestamp <= prev.timestamp {
		c.violations = append(c.violations, fmt.Sprintf("%s: index %d stamped %d, not after index %d's %d",
			replica, index, timestamp, prev.index, prev.timestamp))
	}
	c.last[replica] = clusterTimeAt{index: index, timestamp: timestamp}
}

// Verdict decides the invariant.
func (c *ClusterTime) Verdict() Verdict { return verdict("monotonic-cluster-time", c.violations) }

// Liveness decides whether the cluster committed again within bound after
// the last fault healed. commitTimes are the times at which indexes were
// first applied anywhere, in order. It also returns the recovery time it
// measured (the RTO), or -1.
func Liveness(commitTimes []time.Duration, lastHeal, bound, runEnd time.Duration) (Verdict, time.Duration) {
	for _, at := range commitTimes {
		if at > lastHeal {
			rto := at - lastHeal
			if rto > bound {
				return verdict("liveness", []string{fmt.Sprintf("first commit %v after the last heal at %v, beyond the %v bound",
					rto, lastHeal, bound)}), rto
			}
			return Verdict{Invariant: "liveness", Status: Pass}, rto
		}
	}
	if runEnd < lastHeal+bound {
		return Verdict{Invariant: "liveness", Status: Unknown,
			Evidence: []string{fmt.Sprintf("the run ended %v after the last heal, before the %v bound", runEnd-lastHeal, bound)}}, -1
	}
	return verdict("liveness", []string{fmt.Sprintf("no commit in the %v after the last heal at %v", runEnd-lastHeal, lastHeal)}), -1
}
