package main

import (
	"fmt"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/ibcmc/ibcmc/internal/bug"
)

// byteSize is a memory size on the command line: a number of bytes with an optional KiB, MiB or GiB suffix
// (KB, MB and GB are read as the same powers of two, as most admins mean them).
type byteSize int64

func (b *byteSize) UnmarshalText(text []byte) error {
	s := strings.TrimSpace(string(text))
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"kib", 1 << 10}, {"mib", 1 << 20}, {"gib", 1 << 30}, {"kb", 1 << 10}, {"mb", 1 << 20}, {"gb", 1 << 30}, {"k", 1 << 10}, {"m", 1 << 20}, {"g", 1 << 30}, {"b", 1}} {
		if strings.HasSuffix(strings.ToLower(s), u.suffix) {
			s, mult = strings.TrimSpace(s[:len(s)-len(u.suffix)]), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 || n > (1<<62)/mult {
		return fmt.Errorf("%q is not a memory size (write e.g. 512MiB or 4GiB)", string(text))
	}
	*b = byteSize(n * mult)
	return nil
}

func (b byteSize) String() string {
	switch n := int64(b); {
	case n%(1<<30) == 0:
		return strconv.FormatInt(n>>30, 10) + "GiB"
	case n%(1<<20) == 0:
		return strconv.FormatInt(n>>20, 10) + "MiB"
	default:
		return strconv.FormatInt(n, 10) + " bytes"
	}
}

// stoppedByLimit is set when guard abandons a command, so main removes the temporary tree of a build still
// running in the background before the process exits (it may hold lab private keys).
var stoppedByLimit atomic.Bool

// stage names what the command is doing, for the message when a limit stops it.
type stage struct{ v atomic.Pointer[string] }

func (s *stage) set(what string) { s.v.Store(&what) }

func (s *stage) String() string {
	if p := s.v.Load(); p != nil {
		return *p
	}
	return "starting"
}

// guard runs a command under the process's limits: it returns the command's error, or an exit-2 error when
// the command runs past timeout or its heap grows past maxMemory, whichever comes first. The Go runtime
// gets the memory limit as a soft goal (the collector works harder near it); a watchdog makes it hard,
// because a design can hold more live data than any collection can free. A command stopped this way is
// abandoned: the process exits right after, and its output directory is only ever swapped in whole.
func guard(timeout time.Duration, maxMemory byteSize, st *stage, run func() error) error {
	if maxMemory > 0 {
		prev := debug.SetMemoryLimit(int64(maxMemory))
		defer debug.SetMemoryLimit(prev)
	}
	done := make(chan error, 1)
	go func() {
		defer func() {
			if r := recover(); r != nil {
				done <- bug.Recovered(r) // one line for users, the stack under IBCMC_DEBUG=1 (reportError)
			}
		}()
		done <- run()
	}()
	var deadline <-chan time.Time
	if timeout > 0 {
		t := time.NewTimer(timeout)
		defer t.Stop()
		deadline = t.C
	}
	var tick <-chan time.Time
	if maxMemory > 0 {
		// Polling every 10 ms bounds the overshoot by what the process can allocate in that time.
		t := time.NewTicker(10 * time.Millisecond)
		defer t.Stop()
		tick = t.C
	}
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	for {
		select {
		case err := <-done:
			return err
		case <-deadline:
			stoppedByLimit.Store(true)
			return &exitError{code: exitUsage, msg: fmt.Sprintf("stopped while %s: the command took longer than --timeout %s; simplify the design or raise the timeout", st, timeout)}
		case <-tick:
			metrics.Read(sample)
			if used := sample[0].Value.Uint64(); used > uint64(maxMemory) {
				stoppedByLimit.Store(true)
				return &exitError{code: exitUsage, msg: fmt.Sprintf("stopped while %s: the process used more than --max-memory %s; a design that builds something without bound (a comprehension over a huge range, a value repeated into every artifact) does this, so check it, or raise the limit if the design is really this large", st, maxMemory)}
			}
		}
	}
}
