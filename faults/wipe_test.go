package faults

import (
	"slices"
	"testing"
	"time"

	"github.com/faultline/faultline/sim"
)

// TestMajorityWipeCrashesAMajorityWithTheBootstrapNodeAndCutsOffTheRest:
// for every size, the wipe crashes the bootstrap node and enough others
// for a majority at one moment, cuts the survivors off, restarts the
// crashed 100 ms later and heals within 1 to 1.5 s; WipedAt finds it.
func TestMajorityWipeCrashesAMajorityWithTheBootstrapNodeAndCutsOffTheRest(t *testing.T) {
	at := Duration(6 * time.Second)
	for _, n := range []int{3, 5, 7} {
		servers := make([]string, n)
		for i := range servers {
			servers[i] = "n" + string(rune('1'+i))
		}
		for seed := uint64(1); seed <= 20; seed++ {
			s := Schedule{Faults: MajorityWipe(sim.NewStream(seed, "majority-wipe"), servers, at)}
			if err := s.Validate(servers); err != nil {
				t.Fatal(err)
			}
			got, wiped, ok := s.WipedAt(servers)
			if !ok || got != at || len(wiped) != n/2+1 || wiped[0] != "n1" {
				t.Fatalf("%d servers, seed %d: WipedAt = %v %v %v in %+v", n, seed, time.Duration(got), wiped, ok, s.Faults)
			}
			restarts, heals := 0, 0
			for _, f := range s.Faults {
				switch f.Kind {
				case Restart:
					restarts++
					if f.At != at+Duration(100*time.Millisecond) || !slices.Contains(wiped, f.Node) {
						t.Errorf("%d servers, seed %d: %+v", n, seed, f)
					}
				case Partition:
					if f.At != at || len(f.Groups) != 2 || len(f.Groups[0]) != n-len(wiped) || !slices.Equal(f.Groups[1], wiped) {
						t.Errorf("%d servers, seed %d: the survivors are not cut off from the wiped: %+v", n, seed, f)
					}
				case Heal:
					heals++
					if f.At < at+Duration(time.Second) || f.At > at+Duration(1500*time.Millisecond) {
						t.Errorf("%d servers, seed %d: heal at %v", n, seed, time.Duration(f.At))
					}
				}
			}
			if restarts != len(wiped) || heals != 1 {
				t.Errorf("%d servers, seed %d: %d restarts, %d heals", n, seed, restarts, heals)
			}
		}
	}
}

// TestWipedAtIgnoresAMinorityAndCrashesAtDifferentMoments: the budgeted
// plans crash a minority at a time, and roles or crashes a moment apart
// are not a majority lost at once.
func TestWipedAtIgnoresAMinorityAndCrashesAtDifferentMoments(t *testing.T) {
	servers := []string{"n1", "n2", "n3", "n4", "n5"}
	ms := Duration(time.Millisecond)
	for name, fs := range map[string][]Fault{
		"minority":         {{At: ms, Kind: Crash, Node: "n1"}, {At: ms, Kind: Crash, Node: "n2"}},
		"apart":            {{At: ms, Kind: Crash, Node: "n1"}, {At: ms, Kind: Crash, Node: "n2"}, {At: 2 * ms, Kind: Crash, Node: "n3"}},
		"a role":           {{At: ms, Kind: Crash, Node: "n1"}, {At: ms, Kind: Crash, Node: "n2"}, {At: ms, Kind: Crash, Node: "@leader"}},
		"the same twice":   {{At: ms, Kind: Crash, Node: "n1"}, {At: ms, Kind: Crash, Node: "n2"}, {At: ms, Kind: Crash, Node: "n2"}},
		"other than crash": {{At: ms, Kind: Crash, Node: "n1"}, {At: ms, Kind: Crash, Node: "n2"}, {At: ms, Kind: Pause, Node: "n3"}},
	} {
		if at, wiped, ok := (Schedule{Faults: fs}).WipedAt(servers); ok {
			t.Errorf("%s: wiped %v at %v", name, wiped, time.Duration(at))
		}
	}
}
