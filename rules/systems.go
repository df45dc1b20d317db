package rules

import (
	"fmt"
	"strings"

	"github.com/ibcmc/ibcmc/learn"
	"github.com/ibcmc/ibcmc/plan"
)

// Rules 2xx: site systems, their roles, forests and names (IB211 and IB212 live in references.go and
// fqdn.go).

var systemRules = []*Rule{
	{
		Code: "IB201", Name: "internet-role-without-internet-fqdn", Severities: "E",
		Summary: "a system with an internet-facing role has no fqdn.internet",
		Explain: `What: a role's allow includes internet ("internet" or "intranetAndInternet") and its system has no
fqdn.internet.
Why: internet clients reach internet-facing site systems by their internet FQDN, which must be registered
as a host entry on public DNS servers; the site system's properties ("Specify an FQDN for this site system
for use on the Internet") and its web server certificate carry it.
Fix: add fqdn.internet with the public name (and register its public DNS host record), or set the role's
allow to "intranet".
Reading: one finding per system, at fqdn.internet, naming its internet-facing roles.`,
		Source: learn.PlanIBCM,
		Check:  checkInternetFQDN,
	},
	{
		Code: "IB202", Name: "internet-system-not-domain-joined", Severities: "E",
		Summary: "an internet-facing system is not joined to an Active Directory domain",
		Explain: `What: a system with an internet-facing role has no forest.
Why: site systems that support internet-based client management "must be in an Active Directory domain";
the domain may be in an untrusted perimeter forest (they need no trust with the site server's forest),
but a workgroup server cannot host them.
Fix: join the server to a domain and set forest (for a perimeter forest, see IB203 and IB204 for the
accounts the site then needs).`,
		Source: learn.PlanIBCM,
		Check:  checkInternetSystemDomainJoined,
	},
	{
		Code: "IB203", Name: "untrusted-forest-site-server-initiates", Severities: "E",
		Summary: "a system in an untrusted forest needs siteServerInitiates and an installAccount",
		Explain: `What: a system whose forest is neither the site's forest nor in a two-way trust with it (or a system
with no forest) lacks siteServerInitiates: true or lacks an installAccount; either one missing is a
finding.
Why: the site system's computer account cannot authenticate to the site server across the forest
boundary. The site server must initiate every connection ("Require the site server to initiate
connections to this site system") with a Site System Installation Account that is valid in the
system's forest.
Fix: set siteServerInitiates: true and installAccount to an account of the system's forest with local
administrator rights on it (a name only; never a password).
Reading: one finding per missing field, at that field. A system whose forest is not defined in the design
is left to IB211, which reports the unknown name. A one-way trust (a perimeter forest that trusts the
site's forest) is not a two-way trust, so the system counts as untrusted.`,
		Source: learn.CommunicationsEndpoints,
		Check:  checkUntrustedSiteServerInitiates,
	},
	{
		Code: "IB204", Name: "untrusted-forest-database-account", Severities: "E",
		Summary: "a management point or enrollment point in an untrusted forest needs a databaseAccount",
		Explain: `What: a system in an untrusted forest (or with no forest) has a managementPoint or enrollmentPoint role
and no databaseAccount.
Why: these roles read and write the site database directly. Across a forest boundary their computer
account cannot log on to SQL Server, so the role needs a Management Point (or Enrollment Point) Database
Connection Account.
Fix: set databaseAccount to an account SQL Server accepts (a name only; never a password).
Reading: a system whose forest is not defined in the design is left to IB211.`,
		Source: learn.CommunicationsEndpoints,
		Check:  checkUntrustedDatabaseAccount,
	},
	{
		Code: "IB205", Name: "internet-role-over-http", Severities: "E",
		Summary: "an internet-facing management point or distribution point uses HTTP",
		Explain: `What: a managementPoint or distributionPoint whose allow includes internet has connections "http".
Why: internet-based client management requires that clients and the site systems they connect to use PKI
certificates, with traffic encrypted by TLS; an HTTP management point or distribution point never accepts
internet clients.
Fix: set connections: "https" (and issue the role's PKI certificate), or set allow to "intranet".`,
		Source: learn.PlanIBCM,
		Check:  checkInternetRoleOverHTTP,
	},
	{
		Code: "IB206", Name: "fallback-status-point-shared", Severities: "W",
		Summary: "in production, a fallback status point shares its server with other roles, the site server or the site database",
		Explain: `What: site.environment is "production" and a fallbackStatusPoint is on a machine that does something
else: its systems entry has other roles, or the entry's intranet FQDN is site.server or
site.database.server (the site server or the site database server is the same machine).
Why: the fallback status point accepts unauthenticated HTTP from any client (by design, so that clients
with certificate problems can report them). Microsoft says to "always dedicate a server to running the
fallback status point" and not to install other site system roles on the same server in a production
environment, so that this open door leads to nothing else.
Fix: move the fallback status point to a server of its own, or the other roles away from it.
Reading: a lab (site.environment "lab") is not reported, since the guidance is for production. The site
server and the database server count as other roles: they are the most valuable servers of the site.`,
		Source: learn.ClientRoles,
		Check:  checkFallbackStatusPointShared,
	},
	{
		Code: "IB207", Name: "several-internet-management-points", Severities: "I",
		Summary: "more than one internet-facing management point: internet clients pick one at random",
		Explain: `What: more than one management point allows internet clients.
Why: internet clients choose among internet-facing management points (and distribution points and
software update points) at random, not by location or bandwidth; there is no site-system roaming on the
internet. Several internet MPs give redundancy, not locality.
Fix: nothing to fix if redundancy is the goal; place every internet-facing MP where all internet clients
reach it well.
Reading: one finding, at the allow of the first internet-facing management point (by system name),
naming all of them.`,
		Source: learn.PlanIBCM,
		Check:  checkSeveralInternetMPs,
	},
	{
		Code: "IB208", Name: "deprecated-role", Severities: "W/E",
		Summary: "a role the site version no longer supports (certificate registration point, enrollment point, enrollment proxy point)",
		Explain: `What: a certificateRegistrationPoint with site.version 2203 or later (error); an enrollmentPoint or
enrollmentProxyPoint with site.version 2403 or later (error), or earlier (warning).
Why: the certificate registration point is not supported from 2203 (resource access deprecation). The
enrollment point and enrollment proxy point (on-premises MDM and macOS enrollment) were deprecated in
January 2022 and their support ended on March 31, 2024, the first release after that being 2403.
Fix: remove the role; use Intune for certificate profiles and device enrollment.
Reading: a certificate registration point before 2203 is supported and not reported.`,
		Source: learn.Deprecated,
		Check:  checkDeprecatedRoles,
	},
	{
		Code: "IB209", Name: "software-update-point-ports", Severities: "E",
		Summary: "software update point ports are not a WSUS pair (80/443, or HTTPS = HTTP + 1)",
		Explain: `What: a softwareUpdatePoint whose ports are not a pair WSUS can use: HTTP 80 needs HTTPS 443; any other
HTTP port needs HTTPS = HTTP + 1 (the defaults are 8530/8531).
Why: WSUS binds its SSL port from its HTTP port; a design with other ports produces firewall rules and
proxy routes for ports WSUS does not listen on.
Fix: set ports.https to the port WSUS uses (443 with HTTP 80, otherwise HTTP + 1).
Reading: Microsoft's ports page says the HTTPS port is "1 or higher" than the HTTP port, while the client
firewall page says "1 higher"; ibcmc takes HTTP + 1, the WSUS convention.`,
		Source: learn.Ports,
		Check:  checkSUPPorts,
	},
	{
		Code: "IB210", Name: "internet-role-unreachable", Severities: "E",
		Summary: "an internet-facing system in an intranet zone that no publishing entry publishes",
		Explain: `What: a system with an internet-facing role sits in a zone of kind "intranet" and no publishing entry
lists it in its systems.
Why: internet clients cannot reach the intranet directly; they reach internet-facing systems placed in a
perimeter network, or internet-based site systems in the intranet "when they are published to the internet
by using a web proxy server". Intervening firewalls must allow the client communication.
Fix: place the system in a perimeter zone, or add it to the systems of a publishing entry.
Reading: systems in perimeter zones are reachable by design and not reported; a system whose zone is not
defined is left to IB211.`,
		Source: learn.PlanIBCM,
		Check:  checkInternetRoleReachable,
	},
	{
		Code: "IB213", Name: "internet-fqdn-not-public", Severities: "E",
		Summary: "an internet FQDN uses a private suffix (.local, .lan, .internal, .corp, ...)",
		Explain: `What: an internet FQDN (a system's fqdn.internet or a CMG's serviceName) ends in .local, .lan,
.internal, .intranet, .corp, .home, .localdomain or .home.arpa (compared case-insensitively).
Why: the internet FQDN of an internet-based site system "must be registered as host entries on public DNS
servers", and a CMG's service name is resolved in public DNS too. These suffixes are reserved for private
use or not delegated, so no public host record can exist; a public CA cannot issue a certificate for them
either.
Fix: use a name in a public domain you own and register its public DNS host record.`,
		Source: learn.PlanIBCM,
		Check:  checkInternetFQDNPublic,
	},
	{
		Code: "IB214", Name: "role-without-zone-address", Severities: "W",
		Summary: "an internet-facing system or a publishing entry has no address",
		Explain: `What: a system with an internet-facing role, or a publishing entry (a proxy), has no address.
Why: firewall rules for the flows to and from it then name hosts instead of addresses, which most
firewalls cannot use, and the perimeter rules are the ones that matter most.
Fix: set address to the system's (or the proxy's internal) IP address.
Reading: every publishing entry counts, since a proxy exists only to carry internet traffic.`,
		Source: "",
		Check:  checkZoneAddresses,
	},
	{
		Code: "IB216", Name: "domain-member-without-dc", Severities: "W",
		Summary: "an internet-facing or perimeter domain-joined system whose forest lists no domain controller",
		Explain: `What: a system with an internet-facing role, or in a zone of kind "perimeter", has a forest whose
domainControllers are empty.
Why: a domain member logs on, applies Group Policy and resolves names through the domain controllers of
its forest (Kerberos, LDAP and the global catalog, RPC, DNS, time). ibcmc derives the flows to a
domain controller only from the ones the design lists, so for this system there are none; a firewall
built from the flows (the perimeter firewall in particular) then blocks its logons, and its site system
roles fail in ways that look unrelated to the network.
Fix: list the forest's domain controllers under forests.<forest>.domainControllers with fqdn, address and
zone (for a perimeter forest, usually domain controllers in the perimeter), or remove forest if the
server is not domain-joined (an internet-facing system must be: IB202).
Reading: intranet systems without an internet-facing role are not reported, since the intranet is
rarely filtered between members and domain controllers. A forest the design does not define is left
to IB211. One finding per system, at its forest.
See also: ` + learn.ADFirewall + `
(the ports a domain member needs to its domain controllers).`,
		Source: learn.Ports,
		Check:  checkDomainMemberWithoutDC,
	},
	{
		Code: "IB221", Name: "internet-only-sup-one-name", Severities: "E",
		Summary: "a software update point that accepts internet clients only is on a system without fqdn.intranet",
		Explain: `What: a softwareUpdatePoint with allow "internet" on a system that has no fqdn.intranet.
Why: Microsoft's certificate requirements say: "When the software update point accepts client connections
from the internet only, the certificate must contain both the internet FQDN and the intranet FQDN." A
system without an intranet FQDN cannot get that certificate, so its WSUS web services fail the TLS
checks the site and its clients make.
Fix: add fqdn.intranet with the server's intranet FQDN, so that its web server certificate request
carries both names; or set the role's allow to "intranetAndInternet".
Reading: one finding per system, at fqdn.intranet, the field to add.`,
		Source: learn.PKICertificates,
		Check:  checkInternetOnlySUPNames,
	},
	{
		Code: "IB222", Name: "secondary-site-management-point", Severities: "E",
		Summary: "a secondary site has a management point that is not on its site server",
		Explain: `What: site.type is "secondary" and a managementPoint is on a system other than the site server
(a systems entry whose FQDN is not site.server). Two management points cannot both be on the site
server, so this also covers a secondary site with more than one.
Why: "Each secondary site supports a single management point that must be installed on the secondary
site server."
Fix: keep one management point, on the systems entry of the secondary site server (its intranet FQDN is
site.server), and remove the others.
Reading: one finding per management point that is not on the site server, at its role.`,
		Source: learn.SizeAndScale,
		Check:  checkSecondarySiteManagementPoint,
	},
	{
		Code: "IB223", Name: "untrusted-sup-without-wsus-account", Severities: "E",
		Summary: "a software update point in an untrusted forest needs a wsusAccount (WSUS Server Connection account)",
		Explain: `What: a softwareUpdatePoint on a system whose forest does not trust the site server's forest (the
site's forest is not its own and not in its trusts), or on a system with no forest, has no wsusAccount.
Why: the site server connects to the WSUS server of a software update point to configure it and to
synchronize. Across a forest boundary its computer account is not accepted there; Microsoft says to
"Specify a WSUS Server Connection account to connect to the WSUS server", besides the Site System
Installation Account (IB203).
Fix: set the role's wsusAccount to an account valid on the software update point's server (of its forest
or of a forest it trusts; a local account on a workgroup server) that is a local administrator there and
a member of its WSUS Administrators group (a name only; never a password).
Reading: what matters is whether the site server's account is accepted on the WSUS server, so the
direction of the trust decides: a perimeter forest that trusts the site's forest (a one-way trust, as in
Microsoft's perimeter designs) accepts the site server's computer account and needs no WSUS Server
Connection account, even though IB203 still asks for an installation account across that one-way trust. A
workgroup server counts as untrusted, as for IB203 and IB204. A system whose forest is not defined in the
design is left to IB211.`,
		Source: learn.PlanSoftwareUpdates,
		Check:  checkUntrustedSUPAccount,
	},
}

