// Package rules is the catalog of checks ibcmc runs over a compiled plan (spec/rules.md). Each rule is
// registered once with its code, name, severity, explanation and source, and reports diagnostics that name
// the design path to change; the compiler turns paths into file positions. Rules never write files.
package rules

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/ibcmc/ibcmc/diag"
	"github.com/ibcmc/ibcmc/plan"
)

// Rule is one entry of the catalog.
type Rule struct {
	Code     string
	Name     string
	Severity diag.Severity // the highest severity the rule reports
	// Severities is the catalog's severity column: "E", "W", "I", or "W/E" for rules whose severity
	// depends on the design.
	Severities string
	Summary    string // one line, for `ibcmc explain` listings and SARIF
	Explain    string // what the rule checks, why it matters, how to fix it, and any reading we chose
	Source     string // the Microsoft Learn page the rule rests on; empty for ibcmc's own checks
	// Check inspects the plan; nil for rules reported elsewhere (IB000 comes from the CUE evaluator).
	Check func(p *plan.Plan, r *Reporter)
}

var registry = map[string]*Rule{}

// register adds a rule; codes and names are unique forever.
func register(r *Rule) {
	if _, dup := registry[r.Code]; dup {
		panic("duplicate rule code " + r.Code)
	}
	for _, o := range registry {
		if o.Name == r.Name {
			panic("duplicate rule name " + r.Name)
		}
	}
	registry[r.Code] = r
}

// All returns every rule sorted by code.
func All() []*Rule {
	out := make([]*Rule, 0, len(registry))
	for _, r := range registry {
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b *Rule) int { return cmp.Compare(a.Code, b.Code) })
	return out
}

// Retired reports a code that is reserved and never reported again.
func (r *Rule) Retired() bool { return r.Severities == "—" }

// Lookup returns the rule with the code, or nil.
func Lookup(code string) *Rule { return registry[code] }

// Reporter collects one rule's findings.
type Reporter struct {
	rule *Rule
	out  diag.List
}

// Report records a finding at a design path.
func (r *Reporter) Report(sev diag.Severity, path, hint, format string, args ...any) {
	r.out = append(r.out, diag.Diagnostic{
		Code:     r.rule.Code,
		Name:     r.rule.Name,
		Severity: sev,
		Message:  fmt.Sprintf(format, args...),
		Hint:     hint,
		Path:     path,
		Source:   r.rule.Source,
	})
}

// Error records an error.
func (r *Reporter) Error(path, hint, format string, args ...any) {
	r.Report(diag.Error, path, hint, format, args...)
}

// Warn records a warning.
func (r *Reporter) Warn(path, hint, format string, args ...any) {
	r.Report(diag.Warning, path, hint, format, args...)
}

// Info records an informational finding.
func (r *Reporter) Info(path, hint, format string, args ...any) {
	r.Report(diag.Info, path, hint, format, args...)
}

// Run checks the plan against every rule, then applies the design's waivers to the findings (waivers.go).
// Positions are filled in by the caller.
func Run(p *plan.Plan) diag.List {
	var out diag.List
	for _, rule := range All() {
		if rule.Check == nil {
			continue
		}
		rep := &Reporter{rule: rule}
		rule.Check(p, rep)
		out = append(out, rep.out...)
	}
	return applyWaivers(p, out)
}
