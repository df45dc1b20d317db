package compiler

import (
	"cmp"
	"fmt"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/ibcmc/ibcmc/plan"
)

// deriveFlows lists every connection the design needs through a firewall, and nothing more
// (spec/outputs.md "Flows"): internet clients to the published endpoints, proxies to their backends, the
// site server to and from site systems outside its zone, management and enrollment points to the site
// database, internet-facing management points to domain controllers for user policy, CMG connection points
// to their gateway and to the MPs and SUPs that serve CMG traffic, the service connection point to Azure,
// and internet clients (and a revocation-checking CMG) to the HTTP CRL distribution points.
func deriveFlows(p *plan.Plan) {
	b := &flowBuilder{p: p, byKey: map[string]*plan.Flow{}, ids: map[string]string{}}
	b.internetFlows()
	b.siteServerFlows()
	b.databaseFlows()
	b.userPolicyFlows()
	b.cmgFlows()
	b.revocationFlows()
	for _, f := range b.flows {
		slices.Sort(f.RequiredBy)
		f.RequiredBy = slices.Compact(f.RequiredBy)
	}
	slices.SortFunc(b.flows, func(x, y *plan.Flow) int {
		return cmp.Or(cmp.Compare(x.FromZone, y.FromZone), cmp.Compare(x.ToZone, y.ToZone), cmp.Compare(x.ID, y.ID))
	})
	p.Flows = b.flows
}

// peer is one end of a flow.
type peer struct {
	kind, name, zone string
	addrs            []string
}

type flowBuilder struct {
	p     *plan.Plan
	flows []*plan.Flow
	byKey map[string]*plan.Flow
	ids   map[string]string // flow ID → key, to keep IDs unique
}

const (
	tcp = "tcp"
	udp = "udp"
)

// add records a flow, or merges purpose and requirements into the flow with the same ends, protocol and
// ports. A machine never needs a flow to itself.
func (b *flowBuilder) add(from, to peer, proto string, prs []plan.PortRange, purpose, path string, requiredBy ...string) {
	prs = normalizePorts(prs)
	sameMachine := from.name == to.name && (from.kind == to.kind || plan.Windows(from.kind) && plan.Windows(to.kind))
	if len(prs) == 0 || sameMachine {
		return
	}
	spelled := make([]string, len(prs))
	for i, r := range prs {
		spelled[i] = r.String()
	}
	key := strings.Join([]string{from.kind, from.name, to.kind, to.name, proto, strings.Join(spelled, ",")}, "\x00")
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
		ToAddresses: to.addrs, ToAddress: strings.Join(to.addrs, " "),
		Protocol: proto, Ports: prs, Purpose: purpose,
		RequiredBy: slices.Clone(requiredBy), Path: path,
	}
	b.byKey[key] = f
	b.flows = append(b.flows, f)
}

// addServices adds one TCP and one UDP flow for fixed services of the port table, plus extra TCP ports. The
// purpose gains the services' names so a reviewer sees why each port is there.
func (b *flowBuilder) addServices(from, to peer, purpose, path string, requiredBy []string, keys ...serviceKey) {
	for _, proto := range []string{tcp, udp} {
		var prs []plan.PortRange
		var names []string
		for _, k := range keys {
			s := services[k]
			ps := s.TCP
			if proto == udp {
				ps = s.UDP
			}
			if len(ps) == 0 {
				continue
			}
			prs = append(prs, ps...)
			spelled := make([]string, len(ps))
			for i, r := range ps {
				spelled[i] = r.String()
			}
			names = append(names, s.Name+" "+strings.Join(spelled, ","))
		}
		b.add(from, to, proto, prs, purpose+" ("+strings.Join(names, ", ")+")", path, requiredBy...)
	}
}