// untrustedKnown reports whether a system is in an untrusted forest, and whether that can be decided: a
// forest name the design does not define is IB211's finding, not a trust problem.
func untrustedKnown(p *plan.Plan, s *plan.System) (untrusted, known bool) {
	if s.Forest != "" && p.Forest(s.Forest) == nil {
		return false, false
	}
	if p.Forest(p.Site.Forest) == nil {
		return false, false
	}
	return p.Untrusted(s), true
}

// accountOf says where an account for a system must be valid, for hints: its forest, or the server itself
// when it is in a workgroup.
func accountOf(s *plan.System) string {
	if s.Forest == "" {
		return "a local account of the workgroup server"
	}
	return fmt.Sprintf("an account valid in forest %q", s.Forest)
}

// untrustedReason says why a system counts as untrusted, for messages.
func untrustedReason(p *plan.Plan, s *plan.System) string {
	if s.Forest == "" {
		return fmt.Sprintf("system %q is not domain-joined", s.Name)
	}
	return fmt.Sprintf("system %q is in forest %q, which has no two-way trust with the site's forest %q", s.Name, s.Forest, p.Site.Forest)
}

func internetRoleKinds(s *plan.System) []string {
	var kinds []string
	for _, role := range s.Roles.List() {
		if plan.AllowsInternet(role.Allow) {
			kinds = append(kinds, role.Kind)
		}
	}
	return kinds
}

