package outdir

// Regression tests for the output-directory failures of issue 16 ("Hardening round 2"): files written
// during a build (5), mount points (6), directory modes and empty directories (8), concurrent builds (9),
// signals, and a symbolic link as the output directory.

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/ibcmc/ibcmc/emit"
)

// seams saves the test seams and restores them when the test ends.
func seams(t *testing.T) {
	t.Helper()
	aw, bs, as := afterWrite, beforeSwap, afterSwap
	t.Cleanup(func() { afterWrite, beforeSwap, afterSwap = aw, bs, as })
}

func mustWrite(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func entries(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}

// onlyOut checks that nothing but the output directory is left beside it: no temporary tree, no lock.
func onlyOut(t *testing.T, parent string) {
	t.Helper()
	if got := entries(t, parent); !slices.Equal(got, []string{"out"}) {
		t.Errorf("beside the output directory: %v, want only out", got)
	}
}

// Issue 16, failure 5: a file another process writes into the output directory while a build runs ended up
// in the previous tree, which was removed after the swap.
func TestFilesWrittenDuringBuildAreKept(t *testing.T) {
	seams(t)
	parent := t.TempDir()
	dir := filepath.Join(parent, "out")
	if err := Write(dir, tree(1), false); err != nil {
		t.Fatal(err)
	}
	mustWrite(t, filepath.Join(dir, "mine.txt"), "v1")
	mustWrite(t, filepath.Join(dir, "userdir", "a.txt"), "a")
	beforeSwap = func(string) {
		mustWrite(t, filepath.Join(dir, "late.txt"), "late")
		mustWrite(t, filepath.Join(dir, "d0", "late.txt"), "late in d0")
		mustWrite(t, filepath.Join(dir, "latedir", "x.txt"), "x")
		mustWrite(t, filepath.Join(dir, "userdir", "late.txt"), "late in userdir")
		// An editor saves by writing a new file and renaming it over the old one.
		mustWrite(t, filepath.Join(dir, ".mine.swp"), "v2")
		if err := os.Rename(filepath.Join(dir, ".mine.swp"), filepath.Join(dir, "mine.txt")); err != nil {
			t.Error(err)
		}
	}
	afterSwap = func(prev string) {
		// A process that still has a directory of the previous tree open writes there.
		mustWrite(t, filepath.Join(prev, "d1", "stray.txt"), "stray")
		mustWrite(t, filepath.Join(prev, "after.txt"), "after")
	}
	if err := Write(dir, tree(2), false); err != nil {
		t.Fatal(err)
	}
	got := readAll(t, dir)
	for p, want := range map[string]string{
		"late.txt": "late", "d0/late.txt": "late in d0", "latedir/x.txt": "x", "userdir/a.txt": "a",
		"userdir/late.txt": "late in userdir", "mine.txt": "v2", "d1/stray.txt": "stray", "after.txt": "after",
		"d0/f00.txt": "generation 2 file 0\n",
	} {
		if got[p] != want {
			t.Errorf("%s = %q, want %q", p, got[p], want)
		}
	}
	onlyOut(t, parent)
}

// A file written during the build at a path the new tree also writes cannot be placed: it is kept aside,
// visibly, and the build fails saying where.
func TestFileWrittenDuringBuildAtANewPathIsKeptAside(t *testing.T) {
	seams(t)
	parent := t.TempDir()
	dir := filepath.Join(parent, "out")
	if err := Write(dir, tree(1), false); err != nil {
		t.Fatal(err)
	}
	files := append(tree(2), emit.File{Path: "extra.txt", Content: []byte("ibcmc's")})
	beforeSwap = func(string) { mustWrite(t, filepath.Join(dir, "extra.txt"), "the user's") }
	err := Write(dir, files, false)
	if err == nil || !strings.Contains(err.Error(), "kept in") || !strings.Contains(err.Error(), "extra.txt") {
		t.Fatalf("err = %v", err)
	}
	kept, _ := filepath.Glob(filepath.Join(parent, "out.ibcmc-kept-*"))
	if len(kept) != 1 {
		t.Fatalf("kept trees: %v", kept)
	}
	if got := readAll(t, kept[0]); len(got) != 1 || got["extra.txt"] != "the user's" {
		t.Errorf("kept tree: %v", got)
	}
	if got := readAll(t, dir); got["extra.txt"] != "ibcmc's" || got["d0/f00.txt"] != "generation 2 file 0\n" {
		t.Errorf("new tree not in place: %v", got)
	}
}

// A writer creating files without pause while builds run back to back: every file it created survives.
func TestConcurrentWriterLosesNothing(t *testing.T) {
	parent := t.TempDir()
	dir := filepath.Join(parent, "out")
	if err := Write(dir, tree(1), false); err != nil {
		t.Fatal(err)
	}
	mustWrite(t, filepath.Join(dir, "userdir", "keep.txt"), "k")
	var (
		stop    = make(chan struct{})
		done    = make(chan struct{})
		created []string
	)
	go func() {
		defer close(done)
		for i := 0; i < 3000; i++ {
			select {
			case <-stop:
				return
			case <-time.After(100 * time.Microsecond): // paced, so the tree stays small
			}
			// At the top, in a directory of ibcmc's, and in one of the user's (which moves for a moment:
			// a create that fails then is no loss, the writer sees the error).
			rel := []string{"u%d.txt", "d0/u%d.txt", "userdir/u%d.txt"}[i%3]
			rel = fmt.Sprintf(rel, i)
			if os.WriteFile(filepath.Join(dir, rel), []byte(rel), 0o644) == nil {
				created = append(created, rel)
			}
		}
	}()
	for i := 0; i < 20; i++ {
		if err := Write(dir, tree(2+i%2), false); err != nil {
			close(stop)
			<-done
			t.Fatalf("build %d: %v", i, err)
		}
	}
	close(stop)
	<-done
	got := readAll(t, dir)
	lost := 0
	for _, rel := range created {
		if got[rel] != rel {
			lost++
			if lost < 5 {
				t.Errorf("%s lost", rel)
			}
		}
	}
	t.Logf("the writer created %d files during 20 builds", len(created))
	if lost > 0 || len(created) < 30 {
		t.Errorf("%d of %d files the writer created were lost", lost, len(created))
	}
	onlyOut(t, parent)
}

// Issue 16, failure 8: a 0700 output directory and 0700 user subdirectories came back 0755, and empty user
// directories were deleted.
func TestDirectoryModesAndEmptyDirsAreKept(t *testing.T) {
	parent := t.TempDir()
	dir := filepath.Join(parent, "out")
	if err := Write(dir, tree(1), false); err != nil {
		t.Fatal(err)
	}
	mustWrite(t, filepath.Join(dir, "private", "secret.txt"), "s")
	mustWrite(t, filepath.Join(dir, "d2", "sub", "x.txt"), "x")
	for _, d := range []string{"empty", "d0/emptysub", "private/nested-empty"} {
		if err := os.Mkdir(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	modes := map[string]os.FileMode{".": 0o700, "private": 0o700, "d1": 0o750, "d2/sub": 0o711, "empty": 0o701}
	for d, m := range modes {
		if err := os.Chmod(filepath.Join(dir, d), m); err != nil {
			t.Fatal(err)
		}
	}
	before, _ := os.Stat(filepath.Join(dir, "private"))

	if err := Write(dir, tree(2), false); err != nil {
		t.Fatal(err)
	}
	for d, want := range modes {
		st, err := os.Stat(filepath.Join(dir, d))
		if err != nil {
			t.Errorf("%s: %v", d, err)
		} else if got := st.Mode().Perm(); got != want {
			t.Errorf("%s: mode %v, want %v", d, got, want)
		}
	}
	for _, d := range []string{"empty", "d0/emptysub", "private/nested-empty"} {
		if st, err := os.Stat(filepath.Join(dir, d)); err != nil || !st.IsDir() {
			t.Errorf("empty directory %s not kept: %v", d, err)
		}
	}
	if after, err := os.Stat(filepath.Join(dir, "private")); err != nil || !os.SameFile(before, after) {
		t.Errorf("the user's directory was recreated instead of kept (a working directory inside it would be lost): %v", err)
	}
	if got := readAll(t, dir); got["private/secret.txt"] != "s" || got["d2/sub/x.txt"] != "x" || got["d0/f00.txt"] != "generation 2 file 0\n" {
		t.Errorf("tree: %v", got)
	}
	// A directory only ibcmc's files needed goes with them.
	if err := Write(dir, tree(2)[:1], false); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "d1")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("d1, which held only files no longer produced, survived: %v", err)
	}
	onlyOut(t, parent)
}

// Issue 16, failure 9: concurrent builds into one directory deleted each other's temporary tree as
// abandoned; one of each pair failed. They now take turns.
func TestConcurrentBuildsSerialize(t *testing.T) {
	seams(t)
	beforeSwap = func(string) { time.Sleep(2 * time.Millisecond) } // widen the overlap
	for pair := 0; pair < 20; pair++ {
		parent := t.TempDir()
		dir := filepath.Join(parent, "out")
		if err := Write(dir, tree(1), false); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		errs := make([]error, 2)
		start := make(chan struct{})
		for k := range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				errs[k] = WriteWith(dir, tree(2+k), Options{LockWait: 10 * time.Second})
			}()
		}
		close(start)
		wg.Wait()
		for k, err := range errs {
			if err != nil {
				t.Errorf("pair %d, build %d: %v", pair, k, err)
			}
		}
		got := readAll(t, dir)
		gen := got["d0/f00.txt"]
		for i, f := range tree(0) {
			want := strings.Replace(gen, "file 0\n", fmt.Sprintf("file %d\n", i), 1)
			if got[f.Path] != want {
				t.Errorf("pair %d: %s = %q, want %q (a mixed tree)", pair, f.Path, got[f.Path], want)
			}
		}
		onlyOut(t, parent)
	}
}

