package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestSchemaFormats: `ibcmc schema` prints the CUE schema, --format jsonschema the JSON Schema generated from
// it (tested in schema/jsonschema), and any other format is a usage error.
func TestSchemaFormats(t *testing.T) {
	code, out, errb := run(t, "schema")
	if code != 0 || !strings.Contains(out, "#Design: {") || strings.Contains(out, "../shared") {
		t.Errorf("schema: exit %d, %.200q %s", code, out, errb)
	}
	if !strings.Contains(out, "docs/design-language.md") {
		t.Error("the CUE schema's header does not point at docs/design-language.md")
	}

	code, out, errb = run(t, "schema", "--format", "jsonschema")
	var doc map[string]any
	if err := json.Unmarshal([]byte(out), &doc); code != 0 || err != nil {
		t.Fatalf("schema --format jsonschema: exit %d, %v, %s", code, err, errb)
	}
	if doc["$schema"] != "https://json-schema.org/draft/2020-12/schema" {
		t.Errorf("$schema = %v", doc["$schema"])
	}
	if props, _ := doc["properties"].(map[string]any); props["site"] == nil || props["systems"] == nil {
		t.Errorf("the JSON Schema has no site or systems property")
	}

	code, _, errb = run(t, "schema", "--format", "xsd")
	if code != 2 || !strings.Contains(errb, `--format must be one of "cue","jsonschema"`) {
		t.Errorf("schema --format xsd: exit %d, %s", code, errb)
	}
}
