package review

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/ibcmc/ibcmc/emit"
	"github.com/ibcmc/ibcmc/emit/registry"
	"github.com/ibcmc/ibcmc/internal/testdesign"
	"github.com/ibcmc/ibcmc/plan"
)

// FuzzDiff compares two mutated example designs the way `ibcmc diff` does. The mutation is FuzzEmitters'
// (emit/registry/fuzz_test.go): one string literal, and every literal spelled the same, replaced by a
// fuzzed value. Whenever both designs compile to plans (rule errors allowed, as in diff), the differ and
// the three renderers must not panic, the JSON rendering must be valid JSON, a design compiled twice must
// diff as unchanged, and a value may not start a line of its own in the text or Markdown rendering (the
// injection property of FuzzEmitters, applied to the reviewer's screen and the pull-request comment).

var hostileValues = []string{
	"x\n" + testdesign.InjectMarker, "x\r\n" + testdesign.InjectMarker, "x\u2028" + testdesign.InjectMarker, "\n" + testdesign.InjectMarker + " & calc",
	"../../etc/passwd", "CON", "a/b", `a\b`, "a b", "x;y{z}#", `x" & calc & "`, "100%", "$host", "it's",
	"`code` | cell", "<details>", "a\x00b", "",
}

// compilePlan compiles a design as diff does: any plan, findings included; nil when it does not get past
// the schema.
func compilePlan(t *testing.T, src []byte) *plan.Plan {
	t.Helper()
	res := testdesign.CompileMutated(t, src)
	if res == nil || res.Plan == nil {
		return nil
	}
	res.Plan.Sources = []string{"site.cue"}
	return res.Plan
}

func FuzzDiff(f *testing.F) {
	examples := testdesign.LoadExamples(f, "..")
	for i, ex := range examples {
		// Each example against itself with one literal changed, each literal once; and against the next
		// example, so that whole families of entities are added and removed.
		for j := range ex.Lits {
			f.Add(uint8(i), uint16(j), "", uint8(i), uint16(j), hostileValues[j%len(hostileValues)])
		}
		f.Add(uint8(i), uint16(0), "", uint8(i+1), uint16(3), "x\n"+testdesign.InjectMarker)
	}
	opts := emit.Options{ToolVersion: "fuzz", CertDir: "/etc/ibcmc/pki"}
	f.Fuzz(func(t *testing.T, pickA uint8, whichA uint16, vA string, pickB uint8, whichB uint16, vB string) {
		exA, exB := examples[int(pickA)%len(examples)], examples[int(pickB)%len(examples)]
		srcA := exA.Mutate(whichA, vA)
		oldPlan := compilePlan(t, srcA)
		if oldPlan == nil {
			return
		}
		newPlan := compilePlan(t, exB.Mutate(whichB, vB))
		if newPlan == nil {
			return
		}

		// The same design compiled twice is no change, entity by entity and file by file.
		samePlan := compilePlan(t, srcA)
		if same := Plans(oldPlan, samePlan); len(same) != 0 {
			t.Fatalf("%s with %q diffs against itself: %+v", exA.Name, vA, same[0])
		}
		oldFiles, oldErr := registry.EmitAll(oldPlan, opts)
		sameFiles, sameErr := registry.EmitAll(samePlan, opts)
		if (oldErr == nil) != (sameErr == nil) {
			t.Fatalf("%s with %q: EmitAll %v, then %v", exA.Name, vA, oldErr, sameErr)
		}
		if oldErr == nil {
			if same := Files(oldFiles, sameFiles); len(same) != 0 {
				t.Fatalf("%s with %q: %s differs from itself:\n%s", exA.Name, vA, same[0].Path, same[0].Diff)
			}
		}

		res := &Result{Old: "old/site.cue", New: "new/site.cue", Entities: Plans(oldPlan, newPlan)}
		// A design with rule errors may not be emittable; diff then compares entities only.
		if newFiles, newErr := registry.EmitAll(newPlan, opts); oldErr == nil && newErr == nil {
			res.Files = Files(oldFiles, newFiles)
		}
		var text, md, js bytes.Buffer
		if err := WriteText(&text, res, true); err != nil {
			t.Fatal(err)
		}
		if err := WriteMarkdown(&md, res, true); err != nil {
			t.Fatal(err)
		}
		if err := WriteJSON(&js, res); err != nil {
			t.Fatal(err)
		}
		if !json.Valid(js.Bytes()) {
			t.Fatalf("diff JSON is not valid JSON:\n%s", js.String())
		}
		// The property applies when a value holds the marker and, in both values, only after line breaks.
		markerOnlyAfterBreaks := func(v string) bool {
			return !strings.Contains(v, testdesign.InjectMarker) || testdesign.InjectionApplies(v)
		}
		if (testdesign.InjectionApplies(vA) || testdesign.InjectionApplies(vB)) && markerOnlyAfterBreaks(vA) && markerOnlyAfterBreaks(vB) {
			for name, out := range map[string]string{"text": text.String(), "markdown": md.String()} {
				if line, found := testdesign.InjectedLine(out); found {
					t.Fatalf("%s rendering of %s %q → %s %q has the injected line %q:\n%s", name, exA.Name, vA, exB.Name, vB, line, out)
				}
			}
		}
	})
}
