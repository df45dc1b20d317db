package main

// `ibcmc build` as separate processes racing for one output directory (issue 16, failure 9), interrupted
// by a signal, and given a symbolic link as -o.

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ibcmc/ibcmc/internal/outdir"
)

// ibcmcProcess runs `ibcmc args...` as a child process: this test binary, re-entered through
// TestIbcmcChild.
func ibcmcProcess(args ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run=^TestIbcmcChild$")
	cmd.Env = append(os.Environ(), "IBCMC_CLI_CHILD="+strings.Join(args, "\x1f"))
	cmd.Dir = filepath.Join("cmd", "ibcmc") // TestMain moves to the repository root from the package
	return cmd
}

// TestIbcmcChild is the child of ibcmcProcess: the whole CLI, ending the process with its exit status.
func TestIbcmcChild(t *testing.T) {
	args := os.Getenv("IBCMC_CLI_CHILD")
	if args == "" {
		t.Skip("only runs as a child of the tests in build_race_test.go")
	}
	os.Exit(Run(strings.Split(args, "\x1f"), os.Stdout, os.Stderr))
}

// Concurrent builds into one directory take turns: every build succeeds, the tree is whole, nothing is
// left beside it.
func TestConcurrentBuildProcesses(t *testing.T) {
	if os.Getenv("IBCMC_CLI_CHILD") != "" {
		return
	}
	const pairs = 10
	waited := 0
	for pair := 0; pair < pairs; pair++ {
		parent := t.TempDir()
		out := filepath.Join(parent, "out")
		os.MkdirAll(out, 0o700)
		os.WriteFile(filepath.Join(out, "notes.txt"), []byte("mine"), 0o600)
		var cmds []*exec.Cmd
		var errs []*strings.Builder
		for k := 0; k < 2; k++ {
			cmd := ibcmcProcess("build", "--force", "examples/homelab/site.cue", "-o", out)
			var b strings.Builder
			cmd.Stderr = &b
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			cmds, errs = append(cmds, cmd), append(errs, &b)
		}
		for k, cmd := range cmds {
			if err := waitBounded(t, cmd, 60*time.Second); err != nil {
				t.Errorf("pair %d, build %d: %v\n%s", pair, k, err, errs[k])
			}
			if strings.Contains(errs[k].String(), "waiting for another ibcmc build") {
				waited++
			}
		}
		tree := readTree(t, out)
		for _, line := range strings.Split(tree[".ibcmc-manifest"], "\n") {
			if line != "" && !strings.HasPrefix(line, "#") && tree[line] == "" {
				t.Errorf("pair %d: %s in the manifest but not in the tree", pair, line)
			}
		}
		if tree["notes.txt"] != "mine" || tree["report.md"] == "" {
			t.Errorf("pair %d: tree %v", pair, keys(tree))
		}
		if st, err := os.Stat(out); err != nil || st.Mode().Perm() != 0o700 {
			t.Errorf("pair %d: output directory mode %v %v, want 0700 kept", pair, st.Mode().Perm(), err)
		}
		if es, _ := os.ReadDir(parent); len(es) != 1 {
			t.Errorf("pair %d: left beside the output directory: %v", pair, es)
		}
	}
	t.Logf("in %d of %d pairs one build waited for the other", waited, pairs)
}

func waitBounded(t *testing.T, cmd *exec.Cmd, d time.Duration) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		return err
	case <-time.After(d):
		cmd.Process.Kill()
		<-done
		return fmt.Errorf("still running after %s", d)
	}
}

// holdLock takes the output directory's lock as another build would.
func holdLock(t *testing.T, out string) {
	t.Helper()
	f, err := os.OpenFile(outdir.LockPath(out), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		t.Fatal(err)
	}
	f.WriteString("4242\n")
	t.Cleanup(func() { os.Remove(f.Name()); f.Close() })
}

