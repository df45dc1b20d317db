package compiler

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ibcmc/ibcmc/plan"
)

// schemaAsWrittenCases are additions to MinimalDesign, each with what it means under the schema as written.
// Most of them told the earlier evaluation form (defaults taken out, evalschema.go) from the schema as
// written, with another meaning and no error. They are also seeds of FuzzCompileCUE.
var schemaAsWrittenCases = []struct {
	name, add string
	// check inspects the plan of a valid design; refused names the path of the first diagnostic instead.
	check   func(p *plan.Plan) string
	refused string
}{
	{name: "optional mark on a defaulted field", add: `systems: mp1: zone?: "perimeter"`,
		check: zoneOf("mp1", "perimeter")},
	{name: "required mark on a defaulted field", add: `systems: mp1: zone!: "perimeter"`,
		check: zoneOf("mp1", "perimeter")},
	{name: "pattern over a system's fields", add: `systems: mp1: [=~"^zo"]: "perimeter"`,
		check: zoneOf("mp1", "perimeter")},
	{name: "reads a default it does not write", add: `systems: b: {fqdn: intranet: "b.contoso.com", zone: systems.mp1.zone}`,
		check: zoneOf("b", "intranet")},
	{name: "len counts the defaulted fields", add: `systems: mp1: installAccount: "n\(len(systems.mp1.roles.managementPoint))"`,
		check: accountOf("mp1", "n3")},
	{name: "for sees the defaulted fields", add: `for k, v in systems.mp1 if k == "zone" {systems: mp1: installAccount: k}`,
		check: accountOf("mp1", "zone")},
	{name: "a defaulted field exists", add: `if systems.mp1.zone == _|_ {systems: mp1: installAccount: "x"}`,
		check: accountOf("mp1", "")},
	{name: "a type where the schema has a default", add: `systems: mp1: roles: managementPoint: allow: string`,
		check: func(p *plan.Plan) string {
			if a := p.System("mp1").Roles.ManagementPoint.Allow; a != "intranet" {
				return "allow " + string(a)
			}
			return ""
		}},
	{name: "a constraint a choice narrows", add: `zones: perimeter: {kind: =~"^peri", cidrs: ["192.0.2.0/24"]}`,
		check: func(p *plan.Plan) string {
			if z := p.Zone("perimeter"); z == nil || z.Kind != "perimeter" {
				return "no perimeter zone of kind perimeter"
			}
			return ""
		}},
	{name: "comprehension", add: `for n in ["dp1", "dp2"] {systems: (n): {fqdn: intranet: "\(n).contoso.com", roles: distributionPoint: {}}}`,
		check: zoneOf("dp2", "intranet")},
	{name: "a default of the design's own", add: `systems: mp1: roles: managementPoint: connections: *"http" | "https"`,
		refused: "systems.mp1.roles.managementPoint.connections"},
	{name: "a closed definition without the defaulted fields", add: `#MP: {fqdn: intranet: "mp2.contoso.com", forest: "contoso.com", roles: managementPoint: {}}` + "\n" + `systems: mp2: #MP`,
		refused: "systems.mp2.roles.managementPoint.allow"},
	{name: "close without the defaulted fields", add: `systems: mp2: close({fqdn: intranet: "mp2.contoso.com", forest: "contoso.com", roles: managementPoint: {}})`,
		refused: "systems.mp2.siteServerInitiates"},
}

func zoneOf(system, want string) func(p *plan.Plan) string {
	return func(p *plan.Plan) string {
		if s := p.System(system); s == nil || s.Zone != want {
			return "system " + system + " not in zone " + want
		}
		return ""
	}
}

func accountOf(system, want string) func(p *plan.Plan) string {
	return func(p *plan.Plan) string {
		if s := p.System(system); s == nil || s.InstallAccount != want {
			return "system " + system + " install account not " + want
		}
		return ""
	}
}

