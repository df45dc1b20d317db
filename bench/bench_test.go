package bench

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/ibcmc/ibcmc/compiler"
	"github.com/ibcmc/ibcmc/emit"
	"github.com/ibcmc/ibcmc/emit/registry"
	"github.com/ibcmc/ibcmc/internal/outdir"
	"github.com/ibcmc/ibcmc/plan"
)

var sizes = []int{50, 500, 5000}

func compileDesign(b *testing.B, n int) *plan.Plan {
	b.Helper()
	dir := b.TempDir()
	p := filepath.Join(dir, "site.cue")
	if err := os.WriteFile(p, []byte(Design(n)), 0o644); err != nil {
		b.Fatal(err)
	}
	res, err := compiler.Compile([]string{p}, compiler.Options{Cwd: dir})
	if err != nil {
		b.Fatal(err)
	}
	if res.Plan == nil || res.Diagnostics.HasErrors(false) {
		b.Fatalf("generated design has errors: %v", res.Diagnostics)
	}
	return res.Plan
}

// BenchmarkEmitters measures each emitter on its own, then writing the whole tree.
func BenchmarkEmitters(b *testing.B) {
	opts := emit.Options{ToolVersion: "bench", CertDir: "/etc/ibcmc/pki"}
	for _, n := range sizes {
		p := compileDesign(b, n)
		for _, e := range registry.Emitters {
			b.Run(fmt.Sprintf("%s/n=%d", e.Name, n), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if _, err := e.Emit(p, opts); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
		files, err := registry.EmitAll(p, opts)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("write/n=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			dir := filepath.Join(tmpfsDir(b), "out")
			for b.Loop() {
				if err := outdir.Write(dir, files, false); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(files)), "files")
		})
	}
}

// TestGeneratedDesignsAreValid keeps the generator honest: every size compiles without errors or warnings.
func TestGeneratedDesignsAreValid(t *testing.T) {
	for _, n := range []int{1, 10, 50, 200} {
		dir := t.TempDir()
		p := filepath.Join(dir, "site.cue")
		os.WriteFile(p, []byte(Design(n)), 0o644)
		res, err := compiler.Compile([]string{p}, compiler.Options{Cwd: dir})
		if err != nil {
			t.Fatal(err)
		}
		errs, warns := res.Diagnostics.Count()
		if res.Plan == nil || errs+warns > 0 {
			t.Fatalf("n=%d: %d errors, %d warnings: %v", n, errs, warns, res.Diagnostics)
		}
		if got := len(res.Plan.Systems); got != n {
			t.Errorf("n=%d: %d systems", n, got)
		}
		if got := len(res.Plan.Clients); got != max(n/10, 1) {
			t.Errorf("n=%d: %d populations", n, got)
		}
	}
}

// BenchmarkBuild is `ibcmc build` end to end: compile, emit, write into a fresh directory (tmpfsDir).
func BenchmarkBuild(b *testing.B) {
	for _, n := range sizes {
		dir := b.TempDir()
		p := filepath.Join(dir, "site.cue")
		if err := os.WriteFile(p, []byte(Design(n)), 0o644); err != nil {
			b.Fatal(err)
		}
		outRoot := tmpfsDir(b)
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				res, err := compiler.Compile([]string{p}, compiler.Options{Cwd: dir})
				if err != nil || res.Plan == nil {
					b.Fatal(err)
				}
				files, err := registry.EmitAll(res.Plan, emit.Options{ToolVersion: "bench"})
				if err != nil {
					b.Fatal(err)
				}
				i++
				if err := outdir.Write(filepath.Join(outRoot, fmt.Sprint(i)), files, false); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// tmpfsDir is a temporary directory on tmpfs when the machine has /dev/shm, so a disk's latency does not
// drown the cost of ibcmc's own work.
func tmpfsDir(b *testing.B) string {
	b.Helper()
	if st, err := os.Stat("/dev/shm"); err == nil && st.IsDir() {
		if dir, err := os.MkdirTemp("/dev/shm", "ibcmc-bench-*"); err == nil {
			b.Cleanup(func() { os.RemoveAll(dir) })
			return dir
		}
	}
	return b.TempDir()
}
