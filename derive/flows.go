package derive

import (
	"cmp"
	"fmt"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/ibcmc/ibcmc/learn"
	"github.com/ibcmc/ibcmc/plan"
)

// Flows lists every connection the design's machines open to each other, in every zone, with the
// Microsoft page that documents it (docs/flows.md lists them): clients to the roles that allow them,
// publishing entries to what they publish, the site server to and from every site system, the site database,
// domain controllers, distribution points to management points, certificate revocation, software update
// synchronization, and the CMG and service connection points to Azure. Flows inside one zone are listed too:
// the Windows Firewall scripts are host firewalls and need every inbound flow. Then it places each flow on
// the network firewalls it passes (firewalls).
func Flows(p *plan.Plan) {
	b := &flowBuilder{p: p, byKey: map[string]*plan.Flow{}, ids: map[string]string{}, cdps: map[string]peer{}}
	b.clientFlows()
	b.publishingFlows()
	b.siteServerFlows()
	b.databaseFlows()
	b.domainFlows()
	b.distributionPointFlows()
	b.revocationFlows()
	b.softwareUpdateFlows()
	b.cmgFlows()
	for _, f := range b.flows {
		slices.Sort(f.RequiredBy)
		f.RequiredBy = slices.Compact(f.RequiredBy)
	}
	slices.SortFunc(b.flows, func(x, y *plan.Flow) int {
		return cmp.Or(cmp.Compare(x.FromZone, y.FromZone), cmp.Compare(x.ToZone, y.ToZone), cmp.Compare(x.ID, y.ID))
	})
	p.Flows = b.flows
	placeOnFirewalls(p)
}

// peer is one end of a flow.
type peer struct {
	kind, name, zone string
	addrs            []string
	public           []string // a publishing entry's public address, when the peer is its public side
	forest           string   // the Active Directory forest of a domain-joined Windows machine
}

type flowBuilder struct {
	p     *plan.Plan
	flows []*plan.Flow
	byKey map[string]*plan.Flow
	ids   map[string]string // flow ID → key, to keep IDs unique
	cdps  map[string]peer   // CDP host by authority and host name
}

const (
	tcp = "tcp"
	udp = "udp"
)

// add records a flow, or merges purpose and requirements into the flow with the same ends, protocol and
// ports. A machine never needs a flow to itself.
func (b *flowBuilder) add(from, to peer, proto string, prs []plan.PortRange, purpose, path, source string, requiredBy ...string) {
	prs = normalizePorts(prs)
	if len(prs) == 0 || sameMachine(from, to) {
		return
	}
	spelled := make([]string, len(prs))
	for i, r := range prs {
		spelled[i] = r.String()
	}
	key := strings.Join([]string{from.kind, from.name, from.zone, to.kind, to.name, to.zone, proto, strings.Join(spelled, ",")}, "\x00")
	if f := b.byKey[key]; f != nil {
		if !slices.Contains(strings.Split(f.Purpose, "; "), purpose) {
			f.Purpose += "; " + purpose
		}
		f.RequiredBy = append(f.RequiredBy, requiredBy...)
		return
	}
	id := safeID(fmt.Sprintf("%s-to-%s-%s-%s", from.name, to.name, proto, strings.Join(spelled, "_")))
	for n, base := 2, id; b.ids[id] != ""; n++ {
		id = base + "-" + strconv.Itoa(n)
	}
	b.ids[id] = key
	f := &plan.Flow{
		ID:       id,
		FromZone: from.zone, From: from.name, FromKind: from.kind,
		FromAddresses: from.addrs, FromAddress: strings.Join(from.addrs, " "),
		ToZone: to.zone, To: to.name, ToKind: to.kind,
		ToAddresses: to.addrs, ToAddress: strings.Join(to.addrs, " "), ToPublic: to.public,
		Protocol: proto, Ports: prs, Purpose: purpose,
		RequiredBy: slices.Clone(requiredBy), Path: path, Source: source,
	}
	b.byKey[key] = f
	b.flows = append(b.flows, f)
}

// sameMachine: a systems entry, the site server and the database can be one Windows machine.
func sameMachine(a, b peer) bool {
	return a.name == b.name && a.zone == b.zone && (a.kind == b.kind || plan.Windows(a.kind) && plan.Windows(b.kind))
}

// addServices adds one TCP and one UDP flow for fixed services of the port table. The purpose gains the
// services' names so a reviewer sees why each port is there; the source is the first service's page.
func (b *flowBuilder) addServices(from, to peer, purpose, path string, requiredBy []string, keys ...serviceKey) {
	for _, proto := range []string{tcp, udp} {
		var prs []plan.PortRange
		var names []string
		source := ""
		for _, k := range keys {
			s := services[k]
			ps := s.TCP
			if proto == udp {
				ps = s.UDP
			}
			if len(ps) == 0 {
				continue
			}
			if source == "" {
				source = s.Source
			}
			prs = append(prs, ps...)
			names = append(names, s.Name+" "+plan.JoinPorts(ps, ","))
		}
		if len(prs) > 0 {
			b.add(from, to, proto, prs, purpose+" ("+strings.Join(names, ", ")+")", path, source, requiredBy...)
		}
	}
}

