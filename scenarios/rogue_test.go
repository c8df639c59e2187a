package scenarios

import (
	"errors"
	"strings"
	"testing"

	"github.com/faultline/faultline/ledger"
	"github.com/faultline/faultline/ledger/replica"
	"github.com/faultline/faultline/sim"
)

// TestARogueClientsCommandsAndFramesAreAllMalformed: no command a rogue
// client submits decodes, so none may change a ledger; and every frame it
// sends either fails the replica codec or is one a replica must ignore or
// answer without effect (a peer's message from a non-peer, a client reply,
// a sessionless request whose command does not decode). Every shape is
// drawn.
func TestARogueClientsCommandsAndFramesAreAllMalformed(t *testing.T) {
	rng := sim.NewStream(1, "rogue-test")
	shapes := map[string]bool{}
	for range 5000 {
		what, cmd := malformedCommand(rng)
		shapes[what] = true
		if _, err := ledger.DecodeCommand(cmd); !errors.Is(err, ledger.ErrCorrupt) {
			t.Fatalf("a malformed command (%s) decoded: %v", what, err)
		}
	}
	if len(shapes) != 14 {
		t.Fatalf("drew %d shapes of malformed commands, want 14: %v", len(shapes), shapes)
	}
	codecErrors := map[string]bool{}
	wellFormed := 0
	for range 5000 {
		b := malformedFrame(rng)
		m, err := replica.DecodeMessage(b)
		if err != nil {
			if !errors.Is(err, replica.ErrBadMessage) {
				t.Fatalf("a frame failed with %v, not ErrBadMessage", err)
			}
			codecErrors[strings.TrimPrefix(err.Error(), replica.ErrBadMessage.Error()+": ")] = true
			continue
		}
		wellFormed++
		switch m.Kind {
		case replica.MsgClientRequest:
			if m.Request.ClientID != 0 {
				t.Fatalf("a rogue request names session %d", m.Request.ClientID)
			}
			if _, err := ledger.DecodeCommand(m.Request.Command); err == nil {
				t.Fatal("a rogue request carries a command that decodes")
			}
		case replica.MsgAppend, replica.MsgSnapshot, replica.MsgVote, replica.MsgPreVote, replica.MsgVoteResp,
			replica.MsgAppendResp, replica.MsgTimeoutNow, replica.MsgClientReply:
			// Well-formed, from a node that is no peer: ignored.
		default:
			t.Fatalf("a frame decoded to %v", m.Kind)
		}
	}
	// Each of the codec's checks is met by some frame.
	for _, want := range []string{"bytes is too short", "checksum mismatch", "version", "unknown kind", "truncated",
		"trailing bytes", "boolean byte", "entries, more than", "unknown entry kind", "bytes, more than", "unknown reply status"} {
		found := false
		for got := range codecErrors {
			found = found || strings.Contains(got, want)
		}
		if !found {
			t.Errorf("no frame met the codec's %q check (met: %v)", want, codecErrors)
		}
	}
	if wellFormed == 0 {
		t.Error("no frame was well-formed")
	}
}

// TestTheMalformedInputScenarioRejectsEverything: a seed of the scenario
// sends malformed commands and frames, and the ledger rejects every
// command it answers.
func TestTheMalformedInputScenarioRejectsEverything(t *testing.T) {
	skipSingleGoroutineUnderRace(t)
	sc, _ := Lookup("malformed-input")
	o, err := Run(&sc, 2, RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range o.Verdicts {
		if v.Status != "pass" {
			t.Errorf("%s: %s %v", v.Invariant, v.Status, v.Evidence)
		}
		if v.Invariant == "malformed-input" {
			t.Logf("%v", v.Evidence)
			if len(v.Evidence) != 1 || !strings.Contains(v.Evidence[0], "rejected") {
				t.Errorf("malformed-input evidence %v, want the counts", v.Evidence)
			}
		}
	}
}

// TestAMalformedCommandThatAppliedFailsTheVerdict: the verdict is not
// vacuous.
func TestAMalformedCommandThatAppliedFailsTheVerdict(t *testing.T) {
	rr := rogueRecord{Clients: 1, Commands: 1, Applied: []string{"applied"}}
	if v := rr.verdict(); v.Status != "fail" || v.Invariant != "malformed-input" {
		t.Fatalf("verdict %+v, want a failed malformed-input", v)
	}
}
