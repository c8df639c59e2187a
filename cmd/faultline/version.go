package main

import (
	"fmt"
	"io"
	"runtime/debug"
)

// buildVersion returns the module version and the VCS revision the binary
// was built from, as far as the build recorded them.
func buildVersion() (module, revision string) {
	module, revision = "(devel)", "unknown"
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return module, revision
	}
	if info.Main.Version != "" {
		module = info.Main.Version
	}
	for _, s := range info.Settings {
		if s.Key == "vcs.revision" {
			revision = s.Value
		}
	}
	return module, revision
}

func versionCommand(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		fmt.Fprintf(stderr, "faultline version: takes no arguments, got %q\n", args)
		return exitUsage
	}
	module, revision := buildVersion()
	fmt.Fprintf(stdout, "faultline %s (revision %s)\n", module, revision)
	return exitPass
}
