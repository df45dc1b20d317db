package derive

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/ibcmc/ibcmc/plan"
)

// maxSiteSystemClientKey is the largest client-authentication key Configuration Manager supports on
// distribution points and for management point monitoring ("Maximum supported key length is 2,048 bits",
// learn.PKICertificates; rule IB311).
const maxSiteSystemClientKey = 2048

// CertRequests lists every certificate the design needs (learn.PKICertificates): web server
// certificates of HTTPS IIS site systems, the monitoring client certificates of HTTPS management points,
// distribution point client certificates, the bridging proxies' server and client certificates, each CMG's
// server certificate, and the CMG connection points' client certificates when PKI clients meet an HTTPS
// management point.
func CertRequests(p *plan.Plan) {
	d := certDeriver{p: p, seen: map[string]bool{}}
	for _, s := range p.Systems {
		d.system(s)
	}
	for _, pub := range p.Publishing {
		d.proxy(pub)
	}
	for _, g := range p.CMGs {
		d.cmg(g)
	}
	slices.SortFunc(p.CertRequests, func(a, b *plan.CertRequest) int { return cmp.Compare(a.ID, b.ID) })
}

// maxCommonName is the longest subject common name a certificate can carry.
const maxCommonName = 64

type certDeriver struct {
	p    *plan.Plan
	seen map[string]bool
}

func (d *certDeriver) add(r *plan.CertRequest) {
	r.ID = r.Subject + "-" + r.Purpose
	// A subject CN holds at most 64 characters (RFC 5280 ub-common-name; openssl req and certreq refuse
	// more). Clients match the SAN, so a longer FQDN stays there and the CN is the host name, as AD CS
	// builds it from the computer name. The CMG's CN is its service name and cannot be shortened (IB602).
	if len(r.CommonName) > maxCommonName && r.Purpose != plan.PurposeCMGServer {
		r.CommonName, _, _ = strings.Cut(r.CommonName, ".")
	}
	// A connection point shared by two gateways needs its certificate once.
	if d.seen[r.ID] {
		return
	}
	d.seen[r.ID] = true
	if r.Hash == "" {
		r.Hash = string(d.p.PKI.Hash)
	}
	if r.Provider == "" {
		r.Provider = providerName(d.p.PKI.Provider)
	}
	if r.Authority == "" {
		r.Authority = d.p.PKI.Issuer
	}
	if !usesTemplates(d.p, r.Authority) {
		r.Template = ""
	}
	d.p.CertRequests = append(d.p.CertRequests, r)
}

func providerName(provider plan.KeyProvider) string {
	if provider == plan.KeyProviderCSP {
		return plan.ProviderCSP
	}
	return plan.ProviderKSP
}

// usesTemplates reports whether an authority issues from certificate templates: only enterprise CAs do.
// An unknown authority (IB211 reports it) keeps the template so the request stays complete.
func usesTemplates(p *plan.Plan, authority string) bool {
	a := p.Authority(authority)
	return a == nil || a.Kind == "" || a.Kind == plan.AuthorityEnterprise
}

// revocationChecked reports whether internet clients check the revocation of site-system certificates.
func revocationChecked(p *plan.Plan, via func(c *plan.Population) bool) bool {
	if !p.Site.Communication.CheckCRL {
		return false
	}
	for _, c := range p.Clients {
		if c.Internet() && via(c) {
			return true
		}
	}
	return false
}

func viaIBCM(c *plan.Population) bool { return c.Via != plan.ViaCMG }

