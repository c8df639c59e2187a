package checkers

import (
	"fmt"
	"time"

	"github.com/faultline/faultline/ledger/replica"
)

// Traffic checks that what replicas send one another stays proportionate to
// the work of the run: message amplification (a probe storm, a
// retransmission loop, a snapshot chunk resend loop, a heartbeat storm) is
// no safety violation, so every other checker passes while a replica sends
// a thousand times what the run needed. A leader that let a probe out on
// every stale answer sent 1.08 M Appends for 3,302 client requests
// (end-of-day-burst seed 11, the bug fixed by 6e4983c; mutant
// stale-answers-unpause-probes) and the gate stayed green.
//
// It counts every message each replica sends each peer, by kind, as it
// leaves (what was sent, not what was delivered: the network's duplicates
// are not the sender's), and bounds each count, per directed link and
// kind, by the work on that link:
//
//	sent(s->r, kind) <= TrafficPerWork * work(s, r) + TrafficSlack
//	work(s, r) = heartbeat intervals elapsed
//	           + log positions s applied + log positions r applied
//	           + distinct snapshot chunks sent s->r and r->s
//
// Each term is a reason to send: a leader sends each follower one Append
// per heartbeat interval, and at least one per entry or chunk it is due
// (an entry is applied by the follower once it arrives, again after a
// restart re-applies its log, and a snapshot skips ahead by the positions
// it covers); a follower answers each. Both ends' positions count, so one
// budget bounds a link's requests and its answers alike; distinct chunks,
// by snapshot and offset, do not grow when the same chunks are sent again.
// Elections are bounded by the heartbeat term: a campaign needs an
// election timeout, and that is longer than a heartbeat interval.
type Traffic struct {
	replicas  int
	sent      []int    // by (from*replicas+to)*trafficKinds + kind
	positions []uint64 // log positions each replica advanced through
	last      []uint64 // the last index each replica applied
	chunks    []int    // distinct snapshot chunks, by from*replicas+to
	seen      chunkSet // the snapshot chunks already counted
	scratch   replica.Message
}

// TrafficPerWork and TrafficSlack are the budget's slope and intercept
// (see Traffic), from the highest count over work of any link and kind per
// run, measured at 6e4983c's fix: correct traffic stays below 12 (every
// scenario at seeds 1-40, asymmetric-partition and baseline at 1-300,
// bridge at 1-199; the worst is go-back-N under reordering, bridge seed
// 25: each out-of-order Append rejected, each rejection resending the
// window), while the probe storm of stale-answers-unpause-probes reaches
// 84 (end-of-day-burst seed 11), 56 (clock-skew 11), 51 (leader-crash 11)
// and 23 (failing-disk 11), and a storm's count grows with the run's
// length while the budget grows only with its work. 20 sits between.
// Runs above it at that fix (disk-corruption seeds 11, 25 and 26, swarm
// 25: ratios 20-38) were storms too, not correct traffic (at
// disk-corruption 25 n3 sent n1 157,046 Appends in one second, the same
// one up to 780 times, for 2,083 client requests), found by this checker
// and fixed in the replica: old rejections reporting lost entries
// restarted the leader's pipeline. The slack covers runs
// too short for the slope: elections and probes at the start, a few dozen
// messages a link.
const (
	TrafficPerWork = 20
	TrafficSlack   = 200
)

const trafficKinds = 16 // message kinds are one byte; replica defines fewer

type chunkSet map[chunkKey]struct{}

type chunkKey struct {
	link          int
	index, offset uint64
}

// NewTraffic returns a Traffic for a cluster of replicas, named n1, n2, ...
// by index from 0.
func NewTraffic(replicas int) *Traffic {
	if replicas <= 0 {
		panic(fmt.Sprintf("traffic: %d replicas", replicas))
	}
	return &Traffic{replicas: replicas,
		sent:      make([]int, replicas*replicas*trafficKinds),
		positions: make([]uint64, replicas), last: make([]uint64, replicas),
		chunks: make([]int, replicas*replicas)}
}

// Sent records that replica from sent message b (in replica's wire format)
// to replica to. It runs for every message of the run and allocates only
// for a snapshot chunk not sent before.
func (t *Traffic) Sent(from, to int, kind replica.MessageKind, b []byte) {
	link := from*t.replicas + to
	t.sent[link*trafficKinds+int(kind)%trafficKinds]++
	if kind != replica.MsgSnapshot {
		return
	}
	if err := replica.DecodeMessageAliasing(b, &t.scratch); err != nil {
		return // a snapshot chunk the sender garbled is no work either
	}
	key := chunkKey{link: link, index: t.scratch.Snapshot.Index, offset: t.scratch.Offset}
	t.scratch = replica.Message{} // keep no alias of b
	if t.seen == nil {
		t.seen = make(chunkSet)
	}
	if _, ok := t.seen[key]; !ok {
		t.seen[key] = struct{}{}
		t.chunks[link]++
	}
}

// Applied records that replica id applied index: one position, or as many
// as a snapshot skipped ahead by. An index at or below the last one (a
// restart re-applying its log) is one position again.
func (t *Traffic) Applied(id int, index uint64) {
	t.positions[id] += max(1, index-min(index, t.last[id]))
	t.last[id] = index
}

// Verdict decides the invariant for a run that lasted elapsed, whose
// leaders send a heartbeat every heartbeat of their clocks.
func (t *Traffic) Verdict(elapsed, heartbeat time.Duration) Verdict {
	if heartbeat <= 0 {
		panic(fmt.Sprintf("traffic: heartbeat interval %v", heartbeat))
	}
	var evidence []string
	for link := range t.replicas * t.replicas {
		from, to := link/t.replicas, link%t.replicas
		work := t.work(from, to, elapsed/heartbeat)
		budget := TrafficPerWork*work + TrafficSlack
		for kind := range trafficKinds {
			if n := t.sent[link*trafficKinds+kind]; n > budget {
				evidence = append(evidence, t.excess(from, to, replica.MessageKind(kind), n, budget, elapsed, heartbeat))
			}
		}
	}
	return verdict("bounded-traffic", evidence)
}

// work is work(from, to) of the budget (see Traffic), given the
// heartbeat intervals elapsed.
func (t *Traffic) work(from, to int, heartbeats time.Duration) int {
	return int(heartbeats) + int(t.positions[from]+t.positions[to]) +
		t.chunks[from*t.replicas+to] + t.chunks[to*t.replicas+from]
}

func (t *Traffic) excess(from, to int, kind replica.MessageKind, n, budget int, elapsed, heartbeat time.Duration) string {
	link := from*t.replicas + to
	return fmt.Sprintf("n%d sent n%d %s %s messages in %v, over its budget of %s = %d x (%s heartbeat intervals of %v + %s log positions n%d applied + %s n%d applied + %s distinct snapshot chunks) + %d",
		from+1, to+1, thousands(n), kind, elapsed, thousands(budget), TrafficPerWork,
		thousands(int(elapsed/heartbeat)), heartbeat, thousands(int(t.positions[from])), from+1,
		thousands(int(t.positions[to])), to+1, thousands(t.chunks[link]+t.chunks[to*t.replicas+from]), TrafficSlack)
}
