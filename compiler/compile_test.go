package compiler_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ibcmc/ibcmc/compiler"
	"github.com/ibcmc/ibcmc/internal/testdesign"
)

const minimal = compiler.MinimalDesign

// TestBadInput: every malformed design ends in diagnostics (exit 1) or a usage error (exit 2), each naming
// the file, line and field; nothing panics.
func TestBadInput(t *testing.T) {
	type want struct {
		diag    string // "file:line:col path" of the first IB000
		message string // substring of its message
	}
	cases := []struct {
		name  string
		files map[string]string
		want  want
	}{
		{"empty file", map[string]string{"site.cue": ""}, want{diag: "site.cue:1:1 site.server", message: "required field is missing: set site.server"}},
		{"binary junk", map[string]string{"site.cue": "\x00\x01\x02\xff\xfe junk"}, want{diag: "site.cue:1:1 ", message: "illegal"}},
		{"syntax error", map[string]string{"site.cue": "package site\nsite: {code: \"P01\"\n"}, want{diag: "site.cue:2:20 ", message: "expected '}'"}},
		{"wrong type", map[string]string{"site.cue": strings.Replace(minimal, `issuer: "Root"`, `issuer: "Root", keyLength: "2048"`, 1)},
			want{diag: "site.cue:6:77 pki.keyLength", message: `an integer is required here; found a string "2048"`}},
		{"unknown field", map[string]string{"site.cue": strings.Replace(minimal, "roles: managementPoint: {}", "roles: {\n\t\tmanagementPoint: {}\n\t\tdistributionPiont: {}\n\t}", 1)},
			want{diag: "site.cue:12:3 systems.mp1.roles.distributionPiont", message: `field not allowed; did you mean "distributionPoint"?`}},
		{"value out of range", map[string]string{"site.cue": minimal + "site: database: port: 70000\n"},
			want{diag: "site.cue:14:23 site.database.port", message: "70000 is out of range; allowed: an integer from 1 to 65535"}},
		{"quoted name in path", map[string]string{"site.cue": minimal + "clients: \"my laptops\": count: 0\n"},
			want{diag: "site.cue:14:31 clients.\"my laptops\".count", message: "0 is out of range; allowed: an integer of at least 1"}},
		{"line break in free text", map[string]string{"site.cue": minimal + "systems: mp1: installAccount: \"a\\nb\"\n"},
			want{diag: "site.cue:14:31 systems.mp1.installAccount", message: `"a\nb" is not one line of printable text`}},
		{"scalar for a struct", map[string]string{"site.cue": strings.Replace(minimal, `site: {code: "P01", server: "cm01.contoso.com", forest: "contoso.com"}`, "site: 0", 1)},
			want{diag: "site.cue:3:7 site", message: "a struct is required here; found a number 0"}},
		{"YAML null for a struct", map[string]string{"site.yaml": "site:\n"},
			want{diag: "site.yaml:1:6 site", message: "a struct is required here; found null"}},
		{"YAML with CR line breaks", map[string]string{"site.yaml": "site:\r  code: 5\r"},
			want{diag: "site.yaml:2:9 site.code", message: "a string is required here; found a number 5"}},
		{"YAML scalar after lone CRs", map[string]string{"site.yaml": "\r\r0"},
			want{diag: "site.yaml:3:1 ", message: "a struct is required here; found a number 0"}},
		{"enum", map[string]string{"site.cue": minimal + "site: type: \"tertiary\"\n"},
			want{diag: "site.cue:14:13 site.type", message: `"tertiary" is not allowed here; allowed: "primary" | "secondary" | "cas"`}},
		{"malformed fqdn", map[string]string{"site.cue": strings.Replace(minimal, `intranet: "mp1.contoso.com"`, `intranet: "mp1..contoso.com"`, 1)},
			want{diag: "site.cue:8:18 systems.mp1.fqdn.intranet", message: `"mp1..contoso.com" is not a DNS name`}},
		{"conflict across files", map[string]string{"a.cue": minimal, "b.cue": "package site\nsite: code: \"P02\"\n"},
			want{diag: "b.cue:2:13 site.code", message: `conflicting values "P01" (a.cue:3:14) and "P02" (b.cue:2:13)`}},
		{"missing required field", map[string]string{"site.cue": strings.Replace(minimal, `server: "cm01.contoso.com", `, "", 1)},
			want{diag: "site.cue:3:1 site.server", message: "required field is missing: set site.server"}},
		{"system without fqdn", map[string]string{"site.cue": strings.Replace(minimal, `fqdn: intranet: "mp1.contoso.com"`, "", 1)},
			want{diag: "site.cue:7:10 systems.mp1.fqdn", message: "at least one of fqdn.intranet and fqdn.internet"}},
		{"json wrong type", map[string]string{"site.json": `{"site": {"code": 1}}`}, want{diag: "site.json:1:19 site.code", message: "a string is required here; found a number 1"}},
		{"yaml unknown field", map[string]string{"site.yaml": "site:\n  code: P01\n  colour: blue\n"}, want{diag: "site.yaml:3:3 site.colour", message: "field not allowed"}},
		{"misspelt value", map[string]string{"site.cue": strings.Replace(minimal, "managementPoint: {}", `managementPoint: connections: "htps"`, 1)},
			want{diag: "site.cue:10:39 systems.mp1.roles.managementPoint.connections", message: `"htps" is not allowed here; allowed: "https" | "http"; did you mean "https"?`}},
		{"field at the wrong level", map[string]string{"site.cue": strings.Replace(minimal, "roles: managementPoint: {}", "managementPoint: {}", 1)},
			want{diag: "site.cue:10:2 systems.mp1.managementPoint", message: "field not allowed here; managementPoint belongs under roles"}},
		{"yaml misspelt value", map[string]string{"site.yaml": "systems:\n  mp1:\n    roles:\n      managementPoint:\n        allow: Intranet\n"},
			want{diag: "site.yaml:5:16 systems.mp1.roles.managementPoint.allow", message: `"Intranet" is not allowed here; allowed: "intranet" | "internet" | "intranetAndInternet"; did you mean "intranet"?`}},
		{"json list element", map[string]string{"site.json": `{"zones": {"dmz": {"kind": "perimeter", "cidrs": ["192.0.2.0/24", "192.0.2/24"]}}}`},
			want{diag: "site.json:1:67 zones.dmz.cidrs[1]", message: `"192.0.2/24" is not a network in CIDR notation`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := testdesign.Compile(t, c.files)
			if res.Plan != nil && !res.Diagnostics.HasErrors(false) {
				t.Fatalf("design compiled without errors")
			}
			if len(res.Diagnostics) == 0 {
				t.Fatal("no diagnostics")
			}
			var first string
			for _, d := range res.Diagnostics {
				if d.Code != "IB000" {
					continue
				}
				got := d.Pos.String() + " " + d.Path
				if first == "" {
					first = got
				}
				if got == c.want.diag && strings.Contains(d.Message, c.want.message) {
					return
				}
			}
			var all []string
			for _, d := range res.Diagnostics {
				all = append(all, d.Pos.String()+" "+d.Code+" "+d.Path+": "+d.Message)
			}
			t.Errorf("want an IB000 at %q containing %q; got:\n%s", c.want.diag, c.want.message, strings.Join(all, "\n"))
		})
	}
}

