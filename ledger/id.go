package ledger

import "fmt"

// ID is a 128-bit identifier of an account or a transfer, as TigerBeetle
// uses: wide enough for UUIDs and time-ordered IDs. The zero ID is invalid.
type ID struct{ Hi, Lo uint64 }

// IDFromUint64 returns the ID whose low 64 bits are v.
func IDFromUint64(v uint64) ID { return ID{Lo: v} }

// IsZero reports whether id is the zero ID.
func (id ID) IsZero() bool { return id.Hi == 0 && id.Lo == 0 }

// Less orders IDs, for canonical sorted output.
func (id ID) Less(o ID) bool { return id.Hi < o.Hi || (id.Hi == o.Hi && id.Lo < o.Lo) }

// String formats the ID as a decimal number when it fits 64 bits, else as
// 32 hex digits.
func (id ID) String() string {
	if id.Hi == 0 {
		return fmt.Sprint(id.Lo)
	}
	return fmt.Sprintf("%016x%016x", id.Hi, id.Lo)
}

// Compare returns -1, 0 or 1 as id sorts before, with or after o, for
// slices.SortFunc.
func (id ID) Compare(o ID) int {
	switch {
	case id.Less(o):
		return -1
	case o.Less(id):
		return 1
	}
	return 0
}

func compareIDs(a, b ID) int { return a.Compare(b) }
