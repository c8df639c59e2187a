package replica

import (
	"encoding/binary"
	"fmt"
	"slices"
)

// session is one client's exactly-once record, part of the replicated
// state: the latest request applied and its result, so that a retry gets
// the original answer instead of a second execution.
type session struct {
	lastSeq   uint64
	result    []byte
	lastIndex uint64 // log index of the latest use, for eviction
}

// sessionTable holds the sessions. It is replicated state: every change
// happens while applying a log entry, identically on every replica.
type sessionTable struct {
	byClient map[uint64]*session
	max      int
}

func newSessionTable(max int) sessionTable {
	return sessionTable{byClient: make(map[uint64]*session), max: max}
}

// apply runs one request against the sessions and, if it is new, the state
// machine. Seq 0 registers a session; a later Seq runs the command once.
func (t *sessionTable) apply(req *Request, index uint64, timestamp int64, sm StateMachine) (ReplyStatus, []byte) {
	if req.ClientID == 0 {
		return StatusOK, sm.Apply(req.Command, timestamp)
	}
	s := t.byClient[req.ClientID]
	if req.Seq == 0 {
		if s == nil {
			t.evictIfFull()
			s = &session{}
			t.byClient[req.ClientID] = s
		}
		s.lastIndex = index
		return StatusOK, nil
	}
	switch {
	case s == nil:
		return StatusSessionExpired, nil
	case req.Seq == s.lastSeq:
		return StatusOK, s.result
	case req.Seq < s.lastSeq:
		return StatusStaleRequest, nil
	}
	s.result = applyInto(sm, s.result, req.Command, timestamp)
	s.lastSeq = req.Seq
	s.lastIndex = index
	return StatusOK, s.result
}

// ResultAppender is a StateMachine that can append a command's result to
// a buffer instead of allocating it: ApplyAppend(dst, ...) is
// append(dst, Apply(...)...). A session keeps only its client's latest
// result, so the replica writes each new one over the last, in the same
// buffer, and applying a command allocates nothing.
type ResultAppender interface {
	ApplyAppend(dst, command []byte, timestamp int64) []byte
}

// sessionResultRetainMax bounds the result buffer a session reuses: a
// large lookup's reply is let go rather than held, per client, for small
// ones.
const sessionResultRetainMax = 4 << 10

// applyInto applies command and returns its result, written over old, the
// session's previous result, when the state machine can: nothing else
// holds old by then (a reply is encoded into its message when it is sent,
// and the snapshot and a restored session copy what they keep).
func applyInto(sm StateMachine, old, command []byte, timestamp int64) []byte {
	ra, ok := sm.(ResultAppender)
	if !ok {
		return sm.Apply(command, timestamp)
	}
	if cap(old) > sessionResultRetainMax {
		old = nil
	}
	return ra.ApplyAppend(old[:0], command, timestamp)
}

// lookup answers a request from the sessions alone when it can: a retry of
// the latest applied request, or a stale one. It reports false when the
// request must go through the log.
func (t *sessionTable) lookup(req *Request) (ReplyStatus, []byte, bool) {
	s := t.byClient[req.ClientID]
	if req.ClientID == 0 || s == nil || req.Seq == 0 || req.Seq > s.lastSeq {
		return 0, nil, false
	}
	if req.Seq == s.lastSeq {
		return StatusOK, s.result, true
	}
	return StatusStaleRequest, nil, true
}

// evictIfFull drops the least recently used session when the table is full.
// The choice is a minimum over (lastIndex, clientID), a total order, so map
// iteration order cannot make replicas disagree.
func (t *sessionTable) evictIfFull() {
	if len(t.byClient) < t.max {
		return
	}
	var victim uint64
	var oldest *session
	for id, s := range t.byClient {
		if oldest == nil || s.lastIndex < oldest.lastIndex || (s.lastIndex == oldest.lastIndex && id < victim) {
			victim, oldest = id, s
		}
	}
	delete(t.byClient, victim)
}

// encodedSize is the length of the sessions' encoding (see appendTo).
func (t *sessionTable) encodedSize() int {
	n := 4
	for _, s := range t.byClient {
		n += sessionEncodedFixed + len(s.result)
	}
	return n
}

// sessionEncodedFixed is a session's encoding without its result: client
// ID, last sequence, last index, result length.
const sessionEncodedFixed = 8 + 8 + 8 + 4

// appendTo writes the sessions sorted by client ID.
func (t *sessionTable) appendTo(e *encoder) {
	ids := make([]uint64, 0, len(t.byClient))
	for id := range t.byClient {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	e.u32(uint32(len(ids)))
	for _, id := range ids {
		s := t.byClient[id]
		e.u64(id)
		e.u64(s.lastSeq)
		e.u64(s.lastIndex)
		e.bytes(s.result)
	}
}

func decodeSessions(d *decoder, max int) (sessionTable, error) {
	t := newSessionTable(max)
	n := d.u32()
	if int64(n) > int64(max) || int64(n)*sessionEncodedFixed > int64(len(d.buf)) {
		return t, fmt.Errorf("%w: %d sessions", ErrBadSnapshot, n)
	}
	for range n {
		id := d.u64()
		s := &session{lastSeq: d.u64(), lastIndex: d.u64(), result: d.bytes(EntryDataMax)}
		t.byClient[id] = s
	}
	if d.err != nil {
		return t, fmt.Errorf("%w: sessions: %v", ErrBadSnapshot, d.err)
	}
	return t, nil
}

// encodeRequest is the data of a command entry, in the arena's memory.
func (r *Replica) encodeRequest(req *Request) []byte {
	b := r.arena.alloc(16 + len(req.Command))
	binary.LittleEndian.PutUint64(b, req.ClientID)
	binary.LittleEndian.PutUint64(b[8:], req.Seq)
	copy(b[16:], req.Command)
	return b
}

func decodeRequest(b []byte) (Request, error) {
	if len(b) < 16 {
		return Request{}, fmt.Errorf("replica: command entry of %d bytes", len(b))
	}
	return Request{ClientID: binary.LittleEndian.Uint64(b), Seq: binary.LittleEndian.Uint64(b[8:]), Command: b[16:]}, nil
}
