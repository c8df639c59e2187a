package ledger

// undoStep reverses one change made inside a linked chain.
type undoStep struct {
	kind     undoKind
	account  *account
	saved    account // the account before the change
	transfer uint32  // index into transfers
	status   transferStatus
}

type undoKind uint8

const (
	undoAccountCreated undoKind = iota + 1
	undoAccountChanged
	undoTransferCreated
	undoTransferStatus
)

// touch is called before every change to an existing account: it saves the
// account when a chain is recording, and takes it out of the state digest
// until the command ends. The undo copy is taken first, so that a rollback
// restores the account as clean as it was.
func (s *State) touch(a *account) {
	if s.recording {
		s.undo = append(s.undo, undoStep{kind: undoAccountChanged, account: a, saved: *a})
	}
	s.markAccount(a)
}

// rollback reverses the open chain's changes, newest first.
func (s *State) rollback() {
	for i := len(s.undo) - 1; i >= 0; i-- {
		u := &s.undo[i]
		switch u.kind {
		case undoAccountCreated:
			delete(s.accounts, u.account.id)
		case undoAccountChanged:
			*u.account = u.saved
		case undoTransferCreated:
			if int(u.transfer) != s.transfers.len()-1 {
				panicf("rolling back transfer %d out of order (%d transfers)", u.transfer, s.transfers.len())
			}
			delete(s.byID, s.transfers.at(u.transfer).res.id)
			s.transfers.pop()
		case undoTransferStatus:
			s.transfers.at(u.transfer).status = u.status
		}
	}
	s.undo = s.undo[:0]
}
