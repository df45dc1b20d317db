package compiler

import (
	"fmt"
	"math/big"
	"regexp"
	"strconv"
	"strings"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/literal"
	"cuelang.org/go/cue/token"
)

// A leafSpec is what the schema as written allows at one field: its alternatives (one unless the field is a
// disjunction), read from the schema's syntax with the definitions it names expanded. IB000 messages
// describe and check a design's value against it, so the allowed values in a message come from #Design
// and never from CUE's error text.
type leafSpec struct {
	alts []leafAlt
}

// leafAlt is one alternative: a literal, or a conjunction of pieces (a type, bounds, patterns, validators).
type leafAlt struct {
	lit     *ast.BasicLit
	ref     string // a default taken from another field (`*Name`, `*siteServer`): not a value to list
	pieces  []leafPiece
	deflt   bool
	invalid bool // holds a construct the reader does not know; such a spec is not described
}

type leafPiece struct {
	kind  cue.Kind    // a type (string, int, bool, number); 0 for other pieces
	op    token.Token // token.GEQ, GTR, LEQ, LSS for a bound; token.MAT for a pattern
	bound *big.Float
	re    *regexp.Regexp
	not   *ast.BasicLit // a value excluded (!="")
	call  string        // a validator, "net.IP"
	from  string        // the definition the piece was written in, "#FQDN"
}

// schemaSyntax gives access to the schema's definitions as written, for expanding references.
type schemaSyntax struct {
	defs map[string]ast.Expr
}

func newSchemaSyntax(files []*ast.File) *schemaSyntax {
	s := &schemaSyntax{defs: map[string]ast.Expr{}}
	for _, f := range files {
		for _, d := range f.Decls {
			if fd, ok := d.(*ast.Field); ok {
				if name, _, err := ast.LabelName(fd.Label); err == nil && strings.HasPrefix(name, "#") {
					s.defs[name] = fd.Value
				}
			}
		}
	}
	return s
}

// specOf reads the spec of a schema value (a field of #Design looked up by path). ok is false when the
// value has no syntax the reader knows (then messages fall back to CUE's text).
func (s *schemaSyntax) specOf(v cue.Value) (leafSpec, bool) {
	exprs := s.sourceExprs(v, 0)
	if len(exprs) == 0 {
		return leafSpec{}, false
	}
	var spec leafSpec
	for i, e := range exprs {
		one := s.read(e, "", 0)
		if i == 0 {
			spec = one
		} else {
			spec = conjoin(spec, one)
		}
	}
	for _, a := range spec.alts {
		if a.invalid {
			return leafSpec{}, false
		}
	}
	return spec, len(spec.alts) > 0
}

// sourceExprs are the expressions a schema value was written as: one per field declaration that
// contributes to it (a pattern and a definition can both constrain one field).
func (s *schemaSyntax) sourceExprs(v cue.Value, depth int) []ast.Expr {
	if depth > 4 {
		return nil
	}
	switch src := v.Source().(type) {
	case *ast.Field:
		return []ast.Expr{src.Value}
	case ast.Expr:
		return []ast.Expr{src}
	}
	op, args := v.Expr()
	if op != cue.AndOp {
		return nil
	}
	var out []ast.Expr
	for _, a := range args {
		out = append(out, s.sourceExprs(a, depth+1)...)
	}
	return out
}