// clientService is one port a role serves clients on.
type clientService struct {
	port int
	what string // "HTTPS", "client notification"…
	role plan.Role
}

// clientServices lists what a system's roles serve clients on: an MP on its request port and client
// notification 10123; a DP on its request port; a SUP on its HTTP port (EULAs and update content always use
// it) and its HTTPS port; an FSP on the site's HTTP port; an enrollment proxy point on 443.
func (b *flowBuilder) clientServices(s *plan.System) []clientService {
	var out []clientService
	r := s.Roles
	if mp := r.ManagementPoint; mp != nil {
		out = append(out, clientService{clientPort(b.p, mp.Connections), strings.ToUpper(string(mp.Connections)), mp.Role},
			clientService{services[svcClientNotification].TCP[0].From, "client notification", mp.Role})
	}
	if dp := r.DistributionPoint; dp != nil {
		out = append(out, clientService{clientPort(b.p, dp.Connections), strings.ToUpper(string(dp.Connections)), dp.Role})
	}
	if sup := r.SoftwareUpdatePoint; sup != nil {
		out = append(out, clientService{sup.HTTPPort, "WSUS HTTP", sup.Role})
		if sup.SSL {
			out = append(out, clientService{sup.HTTPSPort, "WSUS HTTPS", sup.Role})
		}
	}
	if fsp := r.FallbackStatusPoint; fsp != nil {
		out = append(out, clientService{b.p.Site.Ports.HTTP, "HTTP", fsp.Role})
	}
	if epp := r.EnrollmentProxyPoint; epp != nil {
		out = append(out, clientService{443, "HTTPS", *epp})
	}
	return out
}

// clientFlows: intranet client populations (every population that is not internet-only) reach each role
// that allows intranet connections from every intranet zone; internet clients reach each internet-facing
// role that nothing publishes directly (published ones: publishingFlows); via-CMG clients reach the gateway.
func (b *flowBuilder) clientFlows() {
	p := b.p
	var intranetPops []string
	for _, c := range p.Clients {
		if c.Management != plan.ManageInternetOnly {
			intranetPops = append(intranetPops, "population "+c.Name)
		}
	}
	for _, s := range p.Systems {
		for _, svc := range b.clientServices(s) {
			req := s.Name + " " + svc.role.Kind
			path := plan.Join(svc.role.Path, "allow")
			if svc.role.Allow == "" {
				path = svc.role.Path
			}
			if plan.AllowsIntranet(svc.role.Allow) && len(intranetPops) > 0 {
				for _, z := range p.Zones {
					if z.Kind != plan.ZoneIntranet {
						continue
					}
					b.add(b.clientsPeer(z), b.systemPeer(s), tcp, ports(svc.port),
						fmt.Sprintf("intranet clients to %s %s (%s)", roleWords(svc.role.Kind), s.Name, svc.what),
						path, learn.Ports, append([]string{req}, summarizePopulations(intranetPops)...)...)
				}
			}
		}
	}
	// Internet clients reach what is not published straight at the system (the endpoints list only the
	// ports internet clients use, so client notification is not among them).
	internet := b.internetPeer(plan.PeerInternet, "any")
	for _, e := range p.Endpoints {
		s := p.System(e.Target)
		if e.Mode == plan.EndpointCMG || s == nil || e.Publishing != "" {
			continue
		}
		req, path := endpointRequirements(s, e)
		b.add(internet, b.systemPeer(s), tcp, ports(e.Port),
			fmt.Sprintf("internet clients to %s %s (%s), reached directly", strings.ToUpper(e.Protocol), e.FQDN, strings.Join(e.Roles, ", ")),
			path, learn.Ports, req...)
	}
	for _, g := range p.CMGs {
		var req, inside []string
		for _, c := range p.Clients {
			if c.Via == plan.ViaCMG && p.DefaultCMG(c) == g {
				req = append(req, "population "+c.Name)
				if c.Management == plan.ManageInternetOnly {
					inside = append(inside, "population "+c.Name)
				}
			}
		}
		if len(req) == 0 {
			continue
		}
		req, inside = summarizePopulations(req), summarizePopulations(inside)
		gw := b.internetPeer(plan.PeerCMG, g.Name)
		purpose := fmt.Sprintf("clients to CMG %s (HTTPS: policy, content, software updates)", g.ServiceName)
		b.add(internet, gw, tcp, ports(443), "internet "+purpose, plan.Join(g.Path, "serviceName"), learn.CMGDataFlow, req...)
		// Internet-only clients always use the CMG, also when they are inside the network (CCMALWAYSINF).
		if len(inside) > 0 {
			for _, z := range p.Zones {
				if z.Kind == plan.ZoneIntranet {
					b.add(b.clientsPeer(z), gw, tcp, ports(443), "internet-only "+purpose+" from inside the network",
						plan.Join(g.Path, "serviceName"), learn.CMGClients, inside...)
				}
			}
		}
	}
}

