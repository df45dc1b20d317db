package compiler

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
	cueerrors "cuelang.org/go/cue/errors"
	"cuelang.org/go/cue/token"

	"github.com/ibcmc/ibcmc/diag"
	"github.com/ibcmc/ibcmc/plan"
)

// IB000 messages are built from data, never from CUE's error text: CUE's errors say where the design
// fails #Design (the path, and a position), and the message comes from the design's own value at that path
// (the user's tree, evaluated without the schema) and from #Design at that path (its fields, alternatives,
// defaults, types, bounds and formats). CUE prints the two sides of a conflict in an order that says
// nothing about which side the user wrote ("htps" came out as the allowed value), so its text is used only
// for errors no class below explains (a syntax error, an evaluation error in the user's own CUE).

// userDiagnostics reports the errors of evaluating the design on its own (user; no schema yet): two
// values for one field are explained from the design's values, anything else in CUE's words.
func userDiagnostics(err error, user cue.Value, cwd string, labels positions) diag.List {
	if !user.Exists() {
		return cueDiagnostics(err, cwd, labels)
	}
	return schemaDiagnostics(err, user, cue.Value{}, cue.Value{}, cwd, labels)
}

// schemaDiagnostics reports why the design does not validate against #Design: user is the design
// evaluated on its own, unified is user & #Design, and err is unified's validation error.
func schemaDiagnostics(err error, user, unified, def cue.Value, cwd string, labels positions) diag.List {
	inst, ierr := loadSchemaInstance()
	if ierr != nil {
		return cueDiagnostics(err, cwd, labels)
	}
	c := &classifier{
		user: user, unified: unified, def: def, cwd: cwd, labels: labels,
		syn: newSchemaSyntax(inst.Files), validators: map[string]cue.Value{},
	}
	var out diag.List
	var order []string
	groups := map[string]*errGroup{}
	for _, e := range cueerrors.Errors(err) {
		sels, p := selectorsOf(e.Path())
		g := groups[p]
		if g == nil {
			g = &errGroup{sels: sels, path: p}
			groups[p] = g
			order = append(order, p)
		}
		g.errs = append(g.errs, e)
	}
	for _, p := range order {
		g := groups[p]
		if d, ok := c.diagnose(g); ok {
			out = append(out, d)
			continue
		}
		for _, e := range g.errs {
			out = append(out, cueDiagnostics(e, cwd, labels)...)
		}
	}
	return dedupe(out)
}

type errGroup struct {
	sels []cue.Selector
	path string
	errs []cueerrors.Error
}

type classifier struct {
	user, unified, def cue.Value
	cwd                string
	labels             positions
	syn                *schemaSyntax
	validators         map[string]cue.Value
}

func schemaDiag(path string, pos diag.Pos, msg, hint string) diag.Diagnostic {
	return diag.Diagnostic{
		Code: "IB000", Name: "schema", Severity: diag.Error, Source: "",
		Path: path, Pos: pos, Message: msg, Hint: hint,
	}
}

// diagnose explains one failing path; ok is false when no class fits. A design can be any CUE, so a value
// this reading does not foresee must end in CUE's own words, never in a crash.
func (c *classifier) diagnose(g *errGroup) (d diag.Diagnostic, ok bool) {
	defer func() {
		if recover() != nil {
			d, ok = diag.Diagnostic{}, false
		}
	}()
	if len(g.sels) == 0 {
		// The design as a whole: only a value that is not a struct at all is explained here.
		if c.def.Exists() && c.user.Exists() && c.user.IsConcrete() && c.user.Kind() != cue.StructKind {
			return c.wrongValue(g, c.def, c.user)
		}
		return diag.Diagnostic{}, false
	}
	if !c.def.Exists() {
		// The design on its own, before the schema: only a conflict between its own values is explained.
		if u := c.user.LookupPath(cue.MakePath(g.sels...)); u.Exists() && u.Err() != nil {
			return c.conflict(g, u)
		}
		return diag.Diagnostic{}, false
	}
	s, found := c.schemaAt(g.sels)
	if !found {
		return c.unknownField(g)
	}
	u := c.user.LookupPath(cue.MakePath(g.sels...))
	if u.Exists() && u.Err() != nil {
		return c.conflict(g, u)
	}
	if !u.Exists() {
		return c.notWritten(g, s)
	}
	if !u.IsConcrete() && u.IncompleteKind()&(cue.StructKind|cue.ListKind) == 0 {
		pos := c.valuePos(u)
		if !pos.IsValid() {
			pos = c.errPos(g)
		}
		return schemaDiag(g.path, pos, "the design leaves this value open; write one value",
			lastName(g.sels)+" takes "+c.allowedText(s)), true
	}
	return c.wrongValue(g, s, u)
}

