package rules

import (
	"regexp"
	"strings"

	"github.com/ibcmc/ibcmc/diag"
	"github.com/ibcmc/ibcmc/plan"
)

// Rules 6xx: cloud management gateways.

func init() {
	register(&Rule{
		Code: "IB601", Name: "cmg-classic-deployment", Severity: diag.Error, Severities: "E/W",
		Summary: "CMG as a cloud service (classic) can't be created from 2203; use a virtual machine scale set",
		Explain: `What: a CMG with deployment "classic". An error when site.version is 2203 or later, a warning
before.
Why: from version 2203 the console can't create a CMG as a cloud service (classic), and support for it
was removed in 2403; Azure is retiring classic cloud services. A virtual machine scale set is the
supported deployment.
Fix: set deployment: "vmss" (the default) and redeploy the gateway.`,
		Source: "facts R-DEP-05",
		Check:  checkCMGClassic,
	})
	register(&Rule{
		Code: "IB602", Name: "cmg-name", Severity: diag.Error, Severities: "E",
		Summary: "the first label of the CMG service name is not a valid deployment name",
		Explain: `What: the first label of a CMG's serviceName (the deployment name ConfigMgr extracts from the
certificate's CN) is not 3 to 24 characters of letters, digits and hyphens starting with a letter.
Why: the wizard refuses such a name, and the deployment name must also be globally unique in Azure.
Fix: choose a service name whose first label is 3-24 characters, starts with a letter, ends with a
letter or digit and has no two hyphens in a row (for example cmg.contoso.com or contoso-cmg.contoso.com),
and issue the CMG certificate for it.
Reading: besides the catalog's condition, the label must end with a letter or digit and must not contain
consecutive hyphens, as the product documentation states (facts R-CMG-04).`,
		Source: "facts R-CMG-04",
		Check:  checkCMGName,
	})
	register(&Rule{
		Code: "IB603", Name: "cmg-connection-point-missing", Severity: diag.Error, Severities: "E",
		Summary: "a CMG has no connection point, or names a system without the cmgConnectionPoint role",
		Explain: `What: a CMG whose connectionPoints is empty, or lists a system that has no cmgConnectionPoint role.
Why: the CMG connection point is the site system that connects outbound to the gateway in Azure and
forwards client requests to the management point and software update point; without one, the gateway
has no path into the site.
Fix: add the cmgConnectionPoint role to a system (roles: cmgConnectionPoint: {}) and list it in the
gateway's connectionPoints.
Reading: names that don't exist are reported by IB211, not here.`,
		Source: "facts §1.3",
		Check:  checkCMGConnectionPoints,
	})
	register(&Rule{
		Code: "IB604", Name: "cmg-connection-points-for-vms", Severity: diag.Warning, Severities: "W",
		Summary: "a CMG has fewer connection points than its VMs need, or only one",
		Explain: `What: a CMG lists fewer connection points than ceil(vms / 4), or only one.
Why: Microsoft recommends one CMG connection point for every four gateway VMs, and at least two for high
availability: with a single connection point, the gateway is down whenever that server is.
Fix: add systems with the cmgConnectionPoint role to connectionPoints.
Reading: only connection points that name a system with the cmgConnectionPoint role count, each once. A
gateway with none is IB603's error and not reported here. The finding is at connectionPoints.`,
		Source: "facts §5",
		Check:  checkCMGConnectionPointCount,
	})
	register(&Rule{
		Code: "IB605", Name: "cmg-management-point-traffic", Severity: diag.Error, Severities: "E",
		Summary: "the CMG's management point doesn't allow cloud management gateway traffic",
		Explain: `What: the system named by a CMG's managementPoint has no managementPoint role, or its management
point lacks cmgTraffic: true.
Why: the management point serves CMG clients only with "Allow Configuration Manager cloud management
gateway traffic" selected; otherwise the connection point has nothing to forward to.
Fix: set cmgTraffic: true on the management point (or name a system that is a management point).`,
		Source: "facts R-CMG-06",
		Check:  checkCMGManagementPointTraffic,
	})
	register(&Rule{
		Code: "IB606", Name: "cmg-role-id-missing", Severity: diag.Error, Severities: "E",
		Summary: "CMG clients need the management point's role ID for CCMHOSTNAME",
		Explain: `What: a via "cmg" population uses a gateway whose management point has no roleID.
Why: CMG clients address the management point as <service name>/CCM_Proxy_MutualAuth/<role ID>, in
CCMHOSTNAME and /mp:. Without the role ID ibcmc cannot write a working ccmsetup command line.
Fix: set roleID on the management point. On a client that already uses the gateway, the number follows
CCM_Proxy_MutualAuth/ in its internet management point: (Get-WmiObject -Namespace Root\Ccm\LocationServices
-Class SMS_ActiveMPCandidate | ? Type -eq "Internet").MP.
Reading: one finding per gateway, at the management point's roleID, naming the populations.`,
		Source: "facts §3.3 C",
		Check:  checkCMGRoleID,
	})
	register(&Rule{
		Code: "IB607", Name: "cmg-entra-tenant-missing", Severity: diag.Error, Severities: "E",
		Summary: "Entra ID clients use a CMG whose Entra tenant is not described",
		Explain: `What: a population with auth "entra" uses a CMG that has no tenant.
Why: Entra ID authentication through a CMG needs the site onboarded to the tenant: the tenant ID and the
client and server applications go into the client's command line (AADTENANTID, AADCLIENTAPPID,
AADRESOURCEURI) and the gateway refuses AADAuthInfo for a tenant that isn't onboarded.
Fix: add tenant: {id, clientApp, serverAppURI} to the gateway.
Reading: one finding per gateway, at its tenant, naming the populations.`,
		Source: "003",
		Check:  checkCMGTenant,
	})
	register(&Rule{
		Code: "IB608", Name: "cmg-capacity", Severity: diag.Warning, Severities: "W",
		Summary: "a CMG's populations exceed what its VMs serve",
		Explain: `What: the sum of count over the populations that use a CMG exceeds vms × the clients one VM of
its size serves: B2s 10 (lab), A2_v2 6,000 (standard), A4_v2 10,000 (large).
Why: each gateway VM serves a fixed number of concurrent clients; beyond it, clients time out.
Fix: raise vms (up to 16), pick a larger vmSize, or add another gateway.
Reading: populations without a count are not counted. The finding is at vms.`,
		Source: "facts §5",
		Check:  checkCMGCapacity,
	})
	register(&Rule{
		Code: "IB609", Name: "service-connection-point-offline", Severity: diag.Error, Severities: "E",
		Summary: "a CMG needs a service connection point in online mode",
		Explain: `What: the design has a CMG and no system has a serviceConnectionPoint in online mode.
Why: the site creates and maintains the gateway in Azure through the service connection point, which
must be online.
Fix: add a serviceConnectionPoint role (mode "online", the default) to an intranet system with internet
access, or set the existing one's mode to "online".
Reading: one finding per gateway, at the first offline service connection point's mode when there is
one, otherwise at the gateway.`,
		Source: "facts R-CMG-10",
		Check:  checkServiceConnectionPoint,
	})
}

