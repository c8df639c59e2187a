package cluster

import (
	"github.com/faultline/faultline/ledger/client"
	"github.com/faultline/faultline/ledger/replica"
)

// BrokenClient plants one of the client-library bugs that exactly-once per
// transfer ID cannot see but the intent checker must: they live in the
// harness's adapter, not in the library, and only tests set them.
type BrokenClient struct {
	// RetryUnderFreshIDs, if set, makes the client resend a request whose
	// outcome stayed unknown, once, as a new request with the command this
	// returns (the same transfers under new IDs; nil leaves the request
	// unknown), and tell the application that outcome: a request that had
	// applied applies twice.
	RetryUnderFreshIDs func(command []byte) []byte
	// AckDroppedRetry, if set, makes the client drop every resend of a
	// request and, when the request's outcome stays unknown, tell the
	// application it succeeded with the result this returns: an
	// acknowledged request that never applied.
	AckDroppedRetry func(command []byte) []byte
}

// brokenState is what a broken client remembers between events.
type brokenState struct {
	sentSeq uint64 // the last request sequence sent, to spot resends
	sentSes uint64
	resent  bool // the current request was resent under fresh IDs
}

// send reports whether the message goes out; a dropping client keeps only
// each request's first attempt (registrations always go).
func (b *brokenState) send(c *Client, data []byte) bool {
	if c.opts.Broken == nil || c.opts.Broken.AckDroppedRetry == nil {
		return true
	}
	m, err := replica.DecodeMessage(data)
	if err != nil || m.Request.Seq == 0 {
		return true
	}
	if m.Request.Seq == b.sentSeq && m.Request.ClientID == b.sentSes {
		return false
	}
	b.sentSeq, b.sentSes = m.Request.Seq, m.Request.ClientID
	return true
}

// intercept rewrites an unknown outcome as the planted bug would, and
// reports whether the request goes on (so the driver is not told yet).
func (b *brokenState) intercept(c *Client, d *client.Completion) bool {
	bug := c.opts.Broken
	if bug == nil || d.Outcome != client.OutcomeUnknown || len(d.Command) == 0 {
		b.resent = false
		return false
	}
	switch {
	case bug.AckDroppedRetry != nil:
		if result := bug.AckDroppedRetry(d.Command); result != nil {
			d.Outcome, d.Reason, d.Status, d.Result = client.OutcomeOK, client.ReasonNone, replica.StatusOK, result
		}
	case bug.RetryUnderFreshIDs != nil && !b.resent:
		if fresh := bug.RetryUnderFreshIDs(d.Command); fresh != nil {
			b.resent = true
			c.current.Attempts += d.Attempts
			if _, err := c.lib.Submit(c.env.Monotonic(), fresh); err != nil {
				panic(err)
			}
			return true
		}
	}
	b.resent = false
	return false
}