func TestUsageErrors(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty")
	if err := os.Mkdir(empty, 0o755); err != nil {
		t.Fatal(err)
	}
	txt := filepath.Join(dir, "site.txt")
	os.WriteFile(txt, []byte("x"), 0o644)
	for name, paths := range map[string][]string{
		"missing file":          {filepath.Join(dir, "nope.cue")},
		"directory without cue": {empty},
		"unsupported type":      {txt},
		"nothing":               nil,
	} {
		t.Run(name, func(t *testing.T) {
			_, err := compiler.Compile(paths, compiler.Options{Cwd: dir})
			var ue *compiler.UsageError
			if !errors.As(err, &ue) {
				t.Fatalf("want a usage error, got %v", err)
			}
		})
	}
}

func TestDirectoryPackage(t *testing.T) {
	dir := t.TempDir()
	parts := strings.SplitN(minimal, "publishing: {}", 2)
	os.WriteFile(filepath.Join(dir, "a.cue"), []byte(parts[0]), 0o644)
	os.WriteFile(filepath.Join(dir, "b.cue"), []byte("package site\n\npublishing: {}"+parts[1]), 0o644)
	res, err := compiler.Compile([]string{dir}, compiler.Options{Cwd: dir})
	if err != nil {
		t.Fatal(err)
	}
	if res.Diagnostics.HasErrors(false) || res.Plan == nil {
		t.Fatalf("diagnostics: %v", res.Diagnostics)
	}
	if got := res.Plan.System("mp1"); got == nil || got.Roles.ManagementPoint == nil {
		t.Fatalf("mp1 not decoded: %+v", got)
	}
}