func (d *certDeriver) system(s *plan.System) {
	p, r := d.p, s.Roles
	name := s.PrimaryFQDN()
	if name == "" {
		return // the compiler reports a system without names (IB000)
	}
	pkiKey := p.PKI.KeyLength

	// One web server certificate serves every HTTPS IIS role of the system and carries all its names: an
	// internet-only software update point needs the intranet name too (learn.PKICertificates; IB221 reports a
	// system without one).
	var httpsRoles []string
	var bindings []string
	rolePath := ""
	if mp := r.ManagementPoint; mp != nil && mp.Connections == plan.ConnectionsHTTPS {
		httpsRoles = append(httpsRoles, "management point")
		rolePath = cmp.Or(rolePath, mp.Path)
	}
	if dp := r.DistributionPoint; dp != nil && dp.Connections == plan.ConnectionsHTTPS {
		httpsRoles = append(httpsRoles, "distribution point")
		rolePath = cmp.Or(rolePath, dp.Path)
	}
	if len(httpsRoles) > 0 {
		bindings = append(bindings, fmt.Sprintf("Default Web Site https %d", p.Site.Ports.HTTPS))
	}
	if sup := r.SoftwareUpdatePoint; sup != nil && sup.SSL {
		httpsRoles = append(httpsRoles, "software update point")
		rolePath = cmp.Or(rolePath, sup.Path)
		bindings = append(bindings, fmt.Sprintf("WSUS Administration https %d", sup.HTTPSPort))
	}
	if len(httpsRoles) > 0 {
		d.add(&plan.CertRequest{
			Subject: s.Name, Purpose: plan.PurposeWebServer,
			CommonName: name, DNSNames: s.FQDNs(), EKUs: []string{plan.EKUServerAuth},
			Template: p.PKI.Templates.WebServer, KeyLength: pkiKey,
			Description:  fmt.Sprintf("web server certificate of %s (%s)", s.Name, strings.Join(httpsRoles, ", ")),
			InstallOn:    fmt.Sprintf("%s: Local Computer\\Personal store; IIS bindings: %s", s.Name, strings.Join(bindings, "; ")),
			NeedsHTTPCDP: s.InternetFacing() && revocationChecked(p, viaIBCM),
			Path:         rolePath,
		})
	}
	// Management points are monitored with a client certificate "when they are set up to use HTTPS"
	// (learn.ExamplePKIDeployment); an HTTP or Enhanced HTTP management point has no use for one.
	if mp := r.ManagementPoint; mp != nil && mp.Connections == plan.ConnectionsHTTPS {
		d.add(&plan.CertRequest{
			Subject: s.Name, Purpose: plan.PurposeClient,
			CommonName: name, DNSNames: []string{name}, EKUs: []string{plan.EKUClientAuth},
			Template: p.PKI.Templates.Client, KeyLength: min(pkiKey, maxSiteSystemClientKey),
			MaxKeyLength: maxSiteSystemClientKey,
			Description:  fmt.Sprintf("client certificate of management point %s (site system monitoring)", s.Name),
			InstallOn:    fmt.Sprintf("%s: Local Computer\\Personal store", s.Name),
			Path:         mp.Path,
		})
	}
	if dp := r.DistributionPoint; dp != nil {
		d.add(&plan.CertRequest{
			Subject: s.Name, Purpose: plan.PurposeDPClient,
			CommonName: name, DNSNames: []string{name}, EKUs: []string{plan.EKUClientAuth},
			Template: p.PKI.Templates.DistributionPoint, KeyLength: min(pkiKey, maxSiteSystemClientKey),
			MaxKeyLength: maxSiteSystemClientKey, Exportable: true,
			Description: fmt.Sprintf("client certificate of distribution point %s", s.Name),
			InstallOn: fmt.Sprintf("Configuration Manager console: export as .pfx with its private key and import it "+
				"in the properties of distribution point %s", s.Name),
			Path: dp.Path,
		})
	}
}

