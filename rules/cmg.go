package rules

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/ibcmc/ibcmc/learn"
	"github.com/ibcmc/ibcmc/plan"
)

// Rules 6xx: cloud management gateways.

var cmgRules = []*Rule{
	{
		Code: "IB601", Name: "cmg-classic-deployment", Severities: "W/E",
		Summary: "CMG as a cloud service (classic) can't be created from 2203; use a virtual machine scale set",
		Explain: `What: a CMG with deployment "classic". An error when site.version is 2203 or later, a warning
before.
Why: from version 2203 the console can't create a CMG as a cloud service (classic), and support for it
was removed in 2403; Azure is retiring classic cloud services. A virtual machine scale set is the
supported deployment.
Fix: set deployment: "vmss" (the default) and redeploy the gateway.`,
		Source: learn.Deprecated,
		Check:  checkCMGClassic,
	},
	{
		Code: "IB602", Name: "cmg-name", Severities: "E",
		Summary: "the first label of the CMG service name can't name the gateway's Azure resources",
		Explain: `What: the first label of a CMG's serviceName (the deployment name prefix Configuration Manager
extracts from the certificate's CN) is not 3 to 24 letters, digits and hyphens that start with a
letter, end with a letter or digit and have no two hyphens in a row. For a content-enabled CMG (the
default) it must moreover be 3 to 24 letters and digits only: no hyphen. And the whole serviceName
must fit the certificate's CN: at most 64 characters.
Why: the prefix names the gateway's Azure resources. A virtual machine scale set deployment creates a
key vault with the same name, and key vault names follow the first rule. A content-enabled CMG also
creates a storage account from it, and Microsoft states: "The DNS name prefix should be 3 to 24
characters long, and contain numbers and lowercase letters only. Don't use special characters, like a
dash (-)." If the storage account can't be created, Configuration Manager fails to provision the service.
The CMG takes its service name from the CN of its server certificate, and a CN holds at most 64
characters (certificate requests with a longer one are refused).
Fix: choose a service name whose first label fits (for example granitefalls.contoso.com for a
content-enabled CMG), make sure it is globally unique in Azure, and issue the CMG certificate for it.
Reading: Microsoft's text asks for "lowercase letters", but its own example names the service
GraniteFalls.contoso.com and tests the storage account name granitefalls: the prefix of a DNS name is
case-insensitive, so ibcmc accepts capitals and refuses only characters other than letters and digits.
One finding per gateway, at serviceName.`,
		Source: learn.CMGServerCert,
		Check:  checkCMGName,
	},
	{
		Code: "IB603", Name: "cmg-connection-point-missing", Severities: "E",
		Summary: "a CMG has no connection point, or names a system without the cmgConnectionPoint role",
		Explain: `What: a CMG whose connectionPoints is empty, or lists a system that has no cmgConnectionPoint role.
Why: the CMG connection point is the site system that connects outbound to the gateway in Azure and
forwards client requests to the management point and software update point; without one, the gateway
has no path into the site.
Fix: add the cmgConnectionPoint role to a system (roles: cmgConnectionPoint: {}) and list it in the
gateway's connectionPoints.
Reading: names that don't exist are reported by IB211, not here.`,
		Source: learn.CMGPlan,
		Check:  checkCMGConnectionPoints,
	},
	{
		Code: "IB604", Name: "cmg-connection-points-for-vms", Severities: "W",
		Summary: "a CMG has fewer connection points than its VMs need, or only one",
		Explain: `What: a CMG lists fewer connection points than ceil(vms / 4), or only one.
Why: Microsoft recommends one CMG connection point for every four gateway VMs, and at least two for high
availability: with a single connection point, the gateway is down whenever that server is.
Fix: add systems with the cmgConnectionPoint role to connectionPoints.
Reading: only connection points that name a system with the cmgConnectionPoint role count, each once. A
gateway with none is IB603's error and not reported here. The finding is at connectionPoints.`,
		Source: learn.CMGPerfScale,
		Check:  checkCMGConnectionPointCount,
	},
	{
		Code: "IB605", Name: "cmg-management-point-traffic", Severities: "E",
		Summary: "the CMG's management point doesn't allow cloud management gateway traffic",
		Explain: `What: the system named by a CMG's managementPoint has no managementPoint role, or its management
point lacks cmgTraffic: true.
Why: the management point serves CMG clients only with "Allow Configuration Manager cloud management
gateway traffic" selected; otherwise the connection point has nothing to forward to.
Fix: set cmgTraffic: true on the management point (or name a system that is a management point).`,
		Source: learn.CMGSetup,
		Check:  checkCMGManagementPointTraffic,
	},
	{
		Code: "IB606", Name: "cmg-role-id-missing", Severities: "E",
		Summary: "CMG clients need the management point's role ID for CCMHOSTNAME",
		Explain: `What: a via "cmg" population uses a gateway whose management point has no roleID.
Why: CMG clients address the management point as <service name>/CCM_Proxy_MutualAuth/<role ID>, in
CCMHOSTNAME and /mp:. Without the role ID ibcmc cannot write a working ccmsetup command line.
Fix: set roleID on the management point. On a client that already uses the gateway, the number follows
CCM_Proxy_MutualAuth/ in its internet management point: (Get-WmiObject -Namespace Root\Ccm\LocationServices
-Class SMS_ActiveMPCandidate | ? Type -eq "Internet").MP.
Reading: one finding per gateway, at the management point's roleID, naming the populations.`,
		Source: learn.ClientInstallProperties,
		Check:  checkCMGRoleID,
	},
	{
		Code: "IB607", Name: "cmg-entra-tenant-missing", Severities: "E",
		Summary: "a CMG has no Entra tenant: every CMG is deployed through the site's Entra ID integration",
		Explain: `What: a CMG without tenant, whatever the authentication of its clients.
Why: Configuration Manager deploys the CMG with Azure Resource Manager, which requires the site to be
integrated with Microsoft Entra ID (the Cloud Management app); the wizard fills in the subscription and
applications from that integration. Without it, the gateway can't be created, even for PKI or token
clients. Entra ID clients also need the tenant ID and applications on their command line
(AADTENANTID, AADCLIENTAPPID, AADRESOURCEURI).
Fix: onboard the site to the tenant and add tenant: {id, clientApp, serverAppURI} to the gateway.
Reading: one finding per gateway, at its tenant, naming the populations that authenticate with Entra ID
when there are any.
See also: ` + learn.CMGSetup,
		Source: learn.CMGPlan,
		Check:  checkCMGTenant,
	},
	{
		Code: "IB608", Name: "cmg-capacity", Severities: "W",
		Summary: "a CMG's populations exceed what its VMs serve",
		Explain: `What: the sum of count over the populations that use a CMG exceeds vms × the clients one VM of
its size serves: B2s 10 (lab), A2_v2 6,000 (standard), A4_v2 10,000 (large). A virtual machine scale
set CMG at site.version 2010 or 2103 serves 2,000 per VM, whatever its size.
Why: each gateway VM serves a fixed number of concurrent clients; beyond it, clients time out.
Fix: raise vms (up to 16), pick a larger vmSize (from version 2107), or add another gateway.
Reading: every client of the populations counts as concurrent; populations without a count are not
counted. The finding is at vms.
See also: ` + learn.CMGPlan,
		Source: learn.CMGPerfScale,
		Check:  checkCMGCapacity,
	},
	{
		Code: "IB609", Name: "service-connection-point-offline", Severities: "E",
		Summary: "a CMG needs a service connection point in online mode",
		Explain: `What: the design has a CMG and no system has a serviceConnectionPoint in online mode.
Why: the site creates and maintains the gateway in Azure through the service connection point, which
must be online.
Fix: add a serviceConnectionPoint role (mode "online", the default) to an intranet system with internet
access, or set the existing one's mode to "online".
Reading: one finding per gateway, at the first offline service connection point's mode when there is
one, otherwise at the gateway.`,
		Source: learn.CMGPlan,
		Check:  checkServiceConnectionPoint,
	},
	{
		Code: "IB610", Name: "cmg-lab-size-in-production", Severities: "W",
		Summary: "a production CMG uses the Lab (B2s) VM size",
		Explain: `What: a CMG with vmSize "B2s" while site.environment is "production".
Why: the Lab (B2s) size is only intended for lab testing and small proof-of-concept environments; it
serves about 10 clients per VM and Microsoft states that B2s VMs aren't intended for production use
with the CMG.
Fix: set vmSize: "A2_v2" (Standard, the default) or "A4_v2" (Large), or set site.environment: "lab" if
the design is a lab.
Reading: the finding is at the gateway's vmSize.`,
		Source: learn.CMGSetup,
		Check:  checkCMGLabSize,
	},
	{
		Code: "IB611", Name: "cmg-connection-point-port-pool", Severities: "W",
		Summary: "more clients per CMG connection point than Windows' default dynamic port range holds (16,384)",
		Explain: `What: the clients of a CMG (the sum of count over its populations), divided over its connection
points, exceed 16,384 per connection point.
Why: a CMG connection point holds one TCP connection to the management point for each client, from
Windows' dynamic port range, which has 16,384 ports by default. Microsoft: "If a Configuration Manager
site manages more than 16,384 clients with a single CMG connection point, add another site system or
increase the Windows Server limit."
Fix: add connection points (systems with the cmgConnectionPoint role in connectionPoints), or enlarge
the dynamic port range on the connection point servers (netsh int ipv4 set dynamicport tcp).
Reading: only connection points that name a system with the cmgConnectionPoint role count, each once;
clients are assumed to spread evenly, as the gateway balances them. A gateway without one is IB603's.
The finding is at connectionPoints.`,
		Source: learn.CMGPerfScale,
		Check:  checkCMGConnectionPointPorts,
	},
	{
		Code: "IB612", Name: "cmg-early-vmss-limits", Severities: "E",
		Summary: "a scale-set CMG at version 2010 or 2103 breaks one of that version's limitations",
		Explain: `What: a CMG with deployment "vmss" at site.version 2010 or 2103 when the site is not a primary
site; or when some population of the gateway is installed from the internet while the site has more
than one HTTPS management point or the gateway has contentEnabled: false.
Why: with versions 2010 and 2103 a CMG deployed as a virtual machine scale set is only supported with a
standalone primary site, and: "If you have more than one HTTPS management point, then you can't install
the Configuration Manager client on devices over the internet. If you need to install off-premises
clients using a CMG, then you can only have one HTTPS management point. You also need to enable the
CMG for content."
Fix: update the site to version 2107 or later, which lifts these limitations; or keep one HTTPS
management point and set contentEnabled: true; or install the clients on the intranet or over VPN.
Reading: the design doesn't say whether a primary site has a central administration site above it, so
a primary site counts as standalone. Microsoft ties the management point and content limitations to
installing clients over the internet through the CMG, so they apply only when a population of the
gateway has install.from "internet". One finding per broken limitation: at site.type, at the second
HTTPS management point's connections, or at the gateway's contentEnabled.`,
		Source: learn.CMGPlan,
		Check:  checkCMGEarlyVMSS,
	},
}

