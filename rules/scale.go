package rules

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/ibcmc/ibcmc/learn"
	"github.com/ibcmc/ibcmc/plan"
)

// Rules 7xx: supported scale of a site and its roles (Microsoft's size and scale numbers).

const (
	clientsPerManagementPoint   = 25000
	clientsPerDistributionPoint = 4000
	managementPointsPerSite     = 15
	// A software update point whose WSUS shares the server with another role serves 25,000 clients; a
	// dedicated or remote WSUS, tuned as Microsoft describes, 150,000.
	clientsPerSharedSUP    = 25000
	clientsPerDedicatedSUP = 150000
	clientsPerPrimary      = 175000
	windowsPerPrimary      = 150000
	clientsPerSecondary    = 15000
	clientsPerFSP          = 100000
)

var scaleRules = []*Rule{
	{
		Code: "IB701", Name: "management-point-load", Severities: "W",
		Summary: "more internet clients on a management point than one supports (25,000)",
		Explain: `What: the internet clients a management point serves exceed 25,000. They are the via "ibcm"
internet populations divided over the internet-facing management points, plus the populations of each
CMG whose management point it is.
Why: one management point supports 25,000 clients, and its sizing doesn't change whether it serves
on-premises or internet-based clients: a management point enabled for CMG traffic serves the gateway's
clients as any others. Internet clients use only internet-facing management points, so those must
carry every IBCM internet client between them.
Fix: add internet-facing management points (one per 25,000 IBCM internet clients), or spread CMG
clients over another gateway with its own management point.
Reading: roaming (intranetAndInternet) populations count in full, since all of them may be on the
internet at once; a population without count counts as zero; intranet clients are not counted, as the
design doesn't say which management point they use. IBCM clients are not counted when there is no
internet-facing management point (IB511 reports that). One finding per overloaded management point, at
its managementPoint role.`,
		Source: learn.SizeAndScale,
		Check:  checkManagementPointLoad,
	},
	{
		Code: "IB702", Name: "distribution-point-load", Severities: "W",
		Summary: "more internet clients per internet-facing distribution point than one supports (4,000)",
		Explain: `What: the internet clients that download content from internet-facing distribution points,
divided by the number of those distribution points, exceed 4,000. They are the via "ibcm" internet
populations and the populations of CMGs that don't serve content (contentEnabled: false).
Why: one distribution point supports 4,000 clients, and internet clients download content only from
internet-facing distribution points or from a content-enabled CMG (software updates also come from
Microsoft Update).
Fix: add internet-facing distribution points (one per 4,000 internet clients), or enable content on
the gateway.
Reading: clients of a content-enabled CMG are left out: their content comes from the gateway. Roaming
(intranetAndInternet) populations count in full, as for IB701; a population without count counts as
zero. Not evaluated when there is no internet-facing distribution point. The finding is at the first
internet-facing distribution point.`,
		Source: learn.SizeAndScale,
		Check:  checkDistributionPointLoad,
	},
	{
		Code: "IB703", Name: "too-many-management-points", Severities: "E",
		Summary: "more than 15 management points in the site",
		Explain: `What: the design has more than 15 management points (intranet and internet-facing alike).
Why: a primary site supports at most 15 management points.
Fix: remove management points (each supports 25,000 clients, so 15 serve the site's maximum), or split
the clients over several primary sites.
Reading: one finding, at the sixteenth management point by system name.`,
		Source: learn.SizeAndScale,
		Check:  checkManagementPointCount,
	},
	{
		Code: "IB704", Name: "software-update-point-load", Severities: "W",
		Summary: "more internet clients on a software update point than one supports",
		Explain: `What: the internet clients a software update point serves exceed 25,000 when its WSUS shares the
server with another site system role, or 150,000 otherwise. They are the via "ibcm" internet
populations that list softwareUpdates, divided over the internet-facing software update points, plus
the via "cmg" populations that list softwareUpdates, divided over the software update points with
cmgTraffic: true.
Why: Microsoft: "The software update point can support up to 25,000 clients when WSUS runs on the
software update point server, and the software update point coexists with another site system role",
and up to 150,000 when a remote server meets the WSUS requirements and WSUS is tuned for it.
Fix: add software update points for internet clients, or move the other roles (or the site server and
site database) off the software update point's server.
Reading: a software update point shares its server when its systems entry has another role or the
server is the site server or the site database server (same intranet FQDN); WSUS is assumed to run on
the software update point's server. Only populations that list softwareUpdates scan for updates; a
population without count counts as zero. One finding per overloaded software update point, at its
softwareUpdatePoint role.`,
		Source: learn.SizeAndScale,
		Check:  checkSoftwareUpdatePointLoad,
	},
	{
		Code: "IB705", Name: "site-client-total", Severities: "W",
		Summary: "more clients than the site or a fallback status point supports",
		Explain: `What: the sum of count over all populations exceeds what the site supports: for a primary site
175,000 clients and devices, of which at most 150,000 Windows clients; for a secondary site 15,000.
Or the populations that name a fallback status point exceed 100,000 for it.
Why: these are Microsoft's supported numbers: a stand-alone primary site supports 175,000 total clients
and devices, not to exceed 150,000 Windows clients; a secondary site 15,000 Windows clients; each
fallback status point up to 100,000 clients.
Fix: split the clients over several primary sites (under a central administration site), or add
fallback status points and spread the populations over them.
Reading: a primary site counts as stand-alone (the design doesn't describe a central administration
site above it; a child primary supports 150,000 in total). Intranet populations count too; a population
without count counts as zero. Findings are at clients for the site, and at the fallbackStatusPoint role
for a fallback status point.`,
		Source: learn.SizeAndScale,
		Check:  checkSiteClientTotal,
	},
}

