package maelstrom_test

import (
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"

	"github.com/faultline/faultline/checkers"
	"github.com/faultline/faultline/ledger/replica"
)

// raftSent is one consensus message a node sent, as the router saw it.
type raftSent struct {
	at        int64 // nanoseconds since the network started
	src, dest string
	m         replica.Message
}

// raftLog keeps every consensus message the nodes send.
type raftLog struct {
	mu   sync.Mutex
	nw   *network
	sent []raftSent
}

func (l *raftLog) watch(src, dest string, m replica.Message) {
	l.mu.Lock()
	defer l.mu.Unlock()
	at := int64(0)
	if l.nw != nil {
		at = l.nw.now()
	}
	l.sent = append(l.sent, raftSent{at: at, src: src, dest: dest, m: m})
}

// since returns the messages node src sent from time from on (every
// node's, src empty).
func (l *raftLog) since(src string, from int64) []raftSent {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []raftSent
	for _, s := range l.sent {
		if s.at >= from && (src == "" || s.src == src) {
			out = append(out, s)
		}
	}
	return out
}

// leader is the sender of the latest append of the highest term seen.
func (l *raftLog) leader() (string, uint64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	name, term := "", uint64(0)
	for _, s := range l.sent {
		if s.m.Kind == replica.MsgAppend && s.m.Term >= term {
			name, term = s.src, s.m.Term
		}
	}
	return name, term
}

// voteAnswers sorts what msgs hold of vote and pre-vote answers.
func voteAnswers(msgs []raftSent) (granted, refused []raftSent) {
	for _, s := range msgs {
		if s.m.Kind != replica.MsgVoteResp && s.m.Kind != replica.MsgPreVoteResp {
			continue
		}
		if s.m.Granted {
			granted = append(granted, s)
		} else {
			refused = append(refused, s)
		}
	}
	return granted, refused
}

// caughtUpAt is when node src first answered an append as no longer
// abstaining (the Recovering flag of its answers cleared), or -1.
func caughtUpAt(msgs []raftSent) int64 {
	for _, s := range msgs {
		if s.m.Kind == replica.MsgAppendResp && s.m.Success && !s.m.Recovering {
			return s.at
		}
	}
	return -1
}

// TestVolatileNodesAbstainUntilCaughtUpAndNeverRebootstrap runs three
// ledger-node processes without --data-dir (volatile: a killed node comes
// back blank) under lin-kv clients, and watches the consensus messages on
// the router. First a follower is killed with SIGKILL and restarted blank
// while the leader is cut off: the other follower's elections need its
// vote, and it refuses every one until, the cut healed, a leader has
// caught it up. Then the bootstrap node n1 is killed and restarted blank,
// cut off from the leader, so that it asks for the term-1 bootstrap
// election again: no one grants it, it never leads term 1 again, and a
// leader catches it up. The whole history must be linearizable.
func TestVolatileNodesAbstainUntilCaughtUpAndNeverRebootstrap(t *testing.T) {
	log := &raftLog{}
	nw := startWatchedNetwork(t, buildNode(t), 3, func(string) []string { return nil }, log.watch)
	log.mu.Lock()
	log.nw = nw
	log.mu.Unlock()
	h := &history{}
	var wg sync.WaitGroup
	deadline := time.Now().Add(9 * time.Second)
	for c := range 4 {
		wg.Go(func() { runClient(nw, h, c, deadline) })
	}

	time.Sleep(1500 * time.Millisecond)
	abstainingFollower(t, nw, h, log)
	rebootstrapAttempt(t, nw, h, log)
	wg.Wait()

	ok, unknown := h.counts()
	t.Logf("%d operations: %d ok, %d unknown", len(h.ops), ok, unknown)
	if ok < 50 {
		t.Errorf("only %d operations succeeded", ok)
	}
	if res, _ := porcupine.CheckOperationsVerbose(checkers.KVModel, h.ops, 30*time.Second); res != porcupine.Ok {
		t.Errorf("history is %s", res)
	}
}

