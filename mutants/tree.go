package mutants

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// ModulePath is the module a repository root must declare.
const ModulePath = "github.com/faultline/faultline"

// ErrDoesNotApply is wrapped when a mutant's patch no longer applies to
// the tree: the catalog has rotted and the mutant must be rewritten.
var ErrDoesNotApply = errors.New("mutants: patch does not apply")

// FindRoot walks up from dir to the repository root: the directory whose
// go.mod declares ModulePath.
func FindRoot(dir string) (string, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for {
		data, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && bytes.HasPrefix(data, []byte("module "+ModulePath+"\n")) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("mutants: no go.mod of %s above the working directory", ModulePath)
		}
		dir = parent
	}
}

// skipped are top-level entries of the tree a copy leaves out: VCS data
// and build or run outputs (which may hold earlier mutants' copies).
var skipped = map[string]bool{".git": true, "bin": true, "faultline-bundles": true, "report": true}

// CopyTree copies the source tree at root into dst, which must not exist.
func CopyTree(root, dst string) error {
	if _, err := os.Stat(dst); err == nil {
		return fmt.Errorf("mutants: copy the tree: %s already exists", dst)
	}
	return filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, path)
		if err != nil {
			return err
		}
		if d.IsDir() && skipped[rel] {
			return filepath.SkipDir
		}
		target := filepath.Join(dst, rel)
		switch {
		case d.IsDir():
			return os.MkdirAll(target, 0o755)
		case d.Type().IsRegular():
			return copyFile(path, target)
		}
		return nil // sockets, symlinks: nothing a build needs
	})
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	info, err := in.Stat()
	if err != nil {
		return err
	}
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, info.Mode().Perm())
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// Apply applies m's patch to the tree at dir, with git apply used as a
// plain patch tool. A patch that does not apply cleanly is an error naming
// the mutant, wrapping ErrDoesNotApply.
//
// The copy usually sits inside the repository's own work tree (under
// bin/), and there git apply would resolve the patch's paths against the
// enclosing repository and silently skip every file outside the current
// directory: all of them. GIT_CEILING_DIRECTORIES stops it from finding
// that repository, and the verbose output must name every file patched.
func Apply(ctx context.Context, dir string, m *Mutant) error {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, "git", "apply", "--verbose", "--whitespace=nowarn", "-")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_CEILING_DIRECTORIES="+filepath.Dir(dir))
	cmd.Stdin = bytes.NewReader(m.Patch)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("%w: mutant %s (%s/%s.patch): %v: %s", ErrDoesNotApply, m.Name, CatalogDir, m.Name,
			err, strings.TrimSpace(string(out)))
	}
	for _, file := range patchedFiles(m.Patch) {
		if !bytes.Contains(out, []byte("Applied patch "+file+" cleanly")) {
			return fmt.Errorf("%w: mutant %s: git apply did not patch %s: %s", ErrDoesNotApply, m.Name, file,
				strings.TrimSpace(string(out)))
		}
	}
	return nil
}

// patchedFiles lists the files a unified diff changes (its +++ lines).
func patchedFiles(patch []byte) []string {
	var files []string
	for _, line := range strings.Split(string(patch), "\n") {
		if name, ok := strings.CutPrefix(line, "+++ b/"); ok {
			files = append(files, strings.TrimSpace(name))
		}
	}
	return files
}

// Prepare makes dst a copy of the tree at root with m applied.
func Prepare(ctx context.Context, root, dst string, m *Mutant) error {
	if err := CopyTree(root, dst); err != nil {
		return fmt.Errorf("mutant %s: %w", m.Name, err)
	}
	return Apply(ctx, dst, m)
}

// Build builds the command package pkg (./cmd/faultline, say) of the
// mutated tree at dir into the executable out, stamped with the mutant's
// name (scenarios.Mutant) so that its records and bundles say which build
// reproduces them. -trimpath keeps the build cache shared between copies
// of the tree, so only the packages the patch touches compile again.
func Build(ctx context.Context, dir, name, pkg, out string) error {
	out, err := filepath.Abs(out)
	if err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath",
		"-ldflags", "-X "+ModulePath+"/scenarios.Mutant="+name, "-o", out, pkg)
	cmd.Dir = dir
	if msg, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("mutant %s: build %s: %v: %s", name, pkg, err, strings.TrimSpace(string(msg)))
	}
	return nil
}

// BuildBinary prepares a mutated copy of the tree at root under work and
// builds pkg from it into out: what a test or a demonstration that needs a
// planted bug does.
func BuildBinary(ctx context.Context, root, work, name, pkg, out string) error {
	m, err := Find(root, name)
	if err != nil {
		return err
	}
	tree := filepath.Join(work, "tree-"+name)
	if err := os.RemoveAll(tree); err != nil {
		return err
	}
	defer os.RemoveAll(tree)
	if err := Prepare(ctx, root, tree, &m); err != nil {
		return err
	}
	return Build(ctx, tree, name, pkg, out)
}
