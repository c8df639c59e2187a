package maelstrom

import (
	"encoding/json"

	mnode "github.com/jepsen-io/maelstrom/demo/go"

	"github.com/faultline/faultline/ledger/replica"
)

// kvRequest is a lin-kv request body.
type kvRequest struct {
	Type  string          `json:"type"`
	Key   json.RawMessage `json:"key"`
	Value json.RawMessage `json:"value,omitempty"`
	From  json.RawMessage `json:"from,omitempty"`
	To    json.RawMessage `json:"to,omitempty"`
}

// forwardBody carries a client request to the node believed to lead.
type forwardBody struct {
	Type    string          `json:"type"`
	Request json.RawMessage `json:"request"`
}

// handleKV serves a lin-kv request from a client.
func (s *Server) handleKV(msg mnode.Message) error {
	s.do(func() { s.propose(msg.Body, true, func(body any) { _ = s.node.Reply(msg, body) }) })
	return nil
}

// handleForward serves a request a peer forwarded because it believed this
// node leads; it is not forwarded again.
func (s *Server) handleForward(msg mnode.Message) error {
	var fwd forwardBody
	if err := json.Unmarshal(msg.Body, &fwd); err != nil {
		return s.node.Reply(msg, errorBody(12, "malformed forward"))
	}
	var probe struct {
		Type string `json:"type"`
	}
	_ = json.Unmarshal(fwd.Request, &probe)
	s.do(func() {
		reply := func(body any) { _ = s.node.Reply(msg, body) }
		switch probe.Type {
		case "create_accounts", "create_transfers", "lookup_accounts", "lookup_transfers":
			s.proposeLedger(fwd.Request, false, reply)
		default:
			s.propose(fwd.Request, false, reply)
		}
	})
	return nil
}

// propose runs a lin-kv request through the replicated log. Runs on the
// event loop.
func (s *Server) propose(raw json.RawMessage, mayForward bool, reply func(any)) {
	var req kvRequest
	if err := json.Unmarshal(raw, &req); err != nil {
		reply(errorBody(12, "malformed request"))
		return
	}
	if s.r == nil {
		reply(errorBody(CodeTemporarilyUnavailable, "not initialized"))
		return
	}
	cmd, _ := json.Marshal(KVCommand{Op: req.Type, Key: req.Key, Value: req.Value, From: req.From, To: req.To})
	cmd = append([]byte{forKV}, cmd...)
	s.r.Propose(replica.Request{Command: cmd}, func(rep replica.Reply) {
		if rep.Status == replica.StatusNotLeader && mayForward && rep.Leader != replica.None && int(rep.Leader) < len(s.ids) {
			s.forward(s.ids[rep.Leader], raw, reply)
			return
		}
		reply(replyBody(req.Type, rep))
	})
}

// forward sends the request to the leader and relays its answer. It is
// called on the event loop; the answer arrives on a library goroutine.
func (s *Server) forward(leader string, raw json.RawMessage, reply func(any)) {
	err := s.node.RPC(leader, forwardBody{Type: "forward", Request: raw}, func(m mnode.Message) error {
		var body map[string]any
		if err := json.Unmarshal(m.Body, &body); err != nil {
			reply(errorBody(CodeCrash, "malformed forwarded reply"))
			return nil
		}
		delete(body, "msg_id")
		delete(body, "in_reply_to")
		reply(body)
		return nil
	})
	if err != nil {
		reply(errorBody(CodeTemporarilyUnavailable, "cannot reach the leader"))
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
	var res KVResult
	if err := json.Unmarshal(rep.Result, &res); err != nil {
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
