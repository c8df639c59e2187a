package sim

import (
	"fmt"
	"io"
	"time"
)

// Config is everything a simulation is built from. The same Config and Seed
// give the same run.
type Config struct {
	// Seed is the root seed; every random stream of the run derives from it.
	Seed uint64
	// Nodes are the processes of the simulation, servers and clients alike.
	Nodes []NodeSpec
	// Link is the initial config of every link; Network.SetLink overrides
	// single links.
	Link LinkConfig
	// MaxEvents stops a run after this many events; 0 means no limit. It
	// is the run's budget against livelock.
	MaxEvents int64
	// Trace, if set, receives the trace as JSON lines.
	Trace io.Writer
	// Summarize, if set, renders a message for the JSON trace. It never
	// affects the trace hash.
	Summarize func(msg []byte) string
}

// Validate checks the config and names the first bad field.
func (c *Config) Validate() error {
	if len(c.Nodes) == 0 {
		return fmt.Errorf("sim: config: nodes: the cluster has no nodes")
	}
	if len(c.Nodes) > NodesMax {
		return fmt.Errorf("sim: config: nodes: %d nodes, more than the %d supported", len(c.Nodes), NodesMax)
	}
	seen := make(map[string]int, len(c.Nodes))
	for i, spec := range c.Nodes {
		if err := spec.validate(); err != nil {
			return fmt.Errorf("sim: config: nodes[%d]: %w", i, err)
		}
		if j, dup := seen[spec.Name]; dup {
			return fmt.Errorf("sim: config: nodes[%d]: name %q is already used by nodes[%d]", i, spec.Name, j)
		}
		seen[spec.Name] = i
	}
	if err := c.Link.Validate(); err != nil {
		return fmt.Errorf("sim: config: link: %w", err)
	}
	if c.MaxEvents < 0 {
		return fmt.Errorf("sim: config: max_events must not be negative, got %d", c.MaxEvents)
	}
	return nil
}

// NodesMax bounds the nodes of one simulation; the network keeps an n*n
// matrix of links.
const NodesMax = 1024

func (s NodeSpec) validate() error {
	if s.Name == "" {
		return fmt.Errorf("name is empty")
	}
	if s.New == nil {
		return fmt.Errorf("node %s: new is nil", s.Name)
	}
	if err := validateDrift(s.ClockDriftPPM); err != nil {
		return fmt.Errorf("node %s: clock_drift_ppm: %w", s.Name, err)
	}
	if err := s.Disk.Validate(); err != nil {
		return fmt.Errorf("node %s: disk: %w", s.Name, err)
	}
	if s.ClockOffset < -24*time.Hour || s.ClockOffset > 24*time.Hour {
		return fmt.Errorf("node %s: clock_offset %v is beyond a day", s.Name, s.ClockOffset)
	}
	return nil
}

func validateDrift(ppm int64) error {
	if ppm < -DriftPPMMax || ppm > DriftPPMMax {
		return fmt.Errorf("%d ppm is outside [-%d, %d]", ppm, DriftPPMMax, DriftPPMMax)
	}
	return nil
}
