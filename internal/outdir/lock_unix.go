//go:build unix

package outdir

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// dirLock is a build's hold on its output directory: flock(2) on LockPath(dir). The holder removes the
// file when done, so nothing is left beside the directory; a waiter that then gets the lock on the removed
// file notices that the path no longer names it and tries again.
type dirLock struct {
	mu   sync.Mutex
	f    *os.File
	path string
}

// lockPoll is how often a waiting build retries; flock has no timeout of its own.
const lockPoll = 20 * time.Millisecond

func lockDir(dir string, wait time.Duration, notify func(string)) (*dirLock, error) {
	path := LockPath(dir)
	deadline := time.Now().Add(wait)
	told := false
	for {
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
		if err != nil {
			return nil, err
		}
		err = unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
		if err == nil {
			held, err1 := f.Stat()
			named, err2 := os.Stat(path)
			if err1 == nil && err2 == nil && os.SameFile(held, named) {
				f.Truncate(0)
				f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
				return &dirLock{f: f, path: path}, nil
			}
			f.Close() // the previous holder removed it: take the new one
			continue
		}
		f.Close()
		if !errors.Is(err, unix.EWOULDBLOCK) {
			return nil, fmt.Errorf("locking %s: %w", path, err)
		}
		holder := "another ibcmc build"
		if data, err := os.ReadFile(path); err == nil {
			if pid := strings.TrimSpace(string(data)); pid != "" {
				holder += " (pid " + pid + ")"
			}
		}
		if wait >= 0 && !time.Now().Before(deadline) {
			if wait == 0 {
				return nil, fmt.Errorf("%s is writing %s: %w; try again when it has finished", holder, dir, ErrBusy)
			}
			return nil, fmt.Errorf("%s has held %s for longer than %s: %w; try again when it has finished", holder, dir, wait, ErrBusy)
		}
		if !told {
			notify(fmt.Sprintf("waiting for %s to finish with %s", holder, dir))
			told = true
		}
		time.Sleep(lockPoll)
	}
}

// release removes the lock file and drops the lock. It runs once; later calls do nothing.
func (l *dirLock) release() {
	if l == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return
	}
	os.Remove(l.path) // still ours: only the holder removes it
	l.f.Close()
	l.f = nil
}