// internetFlows: internet clients reach each published endpoint on the proxy's public address (or the
// system itself when nothing publishes it), and each proxy forwards the same ports to its backend.
func (b *flowBuilder) internetFlows() {
	p := b.p
	internet := b.internetPeer(plan.PeerInternet, "any")
	for _, e := range p.Endpoints {
		s := p.System(e.Target)
		if e.Mode == "cmg" || s == nil {
			continue
		}
		roles := strings.Join(e.Roles, ", ")
		var req []string
		path := plan.Join(s.Path, "fqdn", "internet")
		for _, kind := range e.Roles {
			req = append(req, s.Name+" "+kind)
			if rp := rolePath(s, kind); rp != "" && path == plan.Join(s.Path, "fqdn", "internet") {
				path = plan.Join(rp, "allow")
			}
		}
		port := []plan.PortRange{{From: e.Port, To: e.Port}}
		if e.Publishing == "" {
			b.add(internet, b.systemPeer(s), tcp, port,
				fmt.Sprintf("internet clients to %s %s (%s), reached directly", strings.ToUpper(e.Protocol), e.FQDN, roles), path, req...)
			continue
		}
		pub := p.PublishingEntry(e.Publishing)
		if pub == nil {
			continue
		}
		b.add(internet, b.proxyPeer(pub, true), tcp, port,
			fmt.Sprintf("internet clients to %s %s (%s) published by %s", strings.ToUpper(e.Protocol), e.FQDN, roles, pub.Name), path, req...)
		b.add(b.proxyPeer(pub, false), b.systemPeer(s), tcp, port,
			fmt.Sprintf("%s forwards %s (%s) to %s %s", pub.Name, e.FQDN, roles, s.Name, backendWords(pub.Mode, e.Protocol)),
			plan.Join(pub.Path, "systems"), append([]string{"publishing " + pub.Name}, req...)...)
	}
}

