package replica

import "fmt"

// checkTerm applies Raft's term rules to an incoming peer message and
// reports whether the message should be handled further.
func (r *Replica) checkTerm(from NodeID, m *Message) bool {
	switch {
	case m.Term > r.term:
		if m.Kind == MsgPreVote || (m.Kind == MsgPreVoteResp && m.Granted) {
			return true // a pre-vote never moves terms
		}
		if m.Kind == MsgVote && !m.Transfer && r.inLease() {
			// CheckQuorum's other half: while this replica hears from a
			// live leader, a candidate (say, one back from a partition)
			// may not depose it.
			return false
		}
		leader := None
		if m.Kind == MsgAppend || m.Kind == MsgSnapshot {
			leader = from
		}
		r.becomeFollower(m.Term, leader)
		return true
	case m.Term < r.term:
		switch m.Kind {
		case MsgAppend, MsgSnapshot:
			// Tell a stale leader about the newer term so it steps down.
			r.send(from, Message{Kind: MsgAppendResp, Success: false})
		case MsgPreVote:
			r.send(from, Message{Kind: MsgPreVoteResp, Granted: false})
		}
		return false
	}
	return true
}

// inLease reports whether this replica has heard from a leader within the
// minimum election timeout.
func (r *Replica) inLease() bool {
	return r.leader != None && r.electionElapsed < r.cfg.ElectionTicks
}

func (r *Replica) tick() {
	r.electionElapsed++
	if r.role == roleLeader {
		r.tickLeader()
		return
	}
	if r.electionElapsed >= r.electionTimeout {
		r.electionElapsed = 0
		if r.recovering == nil || r.mayBootstrap() {
			r.campaign(true, false)
		}
	}
}

func (r *Replica) tickLeader() {
	r.checkLeaderLog()
	r.heartbeatElapsed++
	if r.electionElapsed >= r.cfg.ElectionTicks {
		r.electionElapsed = 0
		if !r.quorumActive() {
			r.env.Record(fmt.Sprintf("stepping down in term %d: no quorum heard from", r.term))
			r.becomeFollower(r.term, None)
			return
		}
		if r.transferee != None {
			r.env.Record(fmt.Sprintf("leader transfer to %d timed out", r.transferee))
			r.transferee = None
		}
	}
	if r.heartbeatElapsed >= r.cfg.HeartbeatTicks {
		r.heartbeatElapsed = 0
		r.broadcastHeartbeat()
	}
}

// quorumActive reports whether a quorum (this leader included) has been
// heard from since the last check, and starts a new check.
func (r *Replica) quorumActive() bool {
	active := 0
	for i, p := range r.peers {
		if p == r.cfg.ID || r.progress[i].recentActive {
			active++
		}
		r.progress[i].recentActive = false
	}
	return active >= r.quorum
}

// campaign starts a pre-vote or a real election.
func (r *Replica) campaign(pre, transfer bool) {
	r.stats.Elections++
	for i := range r.votes {
		r.votes[i] = 0
	}
	r.votes[r.peerIndex(r.cfg.ID)] = 1
	kind, term := MsgVote, r.term+1
	if pre {
		r.role, r.leader = rolePreCandidate, None
		kind = MsgPreVote
	} else {
		r.becomeCandidate()
		term = r.term
	}
	if r.votesNeeded() == 1 {
		r.electionWon(pre)
		return
	}
	for _, p := range r.peers {
		if p != r.cfg.ID {
			r.send(p, Message{Kind: kind, Term: term, LastIndex: r.log.lastIndex(),
				LastTerm: r.log.lastTerm(), Transfer: transfer})
		}
	}
}

func (r *Replica) electionWon(pre bool) {
	if pre {
		r.campaign(false, false)
		return
	}
	r.becomeLeader()
}

// handlePreVote answers a pre-vote; bootstrap says it is the bootstrap
// replica's that this replica may grant though it abstains (bootstrapAsk).
func (r *Replica) handlePreVote(from NodeID, m *Message, bootstrap bool) {
	grant := m.Term > r.term && r.log.isUpToDate(m.LastTerm, m.LastIndex) &&
		!r.inLease() && (bootstrap || r.recovering.vouchesFor(m.LastTerm, m.LastIndex))
	reply := Message{Kind: MsgPreVoteResp, Granted: grant}
	if grant {
		reply.Term = m.Term
	}
	r.send(from, reply)
}

