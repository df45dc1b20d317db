// Package compiler turns design files into a validated plan: load the user's CUE, JSON or YAML on its own,
// unify it with the embedded #Design, validate, decode the unified value, convert it into the plan's typed
// entities, derive endpoints, flows, certificates, install profiles and proxy routes, and run the rules.
package compiler

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

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

// evaluate gives the design unified with the schema and validated, with the design's own value, or the
// diagnostics that say why it is not valid. Every design, CUE, JSON or YAML, takes one path: loaded on its
// own, unified with #Design as written (the schema `ibcmc schema` prints), validated to concrete values.
// The schema's defaults are applied by CUE, so a design means exactly what CUE makes of it with the schema
// (evalschema.go says why there is no faster form of the schema).
func evaluate(inputs *designInputs, cwd string) (cue.Value, *userInput, diag.List, error) {
	ctx := cuecontext.New()
	in, diags, err := loadInputs(ctx, inputs, cwd)
	if err != nil || len(diags) > 0 {
		return cue.Value{}, nil, diags, err
	}
	def, err := designDef(ctx, loadSchemaInstance)
	if err != nil {
		return cue.Value{}, nil, nil, err
	}
	v := in.value.Unify(def) // the user's value first: errors then carry the user's paths and positions
	if err := v.Validate(cue.Concrete(true), cue.Final()); err != nil {
		// Schema errors are placed by the syntax tree's labels: the design did not evaluate to values the
		// decoder could walk. A valid design's positions come from its values (decodeInto).
		labels := collectPositions(in, cwd)
		return v, in, schemaDiagnostics(err, in.value, v, def, cwd, labels), nil
	}
	return v, in, nil, nil
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
	v, in, diags, err := evaluate(inputs, cwd)
	if err != nil {
		return nil, err
	}
	if len(diags) > 0 {
		diags.Sort()
		return &Result{Diagnostics: diags}, nil
	}
	var raw rawDesign
	dec, err := decodeInto(v, in, &raw, cwd)
	if err != nil {
		// The value validated against the schema, so a decode failure is a mismatch between the schema and
		// the Go types: ibcmc's bug, not the user's.
		return nil, fmt.Errorf("internal error: decoding the validated design: %w", err)
	}
	if len(dec.long) > 0 {
		dec.long.Sort()
		return &Result{Diagnostics: dec.long}, nil
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
	labels := dec.positions
	for i := range diags {
		d := &diags[i]
		d.Pos = labels.nearest(d.Path)
		if d.Path != "" && !labels.written(d.Path) && d.Code != "IB000" {
			d.Default = defaultOf(v, d.Path)
		}
	}
	diags.Sort()
	p.Findings = diags
	p.SetPositions(labels)
	return &Result{Plan: p, Diagnostics: diags}, nil
}

// defaultOf says how a field the design does not write gets the value a finding is about: the schema's
// default (with the value, when a design writes it on one line), the defaults of its fields (a struct),
// or none (the field is unset).
func defaultOf(v cue.Value, path string) *diag.Default {
	cp := cue.ParsePath(path)
	if cp.Err() != nil {
		return &diag.Default{Unset: true}
	}
	fv := v.LookupPath(cp)
	if !fv.Exists() {
		return &diag.Default{Unset: true}
	}
	if d, isDefault := fv.Default(); isDefault {
		return &diag.Default{Value: defaultLiteral(d)}
	}
	return &diag.Default{}
}

// defaultLiteral is a concrete scalar, or a list of them, as a design writes it ("ksp", true, 1433, []); "" for
// anything else (a struct's fields take their own defaults).
func defaultLiteral(v cue.Value) string {
	switch v.Kind() {
	case cue.StringKind:
		s, _ := v.String()
		return strconv.Quote(s)
	case cue.IntKind:
		n, _ := v.Int64()
		return strconv.FormatInt(n, 10)
	case cue.BoolKind:
		b, _ := v.Bool()
		return strconv.FormatBool(b)
	case cue.ListKind:
		it, err := v.List()
		if err != nil {
			return ""
		}
		elems := []string{}
		for it.Next() {
			e := defaultLiteral(it.Value())
			if e == "" {
				return ""
			}
			elems = append(elems, e)
		}
		return "[" + strings.Join(elems, ", ") + "]"
	}
	return ""
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
