package cluster

import (
	"fmt"
	"time"

	"github.com/faultline/faultline/ledger/client"
	"github.com/faultline/faultline/ledger/replica"
	"github.com/faultline/faultline/sim"
)

// Outcome is what a client learned about one request: the client library's.
type Outcome = client.Outcome

// The outcomes, as the client library defines them.
const (
	// OutcomeOK: the request applied, exactly once; Result is its answer.
	OutcomeOK = client.OutcomeOK
	// OutcomeFailed: the request certainly did not apply (it never left
	// the client).
	OutcomeFailed = client.OutcomeFailed
	// OutcomeUnknown: the client could not learn whether it applied.
	// Checkers must treat it as possibly applied, at any later time.
	OutcomeUnknown = client.OutcomeUnknown
)

// Op is one request as the client saw it, with true invoke and completion
// times for the linearizability checker.
type Op struct {
	Command []byte
	Session uint64 // the session it ran under
	Seq     uint64
	Outcome Outcome
	Reason  client.Reason       // why it ended without an answer, if it did
	Status  replica.ReplyStatus // the last reply's status, if any
	Result  []byte
	Index   uint64 // log index it applied at, when OK
	// Invoked and Completed are true simulated times: the harness's, not
	// the client's (whose clock may drift).
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
	// Completed reports a finished request. op is the client's, valid
	// during the call only: the client reuses it for its next request.
	Completed(c *Client, op *Op)
}

// ClientOptions shape a client's retry behaviour (see client.Config).
type ClientOptions struct {
	// AttemptTimeout is how long to wait for one reply before trying the
	// next replica with the same request.
	AttemptTimeout time.Duration
	// GiveUpAfter is how long to keep retrying before recording the
	// request's outcome as unknown.
	GiveUpAfter time.Duration
	// Backoff is the first pause before retrying after a NotLeader without
	// a hint or a Busy; pauses in a row double it up to eight times.
	Backoff time.Duration
	// StartAtHome starts every request at the client's home replica (its
	// ID modulo the replicas), as a client connected to one node does,
	// instead of at the leader the last request found (client.Config's
	// StartAtHome).
	StartAtHome bool
	// StartAfter delays the client's session registration: a batch job
	// that joins a running cluster, whose registration may evict another
	// client's session from a full table. Zero starts with the cluster.
	StartAfter time.Duration
	// Broken plants a deliberately broken client, for the negative tests of
	// the checkers; nil in every real run.
	Broken *BrokenClient
}

// DefaultClientOptions suit a LAN cluster with 150-300ms elections.
func DefaultClientOptions() ClientOptions {
	return ClientOptions{AttemptTimeout: 250 * time.Millisecond, GiveUpAfter: 3 * time.Second, Backoff: 20 * time.Millisecond}
}

// sessionStride separates a client's successive session IDs: client IDs
// are small, so base + k*stride never collides with another client's.
const sessionStride = 1 << 32

// Client is a simulated client node: a thin adapter that runs the ledger's
// client library (sessions, retries of the same request, leader discovery,
// eviction) on the simulator's network, timers and clock, and records each
// request as an Op for the checkers.
type Client struct {
	sim      *sim.Sim
	env      *sim.Env
	id       uint64
	replicas []sim.NodeID
	opts     ClientOptions
	driver   Driver

	lib       *client.Client
	current   *Op    // the request in flight, nil if none; it points to op
	op        Op     // the one request a client has in flight at a time
	queued    []byte // the next command, waiting out its think time
	nextTimer sim.TimerID
	wakeTimer sim.TimerID
	wakeAt    time.Duration // the library's requested wake time, on this node's clock
	started   bool          // the driver runs once the first session registered
	stopped   bool
	broken    brokenState
}

// Timer tags of a client.
const (
	tagWake = iota + 1
	tagNext
	tagStart
)

// NewClient returns a client node factory. clientID must be unique in the
// cluster; replicas are the replica addresses.
func NewClient(s func() *sim.Sim, clientID uint64, replicas []sim.NodeID, opts ClientOptions, driver Driver) func() sim.Node {
	return func() sim.Node {
		return &Client{sim: s(), id: clientID, replicas: replicas, opts: opts, driver: driver}
	}
}

// ID returns the client's first session ID, which names the client.
func (c *Client) ID() uint64 { return c.id }

