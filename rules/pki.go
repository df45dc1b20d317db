package rules

import (
	"fmt"
	"strings"

	"github.com/ibcmc/ibcmc/learn"
	"github.com/ibcmc/ibcmc/plan"
)

// Rules 3xx: certification authorities, key policy, certificates and revocation.

var pkiRules = []*Rule{
	{
		Code: "IB301", Name: "crl-unreachable-from-internet", Severities: "E",
		Summary: "IBCM internet clients check revocation, but an authority of the site systems' certificate chain publishes no HTTP CRL on the internet",
		Explain: `What: site.communication.checkCRL is true, the design has IBCM internet clients (a population with
via "ibcm" and management internetOnly or intranetAndInternet, and at least one internet-facing site
system for them to reach), and at least one authority of the certificate chain of pki.issuer (the chain
of the site systems' server certificates) has no HTTP CDP published where internet clients can fetch it
(crl.http with crl.internet: true).
Why: Microsoft: "Computers that use certificate revocation checking but can't locate the CRL behave as if
all certificates in the certification chain are revoked ... In this scenario, all connections fail that
require certificates and include CRL checking." One unreachable CRL is enough: an issuing CA that
publishes only over LDAP (the enterprise CA default, never reachable from the internet) breaks the chain
even when its root publishes on the internet.
Fix: add an HTTP CDP to every listed authority, publish it on the internet (crl.internet: true) and
reissue the certificates that authority signed; or turn off site.communication.checkCRL, and ibcmc adds
/NoCRLCheck to every ccmsetup command line.
Reading: pki.issuer issues both the client and the site-system certificates, so the server chain IBCM
clients validate is the pki.issuer chain. Populations that reach the site only through a CMG don't
count: over a CMG, clients validate the CMG's server certificate, and the CMG connection point carries
their requests to the management point, so the site chain's CRL is not fetched from the internet
(revocation of PKI client certificates at the CMG is IB309). One finding, at
site.communication.checkCRL, naming the IBCM internet populations and every authority that lacks an
internet CRL.`,
		Source: learn.PlanCertificates,
		Check:  checkCRLFromInternet,
	},
	{
		Code: "IB302", Name: "site-system-cannot-reach-crl", Severities: "W",
		Summary: "a site system outside the site forest's network checks client revocation against LDAP-only CRLs",
		Explain: `What: a system in a perimeter zone (or a zone of kind internet), or in an untrusted forest, while no
authority of the client certificate chain (pki.issuer and its parents) has an HTTP CDP (crl.http is
empty for all of them).
Why: Microsoft: "IIS always checks the CRL for client certificates, and you can't change this
configuration in Configuration Manager." A server in a DMZ or in another forest usually cannot query the
site forest's Active Directory for an LDAP CRL, so it cannot verify client certificates and client
connections fail.
Fix: add an HTTP CDP (crl.http) to the authorities of the client certificate chain and reissue the
client certificates, or make sure the system can reach the LDAP CDP.
Reading: a system without a forest (a workgroup server) counts as untrusted. A system in a zone of kind
internet is treated like one in a perimeter zone. This is a warning because the design cannot tell
whether the firewall lets the system query a domain controller over LDAP. One finding per system, at
its zone when the zone is the reason, otherwise at its forest.`,
		Source: learn.PlanCertificates,
		Check:  checkSiteSystemCRL,
	},
	{
		Code: "IB303", Name: "weak-key", Severities: "E",
		Summary: "pki.keyLength 1024 is too weak for ConfigMgr certificates",
		Explain: `What: pki.keyLength is 1024.
Why: 1024-bit RSA keys are below the 2048-bit minimum of every current baseline (NIST SP 800-131A,
the CA/Browser Forum baseline requirements), and the CMG accepts only 2048- or 4096-bit client
certificates. A certificate whose key can be factored lets an attacker impersonate a management point
to internet clients, or a client to the site.
Fix: set pki.keyLength to 2048 (or 3072/4096) in the certificate templates and reissue.
Reading: Microsoft sets no maximum for the IIS web server and client certificates ("Configuration
Manager doesn't specify a maximum supported key length"); only the CMG certificates are limited ("2048-bit or 4096-bit", IB307), and the NDES policy module still lists 1,024
bits as supported. ibcmc nevertheless refuses 1024 bits for every design: certificates that face the
internet must not rely on a key length no current baseline accepts.
See also: ` + learn.CMGAuth,
		Source: learn.PKICertificates,
		Check:  checkWeakKey,
	},
	{
		Code: "IB304", Name: "sha1-signature", Severities: "E",
		Summary: "pki.hash sha1: Windows no longer trusts SHA-1 signed certificates",
		Explain: `What: pki.hash is "sha1".
Why: Microsoft: "Effective February 14, 2017, Windows no longer trusts certain certificates signed with
SHA-1"; new server and client authentication certificates should be signed with SHA-2, and every
internet-facing service (including a purchased CMG certificate) should use a SHA-2 certificate.
Fix: set pki.hash to "sha256" (or sha384/sha512) on the certification authority and reissue.`,
		Source: learn.PKICertificates,
		Check:  checkSHA1,
	},
	{
		Code: "IB305", Name: "cng-on-enrollment-roles", Severities: "E",
		Summary: "CNG (KSP) certificates don't work with the enrollment point or enrollment proxy point",
		Explain: `What: pki.provider is "ksp" (a CNG key storage provider, the default) and a system has the
enrollmentPoint or enrollmentProxyPoint role.
Why: Configuration Manager supports CNG v3 certificates for most roles, but Microsoft: "The following
server roles aren't operational when installed in HTTPS mode with a CNG v3 certificate bound to the web
site in Internet Information Services (IIS): Enrollment point, Enrollment proxy point".
Fix: set pki.provider to "csp" (a legacy CryptoAPI template) for the web server certificate, or remove
those roles (they are deprecated; see IB208).
Reading: one finding at pki.provider naming every system with such a role.`,
		Source: learn.CNGCertificates,
		Check:  checkCNGEnrollment,
	},
	{
		Code: "IB306", Name: "public-ca-two-names", Severities: "W",
		Summary: "a public CA issues the site-system certificates and a system needs two subject names",
		Explain: `What: a system has both fqdn.intranet and fqdn.internet while pki.issuer is an authority of kind
"public".
Why: a site system that accepts connections from both the internet and the intranet needs a web server
certificate with both its internet FQDN and its intranet FQDN. Many public CA products issue one name
per certificate, and a public CA cannot issue a name under a private domain (.local and the like).
Fix: confirm the CA's plan allows two subject names under public domains, or issue the site-system
certificates from an enterprise CA.
Reading: a warning, because some public CA plans do allow several names. One finding per system with
two names, at its fqdn.`,
		Source: learn.PKICertificates,
		Check:  checkPublicCATwoNames,
	},
	{
		Code: "IB307", Name: "cmg-key-length", Severities: "E",
		Summary: "PKI clients of a CMG need 2048- or 4096-bit client certificates",
		Explain: `What: a CMG has populations with auth "pki" and pki.keyLength is neither 2048 nor 4096.
Why: Microsoft: "The CMG client authentication certificate supports the following configurations:
2048-bit or 4096-bit key length".
Fix: set pki.keyLength to 2048 or 4096 and reissue the client certificates.
Reading: one finding per gateway, at pki.keyLength.`,
		Source: learn.CMGAuth,
		Check:  checkCMGKeyLength,
	},
	{
		Code: "IB308", Name: "cmg-trusted-roots-incomplete", Severities: "E",
		Summary: "a CMG with PKI clients lacks an authority of the client certificate chain in its trusted roots",
		Explain: `What: a CMG has populations with auth "pki" and its trustedRoots omits at least one authority of the
client certificate chain (pki.issuer and every parent up to the root).
Why: the CMG validates client certificates against the certificates uploaded to it. Microsoft: "Make
sure to export all certificates in the trust chain. For example, if the client authentication
certificate is issued by an intermediate CA, export both the intermediate and root CA certificates."
Without them the CMG refuses PKI clients.
Fix: add the missing authorities to the gateway's trustedRoots.
Reading: one finding per gateway, at its trustedRoots, naming every missing authority.`,
		Source: learn.CMGAuth,
		Check:  checkCMGTrustedRoots,
	},
	{
		Code: "IB309", Name: "cmg-revocation-without-public-crl", Severities: "E",
		Summary: "the CMG verifies client certificate revocation but the client chain has no internet-published HTTP CRL",
		Explain: `What: a CMG has verifyClientRevocation: true (the default) and populations with auth "pki", and no
authority of the client certificate chain has an HTTP CDP published on the internet (crl.http with
crl.internet: true).
Why: "Verify client certificate revocation" makes IIS on the CMG check the client certificates against
the published CRL. Microsoft: "If you use PKI, don't publish the CRL, then disable this option", and a
misconfigured option "can cause more traffic from clients to the CMG", which increases Azure egress.
Entra ID and token clients are not affected: "the CRL doesn't matter" for them.
Fix: publish an HTTP CDP on the internet and reissue the client certificates, or set
verifyClientRevocation: false on the gateway.`,
		Source: learn.CMGSecurity,
		Check:  checkCMGRevocation,
	},
	{
		Code: "IB310", Name: "public-ca-microsoft-domain", Severities: "E",
		Summary: "a public CA cannot issue the CMG certificate for a cloudapp.net or cloudapp.azure.com name",
		Explain: `What: a CMG's certificate.authority is of kind "public" and its serviceName is under cloudapp.net or
cloudapp.azure.com.
Why: public CAs don't issue certificates for Microsoft-owned domains. Only an enterprise CA may issue
the Azure-domain name directly.
Fix: use a service name in your own domain (for example cmg.contoso.com) with a public DNS CNAME to the
deployment's cloudapp.azure.com name, or issue the certificate from your enterprise PKI.`,
		Source: learn.CMGServerCert,
		Check:  checkPublicCAMicrosoftDomain,
	},
	{
		Code: "IB311", Name: "dp-certificate-key-length", Severities: "W",
		Summary: "distribution point certificates are at most 2048 bits; their request uses 2048",
		Explain: `What: pki.keyLength is above 2048 and the design has a distribution point.
Why: the distribution point's client certificate (imported into the DP role, also used for PXE and
media) has a "Maximum supported key length" of 2,048 bits. ibcmc requests that certificate with 2048
bits regardless, so the design's key length does not apply to it.
Fix: nothing is required; set pki.keyLength to 2048 to silence the warning, or accept that the DP
certificate differs from the others.`,
		Source: learn.PKICertificates,
		Check:  checkDPKeyLength,
	},
	{
		Code: "IB312", Name: "trusted-root-not-a-root", Severities: "E",
		Summary: "the site's trusted root CA list names an intermediate, or leaves out the root the clients' certificates chain to",
		Explain: `What: site.communication.trustedRoots (the site's trusted root certification authorities, which
ibcmc also writes as CCMCERTISSUERS) names an authority that has a parent, or omits the root of the
pki.issuer chain that the clients' and management points' certificates chain to while no management
point uses HTTPS.
Why: the list holds root CAs: CCMCERTISSUERS "includes certificate information for the trusted root
certification authorities (CA) that the Configuration Manager site trusts. This value is a
case-sensitive match for subject attributes that are in the root CA certificate." An intermediate
matches no chain, so the hierarchy it was meant to trust is not trusted. The site's certificate issuers
list is made of "These imported root CA certificates and the root CA certificate of each management
point", and "When clients do have the certificate issuers list, and don't have a PKI certificate that
chains to a trusted root certificate in the certificate issuers list, certificate selection fails";
management points also reject such client certificates.
Fix: name the root of each trusted hierarchy instead of its intermediates, and add the root of the
pki.issuer chain to the list.
Reading: Microsoft adds the root CA certificate of each HTTPS management point to the list by itself
("When you issue client PKI certificates from the same CA hierarchy that issues the server certificates
that you use for management points, you don't have to specify this root CA certificate"), so leaving
out the pki.issuer root is reported only when no management point has connections "https" (an HTTP or
Enhanced HTTP management point has no certificate from pki.issuer to contribute). An empty or absent
list restricts nothing and is not checked here (see IB313). One finding per intermediate, at its entry,
and one for a missing root, at the list.
See also: ` + learn.PlanCertificates,
		Source: learn.ClientInstallProperties,
		Check:  checkSiteTrustedRoots,
	},
	{
		Code: "IB313", Name: "pki-cmg-without-trusted-roots", Severities: "W",
		Summary: "PKI clients use a CMG while the site has no trusted root CA list: any trusted client certificate can register",
		Explain: `What: a population with via "cmg" and auth "pki" exists while site.communication.trustedRoots is
not set (or empty).
Why: Microsoft: "Use a more restrictive CTL for a site with a CMG using PKI client authentication.
Otherwise, clients with client authentication certificates issued by any trusted root that already
exists on the management point are automatically accepted for client registration." Windows trusts
many public CAs by default, so any internet device with a client certificate from one of them could
register through the CMG.
Fix: set site.communication.trustedRoots to the root of the client certificate chain (and of any other
hierarchy whose client certificates the site must accept).
Reading: a warning, as Microsoft's guidance is a recommendation. One finding, at
site.communication.trustedRoots, naming the PKI populations that use a CMG.`,
		Source: learn.CMGSecurity,
		Check:  checkPKICMGWithoutTrustedRoots,
	},
}

