package compiler

import (
	"bytes"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing/fstest"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/build"
	"cuelang.org/go/cue/cuecontext"
	"cuelang.org/go/cue/format"
	"cuelang.org/go/cue/load"
	"cuelang.org/go/cue/parser"
	"cuelang.org/go/cue/token"

	"github.com/ibcmc/ibcmc/schema"
)

// The evaluation schema is schema/design.cue with its constant defaults taken out of the evaluator's way:
// a field written `zone: *"intranet" | string` is evaluated as `zone?: "intranet" | string`, and the
// decoder fills a field the design leaves out with the default the schema states (schemaDefaults).
//
// Why: CUE evaluates every defaulted field of every system, population and proxy as a disjunction, written
// or not; at 5,000 systems that was half of the compile (BenchmarkStages/unify-validate, issue 10). An
// optional field the design does not write costs nothing.
//
// The schema as written stays the contract (`ibcmc schema` prints it, and its defaults are the ones the
// decoder applies). A design the evaluation schema does not accept is evaluated again against the schema as
// written, and only that evaluation's diagnostics are reported, so what a user sees never depends on this
// shortcut. The cases where the two could disagree are designs that read a defaulted field they do not
// write (with the shortcut it is an unset optional field: an error, so the fallback decides) and designs
// that put their own default on a field the schema also defaults (docs/spec-notes.md).
//
// Left as written: defaults that are not constants (`*Name`, `*siteServer`), and every field of a struct that
// declares `let` bindings, since a binding may read a defaulted field.
//
// A CUE design is evaluated in one pass with this schema compiled into its package (evaluateEmbedded);
// JSON and YAML designs, and CUE designs that pass fails, are evaluated on their own and unified with it
// (unifyWithSchema).

var (
	evalSchemaOnce sync.Once
	evalSchemaInst *build.Instance
	evalSchemaErr  error
	evalSchemaText []byte // the transformed sources, for tests
)

// loadEvalSchemaInstance parses and transforms the embedded schema once per process.
func loadEvalSchemaInstance() (*build.Instance, error) {
	evalSchemaOnce.Do(func() {
		evalSchemaInst, evalSchemaErr = buildEvalSchemaInstance()
	})
	return evalSchemaInst, evalSchemaErr
}

func buildEvalSchemaInstance() (*build.Instance, error) {
	files, err := fs.Glob(schema.FS, "*.cue")
	if err != nil {
		return nil, err
	}
	// A map file system holds the transformed sources beside the module file, so the evaluation schema is
	// loaded exactly like the embedded one.
	tree := fstest.MapFS{}
	module, err := fs.ReadFile(schema.FS, "cue.mod/module.cue")
	if err != nil {
		return nil, err
	}
	tree["cue.mod/module.cue"] = &fstest.MapFile{Data: module}
	if len(files) != 1 {
		return nil, fmt.Errorf("the embedded evaluation schema expects one schema file, found %d", len(files))
	}
	for _, name := range files {
		src, err := fs.ReadFile(schema.FS, name)
		if err != nil {
			return nil, err
		}
		f, err := parser.ParseFile(name, src, parser.ParseComments)
		if err != nil {
			return nil, err
		}
		stripConstantDefaults(f)
		out, err := format.Node(f)
		if err != nil {
			return nil, fmt.Errorf("formatting the evaluation schema: %w", err)
		}
		tree[name] = &fstest.MapFile{Data: out}
		evalSchemaText = append(evalSchemaText, out...)
		// The schema is one file; the embedded form is made from the same transformed syntax tree.
		evalSchemaEmbedded, evalSchemaDesignFields, evalSchemaEmbeddedErr = buildEmbeddedSchema(f)
	}
	insts := load.Instances([]string{"."}, &load.Config{
		FS:         tree,
		FromFSPath: func(s string) string { return path.Join(schemaPrefix, s) },
	})
	return insts[0], insts[0].Err
}

