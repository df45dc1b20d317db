package compiler

import (
	"fmt"
	"reflect"
	"strings"
	"sync"
	"unicode/utf8"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/token"

	"github.com/ibcmc/ibcmc/diag"
	"github.com/ibcmc/ibcmc/plan"
)

// decoded is what decoding the validated design gives besides the raw types: where the design writes each
// field, and the values over MaxValueRunes.
type decoded struct {
	positions positions
	long      diag.List // IB000 findings, at most maxLongReports
}

// maxLongReports bounds the over-long values reported: a generated design may repeat one thousands of times,
// and the first few are enough to act on.
const maxLongReports = 20

// decodeInto fills the raw design types from v, the design unified with #Design and validated (CUE applied
// every default). It walks v and, beside it, the design's own value (in.value, evaluated without the
// schema), so it visits every field once and knows which ones the design writes:
//   - each written field's position goes into positions, keyed by its design path: where the design writes
//     it, which for the systems a comprehension makes is in the comprehension;
//   - every string and every name (a map key) over MaxValueRunes is reported as IB000 at the value.
//
// The two values are read with the calls that cost least at 5,000 systems (compiler/bench_test.go):
// Value.Fields sorts a struct's fields for export, which costs much on the unified value, where every
// schema struct takes part, and LookupPath makes an evaluation context per call. So the unified value is
// looked up by name for each Go field and only its maps, whose keys are the design's names, are iterated;
// the design's own fields are read from the literal that writes them when there is one (userFields), else
// listed with Fields.
func decodeInto(v cue.Value, in *userInput, out any, cwd string) (*decoded, error) {
	d := &decoder{cwd: cwd, in: in, res: &decoded{positions: positions{}}}
	var u userField
	if in != nil {
		d.res.positions[fileKey] = firstFile(in, cwd)
		u = userField{v: in.value, ok: true}
	}
	if err := d.decode(v, u, "", "", "", reflect.ValueOf(out).Elem()); err != nil {
		return nil, err
	}
	return d.res, nil
}

// firstFile is the position of last resort: the start of the first design file.
func firstFile(in *userInput, cwd string) diag.Pos {
	for _, f := range in.files {
		if f.Filename != "" {
			return diag.Pos{File: displayPath(f.Filename, cwd), Line: 1, Column: 1}
		}
	}
	for _, e := range in.exprs {
		if p := e.Pos(); p.IsValid() {
			return diag.Pos{File: displayPath(p.Filename(), cwd), Line: 1, Column: 1}
		}
	}
	return diag.Pos{}
}

type decoder struct {
	cwd string
	in  *userInput
	res *decoded
	// labels are the label positions of the syntax tree, made only for a field written in several places
	// (see userPos).
	labels positions
	// lastFile and lastDisplay cache the display name of the last file seen: every field of a file shares
	// it, and filepath.Rel per field showed in profiles of large designs.
	lastFile, lastDisplay string
	bufs                  [][]userField // the design's fields of the structs being decoded, one per depth
	depth                 int
}

func (d *decoder) errorf(path string, err error) error {
	return fmt.Errorf("%s: %w", path, err)
}

// userField is a field the design writes. v is its value in the design's own tree; label, when set, is
// the field as written, which places it without reading v (v is then looked up only for a struct or list,
// whose fields are needed).
type userField struct {
	name  string
	v     cue.Value
	label *ast.Field
	ok    bool // the design writes the field
}

// userFields lists the fields the design writes in u (none when it does not write u), optional ones
// included: `zone?: "perimeter"` is written, and unified with the schema's default it decides the value.
// A struct written once as a literal of plain fields (the common case; not a map, whose entries would
// each cost a lookup among thousands) is read from that literal, its own source: Value.Fields costs a sort
// per struct, which showed at 5,000 systems.
func (d *decoder) userFields(u cue.Value, literalOK bool) ([]userField, error) {
	for len(d.bufs) <= d.depth {
		d.bufs = append(d.bufs, nil)
	}
	buf := d.bufs[d.depth][:0]
	if !u.Exists() || u.IncompleteKind()&cue.StructKind == 0 {
		d.bufs[d.depth] = buf
		return buf, nil
	}
	if lit := plainLiteral(u); literalOK && lit != nil {
		for _, e := range lit.Elts {
			f := e.(*ast.Field)
			name, _, _ := ast.LabelName(f.Label)
			buf = append(buf, userField{name: name, label: f, ok: true})
		}
		d.bufs[d.depth] = buf
		return buf, nil
	}
	it, err := u.Fields(cue.Optional(true))
	if err != nil {
		return nil, err
	}
	for it.Next() {
		buf = append(buf, userField{name: it.Selector().Unquoted(), v: it.Value(), ok: true})
	}
	d.bufs[d.depth] = buf
	return buf, nil
}

