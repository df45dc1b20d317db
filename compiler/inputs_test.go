package compiler_test

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ibcmc/ibcmc/compiler"
)

// Inputs are bounded by what is read, not by what stat says: a symlink to /dev/zero, a FIFO, a link inside
// a directory package, and a package whose files together are too big are all refused quickly, with a
// message naming the file, and without reading them to the end.
func TestInputsAreBounded(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, size int) string {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		f, err := os.Create(p)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		f.WriteString("package site\n")
		if size > 0 {
			// A comment line of the wanted size: valid CUE, so only the cap can refuse it.
			f.WriteString("// " + strings.Repeat("x", size) + "\n")
		}
		return p
	}
	zeroLink := filepath.Join(dir, "zero.cue")
	if err := os.Symlink("/dev/zero", zeroLink); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(dir, "fifo.cue")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	pkg := filepath.Join(dir, "pkg")
	write("pkg/a.cue", 0)
	if err := os.Symlink("/dev/zero", filepath.Join(pkg, "zz.cue")); err != nil {
		t.Fatal(err)
	}
	big := filepath.Join(dir, "big")
	for _, n := range []string{"a", "b", "c"} {
		write("big/"+n+".cue", 30<<20) // each under the per-file cap, together over the total
	}
	tooBig := write("huge.cue", compiler.MaxInputBytes)

	cases := []struct {
		name  string
		paths []string
		want  string
	}{
		{"symlink to a device", []string{zeroLink}, "zero.cue: not a regular file (a character device)"},
		{"FIFO", []string{fifo}, "fifo.cue: not a regular file (a FIFO)"},
		{"device linked into a package", []string{pkg}, "zz.cue: not a regular file (a character device)"},
		{"package over the total cap", []string{big}, "the design's files together are over the 67108864-byte limit"},
		{"file over the cap", []string{tooBig}, "huge.cue: over the 33554432-byte limit for a design file"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var before runtime.MemStats
			runtime.ReadMemStats(&before)
			start := time.Now()
			_, err := compiler.Compile(c.paths, compiler.Options{Cwd: dir})
			var ue *compiler.UsageError
			if !errors.As(err, &ue) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want a usage error containing %q", err, c.want)
			}
			if d := time.Since(start); d > 10*time.Second {
				t.Errorf("refusing took %s", d)
			}
			var after runtime.MemStats
			runtime.ReadMemStats(&after)
			if grew := after.TotalAlloc - before.TotalAlloc; grew > 200<<20 {
				t.Errorf("refusing allocated %d MiB", grew>>20)
			}
		})
	}
}

// One long value would be copied into every artifact that names it (a template name into every request):
// any string or field name over the bound is an IB000 at the value, before anything is derived.
func TestLongValuesAreRefusedAtTheField(t *testing.T) {
	long := strings.Repeat("x", compiler.MaxValueRunes+1)
	src := strings.Replace(minimal, `issuer: "Root"`, `issuer: "Root", templates: webServer: "`+long+`"`, 1)
	if src == minimal {
		t.Fatal("minimal design changed: no issuer to extend")
	}
	res := compileString(t, src)
	if len(res.Diagnostics) != 1 {
		t.Fatalf("diagnostics: %v", res.Diagnostics)
	}
	d := res.Diagnostics[0]
	want := "the value is 2049 characters long; ibcmc accepts at most 2048 in any value"
	if d.Code != "IB000" || d.Path != "pki.templates.webServer" || d.Message != want || d.Pos.Line == 0 || res.Plan != nil {
		t.Errorf("got %s %s %q at %v", d.Code, d.Path, d.Message, d.Pos)
	}
	ok := compileString(t, strings.Replace(minimal, `issuer: "Root"`, `issuer: "Root", templates: webServer: "`+long[:compiler.MaxValueRunes]+`"`, 1))
	if ok.Diagnostics.HasErrors(false) {
		t.Errorf("a value at the bound is refused: %v", ok.Diagnostics)
	}
}

func compileString(t *testing.T, src string) *compiler.Result {
	t.Helper()
	dir := t.TempDir()
	p := filepath.Join(dir, "site.cue")
	if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := compiler.Compile([]string{p}, compiler.Options{Cwd: dir})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// A JSON design may name its JSON Schema for editors; ibcmc ignores the member.
func TestJSONDesignMayNameItsSchema(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "site.json")
	src := `{"$schema": "./design.schema.json", "site": {"code": "P01", "server": "cm01.contoso.com", "forest": "contoso.com"},
 "forests": {"contoso.com": {}}, "zones": {"intranet": {"kind": "intranet", "cidrs": ["10.0.0.0/16"]}},
 "pki": {"authorities": {"Root": {"subject": "CN=Root"}}, "issuer": "Root"}, "systems": {}, "publishing": {}, "clients": {}}`
	if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := compiler.Compile([]string{p}, compiler.Options{Cwd: dir})
	if err != nil {
		t.Fatal(err)
	}
	if res.Plan == nil || res.Diagnostics.HasErrors(false) {
		t.Fatalf("diagnostics: %v", res.Diagnostics)
	}
}
