package firewall

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/ibcmc/ibcmc/internal/escape"
	"github.com/ibcmc/ibcmc/internal/testtool"
	"github.com/ibcmc/ibcmc/plan"
)

// psParseScript parses each file named on the command line with the tree-sitter PowerShell grammar and
// prints one JSON object per file: the root node's type, the length the tree spans, and every ERROR
// or MISSING node (where tree-sitter had to skip or invent text to make the file fit the grammar). The
// modules are resolved from the tools directory, not from the script's own location (a temporary
// directory). tree-sitter-powershell is an ES module with top-level await, so it is imported, not required.
const psParseScript = `
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

const [tools, ...files] = process.argv.slice(2);
const require = createRequire(tools + "/package.json");
const load = async (name) => (await import(pathToFileURL(require.resolve(name)).href)).default;
const Parser = await load("tree-sitter");
const PowerShell = await load("tree-sitter-powershell");
const parser = new Parser();
parser.setLanguage(PowerShell);

for (const file of files) {
	const text = readFileSync(file, "utf8");
	// A callback input: the string form is limited to the binding's default buffer size.
	const tree = parser.parse((index) => text.slice(index, index + 8192));
	const problems = [];
	const walk = (node) => {
		if (node.type === "ERROR" || node.isMissing) {
			problems.push({
				kind: node.isMissing ? "MISSING" : "ERROR",
				type: node.type,
				line: node.startPosition.row + 1,
				column: node.startPosition.column + 1,
				text: node.text.slice(0, 120),
			});
		}
		for (const child of node.children) walk(child);
	};
	walk(tree.rootNode);
	// endIndex counts UTF-16 code units, as JavaScript strings do.
	console.log(JSON.stringify({ file, root: tree.rootNode.type, end: tree.rootNode.endIndex, length: text.length, problems }));
}
`

type psParse struct {
	File     string `json:"file"`
	Root     string `json:"root"`
	End      int    `json:"end"`
	Length   int    `json:"length"`
	Problems []struct {
		Kind, Type, Text string
		Line, Column     int
	} `json:"problems"`
}

// parsePowerShell runs the grammar over the scripts (file name → content) and returns the result per name.
func parsePowerShell(t *testing.T, scripts map[string]string) map[string]psParse {
	t.Helper()
	node := testtool.Require(t, "node")
	tools := testtool.NodeTools(t, "tree-sitter", "tree-sitter-powershell")
	dir := t.TempDir()
	script := filepath.Join(dir, "parse.mjs")
	if err := os.WriteFile(script, []byte(psParseScript), 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{"--no-deprecation", script, tools}
	byPath := map[string]string{}
	for i, name := range slices.Sorted(maps.Keys(scripts)) {
		// Numbered files: the names come from hostile designs and need not be valid file names.
		p := filepath.Join(dir, fmt.Sprintf("s%04d.ps1", i))
		if err := os.WriteFile(p, []byte(scripts[name]), 0o644); err != nil {
			t.Fatal(err)
		}
		args = append(args, p)
		byPath[p] = name
	}
	cmd := exec.Command(node, args...)
	out, err := cmd.Output()
	if err != nil {
		var stderr string
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("node %s: %v\n%s", script, err, stderr)
	}
	got := map[string]psParse{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		var r psParse
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("parser output %q: %v", line, err)
		}
		got[byPath[r.File]] = r
	}
	if len(got) != len(scripts) {
		t.Fatalf("the parser reported on %d of %d scripts", len(got), len(scripts))
	}
	return got
}

