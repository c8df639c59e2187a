package maelstrom

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
)

// FileDisk is a replica.Disk on real files in one directory: what a node
// started with --data-dir keeps its WAL and snapshots on. Sync is fsync:
// every file written since the last one is synced, then the directory
// itself when a file was created or removed there, so a kill -9 (or a
// power cut) after Sync returns loses none of it. Sync blocks until the
// writes are durable, so Barrier always reports them durable.
//
// After a failed fsync the kernel may have dropped the dirty pages, and a
// retry could report success over lost writes (the "fsyncgate" behaviour
// of Linux); the error therefore sticks and every later Sync fails, which
// stops the replica as the Disk contract asks.
type FileDisk struct {
	mu       sync.Mutex
	dir      string
	open     map[string]*os.File
	dirty    map[string]bool // written since the last Sync
	dirDirty bool            // a file was created or removed since the last Sync
	failed   error           // the first failed sync or remove, for good
}

// OpenFileDisk opens (creating it if missing, with its parents synced) the
// directory dir as a disk.
func OpenFileDisk(dir string) (*FileDisk, error) {
	if err := mkdirSynced(dir); err != nil {
		return nil, err
	}
	return &FileDisk{dir: dir, open: map[string]*os.File{}, dirty: map[string]bool{}}, nil
}

// mkdirSynced creates dir and any missing parents, syncing the directory
// that holds each new one so that the new name is durable too.
func mkdirSynced(dir string) error {
	dir = filepath.Clean(dir)
	if fi, err := os.Stat(dir); err == nil {
		if !fi.IsDir() {
			return fmt.Errorf("filedisk: %s is not a directory", dir)
		}
		return nil
	}
	if parent := filepath.Dir(dir); parent != dir {
		if err := mkdirSynced(parent); err != nil {
			return err
		}
	}
	if err := os.Mkdir(dir, 0o755); err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("filedisk: %w", err)
	}
	return syncDir(filepath.Dir(dir))
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("filedisk: open directory %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("filedisk: sync directory %s: %w", dir, err)
	}
	return nil
}

// checkName refuses names that would leave the directory: the replica's
// names are flat ("hardstate-a", "wal-000…").
func checkName(name string) error {
	if name == "" || name == "." || name == ".." || strings.ContainsAny(name, "/\\\x00") {
		return fmt.Errorf("filedisk: bad file name %q", name)
	}
	return nil
}

// file returns the open handle of name, opening it, and creating it when
// create is set. Callers hold mu.
func (d *FileDisk) file(name string, create bool) (*os.File, error) {
	if f := d.open[name]; f != nil {
		return f, nil
	}
	if err := checkName(name); err != nil {
		return nil, err
	}
	path := filepath.Join(d.dir, name)
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if errors.Is(err, fs.ErrNotExist) && create {
		f, err = os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o644)
		if err == nil {
			d.dirDirty = true
		}
	}
	if err != nil {
		return nil, fmt.Errorf("filedisk: %w", err)
	}
	d.open[name] = f
	return f, nil
}

// Write implements replica.Disk.
func (d *FileDisk) Write(name string, off int64, p []byte) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if off < 0 {
		return fmt.Errorf("filedisk: write %s at negative offset %d", name, off)
	}
	f, err := d.file(name, true)
	if err != nil {
		return err
	}
	if _, err := f.WriteAt(p, off); err != nil {
		return fmt.Errorf("filedisk: %w", err)
	}
	d.dirty[name] = true
	return nil
}

// Read implements replica.Disk.
func (d *FileDisk) Read(name string, off int64, p []byte) (int, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	f, err := d.file(name, false)
	if err != nil {
		return 0, err
	}
	if off < 0 {
		return 0, io.EOF
	}
	return f.ReadAt(p, off) // a short read at the end comes with io.EOF
}

// ReadAll implements replica.Disk.
func (d *FileDisk) ReadAll(name string) ([]byte, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	f, err := d.file(name, false)
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("filedisk: %w", err)
	}
	b := make([]byte, fi.Size())
	n, err := f.ReadAt(b, 0)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("filedisk: %w", err)
	}
	return b[:n], nil
}

// Size implements replica.Disk.
func (d *FileDisk) Size(name string) int64 {
	d.mu.Lock()
	defer d.mu.Unlock()
	f, err := d.file(name, false)
	if err != nil {
		return -1
	}
	fi, err := f.Stat()
	if err != nil {
		return -1
	}
	return fi.Size()
}

// Truncate implements replica.Disk.
func (d *FileDisk) Truncate(name string, size int64) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if size < 0 {
		return fmt.Errorf("filedisk: truncate %s to %d", name, size)
	}
	f, err := d.file(name, true)
	if err != nil {
		return err
	}
	if err := f.Truncate(size); err != nil {
		return fmt.Errorf("filedisk: %w", err)
	}
	d.dirty[name] = true
	return nil
}