// stripConstantDefaults rewrites the file in place: top-level definitions that are a disjunction with a
// constant default lose the default, and every regular field whose value is such a disjunction, or refers
// to such a definition, becomes optional. Disjunctions of string literals become one pattern, and a
// default literal is dropped where another alternative is a type (`*"intranet" | string` is `string`):
// CUE evaluates a disjunction by trying each alternative, a pattern or a type in one step.
//
// Every rewrite accepts exactly the values the schema as written accepts, or fewer (a literal dropped in
// favour of a type it does not satisfy); fewer is safe, since a design the evaluation schema refuses is
// evaluated again against the schema as written.
func stripConstantDefaults(f *ast.File) {
	defaulted := map[string]bool{}
	for _, d := range f.Decls {
		if fd, ok := d.(*ast.Field); ok {
			name, _, _ := ast.LabelName(fd.Label)
			if v, changed, hadDefault := simplifyDisjunction(fd.Value); changed {
				fd.Value = v
				if hadDefault && name != "" {
					defaulted[name] = true
				}
			}
		}
	}
	for _, d := range f.Decls {
		if fd, ok := d.(*ast.Field); ok {
			stripInExpr(fd.Value, defaulted)
		}
	}
}

// stripInExpr walks an expression for struct literals and rewrites their fields.
func stripInExpr(e ast.Expr, defaulted map[string]bool) {
	ast.Walk(e, func(n ast.Node) bool {
		s, ok := n.(*ast.StructLit)
		if !ok {
			return true
		}
		for _, el := range s.Elts {
			if _, isLet := el.(*ast.LetClause); isLet {
				return false // a binding may read a defaulted field: keep this struct as written
			}
		}
		for _, el := range s.Elts {
			fd, ok := el.(*ast.Field)
			if !ok {
				continue
			}
			v, changed, hadDefault := simplifyDisjunction(fd.Value)
			if changed {
				fd.Value = v
			}
			if fd.Constraint == token.ILLEGAL && (hadDefault || refersTo(fd.Value, defaulted)) {
				fd.Constraint = token.OPTION
			}
		}
		return true
	}, nil)
}

func refersTo(e ast.Expr, names map[string]bool) bool {
	id, ok := e.(*ast.Ident)
	return ok && names[id.Name]
}

// simplifyDisjunction returns the rewritten expression, whether it changed, and whether it had a constant
// default (now removed). Disjunctions with a computed default (`*Name | #FQDN`) are left alone.
func simplifyDisjunction(e ast.Expr) (out ast.Expr, changed, hadDefault bool) {
	or, ok := e.(*ast.BinaryExpr)
	if !ok || or.Op != token.OR {
		return e, false, false
	}
	var alts []ast.Expr
	var collect func(x ast.Expr)
	collect = func(x ast.Expr) {
		if b, ok := x.(*ast.BinaryExpr); ok && b.Op == token.OR {
			collect(b.X)
			collect(b.Y)
			return
		}
		alts = append(alts, x)
	}
	collect(or)
	defaultAt := -1
	for i, alt := range alts {
		if mark, ok := alt.(*ast.UnaryExpr); ok && mark.Op == token.MUL {
			if defaultAt >= 0 || !isConstant(mark.X) {
				return e, false, false
			}
			defaultAt = i
			alts[i] = mark.X
		}
	}
	hadDefault = defaultAt >= 0
	if hadDefault && hasTypeAlternative(alts) {
		// the default literal is one value of a type alternative (or is refused, which is safe)
		alts = append(alts[:defaultAt], alts[defaultAt+1:]...)
	}
	if lits, ok := stringLiterals(alts); ok && len(lits) > 1 {
		quoted := make([]string, len(lits))
		for i, l := range lits {
			quoted[i] = regexp.QuoteMeta(l)
		}
		pattern := "^(?:" + strings.Join(quoted, "|") + ")$"
		return &ast.BinaryExpr{X: ast.NewIdent("string"), Op: token.AND,
			Y: &ast.UnaryExpr{Op: token.MAT, X: ast.NewString(pattern)}}, true, hadDefault
	}
	out = alts[0]
	for _, alt := range alts[1:] {
		out = &ast.BinaryExpr{X: out, Op: token.OR, Y: alt}
	}
	return out, hadDefault || len(alts) == 1, hadDefault
}

func hasTypeAlternative(alts []ast.Expr) bool {
	for _, a := range alts {
		if !isConstant(a) {
			return true
		}
	}
	return false
}

// stringLiterals returns the values of alternatives that are all string literals.
func stringLiterals(alts []ast.Expr) ([]string, bool) {
	var out []string
	for _, a := range alts {
		lit, ok := a.(*ast.BasicLit)
		if !ok || lit.Kind != token.STRING {
			return nil, false
		}
		s, err := strconv.Unquote(lit.Value)
		if err != nil {
			return nil, false
		}
		out = append(out, s)
	}
	return out, true
}

