package compiler

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

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

// BenchmarkStages measures each compile stage separately: load and evaluate (parse the user's CUE and
// evaluate it in one pass with the evaluation schema compiled in, as Compile does), decode into Go types,
// build the plan and derive, run the rules; then the whole compile. The two-pass stages are the route a
// design the one-pass evaluation does not accept takes (and JSON and YAML designs): the design evaluated
// on its own, then unified with the schema and validated.
func BenchmarkStages(b *testing.B) {
	for _, n := range benchSizes {
		dir, path := benchDesign(b, n)
		inputs, err := checkInputs([]string{path})
		if err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("load-evaluate/n=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, _, _, ok := evaluateEmbedded(cuecontext.New(), inputs); !ok {
					b.Fatal("the generated design does not validate in one pass")
				}
			}
		})
		b.Run(fmt.Sprintf("two-pass-load/n=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, d, err := loadUser(cuecontext.New(), []string{path}, dir); err != nil || len(d) > 0 {
					b.Fatal(err, d)
				}
			}
		})
		b.Run(fmt.Sprintf("two-pass-unify-validate/n=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				b.StopTimer()
				ctx := cuecontext.New()
				in, _, _ := loadUser(ctx, []string{path}, dir)
				b.StartTimer()
				if _, d, err := unifyWithSchema(ctx, in.value, dir, nil, false); err != nil || len(d) > 0 {
					b.Fatal(err, d)
				}
			}
		})
		b.Run(fmt.Sprintf("decode/n=%d", n), func(b *testing.B) {
			v, _, _, _ := evaluateEmbedded(cuecontext.New(), inputs)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				var raw rawDesign
				if err := decodeInto(v, &raw, benchDefaults(b)); err != nil {
					b.Fatal(err)
				}
			}
		})
		v, _, _, _ := evaluateEmbedded(cuecontext.New(), inputs)
		var raw rawDesign
		decodeInto(v, &raw, benchDefaults(b))
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

func benchDefaults(b *testing.B) *schemaDefaults {
	d, err := loadSchemaDefaults()
	if err != nil {
		b.Fatal(err)
	}
	return d
}
