package replica

import "fmt"

// The bootstrap rule (Config.BootstrapLowestID) lets a new cluster whose
// replicas all abstain until caught up elect its first leader. etcd-io/raft
// bootstraps from durable state instead: a new cluster's members start with
// the same configuration entries already in their logs (RawNode.Bootstrap),
// and a member that lost its disk must be removed and re-added. A volatile
// replica has no durable state to start from, so the rule narrows who may
// be elected without being caught up to one replica, one term, and an
// entirely blank cluster.

// mayBootstrap reports whether this replica may campaign although it
// abstains: it is the bootstrap replica and has never heard of any term, so
// its campaign is for term 1.
func (r *Replica) mayBootstrap() bool {
	return r.cfg.BootstrapLowestID && r.recovering != nil && r.cfg.ID == r.cfg.bootstrapID() &&
		r.term == 0 && r.log.lastIndex() == 0
}

// bootstrapAsk reports whether m is the bootstrap replica's request for a
// term-1 pre-vote or vote that this abstaining replica may grant: both logs
// are empty and this replica has never heard of any term. It is decided
// before the message's term is adopted. The usual rules (one vote per
// term, an up-to-date log, no lease) still apply on top of it.
func (r *Replica) bootstrapAsk(from NodeID, m *Message) bool {
	if !r.cfg.BootstrapLowestID || (m.Kind != MsgPreVote && m.Kind != MsgVote) {
		return false
	}
	if r.term == 0 && (r.log.lastIndex() != 0 || r.vote != None) {
		panicf("term 0 with log through %d and vote %d", r.log.lastIndex(), r.vote)
	}
	return r.recovering != nil && r.term == 0 && from == r.cfg.bootstrapID() && from != r.cfg.ID &&
		m.Term == 1 && m.LastIndex == 0 && m.LastTerm == 0 && !m.Transfer
}

// votesNeeded is how many grants, this replica's own included, win its
// election: a majority, or every replica for the bootstrap election. Only a
// replica that refuses the blank bootstrap to anyone who remembers a term
// can keep a restarted bootstrap replica from leading term 1 a second time
// with an empty log, beside replicas holding the first one's entries.
func (r *Replica) votesNeeded() int {
	if r.recovering == nil {
		return r.quorum
	}
	if !r.cfg.BootstrapLowestID || r.cfg.ID != r.cfg.bootstrapID() || r.term > 1 || r.log.lastIndex() != 0 {
		panicf("abstaining replica %d campaigns in term %d with log through %d", r.cfg.ID, r.term, r.log.lastIndex())
	}
	return len(r.peers)
}

// bootstrapped ends the abstention of the bootstrap replica that won term
// 1: its empty log is the cluster's log, so it is caught up by definition.
func (r *Replica) bootstrapped() {
	if !r.cfg.BootstrapLowestID || r.cfg.ID != r.cfg.bootstrapID() || r.term != 1 || r.log.lastIndex() != 0 {
		panicf("abstaining replica %d became leader in term %d with log through %d", r.cfg.ID, r.term, r.log.lastIndex())
	}
	r.env.Record(fmt.Sprintf("bootstrapped the cluster: elected in term %d by every replica, all blank", r.term))
	r.recovering = nil
}
