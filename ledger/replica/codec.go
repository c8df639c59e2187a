package replica

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"slices"
)

// ErrBadMessage is wrapped by every decoding error: garbage on the wire is
// rejected, never trusted and never a panic.
var ErrBadMessage = errors.New("replica: bad message")

// Wire-format bounds. A decoder checks every count against them before it
// allocates, so a corrupted length cannot exhaust memory.
const (
	// wireVersion 2: snapshots travel in chunks (MsgSnapshot's fields
	// changed, MsgSnapshotResp added).
	wireVersion      = 2
	EntriesPerMsgMax = 4096    // entries in one Append
	EntryDataMax     = 4 << 20 // bytes of one entry's data or one command
	SnapshotDataMax  = 1 << 30 // bytes of one snapshot
	// AppendBytesLimit bounds the encoded entries of one Append before its
	// last (see entryWireSize); Config.AppendBytesMax may not exceed it.
	// With the last entry, an Append is at most about 20 MiB.
	AppendBytesLimit = 16 << 20
	// SnapshotChunkLimit bounds one snapshot chunk's bytes;
	// Config.SnapshotChunkBytesMax may not exceed it.
	SnapshotChunkLimit = 4 << 20
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// EncodeMessage returns m in the wire format: a version byte, the kind, the
// kind's fields, and a CRC-32C of all of it.
func EncodeMessage(m *Message) []byte {
	return AppendMessage(make([]byte, 0, encodedSizeMax(m)), m)
}

// AppendMessage appends m in the wire format to dst and returns the
// extended buffer, so that a sender can encode many messages into one
// reused buffer.
func AppendMessage(dst []byte, m *Message) []byte {
	start := len(dst)
	e := encoder{buf: slices.Grow(dst, encodedSizeMax(m))}
	e.u8(wireVersion)
	e.u8(uint8(m.Kind))
	e.u64(m.Term)
	switch m.Kind {
	case MsgPreVote, MsgVote:
		e.u64(m.LastIndex)
		e.u64(m.LastTerm)
		e.bool(m.Transfer)
	case MsgPreVoteResp, MsgVoteResp:
		e.bool(m.Granted)
	case MsgAppend:
		e.u64(m.PrevIndex)
		e.u64(m.PrevTerm)
		e.u64(m.Commit)
		e.u64(m.LastIndex)
		e.u32(uint32(len(m.Entries)))
		for i := range m.Entries {
			e.entry(&m.Entries[i])
		}
	case MsgAppendResp:
		e.bool(m.Success)
		e.u64(m.PrevIndex)
		e.u64(m.Match)
		e.u64(m.RejectHint)
		e.u64(m.LastIndex)
		e.bool(m.Recovering)
	case MsgSnapshot:
		e.u64(m.Snapshot.Index)
		e.u64(m.Snapshot.Term)
		e.u64(uint64(m.Snapshot.Timestamp))
		e.u64(m.SnapshotSize)
		e.u32(m.SnapshotChecksum)
		e.u64(m.Offset)
		e.bytes(m.SnapshotData)
	case MsgSnapshotResp:
		e.u64(m.Snapshot.Index)
		e.u64(m.Offset)
		e.bool(m.Success)
	case MsgTimeoutNow:
	case MsgClientRequest:
		e.u64(m.Request.ClientID)
		e.u64(m.Request.Seq)
		e.bytes(m.Request.Command)
	case MsgClientReply:
		e.u64(m.Reply.ClientID)
		e.u64(m.Reply.Seq)
		e.u8(uint8(m.Reply.Status))
		e.u32(uint32(m.Reply.Leader))
		e.u64(m.Reply.Index)
		e.bytes(m.Reply.Result)
	}
	e.u32(crc32.Checksum(e.buf[start:], castagnoli))
	return e.buf
}

// encodedSizeMax bounds the bytes of m's encoding: its variable parts and
// 64 for the rest (the largest fixed part, a snapshot chunk's, is 62), with
// 40 for each entry's header where 29 are used.
func encodedSizeMax(m *Message) int { return 64 + messageDataSize(m) }

func messageDataSize(m *Message) int {
	n := len(m.SnapshotData) + len(m.Request.Command) + len(m.Reply.Result)
	for i := range m.Entries {
		n += 40 + len(m.Entries[i].Data)
	}
	return n
}

// MessageHeader returns a message's kind and term from its first bytes,
// without decoding or checking the rest, for harnesses that watch every
// message a replica sends; ok is false if b is too short or of another
// wire version.
func MessageHeader(b []byte) (kind MessageKind, term uint64, ok bool) {
	if len(b) < 10 || b[0] != wireVersion {
		return 0, 0, false
	}
	return MessageKind(b[1]), binary.LittleEndian.Uint64(b[2:10]), true
}

// DecodeMessage parses the wire format. The returned message's byte slices
// are copies, so b may be reused.
func DecodeMessage(b []byte) (Message, error) {
	var m Message
	if err := decodeMessage(b, &m, nil, false); err != nil {
		return Message{}, err
	}
	return m, nil
}

// DecodeMessageAliasing parses the wire format into m, overwriting all of
// it, as DecodeMessage does, except that m's byte slices are sub-slices of
// b (capacity-capped): they are valid only while b is, and a caller that
// keeps one must copy it. The client library decodes replies so, and copies
// only the result it hands on.
func DecodeMessageAliasing(b []byte, m *Message) error {
	*m = Message{}
	return decodeMessage(b, m, nil, true)
}

// decodeMessage parses the wire format into m. With alias, m's byte slices
// (entry data, commands, results, snapshot chunks) are sub-slices of b,
// capacity-capped so that no append can reach a neighbour: the replica's
// receive path decodes that way and copies only what it keeps (see
// Replica.Receive), because the environment may reuse b as soon as
// Receive returns. m.Entries is built in scratch's array when it is large
// enough, so a receiver that keeps scratch between messages decodes
// Appends without allocating.
func decodeMessage(b []byte, m *Message, scratch []Entry, alias bool) error {
	if len(b) < 6 {
		return fmt.Errorf("%w: %d bytes is too short", ErrBadMessage, len(b))
	}
	body, sum := b[:len(b)-4], binary.LittleEndian.Uint32(b[len(b)-4:])
	if crc32.Checksum(body, castagnoli) != sum {
		return fmt.Errorf("%w: checksum mismatch", ErrBadMessage)
	}
	d := decoder{buf: body, alias: alias}
	if v := d.u8(); v != wireVersion {
		return fmt.Errorf("%w: version %d, want %d", ErrBadMessage, v, wireVersion)
	}
	m.Kind = MessageKind(d.u8())
	m.Term = d.u64()
	if err := decodeFields(&d, m, scratch); err != nil {
		return err
	}
	if d.err != nil {
		return d.err
	}
	if len(d.buf) != 0 {
		return fmt.Errorf("%w: %d trailing bytes", ErrBadMessage, len(d.buf))
	}
	return nil
}

func decodeFields(d *decoder, m *Message, scratch []Entry) error {
	switch m.Kind {
	case MsgPreVote, MsgVote:
		m.LastIndex, m.LastTerm, m.Transfer = d.u64(), d.u64(), d.bool()
	case MsgPreVoteResp, MsgVoteResp:
		m.Granted = d.bool()
	case MsgAppend:
		m.PrevIndex, m.PrevTerm, m.Commit, m.LastIndex = d.u64(), d.u64(), d.u64(), d.u64()
		n := d.u32()
		if n > EntriesPerMsgMax {
			return fmt.Errorf("%w: %d entries, more than %d", ErrBadMessage, n, EntriesPerMsgMax)
		}
		switch {
		case n > 0 && int(n) <= cap(scratch):
			m.Entries = scratch[:0]
		case n > 0:
			m.Entries = make([]Entry, 0, min(int(n), len(d.buf)/entryHeaderSize))
		}
		total := 0
		for range n {
			if total > AppendBytesLimit {
				return fmt.Errorf("%w: entries of %d bytes before the last, more than %d", ErrBadMessage, total, AppendBytesLimit)
			}
			m.Entries = append(m.Entries, d.entry())
			if d.err != nil {
				return d.err
			}
			total += entryWireSize(&m.Entries[len(m.Entries)-1])
		}
	case MsgAppendResp:
		m.Success, m.PrevIndex, m.Match, m.RejectHint, m.LastIndex = d.bool(), d.u64(), d.u64(), d.u64(), d.u64()
		m.Recovering = d.bool()
	case MsgSnapshot:
		m.Snapshot = SnapshotMeta{Index: d.u64(), Term: d.u64(), Timestamp: int64(d.u64())}
		m.SnapshotSize, m.SnapshotChecksum, m.Offset = d.u64(), d.u32(), d.u64()
		m.SnapshotData = d.bytes(SnapshotChunkLimit)
		if d.err == nil {
			return checkChunk(m)
		}
	case MsgSnapshotResp:
		m.Snapshot.Index, m.Offset, m.Success = d.u64(), d.u64(), d.bool()
	case MsgTimeoutNow:
	case MsgClientRequest:
		m.Request = Request{ClientID: d.u64(), Seq: d.u64(), Command: d.bytes(EntryDataMax)}
	case MsgClientReply:
		m.Reply = Reply{ClientID: d.u64(), Seq: d.u64(), Status: ReplyStatus(d.u8()),
			Leader: NodeID(int32(d.u32())), Index: d.u64(), Result: d.bytes(EntryDataMax)}
		if m.Reply.Status == 0 || int(m.Reply.Status) >= len(replyStatusNames) {
			return fmt.Errorf("%w: unknown reply status %d", ErrBadMessage, m.Reply.Status)
		}
	default:
		return fmt.Errorf("%w: unknown kind %d", ErrBadMessage, m.Kind)
	}
	return nil
}

// checkChunk refuses a snapshot chunk that cannot be part of a snapshot:
// an empty one, one past the snapshot's end, or a snapshot no replica
// could hold (a snapshot holds at least its version byte).
func checkChunk(m *Message) error {
	switch size, n := m.SnapshotSize, uint64(len(m.SnapshotData)); {
	case size == 0 || size > SnapshotDataMax:
		return fmt.Errorf("%w: snapshot of %d bytes, want 1 to %d", ErrBadMessage, size, SnapshotDataMax)
	case n == 0:
		return fmt.Errorf("%w: empty snapshot chunk", ErrBadMessage)
	case m.Offset > size || n > size-m.Offset:
		return fmt.Errorf("%w: snapshot chunk of %d bytes at %d past the end %d", ErrBadMessage, n, m.Offset, size)
	}
	return nil
}

// entryHeaderSize is an encoded entry without its data.
const entryHeaderSize = 8 + 8 + 1 + 8 + 4

// entryWireSize is the bytes e takes in an Append: what AppendBytesMax
// counts.
func entryWireSize(e *Entry) int { return entryHeaderSize + len(e.Data) }

// appendPrefixBytes is the bytes of an Append's entries before its last:
// what the leader's byte bound guarantees (see limitAppendBytes).
func appendPrefixBytes(es []Entry) int {
	n := 0
	for i := 0; i+1 < len(es); i++ {
		n += entryWireSize(&es[i])
	}
	return n
}

type encoder struct{ buf []byte }

func (e *encoder) u8(v uint8)   { e.buf = append(e.buf, v) }
func (e *encoder) u32(v uint32) { e.buf = binary.LittleEndian.AppendUint32(e.buf, v) }
func (e *encoder) u64(v uint64) { e.buf = binary.LittleEndian.AppendUint64(e.buf, v) }
func (e *encoder) bool(v bool) {
	if v {
		e.u8(1)
	} else {
		e.u8(0)
	}
}
func (e *encoder) bytes(b []byte) {
	e.u32(uint32(len(b)))
	e.buf = append(e.buf, b...)
}
func (e *encoder) entry(en *Entry) {
	e.u64(en.Term)
	e.u64(en.Index)
	e.u8(uint8(en.Kind))
	e.u64(uint64(en.Timestamp))
	e.bytes(en.Data)
}

// decoder reads fields until the first error, after which every read
// returns zero; callers check err once at the end. Byte fields are copies
// unless alias is set (see decodeMessage).
type decoder struct {
	buf   []byte
	err   error
	alias bool
}

func (d *decoder) take(n int) []byte {
	if d.err != nil {
		return nil
	}
	if len(d.buf) < n {
		d.err = fmt.Errorf("%w: truncated", ErrBadMessage)
		return nil
	}
	out := d.buf[:n]
	d.buf = d.buf[n:]
	return out
}

func (d *decoder) u8() uint8 {
	if b := d.take(1); b != nil {
		return b[0]
	}
	return 0
}

func (d *decoder) u32() uint32 {
	if b := d.take(4); b != nil {
		return binary.LittleEndian.Uint32(b)
	}
	return 0
}

func (d *decoder) u64() uint64 {
	if b := d.take(8); b != nil {
		return binary.LittleEndian.Uint64(b)
	}
	return 0
}

func (d *decoder) bool() bool {
	switch v := d.u8(); v {
	case 0:
		return false
	case 1:
		return true
	default:
		if d.err == nil {
			d.err = fmt.Errorf("%w: boolean byte %d", ErrBadMessage, v)
		}
		return false
	}
}

func (d *decoder) bytes(limit int) []byte {
	n := d.u32()
	if int64(n) > int64(limit) {
		if d.err == nil {
			d.err = fmt.Errorf("%w: %d bytes, more than %d", ErrBadMessage, n, limit)
		}
		return nil
	}
	b := d.take(int(n))
	if b == nil || n == 0 {
		return nil
	}
	if d.alias {
		return b[:n:n]
	}
	return append([]byte(nil), b...)
}

func (d *decoder) entry() Entry {
	en := Entry{Term: d.u64(), Index: d.u64(), Kind: EntryKind(d.u8()), Timestamp: int64(d.u64())}
	en.Data = d.bytes(EntryDataMax)
	if d.err == nil && en.Kind != EntryNoop && en.Kind != EntryCommand {
		d.err = fmt.Errorf("%w: unknown entry kind %d", ErrBadMessage, en.Kind)
	}
	return en
}
