package client

import "github.com/faultline/faultline/ledger/replica"

// Outcome is what the client learned about one request.
type Outcome uint8

const (
	// OutcomeOK: the request applied exactly once; Result is its answer.
	OutcomeOK Outcome = iota + 1
	// OutcomeFailed: the request certainly did not apply, because it was
	// never sent (its deadline passed while the session was registering).
	// Once a request has been sent no reply can prove it did not apply:
	// the network may hold a copy that a later leader still appends.
	OutcomeFailed
	// OutcomeUnknown: the request may or may not have applied, now or at
	// any later time. The application must treat it as possibly applied,
	// and may resubmit it only with the same IDs.
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

// Reason says why a request ended without an answer.
type Reason uint8

const (
	// ReasonNone: the request was answered.
	ReasonNone Reason = iota
	// ReasonGaveUp: the give-up deadline passed.
	ReasonGaveUp
	// ReasonSessionExpired: the cluster had evicted the session when an
	// attempt applied; an earlier attempt may have applied before.
	ReasonSessionExpired
	// ReasonStale: the session had moved past the request's sequence, so
	// the session no longer remembers whether it applied.
	ReasonStale
	// ReasonNeverSent: the deadline passed before the session registered.
	ReasonNeverSent
)

var reasonNames = [...]string{ReasonNone: "", ReasonGaveUp: "gave-up", ReasonSessionExpired: "session-expired",
	ReasonStale: "stale-request", ReasonNeverSent: "never-sent"}

// String names the reason.
func (r Reason) String() string {
	if int(r) < len(reasonNames) {
		return reasonNames[r]
	}
	return "?"
}

// Completion is one finished request, as the client saw it.
type Completion struct {
	// SessionID and Seq name the request on the wire.
	SessionID uint64
	Seq       uint64
	// Command is the command as submitted (every attempt sent these bytes).
	Command []byte
	Outcome Outcome
	Reason  Reason
	// Status is the last reply's status, if any reply came.
	Status replica.ReplyStatus
	// Result and Index are the answer and the log index it applied at,
	// when the outcome is OK. Result's bytes, like the Ready's arrays, are
	// valid until the next call to Ready: a caller that keeps them copies.
	Result []byte
	Index  uint64
	// Attempts counts the sends of the request.
	Attempts int
}
