package replica

import (
	"errors"
	"testing"

	"github.com/faultline/faultline/sim"
)

// errCrashPoint is returned by crashDisk's Sync at the chosen crash point.
var errCrashPoint = errors.New("test: crash point")

// crashDisk is a simulated disk on which the Sync numbered crashAt (from 0)
// never happens: it returns errCrashPoint instead, leaving the writes it
// would have covered pending, so that the test can crash right there,
// between any two fsyncs of any operation.
type crashDisk struct {
	*sim.Disk
	syncs, crashAt int
}

func (d *crashDisk) Sync() error {
	if d.syncs == d.crashAt {
		return errCrashPoint
	}
	d.syncs++
	return d.Disk.Sync()
}

func saveHardStates(t *testing.T, w *WAL, terms ...uint64) {
	t.Helper()
	for _, term := range terms {
		if err := w.SaveHardState(HardState{Term: term, Vote: NodeID(term % 3)}); err != nil {
			t.Fatal(err)
		}
	}
}

func TestHardStateDamage(t *testing.T) {
	cases := []struct {
		name    string
		flip    []int // slots flipped at rest after saving terms 1..3
		want    HardState
		wantErr error
	}{
		{name: "both copies good", want: HardState{Term: 3, Vote: 0}},
		{name: "copy A flipped", flip: []int{0}, want: HardState{Term: 3, Vote: 0}},
		{name: "copy B flipped", flip: []int{1}, want: HardState{Term: 3, Vote: 0}},
		{name: "both flipped", flip: []int{0, 1}, wantErr: ErrUnrecoverable},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ws := newWALSim(t, 1)
			w, _ := ws.open(t, WALOptions{})
			saveHardStates(t, w, 1, 2, 3)
			for _, slot := range tc.flip {
				ws.flip(t, hardStateFiles[slot], slotHeaderSize+2)
			}
			ws.crash(t)
			w, rec, err := OpenWAL(ws.disk(), WALOptions{})
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("error %v, want %v", err, tc.wantErr)
				}
				return
			}
			if err != nil || rec.HardState != tc.want || rec.Corruption != nil {
				t.Fatalf("recovered %+v (corruption %+v, error %v), want %+v", rec.HardState, rec.Corruption, err, tc.want)
			}
			// The next save heals the damaged copy: flipping the other
			// one afterwards loses nothing.
			saveHardStates(t, w, 4)
			ws.flip(t, hardStateFiles[0], slotHeaderSize+2)
			if _, rec := ws.open(t, WALOptions{}); rec.HardState != (HardState{Term: 4, Vote: 1}) {
				t.Fatalf("after a healing save: %+v", rec.HardState)
			}
		})
	}
}

// A crash at either fsync of SaveHardState, with the pending write torn or
// dropped, recovers the state being saved or the one before it, never
// garbage and never an error.
func TestHardStateCrashBetweenCopies(t *testing.T) {
	for crashAt := range 2 {
		for seed := uint64(1); seed <= 30; seed++ {
			ws := newWALSim(t, seed)
			w, _ := ws.open(t, WALOptions{})
			saveHardStates(t, w, 1, 2)
			cd := &crashDisk{Disk: ws.disk(), crashAt: crashAt}
			w.disk = cd
			if err := w.SaveHardState(HardState{Term: 3, Vote: 2}); !errors.Is(err, errCrashPoint) {
				t.Fatalf("save: %v, want the crash point", err)
			}
			if seed%2 == 0 {
				ws.disk().TearOnNextCrash()
			}
			ws.crash(t)
			_, rec := ws.open(t, WALOptions{})
			if hs := rec.HardState; hs != (HardState{Term: 3, Vote: 2}) && hs != (HardState{Term: 2, Vote: 2}) {
				t.Fatalf("crash at sync %d seed %d: recovered %+v", crashAt, seed, hs)
			}
		}
	}
}

// The very first save torn by a crash returned nothing, so no vote was
// acted on: the replica starts fresh rather than refuse to start.
func TestHardStateFirstSaveTorn(t *testing.T) {
	for seed := uint64(1); seed <= 20; seed++ {
		ws := newWALSim(t, seed)
		w, _ := ws.open(t, WALOptions{})
		w.disk = &crashDisk{Disk: ws.disk(), crashAt: 0}
		if err := w.SaveHardState(HardState{Term: 1, Vote: 1}); !errors.Is(err, errCrashPoint) {
			t.Fatalf("save: %v", err)
		}
		ws.disk().TearOnNextCrash()
		ws.crash(t)
		_, rec := ws.open(t, WALOptions{})
		if hs := rec.HardState; hs != (HardState{Term: 1, Vote: 1}) && hs != (HardState{Vote: None}) {
			t.Fatalf("seed %d: recovered %+v", seed, hs)
		}
	}
}

// With one copy damaged at rest, the next save rewrites that copy first:
// overwriting the only good copy first would let a torn write lose both.
func TestHardStateDamagedCopyIsRewrittenFirst(t *testing.T) {
	for slot := range 2 {
		for seed := uint64(1); seed <= 10; seed++ {
			ws := newWALSim(t, seed)
			w, _ := ws.open(t, WALOptions{})
			saveHardStates(t, w, 1, 2)
			ws.flip(t, hardStateFiles[slot], slotHeaderSize)
			w.disk = &crashDisk{Disk: ws.disk(), crashAt: 0}
			if err := w.SaveHardState(HardState{Term: 3, Vote: 2}); !errors.Is(err, errCrashPoint) {
				t.Fatalf("save: %v", err)
			}
			ws.disk().TearOnNextCrash()
			ws.crash(t)
			w2, rec, err := OpenWAL(ws.disk(), WALOptions{})
			hs := rec.HardState
			if err != nil || w2 == nil || (hs != (HardState{Term: 2, Vote: 2}) && hs != (HardState{Term: 3, Vote: 2})) {
				t.Fatalf("slot %d flipped, seed %d: recovered %+v, error %v", slot, seed, rec.HardState, err)
			}
		}
	}
}
