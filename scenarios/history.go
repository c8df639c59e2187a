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
	// Ops are the operations, for Porcupine: each Input is a
	// *checkers.LedgerInput and each Output a *checkers.LedgerOutput
	// (pointers into the history's own arrays, which boxing a value would
	// copy to the heap one operation at a time), never written once
	// recorded.
	Ops []porcupine.Operation
	// Acked holds every transfer a client saw succeed (Ok or Exists), as
	// submitted: each must be in every replica's final state.
	Acked map[ledger.ID]ledger.Transfer
	// Submitted holds every transfer any client ever sent: a final state
	// holding a transfer outside it created money from nothing.
	Submitted map[ledger.ID]ledger.Transfer
	// Intents are the transfers (or linked chains) the application asked
	// for, each with what it was told, however often it was submitted.
	Intents []checkers.Intent
	// IntentOf maps every transfer ID ever sent to the intent it carries
	// out: the workload's own record, out of band of the ledger, so that a
	// transfer under an ID the workload never chose is no intent's.
	IntentOf map[ledger.ID]checkers.IntentRef
	// Latencies of completed operations, with their invoke times.
	Latencies           []Latency
	OK, Failed, Unknown int
	// SessionsExpired counts the operations answered SessionExpired: their
	// client's session had been evicted from a full table.
	SessionsExpired int
	// ResultCodes counts the result codes clients were told, over every
	// event of every answered operation (the setup's accounts included).
	ResultCodes map[ledger.Result]int
	clients     int
	// inputs and outputs are the arrays Ops point into, filled in chunks
	// of historyChunkOps and never grown in place (which would move what
	// Ops point to).
	inputs  []checkers.LedgerInput
	outputs []checkers.LedgerOutput
}

// historyChunkOps is how many operations' inputs and outputs one chunk
// holds: a run records a few thousand.
const historyChunkOps = 256

// Latency is one completed operation's latency.
type Latency struct {
	Invoked  time.Duration
	Duration time.Duration
}

func newHistory() *History {
	return &History{Acked: map[ledger.ID]ledger.Transfer{}, Submitted: map[ledger.ID]ledger.Transfer{},
		IntentOf: map[ledger.ID]checkers.IntentRef{}, ResultCodes: map[ledger.Result]int{}}
}

// newIntent records a new intent carried out by ts (-1 for none: a lookup
// is no intent) and stamps its number on each new transfer's code, which
// the ledger stores: a copy of the intent under another ID still names it.
// A post or void keeps its code (0: its reservation's), and so does a
// transfer whose deliberate defect is a zero code.
func (h *History) newIntent(ts []ledger.Transfer) int {
	if len(ts) == 0 {
		return -1
	}
	id := len(h.Intents)
	for p := range ts {
		if ts[p].PendingID.IsZero() && ts[p].Code != 0 { // a code-0 defect stays one
			ts[p].Code = intentCode(id)
		}
		h.IntentOf[ts[p].ID] = checkers.IntentRef{Intent: id, Position: p}
	}
	h.Intents = append(h.Intents, checkers.Intent{ID: id, Transfers: ts})
	return id
}

// intentCode is the transfer code naming intent id: codes are 16 bits and
// must not be zero, so intents share codes modulo 65535 (content tells them
// apart).
func intentCode(id int) uint16 { return uint16(1 + id%65535) }

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
	pin, pout := h.keep(in, out)
	h.Ops = append(h.Ops, porcupine.Operation{ClientId: client, Input: pin, Output: pout, Call: int64(call), Return: r})
}

// keep copies an operation's input and output into the history's arrays.
func (h *History) keep(in checkers.LedgerInput, out checkers.LedgerOutput) (*checkers.LedgerInput, *checkers.LedgerOutput) {
	if len(h.inputs) == cap(h.inputs) {
		h.inputs = make([]checkers.LedgerInput, 0, historyChunkOps)
		h.outputs = make([]checkers.LedgerOutput, 0, historyChunkOps)
	}
	h.inputs, h.outputs = append(h.inputs, in), append(h.outputs, out)
	return &h.inputs[len(h.inputs)-1], &h.outputs[len(h.outputs)-1]
}

// ledgerOp returns the input and output of an operation of a History
// (record boxes pointers); ok is false for an operation of another kind.
func ledgerOp(op porcupine.Operation) (in *checkers.LedgerInput, out *checkers.LedgerOutput, ok bool) {
	in, okIn := op.Input.(*checkers.LedgerInput)
	out, okOut := op.Output.(*checkers.LedgerOutput)
	return in, out, okIn && okOut
}

func (h *History) countResults(rs []ledger.Result) {
	for _, r := range rs {
		h.ResultCodes[r]++
	}
}
