package scenarios

import (
	"bufio"
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// abstention is what a volatile run's trace shows of the abstain rule:
// restarts on a blank disk, restarted nodes a leader caught up, and the
// vote and pre-vote answers nodes sent while abstaining.
type abstention struct {
	restarts, caughtUp, refused int
	// grants are the answers granted while abstaining, as "from->to what".
	grants []string
}

// readAbstention walks a JSON-lines trace, following each node from the
// note its replica records on a volatile start to the note that ends its
// abstention (a leader's repair, or winning the bootstrap election).
func readAbstention(t *testing.T, trace []byte) abstention {
	t.Helper()
	var a abstention
	abstaining := map[string]bool{}
	restarted := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(trace))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var e struct {
			T      int64  `json:"t_ns"`
			Ev     string `json:"ev"`
			Node   string `json:"node"`
			Peer   string `json:"peer"`
			What   string `json:"what"`
			Detail string `json:"detail"`
		}
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("trace line %q: %v", sc.Text(), err)
		}
		switch {
		case e.Ev == "note" && strings.Contains(e.Detail, "storage that does not outlive the process"):
			abstaining[e.Node] = true
			restarted[e.Node] = e.T > 0
			if e.T > 0 {
				a.restarts++
			}
		case e.Ev == "note" && (strings.Contains(e.Detail, "storage repaired") || strings.Contains(e.Detail, "bootstrapped the cluster")):
			if abstaining[e.Node] && restarted[e.Node] {
				a.caughtUp++
			}
			abstaining[e.Node] = false
		case e.Ev == "send" && abstaining[e.Node] && strings.Contains(e.What, "vote-resp"):
			if strings.Contains(e.What, "granted=true") {
				a.grants = append(a.grants, e.Node+"->"+e.Peer+" "+e.What)
			} else {
				a.refused++
			}
		}
	}
	return a
}

// TestVolatileMaelstromNodesAbstainUntilCaughtUp runs maelstrom-node seeds
// that draw volatile nodes (ledger-node without --data-dir) and reads
// their traces: nodes restart blank, answer the elections held meanwhile
// with refusals, grant nothing but the bootstrap replica's term-1 asks,
// and are caught up by a leader later; and every such run passes.
func TestVolatileMaelstromNodesAbstainUntilCaughtUp(t *testing.T) {
	sc, ok := Lookup("maelstrom-node")
	if !ok {
		t.Fatal("no maelstrom-node scenario")
	}
	var sum abstention
	runs := 0
	// From seed 13, the first volatile seed whose blank voter meets an
	// election (seeds 4-12 restart nodes that are caught up before any):
	// a trace costs seconds, so the search starts there and goes on only
	// if a change of the fault plan moved it.
	for seed := uint64(13); seed <= 60 && (sum.refused == 0 || sum.caughtUp == 0); seed++ {
		if !DrawParameters(seed, &sc).Volatile {
			continue
		}
		var trace bytes.Buffer
		o, err := Run(&sc, seed, RunOptions{Trace: &trace})
		if err != nil {
			t.Fatal(err)
		}
		if !o.Passed() {
			t.Errorf("seed %d: %v", seed, o.Verdicts)
		}
		a := readAbstention(t, trace.Bytes())
		t.Logf("seed %d: %d blank restarts, %d caught up, %d votes refused while abstaining, %d bootstrap grants",
			seed, a.restarts, a.caughtUp, a.refused, len(a.grants))
		for _, g := range a.grants {
			if !strings.Contains(g, "->n1 ") || !strings.Contains(g, " t1 ") {
				t.Errorf("seed %d: an abstaining node granted more than the bootstrap replica's term-1 ask: %s", seed, g)
			}
		}
		sum.restarts += a.restarts
		sum.caughtUp += a.caughtUp
		sum.refused += a.refused
		runs++
	}
	if sum.restarts == 0 || sum.caughtUp == 0 || sum.refused == 0 {
		t.Fatalf("over %d volatile runs: %d blank restarts, %d caught up, %d refusals: the abstain rule was never exercised",
			runs, sum.restarts, sum.caughtUp, sum.refused)
	}
}

// TestOnlyMaelstromScenariosTakeVolatileParameters: a bank scenario's
// replicas have no volatile mode, so a bundle that says so is refused,
// and a Maelstrom scenario draws volatile in some seeds and not others.
func TestOnlyMaelstromScenariosTakeVolatileParameters(t *testing.T) {
	bank, _ := Lookup("leader-crash")
	p := DrawParameters(1, &bank)
	p.Volatile = true
	if err := p.Validate(&bank); err == nil {
		t.Error("leader-crash accepted volatile parameters")
	}
	sc, _ := Lookup("maelstrom-node")
	drawn := map[bool]int{}
	for seed := uint64(1); seed <= 20; seed++ {
		p := DrawParameters(seed, &sc)
		drawn[p.Volatile]++
		if err := p.Validate(&sc); err != nil {
			t.Errorf("seed %d: %v", seed, err)
		}
		if want := p.Volatile; strings.Contains(p.Describe(&sc), "volatile=true") != want {
			t.Errorf("seed %d: described as %q", seed, p.Describe(&sc))
		}
	}
	if drawn[true] == 0 || drawn[false] == 0 {
		t.Errorf("seeds 1-20 drew volatile %d times and persistent %d times", drawn[true], drawn[false])
	}
}