// TestPowerShellScriptsParse: every emitted Windows Firewall script, for every example and for hostile
// values, is a PowerShell program the tree-sitter grammar reads without a single ERROR or MISSING node. A
// quote that escaped its string, or a line break that reached the script, would show up as one.
func TestPowerShellScriptsParse(t *testing.T) {
	all := map[string]string{}
	add := func(design string, files map[string]string) {
		n := 0
		for path, content := range files {
			if strings.HasPrefix(path, "firewall/windows/") && strings.HasSuffix(path, ".ps1") {
				all[design+": "+path] = content
				n++
			}
		}
		if n == 0 {
			t.Errorf("%s: no firewall/windows/*.ps1 emitted", design)
		}
	}
	for _, name := range examples {
		add(name, emitFiles(t, examplePlan(t, name)))
	}
	add("hostile plan", emitFiles(t, hostilePlan()))
	for name, p := range psHostilePlans() {
		files := emitFiles(t, p)
		add(name, files)
		// The value reached the scripts, quoted: the parse below is about it.
		h := strings.TrimPrefix(strings.TrimSuffix(name, `"`), `hostile plan "`)
		if v, err := strconv.Unquote(`"` + h + `"`); err == nil {
			quoted := escape.PowerShell(v)
			quoted = quoted[1 : len(quoted)-1] // inside a longer string
			if !strings.Contains(strings.Join(slices.Collect(maps.Values(scripts(files))), ""), quoted) {
				t.Errorf("%s: no script holds the value quoted as %s", name, quoted)
			}
		}
	}

	for name, r := range parsePowerShell(t, all) {
		if r.Root != "program" || r.End != r.Length {
			t.Errorf("%s: the tree is a %s spanning %d of %d characters, want a program spanning the file", name, r.Root, r.End, r.Length)
		}
		for _, p := range r.Problems {
			t.Errorf("%s:%d:%d: %s node (%s) at %q", name, p.Line, p.Column, p.Kind, p.Type, p.Text)
		}
	}
}

// psHostile are values aimed at PowerShell: quotes of every kind PowerShell honours (ASCII and
// typographic), expansion ($(), ${}, backtick), statement separators, comment and here-string openers, and
// line breaks.
var psHostile = []string{
	"x' ; Remove-Item -Recurse C:\\ ; '",
	"x\u2019; Stop-Computer; \u2018",
	"a\u201b\u2018$(Stop-Computer)`\"${env:PATH}@(1)",
	"#> <# x\n'@\r\n@'\u2028'\u0085IBCMC-INJECTED",
	"a\"; & calc.exe; \"",
}

// psHostilePlans are the hostile plan with each PowerShell-aimed value in every free-text field of its
// flows (id, source name, purpose, requirers) and in the design file name. They are plans, not designs:
// every design value that reaches a script (names, FQDNs, addresses, ports) is validated to an alphabet
// without a PowerShell metacharacter, so only the emitter's own quoting stands between these values and
// the script.
func psHostilePlans() map[string]*plan.Plan {
	out := map[string]*plan.Plan{}
	for _, h := range psHostile {
		p := hostilePlan()
		p.Sources = []string{"hostile" + h + ".cue"}
		for i, f := range p.Flows {
			f.ID = fmt.Sprintf("evil-%d%s", i, h)
			f.From = h
			f.Purpose = h
			f.RequiredBy = []string{h, "role " + h}
		}
		p.Reindex()
		out[fmt.Sprintf("hostile plan %q", h)] = p
	}
	return out
}

// TestPowerShellParserFindsErrors: the check above can fail. An apostrophe that is not doubled inside a
// quoted value, an unterminated string and a stray brace are each reported; the same line with the
// apostrophe doubled is not.
func TestPowerShellParserFindsErrors(t *testing.T) {
	got := parsePowerShell(t, map[string]string{
		"undoubled":    "New-NetFirewallRule -Name 'it's' -Group 'b' | Out-Null\n",
		"unterminated": "New-NetFirewallRule -Name 'a -Group 'b'\nif ($x) {\n",
		"stray brace":  "New-NetFirewallRule -Name 'a'\n} oops\n",
		"fine":         "New-NetFirewallRule -Name 'it''s' -Group 'b' | Out-Null\n",
	})
	for _, name := range []string{"undoubled", "unterminated", "stray brace"} {
		if len(got[name].Problems) == 0 {
			t.Errorf("%s: parses without errors", name)
		}
	}
	if p := got["fine"].Problems; len(p) != 0 {
		t.Errorf("a well-formed line has problems: %+v", p)
	}
}