// With LockWait, a build that finds the directory held fails fast, naming the holder; a build waiting for
// the lock never treats the holder's temporary tree as abandoned; a stale lock file does not block.
func TestBusyDirectory(t *testing.T) {
	parent := t.TempDir()
	dir := filepath.Join(parent, "out")
	if err := Write(dir, tree(1), false); err != nil {
		t.Fatal(err)
	}
	lk, err := lockDir(dir, 0, func(string) {})
	if err != nil {
		t.Fatal(err)
	}
	holderTmp := filepath.Join(parent, ".out.ibcmc-12345")
	mustWrite(t, filepath.Join(holderTmp, "d0", "f00.txt"), "the holder's new tree")

	err = WriteWith(dir, tree(2), Options{LockWait: 0})
	if !errors.Is(err, ErrBusy) || !strings.Contains(err.Error(), fmt.Sprintf("pid %d", os.Getpid())) {
		t.Errorf("fail fast: %v", err)
	}
	err = WriteWith(dir, tree(2), Options{LockWait: 100 * time.Millisecond})
	if !errors.Is(err, ErrBusy) || !strings.Contains(err.Error(), "longer than 100ms") {
		t.Errorf("bounded wait: %v", err)
	}
	if _, err := os.Stat(holderTmp); err != nil {
		t.Errorf("a waiting build removed the holder's temporary tree: %v", err)
	}

	var msgs []string
	var mu sync.Mutex
	done := make(chan error, 1)
	go func() {
		done <- WriteWith(dir, tree(2), Options{LockWait: 10 * time.Second, Notify: func(m string) {
			mu.Lock()
			msgs = append(msgs, m)
			mu.Unlock()
		}})
	}()
	time.Sleep(100 * time.Millisecond)
	os.RemoveAll(holderTmp) // the holder finishes and releases
	lk.release()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the waiting build did not proceed")
	}
	mu.Lock()
	if len(msgs) == 0 || !strings.HasPrefix(msgs[0], "waiting for another ibcmc build") {
		t.Errorf("messages: %q", msgs)
	}
	mu.Unlock()
	if got := readAll(t, dir)["d0/f00.txt"]; got != "generation 2 file 0\n" {
		t.Errorf("d0/f00.txt = %q", got)
	}

	// A lock file left by a killed build is not held by anyone.
	mustWrite(t, LockPath(dir), "999999\n")
	if err := WriteWith(dir, tree(3), Options{LockWait: 0}); err != nil {
		t.Errorf("stale lock file: %v", err)
	}
	onlyOut(t, parent)
}