// read interprets one expression; depth counts the definitions expanded, so a definition that refers to
// itself cannot loop (the schema's own syntax bounds the rest).
func (s *schemaSyntax) read(e ast.Expr, from string, depth int) leafSpec {
	if depth > 8 {
		return leafSpec{alts: []leafAlt{{invalid: true}}}
	}
	one := func(p leafPiece) leafSpec {
		if p.from == "" {
			p.from = from
		}
		return leafSpec{alts: []leafAlt{{pieces: []leafPiece{p}}}}
	}
	switch x := e.(type) {
	case *ast.ParenExpr:
		return s.read(x.X, from, depth)
	case *ast.BinaryExpr:
		l, r := s.read(x.X, from, depth), s.read(x.Y, from, depth)
		switch x.Op {
		case token.OR:
			return leafSpec{alts: append(l.alts, r.alts...)}
		case token.AND:
			return conjoin(l, r)
		}
	case *ast.UnaryExpr:
		switch x.Op {
		case token.MUL:
			sp := s.read(x.X, from, depth)
			for i := range sp.alts {
				sp.alts[i].deflt = true
			}
			return sp
		case token.MAT:
			if lit, ok := x.X.(*ast.BasicLit); ok && lit.Kind == token.STRING {
				if src, err := literal.Unquote(lit.Value); err == nil {
					if re, err := regexp.Compile(src); err == nil {
						return one(leafPiece{op: token.MAT, re: re})
					}
				}
			}
		case token.NEQ:
			if lit, ok := x.X.(*ast.BasicLit); ok {
				return one(leafPiece{op: token.NEQ, not: lit})
			}
		case token.GEQ, token.GTR, token.LEQ, token.LSS:
			if lit, ok := x.X.(*ast.BasicLit); ok && (lit.Kind == token.INT || lit.Kind == token.FLOAT) {
				if f, ok := new(big.Float).SetString(strings.ReplaceAll(lit.Value, "_", "")); ok {
					return one(leafPiece{op: x.Op, bound: f})
				}
			}
		}
	case *ast.BasicLit:
		return leafSpec{alts: []leafAlt{{lit: x}}}
	case *ast.Ident:
		switch x.Name {
		case "string":
			return one(leafPiece{kind: cue.StringKind})
		case "int", "uint":
			p := one(leafPiece{kind: cue.IntKind})
			if x.Name == "uint" {
				p.alts[0].pieces = append(p.alts[0].pieces, leafPiece{op: token.GEQ, bound: big.NewFloat(0), from: from})
			}
			return p
		case "number", "float":
			return one(leafPiece{kind: cue.NumberKind})
		case "bool":
			return one(leafPiece{kind: cue.BoolKind})
		case "true", "false", "null":
			return leafSpec{alts: []leafAlt{{lit: &ast.BasicLit{Kind: token.STRING, Value: x.Name}}}}
		}
		if d, ok := s.defs[x.Name]; ok {
			if from == "" {
				from = x.Name
			}
			return s.read(d, from, depth+1)
		}
		if !strings.HasPrefix(x.Name, "#") {
			return leafSpec{alts: []leafAlt{{ref: x.Name}}}
		}
	case *ast.SelectorExpr:
		if pkg, ok := x.X.(*ast.Ident); ok {
			if sel, _, err := ast.LabelName(x.Sel); err == nil {
				return one(leafPiece{kind: cue.StringKind, call: pkg.Name + "." + sel})
			}
		}
	}
	return leafSpec{alts: []leafAlt{{invalid: true}}}
}

// conjoin is a & b for two specs: every alternative of one combined with every alternative of the other.
func conjoin(a, b leafSpec) leafSpec {
	var out leafSpec
	for _, x := range a.alts {
		for _, y := range b.alts {
			z := leafAlt{
				lit: x.lit, ref: x.ref, deflt: x.deflt || y.deflt, invalid: x.invalid || y.invalid,
				pieces: append(append([]leafPiece{}, x.pieces...), y.pieces...),
			}
			if z.lit == nil {
				z.lit = y.lit
			}
			if z.ref == "" {
				z.ref = y.ref
			}
			out.alts = append(out.alts, z)
		}
	}
	return out
}

// kinds is every kind of value the spec allows.
func (sp leafSpec) kinds() cue.Kind {
	var k cue.Kind
	for _, a := range sp.alts {
		k |= a.kind()
	}
	return k
}

func (a leafAlt) kind() cue.Kind {
	if a.lit != nil {
		return litKind(a.lit)
	}
	k := cue.Kind(0)
	for _, p := range a.pieces {
		switch {
		case p.kind != 0 && k == 0:
			k = p.kind
		case p.kind != 0:
			k &= p.kind
		case p.op == token.MAT && k == 0:
			k = cue.StringKind
		case p.bound != nil && k == 0:
			k = cue.NumberKind
		}
	}
	if k == 0 && a.ref != "" {
		return 0 // a default from another field constrains nothing by itself
	}
	return k
}

