package maelstrom

import (
	"bytes"
	"encoding/json"
	"testing"
)

// BenchmarkWire compares the fast reader and writer with encoding/json on
// the line a node handles most: a peer's raft message carrying an Append
// (1 KiB of replica bytes, as base64), and a lin-kv command and result.
//
//	GOMAXPROCS=1 go test -run='^$' -bench=Wire -benchmem ./maelstrom/
func BenchmarkWire(b *testing.B) {
	data := bytes.Repeat([]byte{0x00, 0x7f, 0xff, 'r'}, 256)
	line := encodeRaftLine("n0", "n1", data)
	known := []string{"n0", "n1", "n2", "n3", "n4"}
	b.Run("read-raft/fast", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(line)))
		scratch := make([]byte, 0, 2048)
		for b.Loop() {
			in, _, _, _ := parseInbound(line, known)
			if _, ok := decodeRaftData(scratch[:0], in.data); !ok {
				b.Fatal("no data")
			}
		}
	})
	b.Run("read-raft/json", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(line)))
		for b.Loop() {
			in, _, _, _ := parseInboundJSON(line)
			if _, err := raftDataJSON(in.msg.Body); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("write-raft/fast", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			encodeRaftLine("n0", "n1", data)
		}
	})
	b.Run("write-raft/json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := encodeMessageJSON("n0", "n1", raftBody{Type: "raft", Data: data}); err != nil {
				b.Fatal(err)
			}
		}
	})
	// The lin-kv machine's codec work for one cas: read the command,
	// canonicalize its key, write a precondition-failed result.
	command := []byte(`{"op":"cas","key":"3","from":4,"to":5}`)
	result := KVResult{Code: CodePreconditionFailed, Text: "expected 4, found 5"}
	b.Run("kv-codec/fast", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			c, err := decodeKVCommand(command)
			if err != nil {
				b.Fatal(err)
			}
			_, _ = canonical(c.Key)
			encodeKVResult(result)
		}
	})
	b.Run("kv-codec/json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var c KVCommand
			if err := json.Unmarshal(command, &c); err != nil {
				b.Fatal(err)
			}
			var buf bytes.Buffer
			_ = json.Compact(&buf, c.Key)
			_ = buf.String()
			_, _ = json.Marshal(result)
		}
	})
}
