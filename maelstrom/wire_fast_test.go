package maelstrom

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"pgregory.net/rapid"
)

// The fast reader and writer (wire_decode.go, wire_encode.go) must agree
// with encoding/json on every input, byte for byte: the trace hash of a
// simulated run covers every byte a node sends, and what a node decides,
// and the error texts it answers, must not depend on which path read a
// line. These tests hold them to it over random messages: escapes,
// unicode, invalid UTF-8, huge numbers, case variants of field names,
// repeated keys, deep nesting and malformed input, which must fall back.

// jsonStringPieces are fragments of a JSON string literal's inside, some
// of them invalid (a control byte, a bad escape, invalid UTF-8).
var jsonStringPieces = []string{
	"a", "raft", "n1", "c7", " ", "<", ">", "&", "é", "😀", "\u2028", "\u2029", "\x7f",
	`\"`, `\\`, `\/`, `\b`, `\f`, `\n`, `\r`, `\t`, `\u00e9`, `\u0041`, `\ud83d\ude00`, `\ud800`, `\u2028`,
	"\xff", "\xc3", "\x01", `\x`, `\u12`, "\"",
}

// genJSONString draws a JSON string literal, usually valid.
func genJSONString(t *rapid.T, label string) string {
	pieces := rapid.SliceOfN(rapid.SampledFrom(jsonStringPieces), 0, 6).Draw(t, label)
	return `"` + strings.Join(pieces, "") + `"`
}

// genNumber draws a JSON number's text, sometimes huge, sometimes invalid.
func genNumber(t *rapid.T, label string) string {
	return rapid.OneOf(
		rapid.Map(rapid.Int64(), func(v int64) string { return fmt.Sprint(v) }),
		rapid.Map(rapid.Uint64(), func(v uint64) string { return fmt.Sprint(v) }),
		rapid.SampledFrom([]string{"0", "-0", "1", "7", "9223372036854775807", "9223372036854775808",
			"18446744073709551616", "123456789012345678901234567890", "1e999", "-1.5", "2.0", "1E+3", "1e-7",
			"01", "-", "1.", ".5", "1e", "+1", "0x10", "NaN"}),
	).Draw(t, label)
}

// genValue draws any JSON value (depth bounds the nesting), sometimes invalid.
func genValue(t *rapid.T, depth int, label string) string {
	kinds := []string{"string", "number", "literal"}
	if depth > 0 {
		kinds = append(kinds, "object", "array")
	}
	switch rapid.SampledFrom(kinds).Draw(t, label+".kind") {
	case "string":
		return genJSONString(t, label+".string")
	case "number":
		return genNumber(t, label+".number")
	case "literal":
		return rapid.SampledFrom([]string{"true", "false", "null", "nul", "True"}).Draw(t, label+".literal")
	case "array":
		n := rapid.IntRange(0, 3).Draw(t, label+".len")
		items := make([]string, n)
		for i := range items {
			items[i] = genValue(t, depth-1, fmt.Sprintf("%s[%d]", label, i))
		}
		return "[" + strings.Join(items, ",") + "]"
	}
	keys := []string{"a", "type", "msg_id", "data", "SRC", "body"}
	return genObject(t, depth-1, label, keys, func(string) string { return genValue(t, depth-1, label+".v") })
}

// genObject draws an object whose keys come from keys (or are random) and
// whose values come from value, with random whitespace between tokens.
func genObject(t *rapid.T, depth int, label string, keys []string, value func(key string) string) string {
	n := rapid.IntRange(0, 5).Draw(t, label+".members")
	var b strings.Builder
	b.WriteString("{")
	for i := range n {
		if i > 0 {
			b.WriteString(genSpace(t, label) + ",")
		}
		key := rapid.OneOf(rapid.SampledFrom(keys), rapid.Just("")).Draw(t, label+".key")
		keyText := `"` + key + `"`
		if key == "" {
			keyText = genJSONString(t, label+".randomKey")
		}
		b.WriteString(genSpace(t, label) + keyText + genSpace(t, label) + ":" + genSpace(t, label) + value(key))
	}
	b.WriteString(genSpace(t, label) + "}")
	return b.String()
}

func genSpace(t *rapid.T, label string) string {
	return rapid.SampledFrom([]string{"", "", "", " ", "\n", "\t ", "\r\n"}).Draw(t, label+".space")
}