// requireRoot skips a test that needs root, or fails it when IBCMC_REQUIRE_TOOLS=1 (CI).
func requireRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		if os.Getenv("IBCMC_REQUIRE_TOOLS") == "1" {
			t.Fatal("this test needs root (mount); IBCMC_REQUIRE_TOOLS=1")
		}
		t.Skip("needs root (mount)")
	}
}

// mount mounts for the test; the mount is undone at its end, also when a build moved it within scope.
func mount(t *testing.T, source, target, fstype string, flags uintptr, scope string) {
	t.Helper()
	if err := unix.Mount(source, target, fstype, flags, ""); err != nil {
		if os.Getenv("IBCMC_REQUIRE_TOOLS") == "1" {
			t.Fatalf("mount %s: %v", target, err)
		}
		t.Skipf("mount %s: %v", target, err)
	}
	t.Cleanup(func() {
		if unix.Unmount(target, unix.MNT_DETACH) == nil {
			return
		}
		// A build that crossed the mount point moved it.
		data, _ := os.ReadFile("/proc/self/mountinfo")
		for _, line := range strings.Split(string(data), "\n") {
			if f := strings.Fields(line); len(f) > 4 && strings.HasPrefix(f[4], scope+"/") {
				unix.Unmount(f[4], unix.MNT_DETACH)
			}
		}
	})
}

