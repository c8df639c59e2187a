package maelstrom

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
)

// Maelstrom error codes (doc/protocol.md in jepsen-io/maelstrom).
const (
	CodeTimeout                = 0  // indefinite: the operation may or may not have happened
	CodeTemporarilyUnavailable = 11 // definite: it did not happen
	CodeCrash                  = 13 // indefinite
	CodeKeyDoesNotExist        = 20
	CodePreconditionFailed     = 22
)

// KVCommand is one lin-kv operation, as replicated through the log.
type KVCommand struct {
	Op    string          `json:"op"` // "read", "write" or "cas"
	Key   json.RawMessage `json:"key"`
	Value json.RawMessage `json:"value,omitempty"`
	From  json.RawMessage `json:"from,omitempty"`
	To    json.RawMessage `json:"to,omitempty"`
}

// KVResult is the outcome of a KVCommand.
type KVResult struct {
	Value json.RawMessage `json:"value,omitempty"`
	Code  int             `json:"code,omitempty"` // a Maelstrom error code, 0 if none
	Text  string          `json:"text,omitempty"`
}

// KV is the key-value state machine behind lin-kv. Keys and values are
// JSON values, compared in compact canonical form.
type KV struct {
	values map[string]json.RawMessage
}

// NewKV returns an empty store.
func NewKV() *KV { return &KV{values: make(map[string]json.RawMessage)} }

func canonical(v json.RawMessage) (string, error) {
	if isBareScalar(v) || isBareString(v) {
		return string(v), nil // compact already: Compact changes nothing inside a string
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, v); err != nil {
		return "", err
	}
	return buf.String(), nil
}

// Apply runs one encoded KVCommand and returns the encoded KVResult. Bad
// commands get an error result, never a panic.
func (kv *KV) Apply(command []byte, _ int64) []byte {
	return encodeKVResult(kv.apply(command))
}

func (kv *KV) apply(command []byte) KVResult {
	c, err := decodeKVCommand(command)
	if err != nil {
		return KVResult{Code: 12, Text: "malformed command: " + err.Error()}
	}
	key, err := canonical(c.Key)
	if err != nil {
		return KVResult{Code: 12, Text: "malformed key"}
	}
	current, exists := kv.values[key]
	switch c.Op {
	case "read":
		if !exists {
			return KVResult{Code: CodeKeyDoesNotExist, Text: "key does not exist"}
		}
		return KVResult{Value: current}
	case "write":
		v, err := canonical(c.Value)
		if err != nil {
			return KVResult{Code: 12, Text: "malformed value"}
		}
		kv.values[key] = json.RawMessage(v)
		return KVResult{}
	case "cas":
		return kv.cas(key, current, exists, c)
	}
	return KVResult{Code: 10, Text: fmt.Sprintf("unsupported op %q", c.Op)}
}

func (kv *KV) cas(key string, current json.RawMessage, exists bool, c KVCommand) KVResult {
	from, err1 := canonical(c.From)
	to, err2 := canonical(c.To)
	if err1 != nil || err2 != nil {
		return KVResult{Code: 12, Text: "malformed from or to"}
	}
	if !exists {
		return KVResult{Code: CodeKeyDoesNotExist, Text: "key does not exist"}
	}
	if string(current) != from {
		return KVResult{Code: CodePreconditionFailed, Text: fmt.Sprintf("expected %s, found %s", from, current)}
	}
	kv.values[key] = json.RawMessage(to)
	return KVResult{}
}

// Snapshot serializes the store with its keys sorted.
func (kv *KV) Snapshot() []byte {
	keys := make([]string, 0, len(kv.values))
	for k := range kv.values {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	pairs := make([][2]json.RawMessage, 0, len(keys))
	for _, k := range keys {
		pairs = append(pairs, [2]json.RawMessage{json.RawMessage(k), kv.values[k]})
	}
	out, _ := json.Marshal(pairs) // raw JSON pairs always marshal
	return out
}

// Restore replaces the store with a snapshot's.
func (kv *KV) Restore(b []byte) error {
	var pairs [][2]json.RawMessage
	if err := json.Unmarshal(b, &pairs); err != nil {
		return fmt.Errorf("kv snapshot: %w", err)
	}
	kv.values = make(map[string]json.RawMessage, len(pairs))
	for _, p := range pairs {
		kv.values[string(p[0])] = p[1]
	}
	return nil
}
