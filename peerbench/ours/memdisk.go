package ours

import (
	"fmt"
	"io"
	"slices"
)

// memDisk is an in-memory replica.Disk whose writes are durable at once, as
// etcd's MemoryStorage is: the benchmark measures the replicas, not a
// device, so the disk should cost our replica as little as MemoryStorage
// costs etcd. A file is a list of fixed-size chunks, so that a growing WAL
// segment is never copied to a larger buffer (a flat slice doubled as it
// grew cost a third of the benchmark's CPU, in allocation and zeroing),
// and the chunks of removed files (segments compacted behind a snapshot)
// are reused. Unlike maelstrom.MemDisk it takes no lock: one goroutine
// drives the whole cluster.
type memDisk struct {
	files map[string]*memFile
	free  [][]byte // chunks of removed files, for reuse
}

// chunkBytes is the size of a file's chunks: a few WAL records of a batch.
const chunkBytes = 64 << 10

// memFile is one file: its chunks hold bytes [0, size) in order.
type memFile struct {
	chunks [][]byte
	size   int64
}

func newMemDisk() *memDisk { return &memDisk{files: make(map[string]*memFile)} }

func (d *memDisk) Write(name string, off int64, p []byte) error {
	if off < 0 {
		return fmt.Errorf("memdisk: write %s at negative offset %d", name, off)
	}
	f := d.open(name)
	d.resize(f, max(f.size, off+int64(len(p))))
	for len(p) > 0 {
		n := copy(f.chunks[off/chunkBytes][off%chunkBytes:], p)
		p, off = p[n:], off+int64(n)
	}
	return nil
}

// open returns file name, created empty if it does not exist.
func (d *memDisk) open(name string) *memFile {
	f := d.files[name]
	if f == nil {
		f = &memFile{}
		d.files[name] = f
	}
	return f
}

// resize sets f's size, zero filling what it gains. A file keeps its
// chunks when it shrinks (the WAL's slot files are emptied and rewritten
// at every sync); only Remove gives them back.
func (d *memDisk) resize(f *memFile, size int64) {
	for int64(len(f.chunks))*chunkBytes < size {
		f.chunks = append(f.chunks, d.chunk())
	}
	for off := f.size; off < size; {
		off += int64(len(clear0(f.chunks[off/chunkBytes][off%chunkBytes:], size-off)))
	}
	f.size = size
}

// clear0 zeroes the first n bytes of b (all of it if shorter) and returns
// the part zeroed.
func clear0(b []byte, n int64) []byte {
	b = b[:min(int64(len(b)), n)]
	clear(b)
	return b
}

// chunk returns a chunk from the free list, or a new one. Its contents are
// garbage: resize zeroes what a file gains.
func (d *memDisk) chunk() []byte {
	if n := len(d.free); n > 0 {
		c := d.free[n-1]
		d.free[n-1] = nil
		d.free = d.free[:n-1]
		return c
	}
	return make([]byte, chunkBytes)
}

func (d *memDisk) Read(name string, off int64, p []byte) (int, error) {
	f := d.files[name]
	if f == nil {
		return 0, fmt.Errorf("memdisk: read %s: no such file", name)
	}
	if off < 0 || off >= f.size {
		return 0, io.EOF
	}
	n := 0
	for n < len(p) && off < f.size {
		m := copy(p[n:min(len(p), n+int(f.size-off))], f.chunks[off/chunkBytes][off%chunkBytes:])
		n, off = n+m, off+int64(m)
	}
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

func (d *memDisk) ReadAll(name string) ([]byte, error) {
	f := d.files[name]
	if f == nil {
		return nil, fmt.Errorf("memdisk: read %s: no such file", name)
	}
	out := make([]byte, f.size)
	if _, err := d.Read(name, 0, out); err != nil && err != io.EOF {
		return nil, err
	}
	return out, nil
}

func (d *memDisk) Size(name string) int64 {
	f := d.files[name]
	if f == nil {
		return -1
	}
	return f.size
}

func (d *memDisk) Truncate(name string, size int64) error {
	if size < 0 {
		return fmt.Errorf("memdisk: truncate %s to negative size %d", name, size)
	}
	d.resize(d.open(name), size)
	return nil
}

func (d *memDisk) Remove(name string) {
	if f := d.files[name]; f != nil {
		d.free = append(d.free, f.chunks...)
		delete(d.files, name)
	}
}

// Files lists the files sorted, as replica.Disk requires (map order must
// not reach the replica).
func (d *memDisk) Files() []string {
	names := make([]string, 0, len(d.files))
	for name := range d.files {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

func (d *memDisk) Sync() error { return nil }

// Barrier reports every write durable: Sync returned, so they are.
func (d *memDisk) Barrier() (ticket uint64, durable bool, err error) { return 0, true, nil }
