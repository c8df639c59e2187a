package sim

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math/bits"
	"strconv"
)

// traceKind names an entry of the trace. Its number is folded into the
// hash, so the numbering is part of the trace format: append, never reorder.
type traceKind uint8

const (
	traceStart traceKind = iota + 1
	traceCrash
	tracePause
	traceResume
	traceSend
	traceDeliver
	traceDrop
	traceTimer
	traceNote
	traceFault
	traceDisk
)

var traceKindNames = [...]string{
	traceStart: "start", traceCrash: "crash", tracePause: "pause", traceResume: "resume",
	traceSend: "send", traceDeliver: "deliver", traceDrop: "drop", traceTimer: "timer",
	traceNote: "note", traceFault: "fault", traceDisk: "disk",
}

// tracer folds every entry into a running 64-bit hash and, when a writer is
// set, also writes it as one JSON line. The hash is what names a run: equal
// hashes mean the runs did the same things at the same times.
type tracer struct {
	hash      uint64
	entries   int64
	names     []string
	w         *bufio.Writer
	summarize func([]byte) string
	line      []byte // reused buffer for one JSON line
	err       error  // first write error, reported by Sim.Close
}

// traceSeed starts the hash; any odd constant would do.
const traceSeed uint64 = 0x6a09e667f3bcc909

// fold mixes one word into the hash (multiply-xorshift, as in SplitMix64).
func (t *tracer) fold(v uint64) {
	t.hash = mixWord(t.hash, v)
}

// foldString mixes a string in without allocating (FNV-1a).
func (t *tracer) foldString(s string) {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h = (h ^ uint64(s[i])) * 1099511628211
	}
	t.fold(h)
	t.fold(uint64(len(s)))
}

// foldBytes mixes every byte of b in, with its length (see hashBytes).
func (t *tracer) foldBytes(b []byte) { t.fold(hashBytes(b)) }

// foldMultiplier is SplitMix64's odd multiplier (2^64 over the golden
// ratio). mixWord keeps all 128 bits of the product and folds the high
// half onto the low: the low half alone spreads each input bit only over
// the bits above it, so a difference in the top bit would pass through a
// multiply unchanged and a chosen flip in the next word could undo it.
const foldMultiplier = 0x9e3779b97f4a7c15

// Each lane of hashBytes starts from its own constant (the fractional
// parts of the square roots of 3, 5, 7 and 11, as SHA-512's initial
// values), so that equal words in different lanes leave different traces.
const (
	laneSeed0 uint64 = 0xbb67ae8584caa73b
	laneSeed1 uint64 = 0x3c6ef372fe94f82b
	laneSeed2 uint64 = 0xa54ff53a5f1d36f1
	laneSeed3 uint64 = 0x510e527fade682d1
)

// mixWord folds one 64-bit word into a lane: the 128-bit product of the
// two with the multiplier, high half folded onto the low (the "folded
// multiply" of wyhash and rapidhash). One MUL gives both halves, so it
// costs what a 64-bit multiply and a shift cost.
func mixWord(h, w uint64) uint64 {
	hi, lo := bits.Mul64(h^w, foldMultiplier)
	return hi ^ lo
}