// endpointRequirements names the roles an endpoint serves and the design path that put it on the internet.
func endpointRequirements(s *plan.System, e *plan.Endpoint) ([]string, string) {
	var req []string
	path := plan.Join(s.Path, "fqdn", "internet")
	for _, kind := range e.Roles {
		req = append(req, s.Name+" "+kind)
		if rp := rolePath(s, kind); rp != "" && path == plan.Join(s.Path, "fqdn", "internet") {
			path = plan.Join(rp, "allow")
		}
	}
	return req, path
}

// publishingFlows: internet clients reach each published endpoint on the proxy (its public address, and
// its inside address where a firewall translates one to the other), and each proxy forwards the same port
// to its backend: bridging over a new HTTPS connection (plain HTTP for HTTP endpoints: the fallback status
// point and the WSUS HTTP port), tunneling and port forwarding as TCP.
func (b *flowBuilder) publishingFlows() {
	p := b.p
	internet := b.internetPeer(plan.PeerInternet, "any")
	for _, e := range p.Endpoints {
		s := p.System(e.Target)
		pub := p.PublishingEntry(e.Publishing)
		if e.Mode == plan.EndpointCMG || s == nil || pub == nil {
			continue
		}
		req, path := endpointRequirements(s, e)
		roles := strings.Join(e.Roles, ", ")
		b.add(internet, b.proxyPeer(pub, true), tcp, ports(e.Port),
			fmt.Sprintf("internet clients to %s %s (%s) published by %s", strings.ToUpper(e.Protocol), e.FQDN, roles, pub.Name), path, learn.Ports, req...)
		b.add(b.proxyPeer(pub, false), b.systemPeer(s), tcp, ports(e.Port),
			fmt.Sprintf("%s forwards %s (%s) to %s %s", pub.Name, e.FQDN, roles, s.Name, backendWords(pub.Mode, e.Protocol)),
			plan.Join(pub.Path, "systems"), learn.Ports, append([]string{"publishing " + pub.Name}, req...)...)
	}
}

// backendWords says how a proxy talks to the backend: bridging opens a new TLS connection (plain HTTP to a
// plain-HTTP endpoint), tunneling and port forwarding pass TCP through.
func backendWords(mode plan.PublishingMode, scheme string) string {
	switch {
	case mode == plan.ModeBridging && scheme == "https":
		return "over a new HTTPS connection"
	case mode == plan.ModeBridging:
		return "over HTTP"
	case mode == plan.ModeTunneling:
		return "as TLS passthrough"
	default:
		return "as forwarded TCP"
	}
}

// siteServerFlows: the site server installs and configures every site system, in any zone, over SMB and RPC
// (and WSUS's API on a software update point). Systems whose site server does not initiate every connection
// call back with status and files; distribution points never do (they send no status).
func (b *flowBuilder) siteServerFlows() {
	p := b.p
	server := b.siteServerPeer()
	for _, s := range p.Systems {
		sys := b.systemPeer(s)
		var req []string
		for _, r := range s.Roles.List() {
			req = append(req, s.Name+" "+r.Kind)
		}
		b.addServices(server, sys, "site server installs and configures site system roles", s.Path, req,
			svcSMB, svcRPCEndpointMapper, svcRPCDynamic)
		if sup := s.Roles.SoftwareUpdatePoint; sup != nil {
			b.add(server, sys, tcp, ports(sup.HTTPPort, sup.HTTPSPort),
				"site server configures WSUS on the software update point (WSUS HTTP and HTTPS ports)",
				plan.Join(sup.Path, "ports"), learn.Ports, s.Name+" "+sup.Kind)
		}
		if !s.SiteServerInitiates && sendsStatus(s) {
			b.addServices(sys, server, "site system calls the site server back with status and files (siteServerInitiates is false)",
				plan.Join(s.Path, "siteServerInitiates"), req, svcSMB, svcRPCEndpointMapper, svcRPCDynamic)
		}
	}
}

// sendsStatus reports whether a system has a role that calls the site server back; a distribution point
// alone does not.
func sendsStatus(s *plan.System) bool {
	for _, r := range s.Roles.List() {
		if r.Kind != plan.RoleDistributionPoint {
			return true
		}
	}
	return false
}

// databaseFlows: the site server, management points and enrollment points use the site database directly,
// from any zone.
func (b *flowBuilder) databaseFlows() {
	p := b.p
	db := b.databasePeer()
	port := ports(p.Site.Database.Port)
	b.add(b.siteServerPeer(), db, tcp, port, "site server to the site database (SQL Server)",
		plan.Path("site", "database", "server"), learn.Ports, "site server")
	for _, s := range p.Systems {
		for _, r := range []*plan.Role{roleOf(s.Roles.ManagementPoint), s.Roles.EnrollmentPoint} {
			if r == nil {
				continue
			}
			b.add(b.systemPeer(s), db, tcp, port,
				fmt.Sprintf("%s to the site database (SQL Server)", roleWords(r.Kind)), r.Path, learn.Ports, s.Name+" "+r.Kind)
		}
	}
}

