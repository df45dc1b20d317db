package compiler

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/cuecontext"
	"cuelang.org/go/cue/format"
	"cuelang.org/go/cue/parser"
	"github.com/google/go-cmp/cmp"
	"golang.org/x/tools/txtar"

	"github.com/ibcmc/ibcmc/bench"
)

// TestEvalSchemaTransform pins what the evaluation schema changes and what it leaves as written.
func TestEvalSchemaTransform(t *testing.T) {
	if _, err := loadEvalSchemaInstance(); err != nil {
		t.Fatal(err)
	}
	text := string(evalSchemaText)
	for _, want := range []string{
		"zone?:                string\n",                                   // #SiteSystem: the default is one value of the type
		"siteServerInitiates?: bool\n",                                     // bool default
		"allow?:       #Allow\n",                                           // refers to a defaulted definition
		`#Allow: string & =~"^(?:intranet|internet|intranetAndInternet)$"`, // the definition loses its default
		`connections?: string & =~"^(?:https|http)$"`,                      // an enum becomes one pattern
		`kind: string & =~"^(?:internet|perimeter|intranet)$"`,             // no default: stays required
		"vms?:            int & >=1 & <=16\n",                              // int default
		`type:        *"primary" | "secondary" | "cas"`,                    // #Site declares let bindings: as written
		`server:   *siteServer | #FQDN`,                                    // computed default: as written
		`#Forest & {dns: *Name | #FQDN}`,                                   // computed default: as written
		`mode?: string & =~"^(?:online|offline)$"`,                         // inside an optional struct
	} {
		if !strings.Contains(text, want) {
			t.Errorf("evaluation schema lacks %q:\n%s", want, text)
		}
	}
}

// TestEvalSchemaMatchesSchema compiles every example, every rule case and designs written to probe the
// shortcut's edges twice, through the evaluation schema and through the schema as written, and requires
// identical results: the same plan with every default, the same diagnostics. A design the schema as
// written accepts must also pass the evaluation schema, in one pass for CUE, or the shortcut is not taken.
func TestEvalSchemaMatchesSchema(t *testing.T) {
	designs := map[string]map[string]string{}
	examples, _ := filepath.Glob("../examples/*/site.cue")
	for _, p := range examples {
		designs["example "+filepath.Base(filepath.Dir(p))] = map[string]string{"site.cue": mustRead(t, p)}
	}
	cases, _ := filepath.Glob("../rules/testdata/*.txtar")
	for _, p := range cases {
		a, err := txtar.ParseFile(p)
		if err != nil {
			t.Fatal(err)
		}
		files := map[string]string{}
		for _, f := range a.Files {
			if strings.HasSuffix(f.Name, ".cue") || strings.HasSuffix(f.Name, ".json") || strings.HasSuffix(f.Name, ".yaml") {
				files[f.Name] = string(f.Data)
			}
		}
		designs["rule case "+strings.TrimSuffix(filepath.Base(p), ".txtar")] = files
	}
	if len(examples) != 4 || len(cases) < 150 {
		t.Fatalf("found %d examples and %d rule cases; the globs are wrong", len(examples), len(cases))
	}
	designs["generated 50"] = map[string]string{"site.cue": bench.Design(50)}
	// Reads a default it does not write: an unset optional field under the evaluation schema, so the
	// schema as written decides (systems.b.zone is "intranet").
	designs["falls back: reads a default"] = map[string]string{"site.cue": MinimalDesign + `systems: b: {fqdn: intranet: "b.contoso.com", zone: systems.mp1.zone}` + "\n"}
	// A comprehension reads the user's value before the schema is unified: undefined either way.
	designs["comprehension reads a default"] = map[string]string{"site.cue": MinimalDesign +
		`if systems.mp1.roles.managementPoint.connections == "https" {systems: mp1: installAccount: "CONTOSO\\svc"}` + "\n"}
	designs["writes every default"] = map[string]string{"site.cue": MinimalDesign + `systems: mp1: {zone: "intranet", siteServerInitiates: false, roles: managementPoint: {connections: "https", allow: "intranet", cmgTraffic: false}}` + "\n"}
	designs["bad enum"] = map[string]string{"site.cue": MinimalDesign + `systems: mp1: roles: managementPoint: connections: "ftp"` + "\n"}
	designs["bad type"] = map[string]string{"site.cue": MinimalDesign + `systems: mp1: siteServerInitiates: "yes"` + "\n"}
	// A type where the schema has a default: as written the default settles it; the evaluation schema
	// finds it not concrete and falls back.
	designs["falls back: narrows a defaulted field"] = map[string]string{"site.cue": MinimalDesign + `systems: mp1: roles: managementPoint: allow: string` + "\n"}
	designs["unknown root field"] = map[string]string{"site.cue": MinimalDesign + `sytems: mp2: {}` + "\n"}
	designs["unknown nested field"] = map[string]string{"site.cue": MinimalDesign + `systems: mp1: roles: distributionPiont: {}` + "\n"}
	designs["unknown field from a comprehension"] = map[string]string{"site.cue": MinimalDesign + `for k in ["distributionPiont"] {systems: mp1: roles: (k): {}}` + "\n"}
	designs["hidden fields and definitions at the root"] = map[string]string{"site.cue": MinimalDesign + `_forest: "contoso.com"` + "\n" + `#MP: {forest: _forest, roles: managementPoint: {}}` + "\n" + `systems: mp2: #MP & {fqdn: intranet: "mp2.contoso.com"}` + "\n"}
	// Names the embedded schema uses: the one-pass evaluation is not attempted, the result is the same.
	designs["reserved definition name"] = map[string]string{"site.cue": MinimalDesign + `#_ibcmcSiteSystem: {zone: "intranet"}` + "\n"}
	designs["reserved name referred to"] = map[string]string{"site.cue": MinimalDesign + `systems: mp1: zone: #_ibcmcSiteSystem.zone` + "\n"}
	designs["two files"] = map[string]string{"a.cue": MinimalDesign, "b.cue": "package site\n\nsystems: mp1: zone: \"intranet\"\n"}
	designs["no package clause"] = map[string]string{"site.cue": strings.TrimPrefix(MinimalDesign, "package site\n")}
	designs["json"] = map[string]string{"site.json": `{"site": {"code": "P01", "server": "cm01.contoso.com", "forest": "contoso.com"},
		"forests": {"contoso.com": {}}, "zones": {"intranet": {"kind": "intranet", "cidrs": ["10.0.0.0/16"]}},
		"pki": {"authorities": {"Root": {"subject": "CN=Root"}}, "issuer": "Root"},
		"systems": {"mp1": {"fqdn": {"intranet": "mp1.contoso.com"}, "roles": {"managementPoint": {}, "serviceConnectionPoint": {}}}},
		"publishing": {}, "clients": {"c": {"join": "domain", "features": []}}}`}

	for name, files := range designs {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			var paths []string
			for n, content := range files {
				p := filepath.Join(dir, n)
				if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
					t.Fatal(err)
				}
				paths = append(paths, p)
			}
			fast, err := Compile(paths, Options{Cwd: dir})
			if err != nil {
				t.Fatal(err)
			}
			written, err := Compile(paths, Options{Cwd: dir, schemaAsWritten: true})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(written, fast, cmp.Exporter(func(reflect.Type) bool { return true })); diff != "" {
				t.Fatalf("evaluation schema result differs from the schema as written (-written +evaluation):\n%s", diff)
			}
			if strings.HasPrefix(name, "falls back") {
				if written.Plan == nil {
					t.Fatalf("the schema as written accepts this design: %v", written.Diagnostics)
				}
				return
			}
			if written.Plan == nil {
				return
			}
			ctx := cuecontext.New()
			in, d, err := loadUser(ctx, paths, dir)
			if err != nil || len(d) > 0 {
				t.Fatal(err, d)
			}
			if _, ok, err := unifyWithEvalSchema(ctx, in.value); err != nil || !ok {
				t.Fatalf("the schema as written accepts this design but the evaluation schema does not (err %v): the shortcut is never taken", err)
			}
			inputs, err := checkInputs(paths)
			if err != nil {
				t.Fatal(err)
			}
			_, _, attempted, ok := evaluateEmbedded(cuecontext.New(), inputs)
			if wantOnePass := len(inputs.dataFiles) == 0 && !strings.HasPrefix(name, "reserved"); ok != wantOnePass {
				t.Fatalf("one-pass evaluation: attempted %v, ok %v; want ok %v", attempted, ok, wantOnePass)
			}
		})
	}
}

