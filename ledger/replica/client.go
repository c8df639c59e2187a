package replica

// waiter is a request a leader holds until the entry it proposed applies.
// Its answer goes to done, or, when done is nil, to node from as a
// MsgClientReply: the common case, a request that came over the network,
// needs no closure per request.
type waiter struct {
	index    uint64
	clientID uint64
	seq      uint64
	from     NodeID
	done     func(Reply)
}

// answer hands w its reply.
func (r *Replica) answer(w *waiter, rep Reply) {
	if w.done != nil {
		w.done(rep)
		return
	}
	r.send(w.from, Message{Kind: MsgClientReply, Reply: rep})
}

// Propose submits a request from a client attached to this replica (the
// Maelstrom adapter's way in); done is called exactly once with the outcome,
// possibly before Propose returns. A NotLeader answer means the request may
// or may not apply: retry it, with the same Seq, at the leader. The reply's
// Result is valid only until done returns: it may be the client session's
// buffer, which the client's next request reuses (see applyInto); copy it
// to keep it.
func (r *Replica) Propose(req Request, done func(Reply)) {
	if done == nil {
		panicf("propose of client %d seq %d with no callback", req.ClientID, req.Seq)
	}
	r.propose(req, None, done)
	r.flush()
}

func (r *Replica) handleClientRequest(from NodeID, req Request) {
	r.propose(req, from, nil)
}

// propose submits req; its answer goes to done, or, if done is nil, to
// node from (see waiter).
func (r *Replica) propose(req Request, from NodeID, done func(Reply)) {
	reply := Reply{ClientID: req.ClientID, Seq: req.Seq, Leader: r.leader}
	switch {
	case r.stopped != nil:
		reply.Status, reply.Leader = StatusStopped, None
	case r.role != roleLeader || r.transferee != None:
		reply.Status = StatusNotLeader
		if r.transferee != None {
			reply.Leader = r.transferee
		}
	case len(r.waiters) >= r.cfg.PendingMax || len(req.Command) > EntryDataMax-16:
		reply.Status = StatusBusy
	default:
		if status, result, ok := r.sessions.lookup(&req); ok {
			reply.Status, reply.Result = status, result
			break
		}
		index := r.appendEntry(EntryCommand, r.encodeRequest(&req))
		r.waiters = append(r.waiters, waiter{index: index, clientID: req.ClientID, seq: req.Seq, from: from, done: done})
		return
	}
	r.answer(&waiter{from: from, done: done}, reply)
}

// answerWaiters answers the requests that waited on entry e. A waiter whose
// index holds another request cannot arise while this replica leads, but if
// it did, the honest answer is Unknown: the retry settles the outcome.
func (r *Replica) answerWaiters(e *Entry, req *Request, status ReplyStatus, result []byte) {
	for len(r.waiters) > 0 && r.waiters[0].index <= e.Index {
		w := r.waiters[0]
		r.waiters[0] = waiter{}
		r.waiters = r.waiters[1:]
		reply := Reply{ClientID: w.clientID, Seq: w.seq, Leader: r.leader, Index: e.Index}
		if w.index == e.Index && e.Kind == EntryCommand && req.ClientID == w.clientID && req.Seq == w.seq {
			reply.Status, reply.Result = status, result
		} else {
			reply.Status = StatusUnknown
		}
		r.answer(&w, reply)
	}
}

// failWaiters answers every waiting request with status, in log order.
func (r *Replica) failWaiters(status ReplyStatus) {
	waiters := r.waiters
	r.waiters = nil
	for _, w := range waiters {
		leader := r.leader
		if status == StatusStopped {
			leader = None
		}
		r.answer(&w, Reply{ClientID: w.clientID, Seq: w.seq, Status: status, Leader: leader})
	}
}