func litKind(l *ast.BasicLit) cue.Kind {
	switch l.Kind {
	case token.STRING:
		switch l.Value {
		case "true", "false":
			return cue.BoolKind
		case "null":
			return cue.NullKind
		}
		return cue.StringKind
	case token.INT:
		return cue.IntKind
	case token.FLOAT:
		return cue.FloatKind
	case token.TRUE, token.FALSE:
		return cue.BoolKind
	case token.NULL:
		return cue.NullKind
	}
	return 0
}

// scalar is a design's concrete value in the terms a spec checks it by.
type scalar struct {
	kind cue.Kind
	str  string     // the string, for strings
	num  *big.Float // the number, for numbers
	text string     // CUE syntax, for booleans and null and for comparing literals
	v    cue.Value
}

func scalarOf(v cue.Value) (scalar, bool) {
	sc := scalar{kind: v.Kind(), v: v, text: fmt.Sprint(v)}
	switch sc.kind {
	case cue.StringKind:
		s, err := v.String()
		if err != nil {
			return sc, false
		}
		sc.str = s
	case cue.IntKind, cue.FloatKind:
		f, ok := new(big.Float).SetString(sc.text)
		if !ok {
			return sc, false
		}
		sc.num = f
	case cue.BoolKind, cue.NullKind:
	default:
		return sc, false
	}
	return sc, true
}

// matchesLit reports whether the value is the literal.
func (sc scalar) matchesLit(l *ast.BasicLit) bool {
	if litKind(l) != sc.kind && !(litKind(l)&cue.NumberKind != 0 && sc.kind&cue.NumberKind != 0) {
		return false
	}
	switch sc.kind {
	case cue.StringKind:
		s, err := literal.Unquote(l.Value)
		return err == nil && s == sc.str
	case cue.IntKind, cue.FloatKind:
		f, ok := new(big.Float).SetString(strings.ReplaceAll(l.Value, "_", ""))
		return ok && f.Cmp(sc.num) == 0
	}
	return l.Value == sc.text
}

// failing is the first piece of the alternative the value does not satisfy, or -1 when it satisfies all.
// validate checks a validator piece (net.IP) with CUE itself.
func (a leafAlt) failing(sc scalar, validate func(call string, v cue.Value) bool) int {
	for i, p := range a.pieces {
		if p.kind != 0 && (sc.kind&p.kind == 0 || p.kind == cue.IntKind && sc.kind != cue.IntKind) {
			return i
		}
		if p.bound != nil {
			if sc.num == nil {
				return i
			}
			c := sc.num.Cmp(p.bound)
			if !(p.op == token.GEQ && c >= 0 || p.op == token.GTR && c > 0 || p.op == token.LEQ && c <= 0 || p.op == token.LSS && c < 0) {
				return i
			}
		}
		if p.re != nil && (sc.kind != cue.StringKind || !p.re.MatchString(sc.str)) {
			return i
		}
		if p.not != nil && sc.matchesLit(p.not) {
			return i
		}
		if p.call != "" && (sc.v == (cue.Value{}) || !validate(p.call, sc.v)) {
			return i
		}
	}
	return -1
}

func (a leafAlt) matches(sc scalar, validate func(string, cue.Value) bool) bool {
	if a.ref != "" && a.lit == nil && len(a.pieces) == 0 {
		return false
	}
	if a.lit != nil && !sc.matchesLit(a.lit) {
		return false
	}
	return a.failing(sc, validate) < 0
}

