package sim_test

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/sim"
	"github.com/faultline/faultline/sim/simtest"
)

func TestInvalidConfigIsRejectedNamingTheField(t *testing.T) {
	node := sim.NodeSpec{Name: "n1", New: simtest.NewCounter}
	valid := func() sim.Config {
		return sim.Config{Nodes: []sim.NodeSpec{node}, Link: sim.LinkConfig{Latency: sim.FixedLatency(time.Millisecond)}}
	}
	cases := []struct {
		name   string
		mutate func(*sim.Config)
		want   string
	}{
		{"zero nodes", func(c *sim.Config) { c.Nodes = nil }, "nodes: the cluster has no nodes"},
		{"negative latency", func(c *sim.Config) { c.Link.Latency.Min = -time.Millisecond }, "latency min is negative"},
		{"percentiles out of order", func(c *sim.Config) { c.Link.Latency.P99 = 0 }, "latency p99"},
		{"loss above one", func(c *sim.Config) { c.Link.LossRate = 1.5 }, "loss_rate must be within [0, 1]"},
		{"duplication NaN", func(c *sim.Config) { c.Link.DuplicateRate = math.NaN() }, "duplicate_rate"},
		{"negative reorder", func(c *sim.Config) { c.Link.ReorderRate = -0.1 }, "reorder_rate"},
		{"unnamed node", func(c *sim.Config) { c.Nodes[0].Name = "" }, "nodes[0]: name is empty"},
		{"node without constructor", func(c *sim.Config) { c.Nodes[0].New = nil }, "new is nil"},
		{"duplicate names", func(c *sim.Config) { c.Nodes = append(c.Nodes, node) }, `nodes[1]: name "n1" is already used`},
		{"drift out of range", func(c *sim.Config) { c.Nodes[0].ClockDriftPPM = 2_000_000 }, "clock_drift_ppm"},
		{"negative event budget", func(c *sim.Config) { c.MaxEvents = -1 }, "max_events"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := valid()
			tc.mutate(&cfg)
			_, err := sim.New(cfg)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got error %v, want one containing %q", err, tc.want)
			}
		})
	}
	if _, err := sim.New(valid()); err != nil {
		t.Fatalf("valid config rejected: %v", err)
	}
}

func TestBadRuntimeFaultsAreErrors(t *testing.T) {
	ps := mustProbeSim(2, time.Millisecond, nil)
	nw := ps.Network()
	errs := map[string]error{
		"partition with unknown node": nw.Partition([]sim.NodeID{0}, []sim.NodeID{7}),
		"node in two groups":          nw.Partition([]sim.NodeID{0}, []sim.NodeID{0, 1}),
		"cut to unknown node":         nw.Cut(0, -1),
		"link loss above one":         nw.SetLink(0, 1, sim.LinkConfig{LossRate: 2}),
		"drift out of range":          ps.SetClockDrift(0, -900_000),
		"negative slowness":           ps.SetSlow(1, -time.Second),
	}
	for name, err := range errs {
		if err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