// Sessions counts the sessions the client registered: more than one means
// the cluster evicted one.
func (c *Client) Sessions() int { return c.lib.Sessions() }

// Now returns the true simulated time, which the harness (not the system
// under test) uses to time operations for the checkers.
func (c *Client) Now() sim.Time { return c.sim.Now() }

// Env returns the client node's environment (its random stream, clocks).
func (c *Client) Env() *sim.Env { return c.env }

// Start implements sim.Node: register the session, now or, for a client
// that joins later, after StartAfter.
func (c *Client) Start(env *sim.Env) {
	c.env = env
	ids := make([]replica.NodeID, len(c.replicas))
	for i, r := range c.replicas {
		ids[i] = replica.NodeID(r)
	}
	lib, err := client.New(client.Config{SessionID: c.id, Replicas: ids, FirstTarget: int(c.id % uint64(len(ids))),
		AttemptTimeout: c.opts.AttemptTimeout, GiveUpAfter: c.opts.GiveUpAfter, Backoff: c.opts.Backoff, StartAtHome: c.opts.StartAtHome,
		NextSessionID: func(prev uint64) uint64 { return prev + sessionStride }})
	if err != nil {
		panic(fmt.Sprintf("client %d: %v", c.id, err)) // the scenario's options are validated before
	}
	c.lib = lib
	if c.opts.StartAfter > 0 {
		env.SetTimer(c.opts.StartAfter, tagStart)
		return
	}
	lib.Start(env.Monotonic())
	c.flush()
}

// Receive implements sim.Node.
func (c *Client) Receive(from sim.NodeID, b []byte) {
	c.lib.Receive(c.env.Monotonic(), replica.NodeID(from), b)
	c.flush()
}

// Timer implements sim.Node.
func (c *Client) Timer(tag uint64) {
	switch tag {
	case tagWake:
		c.wakeAt, c.wakeTimer = 0, 0
		c.lib.Tick(c.env.Monotonic())
	case tagNext:
		c.nextTimer = 0
		c.next()
	case tagStart:
		c.lib.Start(c.env.Monotonic())
	}
	c.flush()
}

// flush does what the library asks: send, arm its timer, and hand finished
// requests to the driver, whose next request may make more to do.
func (c *Client) flush() {
	for {
		if !c.started && c.lib.Registered() {
			c.started = true
			c.next()
		}
		rd := c.lib.Ready()
		for _, m := range rd.Messages {
			if c.broken.send(c, m.Data) {
				c.env.Send(sim.NodeID(m.To), m.Data)
			}
		}
		c.armWake(rd.WakeAt)
		if len(rd.Completions) == 0 {
			return
		}
		for _, d := range rd.Completions {
			c.finish(d)
		}
	}
}

func (c *Client) armWake(at time.Duration) {
	if at == c.wakeAt {
		return
	}
	if c.wakeTimer != 0 {
		c.env.CancelTimer(c.wakeTimer)
		c.wakeTimer = 0
	}
	c.wakeAt = at
	if at > 0 {
		c.wakeTimer = c.env.SetTimer(max(at-c.env.Monotonic(), time.Microsecond), tagWake)
	}
}

func (c *Client) submit(command []byte) {
	c.op = Op{Command: command, Invoked: c.sim.Now()}
	c.current = &c.op
	seq, err := c.lib.Submit(c.env.Monotonic(), command)
	if err != nil {
		panic(fmt.Sprintf("client %d: %v", c.id, err)) // the adapter runs one request at a time
	}
	c.current.Seq, c.current.Session = seq, c.lib.SessionID()
}

func (c *Client) finish(d client.Completion) {
	if c.broken.intercept(c, &d) {
		return
	}
	op := c.current
	c.current = nil
	op.Session, op.Seq, op.Outcome, op.Reason, op.Status = d.SessionID, d.Seq, d.Outcome, d.Reason, d.Status
	op.Result, op.Index, op.Completed = d.Result, d.Index, c.sim.Now()
	op.Attempts += d.Attempts
	c.driver.Completed(c, op)
	c.next()
}

func (c *Client) next() {
	if c.stopped || c.current != nil || c.nextTimer != 0 {
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
		c.nextTimer = c.env.SetTimer(max(wait, time.Microsecond), tagNext)
	default:
		c.submit(cmd)
	}
}