// listed is the spec's alternatives as a message lists them: defaults taken from other fields left out,
// and a literal left out when another alternative allows it anyway (`*443 | #Port` lists the port range).
func (sp leafSpec) listed(validate func(string, cue.Value) bool) []leafAlt {
	var out []leafAlt
	for i, a := range sp.alts {
		if a.ref != "" || a.invalid {
			continue
		}
		if a.lit != nil && len(a.pieces) == 0 {
			covered := false
			for j, b := range sp.alts {
				if j != i && b.lit == nil && b.ref == "" && len(b.pieces) > 0 {
					if lv, ok := litScalar(a.lit); ok && b.failing(lv, validate) < 0 {
						covered = true
					}
				}
			}
			if covered {
				continue
			}
		}
		out = append(out, a)
	}
	return out
}

// litScalar is a schema literal as a scalar, for checking it against other alternatives (validators are
// not needed: no literal of the schema sits beside a validator alternative it could satisfy).
func litScalar(l *ast.BasicLit) (scalar, bool) {
	sc := scalar{kind: litKind(l), text: l.Value}
	switch sc.kind {
	case cue.StringKind:
		s, err := literal.Unquote(l.Value)
		if err != nil {
			return sc, false
		}
		sc.str = s
	case cue.IntKind, cue.FloatKind:
		f, ok := new(big.Float).SetString(strings.ReplaceAll(l.Value, "_", ""))
		if !ok {
			return sc, false
		}
		sc.num = f
	}
	return sc, true
}

// defaultLit is the spec's default when it is a literal.
func (sp leafSpec) defaultLit() *ast.BasicLit {
	for _, a := range sp.alts {
		if a.deflt && a.lit != nil && a.ref == "" {
			return a.lit
		}
	}
	return nil
}

// describe says what an alternative allows: the literal as the schema writes it, or the format it is
// ("a DNS name"), or its type and bounds ("an integer from 1 to 65535").
func (a leafAlt) describe() string {
	if a.lit != nil {
		return a.lit.Value
	}
	for _, p := range a.pieces {
		if f, ok := formats[p.from]; ok {
			return f.noun
		}
		if p.re != nil {
			if f, ok := formats[p.re.String()]; ok {
				return f.noun
			}
		}
		if f, ok := formats[p.call]; ok {
			return f.noun
		}
	}
	k := a.kind()
	noun := kindNoun(k)
	if r := a.rangeText(); r != "" {
		noun += " " + r
	}
	return noun
}

// rangeText renders the alternative's bounds: "from 1 to 65535", "of at least 1".
func (a leafAlt) rangeText() string {
	var lo, hi *big.Float
	isInt := a.kind() == cue.IntKind
	for _, p := range a.pieces {
		if p.bound == nil {
			continue
		}
		b := new(big.Float).Set(p.bound)
		switch p.op {
		case token.GTR:
			if isInt {
				b.Add(b, big.NewFloat(1))
			}
			fallthrough
		case token.GEQ:
			if lo == nil || b.Cmp(lo) > 0 {
				lo = b
			}
		case token.LSS:
			if isInt {
				b.Sub(b, big.NewFloat(1))
			}
			fallthrough
		case token.LEQ:
			if hi == nil || b.Cmp(hi) < 0 {
				hi = b
			}
		}
	}
	num := func(f *big.Float) string { return f.Text('f', -1) }
	switch {
	case lo != nil && hi != nil:
		return "from " + num(lo) + " to " + num(hi)
	case lo != nil:
		return "of at least " + num(lo)
	case hi != nil:
		return "of at most " + num(hi)
	}
	return ""
}

// describeAll lists the alternatives: `"intranet" | "internet" | "intranetAndInternet"`.
func describeAll(alts []leafAlt) string {
	var parts []string
	for _, a := range alts {
		parts = append(parts, a.describe())
	}
	return strings.Join(parts, " | ")
}

// kindNoun names a kind of value as a message requires it: "a string", "an integer".
func kindNoun(k cue.Kind) string {
	var names []string
	for _, c := range []struct {
		k    cue.Kind
		name string
	}{
		{cue.StringKind, "a string"}, {cue.NumberKind, "a number"}, {cue.IntKind, "an integer"},
		{cue.FloatKind, "a number"}, {cue.BoolKind, "true or false"}, {cue.StructKind, "a struct"},
		{cue.ListKind, "a list"}, {cue.NullKind, "null"},
	} {
		if k&c.k == c.k && c.k != 0 {
			names = append(names, c.name)
			k &^= c.k
		}
	}
	if len(names) == 0 {
		return "a value"
	}
	return strings.Join(names, " or ")
}

