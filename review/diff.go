// Package review compares two compiled designs by the stable IDs of what they produce — findings, flows,
// internet endpoints, proxy routes, client install lines and certificate requests — and renders the
// changes for a reviewer. The differ (this file and describe.go) is separate from the renderers
// (render.go); files.go diffs the artifact files line by line (--files). Every attribute is named and
// spelled as a reviewer reads it (describe.go), never as a Go field or value dump.
package review

import (
	"cmp"
	"reflect"
	"slices"
	"strconv"
	"strings"

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

// Field is one named attribute of an entity: a single value, or a list of items (addresses, ports, DNS
// names) that changes item by item. An attribute without a value is left out.
type Field struct {
	Name  string   `json:"name"`
	Value string   `json:"value,omitempty"`
	Items []string `json:"items,omitempty"`

	// literal: the value is written as it appears on a command line ("SMSSITECODE=FAB", "/UsePKICert"),
	// so it names itself and is shown without the attribute name.
	literal bool
	list    bool
}

// FieldChange is an attribute whose value differs. A single value shows as before and after (either empty
// when the attribute is new or gone); a list shows the items added and removed.
type FieldChange struct {
	Name    string   `json:"name"`
	Before  string   `json:"before,omitempty"`
	After   string   `json:"after,omitempty"`
	Added   []string `json:"added,omitempty"`
	Removed []string `json:"removed,omitempty"`

	literal bool
	single  bool // a list of at most one item on both sides
}

// EntityChange is one added, removed or changed entity.
type EntityChange struct {
	Kind    string        `json:"kind"`
	ID      string        `json:"id"`
	Action  Action        `json:"action"`
	Summary string        `json:"summary"`          // one line a reviewer reads first (after the change)
	Fields  []Field       `json:"fields,omitempty"` // every attribute, for additions and removals
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

// Plans compares two plans entity by entity, kind by kind in the order reviewers read them (Kinds).
func Plans(oldPlan, newPlan *plan.Plan) []EntityChange {
	var out []EntityChange
	for _, k := range kinds {
		out = k.compare(k.Name, oldPlan, newPlan, out)
	}
	return out
}

// compareFunc appends the changes of one kind (name) between two plans to out.
type compareFunc func(name string, oldPlan, newPlan *plan.Plan, out []EntityChange) []EntityChange

// entity is one comparable item: its ID, one-line summary and attributes.
type entity struct {
	id, summary string
	fields      []Field
}

// comparer returns the compare function of a kind: entities are matched by ID; only those that are added,
// removed or differ (reflect.DeepEqual on the plan's value) are described, so an unchanged design of
// thousands of systems costs one walk of each list.
func comparer[T any](list func(*plan.Plan) []T, id func(T) string, describe func(T) entity) compareFunc {
	return func(name string, oldPlan, newPlan *plan.Plan, out []EntityChange) []EntityChange {
		before, after := sortedByID(list(oldPlan), id), sortedByID(list(newPlan), id)
		i, j := 0, 0
		for i < len(before) || j < len(after) {
			var c int
			switch {
			case i == len(before):
				c = 1
			case j == len(after):
				c = -1
			default:
				c = strings.Compare(id(before[i]), id(after[j]))
			}
			switch {
			case c < 0:
				e := describe(before[i])
				out = append(out, EntityChange{Kind: name, ID: e.id, Action: Remove, Summary: e.summary, Fields: e.fields})
				i++
			case c > 0:
				e := describe(after[j])
				out = append(out, EntityChange{Kind: name, ID: e.id, Action: Add, Summary: e.summary, Fields: e.fields})
				j++
			default:
				if !reflect.DeepEqual(before[i], after[j]) {
					b, a := describe(before[i]), describe(after[j])
					if changes := fieldChanges(b.fields, a.fields); len(changes) > 0 {
						out = append(out, EntityChange{Kind: name, ID: a.id, Action: Change, Summary: a.summary, Changes: changes})
					}
				}
				i++
				j++
			}
		}
		return out
	}
}

// sortedByID returns the list in ID order; plan lists already are, and are then returned as they are.
func sortedByID[T any](xs []T, id func(T) string) []T {
	less := func(a, b T) int { return strings.Compare(id(a), id(b)) }
	if slices.IsSortedFunc(xs, less) {
		return xs
	}
	xs = slices.Clone(xs)
	slices.SortStableFunc(xs, less)
	return xs
}

// fieldChanges compares two attribute lists by name: the new side's order first, then attributes only
// the old side has.
func fieldChanges(before, after []Field) []FieldChange {
	b := make(map[string]Field, len(before))
	for _, f := range before {
		b[f.Name] = f
	}
	var out []FieldChange
	seen := make(map[string]bool, len(after))
	for _, f := range after {
		seen[f.Name] = true
		old, ok := b[f.Name]
		if ok && equalField(old, f) {
			continue
		}
		out = append(out, change(f.Name, old, f))
	}
	for _, f := range before {
		if !seen[f.Name] {
			out = append(out, change(f.Name, f, Field{}))
		}
	}
	return out
}

func equalField(a, b Field) bool { return a.Value == b.Value && slices.Equal(a.Items, b.Items) }

func change(name string, before, after Field) FieldChange {
	c := FieldChange{Name: name, literal: before.literal || after.literal}
	if !before.list && !after.list {
		c.Before, c.After = before.Value, after.Value
		return c
	}
	// One address or name for another reads best as before → after (the renderers' choice; JSON keeps
	// added and removed for every list).
	c.single = len(before.Items) <= 1 && len(after.Items) <= 1
	c.Added, c.Removed = setDiff(after.Items, before.Items), setDiff(before.Items, after.Items)
	if len(c.Added) == 0 && len(c.Removed) == 0 {
		// The same items in another order (the order of DNS names or trusted roots can matter).
		c.Before, c.After = joinItems(before.Items), joinItems(after.Items)
	}
	return c
}

// setDiff returns the items of a that b lacks, in a's order.
func setDiff(a, b []string) []string {
	in := make(map[string]bool, len(b))
	for _, s := range b {
		in[s] = true
	}
	var out []string
	for _, s := range a {
		if !in[s] {
			out = append(out, s)
		}
	}
	return out
}

// uniqueNames makes attribute names unique within an entity (a parameter given twice), so comparing by
// name never drops one.
func uniqueNames(fs []Field) []Field {
	seen := make(map[string]int, len(fs))
	for i := range fs {
		n := seen[fs[i].Name]
		seen[fs[i].Name] = n + 1
		if n > 0 {
			fs[i].Name += " #" + strconv.Itoa(n+1)
		}
	}
	return fs
}

// SortFiles orders file changes by path.
func SortFiles(files []FileChange) {
	slices.SortFunc(files, func(a, b FileChange) int { return cmp.Compare(a.Path, b.Path) })
}

func joinItems(items []string) string { return strings.Join(items, ", ") }