// proxy derives a bridging proxy's two certificates: the server certificate clients see for every internet
// FQDN it terminates TLS for, and the client certificate it presents to the site systems behind it.
func (d *certDeriver) proxy(pub *plan.Publishing) {
	if pub.Mode != plan.ModeBridging {
		return // tunneling and port forwarding have no certificate on the proxy
	}
	p := d.p
	https := map[string]bool{}
	for _, e := range p.Endpoints {
		if e.Publishing == pub.Name && e.Protocol == "https" {
			https[e.Target] = true
		}
	}
	var names []string
	for _, sys := range pub.Systems {
		s := p.System(sys)
		if s == nil || !https[s.Name] || s.InternetFQDN == "" {
			continue
		}
		if !slices.ContainsFunc(names, func(n string) bool { return strings.EqualFold(n, s.InternetFQDN) }) {
			names = append(names, s.InternetFQDN)
		}
	}
	if len(names) == 0 {
		return // only plain HTTP (a fallback status point) passes this proxy
	}
	d.add(&plan.CertRequest{
		Subject: pub.Name, Purpose: plan.PurposeProxyServer,
		CommonName: names[0], DNSNames: names, EKUs: []string{plan.EKUServerAuth},
		Template: p.PKI.Templates.WebServer, KeyLength: p.PKI.KeyLength,
		Description:  fmt.Sprintf("server certificate of bridging proxy %s", pub.Name),
		InstallOn:    fmt.Sprintf("proxy %s (%s): TLS server certificate for the published names", pub.Name, pub.Product),
		NeedsHTTPCDP: revocationChecked(p, viaIBCM),
		Path:         plan.Join(pub.Path, "mode"),
	})
	d.add(&plan.CertRequest{
		Subject: pub.Name, Purpose: plan.PurposeProxyClient,
		CommonName: names[0], DNSNames: []string{names[0]}, EKUs: []string{plan.EKUClientAuth},
		Template: p.PKI.Templates.Client, KeyLength: p.PKI.KeyLength,
		Description: fmt.Sprintf("client certificate of bridging proxy %s", pub.Name),
		InstallOn:   fmt.Sprintf("proxy %s (%s): client certificate presented to the site systems it publishes", pub.Name, pub.Product),
		Path:        plan.Join(pub.Path, "mode"),
	})
}

// cmg derives a gateway's server certificate and, when PKI clients use it and its management point is
// HTTPS, a client certificate for each connection point (learn.CMGAuth, "CMG connection point").
func (d *certDeriver) cmg(g *plan.CMG) {
	p := d.p
	// The CMG accepts 2048- or 4096-bit keys only (learn.CMGServerCert; IB307).
	key := 2048
	if p.PKI.KeyLength == 4096 {
		key = 4096
	}
	uses := func(c *plan.Population) bool { return c.Via == plan.ViaCMG && p.DefaultCMG(c) == g }
	d.add(&plan.CertRequest{
		Subject: g.Name, Purpose: plan.PurposeCMGServer,
		CommonName: g.ServiceName, DNSNames: []string{g.ServiceName}, EKUs: []string{plan.EKUServerAuth},
		Template: p.PKI.Templates.WebServer, KeyLength: key, Exportable: true,
		Authority:   g.CertificateAuthority,
		Description: fmt.Sprintf("server certificate of cloud management gateway %s", g.Name),
		InstallOn: fmt.Sprintf("export as .pfx with its private key and upload it in the cloud management gateway "+
			"wizard for %s; public DNS: %s must resolve to the deployment", g.Name, g.ServiceName),
		NeedsHTTPCDP: revocationChecked(p, uses),
		Path:         plan.Join(g.Path, "serviceName"),
	})
	pkiClients := false
	for _, c := range p.Clients {
		if uses(c) && c.Auth == plan.AuthPKI {
			pkiClients = true
		}
	}
	mpSys := p.System(g.ManagementPoint)
	if !pkiClients || mpSys == nil || mpSys.Roles.ManagementPoint == nil || mpSys.Roles.ManagementPoint.Connections != plan.ConnectionsHTTPS {
		return
	}
	for i, cp := range g.ConnectionPoints {
		s := p.System(cp)
		if s == nil || s.PrimaryFQDN() == "" {
			continue
		}
		d.add(&plan.CertRequest{
			Subject: s.Name, Purpose: plan.PurposeConnectionPoint,
			CommonName: s.PrimaryFQDN(), DNSNames: []string{s.PrimaryFQDN()}, EKUs: []string{plan.EKUClientAuth},
			Template: p.PKI.Templates.Client, KeyLength: p.PKI.KeyLength,
			Description: fmt.Sprintf("client certificate of CMG connection point %s", s.Name),
			InstallOn: fmt.Sprintf("%s: Local Computer\\Personal store; must chain to a root management point %s trusts",
				s.Name, mpSys.Name),
			Path: plan.Index(plan.Join(g.Path, "connectionPoints"), i),
		})
	}
}