// hashBytes hashes every byte of b and its length into one word. A
// checksum of b would not do: a message that ends with its own CRC-32C
// has the same CRC residue whatever it says, so runs whose messages
// differ could share a hash; multiply-xorshift is not linear, so a
// message's own checksum does not cancel what it says.
//
// The bytes are read as four lanes of 8-byte words, word i into lane
// i%4, so that the four multiply chains are independent and the CPU runs
// them side by side: one chain waits for each multiply before the next,
// about four times as long for the same bytes (BenchmarkTraceFoldBytes).
// Every byte's position counts: within a lane the chain is ordered, and
// the lanes, each seeded differently, are combined in a fixed order with
// the length, which also tells a message from itself with zeros appended.
func hashBytes(b []byte) uint64 {
	n := uint64(len(b))
	h0, h1, h2, h3 := laneSeed0, laneSeed1, laneSeed2, laneSeed3
	for len(b) >= 32 {
		h0 = mixWord(h0, binary.LittleEndian.Uint64(b[0:8]))
		h1 = mixWord(h1, binary.LittleEndian.Uint64(b[8:16]))
		h2 = mixWord(h2, binary.LittleEndian.Uint64(b[16:24]))
		h3 = mixWord(h3, binary.LittleEndian.Uint64(b[24:32]))
		b = b[32:]
	}
	if len(b) >= 8 {
		h0 = mixWord(h0, binary.LittleEndian.Uint64(b))
		b = b[8:]
	}
	if len(b) >= 8 {
		h1 = mixWord(h1, binary.LittleEndian.Uint64(b))
		b = b[8:]
	}
	if len(b) >= 8 {
		h2 = mixWord(h2, binary.LittleEndian.Uint64(b))
		b = b[8:]
	}
	var tail [8]byte
	copy(tail[:], b)
	h3 = mixWord(h3, binary.LittleEndian.Uint64(tail[:]))
	// Combine the lanes as a tree, two at a time, half the depth of a
	// chain; rotating the second of each pair keeps the combination from
	// being symmetric, so lanes whose contents swap hash differently.
	h01 := mixWord(h0, bits.RotateLeft64(h1, 32))
	h23 := mixWord(h2, bits.RotateLeft64(h3, 32))
	return mixWord(mixWord(h01, bits.RotateLeft64(h23, 32)), n)
}

// diskWrite folds a change a node made to its disk (a write of data at
// off; a truncation to off, data nil; a removal, off -1) into the hash,
// so that the hash covers what was written and not only what was said.
// It writes no trace line: the disk's own entries (fsyncs, faults) do.
func (t *tracer) diskWrite(node NodeID, name string, off int64, data []byte) {
	t.fold(uint64(uint32(node)) | uint64(len(data))<<32)
	t.fold(uint64(off))
	t.foldString(name)
	t.foldBytes(data)
}

// record folds the fixed fields shared by every entry.
func (t *tracer) record(kind traceKind, at Time, node, peer NodeID, value int64) {
	t.entries++
	t.fold(uint64(kind))
	t.fold(uint64(at))
	t.fold(uint64(uint32(node))<<32 | uint64(uint32(peer)))
	t.fold(uint64(value))
}

// messageOrigin names a message in flight for the trace: the send that
// made it and which copy it is, so that its delivery (or drop) can be
// folded as "that message, now, here" without folding its bytes again.
type messageOrigin struct {
	send uint64 // the sequence number of the send, from 1
	copy uint8  // 0, or 1 for the second copy of a duplicated message
	// altered says that the network damaged this copy on its way (see
	// Network.corrupt), so what arrives is not what was sent.
	altered bool
}

// word packs the origin into the one word folded into the hash.
func (o messageOrigin) word() uint64 {
	w := o.send<<2 | uint64(o.copy)
	if o.altered {
		w |= 2
	}
	return w
}

// messageSent records a message leaving its sender (kind traceSend), or
// one dropped before it was ever sent: it folds every byte of msg. These
// are the only entries that do: a message's later entries fold its
// origin instead (see messageInFlight), so that each message's bytes are
// folded once.
func (t *tracer) messageSent(kind traceKind, at Time, from, to NodeID, msg []byte, reason string) {
	t.record(kind, at, from, to, int64(len(msg)))
	t.foldBytes(msg)
	t.foldReason(reason)
	t.messageLine(kind, at, from, to, msg, reason)
}

// messageInFlight records what became of a message that was sent: its
// delivery, or its drop. It folds the message's origin, which names the
// send whose entry folded the bytes, with the time, the nodes and the
// length record folds, so that delivering another message, at another
// time or to another node, still changes the hash. A copy the network
// altered has its bytes folded again, as they arrive: the hash covers
// what was received, not only what was sent.
func (t *tracer) messageInFlight(kind traceKind, at Time, from, to NodeID, msg []byte, origin messageOrigin, reason string) {
	if origin.send == 0 {
		panicf("%s of a message with no send (from %d to %d, %d bytes)", traceKindNames[kind], from, to, len(msg))
	}
	t.record(kind, at, from, to, int64(len(msg)))
	t.fold(origin.word())
	if origin.altered {
		t.foldBytes(msg)
	}
	t.foldReason(reason)
	t.messageLine(kind, at, from, to, msg, reason)
}

