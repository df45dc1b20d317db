package jsonschema

import (
	"encoding/json"
	"strings"
	"testing"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/cuecontext"
)

// generate compiles CUE source holding #D and returns its JSON Schema without $schema, as compact JSON.
func generate(t *testing.T, src string) (string, error) {
	t.Helper()
	v := cuecontext.New().CompileString("import \"net\"\n_x: net.IP\n" + src)
	if err := v.Err(); err != nil {
		t.Fatal(err)
	}
	n, err := fromValue(v.LookupPath(cue.ParsePath("#D")))
	if err != nil {
		return "", err
	}
	n.Schema = ""
	b, err := json.Marshal(n)
	return string(b), err
}

// TestConstructs: each CUE construct the schema may use, and the JSON Schema it becomes.
func TestConstructs(t *testing.T) {
	for _, c := range []struct{ src, want string }{
		{`#D: {a: string, b?: int}`,
			`{"type":"object","properties":{"a":{"type":"string"},"b":{"type":"integer"}},"required":["a"],"additionalProperties":false}`},
		{`#D: {a: *"x" | "y" | "z"}`,
			`{"type":"object","properties":{"a":{"type":"string","enum":["x","y","z"],"default":"x"}},"additionalProperties":false}`},
		{`#D: {a: *1 | int & >=1 & <16, b: >0.5 & <=2.5, c: uint}`,
			`{"type":"object","properties":{"a":{"type":"integer","minimum":1,"exclusiveMaximum":16,"default":1},"b":{"type":"number","exclusiveMinimum":0.5,"maximum":2.5},"c":{"type":"integer","minimum":0}},"required":["b","c"],"additionalProperties":false}`},
		{`#D: {a: string & != "" & != "x" & !~"^y"}`,
			`{"type":"object","properties":{"a":{"type":"string","minLength":1,"allOf":[{"not":{"pattern":"^y"}}],"not":{"const":"x"}}},"required":["a"],"additionalProperties":false}`},
		{`#D: {a: [Name=string]: {n: *Name | string}, l: [...bool]}`,
			`{"type":"object","properties":{"a":{"type":"object","additionalProperties":{"type":"object","properties":{"n":{"type":"string"}},"additionalProperties":false}},"l":{"type":"array","items":{"type":"boolean"}}},"additionalProperties":false}`},
		{`#D: {a: *null | bool, b: "x" | 2}`,
			`{"type":"object","properties":{"a":{"anyOf":[{"const":null},{"type":"boolean"}],"default":null},"b":{"enum":["x",2]}},"required":["b"],"additionalProperties":false}`},
		{`#D: {a: {...}}`,
			`{"type":"object","properties":{"a":{"type":"object","additionalProperties":{}}},"additionalProperties":false}`},
		{`#D: {a: net.IPCIDR}`,
			`{"type":"object","properties":{"a":{"$ref":"#/$defs/cidr"}},"required":["a"],"additionalProperties":false,"$defs":{"cidr":`},
	} {
		got, err := generate(t, c.src)
		if err != nil {
			t.Errorf("%s: %v", c.src, err)
			continue
		}
		if !strings.HasPrefix(got, c.want) || (!strings.HasSuffix(c.want, ":") && got != c.want) {
			t.Errorf("%s:\n got %s\nwant %s", c.src, got, c.want)
		}
	}
}

// TestUnsupportedConstructsAreErrors: what the generator cannot say in JSON Schema stops it, rather than
// producing a schema that accepts more than ibcmc does.
func TestUnsupportedConstructsAreErrors(t *testing.T) {
	for _, src := range []string{
		`#D: {a: =~"(?i)abc"}`,          // case-insensitive regex
		`#D: {[=~"^x"]: int}`,           // a pattern constraint other than [string]
		`#D: {a: [int, ...string]}`,     // a list with a fixed prefix
		`#D: {a: net.FQDN}`,             // a builtin validator without a translation
		`#D: {a: string | [...string]}`, // a disjunction of kinds
	} {
		if got, err := generate(t, src); err == nil {
			t.Errorf("%s: generated %s; want an error", src, got)
		}
	}
}
