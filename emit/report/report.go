// Package report writes report.md, the design review a person reads in a pull request.
package report

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/ibcmc/ibcmc/diag"
	"github.com/ibcmc/ibcmc/emit"
	"github.com/ibcmc/ibcmc/internal/escape"
	"github.com/ibcmc/ibcmc/plan"
)

// Emit writes report.md.
func Emit(p *plan.Plan, o emit.Options) ([]emit.File, error) {
	// One buffer for the whole report: its bytes become the file without a copy. It starts at a rough
	// size from the plan's counts (the certificate and flow tables and the checklist are most of a big
	// report), so that it seldom grows.
	var b bytes.Buffer
	b.Grow(16<<10 + 384*len(p.CertRequests) + 320*len(p.Flows) + 1024*len(p.Systems) + 256*len(p.Clients))
	b.WriteString(emit.Provenance(emit.Markdown, p, o))
	fmt.Fprintf(&b, "\n# Design review: site %s\n", md(p.Site.Code))
	for _, section := range sections {
		// A section with nothing to say (the lab PKI warning of a normal build) leaves no blank line.
		mark := b.Len()
		b.WriteByte('\n')
		section(&b, p, o)
		if b.Len() == mark+1 {
			b.Truncate(mark)
		}
	}
	content := b.Bytes()
	return []emit.File{{Path: "report.md", Content: content[:len(content):len(content)]}}, nil
}

// out is what sections write to: the report's bytes.Buffer, or a strings.Builder in tests.
type out interface {
	io.Writer
	io.StringWriter
	io.ByteWriter
}

// sections run in order; each writes a "## " heading and its body.
var sections = []func(b out, p *plan.Plan, o emit.Options){
	labPKI,
	summary,
	findings,
	endpoints,
	flowMatrix,
	certificates,
	clientInstallation,
	featureSupport,
	checklist,
	diagram,
}

// md escapes design text, plain or of an enumeration type.
func md[S ~string](s S) string { return escape.Markdown(string(s)) }

func code(s string) string { return escape.MarkdownCode(s) }

// writeMD and writeCode escape a value straight into the report, for the tables with a row per
// certificate or flow, where a string per cell was most of the report's cost.
func writeMD(b out, s string)   { escape.WriteMarkdown(b, s) }
func writeCode(b out, s string) { escape.WriteMarkdownCode(b, s) }

// table writes a Markdown table; cells are already escaped.
func table(b out, header []string, rows [][]string) {
	tableHeader(b, header...)
	for _, r := range rows {
		row(b, r...)
	}
}

// tableHeader writes a table's header row and the separator row under it.
func tableHeader(b out, header ...string) {
	row(b, header...)
	b.WriteString("|")
	for i := range header {
		if i > 0 {
			b.WriteString("|")
		}
		b.WriteString("---")
	}
	b.WriteString("|\n")
}

// row writes a table row of escaped cells.
func row(b out, cells ...string) {
	startRow(b)
	for i, c := range cells {
		if i > 0 {
			nextCell(b)
		}
		b.WriteString(c)
	}
	endRow(b)
}

// A row can also be written cell by cell: startRow, the cells with nextCell between them, endRow.
func startRow(b out) { b.WriteString("| ") }
func nextCell(b out) { b.WriteString(" | ") }
func endRow(b out)   { b.WriteString(" |\n") }

func summary(b out, p *plan.Plan, _ emit.Options) {
	s := p.Site
	b.WriteString("## Summary\n\n")
	c := s.Communication
	crl := "clients check the CRL"
	if !c.CheckCRL {
		crl = "clients do not check the CRL (`/NoCRLCheck`)"
	}
	rows := [][]string{
		{"Site", fmt.Sprintf("%s (%s, current branch %s, %s)", code(s.Code), md(s.Type), md(s.Version), md(s.Environment))},
		{"Site server", fmt.Sprintf("%s in zone %s, forest %s", code(s.Server), md(s.Zone), md(s.Forest))},
		{"Site database", fmt.Sprintf("%s port %d in zone %s", code(s.Database.Server), s.Database.Port, md(s.Database.Zone))},
		{"Client connections", fmt.Sprintf("%s; PKI client certificate when available: %s; %s", md(c.ClientConnections), yesNo(c.UsePKIClientCert), crl)},
		{"Client ports", fmt.Sprintf("HTTP %d, HTTPS %d", s.Ports.HTTP, s.Ports.HTTPS)},
		{"Zones", countList(len(p.Zones), names(p.Zones, func(z *plan.Zone) string { return z.Name + " (" + string(z.Kind) + ")" }))},
		{"Forests", countList(len(p.Forests), names(p.Forests, func(f *plan.Forest) string { return f.Name }))},
		{"Site systems", systemsSummary(p)},
		{"Publishing", countList(len(p.Publishing), names(p.Publishing, func(x *plan.Publishing) string {
			return x.Name + " (" + string(x.Product) + ", " + string(x.Mode) + ")"
		}))},
		{"Client populations", populationsSummary(p)},
		{"Cloud management gateways", countList(len(p.CMGs), names(p.CMGs, func(g *plan.CMG) string {
			return fmt.Sprintf("%s (%s, %s, %d VM)", g.Name, g.ServiceName, g.Deployment, g.VMs)
		}))},
	}
	table(b, []string{"Item", "Value"}, rows)
}

