package maelstrom

import (
	"encoding/json"
	"fmt"

	"github.com/faultline/faultline/ledger"
)

// LedgerConfig is the ledger a Maelstrom node serves: USD (scale 2) and
// EUR (scale 2) as ledgers 1 and 2.
var LedgerConfig = ledger.Config{Ledgers: []ledger.LedgerSpec{{ID: 1, Scale: 2, Name: "USD"}, {ID: 2, Scale: 2, Name: "EUR"}}}

// Machine is the replicated state of a Maelstrom node: the lin-kv store and
// the ledger side by side. A command's first byte says which it is for.
type Machine struct {
	kv     *KV
	ledger *ledger.Machine
}

// Command prefixes.
const (
	forKV     = 'K'
	forLedger = 'L'
)

// NewMachine returns an empty store and ledger.
func NewMachine() *Machine { return &Machine{kv: NewKV(), ledger: ledger.NewMachine(LedgerConfig)} }

// Apply runs one command.
func (m *Machine) Apply(command []byte, timestamp int64) []byte {
	if len(command) == 0 {
		return nil
	}
	switch command[0] {
	case forKV:
		return m.kv.Apply(command[1:], timestamp)
	case forLedger:
		return m.ledger.Apply(command[1:], timestamp)
	}
	return nil
}

// Ledger returns the node's ledger, for a harness's checkers to read
// (conservation, durability); nothing may change it but Apply and Restore.
func (m *Machine) Ledger() *ledger.Machine { return m.ledger }

// StateDigest is the digest of the ledger's whole state (every account and
// transfer; the lin-kv store is not in it), which replicas that applied
// the same index must agree on.
func (m *Machine) StateDigest() [32]byte { return m.ledger.StateDigest() }

type machineSnapshot struct {
	KV     json.RawMessage `json:"kv"`
	Ledger []byte          `json:"ledger"`
}

// Snapshot serializes both.
func (m *Machine) Snapshot() []byte {
	out, _ := json.Marshal(machineSnapshot{KV: m.kv.Snapshot(), Ledger: m.ledger.Snapshot()}) // plain data
	return out
}

// Restore replaces both.
func (m *Machine) Restore(b []byte) error {
	var s machineSnapshot
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("node snapshot: %w", err)
	}
	kv, l := NewKV(), ledger.NewMachine(LedgerConfig)
	if err := kv.Restore(s.KV); err != nil {
		return err
	}
	if err := l.Restore(s.Ledger); err != nil {
		return err
	}
	m.kv, m.ledger = kv, l
	return nil
}
