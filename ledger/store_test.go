package ledger

import (
	"encoding/binary"
	"errors"
	"hash/crc32"
	"strings"
	"testing"

	"pgregory.net/rapid"
)

// TestTransferKeepsItsRequest checks the compact form of a transfer's
// request: a request that is its resolution with any of the fields a post
// or void may leave empty emptied is kept and rebuilt exactly, and a
// request that differs from its resolution in any other way (a field set
// to another value, not emptied) is refused.
func TestTransferKeepsItsRequest(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		id := func(label string) ID { return IDFromUint64(rapid.Uint64Range(1, 1<<40).Draw(t, label)) }
		res := transferFields{id: id("id"), debit: id("debit"), credit: id("credit"), pendingID: id("pending"),
			amount: u128{hi: rapid.Uint64Range(0, 3).Draw(t, "hi"), lo: rapid.Uint64Range(1, 1<<50).Draw(t, "lo")},
			ledger: rapid.Uint32Range(1, 9).Draw(t, "ledger"), code: rapid.Uint16Range(1, 9).Draw(t, "code"),
			flags: TransferFlags(rapid.Uint16().Draw(t, "flags")), timeout: rapid.Uint64Range(0, 9).Draw(t, "timeout")}
		req := res
		mask := emptyFields(rapid.Uint8Range(0, 31).Draw(t, "empty"))
		if mask&emptyDebit != 0 {
			req.debit = ID{}
		}
		if mask&emptyCredit != 0 {
			req.credit = ID{}
		}
		if mask&emptyAmount != 0 {
			req.amount = u128{}
		}
		if mask&emptyLedger != 0 {
			req.ledger = 0
		}
		if mask&emptyCode != 0 {
			req.code = 0
		}
		empty, ok := emptyFieldsOf(&req, &res)
		if !ok || empty != mask {
			t.Fatalf("request %+v of %+v: empty %05b, ok %t; want %05b", req, res, empty, ok, mask)
		}
		if got := (&transfer{res: res, empty: empty}).request(); got != req {
			t.Fatalf("request rebuilt as %+v, want %+v", got, req)
		}
		other := req
		switch rapid.IntRange(0, 8).Draw(t, "differs") {
		case 0:
			other.id.Lo++
		case 1:
			other.debit = IDFromUint64(1<<41 + 1)
		case 2:
			other.credit = IDFromUint64(1<<41 + 2)
		case 3:
			other.pendingID.Lo++
		case 4:
			other.amount.hi += 4
		case 5:
			other.ledger = 10
		case 6:
			other.code = 10
		case 7:
			other.flags ^= 1
		default:
			other.timeout++
		}
		if _, ok := emptyFieldsOf(&other, &res); ok {
			t.Fatalf("request %+v accepted as a compact form of %+v", other, res)
		}
	})
}

// TestRestoreRefusesARequestThatIsNotItsResolution checks that a snapshot
// whose transfer record holds a request the compact form cannot keep (a
// code other than the resolution's, not left empty) is refused as corrupt,
// checksum notwithstanding, rather than panicking in insertTransfer.
func TestRestoreRefusesARequestThatIsNotItsResolution(t *testing.T) {
	snap := fixture(t).Snapshot()
	// The last transfer's record ends just before the checksum: its request
	// and then its resolution, each with its code after four IDs, the
	// amount and the ledger. The request's code becomes another non-zero
	// one than the resolution's.
	record := snap[len(snap)-4-snapTransferSize:]
	codeAt := 4*16 + 16 + 4
	resolved := binary.LittleEndian.Uint16(record[snapFieldsSize+codeAt:])
	binary.LittleEndian.PutUint16(record[codeAt:], resolved+7)
	binary.LittleEndian.PutUint32(snap[len(snap)-4:], crc32.Checksum(snap[:len(snap)-4], castagnoli))
	if _, err := Restore(snap); !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "not its resolution") {
		t.Fatalf("a snapshot whose request differs from its resolution restored with %v", err)
	}
}