func checkInternetFQDN(p *plan.Plan, r *Reporter) {
	for _, s := range p.Systems {
		if s.InternetFQDN != "" {
			continue
		}
		kinds := internetRoleKinds(s)
		if len(kinds) == 0 {
			continue
		}
		r.Error(plan.Join(s.Path, "fqdn", "internet"), "add fqdn.internet with the public DNS name clients use, or set the roles' allow to \"intranet\"",
			"system %q has internet-facing roles (%s) but no internet FQDN", s.Name, strings.Join(kinds, ", "))
	}
}

func checkInternetSystemDomainJoined(p *plan.Plan, r *Reporter) {
	for _, s := range p.Systems {
		if s.Forest == "" && s.InternetFacing() {
			r.Error(plan.Join(s.Path, "forest"), "join the server to a domain (a perimeter forest will do) and set forest",
				"internet-facing system %q is not domain-joined", s.Name)
		}
	}
}

func checkUntrustedSiteServerInitiates(p *plan.Plan, r *Reporter) {
	for _, s := range p.Systems {
		if untrusted, known := untrustedKnown(p, s); !untrusted || !known {
			continue
		}
		why := untrustedReason(p, s)
		if !s.SiteServerInitiates {
			r.Error(plan.Join(s.Path, "siteServerInitiates"), "set siteServerInitiates: true (\"Require the site server to initiate connections to this site system\")",
				"%s, so the site server must initiate connections to it", why)
		}
		if s.InstallAccount == "" {
			r.Error(plan.Join(s.Path, "installAccount"), fmt.Sprintf("set installAccount to the Site System Installation Account, %s with local administrator rights on it (a name only)", accountOf(s)),
				"%s, so the site server needs a Site System Installation Account to connect to it", why)
		}
	}
}

