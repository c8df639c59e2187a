package replica

// The replica's own invariants, each checked where it is established and
// again where it is relied on (TigerStyle's paired assertions). Every check
// is a few comparisons with no allocation and no formatting on the happy
// path, so that a simulation stops at the first wrong step, with its seed,
// instead of at a checker after the run.

// commitTo moves the commit index to index. Commit never goes back: an
// entry once committed stays committed, and applying relies on it.
func (r *Replica) commitTo(index uint64) {
	if index < r.commit {
		panicf("commit going back from %d to %d", r.commit, index)
	}
	r.commit = index
}

// checkPositions checks the order of the log's marks after where (an
// apply, a commit advance, a truncation, a snapshot): the snapshot holds
// only applied entries, nothing is applied before it is committed, nothing
// is committed that the log does not hold, and nothing counts as durable
// past the log's end.
func (r *Replica) checkPositions(where string) {
	if r.log.snap.Index > r.applied || r.applied > r.commit || r.commit > r.log.lastIndex() || r.persisted > r.log.lastIndex() {
		panicf("after %s: want snapshot %d <= applied %d <= commit %d <= last %d, persisted %d <= last",
			where, r.log.snap.Index, r.applied, r.commit, r.log.lastIndex(), r.persisted)
	}
}

// checkCommitQuorum checks, by counting rather than by maybeCommit's sort,
// that a quorum holds the leader's commit index durably: each follower by
// its acknowledged match, the leader itself only through what its own disk
// confirmed (persisted), never through entries still in flight to it.
func (r *Replica) checkCommitQuorum() {
	acked := 0
	for i, p := range r.peers {
		durable := r.progress[i].match
		if p == r.cfg.ID {
			durable = r.persisted
		}
		if durable >= r.commit {
			acked++
		}
	}
	if acked < r.quorum {
		panicf("leader of term %d commits %d, durable on %d replicas, quorum %d (own disk through %d)",
			r.term, r.commit, acked, r.quorum, r.persisted)
	}
	if t, _ := r.log.term(r.commit); t != r.term {
		panicf("leader of term %d commits %d of term %d by counting replicas (Figure 8)", r.term, r.commit, t)
	}
}

// checkLeaderLog checks that a leader's log ends in its own term: its
// no-op, appended when it took office, and every command after it are of
// its term. Commit (Figure 8) and client proposals rely on it.
func (r *Replica) checkLeaderLog() {
	if r.role == roleLeader && r.log.lastTerm() != r.term {
		panicf("leader of term %d has a log ending at %d in term %d", r.term, r.log.lastIndex(), r.log.lastTerm())
	}
}

// castVote records this replica's vote in its current term: at most one
// per term. Neither the vote in memory nor the one on disk for this term
// may name another candidate.
func (r *Replica) castVote(to NodeID) {
	r.checkVoteTerm()
	if r.vote != None && r.vote != to {
		panicf("term %d: voting for %d after voting for %d", r.term, to, r.vote)
	}
	if r.savedHard.Term == r.term && r.savedHard.Vote != None && r.savedHard.Vote != to {
		panicf("term %d: voting for %d, the disk says %d", r.term, to, r.savedHard.Vote)
	}
	r.vote, r.voteTerm, r.hardDirty = to, r.term, true
}

// checkVoteTerm checks that the vote held is one cast in the current term:
// a term change resets it.
func (r *Replica) checkVoteTerm() {
	if r.vote != None && r.voteTerm != r.term {
		panicf("vote for %d cast in term %d still held in term %d", r.vote, r.voteTerm, r.term)
	}
}

// checkHardStateWrite checks the hard state about to be written against
// the one last durable: the term never goes back, and within a term the
// vote, once cast, never changes.
func (r *Replica) checkHardStateWrite(hs HardState) {
	r.checkVoteTerm()
	prev := r.savedHard
	if hs.Term < prev.Term || (hs.Term == prev.Term && prev.Vote != None && hs.Vote != prev.Vote) {
		panicf("hard state (term %d, vote %d) about to replace (term %d, vote %d)", hs.Term, hs.Vote, prev.Term, prev.Vote)
	}
}
