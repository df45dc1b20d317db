//go:build !linux

package outdir

import (
	"errors"
	"io/fs"
	"os"
)

// swap puts the finished tree tmp in place of dir with two renames; the previous tree survives as a
// sibling if the process dies between them.
func swap(tmp, dir string) error {
	if _, err := os.Lstat(dir); errors.Is(err, fs.ErrNotExist) {
		return os.Rename(tmp, dir)
	}
	old := tmp + ".old"
	if err := os.Rename(dir, old); err != nil {
		return err
	}
	if err := os.Rename(tmp, dir); err != nil {
		os.Rename(old, dir)
		return err
	}
	return os.RemoveAll(old)
}

// syncTree flushes the new tree's directory entry before the swap.
func syncTree(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
