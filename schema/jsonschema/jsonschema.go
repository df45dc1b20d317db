// Package jsonschema derives a JSON Schema (draft 2020-12) from the design language's CUE schema, so that
// editors and standard validators check designs written in JSON or YAML as they are typed.
//
// The JSON Schema is generated from the evaluated #Design, not written by hand, so it follows every change
// to schema/design.cue: structs become objects with their fields as properties (closed definitions refuse
// other properties), [Name=string] maps become additionalProperties, lists become items, disjunctions of
// literals become enums, bounds become minimum/maximum, regular expressions become patterns (rewritten
// from RE2 into the syntax ECMAScript and RE2 share), net.IP and net.IPCIDR become patterns that accept
// exactly what Go's net/netip parses, and field comments become descriptions. A field with a default is
// not required. A construct the generator has no JSON Schema for is an error, never a silently looser
// schema.
package jsonschema

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/big"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/cuecontext"
	"cuelang.org/go/cue/load"
	"cuelang.org/go/cue/token"

	"github.com/ibcmc/ibcmc/schema"
)

// Draft is the JSON Schema dialect of the generated document.
const Draft = "https://json-schema.org/draft/2020-12/schema"

// Generate returns the JSON Schema of #Design as indented JSON with a final newline.
func Generate() ([]byte, error) {
	ctx := cuecontext.New()
	insts := load.Instances([]string{"."}, &load.Config{FS: schema.FS, Dir: "/"})
	if err := insts[0].Err; err != nil {
		return nil, fmt.Errorf("loading the embedded schema: %w", err)
	}
	root := ctx.BuildInstance(insts[0])
	if err := root.Err(); err != nil {
		return nil, fmt.Errorf("evaluating the embedded schema: %w", err)
	}
	top, err := fromValue(root.LookupPath(cue.ParsePath(schema.DesignSelector)))
	if err != nil {
		return nil, err
	}
	top.Title = "ibcmc design (design language " + schema.Version + ")"
	if top.Description == "" {
		top.Description = "A Configuration Manager IBCM/CMG design for ibcmc. Reference: docs/design-language.md in the ibcmc repository."
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(top); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// fromValue is the JSON Schema of a CUE value, with the definitions it refers to.
func fromValue(v cue.Value) (*Node, error) {
	g := &generator{defs: map[string]*Node{}}
	top, err := g.value(v, "")
	if err != nil {
		return nil, err
	}
	top.Schema = Draft
	if len(g.defs) > 0 {
		top.Defs = g.defs
	}
	return top, nil
}

// Node is one JSON Schema. Field order is the order keywords are written in.
type Node struct {
	Schema               string           `json:"$schema,omitempty"`
	Ref                  string           `json:"$ref,omitempty"`
	Title                string           `json:"title,omitempty"`
	Description          string           `json:"description,omitempty"`
	Type                 string           `json:"type,omitempty"`
	Const                any              `json:"const,omitempty"`
	Enum                 []any            `json:"enum,omitempty"`
	MinLength            int              `json:"minLength,omitempty"`
	Pattern              string           `json:"pattern,omitempty"`
	Minimum              json.Number      `json:"minimum,omitempty"`
	ExclusiveMinimum     json.Number      `json:"exclusiveMinimum,omitempty"`
	Maximum              json.Number      `json:"maximum,omitempty"`
	ExclusiveMaximum     json.Number      `json:"exclusiveMaximum,omitempty"`
	Properties           *Properties      `json:"properties,omitempty"`
	Required             []string         `json:"required,omitempty"`
	AdditionalProperties any              `json:"additionalProperties,omitempty"` // false or *Node
	Items                *Node            `json:"items,omitempty"`
	AllOf                []*Node          `json:"allOf,omitempty"`
	AnyOf                []*Node          `json:"anyOf,omitempty"`
	Not                  *Node            `json:"not,omitempty"`
	Default              json.RawMessage  `json:"default,omitempty"`
	Defs                 map[string]*Node `json:"$defs,omitempty"`
}

// Properties keeps the schema's field order, which is the order the language reference reads in.
type Properties struct {
	Names []string
	Nodes map[string]*Node
}

// MarshalJSON writes the properties in order.
func (p *Properties) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, name := range p.Names {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(name)
		b.Write(k)
		b.WriteByte(':')
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(p.Nodes[name]); err != nil {
			return nil, err
		}
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

type generator struct {
	defs map[string]*Node // named formats (ip, cidr), referenced rather than repeated
}

// value is the schema of a field's value (a struct, a list or a leaf) with its description.
func (g *generator) value(v cue.Value, path string) (*Node, error) {
	var n *Node
	var err error
	switch v.IncompleteKind() {
	case cue.StructKind:
		n, err = g.object(v, path)
	case cue.ListKind:
		n, err = g.list(v, path)
	default:
		n, err = g.leaf(v, path)
	}
	if err != nil {
		return nil, err
	}
	if d := description(v); d != "" {
		n.Description = d
	}
	return n, nil
}

func (g *generator) object(v cue.Value, path string) (*Node, error) {
	n := &Node{Type: "object", Properties: &Properties{Nodes: map[string]*Node{}}}
	it, err := v.Fields(cue.Optional(true), cue.Patterns(true))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", orRoot(path), err)
	}
	for it.Next() {
		sel := it.Selector()
		if sel.ConstraintType() == cue.PatternConstraint {
			// [Name=string]: T is read below through AnyString. A narrower pattern ([=~"^x"]: T) would need
			// patternProperties and a translated key regex: refuse it.
			if p := sel.Pattern(); p.IncompleteKind() != cue.StringKind || !isIdent(leafExpr(p), "string") {
				return nil, fmt.Errorf("%s: the pattern constraint [%v] has no JSON Schema", orRoot(path), p)
			}
			continue
		}
		if !sel.IsString() {
			return nil, fmt.Errorf("%s: field %v is not a regular field", orRoot(path), sel)
		}
		name := sel.Unquoted()
		fv := it.Value()
		child, err := g.value(fv, join(path, name))
		if err != nil {
			return nil, err
		}
		n.Properties.Names = append(n.Properties.Names, name)
		n.Properties.Nodes[name] = child
		if sel.ConstraintType() != cue.OptionalConstraint && required(fv, child) {
			n.Required = append(n.Required, name)
		}
	}
	if len(n.Properties.Names) == 0 {
		n.Properties = nil
	}
	// [Name=string]: T is a map whose values are T. Any other pattern constraint has no faithful
	// JSON Schema here (patternProperties would need its regex translated): refuse it.
	elem := v.LookupPath(cue.MakePath(cue.AnyString))
	switch {
	case elem.Exists(): // [string]: T, or ... (T is then _, and {} accepts anything as ... does)
		child, err := g.value(elem, join(path, "*"))
		if err != nil {
			return nil, err
		}
		n.AdditionalProperties = child
	case v.Allows(cue.Str("\x00ibcmc-probe")):
		return nil, fmt.Errorf("%s: a struct open in a way that has no JSON Schema", orRoot(path))
	default:
		n.AdditionalProperties = false
	}
	return n, nil
}

func (g *generator) list(v cue.Value, path string) (*Node, error) {
	if it, err := v.List(); err != nil || it.Next() {
		return nil, fmt.Errorf("%s: only open lists of one element type ([...T]) have a JSON Schema", orRoot(path))
	}
	elem := v.LookupPath(cue.MakePath(cue.AnyIndex))
	if !elem.Exists() {
		return nil, fmt.Errorf("%s: a list without an element type", orRoot(path))
	}
	items, err := g.value(elem, join(path, "[]"))
	if err != nil {
		return nil, err
	}
	return &Node{Type: "array", Items: items}, nil
}

// required reports whether the design must write a field: it has no default (a marked disjunct, or an
// open list, which CUE completes as []) and, if it is an object, something in it is required.
func required(v cue.Value, n *Node) bool {
	switch n.Type {
	case "array":
		return false
	case "object":
		return len(n.Required) > 0
	}
	if d, ok := v.Default(); ok && d.IsConcrete() {
		return false
	}
	return !markedDefault(leafExpr(v))
}

// markedDefault reports whether an expression has a default disjunct (*x), possibly one that is not a
// constant (a reference to another field, filled in by the compiler).
func markedDefault(e ast.Expr) bool {
	switch e := e.(type) {
	case *ast.UnaryExpr:
		return e.Op == token.MUL
	case *ast.BinaryExpr:
		return markedDefault(e.X) || markedDefault(e.Y)
	case *ast.ParenExpr:
		return markedDefault(e.X)
	case *ast.StructLit:
		for _, d := range e.Elts {
			if em, ok := d.(*ast.EmbedDecl); ok && markedDefault(em.Expr) {
				return true
			}
		}
	}
	return false
}

// kindType is the JSON Schema type of a single scalar kind, or "" for a mix of kinds or top.
func kindType(k cue.Kind) string {
	switch k &^ cue.BytesKind {
	case cue.StringKind:
		return "string"
	case cue.IntKind:
		return "integer"
	case cue.FloatKind, cue.NumberKind:
		return "number"
	case cue.BoolKind:
		return "boolean"
	case cue.NullKind:
		return "null"
	}
	return ""
}

// markedConstant reports whether the default disjunct of an expression is a literal.
func markedConstant(e ast.Expr) bool {
	switch e := e.(type) {
	case *ast.UnaryExpr:
		if e.Op != token.MUL {
			return false
		}
		switch x := e.X.(type) {
		case *ast.BasicLit:
			return true
		case *ast.Ident:
			return x.Name == "true" || x.Name == "false" || x.Name == "null"
		}
		return false
	case *ast.BinaryExpr:
		return e.Op == token.OR && (markedConstant(e.X) || markedConstant(e.Y))
	case *ast.ParenExpr:
		return markedConstant(e.X)
	}
	return false
}

// leaf is the schema of a scalar field: its constraint, with the default when the default is a constant.
func (g *generator) leaf(v cue.Value, path string) (*Node, error) {
	c, err := g.constraint(leafExpr(v), nil, path)
	if err != nil {
		return nil, err
	}
	n, err := g.node(c, path)
	if err != nil {
		return nil, err
	}
	// The evaluator drops a kind that another constraint implies for it (string & !="" comes back as
	// !=""), so the kind is taken from the value when the syntax left it out.
	if n.Type == "" && n.Ref == "" && n.Const == nil && n.Enum == nil && n.AnyOf == nil {
		n.Type = kindType(v.IncompleteKind())
	}
	// The default is written only when the schema marks a constant: *server (the site server's name) or a
	// default taken from another field's default would state a value the design may not get.
	if d, ok := v.Default(); ok && d.IsConcrete() && markedConstant(leafExpr(v)) {
		raw, err := d.MarshalJSON()
		if err != nil {
			return nil, fmt.Errorf("%s: default: %w", path, err)
		}
		n.Default = raw
	}
	return n, nil
}

// leafExpr is the evaluated constraint of a scalar field as CUE syntax: references to definitions are
// resolved, a builtin validator comes as a file importing its package, and a default that refers to
// another field comes as a struct embedding the expression beside let clauses.
func leafExpr(v cue.Value) ast.Expr {
	switch n := v.Syntax().(type) {
	case ast.Expr:
		return n
	case *ast.File:
		var decls []ast.Decl
		for _, d := range n.Decls {
			switch d.(type) {
			case *ast.ImportDecl, *ast.CommentGroup, *ast.Attribute:
				continue
			}
			decls = append(decls, d)
		}
		if len(decls) == 1 {
			if em, ok := decls[0].(*ast.EmbedDecl); ok {
				return em.Expr
			}
		}
		return &ast.StructLit{Elts: decls}
	}
	return &ast.BadExpr{}
}

// A constraint is a scalar CUE constraint in a form that maps onto JSON Schema keywords.
type constraint struct {
	op      string // "type", "const", "pattern", "bound", "format", "not", "and", "or", "top"
	typ     string // JSON Schema type for "type"; with "uint", minimum 0
	value   any    // the constant for "const": string, *big.Float, bool or nil
	regex   string // RE2 source for "pattern"
	bound   token.Token
	num     *big.Float
	format  string // "ip" or "cidr"
	members []*constraint
}

// constraint interprets a leaf's syntax. lets holds the let clauses in scope (name → struct literal).
func (g *generator) constraint(e ast.Expr, lets map[string]*ast.StructLit, path string) (*constraint, error) {
	switch e := e.(type) {
	case *ast.ParenExpr:
		return g.constraint(e.X, lets, path)
	case *ast.UnaryExpr:
		switch e.Op {
		case token.MUL: // the default marker; the default itself is read from the value
			return g.constraint(e.X, lets, path)
		case token.MAT:
			s, err := stringLit(e.X)
			if err != nil {
				return nil, fmt.Errorf("%s: =~ operand: %w", path, err)
			}
			return &constraint{op: "pattern", regex: s}, nil
		case token.NMAT:
			s, err := stringLit(e.X)
			if err != nil {
				return nil, fmt.Errorf("%s: !~ operand: %w", path, err)
			}
			return &constraint{op: "not", members: []*constraint{{op: "pattern", regex: s}}}, nil
		case token.NEQ:
			lit, ok := e.X.(*ast.BasicLit)
			if !ok {
				return nil, fmt.Errorf("%s: != on something other than a literal", path)
			}
			c, err := g.constraint(lit, lets, path)
			if err != nil {
				return nil, err
			}
			return &constraint{op: "not", members: []*constraint{c}}, nil
		case token.GEQ, token.GTR, token.LEQ, token.LSS:
			lit, ok := e.X.(*ast.BasicLit)
			if !ok || (lit.Kind != token.INT && lit.Kind != token.FLOAT) {
				return nil, fmt.Errorf("%s: bound %v on something other than a number", path, e.Op)
			}
			f, ok := new(big.Float).SetString(strings.ReplaceAll(lit.Value, "_", ""))
			if !ok {
				return nil, fmt.Errorf("%s: number %s", path, lit.Value)
			}
			return &constraint{op: "bound", bound: e.Op, num: f}, nil
		case token.SUB:
			if lit, ok := e.X.(*ast.BasicLit); ok && (lit.Kind == token.INT || lit.Kind == token.FLOAT) {
				return g.constraint(&ast.BasicLit{Kind: lit.Kind, Value: "-" + lit.Value}, lets, path)
			}
		}
		return nil, fmt.Errorf("%s: the operator %v has no JSON Schema", path, e.Op)
	case *ast.BinaryExpr:
		x, err := g.constraint(e.X, lets, path)
		if err != nil {
			return nil, err
		}
		y, err := g.constraint(e.Y, lets, path)
		if err != nil {
			return nil, err
		}
		switch e.Op {
		case token.AND:
			return &constraint{op: "and", members: flatten("and", x, y)}, nil
		case token.OR:
			return &constraint{op: "or", members: flatten("or", x, y)}, nil
		}
		return nil, fmt.Errorf("%s: the operator %v has no JSON Schema", path, e.Op)
	case *ast.BasicLit:
		switch e.Kind {
		case token.STRING:
			s, err := stringLit(e)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", path, err)
			}
			return &constraint{op: "const", value: s}, nil
		case token.INT, token.FLOAT:
			f, ok := new(big.Float).SetString(strings.ReplaceAll(e.Value, "_", ""))
			if !ok {
				return nil, fmt.Errorf("%s: number %s", path, e.Value)
			}
			return &constraint{op: "const", value: f}, nil
		case token.TRUE, token.FALSE:
			return &constraint{op: "const", value: e.Kind == token.TRUE}, nil
		case token.NULL:
			return &constraint{op: "const", value: nil}, nil
		}
	case *ast.Ident:
		switch e.Name {
		case "string":
			return &constraint{op: "type", typ: "string"}, nil
		case "int":
			return &constraint{op: "type", typ: "integer"}, nil
		case "uint":
			return &constraint{op: "type", typ: "uint"}, nil
		case "number", "float":
			return &constraint{op: "type", typ: "number"}, nil
		case "bool":
			return &constraint{op: "type", typ: "boolean"}, nil
		case "null":
			return &constraint{op: "const", value: nil}, nil
		case "_":
			return &constraint{op: "top"}, nil
		case "true", "false":
			return &constraint{op: "const", value: e.Name == "true"}, nil
		}
	case *ast.SelectorExpr:
		// net.IP and net.IPCIDR, or a field of a let-bound struct (a reference resolved by the evaluator).
		if x, ok := e.X.(*ast.Ident); ok {
			sel, _, _ := ast.LabelName(e.Sel)
			if s, ok := lets[x.Name]; ok {
				for _, d := range s.Elts {
					if f, ok := d.(*ast.Field); ok {
						if name, _, _ := ast.LabelName(f.Label); name == sel {
							return g.constraint(f.Value, lets, path)
						}
					}
				}
			}
			switch x.Name + "." + sel {
			case "net.IP":
				return &constraint{op: "format", format: "ip"}, nil
			case "net.IPCIDR":
				return &constraint{op: "format", format: "cidr"}, nil
			}
		}
	case *ast.CallExpr:
		if len(e.Args) == 0 {
			return g.constraint(e.Fun, lets, path)
		}
	case *ast.StructLit:
		// { expr, let name = {…} }: the let clauses are in scope for the one embedded expression.
		inner := map[string]*ast.StructLit{}
		for k, s := range lets {
			inner[k] = s
		}
		var embeds []ast.Expr
		for _, d := range e.Elts {
			switch d := d.(type) {
			case *ast.EmbedDecl:
				embeds = append(embeds, d.Expr)
			case *ast.LetClause:
				s, ok := d.Expr.(*ast.StructLit)
				if !ok {
					return nil, fmt.Errorf("%s: a let clause that is not a struct", path)
				}
				inner[d.Ident.Name] = s
			case *ast.CommentGroup, *ast.Attribute:
			default:
				return nil, fmt.Errorf("%s: a struct where a value was expected", path)
			}
		}
		if len(embeds) != 1 {
			return nil, fmt.Errorf("%s: a struct where a value was expected", path)
		}
		return g.constraint(embeds[0], inner, path)
	}
	return nil, fmt.Errorf("%s: %s has no JSON Schema", path, exprString(e))
}

func isIdent(e ast.Expr, name string) bool {
	id, ok := e.(*ast.Ident)
	return ok && id.Name == name
}

func exprString(e ast.Expr) string {
	switch e := e.(type) {
	case *ast.Ident:
		return e.Name
	case *ast.SelectorExpr:
		l, _, _ := ast.LabelName(e.Sel)
		return exprString(e.X) + "." + l
	}
	return fmt.Sprintf("%T", e)
}

func stringLit(e ast.Expr) (string, error) {
	lit, ok := e.(*ast.BasicLit)
	if !ok || lit.Kind != token.STRING {
		return "", fmt.Errorf("not a string literal")
	}
	if strings.HasPrefix(lit.Value, "#") || strings.HasPrefix(lit.Value, `"""`) || strings.HasPrefix(lit.Value, "'") {
		return "", fmt.Errorf("string literal %s: only simple double-quoted strings are supported", lit.Value)
	}
	return strconv.Unquote(lit.Value)
}

func flatten(op string, cs ...*constraint) []*constraint {
	var out []*constraint
	for _, c := range cs {
		if c.op == op {
			out = append(out, c.members...)
		} else {
			out = append(out, c)
		}
	}
	return out
}

// node turns a constraint into a schema.
func (g *generator) node(c *constraint, path string) (*Node, error) {
	switch c.op {
	case "or":
		return g.or(c, path)
	case "and":
		return g.and(c.members, path)
	default:
		return g.and([]*constraint{c}, path)
	}
}

// and merges a conjunction of simple constraints into one node: one type, patterns, bounds, at most one
// constant or format. A disjunction inside a conjunction becomes an allOf member.
func (g *generator) and(cs []*constraint, path string) (*Node, error) {
	n := &Node{}
	var extra []*Node
	typ := ""
	setType := func(t string) error {
		switch {
		case typ == "" || typ == t:
			typ = t
		case typ == "number" && t == "integer", typ == "integer" && t == "number":
			typ = "integer"
		default:
			return fmt.Errorf("%s: conflicting types %s and %s", path, typ, t)
		}
		return nil
	}
	var patterns []string
	for _, c := range cs {
		switch c.op {
		case "top":
		case "type":
			t := c.typ
			if t == "uint" {
				t = "integer"
				n.tighten(token.GEQ, new(big.Float))
			}
			if err := setType(t); err != nil {
				return nil, err
			}
		case "const":
			if n.Const != nil || n.Enum != nil {
				return nil, fmt.Errorf("%s: two constants in one conjunction", path)
			}
			t, v := jsonConst(c.value)
			if err := setType(t); err != nil {
				return nil, err
			}
			n.Enum = []any{v} // written as const below
		case "pattern":
			if err := setType("string"); err != nil {
				return nil, err
			}
			p, err := ECMAScriptPattern(c.regex)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", path, err)
			}
			patterns = append(patterns, p)
		case "bound":
			if typ == "" {
				typ = "number"
			} else if typ != "number" && typ != "integer" {
				return nil, fmt.Errorf("%s: a numeric bound on a %s", path, typ)
			}
			n.tighten(c.bound, c.num)
		case "format":
			// The definition the reference names is a string pattern.
			extra = append(extra, g.format(c.format))
		case "or":
			m, err := g.or(c, path)
			if err != nil {
				return nil, err
			}
			// (*string | #FQDN) & #FQDN: the disjunction reduces to a bare type, which merges.
			if (Node{Type: m.Type}).equal(m) {
				if err := setType(m.Type); err != nil {
					return nil, err
				}
				continue
			}
			extra = append(extra, m)
		case "not":
			// != "" and !~ "re" exclude values, they do not say which type is allowed.
			m, err := g.node(c.members[0], path)
			if err != nil {
				return nil, err
			}
			if m.Const == "" { // != "": editors explain minLength better than a "not"
				n.MinLength = 1
				continue
			}
			if m.Const != nil {
				m.Type = ""
			}
			if m.Pattern != "" { // !~ applies to strings only: the value is a string, and not one matching
				if err := setType("string"); err != nil {
					return nil, err
				}
				m.Type = ""
			}
			if n.Not != nil {
				extra = append(extra, &Node{Not: m})
			} else {
				n.Not = m
			}
		default:
			return nil, fmt.Errorf("%s: unexpected %s", path, c.op)
		}
	}
	if len(patterns) > 0 {
		n.Pattern = patterns[0]
		for _, p := range patterns[1:] {
			extra = append(extra, &Node{Pattern: p})
		}
	}
	if n.Enum != nil {
		n.Const, n.Enum = n.Enum[0], nil
		if n.Const == nil {
			n.Const = json.RawMessage("null")
		}
		typ = "" // const says it all
	}
	n.Type = typ
	// A lone $ref (a format) stays a $ref; otherwise formats and nested disjunctions join as allOf.
	if len(extra) == 1 && n.isEmpty() {
		return extra[0], nil
	}
	n.AllOf = extra
	return n, nil
}