func roleOf(mp *plan.ManagementPoint) *plan.Role {
	if mp == nil {
		return nil
	}
	return &mp.Role
}

func roleWords(kind string) string {
	switch kind {
	case plan.RoleManagementPoint:
		return "management point"
	case plan.RoleDistributionPoint:
		return "distribution point"
	case plan.RoleSoftwareUpdatePoint:
		return "software update point"
	case plan.RoleFallbackStatusPoint:
		return "fallback status point"
	case plan.RoleEnrollmentPoint:
		return "enrollment point"
	case plan.RoleEnrollmentProxyPoint:
		return "enrollment proxy point"
	}
	return kind
}

// domainFlows: every domain-joined Windows machine (site systems with a forest, the site server, the site
// database server) reaches the domain controllers of its forest; management points also query them for
// LDAP, LDAPS and the global catalog; an internet-facing management point authenticates the users of every
// forest whose internet population wants user policy.
func (b *flowBuilder) domainFlows() {
	p := b.p
	members := []peer{b.siteServerPeer(), b.databasePeer()}
	for _, s := range p.Systems {
		members = append(members, b.systemPeer(s))
	}
	seen := map[string]bool{}
	for _, m := range members {
		k := m.kind + "\x00" + m.name
		if m.forest == "" || seen[k] {
			continue
		}
		seen[k] = true
		for _, dc := range p.DomainControllers {
			if dc.Forest != m.forest {
				continue
			}
			b.addServices(m, b.dcPeer(dc), fmt.Sprintf("domain member of %s to its domain controller (logon, Group Policy, name resolution, time)", m.forest),
				dc.Path, []string{"domain membership in " + m.forest},
				svcKerberos, svcLDAP, svcSMB, svcADEndpointMapper, svcRPCDynamic, svcDNS, svcNTP)
		}
	}
	st := p.Site.Settings
	for _, s := range p.Systems {
		mp := s.Roles.ManagementPoint
		if mp == nil {
			continue
		}
		for _, dc := range p.DomainControllers {
			if s.Forest != "" && dc.Forest == s.Forest {
				b.addServices(b.systemPeer(s), b.dcPeer(dc), "management point queries Active Directory of its forest",
					mp.Path, []string{s.Name + " " + mp.Kind}, svcLDAP, svcLDAPS, svcGlobalCatalog, svcADEndpointMapper, svcRPCDynamic)
			}
		}
		if !st.UserPolicy || !st.UserPolicyFromInternet || !plan.AllowsInternet(mp.Allow) {
			continue
		}
		for _, c := range p.Clients {
			if !c.Internet() || c.Via != plan.ViaIBCM || !c.HasFeature(plan.FeatureUserPolicy) || c.Forest == "" || !p.Trusts(s.Forest, c.Forest) {
				continue
			}
			for _, dc := range p.DomainControllers {
				if dc.Forest != c.Forest {
					continue
				}
				b.addServices(b.systemPeer(s), b.dcPeer(dc),
					fmt.Sprintf("internet-facing management point authenticates users of forest %s for user policy", c.Forest),
					plan.Join(c.Path, "features"), []string{s.Name + " " + mp.Kind, "population " + c.Name + " userPolicy"},
					svcLDAP, svcLDAPS, svcKerberos, svcGlobalCatalog, svcADEndpointMapper, svcRPCDynamic, svcDNS)
			}
		}
	}
}

// distributionPointFlows: a distribution point reports prestaged content status, usage and content
// validation to a management point of the site: every management point that accepts intranet connections
// (every management point when none does).
func (b *flowBuilder) distributionPointFlows() {
	p := b.p
	var mps []*plan.System
	for _, s := range p.Systems {
		if mp := s.Roles.ManagementPoint; mp != nil && plan.AllowsIntranet(mp.Allow) {
			mps = append(mps, s)
		}
	}
	if len(mps) == 0 {
		for _, s := range p.Systems {
			if s.Roles.ManagementPoint != nil {
				mps = append(mps, s)
			}
		}
	}
	byZone := map[string][]*plan.System{}
	var zones []string
	for _, s := range p.Systems {
		if s.Roles.DistributionPoint == nil {
			continue
		}
		if byZone[s.Zone] == nil {
			zones = append(zones, s.Zone)
		}
		byZone[s.Zone] = append(byZone[s.Zone], s)
	}
	for _, z := range zones {
		dps := byZone[z]
		for _, m := range mps {
			mp := m.Roles.ManagementPoint
			port := ports(clientPort(p, mp.Connections))
			purpose := fmt.Sprintf("reports content status, usage and validation to management point %s (%s)", m.Name, strings.ToUpper(string(mp.Connections)))
			if len(dps) > dpGroupThreshold {
				var addrs []string
				for _, s := range dps {
					addrs = append(addrs, b.addrs(s.Address, s.Zone)...)
				}
				group := peer{kind: plan.PeerSystems, name: z + "-distribution-points", zone: z, addrs: sortAddrs(canonAddrs(addrs))}
				b.add(group, b.systemPeer(m), tcp, port,
					fmt.Sprintf("the %d distribution points of zone %s: each %s", len(dps), z, purpose),
					dps[0].Roles.DistributionPoint.Path, learn.Ports, fmt.Sprintf("%d distribution points", len(dps)), m.Name+" "+mp.Kind)
				continue
			}
			for _, s := range dps {
				dp := s.Roles.DistributionPoint
				b.add(b.systemPeer(s), b.systemPeer(m), tcp, port, "distribution point "+purpose,
					dp.Path, learn.Ports, s.Name+" "+dp.Kind, m.Name+" "+mp.Kind)
			}
		}
	}
}

