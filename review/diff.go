// Package review compares two compiled designs by the stable IDs of what they produce — findings, flows,
// internet endpoints, certificate requests, client install lines and proxy routes — and renders the
// changes for a reviewer. The differ (this file) is separate from the renderers (render.go).
package review

import (
	"cmp"
	"fmt"
	"reflect"
	"slices"
	"strings"

	gocmp "github.com/google/go-cmp/cmp"

	"github.com/ibcmc/ibcmc/diag"
	"github.com/ibcmc/ibcmc/plan"
)

// Action is what happens to an entity.
type Action string

const (
	Add    Action = "add"
	Remove Action = "remove"
	Change Action = "change"
)

// Symbol is the Terraform-style marker of an action.
func (a Action) Symbol() string {
	switch a {
	case Add:
		return "+"
	case Remove:
		return "-"
	default:
		return "~"
	}
}

// Field is one named attribute of an entity, rendered as text.
type Field struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// FieldChange is an attribute whose value differs.
type FieldChange struct {
	Name   string `json:"name"`
	Before string `json:"before"`
	After  string `json:"after"`
}

// EntityChange is one added, removed or changed entity.
type EntityChange struct {
	Kind    string        `json:"kind"`
	ID      string        `json:"id"`
	Action  Action        `json:"action"`
	Summary string        `json:"summary"`          // one line a reviewer reads first
	Fields  []Field       `json:"fields,omitempty"` // all attributes, for additions and removals
	Changes []FieldChange `json:"changes,omitempty"`
}

// FileChange is an artifact whose content differs, with a unified diff.
type FileChange struct {
	Path   string `json:"path"`
	Action Action `json:"action"`
	Diff   string `json:"diff"`
}

// Result is the whole comparison.
type Result struct {
	Old      string         `json:"old"`
	New      string         `json:"new"`
	Entities []EntityChange `json:"changes"`
	Files    []FileChange   `json:"files,omitempty"`
}

// Counts returns how many entities are added, changed and removed.
func (r *Result) Counts() (add, change, remove int) {
	for _, e := range r.Entities {
		switch e.Action {
		case Add:
			add++
		case Change:
			change++
		case Remove:
			remove++
		}
	}
	return
}

// Empty reports whether nothing differs.
func (r *Result) Empty() bool { return len(r.Entities) == 0 && len(r.Files) == 0 }

// Kinds in the order reviewers read them: what breaks, what opens, what clients must change.
var kinds = []struct {
	name    string
	entries func(p *plan.Plan) []entity
}{
	{"finding", findings},
	{"flow", each(func(p *plan.Plan) []*plan.Flow { return p.Flows }, func(f *plan.Flow) (string, string) {
		return f.ID, fmt.Sprintf("%s → %s %s/%s: %s", f.From, f.To, plan.JoinPorts(f.Ports, ","), f.Protocol, f.Purpose)
	})},
	{"endpoint", each(func(p *plan.Plan) []*plan.Endpoint { return p.Endpoints }, func(e *plan.Endpoint) (string, string) {
		return e.ID, fmt.Sprintf("%s:%d (%s) → %s", e.FQDN, e.Port, strings.Join(e.Roles, ", "), e.Target)
	})},
	{"certificate", each(func(p *plan.Plan) []*plan.CertRequest { return p.CertRequests }, func(c *plan.CertRequest) (string, string) {
		return c.ID, fmt.Sprintf("%s for %s (%s)", c.Purpose, c.Subject, strings.Join(c.DNSNames, ", "))
	})},
	{"install", each(func(p *plan.Plan) []*plan.InstallProfile { return p.Installs }, func(i *plan.InstallProfile) (string, string) {
		return i.ID, i.CommandLine
	})},
	{"proxy-route", each(func(p *plan.Plan) []*plan.ProxyRoute { return p.ProxyRoutes }, func(r *plan.ProxyRoute) (string, string) {
		return r.ID, fmt.Sprintf("%s :%d %s → %s:%d", r.Host, r.ListenPort, r.Scheme, r.BackendHost, r.BackendPort)
	})},
}

// entity is one comparable item: its ID, one-line summary and the value compared.
type entity struct {
	id, summary string
	value       any
}

func each[T any](list func(*plan.Plan) []T, describe func(T) (string, string)) func(*plan.Plan) []entity {
	return func(p *plan.Plan) []entity {
		var out []entity
		for _, x := range list(p) {
			id, summary := describe(x)
			out = append(out, entity{id: id, summary: summary, value: x})
		}
		return out
	}
}