// TestSchemaAsWrittenMeaning: a design means what CUE makes of it with the schema as written, whatever CUE
// construct it uses; the firewall rules of `zone?: "perimeter"` are the perimeter's.
func TestSchemaAsWrittenMeaning(t *testing.T) {
	for _, c := range schemaAsWrittenCases {
		t.Run(c.name, func(t *testing.T) {
			res := compileOnePath(t, map[string]string{"site.cue": MinimalDesign + c.add + "\n"})
			if c.refused != "" {
				if res.Plan != nil || len(res.Diagnostics) == 0 || res.Diagnostics[0].Path != c.refused {
					t.Fatalf("want refused at %s; got %v", c.refused, res.Diagnostics)
				}
				return
			}
			if res.Plan == nil {
				t.Fatalf("refused: %v", res.Diagnostics)
			}
			if msg := c.check(res.Plan); msg != "" {
				t.Error(msg)
			}
		})
	}
}

// TestOnePathEveryFormat: the same design as CUE, JSON and YAML takes the one path: the same plan with the
// defaults of the fields it leaves out, and the same diagnostic for a bad value.
func TestOnePathEveryFormat(t *testing.T) {
	var plans []string
	for _, files := range []map[string]string{{"site.cue": MinimalDesign}, {"site.json": minimalJSON}, {"site.yaml": minimalYAML}} {
		res := compileOnePath(t, files)
		if res.Plan == nil {
			t.Fatalf("%v: %v", files, res.Diagnostics)
		}
		mp := res.Plan.Systems[0]
		plans = append(plans, mp.Name+" zone="+mp.Zone+" allow="+string(mp.Roles.ManagementPoint.Allow))
	}
	if plans[0] != "mp1 zone=intranet allow=intranet" || plans[1] != plans[0] || plans[2] != plans[0] {
		t.Errorf("plans differ by format: %q", plans)
	}
	var msgs []string
	for _, f := range []struct{ name, content string }{
		{"site.cue", MinimalDesign + `systems: mp1: roles: managementPoint: connections: "ftp"` + "\n"},
		{"site.json", strings.Replace(minimalJSON, `"managementPoint": {}`, `"managementPoint": {"connections": "ftp"}`, 1)},
		{"site.yaml", strings.Replace(minimalYAML, "managementPoint: {}", "managementPoint: {connections: ftp}", 1)},
	} {
		res := compileOnePath(t, map[string]string{f.name: f.content})
		if res.Plan != nil || len(res.Diagnostics) == 0 {
			t.Fatalf("%s: want a diagnostic", f.name)
		}
		msgs = append(msgs, res.Diagnostics[0].Path+": "+res.Diagnostics[0].Message)
	}
	if !strings.HasPrefix(msgs[0], "systems.mp1.roles.managementPoint.connections: ") || msgs[1] != msgs[0] || msgs[2] != msgs[0] {
		t.Errorf("messages differ by format:\n%s", strings.Join(msgs, "\n"))
	}
}

func compileOnePath(t *testing.T, files map[string]string) *Result {
	t.Helper()
	dir := t.TempDir()
	var paths []string
	for n, content := range files {
		p := filepath.Join(dir, n)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	res, err := Compile(paths, Options{Cwd: dir})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

const minimalJSON = `{"site": {"code": "P01", "server": "cm01.contoso.com", "forest": "contoso.com"},
	"forests": {"contoso.com": {}}, "zones": {"intranet": {"kind": "intranet", "cidrs": ["10.0.0.0/16"]}},
	"pki": {"authorities": {"Root": {"subject": "CN=Root"}}, "issuer": "Root"},
	"systems": {"mp1": {"fqdn": {"intranet": "mp1.contoso.com"}, "forest": "contoso.com", "roles": {"managementPoint": {}}}},
	"publishing": {}, "clients": {}}`

const minimalYAML = `site: {code: P01, server: cm01.contoso.com, forest: contoso.com}
forests: {contoso.com: {}}
zones:
  intranet: {kind: intranet, cidrs: [10.0.0.0/16]}
pki:
  authorities: {Root: {subject: CN=Root}}
  issuer: Root
systems:
  mp1:
    fqdn: {intranet: mp1.contoso.com}
    forest: contoso.com
    roles:
      managementPoint: {}
publishing: {}
clients: {}
`

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
