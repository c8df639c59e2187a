package cluster

import (
	"fmt"

	"github.com/faultline/faultline/ledger/replica"
	"github.com/faultline/faultline/sim"
)

// Observer watches what replicas apply, for the checkers: the digest of the
// applied log at every index (convergence), and the cluster time of each
// applied entry (monotonic cluster time). It records facts; the checkers
// decide.
type Observer struct {
	// digests[i-1] is the first digest any replica reported at index i.
	digests []appliedAt
	// Divergences lists every index where a replica's digest differed from
	// the first one reported there.
	Divergences []Divergence
	// lastTimestamp is, per replica, the cluster time of its last applied
	// entry; TimeRegressions lists every step backwards.
	lastTimestamp   []int64
	TimeRegressions []string
	// AppliedIndex is, per replica, the highest index applied so far.
	AppliedIndex []uint64
	// LastApplyAt is the true time of the latest apply by any replica.
	LastApplyAt sim.Time
	// FirstApplyTimes holds, for each index in order, the true time it was
	// first applied anywhere: the liveness checker reads it.
	FirstApplyTimes []sim.Time
	// Leaders maps each term to the replica that led it; ElectionSafety
	// lists every term in which two replicas became leader.
	Leaders         map[uint64]int
	ElectionSafety  []string
	LeaderElections []LeaderElection
}

// LeaderElection is one replica becoming leader.
type LeaderElection struct {
	Replica int
	Term    uint64
	At      sim.Time
}

func (o *Observer) leader(s *sim.Sim, id int, term uint64) {
	if prev, ok := o.Leaders[term]; ok && prev != id {
		o.ElectionSafety = append(o.ElectionSafety, fmt.Sprintf("term %d has two leaders: %s and %s (at %v)",
			term, ReplicaName(prev), ReplicaName(id), s.Now()))
	}
	o.Leaders[term] = id
	o.LeaderElections = append(o.LeaderElections, LeaderElection{Replica: id, Term: term, At: s.Now()})
}

type appliedAt struct {
	known   bool
	digest  [32]byte
	replica int
}

// Divergence is one index at which two replicas applied different logs.
type Divergence struct {
	Index         uint64
	First, Second int // replica indexes
	At            sim.Time
}

func (d Divergence) String() string {
	return fmt.Sprintf("index %d: %s and %s applied different logs (seen at %v)",
		d.Index, ReplicaName(d.First), ReplicaName(d.Second), d.At)
}

func newObserver(replicas int) *Observer {
	return &Observer{lastTimestamp: make([]int64, replicas), AppliedIndex: make([]uint64, replicas),
		Leaders: make(map[uint64]int)}
}

func (o *Observer) applied(s *sim.Sim, id int, e *replica.Entry, digest [32]byte) {
	o.LastApplyAt = s.Now()
	for uint64(len(o.digests)) < e.Index {
		o.digests = append(o.digests, appliedAt{})
	}
	switch first := &o.digests[e.Index-1]; {
	case !first.known:
		*first = appliedAt{known: true, digest: digest, replica: id}
		o.FirstApplyTimes = append(o.FirstApplyTimes, s.Now())
	case first.digest != digest:
		o.Divergences = append(o.Divergences, Divergence{Index: e.Index, First: first.replica, Second: id, At: s.Now()})
	}
	if e.Index > o.AppliedIndex[id] {
		// Only entries new to this replica count: after a restart it
		// re-applies older entries from its snapshot on.
		if e.Timestamp < o.lastTimestamp[id] {
			o.TimeRegressions = append(o.TimeRegressions, fmt.Sprintf("%s applied index %d at cluster time %d after %d",
				ReplicaName(id), e.Index, e.Timestamp, o.lastTimestamp[id]))
		}
		o.AppliedIndex[id] = e.Index
	}
	o.lastTimestamp[id] = e.Timestamp
}
