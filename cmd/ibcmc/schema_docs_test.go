package main

import (
	"io/fs"
	"os"
	"regexp"
	"strings"
	"testing"

	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/parser"

	"github.com/ibcmc/ibcmc/schema"
)

// schemaField is a field of the embedded schema: its path (definitions by name, e.g. "#Site.database.port"),
// whether it has a doc comment, and whether it is written on its parent's line (a one-line struct such as
// {allow: #Allow}, which its parent's comment covers).
type schemaField struct {
	path      string
	label     string
	commented bool
	inline    bool
}

// schemaFields lists every field of the embedded schema.
func schemaFields(t *testing.T) []schemaField {
	t.Helper()
	data, err := fs.ReadFile(schema.FS, "design.cue")
	if err != nil {
		t.Fatal(err)
	}
	f, err := parser.ParseFile("design.cue", data, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	var out []schemaField
	var walk func(decls []ast.Decl, prefix string, parentLine int)
	walk = func(decls []ast.Decl, prefix string, parentLine int) {
		for _, d := range decls {
			field, ok := d.(*ast.Field)
			if !ok {
				continue
			}
			label, _, err := ast.LabelName(field.Label)
			if err != nil {
				continue // a pattern constraint such as [Name=string]: its value is walked below
			}
			commented := false
			for _, cg := range ast.Comments(field) {
				if cg.Doc {
					commented = true
				}
			}
			path := strings.TrimPrefix(prefix+"."+label, ".")
			line := field.Pos().Line()
			out = append(out, schemaField{path: path, label: label, commented: commented, inline: line == parentLine})
			walkValue(field.Value, path, line, walk)
		}
	}
	walk(f.Decls, "", 0)
	return out
}

// walkValue descends into the structs of a field's value: a struct literal, the struct of a pattern
// constraint ([Name=string]: {...}), or the struct operands of a conjunction or disjunction.
func walkValue(v ast.Expr, path string, line int, walk func([]ast.Decl, string, int)) {
	switch x := v.(type) {
	case *ast.StructLit:
		for _, d := range x.Elts {
			// A pattern constraint's fields belong to every entry: forests.<name>.dns is "#Design.forests.dns".
			if f, ok := d.(*ast.Field); ok {
				if _, ok := f.Label.(*ast.ListLit); ok {
					walkValue(f.Value, path, line, walk)
				}
			}
		}
		walk(x.Elts, path, line)
	case *ast.BinaryExpr:
		walkValue(x.X, path, line, walk)
		walkValue(x.Y, path, line, walk)
	}
}

// Every field of the schema says what it is: `ibcmc schema` prints the file, and editors show the comments.
func TestSchemaFieldsAreCommented(t *testing.T) {
	fields := schemaFields(t)
	if len(fields) < 150 {
		t.Fatalf("found %d schema fields: the walk is broken", len(fields))
	}
	for _, f := range fields {
		if !f.commented && !f.inline && !strings.HasPrefix(f.label, "#") {
			t.Errorf("schema field %s has no comment", f.path)
		}
	}
}

// Every field name of the schema appears in the design-language reference.
func TestDesignLanguageDocCoversSchema(t *testing.T) {
	doc, err := os.ReadFile("docs/design-language.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range schemaFields(t) {
		if strings.HasPrefix(f.label, "#") {
			continue
		}
		// A quoted label ("$schema") is named without its quotes; word boundaries don't work next to "$".
		label := strings.Trim(f.label, `"`)
		if !regexp.MustCompile("`([^`\n]*[^A-Za-z0-9_$`])?" + regexp.QuoteMeta(label) + "([^A-Za-z0-9_`][^`\n]*)?`").Match(doc) {
			t.Errorf("docs/design-language.md does not name schema field %s", f.path)
		}
	}
}
