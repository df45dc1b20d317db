// Package report writes report.md, the design review a person reads in a pull request.
package report

import (
	"fmt"
	"strings"

	"github.com/ibcmc/ibcmc/emit"
	"github.com/ibcmc/ibcmc/internal/escape"
	"github.com/ibcmc/ibcmc/plan"
)

// Emit writes report.md.
func Emit(p *plan.Plan, o emit.Options) ([]emit.File, error) {
	var b strings.Builder
	b.WriteString(emit.Provenance(emit.Markdown, p, o))
	fmt.Fprintf(&b, "\n# Design review: site %s\n", md(p.Site.Code))
	for _, section := range sections {
		// A section with nothing to say (the lab PKI warning of a normal build) leaves no blank line.
		var sb strings.Builder
		section(&sb, p, o)
		if sb.Len() > 0 {
			b.WriteString("\n")
			b.WriteString(sb.String())
		}
	}
	return []emit.File{{Path: "report.md", Content: []byte(b.String())}}, nil
}

// sections run in order; each writes a "## " heading and its body.
var sections = []func(b *strings.Builder, p *plan.Plan, o emit.Options){
	labPKI,
	summary,
	findings,
	endpoints,
	flowMatrix,
	certificates,
	clientInstallation,
	featureSupport,
	diagram,
}

func md(s string) string   { return escape.Markdown(s) }
func code(s string) string { return escape.MarkdownCode(s) }

// table writes a Markdown table; cells are already escaped.
func table(b *strings.Builder, header []string, rows [][]string) {
	b.WriteString("| " + strings.Join(header, " | ") + " |\n")
	seps := make([]string, len(header))
	for i := range seps {
		seps[i] = "---"
	}
	b.WriteString("|" + strings.Join(seps, "|") + "|\n")
	for _, r := range rows {
		b.WriteString("| " + strings.Join(r, " | ") + " |\n")
	}
}

func summary(b *strings.Builder, p *plan.Plan, _ emit.Options) {
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
		{"Zones", countList(len(p.Zones), names(p.Zones, func(z *plan.Zone) string { return z.Name + " (" + z.Kind + ")" }))},
		{"Forests", countList(len(p.Forests), names(p.Forests, func(f *plan.Forest) string { return f.Name }))},
		{"Site systems", systemsSummary(p)},
		{"Publishing", countList(len(p.Publishing), names(p.Publishing, func(x *plan.Publishing) string {
			return x.Name + " (" + x.Product + ", " + x.Mode + ")"
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

func findings(b *strings.Builder, p *plan.Plan, _ emit.Options) {
	b.WriteString("## Findings\n\n")
	if len(p.Findings) == 0 {
		b.WriteString("No findings: the design meets every rule of the catalog.\n")
		return
	}
	errs, warns := p.Findings.Count()
	fmt.Fprintf(b, "%d error(s), %d warning(s), %d info(s). `ibcmc explain CODE` tells why each rule exists.\n\n",
		errs, warns, len(p.Findings)-errs-warns)
	var rows [][]string
	for _, d := range p.Findings {
		msg := d.Message
		if d.Hint != "" {
			msg += " Fix: " + d.Hint
		}
		rows = append(rows, []string{code(d.Code), md(d.Severity.String()), md(d.Name), md(msg), code(d.Path), md(d.Pos.String())})
	}
	table(b, []string{"Code", "Severity", "Rule", "Message", "Path", "Where"}, rows)
}

func endpoints(b *strings.Builder, p *plan.Plan, _ emit.Options) {
	b.WriteString("## Internet endpoints\n\n")
	if len(p.Endpoints) == 0 {
		b.WriteString("None: no role accepts clients from the internet.\n")
		return
	}
	var rows [][]string
	for _, e := range p.Endpoints {
		via := "direct"
		switch {
		case e.Publishing != "":
			via = fmt.Sprintf("%s (%s)", md(e.Publishing), md(e.Mode))
		case e.Mode == "cmg":
			via = "cloud management gateway"
		}
		public := "—"
		if e.Public != "" {
			public = code(e.Public)
		}
		rows = append(rows, []string{code(e.FQDN), fmt.Sprintf("%d/%s", e.Port, e.Protocol), md(e.Target),
			md(strings.Join(e.Roles, ", ")), via, public})
	}
	table(b, []string{"FQDN", "Port", "Target", "Roles", "Via", "Public address"}, rows)
}