// internetCDP reports whether any authority of a chain publishes an HTTP CDP on the internet.
func internetCDP(chain []*plan.Authority) bool {
	for _, a := range chain {
		if a.CRL.Internet && len(a.CRL.HTTP) > 0 {
			return true
		}
	}
	return false
}

// chainNames spells a chain for messages, issuer first: "Issuing CA", "Root CA".
func chainNames(chain []*plan.Authority) string {
	names := make([]string, len(chain))
	for i, a := range chain {
		names[i] = a.Name
	}
	return quoteList(names)
}

// quoteList spells names for messages, in the order given.
func quoteList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	return strings.Join(q, ", ")
}

func checkCRLFromInternet(p *plan.Plan, r *Reporter) {
	if !p.Site.Communication.CheckCRL {
		return
	}
	chain := p.ClientChain()
	if len(chain) == 0 {
		return
	}
	var lacking []string
	for _, a := range chain {
		if !a.CRL.Internet || len(a.CRL.HTTP) == 0 {
			lacking = append(lacking, a.Name)
		}
	}
	if len(lacking) == 0 {
		return
	}
	// Only IBCM clients validate the site systems' own certificates from the internet; CMG clients
	// validate the CMG's certificate instead.
	var pops []string
	for _, c := range p.Clients {
		if c.Via == plan.ViaIBCM && c.Internet() {
			pops = append(pops, c.Name)
		}
	}
	if len(pops) == 0 || !hasInternetFacingSystem(p) {
		return
	}
	which := fmt.Sprintf("%s of their certificate chain (%s)", quoteList(lacking), chainNames(chain))
	if len(chain) == 1 {
		which = fmt.Sprintf("%s, the only authority of their certificate chain,", quoteList(lacking))
	}
	r.Error("site.communication.checkCRL",
		fmt.Sprintf("publish an HTTP CDP on the internet (crl.http with crl.internet: true) for %s and reissue the certificates signed by %s, or set checkCRL: false (ccmsetup then gets /NoCRLCheck)",
			quoteList(lacking), singularOr(len(lacking), "it", "them")),
		"%s %s %s the revocation of the site systems' certificates (checkCRL), but %s %s no HTTP CRL on the internet: clients treat the whole chain as revoked and every HTTPS connection from the internet fails",
		singularOr(len(pops), "internet population", "internet populations"), quoteList(pops), singularOr(len(pops), "checks", "check"),
		which, singularOr(len(lacking), "publishes", "publish"))
}

