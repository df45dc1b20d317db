// Command ibcmc compiles a Configuration Manager internet-based client management (IBCM) and cloud
// management gateway design written in CUE into validated artifacts.
package main

import (
	"os"

	"github.com/ibcmc/ibcmc/internal/outdir"
)

func main() {
	code := Run(os.Args[1:], os.Stdout, os.Stderr)
	if stoppedByLimit.Load() {
		outdir.Abort() // a build abandoned at --timeout or --max-memory leaves no temporary tree behind
	}
	os.Exit(code)
}
