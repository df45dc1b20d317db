package compiler

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/cuecontext"

	"github.com/ibcmc/ibcmc/diag"
)

// compileFiles compiles design files written into a temporary directory; positions read "site.cue:3:5".
func compileFiles(t *testing.T, files map[string]string) diag.List {
	t.Helper()
	dir := t.TempDir()
	var paths []string
	for name, src := range files {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	slices.Sort(paths)
	res, err := Compile(paths, Options{Cwd: dir})
	if err != nil {
		t.Fatal(err)
	}
	return res.Diagnostics
}

// form is one way of writing a case's design: CUE, JSON or YAML, and where its message must point.
type form struct {
	files   map[string]string
	pos     string
	message string // when the message names positions, which differ by form
}

type schemaErrCase struct {
	name, path, message, hint string
	cue, json, yaml           form
}

// schemaErrCases: every class of IB000 message, each with the same design written in CUE, JSON and YAML.
// The messages are pinned in full: the value is the user's, the alternatives and formats are #Design's.
var schemaErrCases = []schemaErrCase{
	{
		name: "enumeration, wrong case", path: "systems.mp1.roles.managementPoint.allow",
		message: `"Intranet" is not allowed here; allowed: "intranet" | "internet" | "intranetAndInternet"; did you mean "intranet"?`,
		hint:    `values are case-sensitive; leave allow out for the default "intranet"`,
		cue:     form{files: map[string]string{"site.cue": "systems: mp1: roles: managementPoint: allow: \"Intranet\"\n"}, pos: "site.cue:1:46"},
		json:    form{files: map[string]string{"site.json": `{"systems": {"mp1": {"roles": {"managementPoint": {"allow": "Intranet"}}}}}`}, pos: "site.json:1:61"},
		yaml:    form{files: map[string]string{"site.yaml": "systems:\n  mp1:\n    roles:\n      managementPoint:\n        allow: Intranet\n"}, pos: "site.yaml:5:16"},
	},
	{
		name: "enumeration, misspelt", path: "systems.mp1.roles.managementPoint.connections",
		message: `"htps" is not allowed here; allowed: "https" | "http"; did you mean "https"?`,
		hint:    `values are case-sensitive; leave connections out for the default "https"`,
		cue:     form{files: map[string]string{"site.cue": "systems: mp1: roles: managementPoint: connections: \"htps\"\n"}, pos: "site.cue:1:52"},
		json:    form{files: map[string]string{"site.json": `{"systems": {"mp1": {"roles": {"managementPoint": {"connections": "htps"}}}}}`}, pos: "site.json:1:67"},
		yaml:    form{files: map[string]string{"site.yaml": "systems:\n  mp1:\n    roles:\n      managementPoint:\n        connections: htps\n"}, pos: "site.yaml:5:22"},
	},
	{
		name: "enumeration of numbers", path: "pki.keyLength",
		message: `1000 is not allowed here; allowed: 2048 | 1024 | 3072 | 4096`,
		hint:    `write one of the values listed; leave keyLength out for the default 2048`,
		cue:     form{files: map[string]string{"site.cue": "pki: keyLength: 1000\n"}, pos: "site.cue:1:17"},
		json:    form{files: map[string]string{"site.json": `{"pki": {"keyLength": 1000}}`}, pos: "site.json:1:23"},
		yaml:    form{files: map[string]string{"site.yaml": "pki:\n  keyLength: 1000\n"}, pos: "site.yaml:2:14"},
	},
	{
		name: "wrong type, number for a string", path: "site.code",
		message: `a string is required here; found a number 443`,
		hint:    `code takes a site code; write it in quotes: "443"`,
		cue:     form{files: map[string]string{"site.cue": "site: code: 443\n"}, pos: "site.cue:1:13"},
		json:    form{files: map[string]string{"site.json": `{"site": {"code": 443}}`}, pos: "site.json:1:19"},
		yaml:    form{files: map[string]string{"site.yaml": "site:\n  code: 443\n"}, pos: "site.yaml:2:9"},
	},
	{
		name: "wrong type, string for a number", path: "site.ports.https",
		message: `an integer is required here; found a string "443"`,
		hint:    `https takes an integer from 1 to 65535; write it without quotes: 443`,
		cue:     form{files: map[string]string{"site.cue": "site: ports: https: \"443\"\n"}, pos: "site.cue:1:21"},
		json:    form{files: map[string]string{"site.json": `{"site": {"ports": {"https": "443"}}}`}, pos: "site.json:1:30"},
		yaml:    form{files: map[string]string{"site.yaml": "site:\n  ports:\n    https: \"443\"\n"}, pos: "site.yaml:3:12"},
	},
	{
		// Quoting 10 would not make it an address: no advice to quote it.
		name: "wrong type, no conversion fits", path: "systems.mp1.address",
		message: `a string is required here; found a number 10`,
		hint:    `address takes an IP address`,
		cue:     form{files: map[string]string{"site.cue": "systems: mp1: address: 10\n"}, pos: "site.cue:1:24"},
		json:    form{files: map[string]string{"site.json": `{"systems": {"mp1": {"address": 10}}}`}, pos: "site.json:1:33"},
		yaml:    form{files: map[string]string{"site.yaml": "systems:\n  mp1:\n    address: 10\n"}, pos: "site.yaml:3:14"},
	},
	{
		name: "wrong type, scalar for a struct", path: "pki.templates",
		message: `a struct is required here; found a string "web"`,
		hint:    `templates takes a struct with the fields webServer, client, distributionPoint`,
		cue:     form{files: map[string]string{"site.cue": "pki: templates: \"web\"\n"}, pos: "site.cue:1:17"},
		json:    form{files: map[string]string{"site.json": `{"pki": {"templates": "web"}}`}, pos: "site.json:1:23"},
		yaml:    form{files: map[string]string{"site.yaml": "pki:\n  templates: web\n"}, pos: "site.yaml:2:14"},
	},
	{
		name: "unknown field, misspelt", path: "systems.mp1.roles.distributionPiont",
		message: `field not allowed; did you mean "distributionPoint"?`,
		hint: "field names are case-sensitive; systems.mp1.roles takes: managementPoint, distributionPoint, " +
			"softwareUpdatePoint, fallbackStatusPoint, enrollmentPoint, enrollmentProxyPoint, certificateRegistrationPoint, " +
			"cmgConnectionPoint, serviceConnectionPoint",
		cue:  form{files: map[string]string{"site.cue": "systems: mp1: roles: distributionPiont: {}\n"}, pos: "site.cue:1:22"},
		json: form{files: map[string]string{"site.json": `{"systems": {"mp1": {"roles": {"distributionPiont": {}}}}}`}, pos: "site.json:1:33"},
		yaml: form{files: map[string]string{"site.yaml": "systems:\n  mp1:\n    roles:\n      distributionPiont: {}\n"}, pos: "site.yaml:4:7"},
	},
	{
		name: "unknown field, one level too high", path: "systems.mp1.managementPoint",
		message: `field not allowed here; managementPoint belongs under roles`,
		hint:    `move it down one level: systems.mp1.roles.managementPoint`,
		cue:     form{files: map[string]string{"site.cue": "systems: mp1: managementPoint: {}\n"}, pos: "site.cue:1:15"},
		json:    form{files: map[string]string{"site.json": `{"systems": {"mp1": {"managementPoint": {}}}}`}, pos: "site.json:1:23"},
		yaml:    form{files: map[string]string{"site.yaml": "systems:\n  mp1:\n    managementPoint: {}\n"}, pos: "site.yaml:3:5"},
	},
	{
		name: "unknown field, one level too deep", path: "systems.mp1.roles.zone",
		message: `field not allowed here; zone belongs under systems.mp1`,
		hint:    `move it up one level: systems.mp1.zone`,
		cue:     form{files: map[string]string{"site.cue": "systems: mp1: roles: zone: \"perimeter\"\n"}, pos: "site.cue:1:22"},
		json:    form{files: map[string]string{"site.json": `{"systems": {"mp1": {"roles": {"zone": "perimeter"}}}}`}, pos: "site.json:1:33"},
		yaml:    form{files: map[string]string{"site.yaml": "systems:\n  mp1:\n    roles:\n      zone: perimeter\n"}, pos: "site.yaml:4:7"},
	},
	{
		name: "unknown field, no suggestion", path: "site.colour",
		message: `field not allowed`,
		hint: "site takes: code, type, version, environment, server, address, zone, forest, database, communication, " +
			"ports, clientSettings, softwareUpdates; field names are case-sensitive",
		cue:  form{files: map[string]string{"site.cue": "site: colour: \"blue\"\n"}, pos: "site.cue:1:7"},
		json: form{files: map[string]string{"site.json": `{"site": {"colour": "blue"}}`}, pos: "site.json:1:12"},
		yaml: form{files: map[string]string{"site.yaml": "site:\n  colour: blue\n"}, pos: "site.yaml:2:3"},
	},
	{
		name: "out of range", path: "site.database.port",
		message: `70000 is out of range; allowed: an integer from 1 to 65535`,
		hint:    `leave port out for the default 1433`,
		cue:     form{files: map[string]string{"site.cue": "site: database: port: 70000\n"}, pos: "site.cue:1:23"},
		json:    form{files: map[string]string{"site.json": `{"site": {"database": {"port": 70000}}}`}, pos: "site.json:1:32"},
		yaml:    form{files: map[string]string{"site.yaml": "site:\n  database:\n    port: 70000\n"}, pos: "site.yaml:3:11"},
	},
	{
		name: "out of range, no default", path: `clients."my laptops".count`,
		message: `0 is out of range; allowed: an integer of at least 1`,
		hint:    `write an integer of at least 1`,
		cue:     form{files: map[string]string{"site.cue": "clients: \"my laptops\": count: 0\n"}, pos: "site.cue:1:31"},
		json:    form{files: map[string]string{"site.json": `{"clients": {"my laptops": {"count": 0}}}`}, pos: "site.json:1:38"},
		yaml:    form{files: map[string]string{"site.yaml": "clients:\n  my laptops:\n    count: 0\n"}, pos: "site.yaml:3:12"},
	},
	{
		name: "bad format, DNS name", path: "site.server",
		message: `"cm01..contoso.com" is not a DNS name`,
		hint: "a DNS name is labels of letters, digits and hyphens joined by dots, at least two labels (cm01.contoso.com); " +
			"a label is at most 63 characters and does not start or end with a hyphen; 253 characters in all at most",
		cue:  form{files: map[string]string{"site.cue": "site: server: \"cm01..contoso.com\"\n"}, pos: "site.cue:1:15"},
		json: form{files: map[string]string{"site.json": `{"site": {"server": "cm01..contoso.com"}}`}, pos: "site.json:1:21"},
		yaml: form{files: map[string]string{"site.yaml": "site:\n  server: cm01..contoso.com\n"}, pos: "site.yaml:2:11"},
	},
	{
		name: "bad format, IP address", path: "systems.mp1.address",
		message: `"10.0.0" is not an IP address`,
		hint:    `an IPv4 address such as 192.0.2.10 or an IPv6 address such as 2001:db8::10, without a prefix length`,
		cue:     form{files: map[string]string{"site.cue": "systems: mp1: address: \"10.0.0\"\n"}, pos: "site.cue:1:24"},
		json:    form{files: map[string]string{"site.json": `{"systems": {"mp1": {"address": "10.0.0"}}}`}, pos: "site.json:1:33"},
		yaml:    form{files: map[string]string{"site.yaml": "systems:\n  mp1:\n    address: 10.0.0\n"}, pos: "site.yaml:3:14"},
	},
	{
		name: "bad format, network", path: "zones.dmz.cidrs[0]",
		message: `"10.0.0.0/33" is not a network in CIDR notation`,
		hint:    `a network is an address and a prefix length: 10.0.0.0/16 or 2001:db8::/32`,
		cue:     form{files: map[string]string{"site.cue": "zones: dmz: cidrs: [\"10.0.0.0/33\"]\n"}, pos: "site.cue:1:21"},
		json:    form{files: map[string]string{"site.json": `{"zones": {"dmz": {"cidrs": ["10.0.0.0/33"]}}}`}, pos: "site.json:1:30"},
		yaml:    form{files: map[string]string{"site.yaml": "zones:\n  dmz:\n    cidrs:\n      - 10.0.0.0/33\n"}, pos: "site.yaml:4:9"},
	},
	{
		name: "bad format, URL", path: "pki.authorities.Root.crl.http[0]",
		message: `"ldap:///CN=Root" is not an http:// or https:// URL`,
		hint:    `an absolute URL starting http:// or https://, without spaces or quotes, such as http://pki.contoso.com/crl/root.crl`,
		cue:     form{files: map[string]string{"site.cue": "pki: authorities: Root: crl: http: [\"ldap:///CN=Root\"]\n"}, pos: "site.cue:1:37"},
		json:    form{files: map[string]string{"site.json": `{"pki": {"authorities": {"Root": {"crl": {"http": ["ldap:///CN=Root"]}}}}}`}, pos: "site.json:1:52"},
		yaml:    form{files: map[string]string{"site.yaml": "pki:\n  authorities:\n    Root:\n      crl:\n        http: [\"ldap:///CN=Root\"]\n"}, pos: "site.yaml:5:16"},
	},
	{
		name: "bad format, site code", path: "site.code",
		message: `"p01" is not a site code`,
		hint:    `a site code is three capital letters or digits, such as P01`,
		cue:     form{files: map[string]string{"site.cue": "site: code: \"p01\"\n"}, pos: "site.cue:1:13"},
		json:    form{files: map[string]string{"site.json": `{"site": {"code": "p01"}}`}, pos: "site.json:1:19"},
		yaml:    form{files: map[string]string{"site.yaml": "site:\n  code: p01\n"}, pos: "site.yaml:2:9"},
	},
	{
		name: "bad format, a line break in free text", path: "systems.mp1.installAccount",
		message: `"CONTOSO\\svc\nx" is not one line of printable text`,
		hint:    `write the value on one line, without control characters or line breaks`,
		cue:     form{files: map[string]string{"site.cue": "systems: mp1: installAccount: \"CONTOSO\\\\svc\\nx\"\n"}, pos: "site.cue:1:31"},
		json:    form{files: map[string]string{"site.json": `{"systems": {"mp1": {"installAccount": "CONTOSO\\svc\nx"}}}`}, pos: "site.json:1:40"},
		yaml:    form{files: map[string]string{"site.yaml": "systems:\n  mp1:\n    installAccount: \"CONTOSO\\\\svc\\nx\"\n"}, pos: "site.yaml:3:21"},
	},
	{
		name: "default taken from another value", path: "forests.contoso.dns",
		message: `the default "contoso" is not a DNS name; set forests.contoso.dns`,
		hint: "a DNS name is labels of letters, digits and hyphens joined by dots, at least two labels (cm01.contoso.com); " +
			"a label is at most 63 characters and does not start or end with a hyphen; 253 characters in all at most",
		cue:  form{files: map[string]string{"site.cue": "forests: contoso: {}\n"}, pos: "site.cue:1:10"},
		json: form{files: map[string]string{"site.json": `{"forests": {"contoso": {}}}`}, pos: "site.json:1:15"},
		yaml: form{files: map[string]string{"site.yaml": "forests:\n  contoso: {}\n"}, pos: "site.yaml:2:3"},
	},
	{
		name: "missing field without default", path: "zones.dmz.kind",
		message: `required field is missing: set zones.dmz.kind`,
		hint:    `kind has no default; it takes "internet" | "perimeter" | "intranet"`,
		cue:     form{files: map[string]string{"site.cue": "zones: dmz: cidrs: [\"192.0.2.0/24\"]\n"}, pos: "site.cue:1:8"},
		json:    form{files: map[string]string{"site.json": `{"zones": {"dmz": {"cidrs": ["192.0.2.0/24"]}}}`}, pos: "site.json:1:13"},
		yaml:    form{files: map[string]string{"site.yaml": "zones:\n  dmz:\n    cidrs: [192.0.2.0/24]\n"}, pos: "site.yaml:2:3"},
	},
	{
		name: "conflict between files", path: "site.code",
		hint: "a field written more than once, in one file or in several, must have the same value each time; keep one of them",
		cue: form{files: map[string]string{"a.cue": "package site\nsite: code: \"P01\"\n", "b.cue": "package site\n\nsite: code: \"P02\"\n"},
			pos: "b.cue:3:13", message: `conflicting values "P01" (a.cue:2:13) and "P02" (b.cue:3:13)`},
		json: form{files: map[string]string{"a.json": `{"site": {"code": "P01"}}`, "b.json": "\n" + `{"site": {"code": "P02"}}`},
			pos: "b.json:2:19", message: `conflicting values "P01" (a.json:1:19) and "P02" (b.json:2:19)`},
		yaml: form{files: map[string]string{"a.yaml": "site:\n  code: P01\n", "b.yaml": "\nsite:\n  code: P02\n"},
			pos: "b.yaml:3:9", message: `conflicting values "P01" (a.yaml:2:9) and "P02" (b.yaml:3:9)`},
	},
}

func TestSchemaErrorMessages(t *testing.T) {
	for _, c := range schemaErrCases {
		for _, f := range []struct {
			name string
			form form
		}{{"cue", c.cue}, {"json", c.json}, {"yaml", c.yaml}} {
			t.Run(c.name+"/"+f.name, func(t *testing.T) {
				diags := compileFiles(t, f.form.files)
				want := c.message
				if f.form.message != "" {
					want = f.form.message
				}
				var got []string
				for _, d := range diags {
					if d.Path != c.path {
						continue
					}
					if d.Code == "IB000" && d.Message == want && d.Hint == c.hint && d.Pos.String() == f.form.pos {
						return
					}
					got = append(got, d.Pos.String()+" "+d.Code+" "+d.Path+": "+d.Message+"\n    hint: "+d.Hint)
				}
				if len(got) == 0 {
					for _, d := range diags {
						got = append(got, d.Pos.String()+" "+d.Code+" "+d.Path+": "+d.Message)
					}
				}
				t.Errorf("want at %s %s:\n  %s\n    hint: %s\ngot:\n%s", f.form.pos, c.path, want, c.hint, strings.Join(got, "\n"))
			})
		}
	}
}

// TestSchemaErrorOutputs: the JSON and SARIF outputs carry the message and hint as built, for a design
// written in CUE, JSON and YAML (the CLI writes them from the same diagnostics).
func TestSchemaErrorOutputs(t *testing.T) {
	const msg = `"Intranet" is not allowed here; allowed: "intranet" | "internet" | "intranetAndInternet"; did you mean "intranet"?`
	const hint = `values are case-sensitive; leave allow out for the default "intranet"`
	c := schemaErrCases[0]
	if c.message != msg || c.hint != hint {
		t.Fatalf("the first case is not the misspelt allow: %q", c.message)
	}
	for name, f := range map[string]form{"cue": c.cue, "json": c.json, "yaml": c.yaml} {
		t.Run(name, func(t *testing.T) {
			var one diag.List
			for _, d := range compileFiles(t, f.files) {
				if d.Path == c.path {
					one = append(one, d)
				}
			}
			if len(one) != 1 {
				t.Fatalf("want one finding at %s: %v", c.path, one)
			}
			var js bytes.Buffer
			if err := diag.WriteJSON(&js, one); err != nil {
				t.Fatal(err)
			}
			var report struct {
				Diagnostics []struct{ Message, Hint string }
			}
			if err := json.Unmarshal(js.Bytes(), &report); err != nil || len(report.Diagnostics) != 1 {
				t.Fatalf("json: %v\n%s", err, js.String())
			}
			if d := report.Diagnostics[0]; d.Message != msg || d.Hint != hint {
				t.Errorf("json message %q hint %q", d.Message, d.Hint)
			}
			var sarif bytes.Buffer
			if err := diag.WriteSARIF(&sarif, one, diag.SARIFOptions{}); err != nil {
				t.Fatal(err)
			}
			var log struct {
				Runs []struct {
					Results []struct{ Message struct{ Text string } }
				}
			}
			if err := json.Unmarshal(sarif.Bytes(), &log); err != nil || len(log.Runs) != 1 || len(log.Runs[0].Results) != 1 {
				t.Fatalf("sarif: %v\n%s", err, sarif.String())
			}
			if got, want := log.Runs[0].Results[0].Message.Text, msg+" Fix: "+hint+"."; got != want {
				t.Errorf("sarif message:\n got %s\nwant %s", got, want)
			}
		})
	}
}

// TestFormatsCoverSchema walks every leaf of #Design: its constraint must be readable from the schema's
// syntax, and every pattern and validator must have a format that names it for the user, so a new
// constraint in the schema cannot produce an unexplained message.
func TestFormatsCoverSchema(t *testing.T) {
	ctx := cuecontext.New()
	def, err := designDef(ctx, loadSchemaInstance)
	if err != nil {
		t.Fatal(err)
	}
	inst, err := loadSchemaInstance()
	if err != nil {
		t.Fatal(err)
	}
	syn := newSchemaSyntax(inst.Files)
	leaves := 0
	var walk func(path string, v cue.Value)
	walk = func(path string, v cue.Value) {
		switch k := v.IncompleteKind(); {
		case k == cue.StructKind:
			for _, f := range fieldNames(v) {
				c, _ := schemaChild(v, cue.Str(f))
				walk(path+"."+f, c)
			}
			if p := v.LookupPath(cue.MakePath(cue.AnyString)); p.Exists() {
				walk(path+".*", p)
			}
			return
		case k == cue.ListKind:
			walk(path+"[*]", v.LookupPath(cue.MakePath(cue.AnyIndex)))
			return
		}
		leaves++
		sp, ok := syn.specOf(v)
		if !ok {
			t.Errorf("%s: the schema's constraint %v is not readable", path, v)
			return
		}
		for _, a := range sp.alts {
			for _, p := range a.pieces {
				if (p.re != nil || p.call != "") && !hasFormat(p) {
					t.Errorf("%s: no format names the constraint %v (add it to formats)", path, v)
				}
			}
		}
		for _, a := range sp.listed(func(string, cue.Value) bool { return true }) {
			if a.describe() == "a value" {
				t.Errorf("%s: an alternative of %v has no description", path, v)
			}
		}
	}
	walk("#Design", def)
	if leaves < 100 {
		t.Errorf("walked %d leaves of #Design; the walk is broken", leaves)
	}
}

func hasFormat(p leafPiece) bool {
	_, ok := formatOf(p)
	return ok
}

func TestClosestNames(t *testing.T) {
	roles := []string{"managementPoint", "distributionPoint", "softwareUpdatePoint", "fallbackStatusPoint"}
	for _, c := range []struct {
		name string
		same bool
		want []string
	}{
		{"distributionPiont", false, []string{"distributionPoint"}}, // a transposition is one edit
		{"ManagementPoint", false, []string{"managementPoint"}},     // case first
		{"managementPoint", false, nil},                             // the name itself is no suggestion at its own level
		{"managementPoint", true, []string{"managementPoint"}},      // but is one level up or down
		{"colour", false, nil},
		{"fallbackStatusPointt", false, []string{"fallbackStatusPoint"}},
	} {
		if got := closest(c.name, roles, c.same); !slices.Equal(got, c.want) {
			t.Errorf("closest(%q, same=%v) = %q, want %q", c.name, c.same, got, c.want)
		}
	}
	if d := editDistance("htps", "https"); d != 1 {
		t.Errorf("editDistance(htps, https) = %d", d)
	}
}

// TestShownValuesStayOnOneLine: a design's value in a message is quoted with its control characters
// escaped and cut when long, so it cannot start a line in any output.
func TestShownValuesStayOnOneLine(t *testing.T) {
	ctx := cuecontext.New()
	v := ctx.CompileString(`"a\u2028b\nc` + strings.Repeat("x", 100) + `"`)
	got := showValue(v)
	if strings.ContainsAny(got, "\n\u2028") || !strings.HasSuffix(got, `"…`) || len([]rune(got)) > maxShown+20 {
		t.Errorf("showValue = %s", got)
	}
}
