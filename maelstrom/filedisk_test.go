package maelstrom

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// FileDisk behaves as the replica's Disk contract says (the MemDisk's
// behaviour), and what it synced is there when it is opened again.
func TestFileDiskContract(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a", "b")
	d, err := OpenFileDisk(dir)
	if err != nil {
		t.Fatal(err)
	}
	if d.Size("wal") != -1 || len(d.Files()) != 0 {
		t.Fatalf("a new disk is not empty: %v", d.Files())
	}
	if _, err := d.ReadAll("wal"); err == nil {
		t.Fatal("ReadAll of a missing file succeeded")
	}
	must(t, d.Write("wal", 4, []byte("data")))
	must(t, d.Write("snap", 0, []byte("s")))
	if got, _ := d.ReadAll("wal"); string(got) != "\x00\x00\x00\x00data" {
		t.Fatalf("ReadAll: %q", got)
	}
	p := make([]byte, 6)
	if n, err := d.Read("wal", 4, p); n != 4 || !errors.Is(err, io.EOF) {
		t.Fatalf("a read past the end: %d, %v", n, err)
	}
	if n, err := d.Read("wal", 100, p); n != 0 || !errors.Is(err, io.EOF) {
		t.Fatalf("a read beyond the end: %d, %v", n, err)
	}
	must(t, d.Truncate("wal", 6))
	if d.Size("wal") != 6 {
		t.Fatalf("size after truncate: %d", d.Size("wal"))
	}
	d.Remove("snap")
	if err := d.Write("../escape", 0, []byte("x")); err == nil {
		t.Fatal("a name leaving the directory was accepted")
	}
	if _, ok, err := d.Barrier(); !ok || err != nil {
		t.Fatalf("barrier: %t, %v", ok, err)
	}
	must(t, d.Close())

	again, err := OpenFileDisk(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := again.ReadAll("wal"); string(got) != "\x00\x00\x00\x00da" || !slices.Equal(again.Files(), []string{"wal"}) {
		t.Fatalf("reopened: %q, files %v", got, again.Files())
	}
}

// A data directory belongs to one node of one cluster for good.
func TestDataDirRefusesAnotherNode(t *testing.T) {
	dir := t.TempDir()
	if _, err := OpenDataDir(dir, "n1", []string{"n1", "n2", "n3"}); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenDataDir(dir, "n1", []string{"n1", "n2", "n3"}); err != nil {
		t.Fatalf("the same node again: %v", err)
	}
	for _, c := range []struct {
		self string
		ids  []string
	}{{"n2", []string{"n1", "n2", "n3"}}, {"n1", []string{"n1", "n2"}}} {
		if _, err := OpenDataDir(dir, c.self, c.ids); err == nil || !strings.Contains(err.Error(), "belongs to node n1") {
			t.Errorf("%s of %v: %v", c.self, c.ids, err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, replicaDir)); err != nil {
		t.Fatal(err)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