func (t *tracer) foldReason(reason string) {
	if reason != "" {
		t.foldString(reason)
	}
}

// messageLine writes a message's JSON line, if a writer is set: on the
// sender's line for a send or a drop, on the receiver's for a delivery.
func (t *tracer) messageLine(kind traceKind, at Time, from, to NodeID, msg []byte, reason string) {
	if t.w == nil {
		return
	}
	node, peer := to, from
	if kind == traceSend || kind == traceDrop {
		node, peer = from, to
	}
	summary := ""
	if t.summarize != nil {
		summary = t.summarize(msg)
	}
	t.writeLine(kind, at, node, peer, int64(len(msg)), summary, reason)
}

func (t *tracer) lifecycle(kind traceKind, at Time, node NodeID, value int64) {
	t.record(kind, at, node, -1, value)
	if t.w != nil {
		t.writeLine(kind, at, node, -1, value, "", "")
	}
}

func (t *tracer) timer(at Time, node NodeID, tag uint64) {
	t.record(traceTimer, at, node, -1, int64(tag))
	if t.w != nil {
		t.writeLine(traceTimer, at, node, -1, int64(tag), "", "")
	}
}

func (t *tracer) note(at Time, node NodeID, note string) {
	t.record(traceNote, at, node, -1, 0)
	t.foldString(note)
	if t.w != nil {
		t.writeLine(traceNote, at, node, -1, 0, "", note)
	}
}

func (t *tracer) fault(at Time, node NodeID, what, detail string) {
	t.record(traceFault, at, node, -1, 0)
	t.foldString(what)
	t.foldString(detail)
	if t.w != nil {
		t.writeLine(traceFault, at, node, -1, 0, what, detail)
	}
}

func (t *tracer) disk(at Time, node NodeID, what, file string, off int64) {
	t.record(traceDisk, at, node, -1, off)
	t.foldString(what)
	t.foldString(file)
	if t.w != nil {
		t.writeLine(traceDisk, at, node, -1, off, what, file)
	}
}

func (t *tracer) nodeName(id NodeID) string {
	if id < 0 || int(id) >= len(t.names) {
		return ""
	}
	return t.names[id]
}

// writeLine writes one JSON object: {"t_ns", "t", "ev", "node", "peer",
// "n", "what", "detail"}, leaving out empty fields.
func (t *tracer) writeLine(kind traceKind, at Time, node, peer NodeID, n int64, what, detail string) {
	b := t.line[:0]
	b = append(b, `{"t_ns":`...)
	b = strconv.AppendInt(b, int64(at), 10)
	b = append(b, `,"t":"`...)
	b = append(b, at.String()...)
	b = append(b, `","ev":"`...)
	b = append(b, traceKindNames[kind]...)
	b = append(b, '"')
	b = appendStringField(b, "node", t.nodeName(node))
	b = appendStringField(b, "peer", t.nodeName(peer))
	if n != 0 {
		b = append(b, `,"n":`...)
		b = strconv.AppendInt(b, n, 10)
	}
	b = appendStringField(b, "what", what)
	b = appendStringField(b, "detail", detail)
	b = append(b, "}\n"...)
	t.line = b
	if _, err := t.w.Write(b); err != nil && t.err == nil {
		t.err = fmt.Errorf("write trace: %w", err)
	}
}

func appendStringField(b []byte, key, value string) []byte {
	if value == "" {
		return b
	}
	quoted, _ := json.Marshal(value) // a string always marshals
	b = append(b, ',', '"')
	b = append(b, key...)
	b = append(b, '"', ':')
	return append(b, quoted...)
}

func (t *tracer) flush() error {
	if t.w != nil {
		if err := t.w.Flush(); err != nil && t.err == nil {
			t.err = fmt.Errorf("write trace: %w", err)
		}
	}
	return t.err
}

func newTracer(names []string, w io.Writer, summarize func([]byte) string) tracer {
	t := tracer{hash: traceSeed, names: names, summarize: summarize}
	if w != nil {
		t.w = bufio.NewWriterSize(w, 64<<10)
	}
	return t
}
