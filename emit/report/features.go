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
// lives. A feature that needs a role the design does not provide to the population (an internet-facing
// software update point or distribution point, a CMG-enabled software update point, a content-enabled
// gateway) is "not available", derived from the plan so the cell is right whatever the rules report; other
// verdicts are the rules' own, from the findings on clients.<name>.features[i].
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
	var features []plan.Feature
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
			row = append(row, featureCell(p, c, f, byPath))
		}
		rows = append(rows, row)
	}
	table(b, header, rows)
	b.WriteString("\nsupported: works wherever the population is; not available: the design lacks a role the feature " +
		"needs where the population is (the cell names it; \"on the internet\": it still works on the intranet); " +
		"intranet only: works only while clients are on the intranet; unsupported: does not work for this population; " +
		"—: not listed.\n")
}

func featureCell(p *plan.Plan, c *plan.Population, feature plan.Feature, byPath map[string][]diag.Diagnostic) string {
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
	if missing := missingRoles(p, c, feature); len(missing) > 0 {
		verdict := "not available"
		if c.Management == plan.ManageIntranetAndInternet {
			verdict += " on the internet"
		}
		return verdict + ": " + md(strings.Join(missing, ", ")) + rule
	}
	switch {
	case worst == int(diag.Error):
		return "unsupported" + rule
	case worst == int(diag.Warning):
		return "intranet only" + rule
	case c.Management == plan.ManageIntranetOnly && c.Via != plan.ViaCMG:
		return "supported (intranet)"
	default:
		return "supported" + rule
	}
}

// contentFeatures are the features whose clients download content from a distribution point or a
// content-enabled gateway. Software update content is not among them: internet clients download it from
// Microsoft Update (Plan for software updates), so softwareUpdates needs the software update point only.
var contentFeatures = []plan.Feature{plan.FeatureApplications, plan.FeatureTaskSequences}

// missingRoles says what an internet population lacks for a feature, with the conditions of rules
// IB516-IB518: IBCM clients on the internet scan only internet-facing software update points and download
// only from internet-facing distribution points; CMG clients scan only software update points that allow
// CMG traffic, and download from a content-enabled gateway (or an internet-facing distribution point) only
// with "Allow access to cloud distribution point" on. Nil when nothing is missing or the population is not
// on the internet.
func missingRoles(p *plan.Plan, c *plan.Population, feature plan.Feature) []string {
	if !c.Internet() {
		return nil
	}
	has := func(role func(*plan.System) bool) bool { return slices.ContainsFunc(p.Systems, role) }
	internetDP := has(func(s *plan.System) bool {
		return s.Roles.DistributionPoint != nil && plan.AllowsInternet(s.Roles.DistributionPoint.Allow)
	})
	var missing []string
	switch {
	case feature == plan.FeatureSoftwareUpdates && c.Via == plan.ViaCMG:
		if !has(func(s *plan.System) bool {
			return s.Roles.SoftwareUpdatePoint != nil && s.Roles.SoftwareUpdatePoint.CMGTraffic
		}) {
			missing = append(missing, "no software update point allows CMG traffic")
		}
	case feature == plan.FeatureSoftwareUpdates:
		if !has(func(s *plan.System) bool {
			return s.Roles.SoftwareUpdatePoint != nil && plan.AllowsInternet(s.Roles.SoftwareUpdatePoint.Allow)
		}) {
			missing = append(missing, "no internet-facing software update point")
		}
	case !slices.Contains(contentFeatures, feature):
	case c.Via != plan.ViaCMG:
		if !internetDP {
			missing = append(missing, "no internet-facing distribution point")
		}
	default:
		switch g := p.DefaultCMG(c); {
		case g == nil && !internetDP:
			missing = append(missing, "no cloud management gateway or internet-facing distribution point")
		case g != nil && !g.ContentEnabled && !internetDP:
			missing = append(missing, "gateway "+g.Name+" is not content-enabled and no distribution point is internet-facing")
		}
		if !p.Site.Settings.CloudDistributionPoint {
			missing = append(missing, "client setting Allow access to cloud distribution point is off")
		}
	}
	return missing
}