// schemaAt looks the path up in #Design: fields, optional fields, then pattern constraints ([Name=string]).
func (c *classifier) schemaAt(sels []cue.Selector) (cue.Value, bool) {
	cur := c.def
	for _, s := range sels {
		next, ok := schemaChild(cur, s)
		if !ok {
			return cur, false
		}
		cur = next
	}
	return cur, true
}

func schemaChild(v cue.Value, s cue.Selector) (cue.Value, bool) {
	try := []cue.Selector{s}
	switch s.Type() {
	case cue.IndexLabel:
		try = append(try, cue.AnyIndex)
	case cue.StringLabel:
		try = append(try, s.Optional(), cue.AnyString)
	}
	for _, t := range try {
		if r := v.LookupPath(cue.MakePath(t)); r.Exists() {
			return r, true
		}
	}
	return cue.Value{}, false
}

// fieldNames are the fields a schema struct declares, in the schema's order (pattern constraints and
// definitions left out).
func fieldNames(v cue.Value) []string {
	if v.IncompleteKind()&cue.StructKind == 0 {
		return nil
	}
	it, err := v.Fields(cue.Optional(true))
	if err != nil {
		return nil
	}
	var out []string
	for it.Next() {
		if it.Selector().IsDefinition() {
			continue
		}
		out = append(out, it.Selector().Unquoted())
	}
	return out
}

func hasPattern(v cue.Value) bool {
	return v.IncompleteKind()&cue.StructKind != 0 && v.LookupPath(cue.MakePath(cue.AnyString)).Exists()
}

// where names a path in a hint: the path, or the top level.
func where(p string) string {
	if p == "" {
		return "the top level"
	}
	return p
}

func lastName(sels []cue.Selector) string {
	if len(sels) == 0 {
		return "the design"
	}
	s := sels[len(sels)-1]
	if s.Type() == cue.IndexLabel {
		return s.String()
	}
	return s.Unquoted()
}

func pathOf(sels []cue.Selector) string {
	_, p := selectorsOf(selectorStrings(sels))
	return p
}

func selectorStrings(sels []cue.Selector) []string {
	out := make([]string, len(sels))
	for i, s := range sels {
		out[i] = s.String()
	}
	return out
}

// unknownField: the design writes a field #Design does not have at that level. The suggestion comes from
// the schema's fields there (a misspelling) or one level up or down (a field at the wrong level).
func (c *classifier) unknownField(g *errGroup) (diag.Diagnostic, bool) {
	n := len(g.sels)
	parent, ok := c.schemaAt(g.sels[:n-1])
	if !ok {
		return diag.Diagnostic{}, false // an ancestor is unknown: CUE reports that one
	}
	name := lastName(g.sels)
	parentPath := pathOf(g.sels[:n-1])
	fields := fieldNames(parent)
	pos := c.labelPos(g)
	takes := where(parentPath) + " takes: " + strings.Join(fields, ", ")
	if len(fields) == 0 {
		takes = where(parentPath) + " takes no fields"
	}
	if s := suggest(name, fields); s != "" {
		return schemaDiag(g.path, pos, "field not allowed; did you mean "+s+"?",
			"field names are case-sensitive; "+takes), true
	}
	// One level up: the field belongs to the grandparent.
	if n >= 2 {
		if gp, ok := c.schemaAt(g.sels[:n-2]); ok {
			if m := closest(name, fieldNames(gp), true); len(m) == 1 {
				gpPath := pathOf(g.sels[:n-2])
				return schemaDiag(g.path, pos,
					fmt.Sprintf("field not allowed here; %s belongs under %s", m[0], where(gpPath)),
					"move it up one level: "+plan.Join(gpPath, m[0])), true
			}
		}
	}
	// One level down: the field belongs to one of the parent's fields.
	var under []string
	var full string
	for _, f := range fields {
		child, ok := schemaChild(parent, cue.Str(f))
		if !ok {
			continue
		}
		if m := closest(name, fieldNames(child), true); len(m) == 1 {
			under = append(under, f)
			full = plan.Join(parentPath, f, m[0])
		}
	}
	if len(under) == 1 {
		return schemaDiag(g.path, pos,
			fmt.Sprintf("field not allowed here; %s belongs under %s", lastSelector(full), under[0]),
			"move it down one level: "+full), true
	}
	return schemaDiag(g.path, pos, "field not allowed", takes+"; field names are case-sensitive"), true
}

