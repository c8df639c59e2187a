package faults

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/faultline/faultline/sim"
)

// ErrBadSchedule is wrapped by every error about a schedule's content.
var ErrBadSchedule = errors.New("faults: bad schedule")

// Schedule is a list of timed faults, sorted by time. It is data: a seed
// generates one, a file replays one, and shrinking removes faults from one.
type Schedule struct {
	Faults []Fault `json:"faults"`
}

// FaultsMax bounds a schedule.
const FaultsMax = 100_000

// ParseSchedule reads a schedule: an object {"faults": [...]} or a bare
// list. Unknown fields, unknown kinds and out-of-range values are errors
// naming the fault and the field; nothing is guessed.
func ParseSchedule(b []byte) (Schedule, error) {
	var s Schedule
	trimmed := bytes.TrimSpace(b)
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	dec.DisallowUnknownFields()
	var err error
	if len(trimmed) > 0 && trimmed[0] == '[' {
		err = dec.Decode(&s.Faults)
	} else {
		err = dec.Decode(&s)
	}
	if err != nil {
		return Schedule{}, fmt.Errorf("%w: %w", ErrBadSchedule, err)
	}
	if dec.More() {
		return Schedule{}, fmt.Errorf("%w: trailing data after the schedule", ErrBadSchedule)
	}
	if len(s.Faults) > FaultsMax {
		return Schedule{}, fmt.Errorf("%w: %d faults, at most %d", ErrBadSchedule, len(s.Faults), FaultsMax)
	}
	for i := range s.Faults {
		if err := s.Faults[i].validateShape(); err != nil {
			return Schedule{}, fmt.Errorf("%w: faults[%d] (%s): %w", ErrBadSchedule, i, s.Faults[i].Kind, err)
		}
	}
	s.Sort()
	return s, nil
}

// Sort orders faults by time, keeping the order of simultaneous ones.
func (s *Schedule) Sort() {
	slices.SortStableFunc(s.Faults, func(a, b Fault) int {
		switch {
		case a.At < b.At:
			return -1
		case a.At > b.At:
			return 1
		}
		return 0
	})
}

// JSON renders the schedule, indented for people.
func (s Schedule) JSON() []byte {
	b, _ := json.MarshalIndent(s, "", "  ") // plain data always marshals
	return append(b, '\n')
}

// Validate checks that every node a fault names is one of nodes.
func (s Schedule) Validate(nodes []string) error {
	for i, f := range s.Faults {
		if err := f.validateShape(); err != nil {
			return fmt.Errorf("%w: faults[%d] (%s): %w", ErrBadSchedule, i, f.Kind, err)
		}
		for _, g := range f.Groups {
			for _, name := range g {
				if IsRole(name) {
					return fmt.Errorf("%w: faults[%d] (%s): roles like %q name single nodes, not partition members", ErrBadSchedule, i, f.Kind, name)
				}
			}
		}
		for _, name := range f.nodes() {
			if !slices.Contains(nodes, name) && !slices.Contains(Roles, name) {
				return fmt.Errorf("%w: faults[%d] (%s): node %q does not exist (nodes: %v)", ErrBadSchedule, i, f.Kind, name, nodes)
			}
		}
	}
	return nil
}

// nodes lists every node the fault names.
func (f Fault) nodes() []string {
	var out []string
	for _, n := range []string{f.Node, f.From, f.To} {
		if n != "" {
			out = append(out, n)
		}
	}
	for _, g := range f.Groups {
		out = append(out, g...)
	}
	return out
}