// envelopeKeys and bodyKeys are the keys random messages use: the fields,
// their case and Unicode-folding variants, an escaped spelling, and keys
// the node ignores.
var (
	envelopeKeys = []string{"src", "dest", "body", "src", "dest", "body", "id", "SRC", "Dest", "BODY", "ſrc", `\u0073rc`, "bodyx"}
	bodyKeys     = []string{"type", "msg_id", "in_reply_to", "data", "type", "msg_id", "data", "node_id", "key", "value",
		"Type", "MSG_ID", "In_Reply_To", "DATA", "\u212aey", `ty\u0070e`}
)

// genBodyValue draws a value for a body key: usually of the field's kind.
func genBodyValue(t *rapid.T, key string) string {
	label := "body." + key
	if rapid.IntRange(0, 5).Draw(t, label+".odd") == 0 {
		return genValue(t, 2, label)
	}
	switch strings.ToLower(key) {
	case "type":
		return rapid.SampledFrom([]string{`"raft"`, `"raft"`, `"init"`, `"read"`, `"write"`, `"error"`, `""`,
			`"r\u0061ft"`, `"nonsense"`, "null", "5"}).Draw(t, label)
	case "msg_id", "in_reply_to":
		return genNumber(t, label)
	case "data":
		payload := rapid.SliceOfN(rapid.Byte(), 0, 40).Draw(t, label+".bytes")
		text := base64.StdEncoding.EncodeToString(payload)
		return rapid.SampledFrom([]string{`"` + text + `"`, `"` + text + `"`, `"` + strings.ReplaceAll(text, "/", `\/`) + `"`,
			`"` + text + `!"`, `"` + text + `="`, `""`, "null", "12", `"` + text + "\xff" + `"`}).Draw(t, label)
	}
	return genValue(t, 2, label)
}

// genLine draws a Maelstrom line: half the time one of the shapes nodes
// and clients write, the other half anything near them (something
// unusual in it); either sometimes cut short or corrupted.
func genLine(t *rapid.T) []byte {
	line := genOddLine(t)
	if rapid.Bool().Draw(t, "common") {
		line = genCommonLine(t)
	}
	switch rapid.IntRange(0, 9).Draw(t, "damage") {
	case 0:
		return []byte(line[:rapid.IntRange(0, len(line)).Draw(t, "cut")])
	case 1:
		at := rapid.IntRange(0, len(line)).Draw(t, "at")
		return []byte(line[:at] + rapid.SampledFrom([]string{"x", "}", "\"", ",", "\x00", "\\"}).Draw(t, "insert") + line[at:])
	case 2:
		return []byte(line + rapid.SampledFrom([]string{"x", "{}", " 1", "\x00"}).Draw(t, "trailing"))
	case 3:
		depth := rapid.IntRange(scanDepthMax-2, scanDepthMax+3).Draw(t, "depth")
		deep := strings.Repeat("[", depth) + strings.Repeat("]", depth)
		return []byte(`{"src":"c1","dest":"n1","x":` + deep + `,"body":{"type":"read","msg_id":1}}`)
	}
	return []byte(line)
}

