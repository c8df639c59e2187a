package scenarios

import (
	"encoding/json"
	"strconv"

	"github.com/faultline/faultline/checkers"
	"github.com/faultline/faultline/ledger"
)

// The Maelstrom scenario's clients write their requests here, byte for
// byte as encoding/json writes the maps they used to build (keys sorted,
// strings escaped as Marshal escapes them): the trace hash covers every
// message's bytes, and writing the few shapes the clients send directly
// costs no reflection and no map per request. TestMaelstromRequestsAsJSON
// checks every shape against json.Marshal.

// appendEnvelope begins a Maelstrom message: `{"body":` here, then the
// body the caller appends, then closeEnvelope with its source and
// destination.
func appendEnvelope(b []byte) []byte { return append(b, `{"body":`...) }

// closeEnvelope ends a message appendEnvelope began.
func closeEnvelope(b []byte, src, dest string) []byte {
	b = appendJSONString(append(b, `,"dest":`...), dest)
	b = appendJSONString(append(b, `,"src":`...), src)
	return append(b, '}')
}

// appendKVRequest appends a lin-kv request line.
func appendKVRequest(b []byte, src, dest string, in checkers.KVInput, msgID int64) []byte {
	b = appendEnvelope(b)
	b = append(b, '{')
	if in.Op == "cas" {
		b = strconv.AppendInt(append(b, `"from":`...), in.From, 10)
		b = append(b, ',')
	}
	b = appendJSONString(append(b, `"key":`...), in.Key)
	b = strconv.AppendInt(append(b, `,"msg_id":`...), msgID, 10)
	if in.Op == "cas" {
		b = strconv.AppendInt(append(b, `,"to":`...), in.To, 10)
	}
	b = appendJSONString(append(b, `,"type":`...), in.Op)
	if in.Op == "write" {
		b = strconv.AppendInt(append(b, `,"value":`...), in.Value, 10)
	}
	return closeEnvelope(append(b, '}'), src, dest)
}

// appendCreateAccounts appends the ledger RPC that creates accounts.
func appendCreateAccounts(b []byte, src, dest string, accounts []ledger.Account, msgID int64) []byte {
	b = append(appendEnvelope(b), `{"accounts":[`...)
	for i := range accounts {
		a := &accounts[i]
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendUint(append(b, `{"code":`...), uint64(a.Code), 10)
		b = strconv.AppendUint(append(b, `,"flags":`...), uint64(a.Flags), 10)
		b = appendDecimalID(append(b, `,"id":`...), a.ID)
		b = strconv.AppendUint(append(b, `,"ledger":`...), uint64(a.Ledger), 10)
		b = append(b, '}')
	}
	b = strconv.AppendInt(append(b, `],"msg_id":`...), msgID, 10)
	b = append(b, `,"type":"create_accounts"}`...)
	return closeEnvelope(b, src, dest)
}

// appendLookupAccounts appends the ledger RPC that looks accounts up.
func appendLookupAccounts(b []byte, src, dest string, accounts []checkers.GroupAccount, msgID int64) []byte {
	b = append(appendEnvelope(b), `{"ids":[`...)
	for i := range accounts {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendDecimalID(b, accounts[i].ID)
	}
	b = strconv.AppendInt(append(b, `],"msg_id":`...), msgID, 10)
	b = append(b, `,"type":"lookup_accounts"}`...)
	return closeEnvelope(b, src, dest)
}

// appendCreateTransfers appends the ledger RPC that creates transfers:
// IDs and amounts as decimal strings, a zero pending ID left out.
func appendCreateTransfers(b []byte, src, dest string, transfers []ledger.Transfer, msgID int64) []byte {
	b = strconv.AppendInt(append(appendEnvelope(b), `{"msg_id":`...), msgID, 10)
	b = append(b, `,"transfers":[`...)
	for i := range transfers {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendTransfer(b, &transfers[i])
	}
	b = append(b, `],"type":"create_transfers"}`...)
	return closeEnvelope(b, src, dest)
}

func appendTransfer(b []byte, t *ledger.Transfer) []byte {
	b = appendJSONString(append(b, `{"amount":`...), t.Amount.String())
	b = strconv.AppendUint(append(b, `,"code":`...), uint64(t.Code), 10)
	b = appendDecimalID(append(b, `,"credit_account_id":`...), t.CreditAccountID)
	b = appendDecimalID(append(b, `,"debit_account_id":`...), t.DebitAccountID)
	b = strconv.AppendUint(append(b, `,"flags":`...), uint64(t.Flags), 10)
	b = appendDecimalID(append(b, `,"id":`...), t.ID)
	b = strconv.AppendUint(append(b, `,"ledger":`...), uint64(t.Ledger), 10)
	if !t.PendingID.IsZero() {
		b = appendDecimalID(append(b, `,"pending_id":`...), t.PendingID)
	}
	b = strconv.AppendUint(append(b, `,"timeout":`...), t.Timeout, 10)
	b = strconv.AppendUint(append(b, `,"timestamp":`...), t.Timestamp, 10)
	return append(b, '}')
}