// internetIBCMClients sums count over via "ibcm" internet populations.
func internetIBCMClients(p *plan.Plan) int {
	total := 0
	for _, c := range p.Clients {
		if c.Via == plan.ViaIBCM && c.Internet() {
			total += c.Count
		}
	}
	return total
}

// internetRoleSystems returns the systems whose role (picked by role) exists and allows internet clients.
func internetRoleSystems(p *plan.Plan, role func(*plan.System) *plan.Role) []*plan.System {
	var out []*plan.System
	for _, s := range p.Systems {
		if r := role(s); r != nil && plan.AllowsInternet(r.Allow) {
			out = append(out, s)
		}
	}
	return out
}

func mpRole(s *plan.System) *plan.Role {
	if s.Roles.ManagementPoint == nil {
		return nil
	}
	return &s.Roles.ManagementPoint.Role
}

func dpRole(s *plan.System) *plan.Role {
	if s.Roles.DistributionPoint == nil {
		return nil
	}
	return &s.Roles.DistributionPoint.Role
}

func supRole(s *plan.System) *plan.Role {
	if s.Roles.SoftwareUpdatePoint == nil {
		return nil
	}
	return &s.Roles.SoftwareUpdatePoint.Role
}

// spreadOver describes one server's share of clients spread evenly over n servers of a kind.
func spreadOver(share float64, total, n int, clients, servers string) string {
	if n == 1 {
		return thousands(total) + " " + clients
	}
	return fmt.Sprintf("%s of %s %s spread over %d %s", roundUp(share), thousands(total), clients, n, servers)
}

// joinAnd joins words as a sentence does: "a", "a and b", "a, b and c".
func joinAnd(words []string) string {
	if len(words) <= 1 {
		return strings.Join(words, "")
	}
	return strings.Join(words[:len(words)-1], ", ") + " and " + words[len(words)-1]
}

// roundUp spells a share of clients, rounded up so that a share over a limit never prints as the limit.
func roundUp(x float64) string { return thousands(int(math.Ceil(x))) }

