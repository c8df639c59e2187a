package sim

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"io"
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

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

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
	h := (t.hash ^ v) * 0x9e3779b97f4a7c15
	t.hash = h ^ (h >> 29)
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

// foldBytes mixes every byte of b in, eight at a time. A checksum of b
// would not do: a message that ends with its own CRC-32C has the same CRC
// residue whatever it says, so runs whose messages differ could share a
// hash.
func (t *tracer) foldBytes(b []byte) {
	h := t.hash
	for len(b) >= 8 {
		h = (h ^ binary.LittleEndian.Uint64(b)) * 0x9e3779b97f4a7c15
		h ^= h >> 29
		b = b[8:]
	}
	var tail [8]byte
	copy(tail[:], b)
	h = (h ^ binary.LittleEndian.Uint64(tail[:]) ^ uint64(len(b))<<56) * 0x9e3779b97f4a7c15
	t.hash = h ^ (h >> 29)
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

func (t *tracer) message(kind traceKind, at Time, from, to NodeID, msg []byte, reason string) {
	t.record(kind, at, from, to, int64(len(msg)))
	t.foldBytes(msg)
	if reason != "" {
		t.foldString(reason)
	}
	if t.w != nil {
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
