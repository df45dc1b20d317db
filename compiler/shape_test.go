package compiler

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/cuecontext"
)

// The design's shape is written three times: the schema (#Design), the Go types it is decoded into (raw*
// in decode.go) and the plan toPlan builds from them. A field added to one and not the others would be
// dropped without a word (a defaulted field in #SiteSystem once was), so TestShape holds them together in
// both directions:
//   - every field of #Design is a field of the raw types, and every raw field a field of #Design, with
//     the same kind (struct, map, list, string, int, bool);
//   - every raw field reaches the plan: changing it alone changes the plan toPlan builds;
//   - every field of the plan's design entities comes from the design: none is left at its zero value when
//     every raw field is set.

// schemaOnly are the fields of #Design the Go types leave out on purpose.
var schemaOnly = map[string]string{
	"$schema": "names a JSON Schema for editors; ibcmc ignores it",
}

// planUnset are plan fields toPlan leaves empty on purpose, by their path in the plan.
var planUnset = map[string]string{
	"Systems[].Roles.EnrollmentPoint.Allow":              "the role has no allow setting",
	"Systems[].Roles.CertificateRegistrationPoint.Allow": "the role has no allow setting",
	"Systems[].Roles.CMGConnectionPoint.Allow":           "the role has no allow setting",
	"Systems[].Roles.ServiceConnectionPoint.Role.Allow":  "the role has no allow setting",
}

func TestShape(t *testing.T) {
	def, err := designDef(cuecontext.New(), loadSchemaInstance)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range shapeDrift(def, reflect.TypeFor[rawDesign]()) {
		t.Error(p)
	}
	for _, p := range planDrift() {
		t.Error(p)
	}
}

// shapeDrift compares #Design with the raw types in both directions.
func shapeDrift(def cue.Value, t reflect.Type) []string {
	var out []string
	var walk func(path string, sv cue.Value, t reflect.Type)
	walk = func(path string, sv cue.Value, t reflect.Type) {
		for t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		kind := sv.IncompleteKind()
		switch t.Kind() {
		case reflect.Struct:
			if kind&cue.StructKind == 0 {
				out = append(out, fmt.Sprintf("%s: a struct in Go (%s), %v in the schema", path, t, kind))
				return
			}
			schemaFields := map[string]cue.Value{}
			it, err := sv.Fields(cue.Optional(true))
			if err != nil {
				out = append(out, fmt.Sprintf("%s: %v", path, err))
				return
			}
			for it.Next() {
				schemaFields[it.Selector().Unquoted()] = it.Value()
			}
			goFields := map[string]reflect.Type{}
			for i := range t.NumField() {
				if name := jsonName(t.Field(i)); name != "" {
					goFields[name] = t.Field(i).Type
				}
			}
			for _, name := range sortedKeys(schemaFields) {
				if _, ok := goFields[name]; !ok && (path != "" || schemaOnly[name] == "") {
					out = append(out, fmt.Sprintf("%s is in the schema but not in %s: decode it (decode.go) and carry it into the plan (toPlan)", joinPath(path, name), t))
				}
			}
			for _, name := range sortedKeys(goFields) {
				sf, ok := schemaFields[name]
				if !ok {
					out = append(out, fmt.Sprintf("%s is in %s but not in the schema", joinPath(path, name), t))
					continue
				}
				walk(joinPath(path, name), sf, goFields[name])
			}
		case reflect.Map:
			elem := sv.LookupPath(cue.MakePath(cue.AnyString))
			if kind&cue.StructKind == 0 || !elem.Exists() {
				out = append(out, fmt.Sprintf("%s: a map in Go (%s), not a struct of names in the schema", path, t))
				return
			}
			walk(path+".[_]", elem, t.Elem())
		case reflect.Slice:
			elem := sv.LookupPath(cue.MakePath(cue.AnyIndex))
			if kind&cue.ListKind == 0 || !elem.Exists() {
				out = append(out, fmt.Sprintf("%s: a list in Go (%s), %v in the schema", path, t, kind))
				return
			}
			walk(path+"[_]", elem, t.Elem())
		case reflect.String, reflect.Int, reflect.Int64, reflect.Bool:
			want := map[reflect.Kind]cue.Kind{reflect.String: cue.StringKind, reflect.Int: cue.IntKind,
				reflect.Int64: cue.IntKind, reflect.Bool: cue.BoolKind}[t.Kind()]
			// A validator of the net package (#IP, #CIDR) admits any kind; it is a string in a design.
			if kind != cue.TopKind && (kind&^want != 0 || kind&want == 0) {
				out = append(out, fmt.Sprintf("%s: %s in Go, %v in the schema", path, t, kind))
			}
		default:
			out = append(out, fmt.Sprintf("%s: the decoder cannot read %s", path, t))
		}
	}
	walk("", def, t)
	return out
}