func checkManagementPointLoad(p *plan.Plan, r *Reporter) {
	load := map[string]float64{}
	parts := map[string][]string{}
	if mps := internetRoleSystems(p, mpRole); len(mps) > 0 {
		if ibcm := internetIBCMClients(p); ibcm > 0 {
			share := float64(ibcm) / float64(len(mps))
			for _, s := range mps {
				load[s.Name] += share
				parts[s.Name] = append(parts[s.Name], spreadOver(share, ibcm, len(mps), "IBCM internet clients", "internet-facing management points"))
			}
		}
	}
	pops := populationsByCMG(p)
	for _, g := range p.CMGs {
		s, mp := cmgManagementPoint(p, g)
		n := cmgClients(pops[g.Name])
		if mp == nil || n == 0 {
			continue
		}
		load[s.Name] += float64(n)
		parts[s.Name] = append(parts[s.Name], fmt.Sprintf("%s CMG clients through gateway %q", thousands(n), g.Name))
	}
	for _, s := range p.Systems {
		if load[s.Name] <= clientsPerManagementPoint {
			continue
		}
		r.Warn(s.Roles.ManagementPoint.Path,
			"add internet-facing management points for IBCM clients, or another gateway with its own management point for CMG clients",
			"management point %q serves %s internet clients (%s); one supports %s",
			s.Name, roundUp(load[s.Name]), strings.Join(parts[s.Name], ", "), thousands(clientsPerManagementPoint))
	}
}

func checkDistributionPointLoad(p *plan.Plan, r *Reporter) {
	dps := internetRoleSystems(p, dpRole)
	if len(dps) == 0 {
		return
	}
	clients := internetIBCMClients(p)
	pops := populationsByCMG(p)
	viaCMG := 0
	for _, g := range p.CMGs {
		if !g.ContentEnabled {
			viaCMG += cmgClients(pops[g.Name])
		}
	}
	clients += viaCMG
	if clients <= clientsPerDistributionPoint*len(dps) {
		return
	}
	of := ""
	if viaCMG > 0 {
		of = fmt.Sprintf(" (%s of them through gateways that don't serve content)", thousands(viaCMG))
	}
	need := (clients + clientsPerDistributionPoint - 1) / clientsPerDistributionPoint
	r.Warn(dps[0].Roles.DistributionPoint.Path,
		fmt.Sprintf("add internet-facing distribution points: %s clients need at least %d", thousands(clients), need),
		"%s internet clients%s over %d internet-facing distribution point(s) is %s per distribution point; one supports %s",
		thousands(clients), of, len(dps), roundUp(float64(clients)/float64(len(dps))), thousands(clientsPerDistributionPoint))
}

func checkManagementPointCount(p *plan.Plan, r *Reporter) {
	var mps []*plan.System
	for _, s := range p.Systems {
		if s.Roles.ManagementPoint != nil {
			mps = append(mps, s)
		}
	}
	if len(mps) <= managementPointsPerSite {
		return
	}
	extra := mps[managementPointsPerSite]
	r.Error(extra.Roles.ManagementPoint.Path, fmt.Sprintf("remove %d management point(s), or split the clients over several primary sites", len(mps)-managementPointsPerSite),
		"the site has %d management points (%q is the sixteenth); a primary site supports at most %d", len(mps), extra.Name, managementPointsPerSite)
}

// sharedWith names what a system shares its server with: its other roles, and the site server or site
// database server when it is that machine. Empty when the role has the server to itself.
func sharedWith(p *plan.Plan, s *plan.System, kind string) []string {
	var out []string
	for _, role := range s.Roles.List() {
		if role.Kind != kind {
			out = append(out, role.Kind)
		}
	}
	if s.IntranetFQDN != "" {
		if strings.EqualFold(s.IntranetFQDN, p.Site.Server) {
			out = append(out, "the site server")
		}
		if strings.EqualFold(s.IntranetFQDN, p.Site.Database.Server) {
			out = append(out, "the site database")
		}
	}
	return out
}

