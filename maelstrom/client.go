package maelstrom

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/faultline/faultline/ledger/client"
	"github.com/faultline/faultline/ledger/replica"
)

// kvRequest is a lin-kv request body.
type kvRequest struct {
	Type  string          `json:"type"`
	MsgID json.RawMessage `json:"msg_id"`
	Key   json.RawMessage `json:"key"`
	Value json.RawMessage `json:"value,omitempty"`
	From  json.RawMessage `json:"from,omitempty"`
	To    json.RawMessage `json:"to,omitempty"`
}

// decodeKVRequest parses a lin-kv body strictly: no unknown fields, and
// the fields its op needs, each a JSON value.
func decodeKVRequest(raw json.RawMessage) (kvRequest, error) {
	var req kvRequest
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		return req, fmt.Errorf("malformed %s request: %v", typeOf(raw), err)
	}
	needs := map[string][]string{"read": {"key"}, "write": {"key", "value"}, "cas": {"key", "from", "to"}}[req.Type]
	given := map[string]json.RawMessage{"key": req.Key, "value": req.Value, "from": req.From, "to": req.To}
	for _, field := range needs {
		if given[field] == nil {
			return req, fmt.Errorf("%s needs %s", req.Type, field)
		}
	}
	for _, field := range []string{"value", "from", "to"} {
		if given[field] != nil && !slices.Contains(needs, field) {
			return req, fmt.Errorf("%s takes no %s", req.Type, field)
		}
	}
	return req, nil
}

// handleKV serves a lin-kv request from a client.
func (n *Node) handleKV(in inbound) {
	n.propose(in.msg.Body, func(body any) { n.replyTo(in, body) })
}

// propose runs a lin-kv request through the replicated log, by way of the
// node's session pool.
func (n *Node) propose(raw json.RawMessage, reply func(any)) {
	req, err := decodeKVRequest(raw)
	if err != nil {
		reply(errorBody(CodeMalformedRequest, err.Error()))
		return
	}
	cmd, _ := json.Marshal(KVCommand{Op: req.Type, Key: req.Key, Value: req.Value, From: req.From, To: req.To})
	n.submit(append([]byte{forKV}, cmd...), reply, func(result []byte) any {
		return replyBody(req.Type, replica.Reply{Status: replica.StatusOK, Result: result})
	})
}

// commandBytesMax is the largest command the replica takes into its log
// (replica.EntryDataMax less the room its client request framing keeps);
// a larger one could never apply, so it is refused before it is sent.
const commandBytesMax = replica.EntryDataMax - 16

// submit runs command through the session pool and answers with answer's
// body when it applied, or with the error its outcome calls for: definite
// when it certainly did not apply, indefinite when it may have.
func (n *Node) submit(command []byte, reply func(any), answer func(result []byte) any) {
	if n.r == nil {
		reply(errorBody(CodeTemporarilyUnavailable, "not initialized"))
		return
	}
	if len(command) > commandBytesMax {
		reply(errorBody(CodeMalformedRequest, fmt.Sprintf("request too large: a command of %d bytes, at most %d", len(command), commandBytesMax)))
		return
	}
	ok := n.pool.submit(command, func(c client.Completion) {
		switch c.Outcome {
		case client.OutcomeOK:
			reply(answer(c.Result))
		case client.OutcomeFailed:
			reply(errorBody(CodeTemporarilyUnavailable, "not sent: the session never registered"))
		default:
			reply(errorBody(CodeTimeout, fmt.Sprintf("outcome unknown (%s, last status %s): it may have applied", c.Reason, c.Status)))
		}
	})
	if !ok {
		reply(errorBody(CodeTemporarilyUnavailable, "busy: too many requests waiting for a session"))
	}
}

// replyBody turns a replica reply into a Maelstrom reply body. Definite
// failures get definite codes; anything that may still have applied gets an
// indefinite one, so Maelstrom's checker treats it as possibly applied.
func replyBody(op string, rep replica.Reply) any {
	switch rep.Status {
	case replica.StatusOK:
	case replica.StatusNotLeader, replica.StatusBusy:
		return errorBody(CodeTemporarilyUnavailable, rep.Status.String())
	case replica.StatusUnknown:
		return errorBody(CodeTimeout, "leadership changed while the request was pending")
	default:
		return errorBody(CodeCrash, rep.Status.String())
	}
	res, err := decodeKVResult(rep.Result)
	if err != nil {
		return errorBody(CodeCrash, "malformed result")
	}
	if res.Code != 0 {
		return errorBody(res.Code, res.Text)
	}
	if op == "read" {
		return map[string]any{"type": "read_ok", "value": res.Value}
	}
	return map[string]any{"type": op + "_ok"}
}

func errorBody(code int, text string) map[string]any {
	return map[string]any{"type": "error", "code": code, "text": text}
}