// dpGroupThreshold: beyond this many distribution points in one zone, their flows to each management point
// become one flow from the zone's distribution points (their addresses), so a large site's flow matrix grows
// with zones × management points instead of distribution points × management points.
const dpGroupThreshold = 8

// summarizePopulations keeps a flow's requirement list readable and its size bounded on large designs: up to
// eight populations by name, otherwise their count.
func summarizePopulations(pops []string) []string {
	if len(pops) <= 8 {
		return pops
	}
	return []string{fmt.Sprintf("%d client populations", len(pops))}
}

// revocationFlows: IIS checks every client certificate's revocation (it cannot be turned off), so each site
// system with an HTTPS IIS role, and each bridging proxy that verifies client certificates, downloads the
// client chain's CRLs from their HTTP distribution points. Clients that check the site systems' revocation
// download the CRLs too: intranet clients from every HTTP CDP, internet clients from the ones published on
// the internet (IB301 reports the rest). A gateway that verifies client revocation downloads the client
// chain's CRLs.
func (b *flowBuilder) revocationFlows() {
	p := b.p
	chain := p.ClientChain()
	for _, s := range p.Systems {
		var req []string
		r := s.Roles
		if mp := r.ManagementPoint; mp != nil && mp.Connections == plan.ConnectionsHTTPS {
			req = append(req, s.Name+" "+mp.Kind)
		}
		if dp := r.DistributionPoint; dp != nil && dp.Connections == plan.ConnectionsHTTPS {
			req = append(req, s.Name+" "+dp.Kind)
		}
		if sup := r.SoftwareUpdatePoint; sup != nil && sup.SSL {
			req = append(req, s.Name+" "+sup.Kind)
		}
		if len(req) > 0 {
			b.cdpFlows(b.systemPeer(s), chain, false, "IIS checks revocation of client certificates", s.Path, req)
		}
	}
	for _, pub := range p.Publishing {
		if pub.Mode == plan.ModeBridging {
			b.cdpFlows(b.proxyPeer(pub, false), chain, false, pub.Name+" checks revocation of client certificates (SSL bridging)",
				plan.Join(pub.Path, "mode"), []string{"publishing " + pub.Name})
		}
	}
	if p.Site.Communication.CheckCRL {
		var intranet, ibcm, viaCMG []string
		cmgs := map[string]bool{}
		for _, c := range p.Clients {
			if c.Management != plan.ManageInternetOnly {
				intranet = append(intranet, "population "+c.Name)
			}
			switch {
			case c.Via == plan.ViaCMG:
				viaCMG = append(viaCMG, "population "+c.Name)
				if g := p.DefaultCMG(c); g != nil {
					cmgs[g.Name] = true
				}
			case c.Internet():
				ibcm = append(ibcm, "population "+c.Name)
			}
		}
		path := plan.Path("site", "communication", "checkCRL")
		if len(intranet) > 0 {
			for _, z := range p.Zones {
				if z.Kind == plan.ZoneIntranet {
					b.cdpFlows(b.clientsPeer(z), chain, false, "intranet clients check revocation of site system certificates", path,
						append([]string{"site.communication.checkCRL"}, intranet...))
				}
			}
		}
		internet := b.internetPeer(plan.PeerInternet, "any")
		if len(ibcm)+len(viaCMG) > 0 {
			b.cdpFlows(internet, chain, true, "internet clients check revocation of site system certificates", path,
				append(append([]string{"site.communication.checkCRL"}, ibcm...), viaCMG...))
		}
		for _, g := range p.CMGs {
			if cmgs[g.Name] {
				b.cdpFlows(internet, p.Chain(g.CertificateAuthority), true,
					fmt.Sprintf("internet clients check revocation of the certificate of CMG %s", g.ServiceName),
					plan.Join(g.Path, "certificate", "authority"), append([]string{"site.communication.checkCRL"}, viaCMG...))
			}
		}
	}
	for _, g := range p.CMGs {
		if !g.VerifyClientRevocation {
			continue
		}
		var pki []string
		for _, c := range p.Clients {
			if c.Via == plan.ViaCMG && c.Auth == plan.AuthPKI && p.DefaultCMG(c) == g {
				pki = append(pki, "population "+c.Name)
			}
		}
		if len(pki) > 0 {
			b.cdpFlows(b.internetPeer(plan.PeerCMG, g.Name), p.ClientChain(), true,
				fmt.Sprintf("CMG %s checks revocation of client certificates", g.ServiceName),
				plan.Join(g.Path, "verifyClientRevocation"), append([]string{"cmg " + g.Name + " verifyClientRevocation"}, pki...))
		}
	}
}