// validateShape checks the fields a kind needs, without knowing the nodes.
func (f Fault) validateShape() error {
	if f.At < 0 || time.Duration(f.At) > 365*24*time.Hour {
		return fmt.Errorf("at %v is out of range", time.Duration(f.At))
	}
	switch f.Kind {
	case Isolate:
		if f.Count < 0 || f.Count > 8 {
			return fmt.Errorf("count (the isolated side's size) must be 0..8, got %d", f.Count)
		}
		return need(f.Node != "", "node")
	case Crash, Pause, Resume, TornWrite, BitFlip, DiskLoss:
		return need(f.Node != "", "node")
	case Restart, Slow:
		if f.Delay < 0 {
			return fmt.Errorf("delay must not be negative")
		}
		return need(f.Node != "", "node")
	case CrashPoint, PausePoint:
		if !slices.Contains(CrashPoints, f.Point) {
			return fmt.Errorf("point %q is not one of %v", f.Point, CrashPoints)
		}
		if f.Kind == PausePoint && f.Point == DuringFsync {
			return fmt.Errorf("a pause point waits for a message: %s is a crash point only", DuringFsync)
		}
		if f.Delay <= 0 {
			return fmt.Errorf("a %s needs a delay (how long it stays armed)", f.Kind)
		}
		return need(f.Node != "", "node")
	case TailDamage:
		if f.Count < 1 || f.Count > 64 {
			return fmt.Errorf("count (sectors) must be 1..64, got %d", f.Count)
		}
		return need(f.Node != "", "node")
	case LoseNewestFile:
		return need(f.Node != "", "node")
	case MisdirectedWrite, FsyncFailure, SlowDisk:
		if f.Count < 1 || f.Count > 1000 {
			return fmt.Errorf("count must be 1..1000, got %d", f.Count)
		}
		return need(f.Node != "", "node")
	case Partition:
		return validateGroups(f.Groups)
	case Cut:
		if f.From == "" || f.To == "" || f.From == f.To {
			return fmt.Errorf("cut needs two different nodes, from and to")
		}
	case Heal, NetworkNormal:
	case Loss, Duplicate, Reorder, Corrupt:
		if !(f.Rate >= 0 && f.Rate <= 1) {
			return fmt.Errorf("rate must be within [0, 1], got %v", f.Rate)
		}
		return validateLink(f)
	case Delay:
		if f.Latency == nil {
			return fmt.Errorf("latency is required")
		}
		if err := f.Latency.Validate(); err != nil {
			return err
		}
		return validateLink(f)
	case ClockOffset, ClockJump:
		if f.Offset < -Duration(24*time.Hour) || f.Offset > Duration(24*time.Hour) {
			return fmt.Errorf("offset %v is beyond a day", time.Duration(f.Offset))
		}
		return need(f.Node != "", "node")
	case IOError:
		if !(f.Rate >= 0 && f.Rate <= 1) {
			return fmt.Errorf("rate must be within [0, 1], got %v", f.Rate)
		}
		return need(f.Node != "", "node")
	case TransferLeader:
		if f.Node != "" {
			return fmt.Errorf("transfer-leader names the node to drain as from, not node")
		}
		if f.From == "" || f.To == "" || f.From == f.To {
			return fmt.Errorf("transfer-leader needs two different nodes, from and to")
		}
	case ClockDrift:
		if f.PPM < -sim.DriftPPMMax || f.PPM > sim.DriftPPMMax {
			return fmt.Errorf("ppm %d is outside [-%d, %d]", f.PPM, sim.DriftPPMMax, sim.DriftPPMMax)
		}
		return need(f.Node != "", "node")
	default:
		return fmt.Errorf("unknown kind %q (known: %v)", f.Kind, Kinds)
	}
	return nil
}

func need(ok bool, field string) error {
	if !ok {
		return fmt.Errorf("%s is required", field)
	}
	return nil
}

func validateLink(f Fault) error {
	if (f.From == "") != (f.To == "") {
		return fmt.Errorf("give both from and to, or neither (all links)")
	}
	return nil
}

func validateGroups(groups [][]string) error {
	if len(groups) < 2 {
		return fmt.Errorf("groups: need at least two groups")
	}
	seen := map[string]int{}
	for i, g := range groups {
		if len(g) == 0 {
			return fmt.Errorf("groups[%d] is empty", i)
		}
		for _, n := range g {
			if j, dup := seen[n]; dup {
				return fmt.Errorf("node %q is in groups %d and %d", n, j, i)
			}
			seen[n] = i
		}
	}
	return nil
}