func (n Node) equal(m *Node) bool { return reflect.DeepEqual(&n, m) }

func (n *Node) isEmpty() bool {
	return n.Type == "" && n.Const == nil && n.Enum == nil && n.Pattern == "" && n.MinLength == 0 && n.Minimum == "" &&
		n.ExclusiveMinimum == "" && n.Maximum == "" && n.ExclusiveMaximum == "" && n.AllOf == nil && n.AnyOf == nil &&
		n.Not == nil
}

// tighten adds a bound, keeping the tighter of two bounds on the same side.
func (n *Node) tighten(op token.Token, f *big.Float) {
	tighter := func(cur json.Number, want int) json.Number {
		if c, ok := new(big.Float).SetString(string(cur)); !ok || f.Cmp(c) == want {
			return json.Number(f.Text('g', -1))
		}
		return cur
	}
	switch op {
	case token.GEQ:
		n.Minimum = tighter(n.Minimum, 1)
	case token.GTR:
		n.ExclusiveMinimum = tighter(n.ExclusiveMinimum, 1)
	case token.LEQ:
		n.Maximum = tighter(n.Maximum, -1)
	case token.LSS:
		n.ExclusiveMaximum = tighter(n.ExclusiveMaximum, -1)
	}
}

func jsonConst(v any) (typ string, out any) {
	switch v := v.(type) {
	case string:
		return "string", v
	case bool:
		return "boolean", v
	case *big.Float:
		if v.IsInt() {
			return "integer", json.Number(v.Text('f', -1))
		}
		return "number", json.Number(v.Text('g', -1))
	}
	return "null", nil
}

