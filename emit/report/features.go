package report

import (
	"fmt"
	"slices"
	"strings"

	"github.com/ibcmc/ibcmc/diag"
	"github.com/ibcmc/ibcmc/emit"
	"github.com/ibcmc/ibcmc/plan"
)

// featureSupport writes, for each population, whether each feature it lists works where the population
// lives. The verdicts are the rules' own: a finding on clients.<name>.features[i] decides the cell, so the
// matrix never disagrees with the findings table.
func featureSupport(b out, p *plan.Plan, _ emit.Options) {
	b.WriteString("## Feature support by population\n\n")
	if len(p.Clients) == 0 {
		b.WriteString("No client populations.\n")
		return
	}
	byPath := map[string][]diag.Diagnostic{}
	for _, d := range p.Findings {
		byPath[d.Path] = append(byPath[d.Path], d)
	}
	var features []string
	for _, c := range p.Clients {
		features = append(features, c.Features...)
	}
	slices.Sort(features)
	features = slices.Compact(features)
	if len(features) == 0 {
		b.WriteString("No population lists a feature.\n")
		return
	}
	header := []string{"Feature"}
	for _, c := range p.Clients {
		header = append(header, fmt.Sprintf("%s (%s, %s)", md(c.Name), md(c.Management), md(c.Via)))
	}
	var rows [][]string
	for _, f := range features {
		row := []string{md(f)}
		for _, c := range p.Clients {
			row = append(row, featureCell(c, f, byPath))
		}
		rows = append(rows, row)
	}
	table(b, header, rows)
	b.WriteString("\nsupported: works wherever the population is; intranet only: works only while clients are on the intranet; unsupported: does not work for this population; —: not listed.\n")
}

func featureCell(c *plan.Population, feature string, byPath map[string][]diag.Diagnostic) string {
	i := slices.Index(c.Features, feature)
	if i < 0 {
		return "—"
	}
	worst := -1
	var codes []string
	for j, f := range c.Features {
		if f != feature {
			continue
		}
		for _, d := range byPath[plan.Index(plan.Join(c.Path, "features"), j)] {
			codes = append(codes, d.Code)
			worst = max(worst, int(d.Severity))
		}
	}
	slices.Sort(codes)
	codes = slices.Compact(codes)
	rule := ""
	if len(codes) > 0 {
		rule = " (" + strings.Join(codes, ", ") + ")"
	}
	switch {
	case worst == int(diag.Error):
		return "unsupported" + rule
	case worst == int(diag.Warning):
		return "intranet only" + rule
	case c.Management == plan.ManageIntranetOnly && c.Via != "cmg":
		return "supported (intranet)"
	default:
		return "supported" + rule
	}
}
