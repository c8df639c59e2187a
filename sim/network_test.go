package sim_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/faultline/faultline/sim"
)

func TestMessagesArriveAfterLinkLatency(t *testing.T) {
	ps := mustProbeSim(2, 3*time.Millisecond, nil)
	ps.probe(0).env.Send(1, []byte("hello"))
	ps.Run(at(time.Second))
	got := ps.probe(1).messages
	if len(got) != 1 || got[0].at != at(3*time.Millisecond) || got[0].data != "hello" || got[0].from != 0 {
		t.Fatalf("p2 received %+v, want hello from p1 at 3ms", got)
	}
}

func TestSendCopiesTheMessage(t *testing.T) {
	ps := mustProbeSim(2, time.Millisecond, nil)
	buf := []byte("first")
	ps.probe(0).env.Send(1, buf)
	copy(buf, "XXXXX")
	ps.Run(at(time.Second))
	if got := ps.probe(1).messages[0].data; got != "first" {
		t.Fatalf("received %q: the sender's later change leaked into the message", got)
	}
}

func TestLatencyPercentilesShapeSamples(t *testing.T) {
	lat := sim.Latency{Min: time.Millisecond, P50: 2 * time.Millisecond, P90: 5 * time.Millisecond,
		P99: 20 * time.Millisecond, Max: 100 * time.Millisecond}
	ps := mustProbeSim(2, 0, func(c *sim.Config) { c.Link.Latency = lat })
	const n = 20000
	for range n {
		ps.probe(0).env.Send(1, []byte{1})
	}
	ps.Run(at(time.Second))
	var below50, below99, outside int
	for _, m := range ps.probe(1).messages {
		d := time.Duration(m.at)
		if d <= lat.P50 {
			below50++
		}
		if d <= lat.P99 {
			below99++
		}
		if d < lat.Min || d > lat.Max {
			outside++
		}
	}
	if outside > 0 || below50 < n*47/100 || below50 > n*53/100 || below99 < n*98/100 {
		t.Fatalf("of %d samples: %d at or below p50, %d at or below p99, %d outside [min, max]",
			n, below50, below99, outside)
	}
}

func TestLossDuplicationAndReorderingRates(t *testing.T) {
	ps := mustProbeSim(2, 0, func(c *sim.Config) {
		c.Link = sim.LinkConfig{Latency: sim.UniformLatency(time.Millisecond, 10*time.Millisecond),
			LossRate: 0.1, DuplicateRate: 0.05, ReorderRate: 0.2}
	})
	const n = 20000
	for i := range n {
		ps.probe(0).env.Send(1, []byte(fmt.Sprint(i)))
	}
	ps.Run(at(time.Second))
	st := ps.Network().Stats()
	if st.DroppedLoss < n*8/100 || st.DroppedLoss > n*12/100 {
		t.Errorf("lost %d of %d, want about 10%%", st.DroppedLoss, n)
	}
	if st.Duplicated < n*4/100 || st.Duplicated > n*6/100 {
		t.Errorf("duplicated %d of %d, want about 5%%", st.Duplicated, n)
	}
	if got := int64(len(ps.probe(1).messages)); got != st.Delivered || got != n-st.DroppedLoss+st.Duplicated {
		t.Errorf("delivered %d; stats say %d", got, st.Delivered)
	}
}

func TestPartitionsCutBothWaysAndHeal(t *testing.T) {
	ps := mustProbeSim(3, time.Millisecond, nil)
	if err := ps.Network().Partition([]sim.NodeID{0}, []sim.NodeID{1}); err != nil {
		t.Fatal(err)
	}
	// p3 is in no group: it bridges both sides.
	sendAll(ps)
	ps.RunFor(10 * time.Millisecond)
	assertReceivedFrom(t, ps, 0, []sim.NodeID{2})
	assertReceivedFrom(t, ps, 1, []sim.NodeID{2})
	assertReceivedFrom(t, ps, 2, []sim.NodeID{0, 1})
	ps.Network().Heal()
	sendAll(ps)
	ps.RunFor(10 * time.Millisecond)
	assertReceivedFrom(t, ps, 0, []sim.NodeID{2, 1, 2})
}