// genCommonLine draws a message of a common shape: src, dest, body and
// perhaps Maelstrom's id, in any order; a body with a plain type, perhaps
// a msg_id or in_reply_to, raft data, and other fields of any value.
func genCommonLine(t *rapid.T) string {
	typ := rapid.SampledFrom([]string{"raft", "raft", "read", "write", "cas", "init", "create_transfers", "error", "odd",
		`r\u0061ft`, "ré", "\xff"}).Draw(t, "type")
	body := []string{`"type":"` + typ + `"`}
	if rapid.Bool().Draw(t, "hasMsgID") {
		body = append(body, `"msg_id":`+rapid.SampledFrom([]string{"1", "42", "9223372036854775807", "0"}).Draw(t, "msgID"))
	}
	if rapid.IntRange(0, 5).Draw(t, "isReply") == 0 {
		body = append(body, `"in_reply_to":`+genValue(t, 1, "inReplyTo"))
	}
	if typ == "raft" {
		payload := rapid.SliceOfN(rapid.Byte(), 0, 60).Draw(t, "payload")
		text := base64.StdEncoding.EncodeToString(payload)
		data := rapid.SampledFrom([]string{`"` + text + `"`, `"` + text + `"`, `"` + strings.ReplaceAll(text, "/", `\/`) + `"`,
			`"` + text + `\n"`, `""`, "null", `"AAA"`}).Draw(t, "data")
		body = append(body, `"data":`+data)
	}
	if rapid.IntRange(0, 3).Draw(t, "hasVariant") == 0 {
		// One field spelled as encoding/json also takes it, or twice.
		body = append(body, rapid.SampledFrom([]string{`"Type":"read"`, `"TYPE":"raft"`, `"MSG_ID":5`, `"Msg_Id":null`,
			`"DATA":"AAAA"`, `"Data":null`, `"In_Reply_To":1`, `"type":"cas"`, `"msg_id":6`, `"data":"AAAA"`,
			`"in_reply_to":2`, `"in_reply_to":null`}).Draw(t, "variant"))
	}
	for i := range rapid.IntRange(0, 2).Draw(t, "extras") {
		key := rapid.SampledFrom([]string{"key", "value", "from", "node_ids", "transfers", "x"}).Draw(t, fmt.Sprint("extra", i))
		body = append(body, fmt.Sprintf("%q:%s", key, genValue(t, 2, "extraValue")))
	}
	fields := []string{`"src":` + rapid.SampledFrom([]string{`"n0"`, `"c3"`, `"n9"`, `"n\u0030"`, `"\u00e9"`, `"é"`, `""`}).Draw(t, "src"),
		`"dest":` + rapid.SampledFrom([]string{`"n1"`, `"n0"`, `"c3"`, `"n\/1"`, "\"\xc3\""}).Draw(t, "dest"),
		`"body":{` + strings.Join(shuffled(t, body), ",") + `}`}
	if rapid.Bool().Draw(t, "hasID") {
		fields = append(fields, `"id":`+genNumber(t, "id"))
	}
	if rapid.IntRange(0, 5).Draw(t, "hasTopVariant") == 0 {
		fields = append(fields, rapid.SampledFrom([]string{`"SRC":"n2"`, `"Dest":"n2"`, `"Body":{"type":"read"}`,
			`"src":"n3"`, `"dest":"n3"`, `"body":{}`, `"src":null`, `"dest":null`}).Draw(t, "topVariant"))
	}
	return "{" + strings.Join(shuffled(t, fields), genSpace(t, "comma")+",") + "}"
}

// shuffled returns s in a random order.
func shuffled(t *rapid.T, s []string) []string {
	return rapid.Permutation(s).Draw(t, "order")
}

// genOddLine draws a message with random fields, any of them unusual.
func genOddLine(t *rapid.T) string {
	body := genObject(t, 3, "body", bodyKeys, func(key string) string { return genBodyValue(t, key) })
	return genSpace(t, "lead") + genObject(t, 3, "envelope", envelopeKeys, func(key string) string {
		switch key {
		case "src", "dest", "SRC", "Dest", "ſrc", `\u0073rc`:
			if rapid.IntRange(0, 4).Draw(t, "name.odd") == 0 {
				return genValue(t, 1, "name")
			}
			return rapid.SampledFrom([]string{`"n0"`, `"n1"`, `"c3"`, `""`, `"n\u0031"`, `"né"`}).Draw(t, "name")
		case "body", "BODY":
			if rapid.IntRange(0, 8).Draw(t, "body.odd") == 0 {
				return genValue(t, 2, "notABody")
			}
			return body
		}
		return genValue(t, 3, "other")
	}) + genSpace(t, "trail")
}

// inboundsEqual compares what the node acts on: the envelope, the type,
// the msg_id (nil or not) and the verdict.
func sameInbound(a, b inbound) bool {
	return a.msg.Src == b.msg.Src && a.msg.Dest == b.msg.Dest && bytes.Equal(a.msg.Body, b.msg.Body) &&
		(a.msg.Body == nil) == (b.msg.Body == nil) && a.typ == b.typ &&
		bytes.Equal(a.msgID, b.msgID) && (a.msgID == nil) == (b.msgID == nil)
}

// raftDataJSON is handleRaft's reading of a body by encoding/json alone.
func raftDataJSON(body []byte) ([]byte, error) {
	var b raftBody
	err := json.Unmarshal(body, &b)
	return b.Data, err
}