// Issue 16, failure 6: a volume mounted inside the output directory had its 0600 key copied as 0644 and its
// files deleted, and the build failed after the swap. The build now refuses before writing anything.
func TestMountPointInOutputIsRefused(t *testing.T) {
	requireRoot(t)
	for _, kind := range []string{"tmpfs inside", "bind mount of the same device inside", "output directory is a mount point"} {
		t.Run(kind, func(t *testing.T) {
			parent := t.TempDir()
			dir := filepath.Join(parent, "out")
			vol := filepath.Join(dir, "user", "vol")
			if kind != "output directory is a mount point" {
				if err := Write(dir, tree(1), false); err != nil {
					t.Fatal(err)
				}
				if err := os.MkdirAll(vol, 0o755); err != nil {
					t.Fatal(err)
				}
			}
			switch kind {
			case "tmpfs inside":
				mount(t, "tmpfs", vol, "tmpfs", 0, parent)
			case "bind mount of the same device inside":
				src := filepath.Join(t.TempDir(), "src")
				os.Mkdir(src, 0o755)
				mount(t, src, vol, "", unix.MS_BIND, parent)
			default:
				os.Mkdir(dir, 0o755)
				mount(t, "tmpfs", dir, "tmpfs", 0, parent)
				vol = filepath.Join(dir, "vol")
				os.Mkdir(vol, 0o755)
			}
			key := filepath.Join(vol, "server.key")
			if err := os.WriteFile(key, []byte("KEY"), 0o600); err != nil {
				t.Fatal(err)
			}
			before := readAll(t, dir)

			err := Write(dir, tree(2), true)
			if !errors.Is(err, ErrMount) {
				t.Fatalf("err = %v, want a refusal naming the mount point", err)
			}
			want := "contains a mount point, " + vol
			if kind == "output directory is a mount point" {
				want = dir + " is a mount point"
			}
			if !strings.Contains(err.Error(), want) {
				t.Errorf("message %q does not say %q", err, want)
			}
			if st, err := os.Stat(key); err != nil || st.Mode().Perm() != 0o600 {
				t.Errorf("the key on the volume: %v %v", st, err)
			}
			after := readAll(t, dir)
			if fmt.Sprint(before) != fmt.Sprint(after) {
				t.Errorf("the refused build changed the tree")
			}
			onlyOut(t, parent)
		})
	}
}

// -o naming a symbolic link to a directory builds into that directory and leaves the link alone; a link
// that leads nowhere, or to a file, is refused with a clear message.
func TestSymlinkedOutputDirectory(t *testing.T) {
	parent := t.TempDir()
	real := filepath.Join(parent, "real")
	link := filepath.Join(parent, "out")
	os.Mkdir(real, 0o755)
	if err := os.Symlink("real", link); err != nil {
		t.Fatal(err)
	}
	for gen := 1; gen <= 2; gen++ {
		if err := Write(link, tree(gen), false); err != nil {
			t.Fatalf("build %d: %v", gen, err)
		}
	}
	if st, err := os.Lstat(link); err != nil || st.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the link was replaced: %v %v", st, err)
	}
	if got := readAll(t, real)["d0/f00.txt"]; got != "generation 2 file 0\n" {
		t.Errorf("real/d0/f00.txt = %q", got)
	}
	if got, viaLink, err := Resolve(link); err != nil || got != real || !viaLink {
		t.Errorf("Resolve = %q %v %v", got, viaLink, err)
	}
	if got := entries(t, parent); !slices.Equal(got, []string{"out", "real"}) {
		t.Errorf("beside the output directory: %v", got)
	}

	dangling := filepath.Join(parent, "dangling")
	os.Symlink("nowhere", dangling)
	if err := Write(dangling, tree(1), false); err == nil || !strings.Contains(err.Error(), "symbolic link to nowhere") {
		t.Errorf("dangling link: %v", err)
	}
	file := filepath.Join(parent, "file")
	mustWrite(t, file, "x")
	tofile := filepath.Join(parent, "tofile")
	os.Symlink("file", tofile)
	if err := Write(tofile, tree(1), false); err == nil || !strings.Contains(err.Error(), "not a directory") {
		t.Errorf("link to a file: %v", err)
	}
}

