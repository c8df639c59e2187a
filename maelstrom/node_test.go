package maelstrom

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/faultline/faultline/ledger/replica"
)

// manualHost is a Host with a hand-cranked clock: timers fire only when
// the test advances time, in (time, order set) order.
type manualHost struct {
	now    time.Duration
	rng    *rand.Rand
	disk   *MemDisk
	timers []manualTimer
	nextID TimerID
	sent   []string // every line the node sent, as "dest line"
}

type manualTimer struct {
	at  time.Duration
	id  TimerID
	tag uint64
}

func newManualHost(seed uint64) *manualHost {
	return &manualHost{rng: rand.New(rand.NewPCG(seed, 1)), disk: NewMemDisk()}
}

func (h *manualHost) WallTime() int64          { return int64(h.now) + 1_700_000_000_000_000_000 }
func (h *manualHost) Monotonic() time.Duration { return h.now }
func (h *manualHost) Rand() *rand.Rand         { return h.rng }
func (h *manualHost) Log(string)               {}
func (h *manualHost) Send(dest string, line []byte) {
	h.sent = append(h.sent, dest+" "+string(line))
}

func (h *manualHost) OpenDisk(string, []string) (replica.Disk, bool, error) {
	return h.disk, false, nil
}

func (h *manualHost) SetTimer(d time.Duration, tag uint64) TimerID {
	h.nextID++
	h.timers = append(h.timers, manualTimer{at: h.now + d, id: h.nextID, tag: tag})
	return h.nextID
}

func (h *manualHost) CancelTimer(id TimerID) bool {
	i := slices.IndexFunc(h.timers, func(t manualTimer) bool { return t.id == id })
	if i >= 0 {
		h.timers = slices.Delete(h.timers, i, i+1)
	}
	return i >= 0
}

// fireNext advances the clock to the earliest timer and fires it.
func (h *manualHost) fireNext(n *Node) bool {
	if len(h.timers) == 0 {
		return false
	}
	i := 0
	for j, t := range h.timers {
		if t.at < h.timers[i].at {
			i = j
		}
	}
	t := h.timers[i]
	h.timers = slices.Delete(h.timers, i, i+1)
	h.now = max(h.now, t.at)
	n.Timer(t.tag)
	return true
}

// awaitReply runs timers until the node answers msg_id id, and returns
// the answer's body.
func (h *manualHost) awaitReply(t *testing.T, n *Node, id int) map[string]any {
	t.Helper()
	for steps := 0; steps < 10_000; steps++ {
		for _, s := range h.sent {
			var m struct{ Body map[string]any }
			_ = json.Unmarshal([]byte(s[len("c1 "):]), &m)
			if s[:3] == "c1 " && m.Body["in_reply_to"] == float64(id) {
				return m.Body
			}
		}
		if !h.fireNext(n) {
			break
		}
	}
	t.Fatalf("no reply to msg %d; sent %v", id, h.sent)
	return nil
}

func request(id int, body string) []byte {
	return fmt.Appendf(nil, `{"src":"c1","dest":"n1","body":{"msg_id":%d,%s}}`, id, body)
}

// The node's core runs with no goroutine and no clock of its own: driven
// by hand through a Host, a one-node cluster elects itself, registers a
// session and serves lin-kv through its log, and the same seed makes the
// same messages, byte for byte.
func TestNodeServesLinKVThroughItsHost(t *testing.T) {
	run := func() []string {
		h := newManualHost(7)
		n := NewNode(h, NodeOptions{})
		n.Handle([]byte(`{"src":"c0","dest":"n1","body":{"type":"init","msg_id":1,"node_id":"n1","node_ids":["n1"]}}`))
		if n.Replica() == nil || n.Name() != "n1" {
			t.Fatalf("init did not start the replica: %v", h.sent)
		}
		n.Handle(request(2, `"type":"write","key":"k","value":5`))
		if got := h.awaitReply(t, n, 2); got["type"] != "write_ok" {
			t.Fatalf("write: %v", got)
		}
		n.Handle(request(3, `"type":"cas","key":"k","from":5,"to":6`))
		if got := h.awaitReply(t, n, 3); got["type"] != "cas_ok" {
			t.Fatalf("cas: %v", got)
		}
		n.Handle(request(4, `"type":"read","key":"k"`))
		if got := h.awaitReply(t, n, 4); got["type"] != "read_ok" || got["value"] != float64(6) {
			t.Fatalf("read: %v", got)
		}
		n.Handle(request(5, `"type":"read","key":"nope"`))
		if got := h.awaitReply(t, n, 5); got["code"] != float64(CodeKeyDoesNotExist) {
			t.Fatalf("read of a missing key: %v", got)
		}
		return h.sent
	}
	first, second := run(), run()
	if !slices.Equal(first, second) {
		t.Fatalf("the same host and seed sent different messages:\n%v\n%v", first, second)
	}
}