// plainLiteral is the struct literal u is written as, when it is written once and the literal holds only
// fields with fixed names: then its fields are exactly the literal's. Anything else (a comprehension, an
// embedding, a reference, a second place that writes u) returns nil.
func plainLiteral(u cue.Value) *ast.StructLit {
	f, ok := u.Source().(*ast.Field)
	if !ok {
		return nil
	}
	lit, ok := f.Value.(*ast.StructLit)
	if !ok {
		return nil
	}
	for _, e := range lit.Elts {
		f, ok := e.(*ast.Field)
		if !ok {
			return nil
		}
		switch f.Label.(type) {
		case *ast.Ident, *ast.BasicLit:
		default:
			return nil // an alias, a pattern or a computed name
		}
		if _, _, err := ast.LabelName(f.Label); err != nil {
			return nil
		}
	}
	return lit
}

// userMatcher finds the design's own field for each field of the unified value. Both list a struct's
// fields in nearly the same order, so a moving hint finds most in one step; an index serves large maps
// (the systems of a big design) whose order differs.
type userMatcher struct {
	fields []userField
	next   int
	index  map[string]int
}

func (m *userMatcher) find(name string) userField {
	n := len(m.fields)
	if n == 0 {
		return userField{}
	}
	if m.next < n && m.fields[m.next].name == name {
		m.next++
		return m.fields[m.next-1]
	}
	if n > 16 {
		if m.index == nil {
			m.index = make(map[string]int, n)
			for i := range m.fields {
				if _, dup := m.index[m.fields[i].name]; !dup {
					m.index[m.fields[i].name] = i
				}
			}
		}
		i, ok := m.index[name]
		if !ok {
			return userField{}
		}
		m.next = i + 1
		return m.fields[i]
	}
	for i := range m.fields {
		if m.fields[i].name == name {
			m.next = i + 1
			return m.fields[i]
		}
	}
	return userField{}
}

// needsValue reports whether decoding a Go value of this kind reads the design's own value below it.
func needsValue(k reflect.Kind) bool {
	switch k {
	case reflect.Struct, reflect.Map, reflect.Slice, reflect.Pointer:
		return true
	}
	return false
}

// decode decodes v into rv. u is the design's own field at the same path, not ok when the design does not
// write it (a default of the schema, or a field inside one). path is the field's design
// path; for a scalar the design does not write it is "" and the path is parent.name, made only for an
// error: such fields are most of a design.
func (d *decoder) decode(v cue.Value, u userField, path, parent, name string, rv reflect.Value) error {
	switch rv.Kind() {
	case reflect.String, reflect.Int, reflect.Int64, reflect.Bool:
	default:
		if path == "" && name != "" {
			path = joinPath(parent, name) // the fields below need it
		}
	}
	if u.ok && path != "" && rv.Kind() != reflect.Pointer {
		d.res.positions[path] = d.userPos(path, u)
	}
	switch rv.Kind() {
	case reflect.Pointer:
		elem := reflect.New(rv.Type().Elem())
		if err := d.decode(v, u, path, parent, name, elem.Elem()); err != nil {
			return err
		}
		rv.Set(elem)
	case reflect.Struct:
		fields := structFields(rv.Type())
		users, err := d.userFields(u.v, true)
		if err != nil {
			return d.errorf(path, err)
		}
		m := userMatcher{fields: users}
		d.depth++
		for i := range fields {
			f := &fields[i]
			if f.name == "" {
				continue
			}
			// Every field is looked up, optional ones too: a comprehension that reads the schema's defaults
			// can write an optional field the design's own value lacks (TestSchemaAsWrittenMeaning).
			fu := m.find(f.name)
			fv := v.LookupPath(f.path)
			if !fv.Exists() {
				continue
			}
			fpath := ""
			if fu.ok {
				fpath = joinPath(path, f.name)
				if fu.label != nil && needsValue(rv.Field(i).Kind()) {
					fu.v = u.v.LookupPath(f.path)
				}
			}
			if err := d.decode(fv, fu, fpath, path, f.name, rv.Field(i)); err != nil {
				return err
			}
		}
		d.depth--
	case reflect.Map:
		iter, err := v.Fields()
		if err != nil {
			return d.errorf(path, err)
		}
		users, err := d.userFields(u.v, false)
		if err != nil {
			return d.errorf(path, err)
		}
		um := userMatcher{fields: users}
		d.depth++
		m := reflect.MakeMap(rv.Type())
		elemType := rv.Type().Elem()
		for iter.Next() {
			key := iter.Selector().Unquoted()
			p := joinPath(path, key)
			ku := um.find(key)
			elem := reflect.New(elemType).Elem()
			if err := d.decode(iter.Value(), ku, p, "", "", elem); err != nil {
				return err
			}
			if len(key) > MaxValueRunes {
				if n := utf8.RuneCountInString(key); n > MaxValueRunes {
					d.tooLong(p, "the name", n, d.res.positions.nearest(p))
				}
			}
			m.SetMapIndex(reflect.ValueOf(key), elem)
		}
		d.depth--
		rv.Set(m)
	case reflect.Slice:
		list, err := v.List()
		if err != nil {
			return d.errorf(path, err)
		}
		var ulist cue.Iterator
		hasUser := false
		if u.v.Exists() && u.v.IncompleteKind()&cue.ListKind != 0 {
			if l, err := u.v.List(); err == nil {
				ulist, hasUser = l, true
			}
		}
		s := reflect.MakeSlice(rv.Type(), 0, 0)
		for i := 0; list.Next(); i++ {
			var eu userField
			if hasUser && ulist.Next() {
				eu = userField{v: ulist.Value(), ok: true}
			}
			elem := reflect.New(rv.Type().Elem()).Elem()
			if err := d.decode(list.Value(), eu, plan.Index(path, i), "", "", elem); err != nil {
				return err
			}
			s = reflect.Append(s, elem)
		}
		rv.Set(s)
	case reflect.String:
		s, err := v.String()
		if err != nil {
			return d.errorf(d.scalarPath(path, parent, name), err)
		}
		if len(s) > MaxValueRunes {
			if n := utf8.RuneCountInString(s); n > MaxValueRunes {
				p := d.scalarPath(path, parent, name)
				d.tooLong(p, "the value", n, d.valuePos(p, v))
			}
		}
		rv.SetString(s)
	case reflect.Int, reflect.Int64:
		n, err := v.Int64()
		if err != nil {
			return d.errorf(d.scalarPath(path, parent, name), err)
		}
		rv.SetInt(n)
	case reflect.Bool:
		b, err := v.Bool()
		if err != nil {
			return d.errorf(d.scalarPath(path, parent, name), err)
		}
		rv.SetBool(b)
	default:
		return d.errorf(d.scalarPath(path, parent, name), fmt.Errorf("cannot decode into %s", rv.Type()))
	}
	return nil
}

