package ledger

// Machine adapts a State to the replica's state machine interface: commands
// and results travel as canonical encoded bytes.
type Machine struct {
	State *State
}

// NewMachine returns an empty ledger as a replicated state machine. The
// config must be valid: every replica builds it from the same, checked,
// cluster configuration.
func NewMachine(cfg Config) *Machine {
	s, err := New(cfg)
	if err != nil {
		panicf("ledger machine config: %v", err)
	}
	return &Machine{State: s}
}

// Apply applies an encoded command at the cluster time timestamp and
// returns the encoded reply. A command that does not decode is not applied
// and gets an empty result, which clients read as "rejected".
func (m *Machine) Apply(command []byte, timestamp int64) []byte {
	out, err := m.State.ApplyEncoded(command, uint64(max(timestamp, 0)))
	if err != nil {
		return nil
	}
	return out
}

// Snapshot returns the state's canonical snapshot.
func (m *Machine) Snapshot() []byte { return m.State.Snapshot() }

// SnapshotSize returns the length of Snapshot's encoding.
func (m *Machine) SnapshotSize() int { return m.State.SnapshotSize() }

// AppendSnapshot appends Snapshot's encoding to b (see
// State.AppendSnapshot).
func (m *Machine) AppendSnapshot(b []byte) []byte { return m.State.AppendSnapshot(b) }

// ApplyAppend is Apply with the result appended to dst (see
// State.AppendApplyEncoded): a command that does not decode appends
// nothing.
func (m *Machine) ApplyAppend(dst, command []byte, timestamp int64) []byte {
	out, _ := m.State.AppendApplyEncoded(dst, command, uint64(max(timestamp, 0)))
	return out
}

// Restore replaces the state with a snapshot's.
func (m *Machine) Restore(b []byte) error {
	s, err := Restore(b)
	if err != nil {
		return err
	}
	m.State = s
	return nil
}

// StateDigest returns the digest of the whole ledger state, kept as
// commands apply (State.StateDigest): replicas compare it after every
// entry.
func (m *Machine) StateDigest() [32]byte { return m.State.StateDigest() }