// foundNoun names the value a design wrote: `a number 443`, `a string "443"`, `a struct`.
func foundNoun(v cue.Value) string {
	switch v.Kind() {
	case cue.StringKind:
		s, _ := v.String()
		return "a string " + quoteValue(s)
	case cue.IntKind, cue.FloatKind:
		return "a number " + clip(fmt.Sprint(v))
	case cue.BoolKind:
		return "a boolean " + fmt.Sprint(v)
	case cue.NullKind:
		return "null"
	case cue.StructKind:
		return "a struct"
	case cue.ListKind:
		return "a list"
	}
	return "a value that is not concrete"
}

// showValue writes a design's scalar for a message: strings quoted with every control character escaped,
// long values cut, so no design value can break a line of any output.
func showValue(v cue.Value) string {
	if v.Kind() == cue.StringKind {
		s, _ := v.String()
		return quoteValue(s)
	}
	return clip(fmt.Sprint(v))
}

const maxShown = 60

func quoteValue(s string) string {
	if r := []rune(s); len(r) > maxShown {
		return strconv.Quote(string(r[:maxShown])) + "…"
	}
	return strconv.Quote(s)
}

func clip(s string) string {
	if r := []rune(s); len(r) > maxShown {
		return string(r[:maxShown]) + "…"
	}
	return s
}

// A format is a constraint of the schema named for the person who fixes the value: a noun for the message
// ("is not a DNS name") and the rule with an example for the hint. formats is keyed by the definition the
// constraint is written in (#FQDN), or by the pattern or validator when it is written inline;
// TestFormatsCoverSchema fails when the schema gains a constraint without an entry.
type format struct{ noun, rule string }

var formats = map[string]format{
	"#FQDN": {"a DNS name", "a DNS name is labels of letters, digits and hyphens joined by dots, at least two labels " +
		"(cm01.contoso.com); a label is at most 63 characters and does not start or end with a hyphen; 253 characters in all at most"},
	"#IP":   {"an IP address", "an IPv4 address such as 192.0.2.10 or an IPv6 address such as 2001:db8::10, without a prefix length"},
	"#CIDR": {"a network in CIDR notation", "a network is an address and a prefix length: 10.0.0.0/16 or 2001:db8::/32"},
	"#URL": {"an http:// or https:// URL", "an absolute URL starting http:// or https://, without spaces or quotes, " +
		"such as http://pki.contoso.com/crl/root.crl"},
	"#Text":                        {"one line of printable text", "write the value on one line, without control characters or line breaks"},
	`^[A-Z0-9]{3}$`:                {"a site code", "a site code is three capital letters or digits, such as P01"},
	`^[0-9]{4}$`:                   {"a version YYMM", "the current-branch version is four digits, year and month, such as 2403"},
	`^[^"]+$`:                      {"a name without double quotes", "write the value without double quotes (and not empty)"},
	`^IB[0-9]{3}$`:                 {"a rule code", "a rule code is IB and three digits, such as IB301"},
	`^[0-9]{4}-[0-9]{2}-[0-9]{2}$`: {"a date YYYY-MM-DD", "write the date as year, month and day, such as 2026-12-31"},
	`^[A-Za-z0-9_.-]{1,15}$`: {"an interface name", "an interface name is 1 to 15 letters, digits, '_', '.' or '-', " +
		"such as eth0"},
}

// formatOf is the format of a failing piece, if it has one.
func formatOf(p leafPiece) (format, bool) {
	if f, ok := formats[p.from]; ok {
		return f, true
	}
	if p.re != nil {
		if f, ok := formats[p.re.String()]; ok {
			return f, true
		}
	}
	f, ok := formats[p.call]
	return f, ok
}