// findings are keyed by code and design path; the message is an attribute, so rewording shows as a change.
func findings(p *plan.Plan) []entity {
	var out []entity
	seen := map[string]int{}
	for _, d := range p.Findings {
		id := d.Code + " " + d.Path
		if n := seen[id]; n > 0 {
			id = fmt.Sprintf("%s #%d", id, n+1)
		}
		seen[d.Code+" "+d.Path]++
		d := d
		d.Pos = diag.Pos{} // a finding that moves lines is the same finding
		out = append(out, entity{id: id, summary: fmt.Sprintf("%s %s: %s", d.Severity, d.Name, d.Message), value: d})
	}
	return out
}

// Plans compares two plans entity by entity.
func Plans(oldPlan, newPlan *plan.Plan) []EntityChange {
	var out []EntityChange
	for _, k := range kinds {
		before := index(k.entries(oldPlan))
		after := index(k.entries(newPlan))
		ids := make([]string, 0, len(before)+len(after))
		for id := range before {
			ids = append(ids, id)
		}
		for id := range after {
			if _, ok := before[id]; !ok {
				ids = append(ids, id)
			}
		}
		slices.Sort(ids)
		for _, id := range ids {
			b, inOld := before[id]
			a, inNew := after[id]
			switch {
			case !inOld:
				out = append(out, EntityChange{Kind: k.name, ID: id, Action: Add, Summary: a.summary, Fields: fields(a.value)})
			case !inNew:
				out = append(out, EntityChange{Kind: k.name, ID: id, Action: Remove, Summary: b.summary, Fields: fields(b.value)})
			case !gocmp.Equal(b.value, a.value):
				out = append(out, EntityChange{Kind: k.name, ID: id, Action: Change, Summary: a.summary, Changes: fieldChanges(fields(b.value), fields(a.value))})
			}
		}
	}
	return out
}

func index(es []entity) map[string]entity {
	m := make(map[string]entity, len(es))
	for _, e := range es {
		m[e.id] = e
	}
	return m
}

// fields flattens an entity struct into named text values, in declaration order. Reflection keeps the
// differ in step with the plan as entity types gain fields.
func fields(v any) []Field {
	rv := reflect.Indirect(reflect.ValueOf(v))
	var out []Field
	var walk func(prefix string, rv reflect.Value)
	walk = func(prefix string, rv reflect.Value) {
		rt := rv.Type()
		for i := 0; i < rt.NumField(); i++ {
			f := rt.Field(i)
			if !f.IsExported() || f.Name == "Path" {
				continue
			}
			fv := rv.Field(i)
			name := prefix + f.Name
			if f.Anonymous {
				name = prefix
			}
			if fv.Kind() == reflect.Struct && fv.Type() != reflect.TypeOf(diag.Pos{}) {
				walk(name+dot(name), fv)
				continue
			}
			out = append(out, Field{Name: name, Value: text(fv)})
		}
	}
	walk("", rv)
	return out
}

func dot(name string) string {
	if name == "" {
		return ""
	}
	return "."
}

func text(v reflect.Value) string {
	switch v.Kind() {
	case reflect.Slice:
		parts := make([]string, v.Len())
		for i := range parts {
			parts[i] = text(v.Index(i))
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case reflect.Pointer:
		if v.IsNil() {
			return "—"
		}
		return text(v.Elem())
	case reflect.Struct:
		var parts []string
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() {
				parts = append(parts, v.Type().Field(i).Name+"="+text(v.Field(i)))
			}
		}
		return "{" + strings.Join(parts, " ") + "}"
	default:
		if s, ok := v.Interface().(fmt.Stringer); ok {
			return s.String()
		}
		return fmt.Sprint(v.Interface())
	}
}

func fieldChanges(before, after []Field) []FieldChange {
	b := map[string]string{}
	for _, f := range before {
		b[f.Name] = f.Value
	}
	var out []FieldChange
	seen := map[string]bool{}
	for _, f := range after {
		seen[f.Name] = true
		if old, ok := b[f.Name]; !ok || old != f.Value {
			out = append(out, FieldChange{Name: f.Name, Before: old, After: f.Value})
		}
	}
	for _, f := range before {
		if !seen[f.Name] {
			out = append(out, FieldChange{Name: f.Name, Before: f.Value})
		}
	}
	return out
}

// SortFiles orders file changes by path.
func SortFiles(files []FileChange) {
	slices.SortFunc(files, func(a, b FileChange) int { return cmp.Compare(a.Path, b.Path) })
}