// appendDecimalID appends an ID as the JSON string decimalID writes.
func appendDecimalID(b []byte, id ledger.ID) []byte {
	if id.Hi != 0 {
		return appendJSONString(b, decimalID(id))
	}
	return append(strconv.AppendUint(append(b, '"'), id.Lo, 10), '"')
}

// appendJSONString appends s as json.Marshal writes it. Names, keys,
// operations and decimal strings are plain ASCII, copied as they are;
// anything Marshal would escape (quotes, backslashes, control bytes, <, >
// and &, anything beyond ASCII) goes through Marshal itself.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			quoted, _ := json.Marshal(s) // a string always marshals
			return append(b, quoted...)
		}
	}
	return append(append(append(b, '"'), s...), '"')
}

// readKVReply reads a lin-kv reply as json.Unmarshal reads it into a
// kvReply, in one pass, for the lines Maelstrom nodes write: compact
// JSON whose envelope holds src, dest and body, whose body holds type,
// text (plain strings), msg_id, in_reply_to, code and value (integers),
// each at most once. ok is false for any other line, which the caller
// must give to encoding/json: an unknown key (Unmarshal matches keys
// case-insensitively), an escape, whitespace, a number that is no plain
// integer, anything malformed.
func readKVReply(line []byte) (r kvReply, ok bool) {
	s := compactReader{b: line}
	seen := &s.seen
	ok = s.reply(func(key []byte) bool {
		if handled, ok := s.replyMember(key, &r.Body.InReplyTo, &r.Body.Code); handled {
			return ok
		}
		switch string(key) {
		case "type":
			v, ok := s.plainString()
			r.Body.Type = kvReplyType(v)
			return ok && s.once(seen, 2)
		case "value":
			var ok bool
			r.Body.Value, ok = s.integer()
			return ok && s.once(seen, 16)
		}
		return false
	})
	return r, ok
}

// reply reads a reply line, an object of src, dest and body, in one pass,
// handing each member of the body to member after its colon; s.seen's bit
// 1 marks the body itself, the callers own the other bits. It is false for
// any line that must go to encoding/json instead.
func (s *compactReader) reply(member func(key []byte) bool) bool {
	ok := s.object(func(key []byte) bool {
		switch string(key) {
		case "src", "dest":
			_, ok := s.plainString()
			return ok
		case "body":
			return s.once(&s.seen, 1) && s.object(member)
		}
		return false
	})
	return ok && s.seen&1 != 0 && s.i == len(s.b)
}

// replyMember reads the members every reply body may carry: text and
// msg_id (read and dropped), in_reply_to and code (bits 4 and 8 of
// s.seen). handled is false for any other key, which the caller reads.
func (s *compactReader) replyMember(key []byte, inReplyTo *int64, code *int) (handled, ok bool) {
	switch string(key) {
	case "text":
		_, ok = s.plainString()
		return true, ok
	case "msg_id":
		_, ok = s.integer()
		return true, ok
	case "in_reply_to":
		*inReplyTo, ok = s.integer()
		return true, ok && s.once(&s.seen, 4)
	case "code":
		var v int64
		v, ok = s.integer()
		*code = int(v)
		return true, ok && s.once(&s.seen, 8)
	}
	return false, false
}

// compactReader reads the compact JSON Maelstrom nodes write, byte by
// byte, refusing (ok false) whatever it does not read exactly as
// encoding/json would.
type compactReader struct {
	b []byte
	i int
	// seen marks the members of a reply read so far (see reply), so that
	// a repeated one is refused.
	seen uint8
}

// once marks bit in seen, and refuses a key seen before: encoding/json
// lets the last of duplicate keys win, which the callers do not copy.
func (s *compactReader) once(seen *uint8, bit uint8) bool {
	if *seen&bit != 0 {
		return false
	}
	*seen |= bit
	return true
}

// object reads an object, calling member with each key, after its colon,
// to read the value.
func (s *compactReader) object(member func(key []byte) bool) bool {
	if !s.next('{') {
		return false
	}
	if s.next('}') {
		return true
	}
	for {
		key, ok := s.plainString()
		if !ok || !s.next(':') || !member(key) {
			return false
		}
		if s.next('}') {
			return true
		}
		if !s.next(',') {
			return false
		}
	}
}

