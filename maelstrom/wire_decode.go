package maelstrom

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"slices"
	"strconv"
	"unicode/utf8"
)

// The fast reader of inbound lines. encoding/json reads a line three
// times over (it validates the whole line, decodes the envelope into
// fields, then does both again for the body, and again for a raft body),
// through reflection, and a node spends most of its time there: the bulk
// of what it reads is peers' "raft" messages, which carry kilobytes of
// base64. scanEnvelope reads the shapes a node meets all the time in one
// pass, and refuses anything unusual (an escape or a non-ASCII byte in a
// key, a key that differs from a field's name only in case, a repeated
// key, a field of an unexpected JSON type, deep nesting): the caller then
// falls back to encoding/json, so that what the node decides, and every
// error text it writes, stays exactly what encoding/json makes of the line.

// scanDepthMax bounds the nesting the fast reader follows; deeper values
// (encoding/json allows 10,000 levels) go to encoding/json.
const scanDepthMax = 64

// Names of the fields the node reads: an envelope's, and a body's
// reserved fields and raft data. A key that folds to one of these
// (encoding/json matches keys case-insensitively) but is not spelled
// exactly so is unusual.
var (
	envelopeNames = [...]string{"src", "dest", "body"}
	bodyNames     = [...]string{"type", "msg_id", "in_reply_to", "data"}
)

// Indexes into envelope.top and envelope.body.
const (
	fieldSrc = iota
	fieldDest
	fieldBody
)
const (
	fieldType = iota
	fieldMsgID
	fieldInReplyTo
	fieldData
)

// envelope is what scanEnvelope read of a line: the raw JSON values of
// the envelope's fields and of the body's, each a slice of the line (nil
// when absent). The body is a JSON object whenever the scan succeeded.
type envelope struct {
	top  [len(envelopeNames)][]byte
	body [len(bodyNames)][]byte
}

// plainByte marks the bytes that stand for themselves inside a JSON
// string: printable ASCII but for the quote and the backslash.
var plainByte = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// scanEnvelope reads line as a Maelstrom message in one pass. ok is false
// when the line is not valid JSON or holds anything unusual (see above);
// the caller must then ask encoding/json.
func scanEnvelope(line []byte) (env envelope, ok bool) {
	s := jsonScanner{b: line}
	if !s.members(envelopeNames[:], env.top[:], &env) {
		return env, false
	}
	s.skipSpace()
	return env, s.i == len(s.b) && env.top[fieldBody] != nil
}

// jsonScanner validates and slices JSON text, a byte at a time.
type jsonScanner struct {
	b []byte
	i int
}

