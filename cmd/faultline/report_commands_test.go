package main

import (
	"os"
	"path/filepath"
	"testing"
)

// TestReportCommandsReplayOnTheBuildThatMadeTheBundle: the report's
// replay and shrink commands for a mutant's bundle name that mutant's
// binary, not the binary that wrote the report.
func TestReportCommandsReplayOnTheBuildThatMadeTheBundle(t *testing.T) {
	dir := t.TempDir()
	mutant, plain := filepath.Join(dir, "m"), filepath.Join(dir, "p")
	for path, body := range map[string]string{mutant: `{"scenario":"baseline","seed":1,"mutant":"post-after-void"}`, plain: `{"scenario":"baseline","seed":1}`} {
		if err := os.MkdirAll(path, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(path, "bundle.json"), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if got, want := bundleCommand("shrink", mutant), "bin/faultline-post-after-void shrink "+mutant; got != want {
		t.Errorf("mutant bundle: %q, want %q", got, want)
	}
	if got, want := bundleCommand("repro", plain), "faultline repro "+plain; got != want {
		t.Errorf("plain bundle: %q, want %q", got, want)
	}
}