// cdpFlows adds a flow from a machine to each HTTP CRL distribution point of a chain. fromInternet keeps
// only the CDPs published on the internet (nothing else is reachable from there).
func (b *flowBuilder) cdpFlows(from peer, chain []*plan.Authority, fromInternet bool, purpose, path string, requiredBy []string) {
	for _, a := range chain {
		if fromInternet && !a.CRL.Internet {
			continue
		}
		for _, raw := range a.CRL.HTTP {
			u, err := url.Parse(raw)
			if err != nil || u.Hostname() == "" {
				continue
			}
			port := services[svcHTTPCDP].TCP
			if u.Port() != "" {
				n, err := strconv.Atoi(u.Port())
				if err != nil || n < 1 || n > 65535 {
					continue
				}
				port = ports(n)
			} else if u.Scheme == "https" {
				port = ports(443)
			}
			b.add(from, b.cdpPeer(a, u.Hostname()), tcp, port, purpose+" from the HTTP CRL distribution point", path, learn.PlanCertificates,
				append(slices.Clone(requiredBy), "authority "+a.Name)...)
		}
	}
}

// softwareUpdateFlows: the synchronizing software update point gets updates from Microsoft Update (HTTP 80
// and HTTPS 443) or its upstream WSUS server; every other software update point of the site synchronizes
// with it on its WSUS ports.
func (b *flowBuilder) softwareUpdateFlows() {
	p := b.p
	su := p.Site.SoftwareUpdates
	var sups []*plan.System
	for _, s := range p.Systems {
		if s.Roles.SoftwareUpdatePoint != nil {
			sups = append(sups, s)
		}
	}
	if len(sups) == 0 {
		return
	}
	sync := sups[0]
	if s := p.System(su.SyncPoint); s != nil && s.Roles.SoftwareUpdatePoint != nil {
		sync = s
	}
	syncSUP := sync.Roles.SoftwareUpdatePoint
	req := sync.Name + " " + syncSUP.Kind
	if su.Source == plan.SourceMicrosoftUpdate {
		b.add(b.systemPeer(sync), b.internetPeer(plan.PeerMicrosoftUpdate, "microsoft-update"), tcp, services[svcMicrosoftUpdate].TCP,
			"synchronizing software update point downloads update metadata from Microsoft Update", su.Path, learn.Ports, req)
	} else {
		up, ports := b.upstreamPeer(su.Source)
		b.add(b.systemPeer(sync), up, tcp, ports,
			"synchronizing software update point downloads update metadata from its upstream WSUS server "+su.Source,
			plan.Join(su.Path, "source"), learn.PlanSoftwareUpdates, req)
	}
	for _, s := range sups {
		if s == sync {
			continue
		}
		b.add(b.systemPeer(s), b.systemPeer(sync), tcp, ports(syncSUP.HTTPPort, syncSUP.HTTPSPort),
			fmt.Sprintf("software update point synchronizes with %s, the site's synchronizing software update point (WSUS ports)", sync.Name),
			s.Roles.SoftwareUpdatePoint.Path, learn.PlanSoftwareUpdates, s.Name+" "+s.Roles.SoftwareUpdatePoint.Kind, req)
	}
}

// upstreamPeer is the upstream WSUS server: a system of the design with a software update point, or a
// machine outside the design in the site server's zone on the default WSUS ports.
func (b *flowBuilder) upstreamPeer(fqdn string) (peer, []plan.PortRange) {
	if s := b.p.SystemByFQDN(fqdn); s != nil {
		if sup := s.Roles.SoftwareUpdatePoint; sup != nil {
			return b.systemPeer(s), ports(sup.HTTPPort, sup.HTTPSPort)
		}
		return b.systemPeer(s), ports(8530, 8531)
	}
	z := b.p.Site.Zone
	return peer{kind: plan.PeerUpstreamWSUS, name: strings.ToLower(fqdn), zone: z, addrs: b.zoneAddrs(z)}, ports(8530, 8531)
}

