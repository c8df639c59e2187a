package sim_test

import (
	"testing"
	"time"

	"github.com/faultline/faultline/sim"
)

// rearmNode keeps timersInFlight timers pending: each one re-arms itself
// when it fires, so the loop measures scheduling and firing alone.
type rearmNode struct{ env *sim.Env }

const timersInFlight = 64

func (r *rearmNode) Start(env *sim.Env) {
	r.env = env
	for i := range timersInFlight {
		env.SetTimer(time.Duration(i+1)*time.Microsecond, uint64(i))
	}
}
func (r *rearmNode) Receive(sim.NodeID, []byte) {}
func (r *rearmNode) Timer(tag uint64)           { r.env.SetTimer(time.Duration(tag+1)*time.Microsecond, tag) }

// BenchmarkEventLoop measures the raw event loop: one op is one event.
func BenchmarkEventLoop(b *testing.B) {
	s, err := sim.New(sim.Config{Seed: 1, Nodes: []sim.NodeSpec{{Name: "n1", New: func() sim.Node { return &rearmNode{} }}}})
	if err != nil {
		b.Fatal(err)
	}
	s.Run(0)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		s.Step()
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// pingNode answers every message with one of the same size, so a fixed
// number of messages stays in flight.
type pingNode struct{ env *sim.Env }

const messagesInFlight = 64

func (p *pingNode) Start(env *sim.Env) {
	p.env = env
	if env.ID() == 0 {
		msg := make([]byte, 64)
		for range messagesInFlight {
			env.Send(1, msg)
		}
	}
}
func (p *pingNode) Receive(from sim.NodeID, msg []byte) { p.env.Send(from, msg) }
func (p *pingNode) Timer(uint64)                        {}

// BenchmarkNetwork measures messages through the network model: latency
// sampling, loss, duplication and reordering draws, copying and delivery.
// One op is one delivered message.
func BenchmarkNetwork(b *testing.B) {
	link := sim.LinkConfig{Latency: sim.UniformLatency(100*time.Microsecond, 2*time.Millisecond),
		DuplicateRate: 0.001, ReorderRate: 0.01}
	spec := func(name string) sim.NodeSpec {
		return sim.NodeSpec{Name: name, New: func() sim.Node { return &pingNode{} }}
	}
	s, err := sim.New(sim.Config{Seed: 1, Link: link, Nodes: []sim.NodeSpec{spec("n1"), spec("n2")}})
	if err != nil {
		b.Fatal(err)
	}
	s.Run(0)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		s.Step()
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}