// or is a disjunction: members another member already accepts are dropped (so *"intranet" | string is
// just a string, with its default), and what is left is an enum when all are constants.
func (g *generator) or(c *constraint, path string) (*Node, error) {
	members := c.members
	var kept []*constraint
	for i, m := range members {
		redundant := false
		for j, o := range members {
			if i == j {
				continue
			}
			// Of two equal members the first is kept.
			if accepts(o, m) && (!accepts(m, o) || j < i) {
				redundant = true
				break
			}
		}
		if !redundant {
			kept = append(kept, m)
		}
	}
	if len(kept) == 1 {
		return g.node(kept[0], path)
	}
	allConst := true
	for _, m := range kept {
		if m.op != "const" {
			allConst = false
		}
	}
	if allConst {
		n := &Node{}
		types := map[string]bool{}
		for _, m := range kept {
			t, v := jsonConst(m.value)
			types[t] = true
			if v == nil {
				v = json.RawMessage("null")
			}
			n.Enum = append(n.Enum, v)
		}
		if len(types) == 1 {
			for t := range types {
				if t != "null" {
					n.Type = t
				}
			}
		}
		return n, nil
	}
	n := &Node{}
	for _, m := range kept {
		x, err := g.node(m, path)
		if err != nil {
			return nil, err
		}
		n.AnyOf = append(n.AnyOf, x)
	}
	return n, nil
}