// Remove implements replica.Disk. The removal is durable with the next
// Sync; if it fails, that Sync (and every later one) fails.
func (d *FileDisk) Remove(name string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if checkName(name) != nil {
		return
	}
	if f := d.open[name]; f != nil {
		_ = f.Close() // its writes are moot once it is gone
		delete(d.open, name)
	}
	delete(d.dirty, name)
	err := os.Remove(filepath.Join(d.dir, name))
	switch {
	case err == nil:
		d.dirDirty = true
	case !errors.Is(err, fs.ErrNotExist) && d.failed == nil:
		d.failed = fmt.Errorf("filedisk: %w", err)
	}
}

// Files implements replica.Disk: the regular files, sorted by name.
func (d *FileDisk) Files() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	entries, err := os.ReadDir(d.dir)
	if err != nil {
		return nil
	}
	var names []string
	for _, e := range entries {
		if e.Type().IsRegular() {
			names = append(names, e.Name())
		}
	}
	slices.Sort(names)
	return names
}

// Sync implements replica.Disk: fsync of every file written since the
// last Sync, then of the directory if its entries changed.
func (d *FileDisk) Sync() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.failed != nil {
		return d.failed
	}
	names := make([]string, 0, len(d.dirty))
	for name := range d.dirty {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		if err := d.open[name].Sync(); err != nil {
			d.failed = fmt.Errorf("filedisk: sync %s: %w", name, err)
			return d.failed
		}
		delete(d.dirty, name)
	}
	if d.dirDirty {
		if err := syncDir(d.dir); err != nil {
			d.failed = err
			return err
		}
		d.dirDirty = false
	}
	return nil
}

// Barrier implements replica.Disk: Sync blocks until durable.
func (d *FileDisk) Barrier() (uint64, bool, error) {
	if err := d.Sync(); err != nil {
		return 0, false, err
	}
	return 0, true, nil
}

// Close closes the open files; it syncs nothing.
func (d *FileDisk) Close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	var errs []error
	for name, f := range d.open {
		errs = append(errs, f.Close())
		delete(d.open, name)
	}
	return errors.Join(errs...)
}

// nodeIdentity is what a data directory records of the node it belongs to,
// so that it is never handed to another node or another cluster: a
// replica's log and votes are only safe on the node that wrote them.
type nodeIdentity struct {
	NodeID  string   `json:"node_id"`
	NodeIDs []string `json:"node_ids"`
}

// Layout of a data directory: the identity file, and the replica's files
// in a subdirectory of their own (the replica takes an empty disk for a
// new one, so nothing else may live there).
const (
	identityFile = "node.json"
	replicaDir   = "replica"
)

// OpenDataDir opens the data directory dir for node self of the cluster
// ids: on first use it records that identity (durably) and on every later
// one it refuses a directory recorded for another node or cluster. It
// returns the replica's disk.
func OpenDataDir(dir, self string, ids []string) (*FileDisk, error) {
	if err := mkdirSynced(dir); err != nil {
		return nil, err
	}
	want := nodeIdentity{NodeID: self, NodeIDs: ids}
	path := filepath.Join(dir, identityFile)
	raw, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if err := writeIdentity(dir, want); err != nil {
			return nil, err
		}
	case err != nil:
		return nil, fmt.Errorf("data dir %s: %w", dir, err)
	default:
		var got nodeIdentity
		if err := json.Unmarshal(raw, &got); err != nil {
			return nil, fmt.Errorf("data dir %s: %s is damaged: %w", dir, identityFile, err)
		}
		if got.NodeID != self || !slices.Equal(got.NodeIDs, ids) {
			return nil, fmt.Errorf("data dir %s belongs to node %s of %v, not to %s of %v", dir, got.NodeID, got.NodeIDs, self, ids)
		}
	}
	return OpenFileDisk(filepath.Join(dir, replicaDir))
}

// writeIdentity writes the identity file atomically: a temporary file,
// synced, renamed into place, and the directory synced.
func writeIdentity(dir string, id nodeIdentity) error {
	raw, _ := json.Marshal(id) // strings only
	tmp := filepath.Join(dir, identityFile+".tmp")
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return fmt.Errorf("data dir %s: %w", dir, err)
	}
	_, err = f.Write(append(raw, '\n'))
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, filepath.Join(dir, identityFile))
	}
	if err != nil {
		return fmt.Errorf("data dir %s: write %s: %w", dir, identityFile, err)
	}
	return syncDir(dir)
}