// abstainingFollower kills a follower other than n1, cuts the leader off
// and restarts the follower blank; after 1.5 s of elections the cut heals.
func abstainingFollower(t *testing.T, nw *network, h *history, log *raftLog) {
	leader, term := log.leader()
	if leader == "" {
		t.Fatal("no leader after 1.5 s")
	}
	var others []string
	for _, id := range nw.ids {
		if id != leader {
			others = append(others, id)
		}
	}
	follower := others[len(others)-1] // never n1: the bootstrap node's turn comes next
	nw.kill(follower)
	h.annotate(nw, "kill -9 "+follower)
	time.Sleep(300 * time.Millisecond) // its last lines drained
	nw.partition([]string{leader}, others)
	h.annotate(nw, "cut leader "+leader+" off")
	restarted := nw.now()
	nw.restart(follower)
	h.annotate(nw, "restart "+follower+" blank")
	time.Sleep(1500 * time.Millisecond)
	healed := nw.now()
	nw.heal()
	h.annotate(nw, "heal")
	time.Sleep(1500 * time.Millisecond)

	sent := log.since(follower, restarted)
	caught := caughtUpAt(sent)
	granted, refused := voteAnswers(sent)
	t.Logf("leader %s of term %d cut off; %s restarted blank: %d vote answers refused, %d granted, caught up %v after the heal",
		leader, term, follower, len(refused), len(granted), time.Duration(caught-healed))
	if caught < healed {
		t.Errorf("%s was not caught up after the heal (first clean append answer at %d, heal at %d)", follower, caught, healed)
	}
	if len(refused) == 0 {
		t.Errorf("%s answered no election while blank: the abstain rule was not exercised", follower)
	}
	for _, g := range granted {
		if g.at < caught {
			t.Errorf("%s granted %s a %s in term %d while abstaining", follower, g.dest, g.m.Kind, g.m.Term)
		}
	}
}

// rebootstrapAttempt kills n1, waits for a leader among the others, cuts
// n1 off from it alone and restarts n1 blank: in term 0 with an empty log
// it may ask for the bootstrap election, which the other follower, which
// remembers later terms, must refuse.
func rebootstrapAttempt(t *testing.T, nw *network, h *history, log *raftLog) {
	const boot = "n1"
	nw.kill(boot)
	h.annotate(nw, "kill -9 "+boot)
	time.Sleep(time.Second) // the others elect a leader if n1 led
	leader, term := log.leader()
	if leader == boot || leader == "" {
		t.Fatalf("no leader but n1's (%q of term %d) a second after n1's kill", leader, term)
	}
	nw.partition([]string{boot}, []string{leader})
	restarted := nw.now()
	nw.restart(boot)
	h.annotate(nw, "restart n1 blank, cut off from leader "+leader)
	time.Sleep(time.Second)
	healed := nw.now()
	nw.heal()
	h.annotate(nw, "heal")
	time.Sleep(1500 * time.Millisecond)

	sent := log.since(boot, restarted)
	asks := slices.DeleteFunc(slices.Clone(sent), func(s raftSent) bool {
		return (s.m.Kind != replica.MsgPreVote && s.m.Kind != replica.MsgVote) || s.m.Term != 1
	})
	caught := caughtUpAt(sent)
	t.Logf("n1 restarted blank beside leader %s of term %d: %d term-1 asks, caught up %v after the heal",
		leader, term, len(asks), time.Duration(caught-healed))
	for _, s := range sent {
		if s.m.Kind == replica.MsgAppend && s.m.Term <= term {
			t.Errorf("restarted n1 led term %d (an append to %s)", s.m.Term, s.dest)
		}
	}
	for _, s := range log.since("", restarted) {
		if s.dest == boot && s.m.Granted && s.m.Term == 1 &&
			(s.m.Kind == replica.MsgVoteResp || s.m.Kind == replica.MsgPreVoteResp) {
			t.Errorf("%s granted restarted n1 a term-1 %s", s.src, s.m.Kind)
		}
	}
	if caught < 0 {
		t.Error("restarted n1 was never caught up")
	}
}
