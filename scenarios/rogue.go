package scenarios

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"math/rand/v2"
	"time"

	"github.com/shopspring/decimal"

	"github.com/faultline/faultline/checkers"
	"github.com/faultline/faultline/ledger"
	"github.com/faultline/faultline/ledger/replica"
	"github.com/faultline/faultline/scenarios/cluster"
	"github.com/faultline/faultline/sim"
)

// A rogue client is a client whose codec is broken or of another version,
// the kind a cluster meets when a client built against an older protocol,
// a buggy SDK or a misconfigured proxy talks to it. It runs the ordinary
// client library (a session, retries, leader discovery), but every command
// it submits is malformed, and before each it sends one malformed frame
// straight to a replica: bytes that fail the wire checksum, frames that
// carry a valid checksum over a body of another version, kind or shape,
// well-formed peer messages from a sender that is not a peer, a
// sessionless request with a malformed command, and once a request too
// large to log. A replica must drop every bad frame and the ledger must
// reject every malformed command, answering it and never applying it;
// neither may panic. The malformed-input verdict checks that no malformed
// command was answered with a result; a panic fails the assertions verdict.

// rogueRecord is what a run's rogue clients did and were told.
type rogueRecord struct {
	Clients  int
	Commands int // malformed commands submitted
	Rejected int // answered with no result: the ledger refused to decode it
	Unknown  int // no answer before the client gave up
	Frames   int // malformed frames sent straight to replicas
	// Applied names each malformed command that was answered with a
	// result: applied, as no malformed command may be.
	Applied []string
}

// verdict judges the run's malformed input.
func (rr *rogueRecord) verdict() checkers.Verdict {
	if len(rr.Applied) > 0 {
		return checkers.Verdict{Invariant: "malformed-input", Status: checkers.Fail, Evidence: checkers.Summarize(rr.Applied, "more applied"),
			Violations: len(rr.Applied)}
	}
	v := checkers.Verdict{Invariant: "malformed-input", Status: checkers.Pass}
	if rr.Clients > 0 {
		v.Evidence = []string{fmt.Sprintf("%d malformed commands (%d rejected, %d unknown) and %d malformed frames from %d rogue clients",
			rr.Commands, rr.Rejected, rr.Unknown, rr.Frames, rr.Clients)}
	}
	return v
}

// rogueDriver drives one rogue client.
type rogueDriver struct {
	rec       *rogueRecord
	stopAt    time.Duration
	replicas  int
	oversized bool     // the too-large request has gone out
	sent      []string // what each submitted command is, by request, oldest first
}

// rogueThinkMin and rogueThinkMax bound a rogue client's pause between
// requests.
const (
	rogueThinkMin = 50 * time.Millisecond
	rogueThinkMax = 250 * time.Millisecond
)

// Next implements cluster.Driver: one malformed frame now, and a
// malformed command after a pause.
func (d *rogueDriver) Next(c *cluster.Client) ([]byte, time.Duration, bool) {
	now := time.Duration(c.Now())
	if now >= d.stopAt {
		return nil, 0, false
	}
	rng := c.Env().Rand()
	d.sendFrame(c, rng)
	what, cmd := malformedCommand(rng)
	d.sent = append(d.sent, what)
	d.rec.Commands++
	return cmd, rogueThinkMin + time.Duration(rng.Int64N(int64(rogueThinkMax-rogueThinkMin))), true
}

// Completed implements cluster.Driver.
func (d *rogueDriver) Completed(c *cluster.Client, op *cluster.Op) {
	what := d.sent[0]
	d.sent = d.sent[1:]
	switch {
	case op.Outcome == cluster.OutcomeOK && len(op.Result) == 0:
		d.rec.Rejected++
	case op.Outcome == cluster.OutcomeOK:
		d.rec.Applied = append(d.rec.Applied, fmt.Sprintf("at %v client %d: a malformed command (%s) was applied at index %d: %d bytes of result",
			time.Duration(op.Completed), c.ID(), what, op.Index, len(op.Result)))
	case op.Outcome == cluster.OutcomeUnknown:
		d.rec.Unknown++
	}
}

// sendFrame sends one malformed frame to a random replica, and the first
// time, once the run is under way, a request too large to log to every
// replica (its leader answers Busy, the others NotLeader).
func (d *rogueDriver) sendFrame(c *cluster.Client, rng *rand.Rand) {
	env := c.Env()
	if !d.oversized && c.Now() >= sim.TimeFromDuration(time.Second) {
		d.oversized = true
		b := replica.EncodeMessage(&replica.Message{Kind: replica.MsgClientRequest,
			Request: replica.Request{Command: make([]byte, replica.EntryDataMax)}})
		for i := range d.replicas {
			env.Send(sim.NodeID(i), b)
			d.rec.Frames++
		}
		return
	}
	env.Send(sim.NodeID(rng.IntN(d.replicas)), malformedFrame(rng))
	d.rec.Frames++
}