// scalarPath is the design path of a scalar decode was given as path, or as parent and name.
func (d *decoder) scalarPath(path, parent, name string) string {
	if path == "" && name != "" {
		return joinPath(parent, name)
	}
	return path
}

// joinPath is plan.Join for one selector, without the variadic call: it runs for every written field.
func joinPath(path, name string) string {
	if path == "" {
		return plan.Selector(name)
	}
	return path + "." + plan.Selector(name)
}

// userPos is where the design writes the field at path, u being its value in the design's own tree. A
// field written once has one source, the field itself, and its label is the position (inside a
// comprehension for the fields a comprehension makes). A list element's position is its own. A field
// written in several places (two files, an embedding, a definition of the design's) has no single
// source: the first label the syntax tree writes at that path is where to read, and the value's own
// position when no label spells the path.
func (d *decoder) userPos(path string, uf userField) diag.Pos {
	if uf.label != nil && uf.label.Label.Pos().IsValid() {
		return d.pos(uf.label.Label.Pos())
	}
	u := uf.v
	if f, ok := u.Source().(*ast.Field); ok {
		if p := f.Label.Pos(); p.IsValid() {
			return d.pos(p)
		}
	}
	if !strings.HasSuffix(path, "]") {
		if d.labels == nil && d.in != nil {
			d.labels = collectPositions(d.in, d.cwd)
		}
		if p, ok := d.labels[path]; ok {
			return p
		}
	}
	return d.pos(u.Pos())
}

// valuePos is where an over-long string is: its literal in the design, or the place that writes the
// field (a value built by interpolation or a reference has no literal of its own).
func (d *decoder) valuePos(path string, v cue.Value) diag.Pos {
	if p := v.Pos(); p.IsValid() && !strings.HasPrefix(p.Filename(), schemaPrefix) {
		return d.pos(p)
	}
	return d.res.positions.nearest(path)
}

func (d *decoder) pos(p token.Pos) diag.Pos {
	if !p.IsValid() {
		return diag.Pos{}
	}
	if f := p.Filename(); f != d.lastFile || d.lastDisplay == "" {
		d.lastFile, d.lastDisplay = f, displayPath(f, d.cwd)
	}
	return diag.Pos{File: d.lastDisplay, Line: p.Line(), Column: p.Column()}
}

// tooLong reports a string or name over MaxValueRunes.
func (d *decoder) tooLong(path, what string, n int, pos diag.Pos) {
	if len(d.res.long) >= maxLongReports {
		return
	}
	d.res.long = append(d.res.long, diag.Diagnostic{
		Code: "IB000", Name: "schema", Severity: diag.Error, Path: path, Pos: pos,
		Message: fmt.Sprintf("%s is %d characters long; ibcmc accepts at most %d in any value", what, n, MaxValueRunes),
		Hint:    "shorten the value: names, subjects, paths and URLs are far shorter",
	})
}

// goField is a struct field as the decoder reads it, made once per type.
type goField struct {
	name string   // its name in the design (the json tag); "" for a field the design does not have
	path cue.Path // the selector that looks it up
}

var fieldCache sync.Map // reflect.Type → []goField

func structFields(t reflect.Type) []goField {
	if f, ok := fieldCache.Load(t); ok {
		return f.([]goField)
	}
	fields := make([]goField, t.NumField())
	for i := range fields {
		sf := t.Field(i)
		name := jsonName(sf)
		if name == "" {
			continue
		}
		fields[i] = goField{name: name, path: cue.MakePath(cue.Str(name))}
	}
	fieldCache.Store(t, fields)
	return fields
}

// jsonName is the field's name in the design, from its json tag; "" for a field without one.
func jsonName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
	if name == "-" {
		return ""
	}
	return name
}
