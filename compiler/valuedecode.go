package compiler

import (
	"fmt"
	"reflect"
	"strings"

	"cuelang.org/go/cue"
)

// decodeInto fills the raw design types from a validated value. It does what cue.Value.Decode does for
// these types, but looks struct fields up by name instead of iterating them: Value.Fields orders fields
// topologically for export, which dominated compile time on large designs (see compiler/bench_test.go).
// Only maps, whose keys are the design's names, are iterated.
func decodeInto(v cue.Value, out any) error {
	return decodeValue(v, reflect.ValueOf(out).Elem(), "")
}

func decodeValue(v cue.Value, rv reflect.Value, path string) error {
	switch rv.Kind() {
	case reflect.Pointer:
		elem := reflect.New(rv.Type().Elem())
		if err := decodeValue(v, elem.Elem(), path); err != nil {
			return err
		}
		rv.Set(elem)
	case reflect.Struct:
		t := rv.Type()
		for i := 0; i < t.NumField(); i++ {
			name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
			if name == "" || name == "-" {
				continue
			}
			fv := v.LookupPath(cue.MakePath(cue.Str(name)))
			if !fv.Exists() {
				continue // optional field not set: the Go zero value (nil pointer, empty string)
			}
			if err := decodeValue(fv, rv.Field(i), path+"."+name); err != nil {
				return err
			}
		}
	case reflect.Map:
		iter, err := v.Fields()
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		m := reflect.MakeMap(rv.Type())
		for iter.Next() {
			key := iter.Selector().Unquoted()
			elem := reflect.New(rv.Type().Elem()).Elem()
			if err := decodeValue(iter.Value(), elem, path+"."+key); err != nil {
				return err
			}
			m.SetMapIndex(reflect.ValueOf(key), elem)
		}
		rv.Set(m)
	case reflect.Slice:
		list, err := v.List()
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		s := reflect.MakeSlice(rv.Type(), 0, 0)
		for list.Next() {
			elem := reflect.New(rv.Type().Elem()).Elem()
			if err := decodeValue(list.Value(), elem, path+"[]"); err != nil {
				return err
			}
			s = reflect.Append(s, elem)
		}
		rv.Set(s)
	case reflect.String:
		s, err := v.String()
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		rv.SetString(s)
	case reflect.Int, reflect.Int64:
		n, err := v.Int64()
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		rv.SetInt(n)
	case reflect.Bool:
		b, err := v.Bool()
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		rv.SetBool(b)
	default:
		return fmt.Errorf("%s: cannot decode into %s", path, rv.Type())
	}
	return nil
}
