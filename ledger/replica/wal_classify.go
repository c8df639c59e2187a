package replica

import "fmt"

// classifyLog decides what the first damage in the log means. This is the
// safety-critical judgement of recovery, so the reasoning is spelled out.
//
// Two kinds of damage look alike on disk and must be told apart:
//
//   - a torn tail: writes that were never synced, cut by a crash. Nothing in
//     it was acknowledged (the replica acknowledges only after Sync), so
//     cutting it away is normal and loses nothing anyone relies on.
//   - corruption: synced data damaged at rest (a bit flip, a misdirected
//     write, a lost file). The replica may have acknowledged what it lost,
//     and must not vote until a leader has repaired it.
//
// When the ack mark is known, it decides exactly: every acknowledged entry
// is at or below it, so damage at or below it is corruption and damage
// above it is a torn tail, whatever its shape. A log that reads cleanly but
// ends below the mark has lost synced entries (a lost segment file, or a
// snapshot that fell back to an older one after compaction): corruption.
//
// When the mark is unknown (never written, or both copies damaged, which
// is itself reported) only the shape of the damage is left, see tornShape:
// torn if it runs to the end of the last segment with nothing valid after
// it; corruption otherwise, including a gap in the middle of the log and a
// valid record out of place (a misdirected write). The known blind spot of
// shape alone is a flip in the last synced record, which looks torn.
//
// Either way a gap at the start of the log (it does not begin right after
// the snapshot) is corruption: a crash never removes the start of the log,
// but a damaged newest snapshot can leave the older one facing a log
// already compacted past it.
func (w *WAL) classifyLog(scan *logScan, rec *Recovered) {
	cut := false
	if f := scan.fault; f != nil {
		torn := f.torn
		if w.mark.valid {
			torn = f.index > w.mark.index
		}
		if torn && !f.gap {
			rec.TornTail = true
		} else {
			rec.addCorruption(f.what, f.index)
			cut = true
		}
	}
	end := max(scan.last, rec.Snapshot.Index)
	if w.mark.valid && w.mark.index > end && !cut {
		rec.addCorruption(fmt.Sprintf("log ends at %d, below the ack mark %d", end, w.mark.index), end+1)
	}
}

// repairLog makes the scan's cuts durable: the damaged bytes at the end of
// the last good segment and every segment file not part of the log. The
// same cut serves a torn tail and corruption: in both cases nothing from
// the first damaged index on may ever be read again.
func (w *WAL) repairLog(scan *logScan) error {
	changed := false
	if scan.cutName != "" && w.disk.Size(scan.cutName) > scan.cutSize {
		if err := w.disk.Truncate(scan.cutName, scan.cutSize); err != nil {
			return storageErr("cut damage from", scan.cutName, err)
		}
		changed = true
	}
	for _, name := range scan.remove {
		w.disk.Remove(name)
		changed = true
	}
	if !changed {
		return nil
	}
	return syncDisk(w.disk, "log repair")
}