// msgIDJSON is MsgID by encoding/json alone.
func msgIDJSON(line []byte) (int64, bool) {
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

func sameBytes(a, b []byte) bool { return bytes.Equal(a, b) && (a == nil) == (b == nil) }

// Over random lines, the node reads every message as encoding/json does:
// the same envelope, type, msg_id, error code and text, and for a raft
// message the same data; MsgID and RaftPayload read what encoding/json
// reads. The fast reader takes most well-formed lines,
// and refuses every line encoding/json refuses.
func TestFastReaderAgreesWithEncodingJSON(t *testing.T) {
	var fast, total int
	rapid.Check(t, func(t *rapid.T) {
		line := genLine(t)
		known := []string{"n0", "n1"}
		got, gotCode, gotText, gotOK := parseInbound(line, known)
		want, wantCode, wantText, wantOK := parseInboundJSON(line)
		if !sameInbound(got, want) || gotCode != wantCode || gotText != wantText || gotOK != wantOK {
			t.Fatalf("line %q:\nfast %+v %d %q %v\njson %+v %d %q %v", line, got, gotCode, gotText, gotOK,
				want, wantCode, wantText, wantOK)
		}
		total++
		if _, ok := parseInboundFast(line, known); ok {
			fast++
			if !wantOK || wantCode != 0 {
				t.Fatalf("the fast reader took a line encoding/json refuses: %q", line)
			}
		}
		if got.typ == "raft" {
			checkRaftData(t, line, got)
		}
		gotID, gotOK := MsgID(line)
		wantID, wantOK := msgIDJSON(line)
		if gotID != wantID || gotOK != wantOK {
			t.Fatalf("MsgID(%q) = %d %v, encoding/json %d %v", line, gotID, gotOK, wantID, wantOK)
		}
		gotData, gotOK := RaftPayload(nil, line)
		wantData, wantOK := raftPayloadJSON(line)
		if !sameBytes(gotData, wantData) || gotOK != wantOK {
			t.Fatalf("RaftPayload(%q) = %x %v, encoding/json %x %v", line, gotData, gotOK, wantData, wantOK)
		}
	})
	t.Logf("the fast reader took %d of %d lines", fast, total)
	// About one line in five takes the fast reader; none at all in a
	// hundred (a chance below 1e-9) means the generator lost the shapes.
	if total >= 100 && fast == 0 {
		t.Errorf("the fast reader took none of %d lines: the generator no longer makes common shapes", total)
	}
}

// checkRaftData checks that handleRaft reads a raft message's data as
// encoding/json does: the same bytes, or a fall back that gets its error.
func checkRaftData(t *rapid.T, line []byte, in inbound) {
	want, wantErr := raftDataJSON(in.msg.Body)
	if !in.fast {
		return // handleRaft asks encoding/json itself
	}
	got, ok := decodeRaftData([]byte("scratch"[:0]), in.data)
	switch {
	case ok && wantErr != nil:
		t.Fatalf("line %q: the fast reader decoded data %x that encoding/json refuses: %v", line, got, wantErr)
	case ok && !sameBytes(got, want):
		t.Fatalf("line %q: data %x, encoding/json %x", line, got, want)
	}
}

// Over random raft messages, the fast writer writes what encoding/json
// writes, byte for byte: names with escapes, unicode and invalid UTF-8,
// data nil, empty or not; and the line reads back as the data.
func TestFastRaftWriterAgreesWithEncodingJSON(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		src, dest := genName(t, "src"), genName(t, "dest")
		data := rapid.OneOf(rapid.Just([]byte(nil)), rapid.SliceOfN(rapid.Byte(), 0, 300)).Draw(t, "data")
		want, err := encodeMessageJSON(src, dest, raftBody{Type: "raft", Data: data})
		if err != nil {
			t.Fatal(err)
		}
		got := encodeRaftLine(src, dest, data)
		if !bytes.Equal(got, want) {
			t.Fatalf("fast %s\njson %s", got, want)
		}
		// What a RaftHost is handed with the line is what the line carries.
		if back, ok := RaftPayload(nil, got); !ok || !sameBytes(back, data) {
			t.Fatalf("RaftPayload(%s) = %x %v, sent %x", got, back, ok, data)
		}
	})
}

// genName draws a node name: usually plain, sometimes anything at all
// (empty, HTML, control bytes, U+2028, invalid UTF-8).
func genName(t *rapid.T, label string) string {
	return rapid.OneOf(
		rapid.SampledFrom([]string{"n0", "n1", "c12", "maelstrom", "", "<n&1>", "n\"1", "n\\1", "\u2028", "\x00\x1f\x7f", "\xff\xfe", "é😀"}),
		rapid.String(),
		rapid.Map(rapid.SliceOfN(rapid.Byte(), 0, 8), func(b []byte) string { return string(b) }),
	).Draw(t, label)
}

