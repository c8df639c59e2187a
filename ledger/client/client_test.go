package client

import (
	"bytes"
	"testing"
	"time"

	"github.com/faultline/faultline/ledger/replica"
)

const ms = time.Millisecond

// story drives one client by hand: the test plays the cluster, answering
// (or not) each message the client sends, and moves the clock.
type story struct {
	t    *testing.T
	c    *Client
	now  time.Duration
	sent []Outbound
	done []Completion
	wake time.Duration
}

func newStory(t *testing.T, tune func(*Config)) *story {
	cfg := DefaultConfig(7, []replica.NodeID{0, 1, 2})
	if tune != nil {
		tune(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	s := &story{t: t, c: c, now: time.Second}
	c.Start(s.now)
	s.drain()
	return s
}

func (s *story) drain() {
	rd := s.c.Ready()
	s.sent = append(s.sent, rd.Messages...)
	s.done = append(s.done, rd.Completions...)
	s.wake = rd.WakeAt
}

// next pops the oldest message the client sent and decodes its request.
func (s *story) next() (replica.NodeID, replica.Request, []byte) {
	s.t.Helper()
	if len(s.sent) == 0 {
		s.t.Fatal("the client sent nothing")
	}
	out := s.sent[0]
	s.sent = s.sent[1:]
	m, err := replica.DecodeMessage(out.Data)
	if err != nil || m.Kind != replica.MsgClientRequest {
		s.t.Fatalf("the client sent %v (%v), not a request", m.Kind, err)
	}
	return out.To, m.Request, out.Data
}

func (s *story) reply(from replica.NodeID, rep replica.Reply) {
	s.c.Receive(s.now, from, replica.EncodeMessage(&replica.Message{Kind: replica.MsgClientReply, Reply: rep}))
	s.drain()
}

// sleepUntilWake moves the clock to the client's wake time and ticks it.
func (s *story) sleepUntilWake() {
	s.t.Helper()
	if s.wake == 0 {
		s.t.Fatal("the client asked for no timer")
	}
	s.now = s.wake
	s.c.Tick(s.now)
	s.drain()
}

func (s *story) register() {
	s.t.Helper()
	to, req, _ := s.next()
	if req.Seq != 0 || req.ClientID != s.c.SessionID() {
		s.t.Fatalf("first request is %+v, want a registration of session %d", req, s.c.SessionID())
	}
	s.reply(to, replica.Reply{ClientID: req.ClientID, Seq: 0, Status: replica.StatusOK})
	if !s.c.Registered() {
		s.t.Fatal("the session is not registered after its registration applied")
	}
}

func (s *story) submit(cmd string) uint64 {
	s.t.Helper()
	seq, err := s.c.Submit(s.now, []byte(cmd))
	if err != nil {
		s.t.Fatal(err)
	}
	s.drain()
	return seq
}

func (s *story) completion() Completion {
	s.t.Helper()
	if len(s.done) != 1 {
		s.t.Fatalf("%d completions, want 1: %+v", len(s.done), s.done)
	}
	d := s.done[0]
	s.done = nil
	return d
}

func TestARequestWaitsForTheRegistrationAndIsAnsweredOK(t *testing.T) {
	s := newStory(t, nil)
	seq := s.submit("pay 5")
	if len(s.sent) != 1 {
		t.Fatalf("sent %d messages before the registration applied, want only the registration", len(s.sent))
	}
	s.register()
	to, req, _ := s.next()
	if req.Seq != seq || seq != 1 || string(req.Command) != "pay 5" {
		t.Fatalf("request %+v, want seq 1 with the command", req)
	}
	s.reply(to, replica.Reply{ClientID: 7, Seq: 1, Status: replica.StatusOK, Index: 9, Result: []byte("done")})
	d := s.completion()
	if d.Outcome != OutcomeOK || string(d.Result) != "done" || d.Index != 9 || d.Attempts != 1 {
		t.Fatalf("completion %+v, want ok at index 9 after one attempt", d)
	}
	if s.wake != 0 || !s.c.Idle() {
		t.Fatalf("an idle client asks for a timer at %v", s.wake)
	}
}

func TestAnUnansweredAttemptIsResentUnchangedToTheNextReplica(t *testing.T) {
	s := newStory(t, nil)
	s.register()
	s.submit("pay 5")
	first, _, b1 := s.next()
	s.sleepUntilWake() // the attempt timeout
	second, _, b2 := s.next()
	if second == first || !bytes.Equal(b1, b2) {
		t.Fatalf("retry went to %d (first %d) with other bytes: a retry must be the same request elsewhere", second, first)
	}
}

func TestANotLeaderHintIsFollowedAtOnce(t *testing.T) {
	s := newStory(t, nil)
	s.register()
	s.submit("pay 5")
	to, req, _ := s.next()
	s.reply(to, replica.Reply{ClientID: 7, Seq: req.Seq, Status: replica.StatusNotLeader, Leader: 2})
	if to2, _, _ := s.next(); to2 != 2 {
		t.Fatalf("sent to %d, want the hinted leader 2", to2)
	}
}

// TestAHomeBoundClientStartsEveryRequestAtHome: the next request goes to
// the home replica again, not to the leader the last one found, which is
// how a client behind its zone's load balancer reaches a deposed leader;
// and without StartAtHome a client stays with the leader it found.
func TestAHomeBoundClientStartsEveryRequestAtHome(t *testing.T) {
	for _, home := range []bool{true, false} {
		s := newStory(t, func(c *Config) { c.FirstTarget, c.StartAtHome = 1, home })
		s.register()
		s.submit("pay 5")
		to, req, _ := s.next()
		if to != 1 {
			t.Fatalf("home %v: first request went to %d, want the first target 1", home, to)
		}
		s.reply(to, replica.Reply{ClientID: 7, Seq: req.Seq, Status: replica.StatusNotLeader, Leader: 2})
		to, req, _ = s.next()
		if to != 2 {
			t.Fatalf("home %v: a retry went to %d, want the hinted leader 2", home, to)
		}
		s.reply(to, replica.Reply{ClientID: 7, Seq: req.Seq, Status: replica.StatusOK, Index: 3})
		s.completion()
		s.submit("pay 6")
		want := replica.NodeID(2)
		if home {
			want = 1
		}
		if to, _, _ := s.next(); to != want {
			t.Fatalf("home %v: the next request went to %d, want %d", home, to, want)
		}
	}
}

func TestNoLeaderKnownBacksOffExponentiallyUpToTheCap(t *testing.T) {
	s := newStory(t, func(c *Config) { c.Backoff, c.BackoffMax, c.GiveUpAfter = 10*ms, 40*ms, time.Hour })
	s.register()
	s.submit("pay 5")
	var pauses []time.Duration
	for range 4 {
		to, req, _ := s.next()
		s.reply(to, replica.Reply{ClientID: 7, Seq: req.Seq, Status: replica.StatusNotLeader, Leader: replica.None})
		at := s.now
		s.sleepUntilWake()
		pauses = append(pauses, s.now-at)
	}
	want := []time.Duration{10 * ms, 20 * ms, 40 * ms, 40 * ms}
	for i := range want {
		if pauses[i] != want[i] {
			t.Fatalf("pauses %v, want %v", pauses, want)
		}
	}
}

func TestHintsThatPointAtEachOtherAreFollowedAtMostOncePerReplica(t *testing.T) {
	s := newStory(t, func(c *Config) { c.GiveUpAfter = time.Hour })
	s.register()
	s.submit("pay 5")
	immediate := 0
	for range 10 {
		to, req, _ := s.next()
		s.reply(to, replica.Reply{ClientID: 7, Seq: req.Seq, Status: replica.StatusNotLeader, Leader: (to + 1) % 2})
		if len(s.sent) == 0 {
			break
		}
		immediate++
	}
	if immediate > 3 {
		t.Fatalf("followed %d hints in a row at network speed, want at most one per replica", immediate)
	}
}

func TestALateRefusalFromAnEarlierTargetIsIgnored(t *testing.T) {
	s := newStory(t, nil)
	s.register()
	s.submit("pay 5")
	first, req, _ := s.next()
	s.sleepUntilWake()
	s.next()
	s.reply(first, replica.Reply{ClientID: 7, Seq: req.Seq, Status: replica.StatusBusy})
	if len(s.sent) != 0 || s.wake != s.now+250*ms {
		t.Fatalf("a stale busy answer moved the client: sent %d, wake %v", len(s.sent), s.wake)
	}
}

func TestAnEvictedSessionMakesTheRequestUnknownAndTheClientRegistersAgain(t *testing.T) {
	s := newStory(t, func(c *Config) { c.NextSessionID = func(prev uint64) uint64 { return prev + 100 } })
	s.register()
	s.submit("pay 5")
	to, req, _ := s.next()
	s.reply(to, replica.Reply{ClientID: 7, Seq: req.Seq, Status: replica.StatusSessionExpired})
	d := s.completion()
	if d.Outcome != OutcomeUnknown || d.Reason != ReasonSessionExpired {
		t.Fatalf("completion %+v: an evicted session's request may have applied before the eviction: want unknown", d)
	}
	if s.c.Registered() || s.c.SessionID() != 107 {
		t.Fatalf("session %d registered %v, want a new session 107 registering", s.c.SessionID(), s.c.Registered())
	}
	s.register()
	seq := s.submit("pay 6")
	to, req, _ = s.next()
	if req.ClientID != 107 || req.Seq != seq || seq <= 1 {
		t.Fatalf("next request %+v, want session 107 and a sequence never used before", req)
	}
	s.reply(to, replica.Reply{ClientID: 107, Seq: seq, Status: replica.StatusOK})
	if d := s.completion(); d.Outcome != OutcomeOK || s.c.Sessions() != 2 {
		t.Fatalf("after re-registering: %+v, sessions %d", d, s.c.Sessions())
	}
}

func TestAStaleRequestIsUnknownNotFailed(t *testing.T) {
	s := newStory(t, nil)
	s.register()
	s.submit("pay 5")
	to, req, _ := s.next()
	s.reply(to, replica.Reply{ClientID: 7, Seq: req.Seq, Status: replica.StatusStaleRequest})
	if d := s.completion(); d.Outcome != OutcomeUnknown || d.Reason != ReasonStale {
		t.Fatalf("completion %+v, want unknown: the session forgot whether the request applied", d)
	}
}

func TestTheDeadlineEndsASentRequestAsUnknown(t *testing.T) {
	s := newStory(t, func(c *Config) { c.GiveUpAfter = 600 * ms })
	s.register()
	s.submit("pay 5")
	start := s.now
	for len(s.done) == 0 {
		s.sleepUntilWake()
	}
	d := s.completion()
	if d.Outcome != OutcomeUnknown || d.Reason != ReasonGaveUp || s.now-start != 600*ms || d.Attempts != 3 {
		t.Fatalf("completion %+v at +%v, want unknown at the 600ms deadline after 3 attempts", d, s.now-start)
	}
}

func TestARequestThatNeverLeftTheClientFails(t *testing.T) {
	s := newStory(t, func(c *Config) { c.GiveUpAfter = 100 * ms })
	s.submit("pay 5") // the registration is never answered
	for len(s.done) == 0 {
		s.sleepUntilWake()
	}
	if d := s.completion(); d.Outcome != OutcomeFailed || d.Reason != ReasonNeverSent || d.Attempts != 0 {
		t.Fatalf("completion %+v, want failed: it was never sent", d)
	}
	if s.wake == 0 {
		t.Fatal("the registration stopped retrying")
	}
}

func TestSubmitRefusesASecondRequestInFlight(t *testing.T) {
	s := newStory(t, nil)
	s.submit("a")
	if _, err := s.c.Submit(s.now, []byte("b")); err != ErrInFlight {
		t.Fatalf("second submit: %v, want ErrInFlight", err)
	}
}

func TestConfigValidation(t *testing.T) {
	for name, tune := range map[string]func(*Config){
		"sessionless": func(c *Config) { c.SessionID = 0 },
		"no replicas": func(c *Config) { c.Replicas = nil },
		"no timeout":  func(c *Config) { c.AttemptTimeout = 0 },
	} {
		cfg := DefaultConfig(1, []replica.NodeID{0})
		tune(&cfg)
		if _, err := New(cfg); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// okReply is the encoded OK answer, with result, to request seq of session.
func okReply(session, seq uint64, result string) []byte {
	return replica.EncodeMessage(&replica.Message{Kind: replica.MsgClientReply,
		Reply: replica.Reply{ClientID: session, Seq: seq, Status: replica.StatusOK, Result: []byte(result)}})
}

// TestARequestInSteadyStateAllocatesNothing: once registered, a request's
// round trip (submit, send, answer, completion) allocates nothing: the
// request is encoded into the last one's array, and the reply is decoded
// in place, its result copied into an array the Ready keeps.
func TestARequestInSteadyStateAllocatesNothing(t *testing.T) {
	const runs = 100
	s := newStory(t, nil)
	s.register()
	replies := make([][]byte, runs+3) // AllocsPerRun runs once more to warm up
	for i := range replies {
		replies[i] = okReply(s.c.SessionID(), uint64(i), "done")
	}
	command := []byte("transfer")
	roundTrip := func() {
		seq, err := s.c.Submit(s.now, command)
		if err != nil {
			t.Fatal(err)
		}
		rd := s.c.Ready()
		s.c.Receive(s.now, rd.Messages[0].To, replies[seq])
		rd = s.c.Ready()
		if len(rd.Completions) != 1 || !bytes.Equal(rd.Completions[0].Result, []byte("done")) {
			t.Fatalf("completions %+v, want one answered done", rd.Completions)
		}
	}
	roundTrip() // the arrays' first use
	if allocs := testing.AllocsPerRun(runs, roundTrip); allocs != 0 {
		t.Errorf("%.1f allocations a request, want 0", allocs)
	}
}

// TestANewRequestNeverOverwritesAMessageAReadyHolds: a request submitted
// before the caller calls Ready again (after the one that sent the last
// request) is encoded into a new array, so that the message the caller may
// still be reading stays as it was.
func TestANewRequestNeverOverwritesAMessageAReadyHolds(t *testing.T) {
	s := newStory(t, nil)
	s.register()
	seq, err := s.c.Submit(s.now, []byte("first"))
	if err != nil {
		t.Fatal(err)
	}
	held := s.c.Ready()
	sent := bytes.Clone(held.Messages[0].Data)
	s.c.Receive(s.now, held.Messages[0].To, okReply(s.c.SessionID(), seq, "ok"))
	if _, err := s.c.Submit(s.now, []byte("later")); err != nil { // as long as the first; no Ready in between
		t.Fatal(err)
	}
	if !bytes.Equal(held.Messages[0].Data, sent) {
		t.Fatal("the second request's encoding overwrote the first's, which the last Ready holds")
	}
	rd := s.c.Ready()
	if len(rd.Completions) != 1 || len(rd.Messages) != 1 || bytes.Equal(rd.Messages[0].Data, sent) {
		t.Fatalf("ready %+v, want the first completion and the second request", rd)
	}
}
