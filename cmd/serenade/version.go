package main

import (
	"fmt"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func versionCommand(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "print the version",
		Args:  cobra.NoArgs,
		Run: func(*cobra.Command, []string) {
			revision := "unknown"
			if bi, ok := debug.ReadBuildInfo(); ok {
				for _, s := range bi.Settings {
					if s.Key == "vcs.revision" {
						revision = s.Value
					}
				}
				fmt.Fprintf(e.stdout, "serenade %s (revision %s, %s)\n", version, revision, bi.GoVersion)
				return
			}
			fmt.Fprintf(e.stdout, "serenade %s\n", version)
		},
	}
}