func TestDefaultsAndInternetZone(t *testing.T) {
	res := testdesign.CompileOne(t, minimal)
	p := res.Plan
	if p == nil {
		t.Fatalf("no plan: %v", res.Diagnostics)
	}
	mp := p.System("mp1").Roles.ManagementPoint
	if mp.Connections != "https" || mp.Allow != "intranet" {
		t.Errorf("MP defaults: connections %q allow %q", mp.Connections, mp.Allow)
	}
	if p.Site.Database.Server != "cm01.contoso.com" || p.Site.Database.Port != 1433 || p.Site.Database.Zone != "intranet" {
		t.Errorf("database defaults: %+v", p.Site.Database)
	}
	if p.Forest("contoso.com").DNS != "contoso.com" {
		t.Errorf("forest dns default: %q", p.Forest("contoso.com").DNS)
	}
	z := p.Zone("internet")
	if z == nil || z.Kind != "internet" || strings.Join(z.CIDRs, ",") != "0.0.0.0/0,::/0" {
		t.Errorf("implicit internet zone: %+v", z)
	}
	if p.PKI.KeyLength != 2048 || p.PKI.Templates.WebServer != "ConfigMgr Web Server Certificate" {
		t.Errorf("pki defaults: %+v", p.PKI)
	}
}

func TestRoleIDKeepsInt64Precision(t *testing.T) {
	src := strings.Replace(minimal, "managementPoint: {}", "managementPoint: roleID: 72057594037927941", 1)
	res := testdesign.CompileOne(t, src)
	if res.Plan == nil {
		t.Fatal(res.Diagnostics)
	}
	if got := res.Plan.System("mp1").Roles.ManagementPoint.RoleID; got != 72057594037927941 {
		t.Errorf("roleID = %d", got)
	}
}

func TestExamplesCompileClean(t *testing.T) {
	for _, name := range testdesign.Examples {
		t.Run(name, func(t *testing.T) {
			res := testdesign.Example(t, "..", name)
			if res.Plan == nil || res.Diagnostics.HasErrors(false) {
				t.Fatalf("errors: %v", res.Diagnostics)
			}
			if got := res.Plan.Sources; len(got) != 1 || got[0] != "examples/"+name+"/site.cue" {
				t.Errorf("sources = %v", got)
			}
		})
	}
}

func TestRulePositionPointsAtLabel(t *testing.T) {
	src := strings.Replace(minimal, `issuer: "Root"`, `issuer: "Rooot"`, 1)
	res := testdesign.CompileOne(t, src)
	d := testdesign.Find(res.Diagnostics, "IB211")
	if len(d) != 1 || d[0].Pos.String() != "site.cue:6:50" || d[0].Path != "pki.issuer" {
		t.Fatalf("IB211 = %+v", d)
	}
}

// Every plan entity's Path resolves to where the design writes it; a defaulted field resolves to its
// nearest written ancestor.
func TestPlanPositions(t *testing.T) {
	res := testdesign.CompileOne(t, minimal)
	p := res.Plan
	for path, want := range map[string]string{
		p.System("mp1").Path: "site.cue:7:10",
		p.System("mp1").Roles.ManagementPoint.Path + ".connections": "site.cue:10:9",
		"site.database.port": "site.cue:3:1",
		"no.such.path":       "site.cue:1:1",
	} {
		if got := p.Pos(path).String(); got != want {
			t.Errorf("Pos(%s) = %s, want %s", path, got, want)
		}
	}
}