func checkUntrustedDatabaseAccount(p *plan.Plan, r *Reporter) {
	for _, s := range p.Systems {
		if s.DatabaseAccount != "" || (s.Roles.ManagementPoint == nil && s.Roles.EnrollmentPoint == nil) {
			continue
		}
		if untrusted, known := untrustedKnown(p, s); !untrusted || !known {
			continue
		}
		var roles []string
		if s.Roles.ManagementPoint != nil {
			roles = append(roles, plan.RoleManagementPoint)
		}
		if s.Roles.EnrollmentPoint != nil {
			roles = append(roles, plan.RoleEnrollmentPoint)
		}
		r.Error(plan.Join(s.Path, "databaseAccount"), "set databaseAccount to an account SQL Server accepts for the site database (a name only)",
			"%s; its %s cannot log on to the site database with the computer account", untrustedReason(p, s), strings.Join(roles, " and "))
	}
}

func checkInternetRoleOverHTTP(p *plan.Plan, r *Reporter) {
	for _, s := range p.Systems {
		if mp := s.Roles.ManagementPoint; mp != nil && plan.AllowsInternet(mp.Allow) && mp.Connections == plan.ConnectionsHTTP {
			r.Error(plan.Join(mp.Path, "connections"), "set connections: \"https\", or allow: \"intranet\"",
				"management point on %q accepts internet clients over HTTP; internet clients need HTTPS", s.Name)
		}
		if dp := s.Roles.DistributionPoint; dp != nil && plan.AllowsInternet(dp.Allow) && dp.Connections == plan.ConnectionsHTTP {
			r.Error(plan.Join(dp.Path, "connections"), "set connections: \"https\", or allow: \"intranet\"",
				"distribution point on %q accepts internet clients over HTTP; internet clients need HTTPS", s.Name)
		}
	}
}

