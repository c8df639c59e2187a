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

// touch saves an account before a change, when a chain is recording.
func (s *State) touch(a *account) {
	if s.recording {
		s.undo = append(s.undo, undoStep{kind: undoAccountChanged, account: a, saved: *a})
	}
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
			delete(s.byID, s.transfers.at(u.transfer).req.id)
			s.transfers.pop()
		case undoTransferStatus:
			s.transfers.at(u.transfer).status = u.status
		}
	}
	s.undo = s.undo[:0]
}