func TestOneWayCutIsAsymmetric(t *testing.T) {
	ps := mustProbeSim(2, time.Millisecond, nil)
	if err := ps.Network().Cut(0, 1); err != nil {
		t.Fatal(err)
	}
	sendAll(ps)
	ps.RunFor(10 * time.Millisecond)
	assertReceivedFrom(t, ps, 1, nil)
	assertReceivedFrom(t, ps, 0, []sim.NodeID{1})
}

func TestMessageInFlightIsDroppedWhenLinkIsCut(t *testing.T) {
	ps := mustProbeSim(2, 10*time.Millisecond, nil)
	ps.probe(0).env.Send(1, []byte("x"))
	ps.RunFor(5 * time.Millisecond)
	if err := ps.Network().Isolate(1); err != nil {
		t.Fatal(err)
	}
	ps.RunFor(20 * time.Millisecond)
	assertReceivedFrom(t, ps, 1, nil)
	if st := ps.Network().Stats(); st.DroppedPartition != 1 {
		t.Fatalf("stats %+v, want one partition drop", st)
	}
}

func TestSlowNodeDelaysItsMessages(t *testing.T) {
	ps := mustProbeSim(2, time.Millisecond, nil)
	if err := ps.SetSlow(1, 50*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	ps.probe(0).env.Send(1, []byte("x"))
	ps.Run(at(time.Second))
	if got := ps.probe(1).messages; len(got) != 1 || got[0].at != at(51*time.Millisecond) {
		t.Fatalf("received %+v, want one message at 51ms", got)
	}
}

func sendAll(ps *probeSim) {
	for from := range ps.NodeCount() {
		for to := range ps.NodeCount() {
			if from != to {
				ps.probe(sim.NodeID(from)).env.Send(sim.NodeID(to), []byte("ping"))
			}
		}
	}
}

func assertReceivedFrom(t *testing.T, ps *probeSim, id sim.NodeID, want []sim.NodeID) {
	t.Helper()
	var got []sim.NodeID
	for _, m := range ps.probe(id).messages {
		got = append(got, m.from)
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("%s received from %v, want %v", ps.NodeName(id), got, want)
	}
}

func TestCorruptedCopiesArriveFlippedOrCutShort(t *testing.T) {
	ps := mustProbeSim(2, 0, func(c *sim.Config) {
		c.Link = sim.LinkConfig{Latency: sim.FixedLatency(time.Millisecond), CorruptRate: 0.3}
	})
	const n = 2000
	want := "a message of some length"
	for range n {
		ps.probe(0).env.Send(1, []byte(want))
	}
	ps.Run(at(time.Second))
	st := ps.Network().Stats()
	var flipped, cut int64
	for _, m := range ps.probe(1).messages {
		switch {
		case m.data == want:
		case len(m.data) < len(want) && m.data == want[:len(m.data)]:
			cut++
		case len(m.data) == len(want):
			diff := 0
			for i := range want {
				for b := m.data[i] ^ want[i]; b != 0; b &= b - 1 {
					diff++
				}
			}
			if diff != 1 {
				t.Fatalf("a corrupted copy differs in %d bits: %q", diff, m.data)
			}
			flipped++
		default:
			t.Fatalf("a copy arrived neither whole, cut short nor with one bit flipped: %q", m.data)
		}
	}
	if st.Corrupted != flipped+cut || st.Corrupted < n*25/100 || st.Corrupted > n*35/100 || flipped == 0 || cut == 0 {
		t.Fatalf("corrupted %d of %d (%d flipped, %d cut), want about 30%%, both kinds", st.Corrupted, n, flipped, cut)
	}
}