// MinimalDesign is a small valid design; exported for the compiler_test package's tests too.
const MinimalDesign = `package site

site: {code: "P01", server: "cm01.contoso.com", forest: "contoso.com"}
forests: "contoso.com": {}
zones: intranet: {kind: "intranet", cidrs: ["10.0.0.0/16"]}
pki: {authorities: "Root": {subject: "CN=Root"}, issuer: "Root"}
systems: mp1: {
	fqdn: intranet: "mp1.contoso.com"
	forest: "contoso.com"
	roles: managementPoint: {}
}
publishing: {}
clients: {}
`

func mustRead(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestEvalSchemaPatternQuotesLiterals: an enum of literals with pattern metacharacters accepts exactly
// its literals.
func TestEvalSchemaPatternQuotesLiterals(t *testing.T) {
	f, err := parser.ParseFile("x.cue", "#S: {mode: *\"a.b\" | \"c+d\" | \"(e)\"}\n")
	if err != nil {
		t.Fatal(err)
	}
	stripConstantDefaults(f)
	src, err := format.Node(f)
	if err != nil {
		t.Fatal(err)
	}
	ctx := cuecontext.New()
	s := ctx.CompileBytes(src).LookupPath(cue.ParsePath("#S"))
	for v, ok := range map[string]bool{"a.b": true, "c+d": true, "(e)": true, "axb": false, "ccd": false, "e": false, "a.b\n": false} {
		got := s.Unify(ctx.CompileString(fmt.Sprintf("{mode: %q}", v))).Validate(cue.Concrete(true)) == nil
		if got != ok {
			t.Errorf("mode %q accepted = %v, want %v (schema %s)", v, got, ok, src)
		}
	}
}
