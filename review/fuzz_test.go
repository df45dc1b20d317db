package review

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"cuelang.org/go/cue/scanner"
	"cuelang.org/go/cue/token"

	"github.com/ibcmc/ibcmc/compiler"
	"github.com/ibcmc/ibcmc/emit"
	"github.com/ibcmc/ibcmc/emit/registry"
	"github.com/ibcmc/ibcmc/plan"
)

// FuzzDiff compares two mutated example designs the way `ibcmc diff` does. The mutation is FuzzEmitters'
// (emit/registry/fuzz_test.go): one string literal, and every literal spelled the same, replaced by a
// fuzzed value. Whenever both designs compile to plans (rule errors allowed, as in diff), the differ and
// the three renderers must not panic, the JSON rendering must be valid JSON, a design compiled twice must
// diff as unchanged, and a value may not start a line of its own in the text or Markdown rendering (the
// injection property of FuzzEmitters, applied to the reviewer's screen and the pull-request comment).

const injectMarker = "IBCMC-INJECTED"

const lineBreaks = "\n\r\v\f\u0085\u2028\u2029"

type example struct {
	name string
	src  []byte
	lits [][2]int
}

func loadExamples(tb testing.TB) []example {
	paths, err := filepath.Glob("../examples/*/site.cue")
	if err != nil || len(paths) == 0 {
		tb.Fatalf("no example designs: %v", err)
	}
	var out []example
	for _, p := range paths {
		src, err := os.ReadFile(p)
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, example{name: filepath.Base(filepath.Dir(p)), src: src, lits: stringLiterals(src)})
	}
	return out
}

// stringLiterals lists the byte ranges of the single-line double-quoted string literals, labels included.
func stringLiterals(src []byte) [][2]int {
	var s scanner.Scanner
	s.Init(token.NewFile("site.cue", -1, len(src)), src, nil, 0)
	var out [][2]int
	for {
		pos, tok, lit := s.Scan()
		if tok == token.EOF {
			return out
		}
		if tok == token.STRING && strings.HasPrefix(lit, `"`) && !strings.HasPrefix(lit, `"""`) {
			out = append(out, [2]int{pos.Offset(), pos.Offset() + len(lit)})
		}
	}
}

// cueQuote writes v as a CUE string literal: strconv.Quote with \xNN (bytes literals only in CUE) as
// \u00NN, after invalid UTF-8 is replaced.
func cueQuote(v string) string {
	q := strconv.Quote(strings.ToValidUTF8(v, "\uFFFD"))
	var b strings.Builder
	for i := 0; i < len(q); i++ {
		if q[i] == '\\' && i+1 < len(q) {
			if q[i+1] == 'x' {
				b.WriteString(`\u00`)
			} else {
				b.WriteString(q[i : i+2])
			}
			i++
			continue
		}
		b.WriteByte(q[i])
	}
	return b.String()
}

// mutate replaces literal number which (modulo the count), and every literal spelled the same, by v.
func mutate(ex example, which uint16, v string) []byte {
	r := ex.lits[int(which)%len(ex.lits)]
	old := string(ex.src[r[0]:r[1]])
	var b bytes.Buffer
	last := 0
	for _, l := range ex.lits {
		if string(ex.src[l[0]:l[1]]) == old {
			b.Write(ex.src[last:l[0]])
			b.WriteString(cueQuote(v))
			last = l[1]
		}
	}
	b.Write(ex.src[last:])
	return b.Bytes()
}

// injectionApplies reports whether v holds the marker only directly after line breaks.
func injectionApplies(v string) bool {
	if !strings.Contains(v, injectMarker) {
		return false
	}
	for i := 0; ; {
		j := strings.Index(v[i:], injectMarker)
		if j < 0 {
			return true
		}
		at := i + j
		if r, _ := utf8.DecodeLastRuneInString(v[:at]); at == 0 || !strings.ContainsRune(lineBreaks, r) {
			return false
		}
		i = at + len(injectMarker)
	}
}