func checkCMGClassic(p *plan.Plan, r *Reporter) {
	for _, g := range p.CMGs {
		if g.Deployment != "classic" {
			continue
		}
		path := plan.Join(g.Path, "deployment")
		const hint = `set deployment: "vmss" and redeploy the gateway`
		if p.Site.VersionAtLeast("2203") {
			r.Error(path, hint, "gateway %q is a cloud service (classic), which version %s can't create; use a virtual machine scale set",
				g.Name, p.Site.Version)
		} else {
			r.Warn(path, hint, "gateway %q is a cloud service (classic), deprecated and not creatable from 2203; use a virtual machine scale set",
				g.Name)
		}
	}
}

var cmgLabel = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9-]{1,22}[A-Za-z0-9]$`)

func checkCMGName(p *plan.Plan, r *Reporter) {
	for _, g := range p.CMGs {
		label, _, _ := strings.Cut(g.ServiceName, ".")
		if cmgLabel.MatchString(label) && !strings.Contains(label, "--") {
			continue
		}
		r.Error(plan.Join(g.Path, "serviceName"),
			"use a first label of 3-24 letters, digits and single hyphens that starts with a letter and ends with a letter or digit",
			"gateway %q: %q, the first label of serviceName, is not a valid CMG deployment name", g.Name, label)
	}
}

func checkCMGConnectionPoints(p *plan.Plan, r *Reporter) {
	for _, g := range p.CMGs {
		path := plan.Join(g.Path, "connectionPoints")
		if len(g.ConnectionPoints) == 0 {
			r.Error(path, "add a system with the cmgConnectionPoint role to connectionPoints",
				"gateway %q has no connection point", g.Name)
			continue
		}
		for i, name := range g.ConnectionPoints {
			s := p.System(name)
			if s == nil || s.Roles.CMGConnectionPoint != nil {
				continue
			}
			r.Error(plan.Index(path, i), "give the system the cmgConnectionPoint role, or list a system that has it",
				"gateway %q lists connection point %q, which has no cmgConnectionPoint role", g.Name, name)
		}
	}
}

func checkCMGConnectionPointCount(p *plan.Plan, r *Reporter) {
	for _, g := range p.CMGs {
		seen := map[string]bool{}
		for _, name := range g.ConnectionPoints {
			if s := p.System(name); s != nil && s.Roles.CMGConnectionPoint != nil {
				seen[name] = true
			}
		}
		n := len(seen)
		need := (g.VMs + 3) / 4
		if n == 0 {
			continue // IB603
		}
		path := plan.Join(g.Path, "connectionPoints")
		switch {
		case n < need:
			r.Warn(path, "add connection points: one for every four gateway VMs, at least two",
				"gateway %q has %d VMs and %d connection point(s); it needs at least %d (one per four VMs)", g.Name, g.VMs, n, need)
		case n == 1:
			r.Warn(path, "add a second connection point on another server for redundancy",
				"gateway %q has a single connection point: no redundancy when that server is down", g.Name)
		}
	}
}

// cmgManagementPoint returns the management point role of a gateway's management point system, and the
// system; either may be nil.
func cmgManagementPoint(p *plan.Plan, g *plan.CMG) (*plan.System, *plan.ManagementPoint) {
	s := p.System(g.ManagementPoint)
	if s == nil {
		return nil, nil
	}
	return s, s.Roles.ManagementPoint
}

func checkCMGManagementPointTraffic(p *plan.Plan, r *Reporter) {
	for _, g := range p.CMGs {
		s, mp := cmgManagementPoint(p, g)
		switch {
		case s == nil:
			// IB211
		case mp == nil:
			r.Error(plan.Join(g.Path, "managementPoint"), "name a system with a managementPoint role that has cmgTraffic: true",
				"gateway %q names %q as its management point, but that system has no managementPoint role", g.Name, s.Name)
		case !mp.CMGTraffic:
			r.Error(plan.Join(mp.Path, "cmgTraffic"), "set cmgTraffic: true on the management point",
				"management point %q of gateway %q does not allow cloud management gateway traffic", s.Name, g.Name)
		}
	}
}

// populationsByCMG returns, per gateway name, the populations (any auth) that reach the site through it.
func populationsByCMG(p *plan.Plan) map[string][]*plan.Population {
	out := map[string][]*plan.Population{}
	for _, c := range p.Clients {
		if c.Via != "cmg" {
			continue
		}
		if g := p.DefaultCMG(c); g != nil {
			out[g.Name] = append(out[g.Name], c)
		}
	}
	return out
}

func populationNames(pops []*plan.Population) []string {
	out := make([]string, len(pops))
	for i, c := range pops {
		out[i] = c.Name
	}
	return out
}

func checkCMGRoleID(p *plan.Plan, r *Reporter) {
	pops := populationsByCMG(p)
	for _, g := range p.CMGs {
		s, mp := cmgManagementPoint(p, g)
		if mp == nil || mp.RoleID != 0 || len(pops[g.Name]) == 0 {
			continue
		}
		r.Error(plan.Join(mp.Path, "roleID"), "set roleID to the management point's role ID, the number after CCM_Proxy_MutualAuth/ in a CMG client's internet MP",
			"management point %q of gateway %q has no roleID; populations %s need it for CCMHOSTNAME and /mp:",
			s.Name, g.Name, quoteList(populationNames(pops[g.Name])))
	}
}

func checkCMGTenant(p *plan.Plan, r *Reporter) {
	pops := populationsByCMG(p)
	for _, g := range p.CMGs {
		if g.Tenant != nil {
			continue
		}
		var entra []string
		for _, c := range pops[g.Name] {
			if c.Auth == "entra" {
				entra = append(entra, c.Name)
			}
		}
		if len(entra) == 0 {
			continue
		}
		r.Error(plan.Join(g.Path, "tenant"), "add tenant: {id, clientApp, serverAppURI} to the gateway",
			"gateway %q has no Entra tenant, but populations %s authenticate with Entra ID", g.Name, quoteList(entra))
	}
}

// clientsPerCMGVM is how many concurrent clients one gateway VM of each size serves.
var clientsPerCMGVM = map[string]int{"B2s": 10, "A2_v2": 6000, "A4_v2": 10000}

func checkCMGCapacity(p *plan.Plan, r *Reporter) {
	pops := populationsByCMG(p)
	for _, g := range p.CMGs {
		perVM, ok := clientsPerCMGVM[g.VMSize]
		if !ok {
			continue
		}
		total := 0
		for _, c := range pops[g.Name] {
			total += c.Count
		}
		if capacity := g.VMs * perVM; total > capacity {
			r.Warn(plan.Join(g.Path, "vms"), "raise vms (up to 16), choose a larger vmSize, or add a gateway",
				"gateway %q serves %d clients (%s) but %d %s VM(s) serve %d", g.Name, total,
				quoteList(populationNames(pops[g.Name])), g.VMs, g.VMSize, capacity)
		}
	}
}

func checkServiceConnectionPoint(p *plan.Plan, r *Reporter) {
	if len(p.CMGs) == 0 {
		return
	}
	var offline *plan.ServiceConnectionPoint
	var offlineSystem string
	for _, s := range p.Systems {
		scp := s.Roles.ServiceConnectionPoint
		if scp == nil {
			continue
		}
		if scp.Mode == "online" {
			return
		}
		if offline == nil {
			offline, offlineSystem = scp, s.Name
		}
	}
	for _, g := range p.CMGs {
		if offline != nil {
			r.Error(plan.Join(offline.Path, "mode"), `set the service connection point's mode to "online"`,
				"gateway %q needs a service connection point in online mode; the one on %q is offline", g.Name, offlineSystem)
		} else {
			r.Error(g.Path, `add a serviceConnectionPoint role in online mode to a system`,
				"gateway %q needs a service connection point in online mode; the design has none", g.Name)
		}
	}
}
