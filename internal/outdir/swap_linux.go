package outdir

import (
	"errors"
	"io/fs"
	"os"

	"golang.org/x/sys/unix"
)

// swap puts the finished tree tmp in place of dir. On Linux an existing dir is exchanged with tmp in one
// renameat2(RENAME_EXCHANGE) call, so no moment exists at which dir is missing or half-written.
func swap(tmp, dir string) error {
	if _, err := os.Lstat(dir); errors.Is(err, fs.ErrNotExist) {
		return os.Rename(tmp, dir)
	}
	if err := unix.Renameat2(unix.AT_FDCWD, tmp, unix.AT_FDCWD, dir, unix.RENAME_EXCHANGE); err != nil {
		return &os.LinkError{Op: "exchange", Old: tmp, New: dir, Err: err}
	}
	// tmp now holds the previous tree.
	return os.RemoveAll(tmp)
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
