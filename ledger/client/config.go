package client

import (
	"errors"
	"fmt"
	"time"

	"github.com/faultline/faultline/ledger/replica"
)

// ErrBadConfig is wrapped by every error about a Config.
var ErrBadConfig = errors.New("client: bad config")

// Config shapes a client's session and retries.
type Config struct {
	// SessionID names the first session. It must be unique among live
	// clients and nonzero: ClientID 0 is the replica's sessionless mode,
	// which never deduplicates a retry.
	SessionID uint64
	// NextSessionID, if set, names the session registered after the
	// cluster evicted the current one. A fresh ID means no request of the
	// evicted session can ever apply under the new one; nil reuses the ID,
	// which is also safe because sequence numbers never repeat.
	NextSessionID func(previous uint64) uint64
	// Replicas are the addresses of the cluster's replicas.
	Replicas []replica.NodeID
	// FirstTarget is the index into Replicas tried first, so that clients
	// spread their first guesses of the leader.
	FirstTarget int
	// StartAtHome sends every request's first attempt to FirstTarget, the
	// client's home replica (the one in its own zone, or behind its load
	// balancer), and follows leader hints and timeouts only for that
	// request's retries; otherwise a request starts at the replica that
	// answered the last one. A home-bound client is the one that reaches a
	// deposed leader that still believes it leads.
	StartAtHome bool
	// AttemptTimeout is how long to wait for one attempt's reply before
	// resending the same request to the next replica.
	AttemptTimeout time.Duration
	// GiveUpAfter is how long after Submit the client keeps trying before
	// it reports the outcome as unknown.
	GiveUpAfter time.Duration
	// Backoff is the first pause before resending after a replica that is
	// not the leader and knows none, is busy, or stopped; each pause in a
	// row doubles it, up to BackoffMax.
	Backoff time.Duration
	// BackoffMax caps the pause; zero means eight times Backoff.
	BackoffMax time.Duration
}

// DefaultConfig suits a LAN cluster with 150-300 ms elections: an attempt
// waits longer than an election, and a request survives a few of them.
func DefaultConfig(sessionID uint64, replicas []replica.NodeID) Config {
	return Config{SessionID: sessionID, Replicas: replicas, AttemptTimeout: 250 * time.Millisecond,
		GiveUpAfter: 3 * time.Second, Backoff: 20 * time.Millisecond}
}

// Validate names the first bad field.
func (c *Config) Validate() error {
	switch {
	case c.SessionID == 0:
		return fmt.Errorf("%w: session id must not be zero (zero is sessionless)", ErrBadConfig)
	case len(c.Replicas) == 0:
		return fmt.Errorf("%w: no replicas", ErrBadConfig)
	case c.FirstTarget < 0:
		return fmt.Errorf("%w: first target %d is negative", ErrBadConfig, c.FirstTarget)
	case c.AttemptTimeout <= 0 || c.GiveUpAfter <= 0 || c.Backoff <= 0:
		return fmt.Errorf("%w: attempt timeout, give-up deadline and backoff must be positive", ErrBadConfig)
	case c.BackoffMax < 0:
		return fmt.Errorf("%w: backoff max must not be negative", ErrBadConfig)
	}
	return nil
}

func (c *Config) backoffMax() time.Duration {
	if c.BackoffMax == 0 {
		return 8 * c.Backoff
	}
	return max(c.BackoffMax, c.Backoff)
}
