package outdir

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"

	"github.com/ibcmc/ibcmc/emit"
)

func tree(gen int) []emit.File {
	var files []emit.File
	for i := 0; i < 20; i++ {
		files = append(files, emit.File{Path: fmt.Sprintf("d%d/f%02d.txt", i%3, i), Content: []byte(fmt.Sprintf("generation %d file %d\n", gen, i))})
	}
	return files
}

func readAll(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			b, _ := os.ReadFile(p)
			out[filepath.ToSlash(rel)] = string(b)
		}
		return nil
	})
	return out
}

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
	if at == "swap" {
		beforeSwap = func(string) { kill() }
	} else {
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

func TestWriteRefusesUnsafePaths(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	for _, p := range []string{"../x", "/etc/passwd", "a/../../x", "a\\b", "", "./a", "a//b", "CON/../x"} {
		if err := Write(dir, []emit.File{{Path: p, Content: []byte("x")}}, false); err == nil {
			t.Errorf("%q accepted", p)
		}
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Error("a refused build created the output directory")
	}
}

func TestDroppedFilesAreRemovedForeignKept(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	if err := Write(dir, []emit.File{{Path: "a.txt", Content: []byte("a")}, {Path: "sub/b.txt", Content: []byte("b")}}, false); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "sub", "mine.txt"), []byte("mine"), 0o644)
	if err := Write(dir, []emit.File{{Path: "a.txt", Content: []byte("a2")}}, false); err != nil {
		t.Fatal(err)
	}
	got := readAll(t, dir)
	if got["a.txt"] != "a2" || got["sub/mine.txt"] != "mine" {
		t.Errorf("tree: %v", got)
	}
	if _, ok := got["sub/b.txt"]; ok {
		t.Error("a file the design no longer produces survived")
	}
	stale, err := Diff(dir, []emit.File{{Path: "a.txt", Content: []byte("a3")}, {Path: "c.txt", Content: []byte("c")}})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(stale) != "[changed: a.txt missing: c.txt]" {
		t.Errorf("stale = %v", stale)
	}
}

func TestPrivateFilesAreOwnerOnly(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	err := Write(dir, []emit.File{{Path: "lab-pki/a.key", Content: []byte("k"), Private: true}, {Path: "report.md", Content: []byte("r")}}, false)
	if err != nil {
		t.Fatal(err)
	}
	for p, want := range map[string]os.FileMode{"lab-pki/a.key": 0o600, "report.md": 0o644} {
		st, err := os.Stat(filepath.Join(dir, p))
		if err != nil {
			t.Fatal(err)
		}
		if got := st.Mode().Perm() &^ 0o022; got != want&^0o022 || (want == 0o600 && st.Mode().Perm() != 0o600) {
			t.Errorf("%s: mode %v, want %v", p, st.Mode().Perm(), want)
		}
	}
}
