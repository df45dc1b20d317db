package compiler

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"cuelang.org/go/cue/cuecontext"
	"github.com/google/go-cmp/cmp"
)

// The fuzz targets feed arbitrary bytes to the compiler as a .cue, .json and .yaml design. Any input must
// end in a plan or in diagnostics or a usage error: never a panic, every diagnostic names a position, and a
// second compile gives the same result. No input is skipped: every design takes the one evaluation path
// (evaluate), so there is no second form of the schema to compare with.
// Seeds are the example designs (and their JSON/YAML exports); `go test -fuzz` adds to testdata/fuzz.

func exampleSeeds(f *testing.F) []string {
	paths, _ := filepath.Glob("../examples/*/site.cue")
	var out []string
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		out = append(out, string(b))
	}
	if len(out) == 0 {
		f.Fatal("no example designs")
	}
	return out
}

// exportSeeds renders the example designs as JSON and YAML for the data-file targets.
func exportSeeds(f *testing.F, format string) []string {
	var out []string
	for _, src := range exampleSeeds(f) {
		v := cuecontext.New().CompileString(src)
		b, err := v.MarshalJSON()
		if err != nil {
			f.Fatal(err)
		}
		if format == "yaml" {
			// JSON is YAML; a block-style seed as well gives the mutator YAML syntax to work with.
			out = append(out, "site:\n  code: P01\n  server: cm01.contoso.com\n  forest: contoso.com\n")
		}
		out = append(out, string(b))
	}
	return out
}

func fuzzCompile(t *testing.T, name string, data []byte) {
	dir := t.TempDir()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := Compile([]string{p}, Options{Cwd: dir})
	if err != nil {
		if strings.HasPrefix(err.Error(), "internal error") {
			t.Fatalf("internal error: %v", err)
		}
		return
	}
	for _, d := range res.Diagnostics {
		if !d.Pos.IsValid() {
			t.Fatalf("diagnostic without a position: %+v", d)
		}
	}
	if res.Plan == nil && len(res.Diagnostics) == 0 {
		t.Fatal("neither a plan nor diagnostics")
	}
	// The same input compiles to the same result every time: the plan, the findings, their order.
	again, err := Compile([]string{p}, Options{Cwd: dir})
	if err != nil {
		t.Fatalf("a second compile gives an error the first did not: %v", err)
	}
	if diff := cmp.Diff(res, again, cmp.Exporter(func(reflect.Type) bool { return true })); diff != "" {
		t.Fatalf("two compiles of one input differ (-first +second):\n%s", diff)
	}
}

func FuzzCompileCUE(f *testing.F) {
	for _, s := range exampleSeeds(f) {
		f.Add([]byte(s))
	}
	for _, c := range schemaAsWrittenCases {
		f.Add([]byte(MinimalDesign + c.add + "\n"))
	}
	f.Fuzz(func(t *testing.T, data []byte) { fuzzCompile(t, "site.cue", data) })
}

func FuzzCompileJSON(f *testing.F) {
	for _, s := range exportSeeds(f, "json") {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) { fuzzCompile(t, "site.json", data) })
}

func FuzzCompileYAML(f *testing.F) {
	for _, s := range exportSeeds(f, "yaml") {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) { fuzzCompile(t, "site.yaml", data) })
}
