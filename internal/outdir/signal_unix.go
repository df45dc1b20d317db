//go:build unix

package outdir

import (
	"os"
	"os/signal"
	"syscall"
	"time"
)

// reraise ends the process with sig itself, so the parent (a shell, make) sees it was interrupted.
func reraise(sig os.Signal) {
	s, ok := sig.(syscall.Signal)
	if !ok {
		os.Exit(2)
	}
	signal.Reset(sig)
	syscall.Kill(os.Getpid(), s)
	time.Sleep(time.Second)
	os.Exit(128 + int(s))
}