// accepts reports whether every value c accepts is also accepted by o, for the cases a schema has:
// o an unconstrained type or top, or c a constant that o's own constraints accept (checked with RE2 and
// net/netip, the engines CUE uses). It answers false when unsure, which only keeps a redundant member.
func accepts(o, c *constraint) bool {
	if reflect.DeepEqual(o, c) {
		return true
	}
	switch o.op {
	case "top":
		return true
	case "type":
		switch c.op {
		case "type":
			return o.typ == c.typ || o.typ == "number" || (o.typ == "integer" && c.typ == "uint")
		case "const":
			t, _ := jsonConst(c.value)
			return o.typ == t || (o.typ == "number" && t == "integer") ||
				(o.typ == "uint" && t == "integer" && c.value.(*big.Float).Sign() >= 0)
		case "and":
			for _, m := range c.members {
				if accepts(o, m) {
					return true
				}
			}
		case "pattern", "format":
			return o.typ == "string"
		case "bound":
			return o.typ == "number"
		}
		return false
	case "and":
		for _, m := range o.members {
			if !accepts(m, c) {
				return false
			}
		}
		return true
	case "or":
		for _, m := range o.members {
			if accepts(m, c) {
				return true
			}
		}
		return false
	}
	if c.op != "const" {
		return false
	}
	switch o.op {
	case "not":
		return !accepts(o.members[0], c)
	case "const":
		return constEqual(o.value, c.value)
	case "pattern":
		s, ok := c.value.(string)
		if !ok {
			return false
		}
		re, err := regexp.Compile(o.regex)
		return err == nil && re.MatchString(s)
	case "bound":
		f, ok := c.value.(*big.Float)
		if !ok {
			return false
		}
		cmp := f.Cmp(o.num)
		switch o.bound {
		case token.GEQ:
			return cmp >= 0
		case token.GTR:
			return cmp > 0
		case token.LEQ:
			return cmp <= 0
		case token.LSS:
			return cmp < 0
		}
	case "format":
		s, ok := c.value.(string)
		return ok && formats[o.format].valid(s)
	}
	return false
}

func constEqual(a, b any) bool {
	if fa, ok := a.(*big.Float); ok {
		fb, ok := b.(*big.Float)
		return ok && fa.Cmp(fb) == 0
	}
	return a == b
}

// format returns a reference to the named format's definition, adding the definition on first use.
func (g *generator) format(name string) *Node {
	f := formats[name]
	if _, ok := g.defs[name]; !ok {
		g.defs[name] = &Node{Description: f.description, Type: "string", Pattern: f.pattern}
	}
	return &Node{Ref: "#/$defs/" + name}
}

// description is a field's doc comment as one paragraph per blank-line-separated block.
func description(v cue.Value) string {
	var paras []string
	for _, cg := range v.Doc() {
		for _, p := range strings.Split(strings.TrimSpace(cg.Text()), "\n\n") {
			if p = strings.Join(strings.Fields(p), " "); p != "" && !slices.Contains(paras, p) {
				paras = append(paras, p)
			}
		}
	}
	return strings.Join(paras, "\n\n")
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

func orRoot(path string) string {
	if path == "" {
		return "#Design"
	}
	return path
}
