package main

import (
	"context"
	"fmt"
	"runtime/debug"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func runVersion(_ context.Context, e *env, _ []string) error {
	revision := "unknown"
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" {
				revision = s.Value
			}
		}
		fmt.Fprintf(e.stdout, "serenade %s (revision %s, %s)\n", version, revision, bi.GoVersion)
		return nil
	}
	fmt.Fprintf(e.stdout, "serenade %s\n", version)
	return nil
}
