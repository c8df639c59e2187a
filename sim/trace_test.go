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

// hashOfADamagedDelivery sends one message from p1 to p2 and, when off is
// not negative, flips bit of its byte off while it is in flight, then
// returns the trace hash once it has arrived.
func hashOfADamagedDelivery(t *testing.T, off int, bit uint) uint64 {
	t.Helper()
	ps := mustProbeSim(2, time.Millisecond, nil)
	sent := "transfer 100 to account 7"
	ps.probe(0).env.Send(1, []byte(sent))
	if off >= 0 && sim.DamageInFlight(ps.Sim, off, bit) != 1 {
		t.Fatal("no message in flight to damage")
	}
	ps.RunFor(10 * time.Millisecond)
	got := ps.probe(1).messages
	if len(got) != 1 || (got[0].data == sent) != (off < 0) {
		t.Fatalf("p2 received %+v, sent %q, damaged at %d", got, sent, off)
	}
	return ps.TraceHash()
}

// A message's bytes are folded when it is sent, and its delivery folds
// which message it was; but a copy the network altered on its way is
// folded again as it arrived, so the hash covers what was received. The
// damage here draws and traces nothing, so the runs differ in the bytes
// received alone.
func TestTheTraceHashCoversWhatArrivedDamaged(t *testing.T) {
	intact := hashOfADamagedDelivery(t, -1, 0)
	if again := hashOfADamagedDelivery(t, -1, 0); again != intact {
		t.Fatalf("the same run gave hashes %x and %x", intact, again)
	}
	flipped := hashOfADamagedDelivery(t, 9, 0)
	if flipped == intact {
		t.Fatal("a message damaged in flight hashes as the intact one")
	}
	if other := hashOfADamagedDelivery(t, 9, 1); other == flipped {
		t.Fatal("messages damaged differently in flight share a trace hash: the bytes received were not folded")
	}
}

// hashOfADelivery sends msg from p1 to p2 between two other messages and
// returns the trace hash once all three have arrived.
func hashOfADelivery(t *testing.T, msg []byte) uint64 {
	t.Helper()
	ps := mustProbeSim(2, time.Millisecond, nil)
	ps.probe(0).env.Send(1, []byte("before"))
	ps.probe(0).env.Send(1, msg)
	ps.probe(0).env.Send(1, []byte("after"))
	ps.RunFor(10 * time.Millisecond)
	if got := ps.probe(1).messages; len(got) != 3 || got[1].data != string(msg) {
		t.Fatalf("p2 received %+v", got)
	}
	return ps.TraceHash()
}

// Two runs whose messages differ in one byte, wherever it stands in the
// message (each of the byte hash's lanes, its tail, its last byte), hash
// differently, and each differently from the others.
func TestEveryByteOfADeliveredMessageCountsInTheTraceHash(t *testing.T) {
	msg := make([]byte, 101)
	for i := range msg {
		msg[i] = byte(i)
	}
	seen := map[uint64]int{hashOfADelivery(t, msg): -1}
	for _, off := range []int{0, 7, 8, 15, 16, 24, 31, 32, 63, 64, 95, 96, 100} {
		changed := bytes.Clone(msg)
		changed[off] ^= 0x80
		h := hashOfADelivery(t, changed)
		if prev, dup := seen[h]; dup {
			t.Fatalf("the message changed at byte %d hashes as the one changed at %d (-1: unchanged)", off, prev)
		}
		seen[h] = off
	}
}

// The byte hash reads every byte in its place: swapping two 8-byte words,
// whether they fall in one lane or two, or appending a zero byte changes
// it, and so does what a message says when it ends with its own CRC-32C
// (whose CRC residue is the same whatever the message says).
func TestHashBytesPositionAndLengthMatter(t *testing.T) {
	words := func(n int) []byte {
		b := make([]byte, 8*n)
		for i := range b {
			b[i] = byte(i/8 + 1) // word i is i+1 in every byte
		}
		return b
	}
	swap := func(b []byte, i, j int) []byte {
		c := bytes.Clone(b)
		copy(c[8*i:8*i+8], b[8*j:8*j+8])
		copy(c[8*j:8*j+8], b[8*i:8*i+8])
		return c
	}
	base := words(11) // two stripes of four words and a tail of three
	cases := map[string][]byte{
		"as it is":                    base,
		"words 0 and 1 swapped":       swap(base, 0, 1), // lanes 0 and 1
		"words 0 and 4 swapped":       swap(base, 0, 4), // both lane 0
		"words 2 and 7 swapped":       swap(base, 2, 7), // lanes 2 and 3
		"words 8 and 9 swapped":       swap(base, 8, 9), // the tail
		"a zero byte appended":        append(bytes.Clone(base), 0),
		"two zero bytes appended":     append(bytes.Clone(base), 0, 0),
		"eight zero bytes appended":   append(bytes.Clone(base), make([]byte, 8)...),
		"thirty-two zeros appended":   append(bytes.Clone(base), make([]byte, 32)...),
		"the last byte dropped":       base[:len(base)-1],
		"with CRC: 100 to account 7":  withCRC([]byte("transfer 100 to account 7")),
		"with CRC: 900 to account 7":  withCRC([]byte("transfer 900 to account 7")),
		"with CRC: 100 to account 8":  withCRC([]byte("transfer 100 to account 8")),
		"empty":                       nil,
		"one zero byte":               {0},
		"thirty-two zero bytes":       make([]byte, 32),
		"thirty-three zero bytes":     make([]byte, 33),
		"a word of zeros then a word": append(make([]byte, 8), base[:8]...),
	}
	seen := map[uint64]string{}
	for name, b := range cases {
		h := sim.HashBytes(b)
		if prev, dup := seen[h]; dup {
			t.Errorf("%q and %q hash the same, %x", name, prev, h)
		}
		seen[h] = name
		if again := sim.HashBytes(bytes.Clone(b)); again != h {
			t.Errorf("%q hashed %x, then %x", name, h, again)
		}
	}
}

// Hashing bytes allocates nothing: the trace folds every message and disk
// write by it.
func TestHashBytesAllocatesNothing(t *testing.T) {
	b := make([]byte, 471)
	if allocs := testing.AllocsPerRun(100, func() { sim.HashBytes(b) }); allocs != 0 {
		t.Fatalf("%v allocations per hash, want 0", allocs)
	}
}