func lastSelector(p string) string {
	parent := plan.ParentPath(p)
	if parent == "" {
		return p
	}
	return p[len(parent)+1:]
}

// suggest is a did-you-mean over names: `"distributionPoint"`, or two names joined by "or", or "".
func suggest(name string, names []string) string {
	m := closest(name, names, false)
	switch len(m) {
	case 1:
		return strconv.Quote(m[0])
	case 2:
		return strconv.Quote(m[0]) + " or " + strconv.Quote(m[1])
	}
	return ""
}

// closest are the names that match name ignoring case or, failing that, that are nearest by edit distance
// (ignoring case) within a bound that grows with the name's length. same says whether name itself counts
// (a field at another level) or not (a misspelling at this level).
func closest(name string, names []string, same bool) []string {
	var exact []string
	for _, n := range names {
		if strings.EqualFold(n, name) && (same || n != name) {
			exact = append(exact, n)
		}
	}
	if len(exact) > 0 {
		return exact
	}
	limit := 1
	switch l := len([]rune(name)); {
	case l > 8:
		limit = 3
	case l > 4:
		limit = 2
	}
	best, out := limit+1, []string(nil)
	for _, n := range names {
		d := editDistance(strings.ToLower(name), strings.ToLower(n))
		switch {
		case d == 0:
			continue
		case d > limit:
		case d < best:
			best, out = d, []string{n}
		case d == best:
			out = append(out, n)
		}
	}
	return out
}

