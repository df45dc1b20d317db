// Package inputfile reads the files a user names (designs, certificates) with a real bound: a size from
// stat bounds nothing when the name is a symlink to /dev/zero, a FIFO, or a file that grows while it is
// read, so the bytes are read through a limiting reader from a regular file only.
package inputfile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"
)

// ErrTooLarge is wrapped by Read's error when the file holds more than the limit.
var ErrTooLarge = errors.New("over the limit")

// Read returns the content of the regular file p, refusing devices, FIFOs, sockets and directories, and
// any file longer than limit bytes (the error wraps ErrTooLarge). Opening without blocking keeps a FIFO
// from waiting for a writer; the type is checked on the open file itself, not on the name.
func Read(p string, limit int) ([]byte, error) {
	f, err := os.OpenFile(p, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%s: no such file or directory", p)
		}
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a regular file (%s): only regular files are read", p, kind(st.Mode()))
	}
	var buf bytes.Buffer
	buf.Grow(int(min(st.Size(), int64(limit))) + bytes.MinRead) // one allocation when the size is honest
	if _, err := buf.ReadFrom(io.LimitReader(f, int64(limit)+1)); err != nil {
		return nil, fmt.Errorf("%s: %w", p, err)
	}
	if buf.Len() > limit {
		return nil, fmt.Errorf("%s: %w of %d bytes", p, ErrTooLarge, limit)
	}
	return buf.Bytes(), nil
}

// kind names a non-regular file's type for a message.
func kind(m fs.FileMode) string {
	switch {
	case m&fs.ModeNamedPipe != 0:
		return "a FIFO"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a device"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m.IsDir():
		return "a directory"
	}
	return "a special file"
}
