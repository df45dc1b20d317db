//go:build !linux

package outdir

import (
	"errors"
	"io/fs"
	"os"
)

// swap puts the finished tree tmp in place of dir with two renames and returns where the previous tree now
// is ("" when there was none); the previous tree survives as a sibling if the process dies between them.
func swap(tmp, dir string) (string, error) {
	if _, err := os.Lstat(dir); errors.Is(err, fs.ErrNotExist) {
		return "", os.Rename(tmp, dir)
	}
	old := tmp + ".old"
	if err := os.Rename(dir, old); err != nil {
		return "", err
	}
	if err := os.Rename(tmp, dir); err != nil {
		os.Rename(old, dir)
		return "", err
	}
	return old, nil
}

// renameNoReplace moves src to dst unless dst exists (checked first: a narrow window).
func renameNoReplace(src, dst string) error {
	if _, err := os.Lstat(dst); err == nil {
		return &os.LinkError{Op: "rename", Old: src, New: dst, Err: fs.ErrExist}
	}
	return os.Rename(src, dst)
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