// backendWords says how a proxy talks to the backend: bridging opens a new TLS connection (plain HTTP to a
// fallback status point), tunneling and port forwarding pass TCP through.
func backendWords(mode, scheme string) string {
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

// siteServerFlows: the site server installs and configures site systems outside its zone over SMB and RPC
// (and WSUS's API on a software update point). Systems whose site server does not initiate every
// connection call back with status and files; distribution points never do (they send no status).
func (b *flowBuilder) siteServerFlows() {
	p := b.p
	server := b.siteServerPeer()
	for _, s := range p.Systems {
		if s.Zone == p.Site.Zone {
			continue
		}
		sys := b.systemPeer(s)
		var req []string
		for _, r := range s.Roles.List() {
			req = append(req, s.Name+" "+r.Kind)
		}
		b.addServices(server, sys, "site server installs and configures site system roles", plan.Join(s.Path, "zone"), req,
			svcSMB, svcRPCEndpointMapper, svcRPCDynamic)
		if sup := s.Roles.SoftwareUpdatePoint; sup != nil {
			b.add(server, sys, tcp, ports(sup.HTTPPort, sup.HTTPSPort),
				"site server configures WSUS on the software update point (WSUS HTTP and HTTPS ports)",
				plan.Join(sup.Path, "ports"), s.Name+" "+sup.Kind)
		}
		if !s.SiteServerInitiates && sendsStatus(s) {
			b.addServices(sys, server, "site system calls the site server back with status and files (siteServerInitiates is false)",
				plan.Join(s.Path, "siteServerInitiates"), req, svcSMB, svcRPCEndpointMapper, svcRPCDynamic)
		}
	}
	db := b.databasePeer()
	if p.Site.Database.Zone != p.Site.Zone {
		b.add(server, db, tcp, ports(p.Site.Database.Port), "site server to the site database (SQL Server)",
			plan.Path("site", "database", "zone"), "site server")
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

// databaseFlows: management points and enrollment points query the site database directly; the flow
// crosses a firewall when they sit outside the database's zone.
func (b *flowBuilder) databaseFlows() {
	p := b.p
	db := b.databasePeer()
	for _, s := range p.Systems {
		if s.Zone == p.Site.Database.Zone {
			continue
		}
		for _, r := range []*plan.Role{roleOf(s.Roles.ManagementPoint), s.Roles.EnrollmentPoint} {
			if r == nil {
				continue
			}
			b.add(b.systemPeer(s), db, tcp, ports(p.Site.Database.Port),
				fmt.Sprintf("%s to the site database (SQL Server)", roleWords(r.Kind)), r.Path, s.Name+" "+r.Kind)
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
	case plan.RoleEnrollmentPoint:
		return "enrollment point"
	}
	return kind
}

// userPolicyFlows: an internet-facing management point authenticates internet users (Kerberos, NTLM
// through its DC, LDAP and global catalog lookups) against the domain controllers of the users' forest,
// when the site gives user policy to internet clients and a population on the internet wants it.
func (b *flowBuilder) userPolicyFlows() {
	p := b.p
	st := p.Site.Settings
	if !st.UserPolicy || !st.UserPolicyFromInternet {
		return
	}
	for _, s := range p.Systems {
		mp := s.Roles.ManagementPoint
		if mp == nil || !plan.AllowsInternet(mp.Allow) {
			continue
		}
		for _, c := range p.Clients {
			if !c.Internet() || c.Via != "ibcm" || !c.HasFeature("userPolicy") || c.Forest == "" || !p.Trusts(s.Forest, c.Forest) {
				continue
			}
			for _, dc := range p.DomainControllers {
				if dc.Forest != c.Forest {
					continue
				}
				b.addServices(b.systemPeer(s), b.dcPeer(dc),
					fmt.Sprintf("internet-facing management point authenticates users of forest %s for user policy", c.Forest),
					plan.Join(c.Path, "features"), []string{s.Name + " " + mp.Kind, "population " + c.Name + " userPolicy"},
					svcLDAP, svcKerberos, svcGlobalCatalog, svcADEndpointMapper, svcRPCDynamic, svcDNS)
			}
		}
	}
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
			b.add(cp, gw, tcp, prs, fmt.Sprintf("CMG connection point opens the %s to %s (%s, %s)", services[key].Name, g.ServiceName, g.Deployment, plural(g.VMs, "VM")),
				plan.Join(g.Path, "connectionPoints"), req)
			for _, mpSys := range mps {
				mp := mpSys.Roles.ManagementPoint
				port, words := p.Site.Ports.HTTPS, "HTTPS"
				if mp.Connections != "https" {
					port, words = p.Site.Ports.HTTP, "HTTP (enhanced HTTP)"
				}
				b.add(cp, b.systemPeer(mpSys), tcp, ports(port),
					fmt.Sprintf("CMG connection point forwards client requests to management point %s over %s", mpSys.Name, words),
					plan.Join(mp.Path, "cmgTraffic"), req, mpSys.Name+" "+mp.Kind)
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
					plan.Join(sup.Path, "cmgTraffic"), req, supSys.Name+" "+sup.Kind)
			}
		}
	}
	azure := b.internetPeer(plan.PeerAzure, "azure")
	for _, s := range p.Systems {
		scp := s.Roles.ServiceConnectionPoint
		if scp == nil || scp.Mode != "online" {
			continue
		}
		b.add(b.systemPeer(s), azure, tcp, services[svcAzureManagement].TCP,
			"online service connection point to Azure (management.azure.com and the cloud service endpoints)",
			plan.Join(scp.Path, "mode"), s.Name+" "+scp.Kind)
	}
}

// revocationFlows: clients that check the CRL download it from the HTTP CDPs of the site systems' and
// (via a CMG) the gateway's certificate chains; a gateway that verifies client revocation downloads the
// client chain's CRLs. Only CDPs published on the internet are reachable from there (IB301 reports the
// rest); intranet clients fetching CRLs from the intranet cross no firewall ibcmc writes.
func (b *flowBuilder) revocationFlows() {
	p := b.p
	clients := b.internetPeer(plan.PeerClients, "clients")
	if p.Site.Communication.CheckCRL {
		var ibcm, viaCMG []string
		cmgs := map[string]bool{}
		for _, c := range p.Clients {
			switch {
			case c.Via == "cmg":
				viaCMG = append(viaCMG, "population "+c.Name)
				if g := p.DefaultCMG(c); g != nil {
					cmgs[g.Name] = true
				}
			case c.Internet():
				ibcm = append(ibcm, "population "+c.Name)
			}
		}
		if len(ibcm)+len(viaCMG) > 0 {
			req := append(append([]string{"site.communication.checkCRL"}, ibcm...), viaCMG...)
			b.cdpFlows(clients, p.ClientChain(), "internet clients check revocation of site system certificates", plan.Path("site", "communication", "checkCRL"), req)
		}
		for _, g := range p.CMGs {
			if cmgs[g.Name] {
				b.cdpFlows(clients, p.Chain(g.CertificateAuthority),
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
			if c.Via == "cmg" && c.Auth == "pki" && p.DefaultCMG(c) == g {
				pki = append(pki, "population "+c.Name)
			}
		}
		if len(pki) > 0 {
			b.cdpFlows(b.internetPeer(plan.PeerCMG, g.Name), p.ClientChain(),
				fmt.Sprintf("CMG %s checks revocation of client certificates", g.ServiceName),
				plan.Join(g.Path, "verifyClientRevocation"), append([]string{"cmg " + g.Name + " verifyClientRevocation"}, pki...))
		}
	}
}

func (b *flowBuilder) cdpFlows(from peer, chain []*plan.Authority, purpose, path string, requiredBy []string) {
	for _, a := range chain {
		if !a.CRL.Internet {
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
			to := b.internetPeer(plan.PeerCDP, strings.ToLower(u.Hostname()))
			to.addrs = nil // a name only: the design gives no address for a CDP host
			if ip, err := netip.ParseAddr(u.Hostname()); err == nil {
				to.addrs = []string{ip.Unmap().String()}
			}
			b.add(from, to, tcp, port, purpose+" from the HTTP CRL distribution point", path,
				append(slices.Clone(requiredBy), "authority "+a.Name)...)
		}
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

// internetZone is the zone the compiler adds (or the design writes) for the internet.
func (b *flowBuilder) internetZone() string {
	if z := b.p.Zone("internet"); z != nil && z.Kind == "internet" {
		return z.Name
	}
	for _, z := range b.p.Zones {
		if z.Kind == "internet" {
			return z.Name
		}
	}
	return "internet"
}

func (b *flowBuilder) internetPeer(kind, name string) peer {
	z := b.internetZone()
	return peer{kind: kind, name: name, zone: z, addrs: b.zoneAddrs(z)}
}

func (b *flowBuilder) systemPeer(s *plan.System) peer {
	return peer{kind: plan.PeerSystem, name: s.Name, zone: s.Zone, addrs: b.addrs(s.Address, s.Zone)}
}

// proxyPeer is a publishing entry as the internet sees it (its public address) or as its backends do.
func (b *flowBuilder) proxyPeer(pub *plan.Publishing, public bool) peer {
	addr := pub.Address
	if public && pub.Public != "" {
		addr = pub.Public
	}
	return peer{kind: plan.PeerProxy, name: pub.Name, zone: pub.Zone, addrs: b.addrs(addr, pub.Zone)}
}

func (b *flowBuilder) dcPeer(dc *plan.DomainController) peer {
	return peer{kind: plan.PeerDomainController, name: dc.FQDN, zone: dc.Zone, addrs: b.addrs(dc.Address, dc.Zone)}
}

// machinePeer is the site server or database: the systems entry with that FQDN when there is one (the same
// machine), otherwise the FQDN itself.
func (b *flowBuilder) machinePeer(fqdn, kind, address, zone string) peer {
	if s := b.systemByFQDN(fqdn); s != nil {
		if address == "" {
			address = s.Address
		}
		return peer{kind: plan.PeerSystem, name: s.Name, zone: zone, addrs: b.addrs(address, zone)}
	}
	return peer{kind: kind, name: fqdn, zone: zone, addrs: b.addrs(address, zone)}
}

func (b *flowBuilder) siteServerPeer() peer {
	s := b.p.Site
	return b.machinePeer(s.Server, plan.PeerSiteServer, s.Address, s.Zone)
}

func (b *flowBuilder) databasePeer() peer {
	s := b.p.Site
	db := s.Database
	if strings.EqualFold(db.Server, s.Server) {
		addr := db.Address
		if addr == "" {
			addr = s.Address
		}
		return b.machinePeer(s.Server, plan.PeerSiteServer, addr, db.Zone)
	}
	return b.machinePeer(db.Server, plan.PeerSiteDatabase, db.Address, db.Zone)
}

func (b *flowBuilder) systemByFQDN(fqdn string) *plan.System {
	for _, s := range b.p.Systems {
		if strings.EqualFold(s.IntranetFQDN, fqdn) || strings.EqualFold(s.InternetFQDN, fqdn) {
			return s
		}
	}
	return nil
}

func rolePath(s *plan.System, kind string) string {
	for _, r := range s.Roles.List() {
		if r.Kind == kind {
			return r.Path
		}
	}
	return ""
}

// canonAddrs spells addresses and prefixes canonically (a /32 or /128 as the bare address) and drops
// duplicates; the schema has already refused malformed ones.
func canonAddrs(in []string) []string {
	var out []string
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
			c = a.WithZone("").String()
		}
		if !slices.Contains(out, c) {
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