// Over random reply bodies, the fast writer writes what encoding/json
// writes, and takes every body of the kinds the node's replies hold;
// others (an arbitrary raw value, a kind it does not know) fall back.
func TestFastReplyWriterAgreesWithEncodingJSON(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		body := map[string]any{}
		plain := true
		for i := range rapid.IntRange(0, mapBodyKeysMax+1).Draw(t, "keys") {
			key := rapid.OneOf(rapid.SampledFrom([]string{"type", "code", "text", "in_reply_to", "value", "results", "<&>"}),
				rapid.String()).Draw(t, fmt.Sprint("key", i))
			v, known := genReplyValue(t, fmt.Sprint("value", i))
			body[key] = v
			plain = plain && known
		}
		src, dest := genName(t, "src"), genName(t, "dest")
		want, err := encodeMessageJSON(src, dest, body)
		if err != nil {
			t.Fatal(err)
		}
		got, err := encodeMessage(src, dest, body)
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("fast %s %v\njson %s", got, err, want)
		}
		if _, ok := encodeMapLine(src, dest, body); plain && len(body) <= mapBodyKeysMax && !ok {
			t.Fatalf("the fast writer refused a reply of known kinds: %v", body)
		}
	})
}

// genReplyValue draws a reply body's value; known says it is of a kind
// the fast writer takes (raw JSON only when it is a bare number or literal).
func genReplyValue(t *rapid.T, label string) (v any, known bool) {
	switch rapid.IntRange(0, 6).Draw(t, label+".kind") {
	case 0:
		return genName(t, label), true
	case 1:
		return rapid.OneOf(rapid.Int(), rapid.SampledFrom([]int{0, -1, math.MaxInt, math.MinInt})).Draw(t, label), true
	case 2:
		return rapid.OneOf(rapid.Just([]string(nil)), rapid.SliceOfN(rapid.String(), 0, 3)).Draw(t, label), true
	case 3:
		raw := rapid.SampledFrom([]string{"1", "0", "-7", "123456789012345678901234567890", "1e999", "-1.5e-3", "true", "null"}).Draw(t, label)
		return json.RawMessage(raw), true
	case 4:
		return json.RawMessage(nil), true
	case 5:
		raw := rapid.SampledFrom([]string{`{"a":"<b>"}`, `[1, 2]`, `"x\u2028"`, ` 5`, `"é"`}).Draw(t, label)
		return json.RawMessage(raw), false
	}
	return rapid.SampledFrom([]any{3.5, int64(4), true, map[string]int{"b": 1, "a": 2}}).Draw(t, label), false
}

// A raft message on its way in costs the node no allocation of its own:
// its names are the cluster's strings, its data lands in the node's
// scratch buffer (the replica's decoding is the replica's business).
func TestReadingARaftLineAllocatesNothing(t *testing.T) {
	data := bytes.Repeat([]byte("replica message "), 64)
	line := encodeRaftLine("n0", "n1", data)
	known := []string{"n0", "n1", "n2"}
	scratch := make([]byte, 0, 2048)
	allocs := testing.AllocsPerRun(100, func() {
		in, _, _, ok := parseInbound(line, known)
		if !ok || in.typ != "raft" || in.msg.Src != "n0" {
			t.Fatalf("parseInbound(%q) = %+v", line, in)
		}
		got, ok := decodeRaftData(scratch[:0], in.data)
		if !ok || !bytes.Equal(got, data) {
			t.Fatalf("data %q", got)
		}
	})
	if allocs != 0 {
		t.Fatalf("reading a raft line made %v allocations, want 0", allocs)
	}
}

// The word-at-a-time test flags exactly the words that hold a byte that
// cannot stand for itself in a string: every byte value at every
// position, and random words against the byte-by-byte rule.
func TestStringSpecialWordTest(t *testing.T) {
	special := func(c byte) bool { return c < 0x20 || c == '"' || c == '\\' }
	for pos := range 8 {
		for c := range 256 {
			word := []byte("AAAAAAAA")
			word[pos] = byte(c)
			if got := hasStringSpecial(binary.LittleEndian.Uint64(word)); got != special(byte(c)) {
				t.Fatalf("byte %#x at %d: hasStringSpecial %v", c, pos, got)
			}
		}
	}
	rapid.Check(t, func(t *rapid.T) {
		word := rapid.SliceOfN(rapid.Byte(), 8, 8).Draw(t, "word")
		if got, want := hasStringSpecial(binary.LittleEndian.Uint64(word)), slices.ContainsFunc(word, special); got != want {
			t.Fatalf("%q: hasStringSpecial %v, want %v", word, got, want)
		}
	})
}
