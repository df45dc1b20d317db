package compiler

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/cuecontext"

	"github.com/ibcmc/ibcmc/bench"
	"github.com/ibcmc/ibcmc/rules"
)

var benchSizes = []int{50, 500, 5000}

func benchDesign(b *testing.B, n int) (dir, path string) {
	b.Helper()
	dir = b.TempDir()
	path = filepath.Join(dir, "site.cue")
	if err := os.WriteFile(path, []byte(bench.Design(n)), 0o644); err != nil {
		b.Fatal(err)
	}
	return dir, path
}

// BenchmarkStages measures each compile stage separately, as Compile runs them: load (parse the user's
// files and evaluate them on their own), unify-validate (with #Design), decode into Go types (with the
// positions of written fields and the value-length limits), build the plan and derive, run the rules; then
// the whole compile.
func BenchmarkStages(b *testing.B) {
	for _, n := range benchSizes {
		dir, path := benchDesign(b, n)
		inputs, err := checkInputs([]string{path})
		if err != nil {
			b.Fatal(err)
		}
		load := func(b *testing.B) (*cue.Context, *userInput) {
			ctx := cuecontext.New()
			in, d, err := loadInputs(ctx, inputs, dir)
			if err != nil || len(d) > 0 {
				b.Fatal(err, d)
			}
			return ctx, in
		}
		b.Run(fmt.Sprintf("load/n=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				load(b)
			}
		})
		b.Run(fmt.Sprintf("unify-validate/n=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				b.StopTimer()
				ctx, in := load(b)
				b.StartTimer()
				def, err := designDef(ctx, loadSchemaInstance)
				if err != nil {
					b.Fatal(err)
				}
				if err := in.value.Unify(def).Validate(cue.Concrete(true), cue.Final()); err != nil {
					b.Fatal(err)
				}
			}
		})
		v, in, diags, err := evaluate(inputs, dir)
		if err != nil || len(diags) > 0 {
			b.Fatal(err, diags)
		}
		b.Run(fmt.Sprintf("decode/n=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				var raw rawDesign
				if dec, err := decodeInto(v, in, &raw, dir); err != nil || len(dec.long) > 0 {
					b.Fatal(err, dec)
				}
			}
		})
		var raw rawDesign
		if _, err := decodeInto(v, in, &raw, dir); err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("plan-derive/n=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				p := toPlan(&raw)
				for _, d := range derivers {
					d(p)
				}
			}
		})
		p := toPlan(&raw)
		for _, d := range derivers {
			d(p)
		}
		b.Run(fmt.Sprintf("rules/n=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				rules.Run(p)
			}
		})
		b.Run(fmt.Sprintf("compile/n=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Compile([]string{path}, Options{Cwd: dir}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
