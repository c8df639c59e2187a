package cluster

import (
	"time"

	"github.com/faultline/faultline/ledger/replica"
	"github.com/faultline/faultline/sim"
)

// Outcome is what a client learned about one request.
type Outcome uint8

const (
	// OutcomeOK: the request applied, exactly once; Result is its answer.
	OutcomeOK Outcome = iota + 1
	// OutcomeFailed: the request certainly did not apply.
	OutcomeFailed
	// OutcomeUnknown: the client gave up without learning whether it
	// applied. Checkers must treat it as possibly applied, at any later time.
	OutcomeUnknown
)

// String names the outcome.
func (o Outcome) String() string {
	switch o {
	case OutcomeOK:
		return "ok"
	case OutcomeFailed:
		return "failed"
	case OutcomeUnknown:
		return "unknown"
	}
	return "?"
}

// Op is one request as the client saw it, with true invoke and completion
// times for the linearizability checker.
type Op struct {
	Command   []byte
	Seq       uint64
	Outcome   Outcome
	Status    replica.ReplyStatus // the last reply's status, if any
	Result    []byte
	Index     uint64 // log index it applied at, when OK
	Invoked   sim.Time
	Completed sim.Time
	Attempts  int
}

// Driver decides what a client does. The client calls Next whenever it is
// idle and Completed when a request finishes.
type Driver interface {
	// Next returns the next command, after waiting wait; a nil command
	// with ok true means "ask again after wait"; ok false stops the client.
	Next(c *Client) (command []byte, wait time.Duration, ok bool)
	// Completed reports a finished request.
	Completed(c *Client, op *Op)
}

// ClientOptions shape a client's retry behaviour.
type ClientOptions struct {
	// AttemptTimeout is how long to wait for one reply before trying the
	// next replica with the same request.
	AttemptTimeout time.Duration
	// GiveUpAfter is how long to keep retrying before recording the
	// request's outcome as unknown.
	GiveUpAfter time.Duration
	// Backoff is the pause before retrying after a NotLeader without a
	// hint or a Busy.
	Backoff time.Duration
}

// DefaultClientOptions suit a LAN cluster with 150-300ms elections.
func DefaultClientOptions() ClientOptions {
	return ClientOptions{AttemptTimeout: 250 * time.Millisecond, GiveUpAfter: 3 * time.Second, Backoff: 20 * time.Millisecond}
}

// Client is a simulated client node with one exactly-once session: it sends
// one request at a time, follows leader hints, and retries a request with
// the same sequence number against other replicas until it gets an answer
// or gives up. The session is registered first (sequence 0).
type Client struct {
	sim      *sim.Sim
	env      *sim.Env
	id       uint64
	replicas []sim.NodeID
	opts     ClientOptions
	driver   Driver

	target  int // index into replicas
	seq     uint64
	current *Op
	pending []byte // the encoded request being sent
	queued  []byte // the next command, waiting out its think time
	timer   sim.TimerID
	stopped bool
}

// Timer tags of a client.
const (
	tagAttempt = iota + 1
	tagNext
)

// NewClient returns a client node factory. clientID must be unique in the
// cluster; replicas are the replica addresses.
func NewClient(s func() *sim.Sim, clientID uint64, replicas []sim.NodeID, opts ClientOptions, driver Driver) func() sim.Node {
	return func() sim.Node {
		return &Client{sim: s(), id: clientID, replicas: replicas, opts: opts, driver: driver}
	}
}

// ID returns the client's session ID.
func (c *Client) ID() uint64 { return c.id }

// Now returns the true simulated time, which the harness (not the system
// under test) uses to time operations for the checkers.
func (c *Client) Now() sim.Time { return c.sim.Now() }

// Env returns the client node's environment (its random stream, clocks).
func (c *Client) Env() *sim.Env { return c.env }

// Start implements sim.Node: register the session.
func (c *Client) Start(env *sim.Env) {
	c.env = env
	c.target = int(c.id % uint64(len(c.replicas)))
	c.submit(nil)
}

func (c *Client) submit(command []byte) {
	now := c.sim.Now()
	c.current = &Op{Command: command, Seq: c.seq, Invoked: now}
	req := replica.Request{ClientID: c.id, Seq: c.seq, Command: command}
	c.pending = replica.EncodeMessage(&replica.Message{Kind: replica.MsgClientRequest, Request: req})
	c.attempt()
}

func (c *Client) attempt() {
	c.current.Attempts++
	c.env.Send(c.replicas[c.target], c.pending)
	c.env.CancelTimer(c.timer)
	c.timer = c.env.SetTimer(c.opts.AttemptTimeout, tagAttempt)
}

// Receive implements sim.Node.
func (c *Client) Receive(from sim.NodeID, b []byte) {
	m, err := replica.DecodeMessage(b)
	if err != nil || m.Kind != replica.MsgClientReply || c.current == nil ||
		m.Reply.ClientID != c.id || m.Reply.Seq != c.current.Seq {
		return // garbage, or a late answer to an earlier attempt
	}
	c.current.Status = m.Reply.Status
	switch m.Reply.Status {
	case replica.StatusOK:
		c.current.Result, c.current.Index = m.Reply.Result, m.Reply.Index
		c.finish(OutcomeOK)
	case replica.StatusSessionExpired, replica.StatusStaleRequest:
		c.finish(OutcomeFailed)
	case replica.StatusNotLeader:
		if hint := c.replicaIndex(sim.NodeID(m.Reply.Leader)); hint >= 0 && hint != c.target {
			c.target = hint
			c.attempt()
			return
		}
		c.retryLater()
	default: // unknown, busy, stopped: retry the same request
		c.retryLater()
	}
}

func (c *Client) retryLater() {
	c.target = (c.target + 1) % len(c.replicas)
	c.env.CancelTimer(c.timer)
	c.timer = c.env.SetTimer(c.opts.Backoff, tagAttempt)
}

func (c *Client) replicaIndex(id sim.NodeID) int {
	for i, r := range c.replicas {
		if r == id {
			return i
		}
	}
	return -1
}

// Timer implements sim.Node.
func (c *Client) Timer(tag uint64) {
	switch tag {
	case tagAttempt:
		if c.current == nil {
			return
		}
		if c.sim.Now().Sub(c.current.Invoked) >= c.opts.GiveUpAfter {
			c.finish(OutcomeUnknown)
			return
		}
		c.target = (c.target + 1) % len(c.replicas)
		c.attempt()
	case tagNext:
		c.next()
	}
}

func (c *Client) finish(o Outcome) {
	op := c.current
	op.Outcome, op.Completed = o, c.sim.Now()
	c.current = nil
	c.env.CancelTimer(c.timer)
	if op.Seq == 0 {
		if o != OutcomeOK {
			c.submit(nil) // registration must succeed before anything else
			return
		}
	} else {
		c.driver.Completed(c, op)
	}
	c.seq++
	c.next()
}

func (c *Client) next() {
	if c.stopped {
		return
	}
	if cmd := c.queued; cmd != nil {
		c.queued = nil
		c.submit(cmd)
		return
	}
	cmd, wait, ok := c.driver.Next(c)
	switch {
	case !ok:
		c.stopped = true
	case wait > 0 || cmd == nil:
		c.queued = cmd
		c.timer = c.env.SetTimer(max(wait, time.Microsecond), tagNext)
	default:
		c.submit(cmd)
	}
}