// castagnoli is the checksum both codecs seal with (CRC-32C).
var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// reseal replaces the CRC-32C trailer of b (body then 4 bytes) with the
// checksum of its body as it is now: a malformed body that a broken
// encoder sealed, which only the decoder's own checks can reject.
func reseal(b []byte) []byte {
	body := b[:len(b)-4]
	return binary.LittleEndian.AppendUint32(body, crc32.Checksum(body, castagnoli))
}

// Offsets of the transfer's amount in the base command (see
// ledger.EncodeCommand): version, operation, count, then the transfer's
// id, debit and credit accounts (16 bytes each), then the amount as sign
// (u8), exponent (u32), coefficient length (u8) and coefficient.
const (
	amountSign  = 1 + 1 + 4 + 3*16
	amountExp   = amountSign + 1
	amountLen   = amountExp + 4
	amountCoeff = amountLen + 1
)

// baseCommand is a well-formed create_transfers command of one transfer
// of 7 between accounts no workload uses, which the malformed commands
// are made from.
func baseCommand() []byte {
	b := ledger.EncodeCommand(ledger.Command{Op: ledger.OpCreateTransfers, Transfers: []ledger.Transfer{{
		ID: ledger.ID{Hi: 0x70, Lo: 1}, DebitAccountID: ledger.ID{Hi: 0x70, Lo: 2}, CreditAccountID: ledger.ID{Hi: 0x70, Lo: 3},
		Amount: decimal.New(7, 0), Ledger: 1, Code: 1}}})
	if b[amountSign] != 1 || b[amountLen] != 1 || b[amountCoeff] != 7 {
		panic("scenarios: the command encoding moved; update the rogue client's offsets") // a harness bug
	}
	return b
}

// malformedCommand returns a command no canonical decoder accepts, and
// what is wrong with it.
func malformedCommand(rng *rand.Rand) (string, []byte) {
	b := baseCommand()
	le := binary.LittleEndian
	switch rng.IntN(14) {
	case 0:
		return "empty", []byte{}
	case 1:
		return "cut short", b[:rng.IntN(len(b))]
	case 2:
		b[rng.IntN(len(b))] ^= 1 << rng.IntN(8)
		return "one bit flipped", b
	case 3:
		b[0] = byte(2 + rng.IntN(254))
		return "another codec version", reseal(b)
	case 4:
		b[1] = byte(5 + rng.IntN(251))
		return "an unknown operation", reseal(b)
	case 5:
		body := b[:len(b)-4]
		return "body cut short", reseal(append(body[:2+rng.IntN(len(body)-2)], 0, 0, 0, 0))
	case 6:
		body := append(b[:len(b)-4:len(b)-4], byte(rng.IntN(256)))
		return "trailing bytes", reseal(append(body, 0, 0, 0, 0))
	case 7:
		le.PutUint32(b[2:], uint32(2+rng.IntN(ledger.BatchEventsMax)))
		return "more events than it holds", reseal(b)
	case 8:
		b[amountSign] = byte(3 + rng.IntN(253))
		return "a decimal sign out of range", reseal(b)
	case 9:
		exp := int32(65 + rng.IntN(1000))
		if rng.IntN(2) == 0 {
			exp = -exp
		}
		le.PutUint32(b[amountExp:], uint32(exp))
		return "a decimal exponent out of range", reseal(b)
	case 10:
		b[amountCoeff] = 10 * byte(1+rng.IntN(25))
		return "a decimal coefficient with a trailing zero", reseal(b)
	case 11:
		b[amountCoeff] = 0
		return "a decimal coefficient with a leading zero", reseal(b)
	case 12:
		b[amountSign], b[amountExp] = 0, 1
		return "a zero that is not canonical", reseal(b)
	default:
		b[amountLen] = byte(33 + rng.IntN(20))
		return "a decimal coefficient too long", reseal(b)
	}
}

// Offsets in a replica message (see replica.AppendMessage): version, kind
// and term, then the kind's fields.
const (
	frameFields = 1 + 1 + 8
	// appendCount is where an append's entry count lies, after its
	// previous index, previous term, commit and last index; its first
	// entry follows, kind after term and index.
	appendCount     = frameFields + 4*8
	appendEntryKind = appendCount + 4 + 8 + 8
	replyStatus     = frameFields + 8 + 8
	requestCmdLen   = frameFields + 8 + 8
)