// planDrift checks the raw types against the plan toPlan builds from them.
func planDrift() []string {
	var out []string
	base, leaves := filledRaw(-1)
	basePlan := toPlan(base)
	for i, leaf := range leaves {
		changed, _ := filledRaw(i)
		if reflect.DeepEqual(toPlan(changed), basePlan) {
			out = append(out, fmt.Sprintf("raw %s does not reach the plan: toPlan drops it", leaf))
		}
	}
	designEntities := []string{"Site", "Forests", "DomainControllers", "Zones", "PKI", "Authorities", "Systems",
		"Publishing", "Clients", "CMGs", "Firewalls", "Waivers"}
	pv := reflect.ValueOf(basePlan).Elem()
	seen := map[string]bool{}
	for _, name := range designEntities {
		zeroLeaves(name, pv.FieldByName(name), func(path string) {
			seen[path] = true
			if planUnset[path] == "" {
				out = append(out, fmt.Sprintf("plan %s is not set from the design: toPlan leaves it empty", path))
			}
		})
	}
	for _, path := range sortedKeys(planUnset) {
		if !seen[path] {
			out = append(out, fmt.Sprintf("planUnset lists %s, which toPlan now sets: remove it", path))
		}
	}
	if len(leaves) < 100 {
		out = append(out, fmt.Sprintf("only %d raw fields: the fill does not reach them all", len(leaves)))
	}
	return out
}

// filledRaw is a rawDesign with every field set: each map with one entry, each list with one element,
// each pointer to a value, strings and numbers distinct, booleans true. Leaf number change (a field, or a
// map's key) gets another value. leaves names the leaves in order.
func filledRaw(change int) (*rawDesign, []string) {
	var leaves []string
	next := func(path string) (n int, changed bool) {
		leaves = append(leaves, path)
		return len(leaves), len(leaves)-1 == change
	}
	var fill func(path string, rv reflect.Value)
	fill = func(path string, rv reflect.Value) {
		switch rv.Kind() {
		case reflect.Pointer:
			rv.Set(reflect.New(rv.Type().Elem()))
			fill(path, rv.Elem())
		case reflect.Struct:
			for i := range rv.NumField() {
				if name := jsonName(rv.Type().Field(i)); name != "" {
					fill(joinPath(path, name), rv.Field(i))
				}
			}
		case reflect.Map:
			n, changed := next(path + " (a key)")
			key := fmt.Sprintf("k%d", n)
			if changed {
				key += "x"
			}
			elem := reflect.New(rv.Type().Elem()).Elem()
			fill(path+".[_]", elem)
			rv.Set(reflect.MakeMap(rv.Type()))
			rv.SetMapIndex(reflect.ValueOf(key), elem)
		case reflect.Slice:
			elem := reflect.New(rv.Type().Elem()).Elem()
			fill(path+"[_]", elem)
			rv.Set(reflect.Append(reflect.MakeSlice(rv.Type(), 0, 1), elem))
		case reflect.String:
			n, changed := next(path)
			s := fmt.Sprintf("s%d", n)
			if changed {
				s += "x"
			}
			rv.SetString(s)
		case reflect.Int, reflect.Int64:
			n, changed := next(path)
			if changed {
				n += 1000
			}
			rv.SetInt(int64(n))
		case reflect.Bool:
			_, changed := next(path)
			rv.SetBool(!changed)
		}
	}
	r := &rawDesign{}
	fill("", reflect.ValueOf(r).Elem())
	return r, leaves
}

// zeroLeaves calls zero for every scalar below v left at its zero value, and every nil pointer, empty
// slice or map; paths are Go field names, [] for the elements of a slice.
func zeroLeaves(path string, v reflect.Value, zero func(path string)) {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			zero(path)
			return
		}
		zeroLeaves(path, v.Elem(), zero)
	case reflect.Struct:
		for i := range v.NumField() {
			f := v.Type().Field(i)
			if !f.IsExported() {
				continue
			}
			name := f.Name
			if f.Anonymous {
				name = f.Type.Name()
			}
			zeroLeaves(path+"."+name, v.Field(i), zero)
		}
	case reflect.Slice, reflect.Map:
		if v.Len() == 0 {
			zero(path)
			return
		}
		if v.Kind() == reflect.Slice {
			for i := range v.Len() {
				zeroLeaves(path+"[]", v.Index(i), zero)
			}
		}
	default:
		if v.IsZero() {
			zero(path)
		}
	}
}

// The drift checks must see a field added on one side only.
func TestShapeSeesDrift(t *testing.T) {
	schemaWith := func(t *testing.T, extra string) cue.Value {
		t.Helper()
		ctx := cuecontext.New()
		def, err := designDef(ctx, loadSchemaInstance)
		if err != nil {
			t.Fatal(err)
		}
		// A defaulted field in every system, as #SiteSystem would have it.
		return def.Unify(ctx.CompileString(extra))
	}
	got := shapeDrift(schemaWith(t, `systems: [string]: {inventoryPort: *10123 | int}`), reflect.TypeFor[rawDesign]())
	want := "systems.[_].inventoryPort is in the schema but not in compiler.rawSystem: decode it (decode.go) and carry it into the plan (toPlan)"
	if !slices.Contains(got, want) {
		t.Errorf("a schema field without Go support: got %q, want %q", got, want)
	}
	got = shapeDrift(schemaWith(t, ""), reflect.StructOf([]reflect.StructField{
		{Name: "Systems", Type: reflect.TypeFor[map[string]struct {
			Extra string `json:"extra"`
		}](), Tag: `json:"systems"`},
		{Name: "Site", Type: reflect.TypeFor[struct {
			Code int `json:"code"`
		}](), Tag: `json:"site"`},
	}))
	for _, want := range []string{"systems.[_].extra is in struct", "site.code: int in Go, string in the schema"} {
		if !slices.ContainsFunc(got, func(s string) bool { return strings.HasPrefix(s, want) }) {
			t.Errorf("no %q in %q", want, got)
		}
	}
}
