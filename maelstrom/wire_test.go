package maelstrom

import (
	"bufio"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"
)

// serve runs a server on lines and returns every line it wrote, once it
// has answered want of them (or after a second).
func serve(t *testing.T, s *Server, lines []string, want int) []map[string]any {
	t.Helper()
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	s.in, s.wire = inR, newWire(outW)
	done := make(chan error, 1)
	go func() { done <- s.Run() }()
	go func() {
		for _, l := range lines {
			_, _ = io.WriteString(inW, l+"\n")
		}
	}()
	got := make(chan map[string]any)
	go func() {
		sc := bufio.NewScanner(outR)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			var env struct{ Body map[string]any }
			if json.Unmarshal(sc.Bytes(), &env) != nil {
				t.Errorf("the node wrote a line that is not a message: %q", sc.Text())
			}
			got <- env.Body
		}
	}()
	var bodies []map[string]any
	for len(bodies) < want {
		select {
		case b := <-got:
			bodies = append(bodies, b)
		case <-time.After(5 * time.Second):
			t.Fatalf("%d replies of %d: %v", len(bodies), want, bodies)
		}
	}
	_ = inW.Close()
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
	return bodies
}

// Nothing a client or peer sends stops the node: every line it can answer
// is answered (10 for an unknown type, 12 for a malformed body), every
// other is logged, and the node goes on to serve the next.
func TestRunAnswersBadInputAndGoesOn(t *testing.T) {
	s := NewServer(Options{})
	s.lineMax = 200 << 10
	long := `{"src":"c1","dest":"n1","body":{"type":"nonsense","msg_id":7,"pad":"` + strings.Repeat("x", 100<<10) + `"}}`
	tooLong := `{"src":"c1","dest":"n1","body":{"type":"nonsense","msg_id":8,"pad":"` + strings.Repeat("x", 300<<10) + `"}}`
	lines := []string{
		`not json at all`,
		`{"dest":"n1","body":{"type":"read","msg_id":1}}`,
		`{"src":"c1","dest":"n1","body":[1,2]}`,
		`{"src":"c1","dest":"n1","body":"read"}`,
		`{"src":"c1","dest":"n1","body":{"type":"read","msg_id":"two"}}`,
		`{"src":"c1","dest":"n1","body":{"type":7,"msg_id":3}}`,
		`{"src":"c1","dest":"n1","body":{"type":"frobnicate","msg_id":4}}`,
		`{"src":"n2","dest":"n1","body":{"type":"read_ok","in_reply_to":9}}`,
		`{"src":"c1","dest":"n1","body":{"type":"read","msg_id":5,"key":1,"bogus":true}}`,
		tooLong,
		long,
		`{"src":"c1","dest":"n1","body":{"type":"init","msg_id":6,"node_id":"n1","node_ids":["n1"]}}`,
	}
	bodies := serve(t, s, lines, 8)
	byID := map[float64]map[string]any{}
	var unnumbered []map[string]any
	for _, b := range bodies {
		if id, ok := b["in_reply_to"].(float64); ok {
			byID[id] = b
		} else {
			unnumbered = append(unnumbered, b)
		}
	}
	wantCode := map[float64]float64{3: CodeMalformedRequest, 4: CodeNotSupported, 5: CodeMalformedRequest, 7: CodeNotSupported}
	for id, code := range wantCode {
		if byID[id]["type"] != "error" || byID[id]["code"] != code {
			t.Errorf("msg %v: want error %v, got %v", id, code, byID[id])
		}
	}
	if byID[6]["type"] != "init_ok" {
		t.Errorf("init after the bad lines: %v", byID[6])
	}
	if _, ok := byID[8]; ok {
		t.Errorf("a line over the cap was answered: %v", byID[8])
	}
	if len(unnumbered) != 3 { // the array body, the string body, the string msg_id
		t.Errorf("want 3 error replies without in_reply_to, got %v", unnumbered)
	}
	for _, b := range unnumbered {
		if b["code"] != float64(CodeMalformedRequest) || b["text"] == "" {
			t.Errorf("reply %v", b)
		}
	}
}

func TestReadLineHasNoFixedLimit(t *testing.T) {
	line := strings.Repeat("a", 3<<20)
	r := bufio.NewReaderSize(strings.NewReader(line+"\nshort\nlast"), 4096)
	for _, want := range []string{line + "\n", "short\n", "last"} {
		got, n, over, err := readLine(r, 4<<20)
		if err != nil || over || string(got) != want || n != len(want) {
			t.Fatalf("read %d bytes (over %t, err %v), want %d", len(got), over, err, len(want))
		}
	}
	if _, _, _, err := readLine(r, 4<<20); err != io.EOF {
		t.Fatalf("after the last line: %v", err)
	}
}