// malformedFrame returns one frame a replica must drop.
func malformedFrame(rng *rand.Rand) []byte {
	le := binary.LittleEndian
	msgs := []replica.Message{
		{Kind: replica.MsgPreVote, Term: 1 + rng.Uint64N(9), LastIndex: rng.Uint64N(100), LastTerm: 1},
		{Kind: replica.MsgVote, Term: 1 + rng.Uint64N(9), LastIndex: rng.Uint64N(100), LastTerm: 1},
		{Kind: replica.MsgVoteResp, Term: 1 + rng.Uint64N(9), Granted: true},
		{Kind: replica.MsgAppend, Term: 1 + rng.Uint64N(9), Entries: []replica.Entry{{Term: 1, Index: 1, Kind: replica.EntryNoop}}},
		{Kind: replica.MsgAppendResp, Term: 1 + rng.Uint64N(9), Success: true, Match: rng.Uint64N(100)},
		{Kind: replica.MsgSnapshot, Term: 1 + rng.Uint64N(9), Snapshot: replica.SnapshotMeta{Index: 5, Term: 1}, SnapshotSize: 1, SnapshotData: []byte{1}},
		{Kind: replica.MsgTimeoutNow, Term: 1 + rng.Uint64N(9)},
		{Kind: replica.MsgClientReply, Reply: replica.Reply{ClientID: 7, Seq: 1, Status: replica.StatusOK}},
	}
	m := msgs[rng.IntN(len(msgs))]
	b := replica.EncodeMessage(&m)
	switch rng.IntN(12) {
	case 0:
		junk := make([]byte, rng.IntN(48))
		for i := range junk {
			junk[i] = byte(rng.IntN(256))
		}
		return junk
	case 1:
		b[rng.IntN(len(b))] ^= 1 << rng.IntN(8)
		return b
	case 2:
		return b[:rng.IntN(len(b))]
	case 3:
		b[0] = byte(3 + rng.IntN(253)) // anything but the replica wire version, 2
		return reseal(b)
	case 4:
		b[1] = byte(12 + rng.IntN(244)) // kinds 1 to 11 exist
		if rng.IntN(4) == 0 {
			b[1] = 0
		}
		return reseal(b)
	case 5:
		body := b[:len(b)-4]
		return reseal(append(body[:2+rng.IntN(len(body)-2)], 0, 0, 0, 0))
	case 6:
		body := append(b[:len(b)-4:len(b)-4], byte(rng.IntN(256)))
		return reseal(append(body, 0, 0, 0, 0))
	case 7:
		// A boolean that is neither 0 nor 1, in a vote response.
		m := replica.Message{Kind: replica.MsgVoteResp, Term: 1}
		b := replica.EncodeMessage(&m)
		b[frameFields] = byte(2 + rng.IntN(254))
		return reseal(b)
	case 8:
		// An append claiming more entries than a message may hold, or
		// holding an entry of an unknown kind.
		m := replica.Message{Kind: replica.MsgAppend, Term: 1, Entries: []replica.Entry{{Term: 1, Index: 1, Kind: replica.EntryNoop}}}
		b := replica.EncodeMessage(&m)
		if rng.IntN(2) == 0 {
			le.PutUint32(b[appendCount:], uint32(replica.EntriesPerMsgMax+1+rng.IntN(1000)))
		} else {
			b[appendEntryKind] = byte(3 + rng.IntN(253))
		}
		return reseal(b)
	case 9:
		// A request whose command claims more bytes than a command may hold.
		m := replica.Message{Kind: replica.MsgClientRequest, Request: replica.Request{Seq: 1, Command: []byte{1}}}
		b := replica.EncodeMessage(&m)
		le.PutUint32(b[requestCmdLen:], uint32(replica.EntryDataMax+1+rng.IntN(1<<20)))
		return reseal(b)
	case 10:
		// A reply with a status no version defines.
		m := replica.Message{Kind: replica.MsgClientReply, Reply: replica.Reply{ClientID: 7, Seq: 1, Status: replica.StatusOK}}
		b := replica.EncodeMessage(&m)
		b[replyStatus] = byte(8 + rng.IntN(248))
		if rng.IntN(4) == 0 {
			b[replyStatus] = 0
		}
		return reseal(b)
	}
	// Well-formed: a peer's message from a sender that is no peer, or a
	// sessionless request whose command is malformed.
	if rng.IntN(2) == 0 {
		_, cmd := malformedCommand(rng)
		return replica.EncodeMessage(&replica.Message{Kind: replica.MsgClientRequest, Request: replica.Request{Command: cmd}})
	}
	return b
}
