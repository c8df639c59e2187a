package maelstrom

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"sync"

	mnode "github.com/jepsen-io/maelstrom/demo/go"

	"github.com/faultline/faultline/ledger/replica"
)

// Maelstrom's error codes for requests the node cannot serve at all
// (doc/protocol.md in jepsen-io/maelstrom).
const (
	CodeNotSupported     = 10 // definite: no such request type
	CodeMalformedRequest = 12 // definite: the request is not well formed
)

// The node reads its own messages back from peers, so stdin must take the
// largest line any node sends. That is the bigger of a snapshot message and
// an Append (EntriesPerAppendMax entries of up to EntryDataMax bytes),
// base64-encoded in a "raft" body (4/3 of the bytes), plus room for the
// envelope and the replica's framing. With the default config the snapshot
// bounds it: 1 GiB of data, a line of about 1.33 GiB. The demo/go library's
// Run loop stops the node at bufio.Scanner's 64 KiB; a line over this cap
// is skipped with a note on stderr, never fatal.
func lineBytesMax(cfg replica.Config) int {
	data := max(int64(replica.SnapshotDataMax), int64(cfg.EntriesPerAppendMax)*replica.EntryDataMax)
	return base64.StdEncoding.EncodedLen(int(data)) + 1<<20
}

// readLine reads one newline-terminated line of any length up to limit
// bytes. A longer line is read to its end and discarded: it comes back
// with oversized set and its length in n. A last line without a newline is
// returned as a line; io.EOF comes after it.
func readLine(r *bufio.Reader, limit int) (line []byte, n int, oversized bool, err error) {
	for {
		chunk, err := r.ReadSlice('\n')
		n += len(chunk)
		if n > limit {
			oversized, line = true, nil
		} else {
			line = append(line, chunk...)
		}
		switch {
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case err != nil && n > 0 && errors.Is(err, io.EOF):
			return line, n, oversized, nil
		}
		return line, n, oversized, err
	}
}

// inbound is a message as it arrived: its envelope, its body's reserved
// fields, and the body itself.
type inbound struct {
	msg   mnode.Message
	typ   string
	msgID json.RawMessage // an integer, or nil when the sender gave none

	// fast says that the fast reader read the message (parseInboundFast);
	// data is then the raw JSON value of its body's data field, nil when
	// absent, which a raft message carries.
	fast bool
	data []byte
}

// reservedFields are the body keys every Maelstrom message may carry.
type reservedFields struct {
	Type      json.RawMessage `json:"type"`
	MsgID     json.RawMessage `json:"msg_id"`
	InReplyTo json.RawMessage `json:"in_reply_to"`
}

// parseInbound checks a line's envelope and body. A message it cannot
// reply to (not JSON, no src) comes back with reason set and ok false and
// must be logged; one it can reply to but not serve comes back with a
// Maelstrom error code and text. The common shapes take the fast reader;
// anything else, every refusal among it, takes encoding/json, whose
// verdicts and texts they are. The message keeps no part of line but a
// raft message's body and data (handleRaft decodes them before Handle
// returns): every other message's body is a copy, as the handlers may
// keep it for a reply that comes after line is gone. known are names the
// node expects in src and dest (its cluster's), whose strings it reuses.
func parseInbound(line []byte, known []string) (in inbound, code int, text string, ok bool) {
	if in, fast := parseInboundFast(line, known); fast {
		if in.typ != "raft" {
			in.msg.Body, in.data = bytes.Clone(in.msg.Body), nil
		}
		return in, 0, "", true
	}
	return parseInboundJSON(line)
}

// parseInboundJSON is parseInbound by encoding/json alone, for any line.
func parseInboundJSON(line []byte) (in inbound, code int, text string, ok bool) {
	if err := json.Unmarshal(line, &in.msg); err != nil {
		return in, 0, fmt.Sprintf("not a Maelstrom message: %v", err), false
	}
	if in.msg.Src == "" {
		return in, 0, "a message without src", false
	}
	var f reservedFields
	if len(bytes.TrimSpace(in.msg.Body)) == 0 || in.msg.Body[0] != '{' {
		return in, CodeMalformedRequest, "the body must be a JSON object", true
	}
	if err := json.Unmarshal(in.msg.Body, &f); err != nil {
		return in, CodeMalformedRequest, fmt.Sprintf("malformed body: %v", err), true
	}
	if f.MsgID != nil && string(f.MsgID) != "null" {
		if _, err := strconv.ParseUint(string(f.MsgID), 10, 63); err != nil {
			return in, CodeMalformedRequest, fmt.Sprintf("msg_id must be a non-negative integer, got %s", f.MsgID), true
		}
		in.msgID = f.MsgID
	}
	if f.InReplyTo != nil && string(f.InReplyTo) != "null" {
		in.typ = "reply" // the node sends no requests, so it awaits no replies
		return in, 0, "", true
	}
	if err := json.Unmarshal(f.Type, &in.typ); err != nil || in.typ == "" {
		return in, CodeMalformedRequest, "the body's type must be a non-empty string", true
	}
	return in, 0, "", true
}

// encodeMessage renders one message from src to dest as a line of JSON,
// without its newline; body must marshal to a JSON object. Raft bodies
// and the replies' maps take the fast writer (wire_encode.go), which
// writes the same bytes as encoding/json; others take encoding/json.
func encodeMessage(src, dest string, body any) ([]byte, error) {
	switch b := body.(type) {
	case raftBody:
		return encodeRaftLine(src, dest, b.Data), nil
	case map[string]any:
		if line, ok := encodeMapLine(src, dest, b); ok {
			return line, nil
		}
	}
	return encodeMessageJSON(src, dest, body)
}

// encodeMessageJSON is encodeMessage by encoding/json alone.
func encodeMessageJSON(src, dest string, body any) ([]byte, error) {
	raw, err := json.Marshal(body)
	if err != nil {
		return nil, fmt.Errorf("send to %s: %w", dest, err)
	}
	line, err := json.Marshal(mnode.Message{Src: src, Dest: dest, Body: raw})
	if err != nil {
		return nil, fmt.Errorf("send to %s: %w", dest, err)
	}
	return line, nil
}

// wire writes Maelstrom messages to stdout, one line each, whole.
type wire struct {
	mu  sync.Mutex
	out *bufio.Writer
}

func newWire(w io.Writer) *wire { return &wire{out: bufio.NewWriterSize(w, 64<<10)} }

// writeLine writes one encoded message and its newline.
func (w *wire) writeLine(line []byte) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.out.Write(line)
	w.out.WriteByte('\n')
	return w.out.Flush()
}
