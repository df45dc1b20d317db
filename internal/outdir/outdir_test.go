package outdir

import (
	"fmt"
	"os"
	"path/filepath"
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
	err := Write(dir, []emit.File{{Path: "lab-pki/a.key", Content: []byte("k"), Private: true}, {Path: "report.md", Content: []byte("r")},
		{Path: "proxy/edge/refresh-crl.sh", Content: []byte("#!/bin/sh\n"), Executable: true}}, false)
	if err != nil {
		t.Fatal(err)
	}
	for p, want := range map[string]os.FileMode{"lab-pki/a.key": 0o600, "report.md": 0o644, "proxy/edge/refresh-crl.sh": 0o755} {
		st, err := os.Stat(filepath.Join(dir, p))
		if err != nil {
			t.Fatal(err)
		}
		if got := st.Mode().Perm() &^ 0o022; got != want&^0o022 || (want == 0o600 && st.Mode().Perm() != 0o600) {
			t.Errorf("%s: mode %v, want %v", p, st.Mode().Perm(), want)
		}
	}
}
