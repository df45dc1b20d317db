package outdir

import (
	"errors"
	"io/fs"
	"os"

	"golang.org/x/sys/unix"
)

// swap puts the finished tree tmp in place of dir and returns where the previous tree now is ("" when
// there was none). On Linux an existing dir is exchanged with tmp in one renameat2(RENAME_EXCHANGE) call,
// so no moment exists at which dir is missing or half-written.
func swap(tmp, dir string) (string, error) {
	if _, err := os.Lstat(dir); errors.Is(err, fs.ErrNotExist) {
		return "", os.Rename(tmp, dir)
	}
	if err := unix.Renameat2(unix.AT_FDCWD, tmp, unix.AT_FDCWD, dir, unix.RENAME_EXCHANGE); err != nil {
		return "", &os.LinkError{Op: "exchange", Old: tmp, New: dir, Err: err}
	}
	return tmp, nil
}

// renameNoReplace moves src to dst unless dst exists: a file the user creates at dst in the meantime is
// never overwritten.
func renameNoReplace(src, dst string) error {
	err := unix.Renameat2(unix.AT_FDCWD, src, unix.AT_FDCWD, dst, unix.RENAME_NOREPLACE)
	if errors.Is(err, unix.EINVAL) || errors.Is(err, unix.ENOSYS) {
		// A file system without RENAME_NOREPLACE: check, then rename (a narrow window).
		if _, err := os.Lstat(dst); err == nil {
			return &os.LinkError{Op: "rename", Old: src, New: dst, Err: fs.ErrExist}
		}
		return os.Rename(src, dst)
	}
	if err != nil {
		return &os.LinkError{Op: "rename", Old: src, New: dst, Err: err}
	}
	return nil
}

// syncTree flushes the new tree to disk before it is swapped in, with one syncfs(2) for the whole file
// system instead of an fsync per file (a large design writes tens of thousands of files).
func syncTree(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return unix.Syncfs(int(d.Fd()))
}
