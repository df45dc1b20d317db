// Package diag holds the diagnostics ibcmc reports: the user-facing findings of the schema and the rules,
// with the design path and source position they concern, and their text, JSON, SARIF and GitHub Actions
// renderings.
package diag

import (
	"cmp"
	"fmt"
	"slices"
)

// Severity of a finding. Errors fail the build; warnings fail it only with --strict; infos are report-only.
type Severity int

const (
	Info Severity = iota
	Warning
	Error
)

func (s Severity) String() string {
	switch s {
	case Error:
		return "error"
	case Warning:
		return "warning"
	default:
		return "info"
	}
}

// MarshalText makes severities read as words in JSON.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText reads a severity word.
func (s *Severity) UnmarshalText(b []byte) error {
	switch string(b) {
	case "error":
		*s = Error
	case "warning":
		*s = Warning
	case "info":
		*s = Info
	default:
		return fmt.Errorf("unknown severity %q", b)
	}
	return nil
}

// Pos is a position in a design file; File is relative to the working directory when it lies below it.
type Pos struct {
	File   string `json:"file"`
	Line   int    `json:"line"`
	Column int    `json:"column"`
}

// IsValid reports whether the position names a file.
func (p Pos) IsValid() bool { return p.File != "" }

func (p Pos) String() string {
	switch {
	case p.File == "":
		return "-"
	case p.Line == 0:
		return p.File
	default:
		return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Column)
	}
}

// Diagnostic is one finding. Path and Pos name the same field: the one the user should change.
type Diagnostic struct {
	Code     string   `json:"code"`
	Name     string   `json:"name"`
	Severity Severity `json:"severity"`
	Message  string   `json:"message"`
	Hint     string   `json:"hint,omitempty"`
	Path     string   `json:"path,omitempty"`
	Pos      Pos      `json:"pos"`
	Source   string   `json:"source,omitempty"`
	// Waived is set when a waiver of the design accepts the finding: it stays visible everywhere but no
	// longer counts as an error or warning (exit status, --strict).
	Waived *Waiver `json:"waived,omitempty"`
	// Default is set when the design does not write the finding's field (Path): the value the finding is
	// about is the schema's default, or the field is unset. Pos is then the nearest field the design
	// writes, so each format says so (Note) rather than leave the user looking for the field there.
	Default *Default `json:"default,omitempty"`
}

// Default is how a field the design does not write gets its value.
type Default struct {
	// Value is the schema's default that applies, as a design writes it ("ksp", true, 1433, []); empty
	// when the field is unset, or its value is not a default of one line (a struct of defaults).
	Value string `json:"value,omitempty"`
	// Unset: the field has no default and the design leaves it out.
	Unset bool `json:"unset,omitempty"`
}

// Note is the sentence the text formats print for a finding about a field the design does not write
// ("" for any other finding): "systems.dp1.forest is not written in the design and has no default".
func (d Diagnostic) Note() string {
	if d.Default == nil {
		return ""
	}
	field := d.Path
	if field == "" {
		field = "the field"
	}
	switch {
	case d.Default.Unset:
		return field + " is not written in the design and has no default"
	case d.Default.Value != "":
		return field + " is not written in the design: its default, " + d.Default.Value + ", applies"
	default:
		return field + " is not written in the design"
	}
}

// Waiver is the design's acceptance of a finding, as the finding carries it.
type Waiver struct {
	Reason  string `json:"reason"`
	Expires string `json:"expires,omitempty"` // YYYY-MM-DD, the last day the waiver applies
	Path    string `json:"path"`              // the waiver's own place in the design, waivers[i]
}

// String says why and until when a finding is accepted, for the text outputs.
func (w *Waiver) String() string {
	s := w.Reason + " (" + w.Path
	if w.Expires != "" {
		s += ", until " + w.Expires
	}
	return s + ")"
}

// List is a set of diagnostics.
type List []Diagnostic

// Count returns the number of errors and warnings that count: waived findings are left out.
func (l List) Count() (errors, warnings int) {
	for _, d := range l {
		if d.Waived != nil {
			continue
		}
		switch d.Severity {
		case Error:
			errors++
		case Warning:
			warnings++
		}
	}
	return errors, warnings
}

// Waived returns the number of findings a waiver accepts.
func (l List) Waived() int {
	n := 0
	for _, d := range l {
		if d.Waived != nil {
			n++
		}
	}
	return n
}

// HasErrors reports whether any diagnostic is an error, or a warning when strict; waived ones do not count.
func (l List) HasErrors(strict bool) bool {
	e, w := l.Count()
	return e > 0 || (strict && w > 0)
}

// Strict returns a copy where warnings are promoted to errors (--strict); a waived warning stays a warning.
func (l List) Strict() List {
	out := slices.Clone(l)
	for i := range out {
		if out[i].Severity == Warning && out[i].Waived == nil {
			out[i].Severity = Error
		}
	}
	return out
}

// Sort orders diagnostics by file, line, column, code, path and message so output is deterministic.
func (l List) Sort() {
	slices.SortStableFunc(l, func(a, b Diagnostic) int {
		return cmp.Or(
			cmp.Compare(a.Pos.File, b.Pos.File),
			cmp.Compare(a.Pos.Line, b.Pos.Line),
			cmp.Compare(a.Pos.Column, b.Pos.Column),
			cmp.Compare(a.Code, b.Code),
			cmp.Compare(a.Path, b.Path),
			cmp.Compare(a.Message, b.Message),
		)
	})
}
