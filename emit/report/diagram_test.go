package report_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/ibcmc/ibcmc/emit"
	"github.com/ibcmc/ibcmc/emit/report"
	"github.com/ibcmc/ibcmc/internal/testdesign"
)

var examples = testdesign.Examples

func reportOf(t *testing.T, name string) string {
	t.Helper()
	res := testdesign.Example(t, "../..", name)
	if res.Plan == nil {
		t.Fatal(res.Diagnostics)
	}
	files, err := report.Emit(res.Plan, emit.Options{ToolVersion: "test"})
	if err != nil {
		t.Fatal(err)
	}
	return string(files[0].Content)
}

// The grammar of the Mermaid subset the report emits: anything else is a bug, and every edge endpoint must
// be a declared node.
var (
	label       = `"(?:[^"\n]*)"`
	subgraphRe  = regexp.MustCompile(`^  subgraph (z\d+)\[` + label + `\]$`)
	nodeRe      = regexp.MustCompile(`^ {2,4}(n\d+)(?:\[` + label + `\]|\(\[` + label + `\]\)|\{\{` + label + `\}\})$`)
	edgeRe      = regexp.MustCompile(`^  (n\d+) -->\|` + label + `\| (n\d+)$`)
	mermaidOpen = "```mermaid\n"
)

func mermaidBlock(t *testing.T, doc string) []string {
	t.Helper()
	i := strings.Index(doc, mermaidOpen)
	if i < 0 {
		t.Fatal("no mermaid block")
	}
	rest := doc[i+len(mermaidOpen):]
	j := strings.Index(rest, "```\n")
	if j < 0 {
		t.Fatal("unterminated mermaid block")
	}
	return strings.Split(strings.TrimSuffix(rest[:j], "\n"), "\n")
}

func checkMermaid(t *testing.T, lines []string) (nodes, edges int) {
	t.Helper()
	if lines[0] != "flowchart LR" {
		t.Fatalf("first line %q", lines[0])
	}
	declared := map[string]bool{}
	var referenced []string
	depth := 0
	for _, l := range lines[1:] {
		switch {
		case subgraphRe.MatchString(l):
			depth++
		case l == "  end":
			depth--
		case nodeRe.MatchString(l):
			declared[nodeRe.FindStringSubmatch(l)[1]] = true
			nodes++
		case edgeRe.MatchString(l):
			m := edgeRe.FindStringSubmatch(l)
			referenced = append(referenced, m[1], m[2])
			edges++
		default:
			t.Errorf("line outside the emitted subset: %q", l)
		}
		if depth < 0 || depth > 1 {
			t.Errorf("unbalanced subgraph at %q", l)
		}
	}
	if depth != 0 {
		t.Error("subgraph not closed")
	}
	for _, id := range referenced {
		if !declared[id] {
			t.Errorf("edge references undeclared node %s", id)
		}
	}
	return nodes, edges
}

func TestMermaidSubsetAndNodes(t *testing.T) {
	for _, name := range examples {
		t.Run(name, func(t *testing.T) {
			lines := mermaidBlock(t, reportOf(t, name))
			nodes, _ := checkMermaid(t, lines)
			if nodes == 0 {
				t.Error("no nodes")
			}
		})
	}
}

// A hostile system name cannot break out of its label or add a statement.
func TestMermaidHostileNames(t *testing.T) {
	res := testdesign.CompileOne(t, `package site
site: {code: "P01", server: "cm01.contoso.com", forest: "contoso.com"}
forests: "contoso.com": {}
zones: "a\"]\nclick n1 call alert(1)\n%%": {kind: "intranet", cidrs: []}
pki: {authorities: "Root": {subject: "CN=Root"}, issuer: "Root"}
systems: "x": {fqdn: intranet: "x.contoso.com", forest: "contoso.com", zone: "a\"]\nclick n1 call alert(1)\n%%", roles: managementPoint: {}}
publishing: {}
clients: {}
`)
	if res.Plan == nil {
		t.Fatal(res.Diagnostics)
	}
	files, err := report.Emit(res.Plan, emit.Options{ToolVersion: "test"})
	if err != nil {
		t.Fatal(err)
	}
	checkMermaid(t, mermaidBlock(t, string(files[0].Content)))
}

func TestFeatureMatrixFollowsFindings(t *testing.T) {
	doc := reportOf(t, "fabrikam-perimeter")
	for _, want := range []string{
		"| Feature | pos-kiosks (internetOnly, ibcm) | roaming-laptops (intranetAndInternet, ibcm) |",
		"| osDeployment | — | intranet only (IB501) |",
		"| inventory | supported | supported |",
	} {
		if !strings.Contains(doc, want) {
			t.Errorf("report lacks %q", want)
		}
	}
}