// A build killed after its swap, before it carried a file written meanwhile into the new tree, leaves that
// file in its abandoned previous tree; the next build returns it instead of deleting it.
func TestKilledAfterSwapLosesNothing(t *testing.T) {
	if os.Getenv("IBCMC_OUTDIR_CHILD") != "" {
		return
	}
	parent := t.TempDir()
	dir := filepath.Join(parent, "out")
	if err := Write(dir, tree(1), false); err != nil {
		t.Fatal(err)
	}
	mustWrite(t, filepath.Join(dir, "userdir", "a.txt"), "a")
	cmd := exec.Command(os.Args[0], "-test.run=^TestChildBuild$")
	cmd.Env = append(os.Environ(), "IBCMC_OUTDIR_CHILD="+dir, "IBCMC_OUTDIR_KILL_AT=afterswap")
	err := cmd.Run()
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); err == nil || !ok || !ws.Signaled() {
		t.Fatalf("child was not killed: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "late.txt")); err == nil {
		t.Fatal("late.txt is already in place: the child was not killed between swap and drain")
	}
	var msgs []string
	if err := WriteWith(dir, tree(3), Options{Notify: func(m string) { msgs = append(msgs, m) }}); err != nil {
		t.Fatal(err)
	}
	got := readAll(t, dir)
	if got["late.txt"] != "written during the build" || got["userdir/a.txt"] != "a" || got["d0/f00.txt"] != "generation 3 file 0\n" {
		t.Errorf("tree: %v", got)
	}
	if len(msgs) != 1 || !strings.Contains(msgs[0], "returned 1 entr") {
		t.Errorf("messages: %q", msgs)
	}
	onlyOut(t, parent)
}

// SIGINT or SIGTERM during a build removes the temporary tree (it may hold lab keys) and the lock, leaves
// the previous tree, and ends the process by the signal; during the swap, the swap and draining finish
// first.
func TestSignalCleansUp(t *testing.T) {
	if os.Getenv("IBCMC_OUTDIR_SIGNAL_CHILD") != "" {
		return
	}
	for _, c := range []struct {
		at  string
		sig syscall.Signal
	}{{"write", syscall.SIGINT}, {"write", syscall.SIGTERM}, {"swap", syscall.SIGTERM}} {
		t.Run(c.at+" "+c.sig.String(), func(t *testing.T) {
			parent := t.TempDir()
			dir := filepath.Join(parent, "out")
			if err := Write(dir, tree(1), false); err != nil {
				t.Fatal(err)
			}
			mustWrite(t, filepath.Join(dir, "mine.txt"), "mine")
			mustWrite(t, filepath.Join(dir, "userdir", "a.txt"), "a")
			cmd := exec.Command(os.Args[0], "-test.run=^TestSignalChild$")
			cmd.Env = append(os.Environ(), "IBCMC_OUTDIR_SIGNAL_CHILD="+dir, "IBCMC_OUTDIR_SIGNAL_AT="+c.at)
			stdout, _ := cmd.StdoutPipe()
			var stderr strings.Builder
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			ready := make(chan bool, 1)
			go func() {
				sc := bufio.NewScanner(stdout)
				for sc.Scan() {
					if sc.Text() == "READY" {
						ready <- true
						io.Copy(io.Discard, stdout)
						return
					}
				}
				ready <- false
			}()
			select {
			case ok := <-ready:
				if !ok {
					cmd.Wait()
					t.Fatalf("child ended before it was ready: %s", stderr.String())
				}
			case <-time.After(20 * time.Second):
				cmd.Process.Kill()
				t.Fatal("child not ready")
			}
			tmps, _ := filepath.Glob(filepath.Join(parent, ".out.ibcmc-*"))
			cmd.Process.Signal(c.sig)
			waited := make(chan error, 1)
			go func() { waited <- cmd.Wait() }()
			select {
			case <-waited:
			case <-time.After(20 * time.Second):
				cmd.Process.Kill()
				t.Fatal("child did not end after the signal")
			}
			ws, _ := cmd.ProcessState.Sys().(syscall.WaitStatus)
			if !ws.Signaled() || ws.Signal() != c.sig {
				t.Errorf("child ended with %v, want death by %v; stderr: %s", cmd.ProcessState, c.sig, stderr.String())
			}
			if !strings.Contains(stderr.String(), "interrupted "+c.sig.String()) {
				t.Errorf("stderr: %s", stderr.String())
			}
			if c.at == "write" && len(tmps) == 0 {
				t.Error("no temporary tree existed when the signal was sent")
			}
			onlyOut(t, parent)
			want := "generation 1 file 0\n"
			if c.at == "swap" {
				want = "generation 2 file 0\n"
			}
			got := readAll(t, dir)
			if got["d0/f00.txt"] != want || got["mine.txt"] != "mine" || got["userdir/a.txt"] != "a" {
				t.Errorf("tree after the signal: %v", got)
			}
		})
	}
}

