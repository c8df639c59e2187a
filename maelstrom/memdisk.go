package maelstrom

import (
	"fmt"
	"io"
	"slices"
	"sync"
)

// MemDisk is an in-memory replica.Disk. Maelstrom runs nodes as fresh
// processes that keep nothing across a kill, so a node's storage lives and
// dies with it; writes are durable as soon as they are made.
type MemDisk struct {
	mu    sync.Mutex
	files map[string][]byte
}

// NewMemDisk returns an empty disk.
func NewMemDisk() *MemDisk { return &MemDisk{files: make(map[string][]byte)} }

// Write implements replica.Disk.
func (d *MemDisk) Write(name string, off int64, p []byte) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if off < 0 {
		return fmt.Errorf("memdisk: write %s at negative offset %d", name, off)
	}
	b := d.files[name]
	if end := off + int64(len(p)); end > int64(len(b)) {
		b = append(b, make([]byte, end-int64(len(b)))...)
	}
	copy(b[off:], p)
	d.files[name] = b
	return nil
}

// Read implements replica.Disk.
func (d *MemDisk) Read(name string, off int64, p []byte) (int, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	b, ok := d.files[name]
	if !ok {
		return 0, fmt.Errorf("memdisk: read %s: no such file", name)
	}
	if off < 0 || off >= int64(len(b)) {
		return 0, io.EOF
	}
	n := copy(p, b[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// ReadAll implements replica.Disk.
func (d *MemDisk) ReadAll(name string) ([]byte, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	b, ok := d.files[name]
	if !ok {
		return nil, fmt.Errorf("memdisk: read %s: no such file", name)
	}
	return slices.Clone(b), nil
}

// Size implements replica.Disk.
func (d *MemDisk) Size(name string) int64 {
	d.mu.Lock()
	defer d.mu.Unlock()
	b, ok := d.files[name]
	if !ok {
		return -1
	}
	return int64(len(b))
}

// Truncate implements replica.Disk.
func (d *MemDisk) Truncate(name string, size int64) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if size < 0 {
		return fmt.Errorf("memdisk: truncate %s to %d", name, size)
	}
	b := d.files[name]
	if size <= int64(len(b)) {
		d.files[name] = b[:size]
	} else {
		d.files[name] = append(b, make([]byte, size-int64(len(b)))...)
	}
	return nil
}

// Remove implements replica.Disk.
func (d *MemDisk) Remove(name string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	delete(d.files, name)
}

// Files implements replica.Disk.
func (d *MemDisk) Files() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	names := make([]string, 0, len(d.files))
	for n := range d.files {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// Sync implements replica.Disk; memory is as durable as it gets here.
func (d *MemDisk) Sync() error { return nil }

// Barrier implements replica.Disk: every write is as durable as it will
// ever be the moment it is made.
func (d *MemDisk) Barrier() (uint64, bool, error) { return 0, true, nil }
