package compiler

import (
	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/token"

	"github.com/ibcmc/ibcmc/diag"
	"github.com/ibcmc/ibcmc/plan"
)

// positions maps design paths to where the design writes them, so a finding points at the field the user
// should change, not at a schema default. For a valid design the decoder records them from the values
// (decodeInto); collectPositions reads them from the syntax tree's labels, for schema errors (the design
// did not evaluate to values to walk) and for a field written in several places.
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
	w := &positionWalker{m: m, cwd: cwd}
	for _, f := range files {
		if _, ok := m[fileKey]; !ok && f.Filename != "" {
			m[fileKey] = diag.Pos{File: displayPath(f.Filename, cwd), Line: 1, Column: 1}
		}
		for _, d := range f.Decls {
			w.walk(d, "")
		}
	}
	for _, e := range exprs {
		if _, ok := m[fileKey]; !ok && e.Pos().IsValid() {
			m[fileKey] = diag.Pos{File: displayPath(e.Pos().Filename(), cwd), Line: 1, Column: 1}
		}
		w.walk(e, "")
	}
	return m
}

// positionWalker records label positions; it remembers the display name of the last file, since every
// label of a file shares it and filepath.Rel per label showed in profiles of large designs.
type positionWalker struct {
	m                     positions
	cwd                   string
	lastFile, lastDisplay string
}

func (w *positionWalker) record(path string, p token.Pos) {
	if _, ok := w.m[path]; ok || !p.IsValid() {
		return
	}
	if f := p.Filename(); f != w.lastFile || w.lastDisplay == "" {
		w.lastFile, w.lastDisplay = f, displayPath(f, w.cwd)
	}
	w.m[path] = diag.Pos{File: w.lastDisplay, Line: p.Line(), Column: p.Column()}
}

func (w *positionWalker) walk(n ast.Node, prefix string) {
	switch x := n.(type) {
	case *ast.Field:
		name, _, err := ast.LabelName(x.Label)
		if err != nil {
			return // pattern constraints and computed labels write no single path
		}
		p := plan.Join(prefix, name)
		w.record(p, x.Label.Pos())
		w.walk(x.Value, p)
	case *ast.StructLit:
		for _, e := range x.Elts {
			w.walk(e, prefix)
		}
	case *ast.ListLit:
		for i, e := range x.Elts {
			p := plan.Index(prefix, i)
			w.record(p, e.Pos())
			w.walk(e, p)
		}
	case *ast.EmbedDecl:
		w.walk(x.Expr, prefix)
	case *ast.BinaryExpr:
		w.walk(x.X, prefix)
		w.walk(x.Y, prefix)
	case *ast.ParenExpr:
		w.walk(x.X, prefix)
	}
}

// written reports whether the design writes this exact path.
func (m positions) written(path string) bool {
	_, ok := m[path]
	return ok
}

// nearest returns the position of the path, or of its nearest written ancestor.
func (m positions) nearest(path string) diag.Pos { return plan.NearestPos(m, path) }
