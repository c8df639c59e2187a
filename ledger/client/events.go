package client

import (
	"time"

	"github.com/faultline/faultline/ledger/replica"
)

// Receive feeds a message from a replica. Garbage, and answers to requests
// the client no longer waits for, are dropped. data is read during the
// call only: the client copies what it keeps.
func (c *Client) Receive(now time.Duration, from replica.NodeID, data []byte) {
	var m replica.Message
	if err := replica.DecodeMessageAliasing(data, &m); err != nil || m.Kind != replica.MsgClientReply {
		return
	}
	r := c.active()
	if r == nil || m.Reply.ClientID != c.session || m.Reply.Seq != r.seq || r.attempts == 0 {
		return
	}
	rep := &m.Reply
	switch rep.Status {
	case replica.StatusOK:
		r.status = rep.Status
		c.answered(now, r, rep)
	case replica.StatusSessionExpired, replica.StatusStaleRequest:
		// Facts about the replicated sessions, whichever replica says them.
		r.status = rep.Status
		c.lostSession(now, r, rep.Status)
	default:
		// NotLeader, Busy, Stopped, Unknown speak for one attempt: only the
		// current target's answer is about the attempt in flight.
		if from != c.cfg.Replicas[c.target] {
			return
		}
		r.status = rep.Status
		c.redirect(now, rep)
	}
}

// Tick feeds the passing of time: give up a request past its deadline,
// resend after a backoff, or resend to the next replica after an attempt
// went unanswered.
func (c *Client) Tick(now time.Duration) {
	if c.cur != nil && now >= c.cur.deadline {
		c.giveUp(now)
	}
	if c.active() == nil {
		c.attemptEnd, c.retryAt = 0, 0
		return
	}
	switch {
	case c.retryAt > 0 && now >= c.retryAt:
		c.attempt(now)
	case c.attemptEnd > 0 && now >= c.attemptEnd:
		c.rotate()
		c.attempt(now)
	}
}

func (c *Client) answered(now time.Duration, r *request, rep *replica.Reply) {
	c.resetRetries()
	if r == c.reg {
		c.reg, c.registered = nil, true
		c.sessions++
		c.attemptEnd = 0
		if c.cur != nil {
			c.attempt(now)
		}
		return
	}
	c.complete(Completion{Outcome: OutcomeOK, Result: c.keepResult(rep.Result), Index: rep.Index})
}

// lostSession handles a session the replicas no longer know (evicted) or
// that moved past this request. Either way the request may have applied
// earlier (an earlier attempt before the eviction, or before the session
// moved on) and the session cannot say: the outcome is unknown, never
// failed. After an eviction the client registers a new session, so later
// requests work.
func (c *Client) lostSession(now time.Duration, r *request, status replica.ReplyStatus) {
	if r == c.reg {
		c.retryLater(now) // a registration is never refused so; resend it
		return
	}
	reason := ReasonStale
	if status == replica.StatusSessionExpired {
		reason = ReasonSessionExpired
	}
	c.complete(Completion{Outcome: OutcomeUnknown, Reason: reason})
	if reason == ReasonSessionExpired {
		if c.cfg.NextSessionID != nil {
			c.session = c.cfg.NextSessionID(c.session)
		}
		c.register(now)
	}
}

// redirect follows a NotLeader hint at once, or tries the next replica
// after a backoff. Hints in a row are capped at one per replica, so two
// replicas that each name the other cannot bounce a request at network
// speed until its deadline.
func (c *Client) redirect(now time.Duration, rep *replica.Reply) {
	if rep.Status == replica.StatusNotLeader && c.hints < len(c.cfg.Replicas) {
		if i := c.replicaIndex(rep.Leader); i >= 0 && i != c.target {
			c.hints++
			c.target = i
			c.attempt(now)
			return
		}
	}
	c.rotate()
	c.retryLater(now)
}

func (c *Client) retryLater(now time.Duration) {
	pause := c.cfg.Backoff << min(c.backoffs, 16)
	c.backoffs++
	c.retryAt, c.attemptEnd = now+min(pause, c.cfg.backoffMax()), 0
}

func (c *Client) rotate() { c.target = (c.target + 1) % len(c.cfg.Replicas) }

func (c *Client) giveUp(now time.Duration) {
	if c.registered && c.reg == nil {
		c.complete(Completion{Outcome: OutcomeUnknown, Reason: ReasonGaveUp})
		return
	}
	// Still registering: this request never left the client.
	c.complete(Completion{Outcome: OutcomeFailed, Reason: ReasonNeverSent})
}

// complete finishes the application's request.
func (c *Client) complete(done Completion) {
	r := c.cur
	done.SessionID, done.Seq, done.Command = c.session, r.seq, r.command
	done.Status, done.Attempts = r.status, r.attempts
	c.ready.Completions = append(c.ready.Completions, done)
	c.cur = nil
	if c.reg == nil { // else the registration keeps its own timers and backoff
		c.attemptEnd, c.retryAt = 0, 0
		c.resetRetries()
	}
}

func (c *Client) replicaIndex(id replica.NodeID) int {
	for i, r := range c.cfg.Replicas {
		if r == id {
			return i
		}
	}
	return -1
}