func (s *compactReader) next(c byte) bool {
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

// plainString reads a string of printable ASCII without escapes, and
// returns its bytes.
func (s *compactReader) plainString() ([]byte, bool) {
	if !s.next('"') {
		return nil, false
	}
	start := s.i
	for ; s.i < len(s.b); s.i++ {
		switch c := s.b[s.i]; {
		case c == '"':
			s.i++
			return s.b[start : s.i-1], true
		case c < 0x20 || c >= 0x7f || c == '\\':
			return nil, false
		}
	}
	return nil, false
}

// integer reads a JSON integer (no fraction, no exponent) that fits an
// int64, as encoding/json reads it into one.
func (s *compactReader) integer() (int64, bool) {
	start := s.i
	s.next('-')
	digits := s.i
	for s.i < len(s.b) && s.b[s.i] >= '0' && s.b[s.i] <= '9' {
		s.i++
	}
	if s.i == digits || (s.b[digits] == '0' && s.i > digits+1) {
		return 0, false // no digits, or a leading zero
	}
	if s.i < len(s.b) && (s.b[s.i] == '.' || s.b[s.i] == 'e' || s.b[s.i] == 'E') {
		return 0, false
	}
	v, err := strconv.ParseInt(string(s.b[start:s.i]), 10, 64)
	return v, err == nil
}

// kvReplyType returns a lin-kv reply's type, without allocating for the
// types a node answers with.
func kvReplyType(b []byte) string {
	for _, t := range [...]string{"read_ok", "write_ok", "cas_ok", "error"} {
		if string(b) == t {
			return t
		}
	}
	return string(b)
}

// readLedgerRPCReply reads a ledger RPC reply as json.Unmarshal reads it
// into a ledgerRPCReply, in one pass, for the lines Maelstrom nodes write
// (see readKVReply): a body of type, text, msg_id, in_reply_to, code,
// results (plain strings) and accounts (objects of plain strings and
// unsigned integers). ok is false for any other line.
func readLedgerRPCReply(line []byte) (r ledgerRPCReply, ok bool) {
	s := compactReader{b: line}
	seen := &s.seen
	ok = s.reply(func(key []byte) bool {
		if handled, ok := s.replyMember(key, &r.Body.InReplyTo, &r.Body.Code); handled {
			return ok
		}
		switch string(key) {
		case "type":
			v, ok := s.plainString()
			r.Body.Type = string(v)
			return ok && s.once(seen, 2)
		case "results":
			r.Body.Results = []string{} // an empty array is an empty slice, as encoding/json has it
			return s.once(seen, 16) && s.array(func() bool {
				v, ok := s.plainString()
				r.Body.Results = append(r.Body.Results, resultName(v))
				return ok
			})
		case "accounts":
			r.Body.Accounts = []ledgerRPCAccount{}
			return s.once(seen, 32) && s.array(func() bool {
				var a ledgerRPCAccount
				var fields uint16
				ok := s.object(func(key []byte) bool { return s.accountMember(&a, &fields, key) })
				r.Body.Accounts = append(r.Body.Accounts, a)
				return ok
			})
		}
		return false
	})
	return r, ok
}

// accountMember reads the value of one member of an account.
func (s *compactReader) accountMember(a *ledgerRPCAccount, seen *uint16, key []byte) bool {
	field := func(bit uint16) bool {
		if *seen&bit != 0 {
			return false
		}
		*seen |= bit
		return true
	}
	str := func(out *string, bit uint16) bool {
		v, ok := s.plainString()
		*out = string(v)
		return ok && field(bit)
	}
	switch string(key) {
	case "id":
		return str(&a.ID, 1)
	case "debits_pending":
		return str(&a.DebitsPending, 2)
	case "debits_posted":
		return str(&a.DebitsPosted, 4)
	case "credits_pending":
		return str(&a.CreditsPending, 8)
	case "credits_posted":
		return str(&a.CreditsPosted, 16)
	case "ledger":
		v, ok := s.unsigned(32)
		a.Ledger = uint32(v)
		return ok && field(32)
	case "code":
		v, ok := s.unsigned(16)
		a.Code = uint16(v)
		return ok && field(64)
	case "flags":
		v, ok := s.unsigned(16)
		a.Flags = uint16(v)
		return ok && field(128)
	case "timestamp":
		_, ok := s.unsigned(64)
		return ok
	}
	return false
}

// array reads an array, calling element to read each element.
func (s *compactReader) array(element func() bool) bool {
	if !s.next('[') {
		return false
	}
	if s.next(']') {
		return true
	}
	for {
		if !element() {
			return false
		}
		if s.next(']') {
			return true
		}
		if !s.next(',') {
			return false
		}
	}
}

// unsigned reads a JSON integer that fits bits unsigned bits, as
// encoding/json reads it into an unsigned field of that size.
func (s *compactReader) unsigned(bits int) (uint64, bool) {
	start := s.i
	v, ok := s.integer()
	if !ok || v < 0 && bits < 64 {
		return 0, false
	}
	u, err := strconv.ParseUint(string(s.b[start:s.i]), 10, bits)
	return u, err == nil
}

// resultName returns a result's wire name, without allocating for the
// names the ledger's results have.
func resultName(b []byte) string {
	if r, ok := resultNamed[string(b)]; ok {
		return r.String()
	}
	return string(b)
}
