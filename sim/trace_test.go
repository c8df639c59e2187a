package sim_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/faultline/faultline/sim"
)

type traceLine struct {
	TimeNs int64  `json:"t_ns"`
	Time   string `json:"t"`
	Event  string `json:"ev"`
	Node   string `json:"node"`
	Peer   string `json:"peer"`
	N      int64  `json:"n"`
	What   string `json:"what"`
	Detail string `json:"detail"`
}

func TestJSONTraceNamesEveryEvent(t *testing.T) {
	var out bytes.Buffer
	ps := mustProbeSim(2, time.Millisecond, func(c *sim.Config) {
		c.Trace = &out
		c.Summarize = func(msg []byte) string { return fmt.Sprintf("msg %q", msg) }
	})
	ps.probe(0).env.Send(1, []byte("hi"))
	ps.probe(1).env.SetTimer(time.Millisecond, 5)
	ps.probe(1).env.Record(`became leader "term" 2`)
	ps.Network().Heal()
	_ = ps.Crash(0)
	ps.RunFor(10 * time.Millisecond)
	if err := ps.Close(); err != nil {
		t.Fatal(err)
	}
	var lines []traceLine
	sc := bufio.NewScanner(&out)
	for sc.Scan() {
		var l traceLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("trace line %q is not JSON: %v", sc.Text(), err)
		}
		lines = append(lines, l)
	}
	seen := map[string]traceLine{}
	for _, l := range lines {
		seen[l.Event] = l
	}
	for _, ev := range []string{"start", "send", "deliver", "timer", "note", "fault", "crash"} {
		if _, ok := seen[ev]; !ok {
			t.Errorf("no %q event in the trace", ev)
		}
	}
	if d := seen["deliver"]; d.Node != "p2" || d.Peer != "p1" || d.What != `msg "hi"` || d.TimeNs != int64(time.Millisecond) {
		t.Errorf("deliver line %+v", d)
	}
	if n := seen["note"]; n.Detail != `became leader "term" 2` {
		t.Errorf("note line %+v", n)
	}
}

// The JSON trace is an output, not an input: writing it must not change
// the run it describes.
func TestWritingTheTraceDoesNotChangeTheHash(t *testing.T) {
	plain := mustCounterCluster(4, 3, nil)
	plain.Run(at(time.Second))
	var out bytes.Buffer
	traced := mustCounterCluster(4, 3, func(c *sim.Config) { c.Trace = &out })
	traced.Run(at(time.Second))
	if plain.TraceHash() != traced.TraceHash() || out.Len() == 0 {
		t.Fatalf("hash without trace %s, with trace %s (%d bytes)", plain.TraceHashHex(), traced.TraceHashHex(), out.Len())
	}
}
