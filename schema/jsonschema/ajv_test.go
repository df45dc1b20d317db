package jsonschema_test

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/ibcmc/ibcmc/internal/testtool"
)

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

var ajvVerdict = regexp.MustCompile(`(?m)^(\S+) (valid|invalid)$`)

// TestAjvCLI: ajv, the validator most editors and CI tools build on, compiles the schema in strict mode,
// accepts the JSON and YAML form of every example and refuses every bad input.
func TestAjvCLI(t *testing.T) {
	node := testtool.Require(t, "node")
	tools := testtool.NodeTools(t, "ajv-cli", "ajv")
	ajv := []string{filepath.Join(tools, "node_modules", "ajv-cli", "dist", "index.js"), "--spec=draft2020", "--strict=true"}
	dir := t.TempDir()
	schemaFile := writeFile(t, dir, "design.schema.json", string(schemaBytes(t)))

	out, err := exec.Command(node, append(ajv[:1], append([]string{"compile"}, append(ajv[1:], "-s", schemaFile)...)...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("ajv compile: %v\n%s", err, out)
	}

	want := map[string]string{} // file → valid or invalid
	args := append(ajv[:1], append([]string{"validate"}, append(ajv[1:], "-s", schemaFile)...)...)
	forms := designForms(t)
	for _, f := range forms {
		p := writeFile(t, dir, f.name+f.ext, f.text)
		want[p] = "valid"
		args = append(args, "-d", p)
	}
	for i, c := range badCases {
		p := writeFile(t, dir, fmt.Sprintf("bad%02d.json", i), c.json(t))
		want[p] = "invalid"
		args = append(args, "-d", p)
	}
	// YAML as people write it: a misspelt field, and a quoted number.
	yaml := forms[1]
	yaml.text = "\n" + yaml.text // every top-level key follows a line break
	if yaml.ext != ".yaml" || !strings.Contains(yaml.text, "\npki:\n") || strings.Contains(yaml.text, "keyLength") {
		t.Fatalf("%s%s is not the YAML form these cases change", yaml.name, yaml.ext)
	}
	for name, text := range map[string]string{
		"bad-unknown.yaml": strings.Replace(yaml.text, "\nsite:\n", "\nsite:\n  colour: blue\n", 1),
		"bad-type.yaml":    strings.Replace(yaml.text, "\npki:\n", "\npki:\n  keyLength: \"2048\"\n", 1),
	} {
		if text == yaml.text {
			t.Fatalf("%s: the change did not apply", name)
		}
		p := writeFile(t, dir, name, text[1:])
		want[p] = "invalid"
		args = append(args, "-d", p)
	}
	out, _ = exec.Command(node, args...).CombinedOutput() // exit status 1: some files are invalid, as wanted
	got := map[string]string{}
	for _, m := range ajvVerdict.FindAllStringSubmatch(string(out), -1) {
		got[m[1]] = m[2]
	}
	for p, w := range want {
		if got[p] != w {
			t.Errorf("ajv: %s is %q, want %s", filepath.Base(p), got[p], w)
		}
	}
	if t.Failed() {
		t.Logf("ajv output:\n%s", out)
	}
}

// ajvPatternScript validates each value of a corpus against its subschema with ajv's draft 2020-12 class,
// which compiles patterns as ECMAScript regular expressions with the u flag, and prints the values whose
// verdict differs from CUE's.
const ajvPatternScript = `
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";

const [tools, schemaFile, corpusFile] = process.argv.slice(2);
const require = createRequire(tools + "/package.json");
const Ajv2020 = require("ajv/dist/2020").default;
const ajv = new Ajv2020({ strict: true });
ajv.addSchema(JSON.parse(readFileSync(schemaFile, "utf8")), "design");
const validators = new Map();
const differ = [];
const corpus = JSON.parse(readFileSync(corpusFile, "utf8"));
for (const c of corpus) {
	if (!validators.has(c.ref)) validators.set(c.ref, ajv.compile({ $ref: "design" + c.ref }));
	const got = validators.get(c.ref)(c.value);
	if (got !== c.valid) differ.push({ ...c, ajv: got });
}
console.log(JSON.stringify({ checked: corpus.length, differ }));
`

// TestAjvPatternsAgreeWithCUE: the patterns mean in ECMAScript what the CUE schema means, checked by ajv
// on the same corpus the Go validator is checked on.
func TestAjvPatternsAgreeWithCUE(t *testing.T) {
	node := testtool.Require(t, "node")
	tools := testtool.NodeTools(t, "ajv")
	dir := t.TempDir()
	cases := corpus(t, 3000)
	data, err := json.Marshal(cases)
	if err != nil {
		t.Fatal(err)
	}
	script := writeFile(t, dir, "patterns.mjs", ajvPatternScript)
	out, err := exec.Command(node, script, tools, writeFile(t, dir, "design.schema.json", string(schemaBytes(t))),
		writeFile(t, dir, "corpus.json", string(data))).Output()
	if err != nil {
		var stderr []byte
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = ee.Stderr
		}
		t.Fatalf("node: %v\n%s", err, stderr)
	}
	var res struct {
		Checked int `json:"checked"`
		Differ  []struct {
			verdict
			Ajv bool `json:"ajv"`
		} `json:"differ"`
	}
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if res.Checked != len(cases) {
		t.Fatalf("ajv checked %d of %d values", res.Checked, len(cases))
	}
	for i, d := range res.Differ {
		if i == 20 {
			t.Errorf("… and %d more", len(res.Differ)-20)
			break
		}
		t.Errorf("%s %q: ajv says valid=%v, CUE says %v", d.Ref, d.Value, d.Ajv, d.Valid)
	}
}
