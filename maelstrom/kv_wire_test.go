package maelstrom

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/big"
	"strings"
	"testing"

	"pgregory.net/rapid"

	"github.com/faultline/faultline/ledger"
)

// The lin-kv machine's fast reader and writer (kv_wire.go) agree with
// encoding/json on every input: commands as propose writes them and
// anything else a log could hold, results of every kind.

// genKVCommand draws a command: usually the shape propose writes (any
// JSON values, in any order), sometimes with a case variant or a repeat
// of a field, sometimes damaged.
func genKVCommand(t *rapid.T) []byte {
	fields := []string{`"op":` + rapid.SampledFrom([]string{`"read"`, `"write"`, `"cas"`, `"nope"`, `""`, "null", "3", `"c\u0061s"`}).Draw(t, "op")}
	for _, name := range []string{"key", "value", "from", "to"} {
		if rapid.Bool().Draw(t, "has."+name) {
			fields = append(fields, fmt.Sprintf("%q:%s", name, genValue(t, 2, name)))
		}
	}
	if rapid.IntRange(0, 4).Draw(t, "hasVariant") == 0 {
		fields = append(fields, rapid.SampledFrom([]string{`"Key":1`, `"OP":"read"`, `"key":2`, `"op":"write"`, `"x":{}`}).Draw(t, "variant"))
	}
	line := "{" + strings.Join(rapid.Permutation(fields).Draw(t, "order"), genSpace(t, "comma")+",") + "}" + genSpace(t, "trail")
	if rapid.IntRange(0, 9).Draw(t, "damage") == 0 {
		line = line[:rapid.IntRange(0, len(line)).Draw(t, "cut")]
	}
	return []byte(line)
}

func sameCommand(a, b KVCommand) bool {
	return a.Op == b.Op && sameBytes(a.Key, b.Key) && sameBytes(a.Value, b.Value) && sameBytes(a.From, b.From) && sameBytes(a.To, b.To)
}

func sameError(a, b error) bool {
	return (a == nil) == (b == nil) && (a == nil || a.Error() == b.Error())
}

// Over random commands, the machine reads what encoding/json reads (or
// the same error), and keys and values compact to what json.Compact makes.
func TestKVCommandReaderAgreesWithEncodingJSON(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		b := genKVCommand(t)
		got, gotErr := decodeKVCommand(b)
		var want KVCommand
		wantErr := json.Unmarshal(b, &want)
		if !sameCommand(got, want) || !sameError(gotErr, wantErr) {
			t.Fatalf("%q: fast %+v %v, json %+v %v", b, got, gotErr, want, wantErr)
		}
		for _, v := range []json.RawMessage{got.Key, got.Value, got.From, got.To} {
			var buf bytes.Buffer
			wantErr := json.Compact(&buf, v)
			if got, err := canonical(v); got != buf.String() || !sameError(err, wantErr) {
				t.Fatalf("canonical(%q) = %q %v, json.Compact %q %v", v, got, err, buf.String(), wantErr)
			}
		}
	})
}

// Over random results, the machine writes what json.Marshal writes, and
// replyBody reads back what json.Unmarshal reads.
func TestKVResultWriterAndReaderAgreeWithEncodingJSON(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		r := KVResult{
			Value: json.RawMessage(rapid.SampledFrom([]string{"", "1", "-7", "1e999", "123456789012345678901234567890", "true", "null",
				`"<a&b>"`, `{"k":[1,2]}`, `"\u2028"`, `"é"`}).Draw(t, "value")),
			Code: rapid.SampledFrom([]int{0, 0, CodeKeyDoesNotExist, CodePreconditionFailed, 12, -1}).Draw(t, "code"),
			Text: genName(t, "text"),
		}
		want, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		got := encodeKVResult(r)
		if !bytes.Equal(got, want) {
			t.Fatalf("fast %s\njson %s", got, want)
		}
		line := got
		if rapid.IntRange(0, 3).Draw(t, "odd") == 0 {
			line = []byte(rapid.SampledFrom([]string{`{"code":1.0}`, `{"code":99999999999999999999}`, `{"Code":1}`, `{"text":null}`,
				`{"text":"a\nb"}`, `{"code":5,"code":6}`, `{"value":1,"value":2}`, `[]`, `{`, `{"code":"5"}`, `{"text":"\u00e9"}`}).Draw(t, "oddLine"))
		}
		gotR, gotErr := decodeKVResult(line)
		var wantR KVResult
		wantErr := json.Unmarshal(line, &wantR)
		if !sameBytes(gotR.Value, wantR.Value) || gotR.Code != wantR.Code || gotR.Text != wantR.Text || !sameError(gotErr, wantErr) {
			t.Fatalf("%s: fast %+v %v, json %+v %v", line, gotR, gotErr, wantR, wantErr)
		}
	})
}

// IDs below 2^64 take strconv rather than big.Int: both ways read and
// write every ID alike, at the edges of the short path too.
func TestIDsReadAndWrittenAsBigIntDoes(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		id := ledger.ID{Lo: rapid.Uint64().Draw(t, "lo")}
		if rapid.Bool().Draw(t, "wide") {
			id.Hi = rapid.Uint64().Draw(t, "hi")
		}
		v := new(big.Int).Lsh(new(big.Int).SetUint64(id.Hi), 64)
		v.Or(v, new(big.Int).SetUint64(id.Lo))
		if got := formatID(id); got != v.String() {
			t.Fatalf("formatID(%+v) = %s, want %s", id, got, v)
		}
		text := rapid.SampledFrom([]string{v.String(), "0" + v.String(), "9999999999999999999", "18446744073709551615",
			"18446744073709551616", "0000000000000000000001", "340282366920938463463374607431768211455",
			"340282366920938463463374607431768211456"}).Draw(t, "text")
		got, err := parseID(text)
		want, ok := new(big.Int).SetString(text, 10)
		if !ok || want.Cmp(maxID) > 0 || len(text) > 39 {
			if err == nil {
				t.Fatalf("parseID(%s) = %+v, want an error", text, got)
			}
			return
		}
		lo := new(big.Int).And(want, new(big.Int).SetUint64(^uint64(0))).Uint64()
		if hi := new(big.Int).Rsh(want, 64).Uint64(); err != nil || got != (ledger.ID{Hi: hi, Lo: lo}) {
			t.Fatalf("parseID(%s) = %+v %v, want {%d %d}", text, got, err, hi, lo)
		}
	})
}
