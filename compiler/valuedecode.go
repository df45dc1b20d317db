package compiler

import (
	"fmt"
	"reflect"
	"strings"
	"sync"

	"cuelang.org/go/cue"
)

// decodeInto fills the raw design types from a validated value. It does what cue.Value.Decode does for
// these types, but looks struct fields up by name instead of iterating them: Value.Fields orders fields
// topologically for export, which dominated compile time on large designs (see compiler/bench_test.go).
// Only maps, whose keys are the design's names, are iterated. A field the value leaves out gets the
// default the schema as written states (see evalschema.go), or its Go zero value.
func decodeInto(v cue.Value, out any, defs *schemaDefaults) error {
	d := &decoder{defaults: defs}
	return d.decode(v, reflect.ValueOf(out).Elem())
}

type decoder struct {
	defaults *schemaDefaults
	path     []pathElem // where the decoder is, for defaults and errors
}

// pathElem is one step of a design path: a field name, or a map key (anyKey) or list index (anyIndex),
// which are wildcards in the schema.
type pathElem struct {
	name     string
	anyKey   bool
	anyIndex bool
}

func (d *decoder) errorf(err error) error {
	var b strings.Builder
	for _, e := range d.path {
		switch {
		case e.anyIndex:
			b.WriteString("[]")
		case e.anyKey:
			fmt.Fprintf(&b, ".%q", e.name)
		default:
			b.WriteString("." + e.name)
		}
	}
	return fmt.Errorf("%s: %w", b.String(), err)
}

func (d *decoder) push(e pathElem) { d.path = append(d.path, e) }
func (d *decoder) pop()            { d.path = d.path[:len(d.path)-1] }

func (d *decoder) decode(v cue.Value, rv reflect.Value) error {
	switch rv.Kind() {
	case reflect.Pointer:
		elem := reflect.New(rv.Type().Elem())
		if err := d.decode(v, elem.Elem()); err != nil {
			return err
		}
		rv.Set(elem)
	case reflect.Struct:
		for i, f := range structFields(rv.Type()) {
			if f.name == "" {
				continue
			}
			d.push(pathElem{name: f.name})
			fv := v.LookupPath(f.path)
			var err error
			if fv.Exists() {
				err = d.decode(fv, rv.Field(i))
			} else {
				err = d.applyDefault(rv.Field(i))
			}
			d.pop()
			if err != nil {
				return err
			}
		}
	case reflect.Map:
		iter, err := v.Fields()
		if err != nil {
			return d.errorf(err)
		}
		m := reflect.MakeMap(rv.Type())
		for iter.Next() {
			key := iter.Selector().Unquoted()
			elem := reflect.New(rv.Type().Elem()).Elem()
			d.push(pathElem{name: key, anyKey: true})
			err := d.decode(iter.Value(), elem)
			d.pop()
			if err != nil {
				return err
			}
			m.SetMapIndex(reflect.ValueOf(key), elem)
		}
		rv.Set(m)
	case reflect.Slice:
		list, err := v.List()
		if err != nil {
			return d.errorf(err)
		}
		s := reflect.MakeSlice(rv.Type(), 0, 0)
		d.push(pathElem{anyIndex: true})
		defer d.pop()
		for list.Next() {
			elem := reflect.New(rv.Type().Elem()).Elem()
			if err := d.decode(list.Value(), elem); err != nil {
				return err
			}
			s = reflect.Append(s, elem)
		}
		rv.Set(s)
	case reflect.String:
		s, err := v.String()
		if err != nil {
			return d.errorf(err)
		}
		rv.SetString(s)
	case reflect.Int, reflect.Int64:
		n, err := v.Int64()
		if err != nil {
			return d.errorf(err)
		}
		rv.SetInt(n)
	case reflect.Bool:
		b, err := v.Bool()
		if err != nil {
			return d.errorf(err)
		}
		rv.SetBool(b)
	default:
		return d.errorf(fmt.Errorf("cannot decode into %s", rv.Type()))
	}
	return nil
}

// applyDefault sets a field the value leaves out to the schema's constant default; a field without one
// (an optional field not set) keeps its Go zero value.
func (d *decoder) applyDefault(rv reflect.Value) error {
	if d.defaults == nil {
		return nil
	}
	def := d.defaults.lookup(d.path)
	if def == nil {
		return nil
	}
	dv := reflect.ValueOf(def)
	if !dv.Type().ConvertibleTo(rv.Type()) || dv.Kind() == reflect.String && rv.Kind() != reflect.String {
		return d.errorf(fmt.Errorf("schema default %v does not fit %s", def, rv.Type()))
	}
	rv.Set(dv.Convert(rv.Type()))
	return nil
}

// goField is a struct field's JSON name and the CUE path that looks it up, made once per type.
type goField struct {
	name string // "" for fields without a JSON name
	path cue.Path
}

var fieldCache sync.Map // reflect.Type → []goField

func structFields(t reflect.Type) []goField {
	if f, ok := fieldCache.Load(t); ok {
		return f.([]goField)
	}
	fields := make([]goField, t.NumField())
	for i := range fields {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if name == "" || name == "-" {
			continue
		}
		fields[i] = goField{name: name, path: cue.MakePath(cue.Str(name))}
	}
	fieldCache.Store(t, fields)
	return fields
}