func isConstant(e ast.Expr) bool {
	switch x := e.(type) {
	case *ast.BasicLit:
		return true
	case *ast.UnaryExpr:
		_, lit := x.X.(*ast.BasicLit)
		return lit && (x.Op == token.SUB || x.Op == token.ADD)
	}
	return false
}

// schemaDefaults answers "what does the schema as written put in this field when the design leaves it
// out?" for the decoder. Paths are schema paths: map keys and list indexes are wildcards, so there is one
// entry per field of the design language, whatever the design's size.
type schemaDefaults struct {
	mu    sync.Mutex
	root  cue.Value // #Design of the schema as written, in its own context
	cache map[string]defaultValue
}

type defaultValue struct {
	value any // string, int64 or bool; nil when the field has no constant default
}

var (
	defaultsOnce sync.Once
	defaults     *schemaDefaults
	defaultsErr  error
)

func loadSchemaDefaults() (*schemaDefaults, error) {
	defaultsOnce.Do(func() {
		inst, err := loadSchemaInstance()
		if err != nil {
			defaultsErr = err
			return
		}
		v := cuecontext.New().BuildInstance(inst)
		if v.Err() != nil {
			defaultsErr = v.Err()
			return
		}
		defaults = &schemaDefaults{root: v.LookupPath(cue.ParsePath(schema.DesignSelector)), cache: map[string]defaultValue{}}
	})
	return defaults, defaultsErr
}

// lookup finds the default of the field at a schema path (elements: field names, anyKey, anyIndex).
func (d *schemaDefaults) lookup(elems []pathElem) any {
	key := schemaKey(elems)
	d.mu.Lock() // the CUE runtime is not safe for concurrent use; compiles may run in parallel
	defer d.mu.Unlock()
	if dv, ok := d.cache[key]; ok {
		return dv.value
	}
	v := d.root
	for i, e := range elems {
		switch {
		case e.anyKey:
			v = v.LookupPath(cue.MakePath(cue.AnyString))
		case e.anyIndex:
			v = v.LookupPath(cue.MakePath(cue.AnyIndex))
		default:
			// Optional parents (roles.serviceConnectionPoint) are only found with an optional selector; a
			// field that is itself optional in the schema has no default to apply.
			next := v.LookupPath(cue.MakePath(cue.Str(e.name)))
			if !next.Exists() && i < len(elems)-1 {
				next = v.LookupPath(cue.MakePath(cue.Str(e.name).Optional()))
			}
			v = next
		}
		if !v.Exists() {
			break
		}
	}
	var out any
	if def, ok := v.Default(); ok && v.Exists() && def.IsConcrete() {
		switch def.Kind() {
		case cue.StringKind:
			out, _ = def.String()
		case cue.IntKind:
			out, _ = def.Int64()
		case cue.BoolKind:
			out, _ = def.Bool()
		}
	}
	d.cache[key] = defaultValue{value: out}
	return out
}

func schemaKey(elems []pathElem) string {
	n := 0
	for _, e := range elems {
		n += len(e.name) + 1
	}
	b := make([]byte, 0, n+4*len(elems))
	for _, e := range elems {
		switch {
		case e.anyKey:
			b = append(b, "[*]"...)
		case e.anyIndex:
			b = append(b, "[]"...)
		default:
			b = append(b, '.')
			b = append(b, e.name...)
		}
	}
	return string(b)
}

// embeddedPrefix renames the evaluation schema's definitions when it is compiled into the user's package:
// hidden definitions (#_…) are private to the package and cannot collide with a design's own names.
const embeddedPrefix = "#_ibcmc"

// embeddedSchemaSource is the evaluation schema without its package clause, its definitions renamed, and
// the fields of #Design declared at the package root, ready to be compiled as one more file of the user's
// package. The fields are declared, not #Design embedded: a struct that embeds a definition stays open to
// the fields it declares itself, so an embedded #Design would not close the user's structs. designFields
// are the root's allowed field names; the root itself is checked in Go (evaluateEmbedded).
func embeddedSchemaSource() (src []byte, designFields map[string]bool, err error) {
	if _, err := loadEvalSchemaInstance(); err != nil {
		return nil, nil, err
	}
	return evalSchemaEmbedded, evalSchemaDesignFields, evalSchemaEmbeddedErr
}

