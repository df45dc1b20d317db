// Package golden holds the expected output tree of every example design: golden/<example>/<artifact>.golden.
// `go test ./golden/ -update` regenerates them; read the diff before committing.
package golden

import (
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hexops/autogold/v2"

	"github.com/ibcmc/ibcmc/compiler"
	"github.com/ibcmc/ibcmc/emit"
	"github.com/ibcmc/ibcmc/emit/registry"
	"github.com/ibcmc/ibcmc/version"
)

// examples returns the example design folders.
func examples(t *testing.T) []string {
	dirs, err := filepath.Glob("../examples/*/site.cue")
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no examples: %v", err)
	}
	var out []string
	for _, d := range dirs {
		out = append(out, filepath.Base(filepath.Dir(d)))
	}
	return out
}

// build compiles an example as `ibcmc build examples/<name>/site.cue` run from the repository root would.
func build(t *testing.T, name string) []emit.File {
	t.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	res, err := compiler.Compile([]string{filepath.Join(root, "examples", name, "site.cue")}, compiler.Options{Cwd: root})
	if err != nil {
		t.Fatal(err)
	}
	if res.Plan == nil || res.Diagnostics.HasErrors(false) {
		t.Fatalf("%s does not compile cleanly: %v", name, res.Diagnostics)
	}
	files, err := registry.EmitAll(res.Plan, emit.Options{ToolVersion: version.Tool, CertDir: "/etc/ibcmc/pki"})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// TestExamples compares every emitted file of every example with its golden file.
func TestExamples(t *testing.T) {
	for _, name := range examples(t) {
		t.Run(name, func(t *testing.T) {
			files := build(t, name)
			for _, f := range files {
				t.Run(f.Path, func(t *testing.T) {
					autogold.ExpectFile(t, autogold.Raw(string(f.Content)), autogold.Dir("."), autogold.Name(name+"/"+f.Path))
				})
			}
			checkNoStaleGoldens(t, name, files)
		})
	}
}

// checkNoStaleGoldens fails when golden/<example>/ holds a file the build no longer produces (with
// -update, it removes it), so the golden tree is exactly the output tree.
func checkNoStaleGoldens(t *testing.T, name string, files []emit.File) {
	want := map[string]bool{}
	for _, f := range files {
		want[filepath.FromSlash(f.Path)+".golden"] = true
	}
	var stale []string
	filepath.WalkDir(name, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		rel, _ := filepath.Rel(name, p)
		if !want[rel] {
			stale = append(stale, p)
		}
		return nil
	})
	if len(stale) == 0 {
		return
	}
	if update := flag.Lookup("update"); update != nil && update.Value.String() == "true" {
		for _, p := range stale {
			os.Remove(p)
		}
		return
	}
	slices.Sort(stale)
	t.Errorf("golden files no longer produced (run go test ./golden/ -update): %s", strings.Join(stale, ", "))
}

// TestDeterministic builds every example twice and requires byte-identical trees.
func TestDeterministic(t *testing.T) {
	for _, name := range examples(t) {
		a, b := build(t, name), build(t, name)
		if len(a) != len(b) {
			t.Fatalf("%s: %d files, then %d", name, len(a), len(b))
		}
		for i := range a {
			if a[i].Path != b[i].Path || string(a[i].Content) != string(b[i].Content) {
				t.Errorf("%s: %s differs between two builds", name, a[i].Path)
			}
		}
	}
}
