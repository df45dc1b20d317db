// Package rules is the catalog of checks ibcmc runs over a compiled plan. Each file declares a table of its
// rules (code, name, severity column, explanation, source and check) next to their checks, and rules.go
// joins the tables; no rule registers itself. A check reports diagnostics that name the design path to
// change; the compiler turns paths into file positions. Rules never write files.
package rules

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/ibcmc/ibcmc/diag"
	"github.com/ibcmc/ibcmc/plan"
)

// Rule is one entry of the catalog.
type Rule struct {
	Code string
	Name string
	// Severities is the catalog's severity column and the only record of the rule's severities: "E", "W"
	// or "I", the lowest first joined by "/" ("W/E", "I/W") for rules whose severity depends on the design,
	// or "—" for a retired rule that is never reported. Severity and Reports are read from it.
	Severities string
	Summary    string // one line, for `ibcmc explain` listings and SARIF
	Explain    string // what the rule checks, why it matters, how to fix it, and any reading we chose
	Source     string // the Microsoft Learn page the rule rests on; empty for ibcmc's own checks
	// Check inspects the plan; nil for rules reported elsewhere (IB000 comes from the CUE evaluator, IB001
	// from the waivers Run applies last) and for retired rules.
	Check func(p *plan.Plan, r *Reporter)
}

// retired is the severity column of a code that is reserved and never reported again.
const retired = "—"

// severityLetters are the letters of the severity column, lowest first.
var severityLetters = []struct {
	letter string
	sev    diag.Severity
}{{"I", diag.Info}, {"W", diag.Warning}, {"E", diag.Error}}

// parseSeverities reads a severity column. Only one spelling is accepted for each set (the lowest first),
// so the column cannot say the same thing two ways.
func parseSeverities(col string) ([]diag.Severity, error) {
	if col == retired {
		return nil, nil
	}
	var out []diag.Severity
	next := 0
	for _, part := range strings.Split(col, "/") {
		found := false
		for i := next; i < len(severityLetters); i++ {
			if severityLetters[i].letter == part {
				out, next, found = append(out, severityLetters[i].sev), i+1, true
				break
			}
		}
		if !found {
			return nil, fmt.Errorf("severity column %q: want E, W or I, several joined by \"/\" lowest first (W/E), or %s for a retired rule", col, retired)
		}
	}
	return out, nil
}

// Reports returns the severities the rule reports, lowest first; none for a retired rule.
func (r *Rule) Reports() []diag.Severity {
	sevs, _ := parseSeverities(r.Severities) // the catalog refuses columns that do not parse (checkCatalog)
	return sevs
}

// Severity is the highest severity the rule reports (SARIF's default level); info for a retired rule.
func (r *Rule) Severity() diag.Severity {
	sevs := r.Reports()
	if len(sevs) == 0 {
		return diag.Info
	}
	return sevs[len(sevs)-1]
}

// Retired reports a code that is reserved and never reported again.
func (r *Rule) Retired() bool { return r.Severities == retired }

// tables are the catalog: each file's rules, declared next to their checks.
var tables = [][]*Rule{
	schemaRules, waiverRules, siteRules, systemRules, referenceRules, fqdnRules, networkRules, pkiRules,
	publishingRules, forwardingRules, windowsAuthRules, clientRules, installRules, cmgRules, scaleRules,
}

// catalog is every rule sorted by code, and byCode indexes it.
var catalog, byCode = index(tables)

func index(tables [][]*Rule) ([]*Rule, map[string]*Rule) {
	all := slices.Concat(tables...)
	if problems := checkCatalog(all); len(problems) > 0 {
		// A programming error that every test of the package reports; never a user's.
		panic("rule catalog: " + strings.Join(problems, "; "))
	}
	slices.SortFunc(all, func(a, b *Rule) int { return cmp.Compare(a.Code, b.Code) })
	m := make(map[string]*Rule, len(all))
	for _, r := range all {
		m[r.Code] = r
	}
	return all, m
}

// checkCatalog lists what makes a set of rules an invalid catalog: codes and names are unique forever,
// and every severity column parses.
func checkCatalog(all []*Rule) []string {
	var problems []string
	codes, names := map[string]bool{}, map[string]bool{}
	for _, r := range all {
		if codes[r.Code] {
			problems = append(problems, "duplicate rule code "+r.Code)
		}
		if names[r.Name] {
			problems = append(problems, "duplicate rule name "+r.Name)
		}
		codes[r.Code], names[r.Name] = true, true
		if _, err := parseSeverities(r.Severities); err != nil {
			problems = append(problems, r.Code+": "+err.Error())
		}
	}
	return problems
}

// All returns every rule sorted by code.
func All() []*Rule { return slices.Clone(catalog) }

// Lookup returns the rule with the code, or nil.
func Lookup(code string) *Rule { return byCode[code] }

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
	for _, rule := range catalog {
		if rule.Check == nil {
			continue
		}
		rep := &Reporter{rule: rule}
		rule.Check(p, rep)
		out = append(out, rep.out...)
	}
	return applyWaivers(p, out)
}