// hasInternetFacingSystem reports whether some site system accepts internet clients.
func hasInternetFacingSystem(p *plan.Plan) bool {
	for _, s := range p.Systems {
		if s.InternetFacing() {
			return true
		}
	}
	return false
}

// singularOr picks the singular or plural form of a phrase for n things.
func singularOr(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func checkSiteSystemCRL(p *plan.Plan, r *Reporter) {
	chain := p.ClientChain()
	if len(chain) == 0 {
		return
	}
	for _, a := range chain {
		if len(a.CRL.HTTP) > 0 {
			return
		}
	}
	const hint = "add an HTTP CDP (crl.http) to the client certificate chain and reissue the client certificates, or let the system reach the LDAP CDP"
	for _, s := range p.Systems {
		z := p.Zone(s.Zone)
		outside := z != nil && (z.Kind == plan.ZonePerimeter || z.Kind == plan.ZoneInternet)
		switch {
		case outside:
			r.Warn(plan.Join(s.Path, "zone"), hint,
				"system %q is in %s zone %q, but the client certificate chain (%s) has no HTTP CDP: IIS always checks the revocation of client certificates and fails when it cannot reach the CRL",
				s.Name, z.Kind, s.Zone, chainNames(chain))
		case p.Untrusted(s):
			where := fmt.Sprintf("untrusted forest %q", s.Forest)
			if s.Forest == "" {
				where = "no forest (a workgroup server)"
			}
			r.Warn(plan.Join(s.Path, "forest"), hint,
				"system %q is in %s, but the client certificate chain (%s) has no HTTP CDP: IIS always checks the revocation of client certificates and fails when it cannot reach the CRL",
				s.Name, where, chainNames(chain))
		}
	}
}

func checkWeakKey(p *plan.Plan, r *Reporter) {
	if p.PKI.KeyLength == 1024 {
		r.Error("pki.keyLength", "use 2048 (or 3072/4096) and reissue the certificates",
			"pki.keyLength 1024 is too weak for ConfigMgr certificates: 1024-bit RSA is below the 2048-bit minimum of current security baselines, and a CMG accepts only 2048- or 4096-bit client certificates")
	}
}

func checkSHA1(p *plan.Plan, r *Reporter) {
	if p.PKI.Hash == plan.HashSHA1 {
		r.Error("pki.hash", "use sha256 (or sha384/sha512) and reissue the certificates",
			"pki.hash sha1: Windows does not trust SHA-1 signed certificates")
	}
}

func checkCNGEnrollment(p *plan.Plan, r *Reporter) {
	if p.PKI.Provider != plan.KeyProviderKSP {
		return
	}
	var systems []string
	for _, s := range p.Systems {
		if s.Roles.EnrollmentPoint != nil || s.Roles.EnrollmentProxyPoint != nil {
			systems = append(systems, s.Name)
		}
	}
	if len(systems) == 0 {
		return
	}
	r.Error("pki.provider", `set pki.provider: "csp", or remove the enrollment roles`,
		"pki.provider ksp (CNG) certificates don't work in IIS for the enrollment point or enrollment proxy point on %s",
		quoteList(systems))
}

func checkPublicCATwoNames(p *plan.Plan, r *Reporter) {
	issuer := p.Authority(p.PKI.Issuer)
	if issuer == nil || issuer.Kind != plan.AuthorityPublic {
		return
	}
	for _, s := range p.Systems {
		if s.IntranetFQDN == "" || s.InternetFQDN == "" {
			continue
		}
		r.Warn(plan.Join(s.Path, "fqdn"),
			"confirm the public CA's plan allows two subject names, or issue site-system certificates from an enterprise CA",
			"system %q needs a certificate for %q and %q, and pki.issuer %q is a public CA",
			s.Name, s.IntranetFQDN, s.InternetFQDN, issuer.Name)
	}
}

// pkiPopulationsByCMG returns, per gateway name, the auth "pki" populations that reach the site through it.
func pkiPopulationsByCMG(p *plan.Plan) map[string][]string {
	out := map[string][]string{}
	for _, c := range p.Clients {
		if c.Via != plan.ViaCMG || c.Auth != plan.AuthPKI {
			continue
		}
		if g := p.DefaultCMG(c); g != nil {
			out[g.Name] = append(out[g.Name], c.Name)
		}
	}
	return out
}

func checkCMGKeyLength(p *plan.Plan, r *Reporter) {
	if k := p.PKI.KeyLength; k == 2048 || k == 4096 {
		return
	}
	pops := pkiPopulationsByCMG(p)
	for _, g := range p.CMGs {
		if len(pops[g.Name]) == 0 {
			continue
		}
		r.Error("pki.keyLength", "set pki.keyLength to 2048 or 4096",
			"gateway %q authenticates PKI clients (%s), which need 2048- or 4096-bit certificates; pki.keyLength is %d",
			g.Name, quoteList(pops[g.Name]), p.PKI.KeyLength)
	}
}

func checkCMGTrustedRoots(p *plan.Plan, r *Reporter) {
	chain := p.ClientChain()
	if len(chain) == 0 {
		return
	}
	pops := pkiPopulationsByCMG(p)
	for _, g := range p.CMGs {
		if len(pops[g.Name]) == 0 {
			continue
		}
		have := map[string]bool{}
		for _, n := range g.TrustedRoots {
			have[n] = true
		}
		var missing []string
		for _, a := range chain {
			if !have[a.Name] {
				missing = append(missing, a.Name)
			}
		}
		if len(missing) == 0 {
			continue
		}
		r.Error(plan.Join(g.Path, "trustedRoots"),
			"add the root and every intermediate of the client certificate chain to trustedRoots",
			"gateway %q authenticates PKI clients (%s) but its trustedRoots lacks %s of the client certificate chain",
			g.Name, quoteList(pops[g.Name]), quoteList(missing))
	}
}

func checkCMGRevocation(p *plan.Plan, r *Reporter) {
	chain := p.ClientChain()
	if len(chain) == 0 || internetCDP(chain) {
		return
	}
	pops := pkiPopulationsByCMG(p)
	for _, g := range p.CMGs {
		if !g.VerifyClientRevocation || len(pops[g.Name]) == 0 {
			continue
		}
		r.Error(plan.Join(g.Path, "verifyClientRevocation"),
			"publish an HTTP CDP on the internet (crl.internet: true) and reissue, or set verifyClientRevocation: false",
			"gateway %q verifies client certificate revocation for PKI clients (%s), but no authority of the client certificate chain (%s) publishes an HTTP CRL on the internet",
			g.Name, quoteList(pops[g.Name]), chainNames(chain))
	}
}

func checkPublicCAMicrosoftDomain(p *plan.Plan, r *Reporter) {
	for _, g := range p.CMGs {
		ca := p.Authority(g.CertificateAuthority)
		if ca == nil || ca.Kind != plan.AuthorityPublic {
			continue
		}
		name := strings.ToLower(strings.TrimSuffix(g.ServiceName, "."))
		for _, domain := range []string{"cloudapp.net", "cloudapp.azure.com"} {
			if strings.HasSuffix(name, "."+domain) {
				r.Error(plan.Join(g.Path, "serviceName"),
					"use a service name in your own domain with a public DNS CNAME to the deployment name, or an enterprise CA",
					"gateway %q: public CA %q cannot issue a certificate for %q under Microsoft's domain %s",
					g.Name, ca.Name, g.ServiceName, domain)
				break
			}
		}
	}
}

func checkDPKeyLength(p *plan.Plan, r *Reporter) {
	if p.PKI.KeyLength <= 2048 {
		return
	}
	var dps []string
	for _, s := range p.Systems {
		if s.Roles.DistributionPoint != nil {
			dps = append(dps, s.Name)
		}
	}
	if len(dps) == 0 {
		return
	}
	r.Warn("pki.keyLength", "nothing to do unless the DP certificate must match; set pki.keyLength: 2048 to silence this",
		"pki.keyLength %d: the distribution point certificate of %s is at most 2048 bits, so its request uses 2048",
		p.PKI.KeyLength, quoteList(dps))
}

func checkSiteTrustedRoots(p *plan.Plan, r *Reporter) {
	roots := p.Site.Communication.TrustedRoots
	if len(roots) == 0 {
		return
	}
	listed := map[string]bool{}
	for i, name := range roots {
		listed[name] = true
		a := p.Authority(name)
		if a == nil || a.Parent == "" {
			continue // unknown names are IB211
		}
		hint := "name the root of its hierarchy instead"
		if chain := p.Chain(name); chain[len(chain)-1].Parent == "" {
			hint = fmt.Sprintf("name its root %q instead", chain[len(chain)-1].Name)
		}
		r.Error(plan.Index("site.communication.trustedRoots", i), hint,
			"site.communication.trustedRoots names %q, an intermediate authority (issued by %q): the site's trusted root CA list matches root CA certificates only, so client certificates of that hierarchy are not trusted",
			name, a.Parent)
	}
	chain := p.ClientChain()
	if len(chain) == 0 {
		return
	}
	root := chain[len(chain)-1]
	if root.Parent != "" || listed[root.Name] {
		return // a chain that ends at an unknown name is IB211
	}
	// An HTTPS management point's certificate comes from pki.issuer, and the site adds its root to the
	// issuers list by itself.
	for _, s := range p.Systems {
		if mp := s.Roles.ManagementPoint; mp != nil && mp.Connections == plan.ConnectionsHTTPS {
			return
		}
	}
	r.Error("site.communication.trustedRoots", fmt.Sprintf("add %q to site.communication.trustedRoots", root.Name),
		"site.communication.trustedRoots leaves out %q, the root of the client certificate chain (%s), and no management point uses HTTPS, so the site's certificate issuers list lacks it: clients select no certificate, and management points reject the client certificates",
		root.Name, chainNames(chain))
}

func checkPKICMGWithoutTrustedRoots(p *plan.Plan, r *Reporter) {
	if len(p.Site.Communication.TrustedRoots) > 0 {
		return
	}
	var pops []string
	for _, c := range p.Clients {
		if c.Via == plan.ViaCMG && c.Auth == plan.AuthPKI {
			pops = append(pops, c.Name)
		}
	}
	if len(pops) == 0 {
		return
	}
	hint := "set site.communication.trustedRoots to the root of the client certificate chain"
	if chain := p.ClientChain(); len(chain) > 0 && chain[len(chain)-1].Parent == "" {
		hint = fmt.Sprintf("set site.communication.trustedRoots: [%q]", chain[len(chain)-1].Name)
	}
	r.Warn("site.communication.trustedRoots", hint,
		"%s %s %s to a CMG with PKI client certificates, and the site has no trusted root CA list: the management point accepts for registration any client certificate that chains to any root it trusts, public CAs included",
		singularOr(len(pops), "population", "populations"), quoteList(pops), singularOr(len(pops), "authenticates", "authenticate"))
}
