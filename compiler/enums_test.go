package compiler

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/cuecontext"
)

// The plan types each schema enumeration (a field that is a disjunction of string literals) and the code
// compares against its constants (plan/enums.go), so a misspelt value does not compile. TestEnums holds
// the constants to the schema: for every enum type, its constants are exactly the literals the schema
// allows at each path the type is used for, and every enumeration of #Design has a type.

// enumPaths maps each enum type of plan/enums.go to the schema paths it types: * is any name, [] any
// list element.
var enumPaths = map[string][]string{
	"SiteType":          {"site.type"},
	"Environment":       {"site.environment"},
	"ClientConnections": {"site.communication.clientConnections"},
	"ZoneKind":          {"zones.*.kind"},
	"AuthorityKind":     {"pki.authorities.*.kind"},
	"Hash":              {"pki.hash"},
	"KeyProvider":       {"pki.provider"},
	"Allow": {
		"systems.*.roles.managementPoint.allow", "systems.*.roles.distributionPoint.allow",
		"systems.*.roles.softwareUpdatePoint.allow", "systems.*.roles.fallbackStatusPoint.allow",
		"systems.*.roles.enrollmentProxyPoint.allow",
	},
	"Connections":       {"systems.*.roles.managementPoint.connections", "systems.*.roles.distributionPoint.connections"},
	"SCPMode":           {"systems.*.roles.serviceConnectionPoint.mode"},
	"PublishingProduct": {"publishing.*.product"},
	"PublishingMode":    {"publishing.*.mode"},
	"UpstreamTLS":       {"publishing.*.upstreamTLS"},
	"Feature":           {"clients.*.features[]"},
	"Platform":          {"clients.*.platform"},
	"JoinType":          {"clients.*.join"},
	"Management":        {"clients.*.management"},
	"Auth":              {"clients.*.auth"},
	"Via":               {"clients.*.via"},
	"InstallMethod":     {"clients.*.install.method"},
	"InstallFrom":       {"clients.*.install.from"},
	"CMGDeployment":     {"cmg.*.deployment"},
	"VMSize":            {"cmg.*.vmSize"},
	"FirewallProduct":   {"firewalls.*.product"},
}

func TestEnums(t *testing.T) {
	consts, err := enumConsts("../plan/enums.go")
	if err != nil {
		t.Fatal(err)
	}
	def, err := designDef(cuecontext.New(), loadSchemaInstance)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range enumDrift(def, consts, enumPaths) {
		t.Error(p)
	}
}

// enumConsts reads the string types of an enums file and the values of the constants declared with each.
func enumConsts(file string) (map[string][]string, error) {
	f, err := parser.ParseFile(token.NewFileSet(), file, nil, 0)
	if err != nil {
		return nil, err
	}
	out := map[string][]string{}
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok {
			continue
		}
		for _, s := range g.Specs {
			switch s := s.(type) {
			case *ast.TypeSpec:
				if id, ok := s.Type.(*ast.Ident); ok && id.Name == "string" {
					if _, seen := out[s.Name.Name]; !seen {
						out[s.Name.Name] = nil // a type without constants is drift too
					}
				}
			case *ast.ValueSpec:
				id, ok := s.Type.(*ast.Ident)
				if !ok || g.Tok != token.CONST || len(s.Values) != len(s.Names) {
					return nil, fmt.Errorf("%s: declare every constant with its enum type and a value", s.Names[0].Name)
				}
				for _, v := range s.Values {
					lit, ok := v.(*ast.BasicLit)
					if !ok || lit.Kind != token.STRING {
						return nil, fmt.Errorf("%s: an enum constant is a string literal", s.Names[0].Name)
					}
					val, err := strconv.Unquote(lit.Value)
					if err != nil {
						return nil, err
					}
					out[id.Name] = append(out[id.Name], val)
				}
			}
		}
	}
	return out, nil
}