func checkCMGClassic(p *plan.Plan, r *Reporter) {
	for _, g := range p.CMGs {
		if g.Deployment != plan.DeploymentClassic {
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

var (
	// cmgLabel is the deployment name rule: a scale set deployment creates a key vault of the same name.
	cmgLabel = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9-]{1,22}[A-Za-z0-9]$`)
	// cmgStorageLabel is the rule for a content-enabled CMG, whose prefix also names an Azure storage
	// account (lower-cased, as in Microsoft's GraniteFalls example); the leading letter comes from the
	// deployment name rule.
	cmgStorageLabel = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9]{2,23}$`)
)

func checkCMGName(p *plan.Plan, r *Reporter) {
	for _, g := range p.CMGs {
		label, _, _ := strings.Cut(g.ServiceName, ".")
		path := plan.Join(g.Path, "serviceName")
		switch {
		case len(g.ServiceName) > 64:
			r.Error(path, "use a service name of at most 64 characters",
				"gateway %q: serviceName is %d characters long, but it is the CN of the gateway's server certificate, which holds at most 64", g.Name, len(g.ServiceName))
		case !cmgLabel.MatchString(label) || strings.Contains(label, "--"):
			r.Error(path,
				"use a first label of 3-24 letters, digits and single hyphens that starts with a letter and ends with a letter or digit",
				"gateway %q: %q, the first label of serviceName, is not a valid CMG deployment name", g.Name, label)
		case g.ContentEnabled && !cmgStorageLabel.MatchString(label):
			r.Error(path,
				"use a first label of 3-24 letters and digits only (no hyphen), starting with a letter, for example granitefalls",
				"gateway %q is content-enabled, so %q, the first label of serviceName, also names its Azure storage account, which allows only 3-24 letters and digits", g.Name, label)
		}
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
		n := connectionPointCount(p, g)
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
		if c.Via != plan.ViaCMG {
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
			if c.Auth == plan.AuthEntra {
				entra = append(entra, c.Name)
			}
		}
		const hint = "onboard the site to Microsoft Entra ID and add tenant: {id, clientApp, serverAppURI} to the gateway"
		if len(entra) == 0 {
			r.Error(plan.Join(g.Path, "tenant"), hint,
				"gateway %q has no Entra tenant: a CMG is deployed through the site's Microsoft Entra ID integration, whatever its clients' authentication", g.Name)
			continue
		}
		r.Error(plan.Join(g.Path, "tenant"), hint,
			"gateway %q has no Entra tenant: a CMG is deployed through the site's Microsoft Entra ID integration, and populations %s authenticate with Entra ID", g.Name, quoteList(entra))
	}
}

// clientsPerCMGVM is how many concurrent clients one gateway VM of each size serves.
var clientsPerCMGVM = map[plan.VMSize]int{plan.VMSizeB2s: 10, plan.VMSizeA2v2: 6000, plan.VMSizeA4v2: 10000}

// clientsPerEarlyVMSSVM is what one VM of a scale set CMG serves at versions 2010 and 2103, before the
// VM sizes were offered.
const clientsPerEarlyVMSSVM = 2000

// earlyVMSS reports whether the gateway is a virtual machine scale set at version 2010 or 2103, the two
// releases with the first scale set limitations (2107 lifted them).
func earlyVMSS(p *plan.Plan, g *plan.CMG) bool {
	return g.Deployment == plan.DeploymentVMSS && p.Site.VersionAtLeast("2010") && !p.Site.VersionAtLeast("2107")
}

// cmgClients sums count over the populations that use the gateway.
func cmgClients(pops []*plan.Population) int {
	total := 0
	for _, c := range pops {
		total += c.Count
	}
	return total
}

func checkCMGCapacity(p *plan.Plan, r *Reporter) {
	pops := populationsByCMG(p)
	for _, g := range p.CMGs {
		perVM, ok := clientsPerCMGVM[g.VMSize]
		if !ok {
			continue
		}
		what := string(g.VMSize) + " VM(s)"
		hint := "raise vms (up to 16), choose a larger vmSize, or add a gateway"
		if earlyVMSS(p, g) {
			perVM = clientsPerEarlyVMSSVM
			what = fmt.Sprintf("scale set VM(s) at version %s (2,000 each)", p.Site.Version)
			hint = "raise vms (up to 16), add a gateway, or update the site to 2107 or later for larger VM sizes"
		}
		total := cmgClients(pops[g.Name])
		if capacity := g.VMs * perVM; total > capacity {
			r.Warn(plan.Join(g.Path, "vms"), hint,
				"gateway %q serves %s clients (%s) but %d %s serve %s", g.Name, thousands(total),
				quoteList(populationNames(pops[g.Name])), g.VMs, what, thousands(capacity))
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
		if scp.Mode == plan.SCPOnline {
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

func checkCMGLabSize(p *plan.Plan, r *Reporter) {
	if p.Site.Environment != plan.EnvironmentProduction {
		return
	}
	for _, g := range p.CMGs {
		if g.VMSize == plan.VMSizeB2s {
			r.Warn(plan.Join(g.Path, "vmSize"), `set vmSize: "A2_v2" (Standard) or "A4_v2" (Large), or site.environment: "lab"`,
				"gateway %q uses the Lab (B2s) VM size in a production site; B2s VMs are only for lab tests and small proofs of concept", g.Name)
		}
	}
}

// clientsPerConnectionPoint is Windows' default dynamic TCP port range: a CMG connection point holds one
// connection to the management point per client.
const clientsPerConnectionPoint = 16384

// connectionPointCount counts the distinct systems with the cmgConnectionPoint role the gateway lists.
func connectionPointCount(p *plan.Plan, g *plan.CMG) int {
	seen := map[string]bool{}
	for _, name := range g.ConnectionPoints {
		if s := p.System(name); s != nil && s.Roles.CMGConnectionPoint != nil {
			seen[name] = true
		}
	}
	return len(seen)
}

func checkCMGConnectionPointPorts(p *plan.Plan, r *Reporter) {
	pops := populationsByCMG(p)
	for _, g := range p.CMGs {
		n := connectionPointCount(p, g)
		if n == 0 {
			continue // IB603
		}
		total := cmgClients(pops[g.Name])
		if total <= n*clientsPerConnectionPoint {
			continue
		}
		need := (total + clientsPerConnectionPoint - 1) / clientsPerConnectionPoint
		r.Warn(plan.Join(g.Path, "connectionPoints"),
			fmt.Sprintf("add connection points (%s clients need at least %d), or enlarge the dynamic port range on the connection point servers", thousands(total), need),
			"gateway %q serves %s clients over %d connection point(s), %s each; a connection point holds one TCP connection per client and Windows' default dynamic port range has %s ports",
			g.Name, thousands(total), n, thousands((total+n-1)/n), thousands(clientsPerConnectionPoint))
	}
}

// siteKind spells site.type for messages.
var siteKind = map[plan.SiteType]string{plan.SitePrimary: "primary site", plan.SiteSecondary: "secondary site", plan.SiteCAS: "central administration site"}

func checkCMGEarlyVMSS(p *plan.Plan, r *Reporter) {
	pops := populationsByCMG(p)
	var httpsMPs []*plan.System
	for _, s := range p.Systems {
		if mp := s.Roles.ManagementPoint; mp != nil && mp.Connections == plan.ConnectionsHTTPS {
			httpsMPs = append(httpsMPs, s)
		}
	}
	for _, g := range p.CMGs {
		if !earlyVMSS(p, g) {
			continue
		}
		const upgrade = "update the site to version 2107 or later"
		if p.Site.Type != plan.SitePrimary {
			r.Error("site.type", upgrade+", or deploy the gateway from a standalone primary site",
				"gateway %q is a virtual machine scale set at version %s, which is only supported with a standalone primary site; this site is a %s",
				g.Name, p.Site.Version, siteKind[p.Site.Type])
		}
		var internet []string
		for _, c := range pops[g.Name] {
			if c.Install.From == plan.FromInternet {
				internet = append(internet, c.Name)
			}
		}
		if len(internet) == 0 {
			continue
		}
		if len(httpsMPs) > 1 {
			names := make([]string, len(httpsMPs))
			for i, s := range httpsMPs {
				names[i] = s.Name
			}
			r.Error(plan.Join(httpsMPs[1].Roles.ManagementPoint.Path, "connections"), upgrade+", keep one HTTPS management point, or install the clients on the intranet or over VPN",
				"gateway %q is a virtual machine scale set at version %s and populations %s are installed over the internet, which then allows only one HTTPS management point; the site has %d (%s)",
				g.Name, p.Site.Version, quoteList(internet), len(httpsMPs), quoteList(names))
		}
		if !g.ContentEnabled {
			r.Error(plan.Join(g.Path, "contentEnabled"), upgrade+", or set contentEnabled: true",
				"gateway %q is a virtual machine scale set at version %s and populations %s are installed over the internet, which needs the CMG enabled for content",
				g.Name, p.Site.Version, quoteList(internet))
		}
	}
}