var (
	evalSchemaEmbedded     []byte
	evalSchemaDesignFields map[string]bool
	evalSchemaEmbeddedErr  error
)

// buildEmbeddedSchema renames f's top-level definitions, drops its package clause and declares the fields
// of #Design at the root.
func buildEmbeddedSchema(f *ast.File) ([]byte, map[string]bool, error) {
	defs := map[string]bool{}
	var design *ast.StructLit
	for _, d := range f.Decls {
		if fd, ok := d.(*ast.Field); ok {
			if id, ok := fd.Label.(*ast.Ident); ok && strings.HasPrefix(id.Name, "#") {
				defs[id.Name] = true
				if id.Name == schema.DesignSelector {
					design, _ = fd.Value.(*ast.StructLit)
				}
			}
		}
	}
	if design == nil {
		return nil, nil, fmt.Errorf("%s is not a struct literal", schema.DesignSelector)
	}
	ast.Walk(f, func(n ast.Node) bool {
		if id, ok := n.(*ast.Ident); ok && defs[id.Name] {
			id.Name = embeddedPrefix + strings.TrimPrefix(id.Name, "#")
		}
		return true
	}, nil)
	fields := map[string]bool{}
	decls := f.Decls[:0:0]
	for _, d := range f.Decls {
		if _, isPkg := d.(*ast.Package); !isPkg {
			decls = append(decls, d)
		}
	}
	for _, el := range design.Elts {
		fd, ok := el.(*ast.Field)
		if !ok {
			return nil, nil, fmt.Errorf("%s holds a declaration that is not a field", schema.DesignSelector)
		}
		name, _, err := ast.LabelName(fd.Label)
		if err != nil {
			return nil, nil, err
		}
		fields[name] = true
		decls = append(decls, &ast.Field{Label: ast.NewIdent(name), Constraint: fd.Constraint, Value: fd.Value})
	}
	f.Decls = decls
	out, err := format.Node(f)
	return out, fields, err
}

// evaluateEmbedded loads the user's CUE package with the evaluation schema as one more file and evaluates
// both in one pass: the design is not evaluated once on its own and again unified with the schema. ok
// reports a valid design; attempted is false when the package could not be set up this way (a load error,
// or a design that uses the reserved definition names), which says nothing about the design's validity.
func evaluateEmbedded(ctx *cue.Context, inputs *designInputs) (v cue.Value, in *userInput, attempted, ok bool) {
	src, designFields, err := embeddedSchemaSource()
	if err != nil {
		return cue.Value{}, nil, false, false
	}
	args, dir := inputs.cueFiles, ""
	if inputs.dir != "" {
		args, dir = []string{"."}, inputs.dir
	}
	insts := load.Instances(args, inputs.loadConfig(dir))
	if len(insts) != 1 || insts[0].Err != nil {
		return cue.Value{}, nil, false, false
	}
	inst := insts[0]
	userFiles := slices.Clone(inst.Files)
	for _, f := range userFiles {
		if mentionsReserved(inputs, f) {
			return cue.Value{}, nil, false, false
		}
	}
	header := ""
	if inst.PkgName != "" && inst.PkgName != "_" {
		header = "package " + inst.PkgName + "\n\n"
	}
	sf, err := parser.ParseFile(path.Join(schemaPrefix, "design.cue"), append([]byte(header), src...))
	if err != nil {
		return cue.Value{}, nil, false, false
	}
	if err := inst.AddSyntax(sf); err != nil {
		return cue.Value{}, nil, false, false
	}
	v = ctx.BuildInstance(inst)
	if v.Err() != nil || v.Validate(cue.Concrete(true), cue.Final()) != nil {
		return cue.Value{}, nil, true, false
	}
	// The root is open here; #Design closes it.
	iter, err := v.Fields()
	if err != nil {
		return cue.Value{}, nil, true, false
	}
	for iter.Next() {
		if !designFields[iter.Selector().Unquoted()] {
			return cue.Value{}, nil, true, false
		}
	}
	return v, &userInput{value: v, files: userFiles}, true, true
}

// mentionsReserved reports whether a file's text contains the embedded schema's prefix anywhere: a design
// that declared or referred to those names would see the schema inside its own package.
func mentionsReserved(inputs *designInputs, f *ast.File) bool {
	src, ok := inputs.content(f.Filename)
	return !ok || bytes.Contains(src, []byte(embeddedPrefix))
}