// TestSignalChild is the interrupted process of TestSignalCleansUp.
func TestSignalChild(t *testing.T) {
	dir := os.Getenv("IBCMC_OUTDIR_SIGNAL_CHILD")
	if dir == "" {
		t.Skip("only runs as the child of TestSignalCleansUp")
	}
	defer HandleSignals(func(sig os.Signal, replaced bool) {
		fmt.Fprintf(os.Stderr, "interrupted %v replaced=%v\n", sig, replaced)
	})()
	var once sync.Once
	ready := func() { once.Do(func() { fmt.Println("READY") }) }
	if os.Getenv("IBCMC_OUTDIR_SIGNAL_AT") == "swap" {
		afterSwap = func(string) { ready(); time.Sleep(300 * time.Millisecond) }
	} else {
		afterWrite = func(n int) {
			if n == 5 {
				ready()
				time.Sleep(30 * time.Second)
			}
		}
	}
	err := Write(dir, tree(2), false)
	time.Sleep(10 * time.Second) // the handler ends the process
	t.Fatalf("not ended by the signal (Write: %v)", err)
}

// Trees a killed build left beside the output directory are drained, not deleted: ibcmc's files and second
// links go, the user's entries come back (a directory moved into the new tree just before a swap that never
// happened), and what cannot come back is kept aside, visibly.
func TestAbandonedTreesAreDrained(t *testing.T) {
	parent := t.TempDir()
	dir := filepath.Join(parent, "out")
	if err := Write(dir, tree(1), false); err != nil {
		t.Fatal(err)
	}
	mustWrite(t, filepath.Join(dir, "mine.txt"), "mine")
	mustWrite(t, filepath.Join(dir, "other.txt"), "the live one")

	// An unfinished new tree: its manifest, one of its files, a link to the user's file, and the user's
	// directory already moved into it.
	tmp := filepath.Join(parent, ".out.ibcmc-111")
	mustWrite(t, filepath.Join(tmp, ManifestName), manifestHeader+"d0/f00.txt\n")
	mustWrite(t, filepath.Join(tmp, "d0", "f00.txt"), "unfinished")
	if err := os.Link(filepath.Join(dir, "mine.txt"), filepath.Join(tmp, "mine.txt")); err != nil {
		t.Fatal(err)
	}
	mustWrite(t, filepath.Join(tmp, "userdir", "x.txt"), "x")
	// Another, holding a different file where the live tree has one.
	mustWrite(t, filepath.Join(parent, ".out.ibcmc-222", "other.txt"), "a second version")

	var msgs []string
	if err := WriteWith(dir, tree(2), Options{Notify: func(m string) { msgs = append(msgs, m) }}); err != nil {
		t.Fatal(err)
	}
	got := readAll(t, dir)
	if got["userdir/x.txt"] != "x" || got["mine.txt"] != "mine" || got["other.txt"] != "the live one" || got["d0/f00.txt"] != "generation 2 file 0\n" {
		t.Errorf("tree: %v", got)
	}
	kept, _ := filepath.Glob(filepath.Join(parent, "out.ibcmc-kept-*"))
	if len(kept) != 1 || readAll(t, kept[0])["other.txt"] != "a second version" {
		t.Errorf("kept: %v", kept)
	}
	if len(msgs) != 2 || !strings.Contains(msgs[0], "returned 1 entr") || !strings.Contains(msgs[1], "other.txt") {
		t.Errorf("messages: %q", msgs)
	}
	if got := entries(t, parent); len(got) != 2 {
		t.Errorf("beside the output directory: %v", got)
	}
}
