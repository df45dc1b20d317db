package compiler

import (
	"fmt"
	"strings"

	"cuelang.org/go/cue"

	"github.com/ibcmc/ibcmc/diag"
	"github.com/ibcmc/ibcmc/plan"
)

// MaxValueRunes bounds every string and field name of a design. Real values are names, DNs, paths and URLs
// of at most a few hundred characters; a bound keeps one long value repeated into thousands of artifacts
// (a certificate template name lands in every request) from turning a small design into gigabytes of output.
const MaxValueRunes = 2048

// longValues reports, as IB000 at the value, every string or field name over MaxValueRunes.
func longValues(v cue.Value, labels positions, cwd string) diag.List {
	var out diag.List
	report := func(path string, at cue.Value, what string, n int) {
		pos := diag.Pos{}
		if p := at.Pos(); p.IsValid() && !strings.HasPrefix(p.Filename(), schemaPrefix) {
			pos = diag.Pos{File: displayPath(p.Filename(), cwd), Line: p.Line(), Column: p.Column()}
		} else if lp, ok := labels[path]; ok {
			pos = lp
		}
		out = append(out, diag.Diagnostic{
			Code: "IB000", Name: "schema", Severity: diag.Error, Path: path, Pos: pos,
			Message: fmt.Sprintf("%s is %d characters long; ibcmc accepts at most %d in any value", what, n, MaxValueRunes),
			Hint:    "shorten the value: names, subjects, paths and URLs are far shorter",
		})
	}
	var walk func(path string, v cue.Value)
	walk = func(path string, v cue.Value) {
		if len(out) >= 20 {
			return // enough to act on
		}
		switch v.Kind() {
		case cue.StringKind:
			if s, err := v.String(); err == nil {
				if n := len([]rune(s)); len(s) > MaxValueRunes && n > MaxValueRunes {
					report(path, v, "the value", n)
				}
			}
		case cue.StructKind:
			it, err := v.Fields(cue.Optional(false))
			if err != nil {
				return
			}
			for it.Next() {
				name := it.Selector().Unquoted()
				p := plan.Join(path, name)
				if n := len([]rune(name)); len(name) > MaxValueRunes && n > MaxValueRunes {
					report(p, it.Value(), "the name", n)
					continue
				}
				walk(p, it.Value())
			}
		case cue.ListKind:
			it, err := v.List()
			if err != nil {
				return
			}
			for i := 0; it.Next(); i++ {
				walk(fmt.Sprintf("%s[%d]", path, i), it.Value())
			}
		}
	}
	walk("", v)
	return out
}