// cmgFlows: connection points open the channel to their gateway and forward client requests to the
// CMG-enabled management points and software update points; an online service connection point manages
// cloud services in Azure.
func (b *flowBuilder) cmgFlows() {
	p := b.p
	for _, g := range p.CMGs {
		gw := b.internetPeer(plan.PeerCMG, g.Name)
		key, prs := cmgPorts(g)
		var mps []*plan.System
		if mp := p.System(g.ManagementPoint); mp != nil && mp.Roles.ManagementPoint != nil {
			mps = append(mps, mp)
		}
		for _, s := range p.Systems {
			if mp := s.Roles.ManagementPoint; mp != nil && mp.CMGTraffic && !slices.Contains(mps, s) {
				mps = append(mps, s)
			}
		}
		for _, name := range g.ConnectionPoints {
			cpSys := p.System(name)
			if cpSys == nil {
				continue
			}
			cp := b.systemPeer(cpSys)
			req := "cmg " + g.Name
			channel := services[key].Name
			if g.Deployment == plan.DeploymentClassic {
				channel += " with its HTTPS fallback"
			}
			b.add(cp, gw, tcp, prs, fmt.Sprintf("CMG connection point opens the %s to %s (%s, %s)", channel, g.ServiceName, g.Deployment, plural(g.VMs, "VM")),
				plan.Join(g.Path, "connectionPoints"), learn.CMGDataFlow, req)
			for _, mpSys := range mps {
				mp := mpSys.Roles.ManagementPoint
				if mp.Connections == plan.ConnectionsHTTPS {
					b.add(cp, b.systemPeer(mpSys), tcp, ports(p.Site.Ports.HTTPS),
						fmt.Sprintf("CMG connection point forwards client requests to management point %s over HTTPS", mpSys.Name),
						plan.Join(mp.Path, "cmgTraffic"), learn.CMGDataFlow, req, mpSys.Name+" "+mp.Kind)
					continue
				}
				// An HTTP management point on an enhanced-HTTP site takes CMG traffic over HTTPS on 443 with
				// its site-issued certificate; the data-flow table makes the port depend on the MP's
				// configuration, so its HTTP port stays open too.
				b.add(cp, b.systemPeer(mpSys), tcp, ports(443, p.Site.Ports.HTTP),
					fmt.Sprintf("CMG connection point forwards client requests to management point %s (HTTPS 443 with the site-issued certificate of enhanced HTTP, and HTTP)", mpSys.Name),
					plan.Join(mp.Path, "cmgTraffic"), learn.CMGAuth, req, mpSys.Name+" "+mp.Kind)
			}
			for _, supSys := range p.Systems {
				sup := supSys.Roles.SoftwareUpdatePoint
				if sup == nil || !sup.CMGTraffic {
					continue
				}
				port, words := sup.HTTPSPort, "HTTPS"
				if !sup.SSL {
					port, words = sup.HTTPPort, "HTTP"
				}
				b.add(cp, b.systemPeer(supSys), tcp, ports(port),
					fmt.Sprintf("CMG connection point forwards client requests to software update point %s over %s", supSys.Name, words),
					plan.Join(sup.Path, "cmgTraffic"), learn.CMGDataFlow, req, supSys.Name+" "+sup.Kind)
			}
		}
	}
	azure := b.internetPeer(plan.PeerAzure, "azure")
	for _, s := range p.Systems {
		scp := s.Roles.ServiceConnectionPoint
		if scp == nil || scp.Mode != plan.SCPOnline {
			continue
		}
		b.add(b.systemPeer(s), azure, tcp, services[svcAzureManagement].TCP,
			"online service connection point to Azure (management.azure.com and the cloud service endpoints)",
			plan.Join(scp.Path, "mode"), learn.InternetEndpoints, s.Name+" "+scp.Kind)
	}
}

// Peers.

func (b *flowBuilder) zoneAddrs(zone string) []string {
	if z := b.p.Zone(zone); z != nil {
		return canonAddrs(z.CIDRs)
	}
	return nil
}

// addrs is a machine's own address, or its zone's ranges when the design gives none.
func (b *flowBuilder) addrs(address, zone string) []string {
	if address != "" {
		return canonAddrs([]string{address})
	}
	return b.zoneAddrs(zone)
}

func (b *flowBuilder) internetPeer(kind, name string) peer {
	z := b.p.InternetZone()
	return peer{kind: kind, name: name, zone: z, addrs: b.zoneAddrs(z)}
}

// clientsPeer is the client populations of an intranet zone: the zone's ranges.
func (b *flowBuilder) clientsPeer(z *plan.Zone) peer {
	return peer{kind: plan.PeerClients, name: z.Name + "-clients", zone: z.Name, addrs: canonAddrs(z.CIDRs)}
}

func (b *flowBuilder) systemPeer(s *plan.System) peer {
	return peer{kind: plan.PeerSystem, name: s.Name, zone: s.Zone, addrs: b.addrs(s.Address, s.Zone), forest: s.Forest}
}

// proxyPeer is a publishing entry as the internet sees it (public: its public address too) or as its
// backends do.
func (b *flowBuilder) proxyPeer(pub *plan.Publishing, public bool) peer {
	pr := peer{kind: plan.PeerProxy, name: pub.Name, zone: pub.Zone, addrs: b.addrs(pub.Address, pub.Zone)}
	if public && pub.Public != "" {
		pr.public = canonAddrs([]string{pub.Public})
	}
	return pr
}

func (b *flowBuilder) dcPeer(dc *plan.DomainController) peer {
	return peer{kind: plan.PeerDomainController, name: dc.FQDN, zone: dc.Zone, addrs: b.addrs(dc.Address, dc.Zone)}
}

// cdpPeer is the host of an HTTP CRL distribution point. An address literal is placed in its zone; a name
// is on the internet when its authority publishes the CRL there, otherwise in the site server's zone. A
// name that is a site system of the design is that system.
func (b *flowBuilder) cdpPeer(a *plan.Authority, host string) peer {
	key := a.Name + "\x00" + host
	if pr, ok := b.cdps[key]; ok {
		return pr
	}
	pr := b.resolveCDP(a, host)
	b.cdps[key] = pr
	return pr
}