func checkFallbackStatusPointShared(p *plan.Plan, r *Reporter) {
	if p.Site.Environment != plan.EnvironmentProduction {
		return
	}
	for _, s := range p.Systems {
		fsp := s.Roles.FallbackStatusPoint
		if fsp == nil {
			continue
		}
		var others []string
		for _, role := range s.Roles.List() {
			if role.Kind != plan.RoleFallbackStatusPoint {
				others = append(others, role.Kind)
			}
		}
		// The site server and the database server are machines, not systems entries: a systems entry with
		// the same intranet FQDN is that machine.
		if s.IntranetFQDN != "" && strings.EqualFold(s.IntranetFQDN, p.Site.Server) {
			others = append(others, "the site server")
		}
		if s.IntranetFQDN != "" && strings.EqualFold(s.IntranetFQDN, p.Site.Database.Server) {
			others = append(others, "the site database server")
		}
		if len(others) == 0 {
			continue
		}
		r.Warn(fsp.Path, "in production, put the fallback status point on a dedicated, hardened server",
			"fallback status point on %q accepts unauthenticated HTTP and shares its server with %s", s.Name, limitList(others))
	}
}

func checkSeveralInternetMPs(p *plan.Plan, r *Reporter) {
	var mps []*plan.System
	for _, s := range p.Systems {
		if mp := s.Roles.ManagementPoint; mp != nil && plan.AllowsInternet(mp.Allow) {
			mps = append(mps, s)
		}
	}
	if len(mps) < 2 {
		return
	}
	names := make([]string, len(mps))
	for i, s := range mps {
		names[i] = s.Name
	}
	r.Info(plan.Join(mps[0].Roles.ManagementPoint.Path, "allow"), "expect redundancy, not locality: place every internet-facing management point where all internet clients reach it well",
		"%d internet-facing management points (%s): internet clients pick one at random, not by location", len(mps), quotedList(names))
}

