package scenarios

import (
	"math"
	"time"

	"github.com/anishathalye/porcupine"

	"github.com/faultline/faultline/checkers"
	"github.com/faultline/faultline/ledger"
)

// History is the client-side record of a run: every operation with its
// true invoke and return times, for the checkers, and what was
// acknowledged, for durability.
type History struct {
	Ops []porcupine.Operation
	// Acked holds every transfer a client saw succeed (Ok or Exists), as
	// submitted: each must be in every replica's final state.
	Acked map[ledger.ID]ledger.Transfer
	// Submitted holds every transfer any client ever sent: a final state
	// holding a transfer outside it created money from nothing.
	Submitted map[ledger.ID]ledger.Transfer
	// Latencies of completed operations, with their invoke times.
	Latencies           []Latency
	OK, Failed, Unknown int
	clients             int
}

// Latency is one completed operation's latency.
type Latency struct {
	Invoked  time.Duration
	Duration time.Duration
}

func newHistory() *History {
	return &History{Acked: map[ledger.ID]ledger.Transfer{}, Submitted: map[ledger.ID]ledger.Transfer{}}
}

// newClientID hands out Porcupine client IDs. A client whose operation
// never returned goes on under a fresh ID: its old one stays busy forever.
func (h *History) newClientID() int {
	h.clients++
	return h.clients - 1
}

// record adds one finished operation.
func (h *History) record(client int, in checkers.LedgerInput, out checkers.LedgerOutput, call, ret time.Duration) {
	r := int64(ret)
	if out.Unknown {
		r = math.MaxInt64
		h.Unknown++
	} else {
		h.OK++
		h.Latencies = append(h.Latencies, Latency{Invoked: call, Duration: ret - call})
		for i, t := range in.Transfers {
			if i < len(out.Results) && out.Results[i].Succeeded() {
				h.Acked[t.ID] = t
			}
		}
	}
	h.Ops = append(h.Ops, porcupine.Operation{ClientId: client, Input: in, Output: out, Call: int64(call), Return: r})
}