func (s *jsonScanner) skipSpace() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// next skips whitespace and consumes c if it comes next.
func (s *jsonScanner) next(c byte) bool {
	s.skipSpace()
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

// members reads an object whose keys of interest are names: the raw value
// of names[k] goes to out[k]. Other keys' values are validated and
// skipped. For the envelope (env non-nil), the body's own members are
// read into env.body as the body goes by, so that its bytes are scanned
// once. It returns false on invalid or unusual JSON.
func (s *jsonScanner) members(names []string, out [][]byte, env *envelope) bool {
	if !s.next('{') {
		return false
	}
	if s.next('}') {
		return true
	}
	for {
		s.skipSpace()
		key, ok := s.plainKey()
		if !ok || !s.next(':') {
			return false
		}
		k := fieldIndex(names, key)
		s.skipSpace()
		start := s.i
		switch {
		case k == -2:
			return false // a case variant of a field's name
		case k >= 0 && out[k] != nil:
			return false // a repeated field: encoding/json keeps the last
		case k == fieldBody && env != nil:
			ok = s.members(bodyNames[:], env.body[:], nil)
		default:
			ok = s.value(0)
		}
		if !ok {
			return false
		}
		if k >= 0 {
			out[k] = s.b[start:s.i]
		}
		if s.next(',') {
			continue
		}
		return s.next('}')
	}
}

// fieldIndex returns the index of key in names; -1 for a key that is none
// of them, -2 for one that matches one of them only ignoring case.
func fieldIndex(names []string, key []byte) int {
	for k, name := range names {
		switch {
		case string(key) == name:
			return k
		case bytes.EqualFold(key, []byte(name)):
			return -2
		}
	}
	return -1
}

// plainKey reads an object key made of plain ASCII (no escapes, no byte
// above 0x7f: those could fold to a field's name in Unicode).
func (s *jsonScanner) plainKey() ([]byte, bool) {
	if s.i >= len(s.b) || s.b[s.i] != '"' {
		return nil, false
	}
	start := s.i + 1
	i := start
	for i < len(s.b) && plainByte[s.b[i]] {
		i++
	}
	if i >= len(s.b) || s.b[i] != '"' {
		return nil, false
	}
	s.i = i + 1
	return s.b[start:i], true
}

// value validates and skips one JSON value, starting at s.i.
func (s *jsonScanner) value(depth int) bool {
	if s.i >= len(s.b) || depth > scanDepthMax {
		return false
	}
	switch c := s.b[s.i]; {
	case c == '"':
		return s.str()
	case c == '{':
		return s.object(depth + 1)
	case c == '[':
		return s.array(depth + 1)
	case c == '-' || ('0' <= c && c <= '9'):
		return s.number()
	case c == 't':
		return s.literal("true")
	case c == 'f':
		return s.literal("false")
	case c == 'n':
		return s.literal("null")
	}
	return false
}

func (s *jsonScanner) object(depth int) bool {
	s.i++ // '{'
	if s.next('}') {
		return true
	}
	for {
		s.skipSpace()
		if !s.str() || !s.next(':') {
			return false
		}
		s.skipSpace()
		if !s.value(depth) {
			return false
		}
		if s.next(',') {
			continue
		}
		return s.next('}')
	}
}

func (s *jsonScanner) array(depth int) bool {
	s.i++ // '['
	if s.next(']') {
		return true
	}
	for {
		s.skipSpace()
		if !s.value(depth) {
			return false
		}
		if s.next(',') {
			continue
		}
		return s.next(']')
	}
}

// str validates a string. Like encoding/json's validator, it takes any
// byte from 0x20 up, valid UTF-8 or not; escapes must be JSON's.
func (s *jsonScanner) str() bool {
	if s.i >= len(s.b) || s.b[s.i] != '"' {
		return false
	}
	i := s.i + 1
	for i < len(s.b) {
		for i+8 <= len(s.b) && !hasStringSpecial(binary.LittleEndian.Uint64(s.b[i:])) {
			i += 8 // eight bytes that stand for themselves (a raft message's base64 is all such)
		}
		if i >= len(s.b) {
			break
		}
		c := s.b[i]
		switch {
		case plainByte[c] || c >= utf8.RuneSelf:
			i++
		case c == '"':
			s.i = i + 1
			return true
		case c == '\\' && i+1 < len(s.b):
			switch s.b[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(s.b) || !isHex4(s.b[i+2:i+6]) {
					return false
				}
				i += 6
			default:
				return false
			}
		default:
			return false // a control byte, or a backslash at the end
		}
	}
	return false
}

// Word-at-a-time tests on eight bytes (Hacker's Delight 6-1; Bit
// Twiddling Hacks' "haszero" and "hasless"): each is non-zero exactly
// when some byte of x is zero, or below n (n at most 0x80).
const (
	bytesOnes = 0x0101010101010101
	bytesHigh = 0x8080808080808080
)

func hasZeroByte(x uint64) bool     { return (x-bytesOnes)&^x&bytesHigh != 0 }
func hasByteBelow(x, n uint64) bool { return (x-bytesOnes*n)&^x&bytesHigh != 0 }
func hasStringSpecial(x uint64) bool {
	return hasByteBelow(x, 0x20) || hasZeroByte(x^(bytesOnes*'"')) || hasZeroByte(x^(bytesOnes*'\\'))
}

func isHex4(b []byte) bool {
	for _, c := range b {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// number validates a JSON number: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
func (s *jsonScanner) number() bool {
	s.i += boolInt(s.b[s.i] == '-')
	switch {
	case s.i < len(s.b) && s.b[s.i] == '0':
		s.i++
	case s.digits() == 0:
		return false
	}
	if s.i < len(s.b) && s.b[s.i] == '.' {
		s.i++
		if s.digits() == 0 {
			return false
		}
	}
	if s.i < len(s.b) && (s.b[s.i] == 'e' || s.b[s.i] == 'E') {
		s.i++
		if s.i < len(s.b) && (s.b[s.i] == '+' || s.b[s.i] == '-') {
			s.i++
		}
		if s.digits() == 0 {
			return false
		}
	}
	return true
}

// digits skips decimal digits and returns how many.
func (s *jsonScanner) digits() int {
	start := s.i
	for s.i < len(s.b) && '0' <= s.b[s.i] && s.b[s.i] <= '9' {
		s.i++
	}
	return s.i - start
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func (s *jsonScanner) literal(word string) bool {
	if !bytes.HasPrefix(s.b[s.i:], []byte(word)) {
		return false
	}
	s.i += len(word)
	return true
}

// plainString returns the value of a raw JSON string that stands as it is
// written (no escapes, valid UTF-8: what encoding/json would decode it
// to, byte for byte); ok is false for any other raw value.
func plainString(raw []byte) (value []byte, ok bool) {
	if len(raw) < 2 || raw[0] != '"' {
		return nil, false
	}
	value = raw[1 : len(raw)-1]
	if bytes.IndexByte(value, '\\') >= 0 || !utf8.Valid(value) {
		return nil, false
	}
	return value, true
}

// isNull reports whether a raw value is JSON's null.
func isNull(raw []byte) bool { return string(raw) == "null" }

// parseInboundFast is parseInbound for a line scanEnvelope reads and that
// parseInbound would accept (ok, no error code); fast is false for any
// other, which parseInbound then reads with encoding/json. The message's
// body, and data, are slices of line; its src and dest are strings of
// known when they name one (a node's peers: no allocation per message).
func parseInboundFast(line []byte, known []string) (in inbound, fast bool) {
	env, ok := scanEnvelope(line)
	if !ok {
		return in, false
	}
	src, srcOK := plainString(env.top[fieldSrc])
	dest, destOK := plainString(env.top[fieldDest])
	if !srcOK || len(src) == 0 || (env.top[fieldDest] != nil && !destOK) {
		return in, false
	}
	if raw := env.body[fieldMsgID]; raw != nil && !isNull(raw) {
		if _, err := strconv.ParseUint(string(raw), 10, 63); err != nil {
			return in, false
		}
		in.msgID = json.RawMessage(bytes.Clone(raw))
	}
	in.msg.Src, in.msg.Dest, in.msg.Body = intern(src, known), intern(dest, known), env.top[fieldBody]
	in.data, in.fast = env.body[fieldData], true
	if raw := env.body[fieldInReplyTo]; raw != nil && !isNull(raw) {
		in.typ = "reply" // as parseInbound: the node awaits no replies
		return in, true
	}
	typ, ok := plainString(env.body[fieldType])
	if !ok || len(typ) == 0 {
		return inbound{}, false
	}
	in.typ = intern(typ, commonTypes[:])
	return in, true
}

// commonTypes are the body types a node reads most, whose strings
// parseInboundFast reuses.
var commonTypes = [...]string{"raft", "read", "write", "cas", "create_transfers", "create_accounts",
	"lookup_accounts", "lookup_transfers", "init"}

// intern returns b as a string: the one of known it equals, if any.
func intern(b []byte, known []string) string {
	for _, s := range known {
		if string(b) == s {
			return s
		}
	}
	return string(b)
}

// decodeRaftData appends to dst a raft body's data as encoding/json
// decodes it into a []byte, from its raw JSON value (nil when absent),
// and returns the data alone (nil for no data: absent, or null); ok is
// false when only encoding/json can say what it makes of it (an escape,
// an error).
func decodeRaftData(dst, raw []byte) (data []byte, ok bool) {
	if raw == nil || isNull(raw) {
		return nil, true
	}
	text, ok := plainString(raw)
	if !ok {
		return nil, false
	}
	start := len(dst)
	dst = slices.Grow(dst, base64.StdEncoding.DecodedLen(len(text)))
	dst, err := base64.StdEncoding.AppendDecode(dst, text)
	if err != nil {
		return nil, false
	}
	if dst == nil {
		return []byte{}, true // "": empty, not absent, as encoding/json has it
	}
	return dst[start:], true
}

// RaftPayload returns the replica message a node's "raft" line carries,
// appended to dst (data is what was appended: dst's buffer, when it had
// room): ok is false for a line that is not JSON or whose body is not of
// type "raft". It reads the line exactly as encoding/json does into
//
//	struct{ Body struct{ Type string; Data []byte } }
//
// (the harness's observer reads what nodes send with it), in one pass
// for the lines nodes write.
func RaftPayload(dst, line []byte) (data []byte, ok bool) {
	if env, scanned := scanEnvelope(line); scanned {
		raw := env.body[fieldType]
		if string(raw) != `"raft"` {
			if _, plain := plainString(raw); plain || raw == nil {
				return nil, false // a string other than "raft", or no type at all
			}
		} else if data, ok := decodeRaftData(dst, env.body[fieldData]); ok {
			return data, true
		}
	}
	return raftPayloadJSON(line)
}

// raftPayloadJSON is RaftPayload by encoding/json alone: the reading the
// fast path must agree with, and what it falls back to for any line it
// does not read itself.
func raftPayloadJSON(line []byte) ([]byte, bool) {
	var m struct {
		Body struct {
			Type string `json:"type"`
			Data []byte `json:"data"`
		} `json:"body"`
	}
	if json.Unmarshal(line, &m) != nil || m.Body.Type != "raft" {
		return nil, false
	}
	return m.Body.Data, true
}

// MsgID returns a message's msg_id as encoding/json reads it into
//
//	struct{ Body struct{ MsgID int64 } }
//
// (zero when there is none); ok is false when that read fails (the line
// is not JSON, or the msg_id is not an int64). The harness reads
// clients' requests with it, in one pass for the common shapes.
func MsgID(line []byte) (id int64, ok bool) {
	if env, scanned := scanEnvelope(line); scanned {
		raw := env.body[fieldMsgID]
		if raw == nil {
			return 0, true
		}
		if id, err := strconv.ParseInt(string(raw), 10, 64); err == nil {
			return id, true // as encoding/json reads an int64
		}
	}
	var m struct {
		Body struct {
			MsgID int64 `json:"msg_id"`
		} `json:"body"`
	}
	if err := json.Unmarshal(line, &m); err != nil {
		return 0, false
	}
	return m.Body.MsgID, true
}
