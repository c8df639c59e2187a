package reports

import (
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
)

// LinkBundles fills each failing seed's links to its failure bundle and
// Porcupine page, relative to outDir (where the report is written), and
// the commands that replay and shrink the bundle; command(verb, dir)
// builds those. A run record names its bundle as the sweep saw it
// (relative to the sweep's working directory); the bundle is looked for
// there and under each input's bundles/ directory, and only a bundle that
// exists (it has bundle.json) is linked, so that the page never links to
// nothing.
func LinkBundles(r *Report, outDir string, inputs []string, command func(verb, dir string) string) {
	for i := range r.Scenarios {
		for j := range r.Scenarios[i].FailingSeeds {
			linkBundle(&r.Scenarios[i].FailingSeeds[j], outDir, inputs, command)
		}
	}
}

func linkBundle(f *FailingSeed, outDir string, inputs []string, command func(verb, dir string) string) {
	if f.Bundle == "" {
		return
	}
	dir, ok := findBundle(f.Bundle, inputs)
	if !ok {
		return
	}
	if command != nil {
		f.ReplayCommand, f.ShrinkCommand = command("repro", dir), command("shrink", dir)
	}
	link, ok := relativeLink(outDir, dir)
	if !ok {
		return
	}
	f.BundleLink = link + "/"
	if vis := bundleVisualization(dir); vis != "" {
		if l, ok := relativeLink(outDir, filepath.Join(dir, vis)); ok {
			f.VisualizationLink = l
		}
	}
}

// findBundle is the first of the places a bundle may be that holds one.
func findBundle(bundle string, inputs []string) (string, bool) {
	candidates := []string{bundle}
	for _, in := range inputs {
		if info, err := os.Stat(in); err == nil && !info.IsDir() {
			in = filepath.Dir(in) // a results file: its sweep's directory
		}
		candidates = append(candidates, filepath.Join(in, "bundles", filepath.Base(bundle)))
	}
	for _, c := range candidates {
		if _, err := os.Stat(filepath.Join(c, "bundle.json")); err == nil {
			return c, true
		}
	}
	return "", false
}

// bundleVisualization is the bundle's Porcupine page, relative to it, if
// the bundle names one and it exists.
func bundleVisualization(dir string) string {
	data, err := os.ReadFile(filepath.Join(dir, "bundle.json"))
	if err != nil {
		return ""
	}
	var b struct {
		Visualization string `json:"visualization"`
	}
	if json.Unmarshal(data, &b) != nil || b.Visualization == "" || !filepath.IsLocal(b.Visualization) {
		return ""
	}
	if _, err := os.Stat(filepath.Join(dir, b.Visualization)); err != nil {
		return ""
	}
	return b.Visualization
}

// relativeLink is target relative to dir, as a URL path.
func relativeLink(dir, target string) (string, bool) {
	absDir, err1 := filepath.Abs(dir)
	absTarget, err2 := filepath.Abs(target)
	if err1 != nil || err2 != nil {
		return "", false
	}
	rel, err := filepath.Rel(absDir, absTarget)
	if err != nil {
		return "", false
	}
	return (&url.URL{Path: filepath.ToSlash(rel)}).String(), true
}
