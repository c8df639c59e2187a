package sim_test

import (
	"time"

	"github.com/faultline/faultline/sim"
	"github.com/faultline/faultline/sim/simtest"
)

// probe is a scriptable node for precise tests: it records what reaches it,
// with the true time it arrived, and lets the test act through its Env.
type probe struct {
	s        *sim.Sim
	env      *sim.Env
	messages []arrival
	timers   []arrival
	disk     []arrival // DiskDone calls: tag is the ticket, data the error
	onStart  func(p *probe)
}

type arrival struct {
	at   sim.Time
	from sim.NodeID
	tag  uint64
	data string
}

func (p *probe) Start(env *sim.Env) {
	p.env = env
	if p.onStart != nil {
		p.onStart(p)
	}
}

func (p *probe) Receive(from sim.NodeID, msg []byte) {
	p.messages = append(p.messages, arrival{at: p.s.Now(), from: from, data: string(msg)})
}

func (p *probe) Timer(tag uint64) {
	p.timers = append(p.timers, arrival{at: p.s.Now(), tag: tag})
}

func (p *probe) DiskDone(ticket uint64, err error) {
	a := arrival{at: p.s.Now(), tag: ticket}
	if err != nil {
		a.data = err.Error()
	}
	p.disk = append(p.disk, a)
}

// probeSim builds n probe nodes on links of fixed latency. The probes of
// each life are collected in lives[id], newest last.
type probeSim struct {
	*sim.Sim
	lives [][]*probe
}

func newProbeSim(n int, latency time.Duration, mutate func(*sim.Config)) (*probeSim, error) {
	ps := &probeSim{lives: make([][]*probe, n)}
	cfg := sim.Config{Seed: 1, Link: sim.LinkConfig{Latency: sim.FixedLatency(latency)}}
	for i := range n {
		cfg.Nodes = append(cfg.Nodes, sim.NodeSpec{Name: "p" + string(rune('1'+i)), New: func() sim.Node {
			p := &probe{s: ps.Sim}
			ps.lives[i] = append(ps.lives[i], p)
			return p
		}})
	}
	if mutate != nil {
		mutate(&cfg)
	}
	s, err := sim.New(cfg)
	if err != nil {
		return nil, err
	}
	ps.Sim = s
	s.Run(0) // boot every node
	return ps, nil
}

func mustProbeSim(n int, latency time.Duration, mutate func(*sim.Config)) *probeSim {
	ps, err := newProbeSim(n, latency, mutate)
	if err != nil {
		panic(err)
	}
	return ps
}

// probe returns the current life of node id.
func (ps *probeSim) probe(id sim.NodeID) *probe {
	lives := ps.lives[id]
	return lives[len(lives)-1]
}

func at(d time.Duration) sim.Time { return sim.TimeFromDuration(d) }

func mustCounterCluster(seed uint64, n int, mutate func(*sim.Config)) *sim.Sim {
	s, err := simtest.CounterCluster(seed, n, mutate)
	if err != nil {
		panic(err)
	}
	return s
}
