//go:build !unix

package outdir

import (
	"os"
	"syscall"
)

// reraise ends the process with the conventional status for sig.
func reraise(sig os.Signal) {
	if s, ok := sig.(syscall.Signal); ok {
		os.Exit(128 + int(s))
	}
	os.Exit(2)
}