func checkDeprecatedRoles(p *plan.Plan, r *Reporter) {
	site := p.Site
	for _, s := range p.Systems {
		if crp := s.Roles.CertificateRegistrationPoint; crp != nil && site.VersionAtLeast("2203") {
			r.Error(crp.Path, "remove the certificate registration point; deploy certificates with Intune",
				"certificate registration point on %q is not supported from version 2203; site %s runs %s", s.Name, site.Code, site.Version)
		}
		for _, role := range []*plan.Role{s.Roles.EnrollmentPoint, s.Roles.EnrollmentProxyPoint} {
			if role == nil {
				continue
			}
			const hint = "remove the role; enroll devices with Intune"
			if site.VersionAtLeast("2403") {
				r.Error(role.Path, hint, "%s on %q is not supported from version 2403 (support ended March 31, 2024); site %s runs %s", role.Kind, s.Name, site.Code, site.Version)
			} else {
				r.Warn(role.Path, hint, "%s on %q is deprecated and unsupported from version 2403; site %s runs %s", role.Kind, s.Name, site.Code, site.Version)
			}
		}
	}
}

// wsusHTTPSPort is the SSL port WSUS pairs with an HTTP port.
func wsusHTTPSPort(http int) int {
	if http == 80 {
		return 443
	}
	return http + 1
}

func checkSUPPorts(p *plan.Plan, r *Reporter) {
	for _, s := range p.Systems {
		sup := s.Roles.SoftwareUpdatePoint
		if sup == nil {
			continue
		}
		want := wsusHTTPSPort(sup.HTTPPort)
		if sup.HTTPSPort == want {
			continue
		}
		r.Error(plan.Join(sup.Path, "ports", "https"), fmt.Sprintf("set ports.https: %d (or use the WSUS defaults 8530/8531)", want),
			"software update point on %q uses HTTP %d with HTTPS %d; WSUS pairs HTTP %d with HTTPS %d", s.Name, sup.HTTPPort, sup.HTTPSPort, sup.HTTPPort, want)
	}
}

func checkInternetRoleReachable(p *plan.Plan, r *Reporter) {
	published := map[string]bool{}
	for _, pub := range p.Publishing {
		for _, name := range pub.Systems {
			published[name] = true
		}
	}
	for _, s := range p.Systems {
		z := p.Zone(s.Zone)
		if z == nil || z.Kind != plan.ZoneIntranet || published[s.Name] || !s.InternetFacing() {
			continue
		}
		r.Error(plan.Join(s.Path, "zone"), "place the system in a perimeter zone, or add it to the systems of a publishing entry",
			"internet-facing system %q is in intranet zone %q and no publishing entry publishes it, so internet clients cannot reach it", s.Name, z.Name)
	}
}

// privateSuffixes cannot be delegated in public DNS.
var privateSuffixes = []string{".local", ".lan", ".internal", ".intranet", ".corp", ".home", ".localdomain", ".home.arpa"}

// privateSuffix returns the private suffix a name ends in, or "".
func privateSuffix(fqdn string) string {
	name := strings.ToLower(strings.TrimSuffix(fqdn, "."))
	for _, suf := range privateSuffixes {
		if strings.HasSuffix(name, suf) {
			return suf
		}
	}
	return ""
}

func checkInternetFQDNPublic(p *plan.Plan, r *Reporter) {
	const hint = "use a name in a public DNS domain you own and register its public host record"
	for _, s := range p.Systems {
		if suf := privateSuffix(s.InternetFQDN); suf != "" {
			r.Error(plan.Join(s.Path, "fqdn", "internet"), hint,
				"internet FQDN %q of system %q ends in %s, which public DNS cannot resolve", s.InternetFQDN, s.Name, suf)
		}
	}
	for _, g := range p.CMGs {
		if suf := privateSuffix(g.ServiceName); suf != "" {
			r.Error(plan.Join(g.Path, "serviceName"), hint,
				"service name %q of gateway %q ends in %s, which public DNS cannot resolve", g.ServiceName, g.Name, suf)
		}
	}
}