// injectedLine returns the first line of content that begins with the marker.
func injectedLine(content string) (string, bool) {
	for _, line := range strings.FieldsFunc(content, func(r rune) bool { return strings.ContainsRune(lineBreaks, r) }) {
		if strings.HasPrefix(line, injectMarker) {
			return line, true
		}
	}
	return "", false
}

var hostileValues = []string{
	"x\n" + injectMarker, "x\r\n" + injectMarker, "x\u2028" + injectMarker, "\n" + injectMarker + " & calc",
	"../../etc/passwd", "CON", "a/b", `a\b`, "a b", "x;y{z}#", `x" & calc & "`, "100%", "$host", "it's",
	"`code` | cell", "<details>", "a\x00b", "",
}

// compilePlan compiles a design as diff does: any plan, findings included; nil when it does not get past
// the schema.
func compilePlan(t *testing.T, src []byte) *plan.Plan {
	t.Helper()
	dir := t.TempDir()
	p := filepath.Join(dir, "site.cue")
	if err := os.WriteFile(p, src, 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := compiler.Compile([]string{p}, compiler.Options{Cwd: dir})
	if err != nil {
		if strings.HasPrefix(err.Error(), "internal error") {
			t.Fatalf("compiler: %v", err)
		}
		return nil
	}
	if res.Plan != nil {
		res.Plan.Sources = []string{"site.cue"}
	}
	return res.Plan
}

func FuzzDiff(f *testing.F) {
	examples := loadExamples(f)
	for i, ex := range examples {
		// Each example against itself with one literal changed, each literal once; and against the next
		// example, so that whole families of entities are added and removed.
		for j := range ex.lits {
			f.Add(uint8(i), uint16(j), "", uint8(i), uint16(j), hostileValues[j%len(hostileValues)])
		}
		f.Add(uint8(i), uint16(0), "", uint8(i+1), uint16(3), "x\n"+injectMarker)
	}
	opts := emit.Options{ToolVersion: "fuzz", CertDir: "/etc/ibcmc/pki"}
	f.Fuzz(func(t *testing.T, pickA uint8, whichA uint16, vA string, pickB uint8, whichB uint16, vB string) {
		exA, exB := examples[int(pickA)%len(examples)], examples[int(pickB)%len(examples)]
		srcA := mutate(exA, whichA, vA)
		oldPlan := compilePlan(t, srcA)
		if oldPlan == nil {
			return
		}
		newPlan := compilePlan(t, mutate(exB, whichB, vB))
		if newPlan == nil {
			return
		}

		// The same design compiled twice is no change, entity by entity and file by file.
		samePlan := compilePlan(t, srcA)
		if same := Plans(oldPlan, samePlan); len(same) != 0 {
			t.Fatalf("%s with %q diffs against itself: %+v", exA.name, vA, same[0])
		}
		oldFiles, oldErr := registry.EmitAll(oldPlan, opts)
		sameFiles, sameErr := registry.EmitAll(samePlan, opts)
		if (oldErr == nil) != (sameErr == nil) {
			t.Fatalf("%s with %q: EmitAll %v, then %v", exA.name, vA, oldErr, sameErr)
		}
		if oldErr == nil {
			if same := Files(oldFiles, sameFiles); len(same) != 0 {
				t.Fatalf("%s with %q: %s differs from itself:\n%s", exA.name, vA, same[0].Path, same[0].Diff)
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
		markerOnlyAfterBreaks := func(v string) bool { return !strings.Contains(v, injectMarker) || injectionApplies(v) }
		if (injectionApplies(vA) || injectionApplies(vB)) && markerOnlyAfterBreaks(vA) && markerOnlyAfterBreaks(vB) {
			for name, out := range map[string]string{"text": text.String(), "markdown": md.String()} {
				if line, found := injectedLine(out); found {
					t.Fatalf("%s rendering of %s %q → %s %q has the injected line %q:\n%s", name, exA.name, vA, exB.name, vB, line, out)
				}
			}
		}
	})
}
