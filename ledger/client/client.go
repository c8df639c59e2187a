package client

import (
	"errors"
	"time"

	"github.com/faultline/faultline/ledger/replica"
)

// ErrInFlight is returned by Submit while an earlier request is unfinished:
// a session runs one request at a time, which is what lets the replica's
// session remember only the latest result.
var ErrInFlight = errors.New("client: a request is already in flight")

// Outbound is a message the caller must send.
type Outbound struct {
	To   replica.NodeID
	Data []byte
}

// Ready is everything the caller must do after feeding the client events,
// as etcd raft's Ready: send Messages, deliver Completions to the
// application, and call Tick at WakeAt (or later; early calls are harmless).
type Ready struct {
	Messages    []Outbound
	Completions []Completion
	// WakeAt is the time, on the caller's clock, at which the client next
	// needs a Tick; zero means it waits for nothing.
	WakeAt time.Duration
	// results holds the bytes of the Completions' Results: replies are
	// decoded in place, in the caller's buffer, and a result is copied
	// here, into an array that turns over with the Ready's others.
	results []byte
}

// request is one request in flight: the application's, or a registration.
type request struct {
	seq      uint64
	command  []byte
	encoded  []byte        // built at the first send, then resent as is
	deadline time.Duration // give up at; zero for a registration, which never gives up
	attempts int
	status   replica.ReplyStatus
}

// Client is one exactly-once session against a cluster. It is not safe for
// concurrent use: the caller feeds it one event at a time.
type Client struct {
	cfg        Config
	session    uint64
	registered bool
	sessions   int    // registrations completed
	seq        uint64 // the last sequence number used; never reused, across sessions too
	target     int    // index into cfg.Replicas of the replica tried next
	reg        *request
	cur        *request
	attemptEnd time.Duration // when the attempt in flight times out; zero if none
	retryAt    time.Duration // when to resend after a backoff; zero if none
	backoffs   int           // pauses in a row, for the exponential backoff
	hints      int           // leader hints followed in a row
	ready      Ready
	spare      Ready // the arrays the last Ready returned, reused by the next one
	// encodedSpare is the encoding of the application's last request, whose
	// array the next request's encoding reuses unless a Ready still holds it.
	encodedSpare []byte
	// regRequest and curRequest are where reg and cur point when set:
	// one request of each kind is in flight at a time, so they need no
	// allocation of their own.
	regRequest, curRequest request
}

// New returns a client; Start registers its session.
func New(cfg Config) (*Client, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Client{cfg: cfg, session: cfg.SessionID, target: cfg.FirstTarget % len(cfg.Replicas)}, nil
}

// SessionID returns the current session's ID.
func (c *Client) SessionID() uint64 { return c.session }

// Registered reports whether the current session is registered.
func (c *Client) Registered() bool { return c.registered }

// Sessions counts the registrations completed: more than one means the
// cluster evicted a session and the client registered again.
func (c *Client) Sessions() int { return c.sessions }

// Idle reports whether Submit would accept a request.
func (c *Client) Idle() bool { return c.cur == nil }

// Start registers the session (sequence 0): nothing else may go first.
func (c *Client) Start(now time.Duration) {
	if c.reg == nil && !c.registered {
		c.register(now)
	}
}

// Submit starts a request with the next sequence number and returns it. The
// request waits for the session's registration if that is still under way;
// its give-up deadline runs from now either way.
func (c *Client) Submit(now time.Duration, command []byte) (uint64, error) {
	if c.cur != nil {
		return 0, ErrInFlight
	}
	c.seq++
	c.encodedSpare = c.curRequest.encoded
	c.curRequest = request{seq: c.seq, command: command, deadline: now + c.cfg.GiveUpAfter}
	c.cur = &c.curRequest
	switch {
	case c.registered:
		c.resetRetries()
		if c.cfg.StartAtHome {
			c.target = c.cfg.FirstTarget % len(c.cfg.Replicas)
		}
		c.attempt(now)
	case c.reg == nil:
		c.register(now)
	}
	return c.seq, nil
}

// Ready returns what the caller must do now and forgets it. Its slices
// (and the bytes of its messages' Data and its completions' Results) are
// valid until the next call to Ready: the client alternates between
// two pairs of arrays, so that what the caller does with this Ready
// (submitting the next request as it hands out a completion) never writes
// into the arrays it is reading, and a client in steady state allocates
// none.
func (c *Client) Ready() Ready {
	rd := c.ready
	c.ready = Ready{Messages: c.spare.Messages[:0], Completions: c.spare.Completions[:0], results: c.spare.results[:0]}
	c.spare = rd
	rd.WakeAt = c.wakeAt()
	return rd
}

func (c *Client) wakeAt() time.Duration {
	var at time.Duration
	earliest := func(t time.Duration) {
		if t > 0 && (at == 0 || t < at) {
			at = t
		}
	}
	earliest(c.attemptEnd)
	earliest(c.retryAt)
	if c.cur != nil {
		earliest(c.cur.deadline)
	}
	return at
}

// active is the request whose attempts are on the wire: the registration
// while there is one, else the application's request.
func (c *Client) active() *request {
	if c.reg != nil {
		return c.reg
	}
	if c.registered {
		return c.cur
	}
	return nil
}

func (c *Client) register(now time.Duration) {
	c.registered = false
	c.regRequest = request{}
	c.reg = &c.regRequest
	c.resetRetries()
	c.attempt(now)
}

// attempt sends the active request, unchanged, to the current target.
func (c *Client) attempt(now time.Duration) {
	r := c.active()
	if r.encoded == nil {
		req := replica.Request{ClientID: c.session, Seq: r.seq, Command: r.command}
		r.encoded = replica.AppendMessage(c.encodeInto(r), &replica.Message{Kind: replica.MsgClientRequest, Request: req})
	}
	r.attempts++
	c.ready.Messages = append(c.ready.Messages, Outbound{To: c.cfg.Replicas[c.target], Data: r.encoded})
	c.attemptEnd, c.retryAt = now+c.cfg.AttemptTimeout, 0
}

func (c *Client) resetRetries() { c.backoffs, c.hints = 0, 0 }

// encodeInto returns the array to encode request r into: the last
// application request's, when r is the application's and no Ready the
// caller may still read holds a message in it; else nil (a new array).
func (c *Client) encodeInto(r *request) []byte {
	spare := c.encodedSpare
	c.encodedSpare = nil
	if r != &c.curRequest || c.holds(&c.ready, spare) || c.holds(&c.spare, spare) {
		return nil
	}
	return spare[:0]
}

// holds reports whether one of rd's messages is in b's array.
func (c *Client) holds(rd *Ready, b []byte) bool {
	if len(b) == 0 {
		return true // nothing to reuse
	}
	for _, m := range rd.Messages {
		if len(m.Data) > 0 && &m.Data[0] == &b[0] {
			return true
		}
	}
	return false
}

// keepResult copies a reply's result, which aliases the caller's buffer,
// into the pending Ready's array of results.
func (c *Client) keepResult(result []byte) []byte {
	if len(result) == 0 {
		return nil // as a copying decode reads an empty result
	}
	start := len(c.ready.results)
	c.ready.results = append(c.ready.results, result...)
	return c.ready.results[start:len(c.ready.results):len(c.ready.results)]
}