func checkZoneAddresses(p *plan.Plan, r *Reporter) {
	for _, s := range p.Systems {
		if s.Address == "" && s.InternetFacing() {
			r.Warn(plan.Join(s.Path, "address"), "set address to the system's IP address",
				"internet-facing system %q has no address; firewall rules for it fall back to its names", s.Name)
		}
	}
	for _, x := range p.Publishing {
		if x.Address == "" {
			r.Warn(plan.Join(x.Path, "address"), "set address to the proxy's internal IP address",
				"publishing entry %q has no address; firewall rules for it fall back to names", x.Name)
		}
	}
}

func checkDomainMemberWithoutDC(p *plan.Plan, r *Reporter) {
	hasDC := map[string]bool{}
	for _, dc := range p.DomainControllers {
		hasDC[dc.Forest] = true
	}
	for _, s := range p.Systems {
		f := p.Forest(s.Forest)
		if f == nil || hasDC[f.Name] {
			continue // no forest (IB202), an unknown forest (IB211), or a forest with a domain controller
		}
		z := p.Zone(s.Zone)
		if !s.InternetFacing() && (z == nil || z.Kind != plan.ZonePerimeter) {
			continue
		}
		r.Warn(plan.Join(s.Path, "forest"),
			fmt.Sprintf("add the forest's domain controllers under %s (fqdn, address, zone), or remove forest if the server is not domain-joined", plan.Join(f.Path, "domainControllers")),
			"system %q is a member of forest %q, which lists no domain controller: its flows to a domain controller (Kerberos, LDAP, DNS, time) cannot be derived, and a firewall built from the flows blocks its logons", s.Name, f.Name)
	}
}

func checkInternetOnlySUPNames(p *plan.Plan, r *Reporter) {
	for _, s := range p.Systems {
		sup := s.Roles.SoftwareUpdatePoint
		if sup == nil || sup.Allow != plan.AllowInternet || s.IntranetFQDN != "" {
			continue
		}
		r.Error(plan.Join(s.Path, "fqdn", "intranet"), "add fqdn.intranet with the server's intranet FQDN, or set the software update point's allow to \"intranetAndInternet\"",
			"software update point on %q accepts internet clients only, so its certificate must carry both its internet and its intranet FQDN, but the system has no intranet FQDN", s.Name)
	}
}

func checkSecondarySiteManagementPoint(p *plan.Plan, r *Reporter) {
	if p.Site.Type != plan.SiteSecondary {
		return
	}
	server := p.SystemByFQDN(p.Site.Server)
	for _, s := range p.Systems {
		mp := s.Roles.ManagementPoint
		if mp == nil || s == server {
			continue
		}
		r.Error(mp.Path, fmt.Sprintf("remove this management point; the secondary site's only management point belongs on the systems entry of %s", p.Site.Server),
			"secondary site %s supports a single management point, installed on its site server %s; system %q is another server", p.Site.Code, p.Site.Server, s.Name)
	}
}

func checkUntrustedSUPAccount(p *plan.Plan, r *Reporter) {
	for _, s := range p.Systems {
		sup := s.Roles.SoftwareUpdatePoint
		if sup == nil || sup.WSUSAccount != "" {
			continue
		}
		if _, known := untrustedKnown(p, s); !known {
			continue
		}
		why := fmt.Sprintf("system %q is not domain-joined", s.Name)
		if s.Forest != "" {
			if p.Trusts(s.Forest, p.Site.Forest) {
				continue // the site server's account is accepted there
			}
			why = fmt.Sprintf("system %q is in forest %q, which does not trust the site's forest %q", s.Name, s.Forest, p.Site.Forest)
		}
		r.Error(plan.Join(sup.Path, "wsusAccount"), fmt.Sprintf("set wsusAccount to the WSUS Server Connection account, %s (a name only)", accountOf(s)),
			"%s, so the site server needs a WSUS Server Connection account to connect to its software update point", why)
	}
}
