package rules

import (
	"fmt"
	"strconv"

	"github.com/ibcmc/ibcmc/diag"
	"github.com/ibcmc/ibcmc/plan"
)

// Rules 7xx: supported scale of a primary site (facts §5).

const (
	clientsPerManagementPoint   = 25000
	clientsPerDistributionPoint = 4000
	managementPointsPerSite     = 15
)

func init() {
	register(&Rule{
		Code: "IB701", Name: "management-point-load", Severity: diag.Warning, Severities: "W",
		Summary: "more internet clients per internet-facing management point than one supports (25,000)",
		Explain: `What: the sum of count over via "ibcm" internet populations, divided by the number of internet-facing
management points, exceeds 25,000.
Why: one management point supports 25,000 clients. Internet clients use only internet-facing management
points, so those must carry every internet client between them.
Fix: add internet-facing management points (one per 25,000 internet clients), or move populations to a
cloud management gateway.
Reading: roaming (intranetAndInternet) populations count in full, since all of them may be on the
internet at once; a population without count counts as zero. Not evaluated when there is no
internet-facing management point (IB511 reports that).`,
		Source: "facts §5",
		Check:  checkManagementPointLoad,
	})
	register(&Rule{
		Code: "IB702", Name: "distribution-point-load", Severity: diag.Warning, Severities: "W",
		Summary: "more internet clients per internet-facing distribution point than one supports (4,000)",
		Explain: `What: the sum of count over via "ibcm" internet populations, divided by the number of internet-facing
distribution points, exceeds 4,000.
Why: one distribution point supports 4,000 clients, and internet clients download content only from
internet-facing distribution points (software updates may also come from Microsoft Update).
Fix: add internet-facing distribution points (one per 4,000 internet clients).
Reading: roaming (intranetAndInternet) populations count in full, as for IB701; a population without
count counts as zero. Not evaluated when there is no internet-facing distribution point.`,
		Source: "facts §5",
		Check:  checkDistributionPointLoad,
	})
	register(&Rule{
		Code: "IB703", Name: "too-many-management-points", Severity: diag.Error, Severities: "E",
		Summary: "more than 15 management points in the site",
		Explain: `What: the design has more than 15 management points (intranet and internet-facing alike).
Why: a primary site supports at most 15 management points.
Fix: remove management points (each supports 25,000 clients, so 15 serve the site's maximum), or split
the clients over several primary sites.
Reading: one finding, at the sixteenth management point by system name.`,
		Source: "facts §5",
		Check:  checkManagementPointCount,
	})
}

// internetIBCMClients sums count over via "ibcm" internet populations.
func internetIBCMClients(p *plan.Plan) int {
	total := 0
	for _, c := range p.Clients {
		if c.Via == "ibcm" && c.Internet() {
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

// checkLoad reports when clients spread over the systems exceed perRole each.
func checkLoad(p *plan.Plan, r *Reporter, role func(*plan.System) *plan.Role, kind string, perRole int) {
	systems := internetRoleSystems(p, role)
	if len(systems) == 0 {
		return
	}
	clients := internetIBCMClients(p)
	if clients <= perRole*len(systems) {
		return
	}
	need := (clients + perRole - 1) / perRole
	r.Warn(role(systems[0]).Path, fmt.Sprintf("add internet-facing %ss: %s clients need at least %d", kind, thousands(clients), need),
		"%s internet clients over %d internet-facing %s(s) is %s per %s; one supports %s",
		thousands(clients), len(systems), kind, thousands(clients/len(systems)), kind, thousands(perRole))
}

func checkManagementPointLoad(p *plan.Plan, r *Reporter) {
	checkLoad(p, r, mpRole, "management point", clientsPerManagementPoint)
}

func checkDistributionPointLoad(p *plan.Plan, r *Reporter) {
	checkLoad(p, r, dpRole, "distribution point", clientsPerDistributionPoint)
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
	r.Error(extra.Roles.ManagementPoint.Path, fmt.Sprintf("remove %d management points, or split the clients over several primary sites", len(mps)-managementPointsPerSite),
		"the site has %d management points (%q is the sixteenth); a primary site supports at most %d", len(mps), extra.Name, managementPointsPerSite)
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
