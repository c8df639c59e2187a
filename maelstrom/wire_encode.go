package maelstrom

import (
	"encoding/base64"
	"encoding/json"
	"strconv"
	"unicode/utf8"
)

// The fast writer of outbound lines. The trace hash of a simulated run
// covers every byte a node sends, and Maelstrom's clients read the same
// lines, so these writers produce exactly what encoding/json produced
// for the same message (mnode.Message around the body, json.Marshal'd),
// byte for byte: the differential tests hold them to it. Bodies of any
// other shape go through encoding/json as before.

// encodeRaftLine renders a "raft" message from src to dest carrying data
// (a replica-protocol message), with one allocation of the exact size
// when the names need no escaping.
func encodeRaftLine(src, dest string, data []byte) []byte {
	const head, tail = `"body":{"type":"raft","data":`, `}}`
	size := len(`{"src":"",`) + len(src) + len(`"dest":"",`) + len(dest) + len(head) + len(tail) +
		base64.StdEncoding.EncodedLen(len(data)) + len(`""`)
	line := appendEnvelopeHead(make([]byte, 0, size), src, dest)
	line = append(line, head...)
	if data == nil {
		line = append(line, "null"...) // as encoding/json writes a nil []byte
	} else {
		line = append(line, '"')
		line = base64.StdEncoding.AppendEncode(line, data)
		line = append(line, '"')
	}
	return append(line, tail...)
}

// appendEnvelopeHead appends a message's opening up to its body: the
// fields of mnode.Message before it, each omitted when empty.
func appendEnvelopeHead(dst []byte, src, dest string) []byte {
	dst = append(dst, '{')
	if src != "" {
		dst = append(dst, `"src":`...)
		dst = appendJSONString(dst, src)
		dst = append(dst, ',')
	}
	if dest != "" {
		dst = append(dst, `"dest":`...)
		dst = appendJSONString(dst, dest)
		dst = append(dst, ',')
	}
	return dst
}

// mapBodyKeysMax bounds the keys of a body the fast writer takes; the
// node's replies have at most four (type, code, text, in_reply_to).
const mapBodyKeysMax = 8

// encodeMapLine renders a message whose body is a map, as replies are;
// ok is false for a body it does not know how to write (then
// encoding/json must).
func encodeMapLine(src, dest string, body map[string]any) (line []byte, ok bool) {
	line = appendEnvelopeHead(make([]byte, 0, 128), src, dest)
	line = append(line, `"body":`...)
	if line, ok = appendMapBody(line, body); !ok {
		return nil, false
	}
	return append(line, '}'), true
}

// appendMapBody appends body as encoding/json writes a map[string]any:
// keys in byte order, values of the kinds replies hold (strings, ints,
// lists of strings, and raw numbers and literals such as in_reply_to).
func appendMapBody(dst []byte, body map[string]any) ([]byte, bool) {
	if len(body) > mapBodyKeysMax {
		return dst, false
	}
	var keysBuf [mapBodyKeysMax]string
	keys := keysBuf[:0]
	for k := range body {
		keys = append(keys, k)
	}
	sortStrings(keys) // map order never reaches the output
	dst = append(dst, '{')
	for i, k := range keys {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendJSONString(dst, k)
		dst = append(dst, ':')
		var ok bool
		if dst, ok = appendValue(dst, body[k]); !ok {
			return dst, false
		}
	}
	return append(dst, '}'), true
}

// sortStrings sorts a handful of strings in place by bytes, as
// encoding/json orders a map's keys (an insertion sort: no allocation).
func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

// appendValue appends one body value; ok is false for a kind the fast
// writer leaves to encoding/json.
func appendValue(dst []byte, v any) ([]byte, bool) {
	switch v := v.(type) {
	case string:
		return appendJSONString(dst, v), true
	case int:
		return strconv.AppendInt(dst, int64(v), 10), true
	case []string:
		if v == nil {
			return append(dst, "null"...), true
		}
		dst = append(dst, '[')
		for i, s := range v {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendJSONString(dst, s)
		}
		return append(dst, ']'), true
	case json.RawMessage:
		if v == nil {
			return append(dst, "null"...), true // json.RawMessage's MarshalJSON
		}
		if !isBareScalar(v) {
			return dst, false // compacting and escaping arbitrary JSON is encoding/json's job
		}
		return append(dst, v...), true
	}
	return dst, false
}

// isBareScalar reports whether raw is one JSON number or literal with no
// whitespace around it: text that encoding/json's compaction and HTML
// escaping leave as it is.
func isBareScalar(raw []byte) bool {
	if len(raw) == 0 {
		return false
	}
	s := jsonScanner{b: raw}
	switch c := raw[0]; {
	case c == '-' || ('0' <= c && c <= '9'):
		return s.number() && s.i == len(raw)
	case c == 't' || c == 'f' || c == 'n':
		return s.value(0) && s.i == len(raw)
	}
	return false
}

// isBareString reports whether raw is one valid JSON string with no
// whitespace around it.
func isBareString(raw []byte) bool {
	s := jsonScanner{b: raw}
	return s.str() && s.i == len(raw)
}

// jsonHex is encoding/json's alphabet for \u escapes.
const jsonHex = "0123456789abcdef"

// appendJSONString appends s as encoding/json writes a string in
// json.Marshal: quoted, with \" \\ \b \f \n \r \t, other control bytes
// and < > & as \u00XX, U+2028 and U+2029 escaped, and each byte of
// invalid UTF-8 as \ufffd.
func appendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if plainByte[c] && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			dst = appendEscape(dst, c)
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		var escape string
		switch {
		case r == utf8.RuneError && size == 1:
			escape = `\ufffd`
		case r == '\u2028':
			escape = `\u2028`
		case r == '\u2029':
			escape = `\u2029`
		default:
			i += size
			continue
		}
		dst = append(dst, s[start:i]...)
		dst = append(dst, escape...)
		i += size
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// appendEscape appends the escape of one ASCII byte that may not stand
// for itself in a string.
func appendEscape(dst []byte, c byte) []byte {
	switch c {
	case '\\', '"':
		return append(dst, '\\', c)
	case '\b':
		return append(dst, '\\', 'b')
	case '\f':
		return append(dst, '\\', 'f')
	case '\n':
		return append(dst, '\\', 'n')
	case '\r':
		return append(dst, '\\', 'r')
	case '\t':
		return append(dst, '\\', 't')
	}
	return append(dst, '\\', 'u', '0', '0', jsonHex[c>>4], jsonHex[c&0xF])
}
