package jsonschema_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/cuecontext"
	"cuelang.org/go/cue/load"
	cueyaml "cuelang.org/go/encoding/yaml"
	sjs "github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/ibcmc/ibcmc/compiler"
	"github.com/ibcmc/ibcmc/internal/testdesign"
	"github.com/ibcmc/ibcmc/schema/jsonschema"
)

const root = "../.."

var generated = sync.OnceValues(jsonschema.Generate)

func schemaBytes(t *testing.T) []byte {
	t.Helper()
	b, err := generated()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// schemaURL is the name the validator knows the generated schema by; a fragment after it selects a
// subschema (#/$defs/ip).
const schemaURL = "https://ibcmc.invalid/design.schema.json"

// validator compiles the generated schema, or the subschema at fragment, with a draft 2020-12 validator
// that implements the whole specification (it passes the JSON-Schema-Test-Suite). Patterns are compiled
// with Go's RE2, so the test also proves they are in the syntax RE2 and ECMAScript share.
func validator(t *testing.T, fragment string) *sjs.Schema {
	t.Helper()
	doc, err := sjs.UnmarshalJSON(bytes.NewReader(schemaBytes(t)))
	if err != nil {
		t.Fatal(err)
	}
	c := sjs.NewCompiler()
	c.DefaultDraft(sjs.Draft2020)
	if err := c.AddResource(schemaURL, doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile(schemaURL + fragment)
	if err != nil {
		t.Fatalf("the validator refuses the schema: %v", err)
	}
	return s
}

// TestSchemaIsDraft2020AndValid: the validator compiles the schema against the draft 2020-12 metaschema.
func TestSchemaIsDraft2020AndValid(t *testing.T) {
	var top map[string]any
	if err := json.Unmarshal(schemaBytes(t), &top); err != nil {
		t.Fatal(err)
	}
	if top["$schema"] != "https://json-schema.org/draft/2020-12/schema" {
		t.Errorf("$schema = %v", top["$schema"])
	}
	validator(t, "")
	b2, err := jsonschema.Generate()
	if err != nil || !bytes.Equal(b2, schemaBytes(t)) {
		t.Error("two generations differ")
	}
}

// TestCommittedSchemaIsCurrent: design.schema.json, the copy in the repository that editors can point at,
// is what the generator makes from schema/design.cue. `go test ./schema/jsonschema -update` rewrites it.
func TestCommittedSchemaIsCurrent(t *testing.T) {
	const name = "design.schema.json"
	if f := flag.Lookup("update"); f != nil && f.Value.String() == "true" {
		if err := os.WriteFile(name, schemaBytes(t), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, schemaBytes(t)) {
		t.Errorf("%s is stale: run go test ./schema/jsonschema -update", name)
	}
}

// designForms are the examples as a user writes them in JSON and in YAML: each site.cue evaluated on its own
// (no schema, so no defaults are filled in) and exported.
type designForm struct{ name, ext, text string }

func designForms(t *testing.T) []designForm {
	t.Helper()
	var out []designForm
	for _, name := range testdesign.Examples {
		ctx := cuecontext.New()
		insts := load.Instances([]string{filepath.Join(root, "examples", name, "site.cue")}, nil)
		v := ctx.BuildInstance(insts[0])
		if err := v.Validate(cue.Concrete(true)); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		j, err := v.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		var indented bytes.Buffer
		json.Indent(&indented, j, "", "  ")
		y, err := cueyaml.Encode(v)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, designForm{name, ".json", indented.String() + "\n"}, designForm{name, ".yaml", string(y)})
	}
	return out
}

// instance reads a design file the way ibcmc does (CUE's JSON and YAML decoders) and returns it as the
// validator's JSON value.
func instance(t *testing.T, ext, text string) any {
	t.Helper()
	j := []byte(text)
	if ext == ".yaml" {
		expr, err := cueyaml.Extract("site.yaml", []byte(text))
		if err != nil {
			t.Fatal(err)
		}
		if j, err = cuecontext.New().BuildFile(expr).MarshalJSON(); err != nil {
			t.Fatal(err)
		}
	}
	v, err := sjs.UnmarshalJSON(bytes.NewReader(j))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// compileErrors compiles a design file with ibcmc and returns its IB000 (schema) diagnostics as
// "path: message".
func compileErrors(t *testing.T, ext, text string) []string {
	t.Helper()
	dir := t.TempDir()
	p := filepath.Join(dir, "site"+ext)
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := compiler.Compile([]string{p}, compiler.Options{Cwd: dir})
	if err != nil {
		t.Fatalf("compile: %v", err)
	}
	var out []string
	for _, d := range res.Diagnostics {
		if d.Code == "IB000" {
			out = append(out, d.Path+": "+d.Message)
		}
	}
	return out
}

// TestExamplesValidate: the JSON and YAML forms of every example satisfy the JSON Schema, and ibcmc compiles
// them without a schema error (so both agree they are designs).
func TestExamplesValidate(t *testing.T) {
	s := validator(t, "")
	for _, f := range designForms(t) {
		t.Run(f.name+f.ext, func(t *testing.T) {
			if err := s.Validate(instance(t, f.ext, f.text)); err != nil {
				t.Errorf("the JSON Schema refuses the example:\n%v", err)
			}
			if errs := compileErrors(t, f.ext, f.text); len(errs) > 0 {
				t.Errorf("ibcmc refuses the %s form: %v", f.ext, errs)
			}
		})
	}
}

// minimal is the smallest design ibcmc compiles without errors, as JSON.
const minimal = `{
  "site": {"code": "P01", "server": "cm01.contoso.com", "forest": "contoso.com"},
  "forests": {"contoso.com": {}},
  "zones": {"intranet": {"kind": "intranet", "cidrs": ["10.0.0.0/16"]}},
  "pki": {"authorities": {"Root": {"subject": "CN=Root", "crl": {"http": ["http://pki.contoso.com/Root.crl"]}}}, "issuer": "Root"},
  "systems": {"mp1": {"fqdn": {"intranet": "mp1.contoso.com"}, "address": "10.0.0.5", "forest": "contoso.com", "roles": {"managementPoint": {}}}},
  "clients": {"laptops": {"join": "domain", "forest": "contoso.com", "count": 10}}
}`

// badCase changes the minimal design at path (dot-separated; value nil deletes the field).
type badCase struct {
	name  string
	path  string
	value any
	del   bool
	// at is the JSON pointer of the value the JSON Schema reports (the parent object for an unknown or a
	// missing field); field is the design path of ibcmc's IB000.
	at, field string
}

// badCases are the malformed designs of the compiler's TestBadInput that JSON can express, and the other
// value kinds the schema constrains (addresses, prefixes, URLs, bounds, waivers).
var badCases = []badCase{
	{name: "wrong type", path: "pki.keyLength", value: "2048", at: "/pki/keyLength", field: "pki.keyLength"},
	{name: "wrong type in JSON", path: "site.code", value: 1, at: "/site/code", field: "site.code"},
	{name: "unknown field", path: "systems.mp1.roles.distributionPiont", value: map[string]any{}, at: "/systems/mp1/roles", field: "systems.mp1.roles.distributionPiont"},
	{name: "unknown top-level field", path: "colour", value: "blue", at: "", field: "colour"},
	{name: "value out of range", path: "site.database.port", value: 70000, at: "/site/database/port", field: "site.database.port"},
	{name: "fraction for an integer", path: "site.database.port", value: 1433.5, at: "/site/database/port", field: "site.database.port"},
	{name: "zero count", path: "clients.laptops.count", value: 0, at: "/clients/laptops/count", field: "clients.laptops.count"},
	{name: "too many gateway VMs", path: "cmg", value: map[string]any{"g1": map[string]any{"serviceName": "g1.cloudapp.net", "managementPoint": "mp1", "certificate": map[string]any{"authority": "Root"}, "vms": 17}}, at: "/cmg/g1/vms", field: "cmg.g1.vms"},
	{name: "line break in free text", path: "systems.mp1.installAccount", value: "a\nb", at: "/systems/mp1/installAccount", field: "systems.mp1.installAccount"},
	{name: "line separator in free text", path: "pki.templates.client", value: "a\u2028b", at: "/pki/templates/client", field: "pki.templates.client"},
	{name: "scalar for a struct", path: "site", value: 0, at: "/site", field: "site"},
	{name: "null for a struct", path: "site", value: nil, at: "/site", field: "site"},
	{name: "enum", path: "site.type", value: "tertiary", at: "/site/type", field: "site.type"},
	{name: "malformed fqdn", path: "systems.mp1.fqdn.intranet", value: "mp1..contoso.com", at: "/systems/mp1/fqdn/intranet", field: "systems.mp1.fqdn.intranet"},
	{name: "fqdn of one label", path: "site.server", value: "cm01", at: "/site/server", field: "site.server"},
	{name: "missing required field", path: "site.server", del: true, at: "/site", field: "site.server"},
	{name: "missing zone kind", path: "zones.intranet.kind", del: true, at: "/zones/intranet", field: "zones.intranet.kind"},
	{name: "malformed IP", path: "systems.mp1.address", value: "10.0.0.256", at: "/systems/mp1/address", field: "systems.mp1.address"},
	{name: "IPv4 with a leading zero", path: "systems.mp1.address", value: "10.0.0.05", at: "/systems/mp1/address", field: "systems.mp1.address"},
	{name: "IPv6 with two ellipses", path: "systems.mp1.address", value: "2001:db8::1::5", at: "/systems/mp1/address", field: "systems.mp1.address"},
	{name: "CIDR prefix too long", path: "zones.intranet.cidrs", value: []any{"10.0.0.0/33"}, at: "/zones/intranet/cidrs/0", field: "zones.intranet.cidrs[0]"},
	{name: "CIDR without a prefix", path: "zones.intranet.cidrs", value: []any{"10.0.0.0"}, at: "/zones/intranet/cidrs/0", field: "zones.intranet.cidrs[0]"},
	{name: "IPv6 CIDR with a zone", path: "zones.intranet.cidrs", value: []any{"fe80::%eth0/64"}, at: "/zones/intranet/cidrs/0", field: "zones.intranet.cidrs[0]"},
	{name: "URL of another scheme", path: "pki.authorities.Root.crl.http", value: []any{"ldap://pki.contoso.com/Root.crl"}, at: "/pki/authorities/Root/crl/http/0", field: "pki.authorities.Root.crl.http[0]"},
	{name: "URL with a space", path: "pki.authorities.Root.crl.http", value: []any{"http://pki.contoso.com/Root CA.crl"}, at: "/pki/authorities/Root/crl/http/0", field: "pki.authorities.Root.crl.http[0]"},
	{name: "site code of two characters", path: "site.code", value: "P1", at: "/site/code", field: "site.code"},
	{name: "string for a list", path: "forests.contoso\\.com.trusts", value: "fabrikam.com", at: "/forests/contoso.com/trusts", field: `forests."contoso.com".trusts`},
	{name: "waiver of an unknown code", path: "waivers", value: []any{map[string]any{"code": "XX001", "path": "site", "reason": "r"}}, at: "/waivers/0/code", field: "waivers[0].code"},
	{name: "waiver without a reason", path: "waivers", value: []any{map[string]any{"code": "IB403", "path": "site", "reason": ""}}, at: "/waivers/0/reason", field: "waivers[0].reason"},
}

// apply returns the minimal design with the case's change. A "\." in the path is a dot inside a name.
func (c badCase) apply(t *testing.T) map[string]any {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal([]byte(minimal), &doc); err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(strings.ReplaceAll(c.path, `\.`, "\x00"), ".")
	m := doc
	for _, p := range parts[:len(parts)-1] {
		p = strings.ReplaceAll(p, "\x00", ".")
		next, ok := m[p].(map[string]any)
		if !ok {
			next = map[string]any{}
			m[p] = next
		}
		m = next
	}
	last := strings.ReplaceAll(parts[len(parts)-1], "\x00", ".")
	if c.del {
		delete(m, last)
	} else {
		m[last] = c.value
	}
	return doc
}

func (c badCase) json(t *testing.T) string {
	t.Helper()
	b, err := json.MarshalIndent(c.apply(t), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return string(b) + "\n"
}

// locations lists the instance locations of every error in a validation failure.
func locations(err error) []string {
	var ve *sjs.ValidationError
	if !errors.As(err, &ve) {
		return nil
	}
	var out []string
	var walk func(u sjs.OutputUnit)
	walk = func(u sjs.OutputUnit) {
		out = append(out, u.InstanceLocation)
		for _, e := range u.Errors {
			walk(e)
		}
	}
	walk(*ve.DetailedOutput())
	return out
}

// TestBadInputsAreRefused: each malformed design is refused by the JSON Schema at the value that is wrong,
// and by ibcmc with a schema error at the same field, while the unchanged minimal design passes both.
func TestBadInputsAreRefused(t *testing.T) {
	s := validator(t, "")
	if err := s.Validate(instance(t, ".json", minimal)); err != nil {
		t.Fatalf("the JSON Schema refuses the minimal design: %v", err)
	}
	if errs := compileErrors(t, ".json", minimal); len(errs) > 0 {
		t.Fatalf("ibcmc refuses the minimal design: %v", errs)
	}
	for _, c := range badCases {
		t.Run(c.name, func(t *testing.T) {
			text := c.json(t)
			err := s.Validate(instance(t, ".json", text))
			if err == nil {
				t.Errorf("the JSON Schema accepts it:\n%s", text)
			} else if locs := locations(err); !slices.Contains(locs, c.at) {
				t.Errorf("the JSON Schema reports %v, want an error at %q:\n%v", locs, c.at, err)
			}
			errs := compileErrors(t, ".json", text)
			if !slices.ContainsFunc(errs, func(e string) bool { return strings.HasPrefix(e, c.field+": ") }) {
				t.Errorf("ibcmc reports %v, want an IB000 at %s", errs, c.field)
			}
		})
	}
}

// TestFieldsAndDefaults pins what an editor shows: required fields, defaults, enums and descriptions.
func TestFieldsAndDefaults(t *testing.T) {
	var top map[string]any
	if err := json.Unmarshal(schemaBytes(t), &top); err != nil {
		t.Fatal(err)
	}
	get := func(path ...string) map[string]any {
		var cur any = top
		for _, p := range path {
			cur = cur.(map[string]any)[p]
		}
		m, _ := cur.(map[string]any)
		return m
	}
	req := func(m map[string]any) string { return fmt.Sprint(m["required"]) }
	for _, c := range []struct {
		what string
		got  string
		want string
	}{
		{"required top-level fields", req(top), "[site pki]"},
		{"required site fields", req(get("properties", "site")), "[code server forest]"},
		{"database has no required field", req(get("properties", "site", "properties", "database")), "<nil>"},
		{"a system has no required field", req(get("properties", "systems", "additionalProperties")), "<nil>"},
		{"closed site", fmt.Sprint(get("properties", "site")["additionalProperties"]), "false"},
		{"default port", fmt.Sprint(get("properties", "site", "properties", "database", "properties", "port")["default"]), "1433"},
		{"no default for a default taken from another field", fmt.Sprint(get("properties", "site", "properties", "database", "properties", "zone")["default"]), "<nil>"},
		{"enum with default", fmt.Sprint(get("properties", "pki", "properties", "keyLength")["enum"], get("properties", "pki", "properties", "keyLength")["default"]), "[2048 1024 3072 4096] 2048"},
		{"address refers to the IP pattern", fmt.Sprint(get("properties", "site", "properties", "address")["$ref"]), "#/$defs/ip"},
		{"bounds", fmt.Sprint(get("properties", "cmg", "additionalProperties", "properties", "vms")["minimum"], get("properties", "cmg", "additionalProperties", "properties", "vms")["maximum"]), "1 16"},
	} {
		if c.got != c.want {
			t.Errorf("%s: got %s, want %s", c.what, c.got, c.want)
		}
	}
	if d, _ := get("properties", "site", "properties", "server")["description"].(string); d == "" {
		t.Error("site.server has no description: field comments of schema/design.cue must become descriptions")
	}
}
