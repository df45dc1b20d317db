package compiler

import (
	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/token"

	"github.com/ibcmc/ibcmc/diag"
	"github.com/ibcmc/ibcmc/plan"
)

// positions maps design paths to the position of the label that wrote them, so a finding points at the
// field the user should change (the label, as the spec's examples show), not at a schema default.
type positions map[string]diag.Pos

// fileKey (the empty path) holds the first design file, the position of last resort when nothing
// enclosing is written.
const fileKey = ""

func collectPositions(in *userInput, cwd string) positions {
	return positionsOf(in.files, in.exprs, cwd)
}

// positionsOf maps the paths written in parsed files and JSON documents to their label positions.
func positionsOf(files []*ast.File, exprs []ast.Expr, cwd string) positions {
	m := positions{}
	for _, f := range files {
		if _, ok := m[fileKey]; !ok && f.Filename != "" {
			m[fileKey] = diag.Pos{File: displayPath(f.Filename, cwd), Line: 1, Column: 1}
		}
		for _, d := range f.Decls {
			m.walk(d, "", cwd)
		}
	}
	for _, e := range exprs {
		if _, ok := m[fileKey]; !ok && e.Pos().IsValid() {
			m[fileKey] = diag.Pos{File: displayPath(e.Pos().Filename(), cwd), Line: 1, Column: 1}
		}
		m.walk(e, "", cwd)
	}
	return m
}

func (m positions) record(path string, p token.Pos, cwd string) {
	if _, ok := m[path]; ok || !p.IsValid() {
		return
	}
	m[path] = diag.Pos{File: displayPath(p.Filename(), cwd), Line: p.Line(), Column: p.Column()}
}

func (m positions) walk(n ast.Node, prefix string, cwd string) {
	switch x := n.(type) {
	case *ast.Field:
		name, _, err := ast.LabelName(x.Label)
		if err != nil {
			return // pattern constraints and computed labels write no single path
		}
		p := plan.Join(prefix, name)
		m.record(p, x.Label.Pos(), cwd)
		m.walk(x.Value, p, cwd)
	case *ast.StructLit:
		for _, e := range x.Elts {
			m.walk(e, prefix, cwd)
		}
	case *ast.ListLit:
		for i, e := range x.Elts {
			p := plan.Index(prefix, i)
			m.record(p, e.Pos(), cwd)
			m.walk(e, p, cwd)
		}
	case *ast.EmbedDecl:
		m.walk(x.Expr, prefix, cwd)
	case *ast.BinaryExpr:
		m.walk(x.X, prefix, cwd)
		m.walk(x.Y, prefix, cwd)
	case *ast.ParenExpr:
		m.walk(x.X, prefix, cwd)
	}
}

// written reports whether the design writes this exact path.
func (m positions) written(path string) bool {
	_, ok := m[path]
	return ok
}

// nearest returns the position of the path, or of its nearest written ancestor.
func (m positions) nearest(path string) diag.Pos { return plan.NearestPos(m, path) }
