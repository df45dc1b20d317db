// Package compiler turns design files into a validated plan: load the user's CUE, JSON or YAML on its own,
// unify it with the embedded #Design, validate, decode the unified value, convert it into the plan's typed
// entities, derive endpoints, flows, certificates, install profiles and proxy routes, and run the rules.
package compiler

import (
	"fmt"
	"os"
	"path/filepath"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/cuecontext"

	"github.com/ibcmc/ibcmc/derive"
	"github.com/ibcmc/ibcmc/diag"
	"github.com/ibcmc/ibcmc/plan"
	"github.com/ibcmc/ibcmc/rules"
)

// Options tune a compile.
type Options struct {
	// Cwd is the directory file names in diagnostics and provenance are relative to; default os.Getwd.
	Cwd string
}

// Result is a compiled design. Plan is nil when the design did not get past the schema (IB000).
type Result struct {
	Plan        *plan.Plan
	Diagnostics diag.List // sorted; includes every rule finding
}

// Deriver adds derived entities to a plan. Derivers run in order after the design's entities are built
// and before the rules; they must tolerate unresolved references (IB211 reports those).
type Deriver func(p *plan.Plan)

// derivers is the ordered list of derivation passes.
var derivers = []Deriver{
	derive.All, // endpoints, installs, flows and firewalls, proxy routes, certificate requests, in that order
}

// evaluate gives the design unified with the schema and validated, or the diagnostics that say why it is
// not valid. Every design, CUE, JSON or YAML, takes one path: loaded on its own, unified with #Design as
// written (the schema `ibcmc schema` prints), validated to concrete values. The schema's defaults are
// applied by CUE, so a design means exactly what CUE makes of it with the schema (evalschema.go says why
// there is no faster form of the schema).
func evaluate(inputs *designInputs, cwd string) (cue.Value, positions, diag.List, error) {
	ctx := cuecontext.New()
	in, diags, err := loadInputs(ctx, inputs, cwd)
	if err != nil || len(diags) > 0 {
		return cue.Value{}, nil, diags, err
	}
	labels := collectPositions(in, cwd)
	def, err := designDef(ctx, loadSchemaInstance)
	if err != nil {
		return cue.Value{}, nil, nil, err
	}
	v := in.value.Unify(def) // the user's value first: errors then carry the user's paths and positions
	if err := v.Validate(cue.Concrete(true), cue.Final()); err != nil {
		return v, labels, schemaDiagnostics(err, in.value, v, def, cwd, labels), nil
	}
	return v, labels, nil, nil
}

// Compile loads and checks the design. The error is for usage and I/O problems (exit 2); design problems
// are diagnostics.
func Compile(paths []string, opts Options) (res *Result, err error) {
	defer func() {
		// The CUE evaluator can panic on pathological input; that must end as an error, never a trace.
		if r := recover(); r != nil {
			res, err = nil, fmt.Errorf("internal error while evaluating the design: %v", r)
		}
	}()
	cwd := opts.Cwd
	if cwd == "" {
		var err error
		if cwd, err = os.Getwd(); err != nil {
			return nil, &UsageError{Err: err}
		}
	}
	if abs, err := filepath.Abs(cwd); err == nil {
		cwd = abs
	}
	inputs, err := checkInputs(paths)
	if err != nil {
		return nil, err
	}
	v, labels, diags, err := evaluate(inputs, cwd)
	if err != nil {
		return nil, err
	}
	if len(diags) == 0 {
		diags = longValues(v, labels, cwd)
	}
	if len(diags) > 0 {
		diags.Sort()
		return &Result{Diagnostics: diags}, nil
	}
	var raw rawDesign
	// CUE applied every default the schema states: the decoder has none to fill in (evalschema.go).
	if err := decodeInto(v, &raw, nil); err != nil {
		// The value validated against the schema, so a decode failure is a mismatch between the schema and
		// the Go types: ibcmc's bug, not the user's.
		return nil, fmt.Errorf("internal error: decoding the validated design: %w", err)
	}
	p := toPlan(&raw)
	for _, path := range paths {
		p.Sources = append(p.Sources, displayPath(absPath(path), cwd))
	}
	diags = structuralChecks(p)
	for _, d := range derivers {
		d(p)
	}
	diags = append(diags, rules.Run(p)...)
	for i := range diags {
		d := &diags[i]
		d.Pos = labels.nearest(d.Path)
		if d.Path != "" && !labels.written(d.Path) && d.Code != "IB000" {
			d.Message += fmt.Sprintf(" (%s is not written in the design: its default applies, or it is unset)", d.Path)
		}
	}
	diags.Sort()
	p.Findings = diags
	p.SetPositions(labels)
	return &Result{Plan: p, Diagnostics: diags}, nil
}

func absPath(p string) string {
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return p
}

// structuralChecks are schema constraints that read better from Go than as CUE disjunctions.
func structuralChecks(p *plan.Plan) diag.List {
	var out diag.List
	for _, s := range p.Systems {
		if s.IntranetFQDN == "" && s.InternetFQDN == "" {
			out = append(out, diag.Diagnostic{
				Code: "IB000", Name: "schema", Severity: diag.Error, Source: "",
				Path:    plan.Join(s.Path, "fqdn"),
				Message: fmt.Sprintf("system %q needs at least one of fqdn.intranet and fqdn.internet", s.Name),
			})
		}
	}
	return out
}
