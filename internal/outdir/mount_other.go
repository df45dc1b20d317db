//go:build !linux

package outdir

import "os"

// checkMounts refuses an output directory on another device than its parent (a mount point); scan
// refuses mount points inside it the same way.
func checkMounts(dir, parent string) error {
	d, err := os.Lstat(dir)
	if err != nil {
		return nil
	}
	p, err := os.Stat(parent)
	if err != nil {
		return nil
	}
	dd, ok1 := devOf(d)
	pd, ok2 := devOf(p)
	if ok1 && ok2 && dd != pd {
		return mountError(dir, dir)
	}
	return nil
}
