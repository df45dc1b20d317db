package report_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/ibcmc/ibcmc/bench"
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
// be a declared node. The only markup in a label is the line break before a node's zone.
var (
	label       = `"[^"<\n]*(?:<br>zone [^"<\n]*)?"`
	nodeRe      = regexp.MustCompile(`^  (n\d+)(?:\[` + label + `\]|\(\[` + label + `\]\)|\{\{` + label + `\}\})$`)
	edgeRe      = regexp.MustCompile(`^  (n\d+) <?-->\|"[^"<\n]*"\| (n\d+)$`)
	mermaidOpen = "```mermaid\n"
)

// mermaidBlocks returns the lines of each Mermaid block of a report.
func mermaidBlocks(t *testing.T, doc string) [][]string {
	t.Helper()
	var blocks [][]string
	for rest := doc; ; {
		i := strings.Index(rest, mermaidOpen)
		if i < 0 {
			break
		}
		rest = rest[i+len(mermaidOpen):]
		j := strings.Index(rest, "```\n")
		if j < 0 {
			t.Fatal("unterminated mermaid block")
		}
		blocks = append(blocks, strings.Split(strings.TrimSuffix(rest[:j], "\n"), "\n"))
		rest = rest[j:]
	}
	if len(blocks) == 0 {
		t.Fatal("no mermaid block")
	}
	return blocks
}

func checkMermaid(t *testing.T, lines []string) (nodes, edges int) {
	t.Helper()
	if lines[0] != "flowchart LR" {
		t.Fatalf("first line %q", lines[0])
	}
	declared := map[string]bool{}
	var referenced []string
	for _, l := range lines[1:] {
		switch {
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
	}
	for _, id := range referenced {
		if !declared[id] {
			t.Errorf("edge references undeclared node %s", id)
		}
	}
	return nodes, edges
}

func TestMermaidSubsetAndNodes(t *testing.T) {
	docs := map[string]string{"generated-50": generatedReport(t, bench.Design(50))}
	for _, name := range examples {
		docs[name] = reportOf(t, name)
	}
	for name, doc := range docs {
		t.Run(name, func(t *testing.T) {
			for _, lines := range mermaidBlocks(t, doc) {
				if nodes, edges := checkMermaid(t, lines); nodes == 0 || edges == 0 {
					t.Errorf("a diagram of %d nodes and %d links", nodes, edges)
				}
			}
		})
	}
}

func generatedReport(t *testing.T, design string) string {
	t.Helper()
	res := testdesign.CompileOne(t, design)
	if res.Plan == nil {
		t.Fatal(res.Diagnostics)
	}
	files, err := report.Emit(res.Plan, emit.Options{ToolVersion: "test"})
	if err != nil {
		t.Fatal(err)
	}
	return string(files[0].Content)
}

// diagramSection returns the report's Diagram section without its Mermaid blocks' bodies.
func diagramSection(t *testing.T, doc string) string {
	t.Helper()
	i := strings.Index(doc, "## Diagram\n")
	if i < 0 {
		t.Fatal("no Diagram section")
	}
	var b strings.Builder
	in := false
	for _, l := range strings.SplitAfter(doc[i:], "\n") {
		switch {
		case l == mermaidOpen:
			in = true
			b.WriteString("```mermaid …\n")
		case in && l == "```\n":
			in = false
		case !in:
			b.WriteString(l)
		}
	}
	return b.String()
}

// A small design is one diagram; a larger one a diagram per zone boundary, then per zone, each under a
// heading, with the text that says how to read them.
func TestDiagramSections(t *testing.T) {
	small := diagramSection(t, reportOf(t, "contoso-ibcm"))
	if want := "## Diagram\n\nEach arrow is one or more flows of the flow matrix, labelled with their ports.\n\n```mermaid …\n"; small != want {
		t.Errorf("contoso-ibcm:\n%s\nwant\n%s", small, want)
	}
	if n := len(mermaidBlocks(t, reportOf(t, "contoso-ibcm"))); n != 1 {
		t.Errorf("contoso-ibcm: %d diagrams", n)
	}
	large := diagramSection(t, generatedReport(t, bench.Design(50)))
	want := `## Diagram

This design is drawn as one diagram per zone boundary, then one per zone for the flows inside it: as one diagram its 302 arrows would be unreadable. Each arrow is one or more flows of the flow matrix, labelled with their ports; a double arrow carries the same ports both ways. A node that names several machines stands for each of them: they have the same flows in that diagram.

### internet – perimeter

` + "```mermaid …" + `

### internet – intranet

` + "```mermaid …" + `

### perimeter – intranet

` + "```mermaid …" + `

### Inside internet

` + "```mermaid …" + `

### Inside perimeter

` + "```mermaid …" + `

### Inside intranet

` + "```mermaid …\n"
	if large != want {
		t.Errorf("generated-50:\n%s\nwant\n%s", large, want)
	}
	// Across a boundary a node's label names its zone; inside a zone, the heading does.
	doc := generatedReport(t, bench.Design(50))
	for _, want := range []string{
		`  n52["any<br>zone internet"]`,
		`  n2["cm00001, cm00002, cm00004 and 29 more: distributionPoint<br>zone intranet"]`,
		`  n51{{"proxy000: nginx proxy (sslTunneling)<br>zone perimeter"}}`,
		`  n51{{"proxy000: nginx proxy (sslTunneling)"}}`,
		`  n4 <-->|"135,445,49152-65535/tcp, 135/udp"| n56`,
	} {
		if !strings.Contains(doc, "\n"+want+"\n") {
			t.Errorf("generated-50 report lacks %q", want)
		}
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
	for _, lines := range mermaidBlocks(t, string(files[0].Content)) {
		checkMermaid(t, lines)
	}
}

// The same across zone boundaries, where labels and headings carry zone names: a hostile zone name in a
// large design breaks neither a diagram nor a heading.
func TestMermaidHostileZoneAcrossBoundaries(t *testing.T) {
	const hostile = "p\\\"]\\nclick n1 call alert(1)\\n%%\\n### x"
	design := strings.ReplaceAll(bench.Design(50), `zone: "perimeter"`, `zone: "`+hostile+`"`)
	design = strings.Replace(design, `perimeter: {kind: "perimeter"`, `"`+hostile+`": {kind: "perimeter"`, 1)
	doc := generatedReport(t, design)
	blocks := mermaidBlocks(t, doc)
	if len(blocks) != 6 {
		t.Fatalf("%d diagrams", len(blocks))
	}
	for _, lines := range blocks {
		checkMermaid(t, lines)
	}
	if n := strings.Count(diagramSection(t, doc), "\n### "); n != 6 {
		t.Errorf("%d headings", n)
	}
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