// editDistance is the optimal string alignment distance: insertions, deletions, substitutions and
// transpositions of adjacent characters each cost one ("Piont" is one edit from "Point").
func editDistance(a, b string) int {
	x, y := []rune(a), []rune(b)
	if len(x) > 64 || len(y) > 64 {
		return 1 << 20 // not a misspelling of any schema name
	}
	d := make([][]int, len(x)+1)
	for i := range d {
		d[i] = make([]int, len(y)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(x); i++ {
		for j := 1; j <= len(y); j++ {
			cost := 1
			if x[i-1] == y[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && x[i-1] == y[j-2] && x[i-2] == y[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(x)][len(y)]
}

// conflict: the design itself gives one field two values (two files, or twice in one).
func (c *classifier) conflict(g *errGroup, u cue.Value) (diag.Diagnostic, bool) {
	type written struct {
		text string
		pos  diag.Pos
		kind cue.Kind
	}
	var all []written
	var collect func(v cue.Value, depth int)
	collect = func(v cue.Value, depth int) {
		op, args := v.Expr()
		if op == cue.AndOp && depth < 8 {
			for _, a := range args {
				collect(a, depth+1)
			}
			return
		}
		if !v.IsConcrete() || v.Err() != nil {
			return
		}
		text := showValue(v)
		if k := v.Kind(); k == cue.StructKind || k == cue.ListKind {
			text = foundNoun(v)
		}
		all = append(all, written{text, c.valuePos(v), v.Kind()})
	}
	collect(u, 0)
	slices.SortStableFunc(all, func(a, b written) int { return comparePos(a.pos, b.pos) })
	var distinct []written
	scalars, kinds := false, cue.Kind(0)
	for _, w := range all {
		if !slices.ContainsFunc(distinct, func(d written) bool { return d.text == w.text }) && w.pos.IsValid() {
			distinct = append(distinct, w)
			scalars = scalars || w.kind != cue.StructKind && w.kind != cue.ListKind
			kinds |= w.kind
		}
	}
	// Structs or lists of the same kind on every side conflict deeper down (or in length): CUE says how.
	if len(distinct) < 2 || !scalars && (kinds == cue.StructKind || kinds == cue.ListKind) {
		return diag.Diagnostic{}, false
	}
	var parts []string
	for _, w := range distinct {
		parts = append(parts, fmt.Sprintf("%s (%s)", w.text, w.pos))
	}
	msg := "conflicting values " + strings.Join(parts[:len(parts)-1], ", ") + " and " + parts[len(parts)-1]
	return schemaDiag(g.path, distinct[len(distinct)-1].pos, msg,
		"a field written more than once, in one file or in several, must have the same value each time; keep one of them"), true
}

func comparePos(a, b diag.Pos) int {
	if a.File != b.File {
		return strings.Compare(a.File, b.File)
	}
	if a.Line != b.Line {
		return a.Line - b.Line
	}
	return a.Column - b.Column
}

// notWritten: the design does not write the field (or writes no concrete value): a required field without
// a default, or a default (taken from another field) that does not fit.
func (c *classifier) notWritten(g *errGroup, s cue.Value) (diag.Diagnostic, bool) {
	name := lastName(g.sels)
	pos := c.labels.nearest(g.path)
	allowed := c.allowedText(s)
	uv := c.unified.LookupPath(cue.MakePath(g.sels...))
	sp, haveSpec := c.syn.specOf(s)
	derived := false
	for _, a := range sp.alts {
		derived = derived || a.deflt && a.ref != ""
	}
	if !derived {
		return schemaDiag(g.path, pos, "required field is missing: set "+g.path,
			name+" has no default; it takes "+allowed), true
	}
	// The default is taken from another value (a forest's dns from its name): when that value is known and
	// does not fit, say so.
	if dv, ok := concreteDefault(uv, 0); ok && haveSpec {
		if sc, ok := scalarOf(dv); ok {
			for _, a := range sp.listed(c.validate) {
				if i := a.failing(sc, c.validate); i >= 0 {
					if f, ok := formatOf(a.pieces[i]); ok {
						return schemaDiag(g.path, pos,
							fmt.Sprintf("the default %s is not %s; set %s", showValue(dv), f.noun, g.path), f.rule), true
					}
				}
			}
		}
	}
	return schemaDiag(g.path, pos, "required field is missing: set "+g.path,
		name+" takes "+allowed+"; its default is taken from another value of the design, which is missing or does not fit"), true
}

// concreteDefault finds the default of a disjunction among the conjuncts of a value.
func concreteDefault(v cue.Value, depth int) (cue.Value, bool) {
	if depth > 4 || !v.Exists() {
		return cue.Value{}, false
	}
	if d, ok := v.Default(); ok && d.IsConcrete() && d.Err() == nil {
		return d, true
	}
	op, args := v.Expr()
	if op != cue.AndOp && op != cue.OrOp {
		return cue.Value{}, false
	}
	for _, a := range args {
		if d, ok := concreteDefault(a, depth+1); ok {
			return d, true
		}
	}
	return cue.Value{}, false
}

// allowedText says what a schema field takes, for hints.
func (c *classifier) allowedText(s cue.Value) string {
	k := s.IncompleteKind()
	switch {
	case k == cue.StructKind && hasPattern(s) && len(fieldNames(s)) == 0:
		return "entries by name, each a struct"
	case k == cue.StructKind:
		if f := fieldNames(s); len(f) > 0 {
			return "a struct with the fields " + strings.Join(f, ", ")
		}
		return "a struct"
	case k == cue.ListKind:
		return "a list, written in brackets"
	}
	if sp, ok := c.syn.specOf(s); ok {
		if l := sp.listed(c.validate); len(l) > 0 {
			return describeAll(l)
		}
	}
	return kindNoun(k)
}

// wrongValue: the design writes a value #Design does not allow: the wrong type, a value outside an
// enumeration, out of range, or in the wrong format.
func (c *classifier) wrongValue(g *errGroup, s, u cue.Value) (diag.Diagnostic, bool) {
	name := lastName(g.sels)
	pos := c.valuePos(u)
	if !pos.IsValid() {
		pos = c.errPos(g)
	}
	sk := s.IncompleteKind()
	sp, haveSpec := c.syn.specOf(s)
	allowedKinds := sk
	if haveSpec && sk != cue.StructKind && sk != cue.ListKind {
		allowedKinds = sp.kinds() // net.IP leaves CUE's kind open; the schema's syntax says a string
	}
	uk := u.Kind()
	if uk&allowedKinds == 0 || allowedKinds == cue.IntKind && uk == cue.FloatKind {
		return schemaDiag(g.path, pos, kindNoun(allowedKinds)+" is required here; found "+foundNoun(u),
			c.typeHint(name, s, sp, haveSpec, u, allowedKinds)), true
	}
	if !haveSpec || uk == cue.StructKind || uk == cue.ListKind {
		return diag.Diagnostic{}, false
	}
	sc, ok := scalarOf(u)
	if !ok {
		return diag.Diagnostic{}, false
	}
	for _, a := range sp.alts {
		if a.matches(sc, c.validate) {
			return diag.Diagnostic{}, false // the value is allowed: the error is about something else
		}
	}
	listed := sp.listed(c.validate)
	shown := showValue(u)
	defaultNote := ""
	if d := sp.defaultLit(); d != nil {
		defaultNote = fmt.Sprintf("; leave %s out for the default %s", name, d.Value)
	}
	if len(listed) == 1 && listed[0].lit == nil {
		a := listed[0]
		i := a.failing(sc, c.validate)
		if i < 0 {
			return diag.Diagnostic{}, false
		}
		p := a.pieces[i]
		if p.bound != nil {
			hint := "write " + a.describe()
			if defaultNote != "" {
				hint = defaultNote[2:]
			}
			return schemaDiag(g.path, pos, fmt.Sprintf("%s is out of range; allowed: %s", shown, a.describe()), hint), true
		}
		if p.not != nil && p.not.Value == `""` {
			return schemaDiag(g.path, pos, "an empty value is not allowed here", "write "+a.describe()), true
		}
		if p.not != nil {
			return schemaDiag(g.path, pos, fmt.Sprintf("%s is not allowed here; allowed: %s other than %s", shown, a.describe(), p.not.Value),
				"write another value"), true
		}
		if f, ok := formatOf(p); ok {
			return schemaDiag(g.path, pos, fmt.Sprintf("%s is not %s", shown, f.noun), f.rule), true
		}
	}
	if len(listed) == 0 {
		return diag.Diagnostic{}, false
	}
	msg := fmt.Sprintf("%s is not allowed here; allowed: %s", shown, describeAll(listed))
	var lits []string
	for _, a := range listed {
		if a.lit != nil && litKind(a.lit) == cue.StringKind && sc.kind == cue.StringKind {
			if s, ok := litScalar(a.lit); ok {
				lits = append(lits, s.str)
			}
		}
	}
	if s := suggest(sc.str, lits); s != "" {
		msg += "; did you mean " + s + "?"
	}
	hint := "values are case-sensitive" + defaultNote
	if sc.kind != cue.StringKind {
		hint = "write one of the values listed" + defaultNote
	}
	return schemaDiag(g.path, pos, msg, hint), true
}

// typeHint says what to write instead of a value of the wrong type.
func (c *classifier) typeHint(name string, s cue.Value, sp leafSpec, haveSpec bool, u cue.Value, want cue.Kind) string {
	sk := s.IncompleteKind()
	switch {
	case sk == cue.StructKind:
		return name + " takes " + c.allowedText(s)
	case sk == cue.ListKind:
		return name + " takes a list, written in brackets: [ … ]"
	}
	hint := name + " takes " + c.allowedText(s)
	if !haveSpec {
		return hint
	}
	// The same text as the other type (443 for "443", "443" for 443) is suggested when #Design accepts it.
	var as string
	switch u.Kind() {
	case cue.StringKind:
		str, _ := u.String()
		if t := strings.TrimSpace(str); want&(cue.NumberKind|cue.BoolKind) != 0 && len(t) <= maxShown {
			as = strings.ToLower(t)
			if _, err := strconv.ParseFloat(as, 64); err != nil && as != "true" && as != "false" {
				as = ""
			}
		}
	case cue.IntKind, cue.FloatKind, cue.BoolKind:
		if want&cue.StringKind != 0 {
			as = strconv.Quote(fmt.Sprint(u))
		}
	}
	if as == "" {
		return hint
	}
	conv := u.Context().CompileString(as)
	sc, ok := scalarOf(conv)
	if conv.Err() != nil || !ok {
		return hint
	}
	for _, a := range sp.alts {
		if a.matches(sc, c.validate) {
			if u.Kind() == cue.StringKind {
				return hint + "; write it without quotes: " + as
			}
			return hint + "; write it in quotes: " + as
		}
	}
	return hint
}

// validate checks a value against a validator the schema names (net.IP), with CUE itself.
func (c *classifier) validate(call string, v cue.Value) bool {
	val, ok := c.validators[call]
	if !ok {
		// A validator checks a value as a field's constraint; on its own, net.IP is a function.
		val = v.Context().CompileString("x: "+call, cue.InferBuiltins(true)).LookupPath(cue.MakePath(cue.Str("x")))
		c.validators[call] = val
	}
	if val.Err() != nil {
		return true // not a validator CUE knows here: do not claim the value fails it
	}
	w := v.Unify(val)
	return w.Err() == nil && w.Validate(cue.Concrete(true)) == nil
}

// valuePos is where the design writes a value: the value itself, not its label.
func (c *classifier) valuePos(v cue.Value) diag.Pos {
	var p token.Pos
	switch src := v.Source().(type) {
	case *ast.Field:
		p = src.Value.Pos()
	case ast.Expr:
		p = src.Pos()
	}
	if !p.IsValid() {
		p = v.Pos()
	}
	if !p.IsValid() || strings.HasPrefix(p.Filename(), schemaPrefix) {
		return diag.Pos{}
	}
	return diag.Pos{File: displayPath(p.Filename(), c.cwd), Line: p.Line(), Column: p.Column()}
}

// labelPos is where the design writes a field's name.
func (c *classifier) labelPos(g *errGroup) diag.Pos {
	if p := c.errPos(g); p.IsValid() {
		return p
	}
	return c.labels.nearest(g.path)
}

func (c *classifier) errPos(g *errGroup) diag.Pos {
	for _, e := range g.errs {
		if p := userPos(e, c.cwd); p.IsValid() {
			return p
		}
	}
	return c.labels.nearest(g.path)
}

// selectorsOf reads a CUE error path (labels quoted when they are not identifiers, list indices bare) as
// selectors and as a design path (clients."my laptops".count, zones.intranet.cidrs[0]).
func selectorsOf(elems []string) ([]cue.Selector, string) {
	var sels []cue.Selector
	path := ""
	for _, e := range elems {
		switch {
		case strings.HasPrefix(e, `"`):
			if u, err := strconv.Unquote(e); err == nil {
				e = u
			}
			sels = append(sels, cue.Str(e))
			path = plan.Join(path, e)
		case e != "" && strings.Trim(e, "0123456789") == "":
			i, err := strconv.Atoi(e)
			if err != nil {
				sels = append(sels, cue.Str(e))
				path = plan.Join(path, e)
				continue
			}
			sels = append(sels, cue.Index(i))
			path = plan.Index(path, i)
		case strings.HasPrefix(e, "#"):
			// A definition of the user's own: no schema field has its name, and cue.Def would panic on a
			// name it does not accept.
			if ps := cue.ParsePath(e); ps.Err() == nil && len(ps.Selectors()) == 1 {
				sels = append(sels, ps.Selectors()[0])
			} else {
				sels = append(sels, cue.Str(e))
			}
			path = plan.Join(path, e)
		default:
			sels = append(sels, cue.Str(e))
			path = plan.Join(path, e)
		}
	}
	return sels, path
}

// dedupe drops repeated diagnostics (one error CUE reports for every conjunct of a field).
func dedupe(l diag.List) diag.List {
	seen := map[string]bool{}
	var out diag.List
	for _, d := range l {
		key := d.Pos.String() + "|" + d.Path + "|" + d.Message
		if seen[key] {
			continue
		}
		seen[key] = true
		out = append(out, d)
	}
	return out
}