// handleVote answers a vote request; bootstrap as for handlePreVote.
func (r *Replica) handleVote(from NodeID, m *Message, bootstrap bool) {
	r.checkVoteTerm()
	canVote := r.vote == from || (r.vote == None && r.leader == None)
	grant := canVote && r.log.isUpToDate(m.LastTerm, m.LastIndex) &&
		(bootstrap || r.recovering.vouchesFor(m.LastTerm, m.LastIndex))
	if grant && bootstrap {
		r.env.Record(fmt.Sprintf("blank and in term 0: granting bootstrap replica %d its term-1 vote", from))
	} else if grant && r.recovering != nil {
		r.env.Record(fmt.Sprintf("storage damaged, but candidate %d holds everything acknowledged here (term %d, index %d): voting",
			from, m.LastTerm, m.LastIndex))
	}
	if grant {
		r.castVote(from)
		r.electionElapsed = 0
	}
	r.send(from, Message{Kind: MsgVoteResp, Granted: grant})
}

func (r *Replica) handleVoteResp(from NodeID, m *Message) {
	pre := m.Kind == MsgPreVoteResp
	if (pre && r.role != rolePreCandidate) || (!pre && r.role != roleCandidate) {
		return
	}
	if pre && m.Granted && m.Term != r.term+1 {
		return // an answer to an older pre-vote
	}
	vote := int8(-1)
	if m.Granted {
		vote = 1
	}
	r.votes[r.peerIndex(from)] = vote
	granted, rejected := 0, 0
	for _, v := range r.votes {
		switch v {
		case 1:
			granted++
		case -1:
			rejected++
		}
	}
	need := r.votesNeeded()
	switch {
	case granted >= need:
		r.electionWon(pre)
	case rejected >= r.quorum || (need > r.quorum && rejected > 0):
		r.becomeFollower(r.term, None)
	}
}

func (r *Replica) handleTimeoutNow(from NodeID, m *Message) {
	if r.recovering != nil || r.role == roleLeader {
		return
	}
	r.env.Record(fmt.Sprintf("leader %d hands over: campaigning now", from))
	r.stats.Handovers++
	r.campaign(false, true)
}

func (r *Replica) resetElectionTimer() {
	r.electionElapsed = 0
	r.heartbeatElapsed = 0
	r.electionTimeout = r.cfg.ElectionTicks + r.env.Rand().IntN(r.cfg.ElectionTicks)
}

func (r *Replica) becomeFollower(term uint64, leader NodeID) {
	if term < r.term {
		panicf("becoming a follower in term %d from term %d", term, r.term)
	}
	if term > r.term {
		r.term = term
		r.vote = None
		r.hardDirty = true
	}
	if r.role == roleLeader {
		r.failWaiters(StatusUnknown)
	}
	r.role = roleFollower
	r.leader = leader
	r.transferee = None
	r.resetElectionTimer()
	if r.incoming != nil && r.incoming.term != r.term {
		r.incoming = nil // a transfer of an older term never completes
	}
}

func (r *Replica) becomeCandidate() {
	r.term++
	r.vote = None // a new term: no vote cast in it yet
	r.incoming = nil
	r.castVote(r.cfg.ID)
	r.role = roleCandidate
	r.leader = None
	r.resetElectionTimer()
}

func (r *Replica) becomeLeader() {
	if r.recovering != nil {
		r.bootstrapped() // the only way an abstaining replica wins
	}
	r.role = roleLeader
	r.leader = r.cfg.ID
	r.transferee = None
	r.resetElectionTimer()
	r.stats.LeaderTerms++
	for i := range r.progress {
		r.progress[i] = progress{next: r.log.lastIndex() + 1, state: probeState, recentActive: true}
	}
	r.env.Record(fmt.Sprintf("became leader in term %d", r.term))
	if r.cfg.OnLeader != nil {
		r.cfg.OnLeader(r.term)
	}
	// A new leader commits entries of earlier terms only by committing
	// one of its own (Figure 8): the no-op does that at once.
	r.appendEntry(EntryNoop, nil)
}

// TransferLeadership asks the leader to hand leadership to peer to once
// it has caught up; proposals are refused meanwhile. The transfer is
// abandoned after an election timeout.
func (r *Replica) TransferLeadership(to NodeID) error {
	if r.stopped != nil {
		return r.stopped
	}
	if r.role != roleLeader {
		return fmt.Errorf("replica %d: transfer leadership: not the leader", r.cfg.ID)
	}
	i := r.peerIndex(to)
	if i < 0 || to == r.cfg.ID {
		return fmt.Errorf("replica %d: transfer leadership: %d is not another peer", r.cfg.ID, to)
	}
	r.transferee = to
	r.electionElapsed = 0
	if r.progress[i].match == r.log.lastIndex() {
		r.send(to, Message{Kind: MsgTimeoutNow})
	} else {
		r.maybeSendAppend(i, true)
	}
	r.flush()
	return nil
}