// enumDrift compares the constants of each enum type with the schema's literals at its paths, and finds
// the enumerations of the schema no type covers.
func enumDrift(def cue.Value, consts map[string][]string, paths map[string][]string) []string {
	var out []string
	covered := map[string]bool{}
	for _, typ := range slices.Sorted(maps.Keys(consts)) {
		if len(paths[typ]) == 0 {
			out = append(out, fmt.Sprintf("plan.%s has no schema path in enumPaths", typ))
		}
		have := slices.Sorted(slices.Values(consts[typ]))
		if len(slices.Compact(slices.Clone(have))) != len(have) {
			out = append(out, fmt.Sprintf("plan.%s declares a value twice: %q", typ, have))
		}
		for _, path := range paths[typ] {
			covered[path] = true
			v := def.LookupPath(schemaPath(path))
			if !v.Exists() {
				out = append(out, fmt.Sprintf("%s (plan.%s) is not in the schema", path, typ))
				continue
			}
			want, ok := stringEnum(v)
			if !ok {
				out = append(out, fmt.Sprintf("%s (plan.%s) is not a disjunction of string literals in the schema", path, typ))
				continue
			}
			for _, c := range have {
				if !slices.Contains(want, c) {
					out = append(out, fmt.Sprintf("plan.%s has %q, which the schema does not allow at %s", typ, c, path))
				}
			}
			for _, w := range want {
				if !slices.Contains(have, w) {
					out = append(out, fmt.Sprintf("the schema allows %q at %s, and plan.%s has no constant for it", w, path, typ))
				}
			}
		}
	}
	for _, typ := range slices.Sorted(maps.Keys(paths)) {
		if _, ok := consts[typ]; !ok {
			out = append(out, fmt.Sprintf("enumPaths names plan.%s, which plan/enums.go does not declare", typ))
		}
	}
	for _, path := range schemaEnums(def) {
		if !covered[path] {
			out = append(out, fmt.Sprintf("%s is an enumeration in the schema without a type in plan/enums.go (and enumPaths)", path))
		}
	}
	return out
}

// schemaPath turns "clients.*.features[]" into a CUE path; every field is looked up as optional, since
// optional and required fields are the same to a lookup of the schema.
func schemaPath(path string) cue.Path {
	var sels []cue.Selector
	for _, part := range strings.Split(path, ".") {
		elem := strings.HasSuffix(part, "[]")
		part = strings.TrimSuffix(part, "[]")
		if part == "*" {
			sels = append(sels, cue.AnyString)
		} else {
			sels = append(sels, cue.Str(part).Optional())
		}
		if elem {
			sels = append(sels, cue.AnyIndex)
		}
	}
	return cue.MakePath(sels...)
}

// stringEnum returns the literals of a disjunction of string literals, sorted. Eval resolves a reference
// to a definition (#Allow, #Feature) to the disjunction it names.
func stringEnum(v cue.Value) ([]string, bool) {
	op, args := v.Eval().Expr()
	if op != cue.OrOp || len(args) < 2 {
		return nil, false
	}
	var out []string
	for _, a := range args {
		if a.IncompleteKind() != cue.StringKind || !a.IsConcrete() {
			return nil, false
		}
		s, err := a.String()
		if err != nil {
			return nil, false
		}
		out = append(out, s)
	}
	slices.Sort(out)
	return slices.Compact(out), true
}

// schemaEnums lists the paths of #Design that hold a disjunction of string literals.
func schemaEnums(def cue.Value) []string {
	var out []string
	join := func(path, name string) string {
		if path == "" {
			return name
		}
		return path + "." + name
	}
	var walk func(path string, v cue.Value, depth int)
	walk = func(path string, v cue.Value, depth int) {
		if depth > 12 {
			return
		}
		if _, ok := stringEnum(v); ok {
			out = append(out, path)
			return
		}
		k := v.IncompleteKind()
		if k&cue.StructKind != 0 {
			if it, err := v.Fields(cue.Optional(true)); err == nil {
				for it.Next() {
					walk(join(path, it.Selector().Unquoted()), it.Value(), depth+1)
				}
			}
			if e := v.LookupPath(cue.MakePath(cue.AnyString)); e.Exists() {
				walk(join(path, "*"), e, depth+1)
			}
		}
		if k&cue.ListKind != 0 {
			if e := v.LookupPath(cue.MakePath(cue.AnyIndex)); e.Exists() {
				walk(path+"[]", e, depth+1)
			}
		}
	}
	walk("", def, 0)
	slices.Sort(out)
	return out
}

// The check must see a constant the schema lacks, a schema value without a constant, and an enumeration
// without a type.
func TestEnumsSeeDrift(t *testing.T) {
	ctx := cuecontext.New()
	def, err := designDef(ctx, loadSchemaInstance)
	if err != nil {
		t.Fatal(err)
	}
	consts, err := enumConsts("../plan/enums.go")
	if err != nil {
		t.Fatal(err)
	}
	consts["Via"] = append(slices.Clone(consts["Via"]), "vpn")
	consts["Auth"] = slices.DeleteFunc(slices.Clone(consts["Auth"]), func(s string) bool { return s == "token" })
	wider := def.Unify(ctx.CompileString(`clients: [string]: {install: {kind: *"a" | "b"}}`))
	got := enumDrift(wider, consts, enumPaths)
	for _, want := range []string{
		`plan.Via has "vpn", which the schema does not allow at clients.*.via`,
		`the schema allows "token" at clients.*.auth, and plan.Auth has no constant for it`,
		`clients.*.install.kind is an enumeration in the schema without a type in plan/enums.go (and enumPaths)`,
	} {
		if !slices.Contains(got, want) {
			t.Errorf("no %q in %q", want, got)
		}
	}
	if len(got) != 3 {
		t.Errorf("want exactly 3 findings, got %q", got)
	}
}
