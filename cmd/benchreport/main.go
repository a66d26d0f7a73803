// Command benchreport is make bench's reporter. `benchreport facts
// start|end` prints the machine's facts (CPU, cores, memory, PostgreSQL,
// load average) as lines for the benchmarks' output; `benchreport table
// FILE` reads that output and prints one Markdown table of the figures,
// their limits measured in the same run, the ratios and the goals.
package main

import (
	"fmt"
	"os"
	"time"

	"serenade/internal/benchreport"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "benchreport:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	switch {
	case len(args) == 2 && args[0] == "facts" && (args[1] == "start" || args[1] == "end"):
		lines, err := benchreport.Facts(args[1], time.Now())
		if err != nil {
			return err
		}
		for _, l := range lines {
			fmt.Println(l)
		}
		return nil
	case len(args) == 2 && args[0] == "table":
		f, err := os.Open(args[1])
		if err != nil {
			return err
		}
		defer f.Close()
		out, err := benchreport.Read(f, args[1])
		if err != nil {
			return err
		}
		return benchreport.Write(os.Stdout, out)
	}
	return fmt.Errorf("usage: benchreport facts start|end, or benchreport table FILE")
}
