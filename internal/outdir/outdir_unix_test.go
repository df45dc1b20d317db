//go:build unix

package outdir

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
)

// TestKilledBuildLeavesPreviousTree kills a build with SIGKILL at several moments of the write phase (after
// the first file, in the middle, just before the swap) and checks the previous tree is whole, then that a
// re-run succeeds and cleans up the abandoned temporary tree.
func TestKilledBuildLeavesPreviousTree(t *testing.T) {
	if os.Getenv("IBCMC_OUTDIR_CHILD") != "" {
		return // the child runs TestChildBuild
	}
	for _, killAt := range []string{"1", "10", "swap"} {
		t.Run("kill at "+killAt, func(t *testing.T) {
			parent := t.TempDir()
			dir := filepath.Join(parent, "out")
			if err := Write(dir, tree(1), false); err != nil {
				t.Fatal(err)
			}
			want := readAll(t, dir)

			cmd := exec.Command(os.Args[0], "-test.run=^TestChildBuild$")
			cmd.Env = append(os.Environ(), "IBCMC_OUTDIR_CHILD="+dir, "IBCMC_OUTDIR_KILL_AT="+killAt)
			err := cmd.Run()
			ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus)
			if err == nil || !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
				t.Fatalf("child was not killed: %v", err)
			}
			got := readAll(t, dir)
			if len(got) != len(want) {
				t.Fatalf("previous tree has %d files, want %d", len(got), len(want))
			}
			for k, v := range want {
				if got[k] != v {
					t.Errorf("%s: %q, want %q", k, got[k], v)
				}
			}

			if err := Write(dir, tree(3), false); err != nil {
				t.Fatalf("re-run: %v", err)
			}
			if got := readAll(t, dir)["d0/f00.txt"]; got != "generation 3 file 0\n" {
				t.Errorf("re-run content %q", got)
			}
			entries, _ := os.ReadDir(parent)
			if len(entries) != 1 {
				t.Errorf("leftovers beside the output directory: %v", entries)
			}
		})
	}
}

// TestChildBuild is the killed process of TestKilledBuildLeavesPreviousTree.
func TestChildBuild(t *testing.T) {
	dir := os.Getenv("IBCMC_OUTDIR_CHILD")
	if dir == "" {
		t.Skip("only runs as the child of TestKilledBuildLeavesPreviousTree")
	}
	kill := func() { syscall.Kill(os.Getpid(), syscall.SIGKILL); select {} }
	at := os.Getenv("IBCMC_OUTDIR_KILL_AT")
	switch at {
	case "swap":
		beforeSwap = func(string) { kill() }
	case "afterswap": // TestKilledAfterSwapLosesNothing
		beforeSwap = func(string) {
			os.WriteFile(filepath.Join(dir, "late.txt"), []byte("written during the build"), 0o644)
		}
		afterSwap = func(string) { kill() }
	default:
		n, _ := strconv.Atoi(at)
		afterWrite = func(i int) {
			if i == n {
				kill()
			}
		}
	}
	Write(dir, tree(2), false)
	t.Fatal("the build was not killed")
}
