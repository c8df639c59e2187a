package maelstrom

import (
	"slices"
	"time"

	"github.com/faultline/faultline/ledger/client"
	"github.com/faultline/faultline/ledger/replica"
)

// sessionPool is the node's client of its own cluster: every request a
// Maelstrom client sends (lin-kv or ledger) runs through the ledger's
// client library, under an exactly-once session, retried as the same
// request on other replicas, following leader hints, and reported unknown
// (an indefinite error) when its outcome cannot be learned. The bugs of
// that library are then bugs of the node, as they are of the simulated
// clients. The library runs one request at a time per session, so the pool
// keeps up to sessionsMax sessions and queues requests beyond them.
// Everything here runs inside the node's events.
type sessionPool struct {
	n        *Node
	sessions []*session
	queue    []queued
}

// session is one library client and the request it runs.
type session struct {
	lib    *client.Client
	done   func(client.Completion) // nil when idle
	wake   uint64                  // the node's timer tag, 0 when none
	wakeAt time.Duration
}

type queued struct {
	command []byte
	done    func(client.Completion)
}

// Pool bounds: sessions per node, and requests waiting for one.
const (
	poolSessionsMax = 16
	poolQueueMax    = 1024
)

// The library's timing on a real network: an attempt waits out an
// election, and a request gives up within Maelstrom's default client
// timeout (5 s) so that the client hears an indefinite error, not nothing.
const (
	poolAttemptTimeout = 500 * time.Millisecond
	poolGiveUpAfter    = 4 * time.Second
	poolBackoff        = 20 * time.Millisecond
)

// submit runs command through a session and calls done with its completion.
// It reports false when the pool is full (the caller answers busy).
func (p *sessionPool) submit(command []byte, done func(client.Completion)) bool {
	if ss := p.idle(); ss != nil {
		p.start(ss, command, done)
		return true
	}
	if len(p.queue) >= poolQueueMax {
		return false
	}
	p.queue = append(p.queue, queued{command: command, done: done})
	return true
}

// idle returns an idle session, creating one while under the bound.
func (p *sessionPool) idle() *session {
	for _, ss := range p.sessions {
		if ss.done == nil {
			return ss
		}
	}
	if len(p.sessions) >= poolSessionsMax {
		return nil
	}
	ss, err := p.newSession()
	if err != nil {
		p.n.logf("session pool: %v", err)
		return nil
	}
	return ss
}

func (p *sessionPool) newSession() (*session, error) {
	n := p.n
	replicas := make([]replica.NodeID, len(n.ids))
	for i := range replicas {
		replicas[i] = replica.NodeID(i)
	}
	lib, err := client.New(client.Config{SessionID: p.freshSessionID(), Replicas: replicas, FirstTarget: int(n.self),
		AttemptTimeout: poolAttemptTimeout, GiveUpAfter: poolGiveUpAfter, Backoff: poolBackoff,
		NextSessionID: func(uint64) uint64 { return p.freshSessionID() }})
	if err != nil {
		return nil, err
	}
	ss := &session{lib: lib}
	p.sessions = append(p.sessions, ss)
	lib.Start(n.now())
	p.flush(ss)
	return ss, nil
}

// freshSessionID draws a session ID no other node or earlier life of this
// one uses: a restarted node (whose memory is gone) must not resume an old
// session's sequence numbers, which the cluster would take for retries.
func (p *sessionPool) freshSessionID() uint64 {
	for {
		if id := p.n.host.Rand().Uint64(); id != 0 {
			return id
		}
	}
}

func (p *sessionPool) start(ss *session, command []byte, done func(client.Completion)) {
	ss.done = done
	if _, err := ss.lib.Submit(p.n.now(), command); err != nil {
		ss.done = nil // the pool hands out idle sessions only
		done(client.Completion{Command: command, Outcome: client.OutcomeFailed})
		return
	}
	p.flush(ss)
}

// receive feeds a client reply from replica from to the session it names.
func (p *sessionPool) receive(from replica.NodeID, data []byte, reply *replica.Reply) {
	for _, ss := range p.sessions {
		if ss.lib.SessionID() == reply.ClientID {
			ss.lib.Receive(p.n.now(), from, data)
			p.flush(ss)
			return
		}
	}
}

// flush does what a session's library asks: send, arm its timer, and hand
// finished requests back, starting the next queued one.
func (p *sessionPool) flush(ss *session) {
	n := p.n
	for {
		rd := ss.lib.Ready()
		for _, m := range rd.Messages {
			n.sendToReplica(m.To, m.Data)
		}
		p.armWake(ss, rd.WakeAt)
		if len(rd.Completions) == 0 {
			return
		}
		for _, c := range rd.Completions {
			done := ss.done
			ss.done = nil
			if done != nil {
				done(c)
			}
		}
		if ss.done == nil && len(p.queue) > 0 {
			next := p.queue[0]
			p.queue = slices.Delete(p.queue, 0, 1)
			ss.done = next.done
			if _, err := ss.lib.Submit(n.now(), next.command); err != nil {
				ss.done = nil
				next.done(client.Completion{Command: next.command, Outcome: client.OutcomeFailed})
			}
		}
	}
}

func (p *sessionPool) armWake(ss *session, at time.Duration) {
	if at == ss.wakeAt {
		return
	}
	if ss.wake != 0 {
		p.n.cancel(ss.wake)
		ss.wake = 0
	}
	ss.wakeAt = at
	if at == 0 {
		return
	}
	n := p.n
	ss.wake = n.after(max(at-n.now(), time.Microsecond), func() {
		ss.wakeAt, ss.wake = 0, 0
		ss.lib.Tick(n.now())
		p.flush(ss)
	})
}
