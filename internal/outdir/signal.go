package outdir

import (
	"os"
	"os/signal"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// A build in progress, known to the signal handler, which must remove its temporary tree (it may hold lab
// private keys) and its lock, but must not touch a tree being swapped or drained (after the exchange the
// temporary path holds the previous tree, with the user's files still to carry across).
type liveBuild struct {
	mu      sync.Mutex // held from the swap to the end of draining
	lk      *dirLock
	tmp     string
	swapped bool // tmp now names the previous tree, which draining empties
	kept    bool // tmp holds the user's directories after a failed swap
}

var (
	liveMu      sync.Mutex
	live        = map[*liveBuild]bool{}
	interrupted atomic.Bool
)

func register(lk *dirLock) *liveBuild {
	b := &liveBuild{lk: lk}
	liveMu.Lock()
	live[b] = true
	liveMu.Unlock()
	return b
}

// makeTemp creates the temporary tree under liveMu, so a signal handler sees every tree that exists.
func (b *liveBuild) makeTemp(parent, pattern string) (string, error) {
	liveMu.Lock()
	defer liveMu.Unlock()
	if interrupted.Load() {
		return "", errInterrupted
	}
	tmp, err := os.MkdirTemp(parent, pattern)
	if err != nil {
		return "", err
	}
	b.tmp = tmp
	return tmp, nil
}

// beginSwap holds off a signal handler until endSwap; it reports false when a signal came first.
func (b *liveBuild) beginSwap() bool {
	b.mu.Lock()
	if interrupted.Load() {
		b.mu.Unlock()
		return false
	}
	return true
}

func (b *liveBuild) swappedIn() { b.swapped = true }

// keepTemp stops the temporary tree from being removed: it holds the user's directories.
func (b *liveBuild) keepTemp() { b.kept = true }

func (b *liveBuild) endSwap() { b.mu.Unlock() }

// finish removes an unswapped temporary tree (a failed build writes nothing) and releases the lock.
// It holds liveMu meanwhile, so a signal handler either finds the build still registered or finds it done.
func (b *liveBuild) finish() {
	liveMu.Lock()
	defer liveMu.Unlock()
	delete(live, b)
	if b.tmp != "" && !b.swapped && !b.kept {
		removeTree(b.tmp)
	}
	b.lk.release()
}

// removeTree removes a temporary tree even where a kept directory mode denies its owner write access, and
// retries while writers that have not yet seen the interruption finish their last file.
func removeTree(path string) {
	for i := 0; i < 50; i++ {
		if os.RemoveAll(path) == nil {
			return
		}
		chmodDirsOpen(path)
		time.Sleep(10 * time.Millisecond)
	}
}

func chmodDirsOpen(root string) {
	var walk func(string)
	walk = func(p string) {
		st, err := os.Lstat(p)
		if err != nil || !st.IsDir() {
			return
		}
		os.Chmod(p, 0o700)
		entries, _ := os.ReadDir(p)
		for _, e := range entries {
			walk(p + string(os.PathSeparator) + e.Name())
		}
	}
	walk(root)
}

// HandleSignals makes SIGINT, SIGTERM and SIGHUP end the process the way the signal would, but only after
// removing the temporary tree and the lock of every build in progress; a build that is already swapping
// its tree into place finishes that first. notify runs just before the process ends, with whether a new
// tree had already been put in place. stop restores the default handling.
func HandleSignals(notify func(sig os.Signal, replaced bool)) (stop func()) {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	done := make(chan struct{})
	go func() {
		select {
		case sig := <-ch:
			replaced := Abort()
			if notify != nil {
				notify(sig, replaced)
			}
			reraise(sig)
		case <-done:
		}
	}()
	var once sync.Once
	return func() {
		once.Do(func() {
			signal.Stop(ch)
			close(done)
		})
	}
}

// Abort stops every build in progress, for a process about to exit without them finishing (a signal, a
// --timeout): it removes their temporary trees and locks, after letting a swap in progress finish
// draining, and reports whether any had already put its new tree in place. Builds still running, and any
// started later in this process, fail.
func Abort() (replaced bool) {
	interrupted.Store(true)
	liveMu.Lock()
	defer liveMu.Unlock()
	for b := range live {
		b.mu.Lock() // waits for a swap in progress to finish draining
		if b.tmp != "" && !b.swapped && !b.kept {
			removeTree(b.tmp)
			b.tmp = ""
		}
		replaced = replaced || b.swapped
		b.lk.release()
		b.mu.Unlock()
	}
	return replaced
}
