package cluster

import (
	"time"

	"github.com/faultline/faultline/checkers"
	"github.com/faultline/faultline/ledger/replica"
	"github.com/faultline/faultline/sim"
)

// Observer feeds what replicas do to the checkers that judge it: the digest
// of the applied log at every index (convergence), the digest of the state
// machine after it (replica state, for machines that keep one), who led each term
// (election safety), the cluster time of applied entries, the terms each
// replica acted in and booted with (term durability), and when each index
// was first applied anywhere (liveness). It records facts; the checkers
// decide.
type Observer struct {
	Convergence    checkers.Convergence
	ReplicaStates  checkers.ReplicaStates
	ElectionSafety checkers.ElectionSafety
	ClusterTime    checkers.ClusterTime
	TermDurability checkers.TermDurability
	// Traffic counts what replicas send one another, and the log
	// positions they apply, for the traffic budget (bounded-traffic).
	Traffic *checkers.Traffic
	// FirstApplyTimes holds, for each index in order, the true time it was
	// first applied anywhere.
	FirstApplyTimes []time.Duration
	// LeaderElections lists every replica becoming leader.
	LeaderElections []LeaderElection
	// DeposedLeaderRequests counts client requests that reached a replica
	// which still believed it led, in a term older than another leader's:
	// the reads and writes a deposed leader must not answer from its own
	// state. Zero means no nemesis of the run reached that corner.
	DeposedLeaderRequests int
	maxLeaderTerm         uint64
}

// LeaderElection is one replica becoming leader.
type LeaderElection struct {
	Replica int
	Term    uint64
	At      sim.Time
}

func newObserver(replicas int) *Observer { return &Observer{Traffic: checkers.NewTraffic(replicas)} }

// StateDigester is a state machine that keeps a digest of its whole state,
// cheap to read after every applied entry (ledger.Machine does).
type StateDigester interface {
	StateDigest() [32]byte
}

func (o *Observer) applied(s *sim.Sim, id int, e *replica.Entry, digest [32]byte, sm replica.StateMachine) {
	now := time.Duration(s.Now())
	name := ReplicaName(id)
	o.Convergence.Applied(name, e.Index, digest, now)
	if d, ok := sm.(StateDigester); ok {
		o.ReplicaStates.Applied(name, e.Index, d.StateDigest(), now)
	}
	o.ClusterTime.Applied(name, e.Index, e.Timestamp)
	o.Traffic.Applied(id, e.Index)
	for uint64(len(o.FirstApplyTimes)) < e.Index {
		o.FirstApplyTimes = append(o.FirstApplyTimes, now)
	}
}

func (o *Observer) leader(s *sim.Sim, id int, term uint64) {
	o.ElectionSafety.Leader(ReplicaName(id), term, time.Duration(s.Now()))
	o.LeaderElections = append(o.LeaderElections, LeaderElection{Replica: id, Term: term, At: s.Now()})
	o.maxLeaderTerm = max(o.maxLeaderTerm, term)
}

// sent notes a message replica id sends to peer to: its kind, for the
// traffic budget, and the term the sender holds then.
// A pre-vote names the term it would start, one past its own; a pre-vote
// answer may carry the asker's, and a client's reply is no peer message.
//
// answered is the highest term the sender has been recorded answering in
// during its current life (0 when it starts): a message in no later term
// adds nothing to TermDurability, which keeps the highest, so it is not
// recorded again. Replicas send thousands of messages per term, and the
// record is a map update by name.
func (o *Observer) sent(id, to int, b []byte, answered *uint64) {
	kind, term, ok := replica.MessageHeader(b)
	if !ok {
		return
	}
	o.Traffic.Sent(id, to, kind, b)
	switch kind {
	case replica.MsgPreVote:
		term--
	case replica.MsgPreVoteResp, replica.MsgClientReply, replica.MsgClientRequest:
		return
	}
	if term > *answered {
		*answered = term
		o.TermDurability.Answered(ReplicaName(id), term)
	}
}

// clientRequest notes a client's request reaching replica r.
func (o *Observer) clientRequest(r *replica.Replica) {
	if st := r.Status(); st.Role == "leader" && st.Term < o.maxLeaderTerm {
		o.DeposedLeaderRequests++
	}
}

// Verdicts returns the verdicts of the replica-level invariants.
func (o *Observer) Verdicts() []checkers.Verdict {
	return []checkers.Verdict{o.Convergence.Verdict(), o.ReplicaStates.Verdict(), o.ElectionSafety.Verdict(),
		o.ClusterTime.Verdict(), o.TermDurability.Verdict()}
}