// A build waiting for another one says so; --timeout bounds the wait, naming what it was waiting for; a
// signal ends it by the signal after a message (the handler is installed).
func TestBuildWaitsForHolderAndHandlesSignals(t *testing.T) {
	if os.Getenv("IBCMC_CLI_CHILD") != "" {
		return
	}
	out := filepath.Join(t.TempDir(), "out")
	holdLock(t, out)

	// A child process: in-process, the abandoned wait would outlive the test.
	cmd := ibcmcProcess("--timeout", "1s", "build", "examples/homelab/site.cue", "-o", out)
	var errb strings.Builder
	cmd.Stderr = &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	err := waitBounded(t, cmd, 60*time.Second)
	if cmd.ProcessState.ExitCode() != 2 || !strings.Contains(errb.String(), "waiting for another ibcmc build (pid 4242) to finish with "+out) ||
		!strings.Contains(errb.String(), "longer than --timeout") {
		t.Errorf("--timeout: %v: %s", err, errb.String())
	}

	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		cmd := ibcmcProcess("build", "examples/homelab/site.cue", "-o", out)
		stderr, _ := cmd.StderrPipe()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		waiting := make(chan string, 1)
		var rest strings.Builder
		go func() {
			sc := bufio.NewScanner(stderr)
			for sc.Scan() {
				if strings.Contains(sc.Text(), "waiting for another ibcmc build") {
					waiting <- sc.Text()
					break
				}
			}
			io.Copy(&rest, stderr)
			close(waiting)
		}()
		select {
		case _, ok := <-waiting:
			if !ok {
				t.Fatal("the build did not wait")
			}
		case <-time.After(60 * time.Second):
			cmd.Process.Kill()
			t.Fatal("the build did not wait")
		}
		cmd.Process.Signal(sig)
		waitBounded(t, cmd, 20*time.Second)
		for range waiting {
		}
		ws, _ := cmd.ProcessState.Sys().(syscall.WaitStatus)
		if !ws.Signaled() || ws.Signal() != sig {
			t.Errorf("%v: ended with %v, want death by the signal", sig, cmd.ProcessState)
		}
		if !strings.Contains(rest.String(), "ibcmc: interrupted ("+sig.String()+"); "+out+" is unchanged") {
			t.Errorf("%v: stderr %q", sig, rest.String())
		}
		if _, err := os.Stat(out); err == nil {
			t.Errorf("%v: an interrupted build created %s", sig, out)
		}
	}
}

// -o naming a symbolic link builds into the directory it leads to, and says so; a dangling link is refused
// before anything is compiled.
func TestBuildIntoSymlinkedOutput(t *testing.T) {
	parent := t.TempDir()
	real := filepath.Join(parent, "real")
	link := filepath.Join(parent, "out")
	os.Mkdir(real, 0o755)
	os.Symlink(real, link)
	for i := 0; i < 2; i++ {
		code, _, errb := run(t, "build", "examples/homelab/site.cue", "-o", link)
		if code != 0 || !strings.Contains(errb, link+" is a symbolic link; building into "+real) {
			t.Fatalf("exit %d: %s", code, errb)
		}
	}
	if st, err := os.Lstat(link); err != nil || st.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the link was replaced: %v", err)
	}
	if readTree(t, real)["report.md"] == "" {
		t.Error("nothing built into the link's directory")
	}
	if code, _, errb := run(t, "build", "--check", "examples/homelab/site.cue", "-o", link); code != 0 {
		t.Errorf("--check through the link: exit %d %s", code, errb)
	}

	dangling := filepath.Join(parent, "dangling")
	os.Symlink(filepath.Join(parent, "nowhere"), dangling)
	code, _, errb := run(t, "build", "examples/homelab/site.cue", "-o", dangling)
	if code != 2 || !strings.Contains(errb, "is a symbolic link to "+filepath.Join(parent, "nowhere")+", which does not lead to a directory") {
		t.Errorf("dangling: exit %d %s", code, errb)
	}
}