// resolveCDP places a CDP host; cdpPeer remembers the answer, since every IIS site system asks for the same
// hosts.
func (b *flowBuilder) resolveCDP(a *plan.Authority, host string) peer {
	if ip, err := netip.ParseAddr(host); err == nil {
		ip = ip.Unmap()
		if z := b.p.ZoneOf(ip); z != nil {
			return peer{kind: plan.PeerCDP, name: ip.String(), zone: z.Name, addrs: []string{ip.String()}}
		}
	}
	if s := b.p.SystemByFQDN(host); s != nil {
		return b.systemPeer(s)
	}
	zone := b.p.Site.Zone
	if a.CRL.Internet {
		zone = b.p.InternetZone()
	}
	return peer{kind: plan.PeerCDP, name: strings.ToLower(host), zone: zone, addrs: b.zoneAddrs(zone)}
}

// machinePeer is the site server or database: the systems entry with that FQDN when there is one (the same
// machine), otherwise the FQDN itself.
func (b *flowBuilder) machinePeer(fqdn, kind, address, zone, forest string) peer {
	if s := b.p.SystemByFQDN(fqdn); s != nil {
		if address == "" {
			address = s.Address
		}
		if s.Forest != "" {
			forest = s.Forest
		}
		return peer{kind: plan.PeerSystem, name: s.Name, zone: zone, addrs: b.addrs(address, zone), forest: forest}
	}
	return peer{kind: kind, name: fqdn, zone: zone, addrs: b.addrs(address, zone), forest: forest}
}

func (b *flowBuilder) siteServerPeer() peer {
	s := b.p.Site
	return b.machinePeer(s.Server, plan.PeerSiteServer, s.Address, s.Zone, s.Forest)
}

// databasePeer is the site database server, a member of the site's forest.
func (b *flowBuilder) databasePeer() peer {
	s := b.p.Site
	db := s.Database
	if strings.EqualFold(db.Server, s.Server) {
		addr := db.Address
		if addr == "" {
			addr = s.Address
		}
		return b.machinePeer(s.Server, plan.PeerSiteServer, addr, db.Zone, s.Forest)
	}
	return b.machinePeer(db.Server, plan.PeerSiteDatabase, db.Address, db.Zone, s.Forest)
}

func rolePath(s *plan.System, kind string) string {
	for _, r := range s.Roles.List() {
		if r.Kind == kind {
			return r.Path
		}
	}
	return ""
}

// sortAddrs orders addresses numerically (10.0.0.9 before 10.0.0.10), ranges after them.
func sortAddrs(addrs []string) []string {
	key := func(s string) netip.Prefix {
		if pfx, err := netip.ParsePrefix(s); err == nil {
			return pfx
		}
		a, _ := netip.ParseAddr(s)
		return netip.PrefixFrom(a, a.BitLen())
	}
	slices.SortFunc(addrs, func(x, y string) int {
		px, py := key(x), key(y)
		return cmp.Or(px.Addr().Compare(py.Addr()), cmp.Compare(py.Bits(), px.Bits()), cmp.Compare(x, y))
	})
	return addrs
}

// canonAddrs spells addresses and prefixes canonically (a /32 or /128 as the bare address) and drops
// duplicates; the schema has already refused malformed ones.
func canonAddrs(in []string) []string {
	var out []string
	seen := make(map[string]bool, len(in))
	for _, s := range in {
		var c string
		if strings.Contains(s, "/") {
			pfx, err := netip.ParsePrefix(s)
			if err != nil {
				continue
			}
			pfx = pfx.Masked()
			if pfx.IsSingleIP() {
				c = pfx.Addr().String()
			} else {
				c = pfx.String()
			}
		} else {
			a, err := netip.ParseAddr(s)
			if err != nil {
				continue
			}
			c = a.WithZone("").Unmap().String()
		}
		if !seen[c] {
			seen[c] = true
			out = append(out, c)
		}
	}
	return out
}

// normalizePorts sorts ranges and merges overlapping or adjacent ones, so firewalls never see a
// conflicting interval.
func normalizePorts(in []plan.PortRange) []plan.PortRange {
	var rs []plan.PortRange
	for _, r := range in {
		if r.From >= 1 && r.To <= 65535 && r.From <= r.To {
			rs = append(rs, r)
		}
	}
	slices.SortFunc(rs, func(a, b plan.PortRange) int { return cmp.Or(cmp.Compare(a.From, b.From), cmp.Compare(a.To, b.To)) })
	var out []plan.PortRange
	for _, r := range rs {
		if n := len(out); n > 0 && r.From <= out[n-1].To+1 {
			out[n-1].To = max(out[n-1].To, r.To)
			continue
		}
		out = append(out, r)
	}
	return out
}

// safeID keeps letters, digits, '.', '_' and '-' so an ID is usable as a firewall rule name.
func safeID(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x80 && (r == '.' || r == '_' || r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return r
		}
		return '-'
	}, s)
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}