func yesNo(v bool) string {
	if v {
		return "yes"
	}
	return "no"
}

func names[T any](items []T, f func(T) string) []string {
	out := make([]string, 0, len(items))
	for _, it := range items {
		out = append(out, f(it))
	}
	return out
}

func countList(n int, items []string) string {
	if n == 0 {
		return "none"
	}
	esc := make([]string, len(items))
	for i, it := range items {
		esc[i] = md(it)
	}
	return fmt.Sprintf("%d: %s", n, strings.Join(esc, ", "))
}

func systemsSummary(p *plan.Plan) string {
	internet := 0
	for _, s := range p.Systems {
		if s.InternetFacing() {
			internet++
		}
	}
	return fmt.Sprintf("%d (%d internet-facing)", len(p.Systems), internet)
}

func populationsSummary(p *plan.Plan) string {
	total, counted := 0, 0
	for _, c := range p.Clients {
		if c.Count > 0 {
			total += c.Count
			counted++
		}
	}
	s := fmt.Sprintf("%d", len(p.Clients))
	if counted > 0 {
		s += fmt.Sprintf(", %d clients", total)
	}
	return s
}

// findings lists every finding, one paragraph-wide item each: a table squeezed the message column to a word
// per line at GitHub's page width. Waived findings stay listed, marked with the waiver's reason.
func findings(b out, p *plan.Plan, _ emit.Options) {
	b.WriteString("## Findings\n\n")
	if len(p.Findings) == 0 {
		b.WriteString("No findings: the design meets every rule of the catalog.\n")
		return
	}
	errs, warns := p.Findings.Count()
	waived := p.Findings.Waived()
	infos := 0
	for _, d := range p.Findings {
		if d.Severity == diag.Info && d.Waived == nil {
			infos++
		}
	}
	fmt.Fprintf(b, "%d error(s), %d warning(s), %d info(s)", errs, warns, infos)
	if waived > 0 {
		fmt.Fprintf(b, ", %d waived (accepted by the design's waivers, not counted)", waived)
	}
	b.WriteString(". `ibcmc explain CODE` tells why each rule exists.\n\n")
	for _, d := range p.Findings {
		severity := d.Severity.String()
		if d.Waived != nil {
			severity += ", waived"
		}
		fmt.Fprintf(b, "- **%s** %s %s", md(severity), code(d.Code), md(d.Name))
		if d.Path != "" {
			fmt.Fprintf(b, " at %s", code(d.Path))
		}
		if d.Pos.IsValid() {
			fmt.Fprintf(b, " (%s)", md(d.Pos.String()))
		}
		fmt.Fprintf(b, ": %s", md(diag.Text(d)))
		if d.Waived != nil {
			fmt.Fprintf(b, " **Waived:** %s", md(d.Waived.String()))
		}
		b.WriteString("\n")
	}
}

func endpoints(b out, p *plan.Plan, _ emit.Options) {
	b.WriteString("## Internet endpoints\n\n")
	if len(p.Endpoints) == 0 {
		b.WriteString("None: no role accepts clients from the internet.\n")
		return
	}
	tableHeader(b, "FQDN", "Port", "Target", "Roles", "Via", "Public address")
	for _, e := range p.Endpoints {
		startRow(b)
		writeCode(b, e.FQDN)
		nextCell(b)
		b.WriteString(strconv.Itoa(e.Port))
		b.WriteString("/")
		b.WriteString(e.Protocol)
		nextCell(b)
		writeMD(b, e.Target)
		nextCell(b)
		writeMD(b, strings.Join(e.Roles, ", "))
		nextCell(b)
		switch {
		case e.Publishing != "":
			writeMD(b, e.Publishing)
			b.WriteString(" (")
			writeMD(b, e.Mode)
			b.WriteString(")")
		case e.Mode == plan.EndpointCMG:
			b.WriteString("cloud management gateway")
		default:
			b.WriteString("direct")
		}
		nextCell(b)
		if e.Public != "" {
			writeCode(b, e.Public)
		} else {
			b.WriteString("—")
		}
		endRow(b)
	}
	probeHint(b, p)
}
