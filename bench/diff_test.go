package bench

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ibcmc/ibcmc/compiler"
	"github.com/ibcmc/ibcmc/plan"
	"github.com/ibcmc/ibcmc/review"
)

// oneLineChange is the edit BenchmarkDiff reviews: the site code, which every install line carries.
func oneLineChange(design string) string {
	return strings.Replace(design, `code:    "BIG"`, `code:    "BIH"`, 1)
}

// BenchmarkDiff is `ibcmc diff --format markdown OLD NEW` for a one-line change, end to end (both designs
// compiled, compared and rendered), then the comparison and rendering alone. bench/run compares the whole
// command with `ibcmc build` (target: at most 1.5x its time and memory).
func BenchmarkDiff(b *testing.B) {
	for _, n := range sizes {
		dir := b.TempDir()
		oldPath, newPath := filepath.Join(dir, "old.cue"), filepath.Join(dir, "new.cue")
		design := Design(n)
		if err := os.WriteFile(oldPath, []byte(design), 0o644); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(newPath, []byte(oneLineChange(design)), 0o644); err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				oldPlan, newPlan := compileFile(b, dir, oldPath), compileFile(b, dir, newPath)
				diffMarkdown(b, oldPlan, newPlan)
			}
		})
		oldPlan, newPlan := compileFile(b, dir, oldPath), compileFile(b, dir, newPath)
		b.Run(fmt.Sprintf("compare/n=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				diffMarkdown(b, oldPlan, newPlan)
			}
		})
	}
}

func compileFile(b *testing.B, dir, path string) *plan.Plan {
	b.Helper()
	res, err := compiler.Compile([]string{path}, compiler.Options{Cwd: dir})
	if err != nil || res.Plan == nil {
		b.Fatalf("compile %s: %v", path, err)
	}
	return res.Plan
}

func diffMarkdown(b *testing.B, oldPlan, newPlan *plan.Plan) {
	b.Helper()
	res := &review.Result{Old: "old.cue", New: "new.cue", Entities: review.Plans(oldPlan, newPlan)}
	if len(res.Entities) == 0 {
		b.Fatal("the one-line change shows no change")
	}
	if err := review.WriteMarkdown(io.Discard, res, false); err != nil {
		b.Fatal(err)
	}
}
