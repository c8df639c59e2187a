package maelstrom

import (
	"encoding/json"
	"strconv"
)

// The lin-kv state machine's commands and results in JSON, read and
// written by hand for the shapes the node itself writes, and by
// encoding/json for anything else. Every replica applies every command,
// so this is on the path of each lin-kv request five times over; what it
// reads and writes must be exactly what encoding/json would (results go
// back to clients, and into the trace hash, byte for byte), which the
// differential tests check.

// The JSON names of KVCommand's and KVResult's fields, in the order the
// fast reader files them.
var (
	kvCommandNames = [...]string{"op", "key", "value", "from", "to"}
	kvResultNames  = [...]string{"value", "code", "text"}
)

// kvOps are the ops whose strings the fast reader reuses.
var kvOps = [...]string{"read", "write", "cas"}

// decodeKVCommand reads a command as json.Unmarshal does. Its raw values
// may be slices of b.
func decodeKVCommand(b []byte) (KVCommand, error) {
	if c, ok := decodeKVCommandFast(b); ok {
		return c, nil
	}
	var c KVCommand
	err := json.Unmarshal(b, &c)
	return c, err
}

// decodeKVCommandFast is decodeKVCommand for an object with plain keys
// and, if any, a plain op; ok is false for anything else.
func decodeKVCommandFast(b []byte) (c KVCommand, ok bool) {
	var raw [len(kvCommandNames)][]byte
	if !scanObject(b, kvCommandNames[:], raw[:]) {
		return c, false
	}
	if raw[0] != nil {
		op, plain := plainString(raw[0])
		if !plain {
			return c, false
		}
		c.Op = intern(op, kvOps[:])
	}
	c.Key, c.Value, c.From, c.To = raw[1], raw[2], raw[3], raw[4]
	return c, true
}

// scanObject reads b as one JSON object (whitespace around it allowed)
// whose keys of interest are names; see jsonScanner.members.
func scanObject(b []byte, names []string, out [][]byte) bool {
	s := jsonScanner{b: b}
	if !s.members(names, out, nil) {
		return false
	}
	s.skipSpace()
	return s.i == len(b)
}

// encodeKVResult writes a result as json.Marshal does.
func encodeKVResult(r KVResult) []byte {
	if out, ok := appendKVResult(make([]byte, 0, 32+len(r.Value)+len(r.Text)), r); ok {
		return out
	}
	out, _ := json.Marshal(r) // a KVResult always marshals
	return out
}

// appendKVResult is encodeKVResult for a result whose value, if any, is a
// bare number or literal; ok is false for any other.
func appendKVResult(dst []byte, r KVResult) ([]byte, bool) {
	dst = append(dst, '{')
	comma := false
	if len(r.Value) != 0 {
		if !isBareScalar(r.Value) {
			return dst, false // compacting and escaping arbitrary JSON is encoding/json's job
		}
		dst = append(append(dst, `"value":`...), r.Value...)
		comma = true
	}
	if r.Code != 0 {
		if comma {
			dst = append(dst, ',')
		}
		dst = strconv.AppendInt(append(dst, `"code":`...), int64(r.Code), 10)
		comma = true
	}
	if r.Text != "" {
		if comma {
			dst = append(dst, ',')
		}
		dst = appendJSONString(append(dst, `"text":`...), r.Text)
	}
	return append(dst, '}'), true
}

// decodeKVResult reads a result as json.Unmarshal does. Its value may be
// a slice of b.
func decodeKVResult(b []byte) (KVResult, error) {
	if r, ok := decodeKVResultFast(b); ok {
		return r, nil
	}
	var r KVResult
	err := json.Unmarshal(b, &r)
	return r, err
}

// decodeKVResultFast is decodeKVResult for an object with plain keys, an
// integer code and a plain text; ok is false for anything else.
func decodeKVResultFast(b []byte) (r KVResult, ok bool) {
	var raw [len(kvResultNames)][]byte
	if !scanObject(b, kvResultNames[:], raw[:]) {
		return r, false
	}
	r.Value = raw[0]
	if raw[1] != nil {
		code, err := strconv.ParseInt(string(raw[1]), 10, 64) // as encoding/json reads an int
		if err != nil {
			return r, false
		}
		r.Code = int(code)
	}
	if raw[2] != nil {
		text, plain := plainString(raw[2])
		if !plain {
			return r, false
		}
		r.Text = string(text)
	}
	return r, true
}