func checkSoftwareUpdatePointLoad(p *plan.Plan, r *Reporter) {
	var ibcm, cmg int
	for _, c := range p.Clients {
		if !c.HasFeature(plan.FeatureSoftwareUpdates) {
			continue
		}
		switch {
		case c.Via == plan.ViaCMG:
			cmg += c.Count
		case c.Via == plan.ViaIBCM && c.Internet():
			ibcm += c.Count
		}
	}
	internetSUPs := internetRoleSystems(p, supRole)
	var cmgSUPs []*plan.System
	for _, s := range p.Systems {
		if sup := s.Roles.SoftwareUpdatePoint; sup != nil && sup.CMGTraffic {
			cmgSUPs = append(cmgSUPs, s)
		}
	}
	load := map[string]float64{}
	parts := map[string][]string{}
	if ibcm > 0 {
		for _, s := range internetSUPs {
			share := float64(ibcm) / float64(len(internetSUPs))
			load[s.Name] += share
			parts[s.Name] = append(parts[s.Name], spreadOver(share, ibcm, len(internetSUPs), "IBCM internet clients", "internet-facing software update points"))
		}
	}
	if cmg > 0 {
		for _, s := range cmgSUPs {
			share := float64(cmg) / float64(len(cmgSUPs))
			load[s.Name] += share
			parts[s.Name] = append(parts[s.Name], spreadOver(share, cmg, len(cmgSUPs), "CMG clients", "software update points that allow CMG traffic"))
		}
	}
	for _, s := range p.Systems {
		if s.Roles.SoftwareUpdatePoint == nil {
			continue
		}
		shared := sharedWith(p, s, plan.RoleSoftwareUpdatePoint)
		limit, why := clientsPerDedicatedSUP, "at most, with WSUS on a server that meets its requirements and tuned for that load"
		if len(shared) > 0 {
			limit, why = clientsPerSharedSUP, "while WSUS shares the server with "+joinAnd(shared)
		}
		if load[s.Name] <= float64(limit) {
			continue
		}
		hint := "add software update points for internet clients"
		if len(shared) > 0 {
			hint += ", or move the other roles off this server (up to 150,000 with a dedicated, tuned WSUS)"
		}
		r.Warn(s.Roles.SoftwareUpdatePoint.Path, hint,
			"software update point %q serves %s internet clients (%s); it supports %s %s",
			s.Name, roundUp(load[s.Name]), strings.Join(parts[s.Name], ", "), thousands(limit), why)
	}
}

func checkSiteClientTotal(p *plan.Plan, r *Reporter) {
	var total, windows int
	perFSP := map[string]int{}
	for _, c := range p.Clients {
		total += c.Count
		if c.Platform == plan.PlatformWindows {
			windows += c.Count
		}
		if c.Install.FallbackStatusPoint != "" {
			perFSP[c.Install.FallbackStatusPoint] += c.Count
		}
	}
	const split = "split the clients over several primary sites under a central administration site"
	switch p.Site.Type {
	case plan.SitePrimary:
		if windows > windowsPerPrimary {
			r.Warn("clients", split,
				"the populations hold %s Windows clients; a primary site supports at most %s", thousands(windows), thousands(windowsPerPrimary))
		}
		if total > clientsPerPrimary {
			r.Warn("clients", split,
				"the populations hold %s clients and devices; a primary site supports at most %s", thousands(total), thousands(clientsPerPrimary))
		}
	case plan.SiteSecondary:
		if total > clientsPerSecondary {
			r.Warn("clients", "assign the clients to a primary site",
				"the populations hold %s clients; a secondary site supports at most %s", thousands(total), thousands(clientsPerSecondary))
		}
	}
	for _, s := range p.Systems {
		fsp := s.Roles.FallbackStatusPoint
		if fsp == nil || perFSP[s.Name] <= clientsPerFSP {
			continue
		}
		r.Warn(fsp.Path, "add fallback status points and spread the populations' install.fallbackStatusPoint over them",
			"fallback status point %q serves %s clients; one supports up to %s", s.Name, thousands(perFSP[s.Name]), thousands(clientsPerFSP))
	}
}

// thousands spells a count with comma separators, as Microsoft's sizing tables do.
func thousands(n int) string {
	if n < 0 {
		return "-" + thousands(-n)
	}
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
