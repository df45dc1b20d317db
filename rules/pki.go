package rules

import (
	"fmt"
	"strings"

	"github.com/ibcmc/ibcmc/diag"
	"github.com/ibcmc/ibcmc/plan"
)

// Rules 3xx: certification authorities, key policy, certificates and revocation.

func init() {
	register(&Rule{
		Code: "IB301", Name: "crl-unreachable-from-internet", Severity: diag.Error, Severities: "E",
		Summary: "clients check revocation but no authority of the certificate chain publishes an HTTP CRL on the internet",
		Explain: `What: site.communication.checkCRL is true, the design has an internet client population or an
internet-facing role, and no authority in the certificate chain of pki.issuer (the chain of the client
certificates and of the site systems' server certificates) has an HTTP CDP (crl.http) published where
internet clients can fetch it (crl.internet: true).
Why: a client that must check revocation but cannot download the CRL treats the whole chain as revoked,
so every HTTPS connection from the internet fails (WinHTTP CERT_REV_FAILED). An LDAP CDP, the enterprise
CA default, is never reachable from the internet.
Fix: add an HTTP CDP to the authorities, publish it on the internet (crl.internet: true) and reissue the
certificates; or turn off site.communication.checkCRL, and ibcmc adds /NoCRLCheck to every ccmsetup
command line.
Reading: pki.issuer issues both the client and the site-system certificates, so the client chain and the
server chain are the same chain. As the catalog states, the rule fires when no authority of that chain
publishes on the internet (a chain that publishes only some of its CRLs is not reported). Populations via
a CMG count as internet populations, as the design language defines them. One finding, at
site.communication.checkCRL, naming the first internet population (or internet-facing system) that needs
the CRL.`,
		Source: "000 (CRL Distribution Point), 004 §(4), facts §2.3",
		Check:  checkCRLFromInternet,
	})
	register(&Rule{
		Code: "IB302", Name: "site-system-cannot-reach-crl", Severity: diag.Warning, Severities: "W",
		Summary: "a site system outside the site forest's network checks client revocation against LDAP-only CRLs",
		Explain: `What: a system in a perimeter zone (or a zone of kind internet), or in an untrusted forest, while
every authority of the client certificate chain publishes its CRL over LDAP only (crl.http is empty).
Why: IIS on a site system always checks the revocation of client certificates, and that check is not
configurable in Configuration Manager. A server in a DMZ or in another forest usually cannot query the
site forest's Active Directory for the CRL, so client connections fail.
Fix: add an HTTP CDP (crl.http) to the authorities of the client certificate chain and reissue the
client certificates, or make sure the system can reach the LDAP CDP.
Reading: a system without a forest (a workgroup server) counts as untrusted. A system in a zone of kind
internet is treated like one in a perimeter zone. One finding per system, at its zone when the zone is
the reason, otherwise at its forest.`,
		Source: "000",
		Check:  checkSiteSystemCRL,
	})
	register(&Rule{
		Code: "IB303", Name: "weak-key", Severity: diag.Error, Severities: "E",
		Summary: "pki.keyLength 1024 is too weak for ConfigMgr certificates",
		Explain: `What: pki.keyLength is 1024.
Why: 1024-bit RSA keys are no longer considered secure: public CAs stopped issuing them long ago, and
the CMG accepts only 2048- or 4096-bit client certificates.
Fix: set pki.keyLength to 2048 (or 3072/4096) in the certificate templates and reissue.`,
		Source: "facts §2.1",
		Check:  checkWeakKey,
	})
	register(&Rule{
		Code: "IB304", Name: "sha1-signature", Severity: diag.Error, Severities: "E",
		Summary: "pki.hash sha1: Windows no longer trusts SHA-1 signed certificates",
		Explain: `What: pki.hash is "sha1".
Why: new server and client certificates must be signed with SHA-2; Windows does not trust SHA-1 signed
certificates, and every internet-facing service (including a purchased CMG certificate) should be SHA-2.
Fix: set pki.hash to "sha256" (or sha384/sha512) on the certification authority and reissue.`,
		Source: "facts §2.1",
		Check:  checkSHA1,
	})
	register(&Rule{
		Code: "IB305", Name: "cng-on-enrollment-roles", Severity: diag.Error, Severities: "E",
		Summary: "CNG (KSP) certificates don't work with the enrollment point or enrollment proxy point",
		Explain: `What: pki.provider is "ksp" (a CNG key storage provider, the default) and a system has the
enrollmentPoint or enrollmentProxyPoint role.
Why: Configuration Manager supports CNG v3 certificates for most roles, but the enrollment point and the
enrollment proxy point don't work with a CNG certificate bound in IIS.
Fix: set pki.provider to "csp" (a legacy CryptoAPI template) for the web server certificate, or remove
those roles (they are deprecated; see IB208).
Reading: one finding at pki.provider naming every system with such a role.`,
		Source: "facts §2.1 (CNG)",
		Check:  checkCNGEnrollment,
	})
	register(&Rule{
		Code: "IB306", Name: "public-ca-two-names", Severity: diag.Warning, Severities: "W",
		Summary: "a public CA issues the site-system certificates and a system needs two subject names",
		Explain: `What: a system has both fqdn.intranet and fqdn.internet while pki.issuer is an authority of kind
"public".
Why: the web server certificate of such a system must carry both names (subject alternative names).
Many public CA products issue one name per certificate, and a public CA cannot issue a name under a
private domain (.local and the like).
Fix: confirm the CA's plan allows two subject names under public domains, or issue the site-system
certificates from an enterprise CA.
Reading: one finding per system with two names, at its fqdn.`,
		Source: "004 §(2)",
		Check:  checkPublicCATwoNames,
	})
	register(&Rule{
		Code: "IB307", Name: "cmg-key-length", Severity: diag.Error, Severities: "E",
		Summary: "PKI clients of a CMG need 2048- or 4096-bit client certificates",
		Explain: `What: a CMG has populations with auth "pki" and pki.keyLength is neither 2048 nor 4096.
Why: the cloud management gateway accepts client authentication certificates of 2048 or 4096 bits only.
Fix: set pki.keyLength to 2048 or 4096 and reissue the client certificates.
Reading: one finding per gateway, at pki.keyLength.`,
		Source: "003 (2048-bit or 4096-bit)",
		Check:  checkCMGKeyLength,
	})
	register(&Rule{
		Code: "IB308", Name: "cmg-trusted-roots-incomplete", Severity: diag.Error, Severities: "E",
		Summary: "a CMG with PKI clients lacks an authority of the client certificate chain in its trusted roots",
		Explain: `What: a CMG has populations with auth "pki" and its trustedRoots omits at least one authority of the
client certificate chain (pki.issuer and every parent up to the root).
Why: the CMG validates client certificates against the certificates uploaded to it; the root and every
intermediate of the client certificate chain must be uploaded, or PKI clients are refused.
Fix: add the missing authorities to the gateway's trustedRoots.
Reading: one finding per gateway, at its trustedRoots, naming every missing authority.`,
		Source: "003 (export all certificates in the chain)",
		Check:  checkCMGTrustedRoots,
	})
	register(&Rule{
		Code: "IB309", Name: "cmg-revocation-without-public-crl", Severity: diag.Error, Severities: "E",
		Summary: "the CMG verifies client certificate revocation but the client chain has no internet-published HTTP CRL",
		Explain: `What: a CMG has verifyClientRevocation: true (the default) and populations with auth "pki", and no
authority of the client certificate chain has an HTTP CDP published on the internet (crl.http with
crl.internet: true).
Why: "Verify Client Certificate Revocation" requires a publicly published CRL; without one the CMG
rejects PKI clients, and the failed checks increase client traffic and Azure egress.
Fix: publish an HTTP CDP on the internet and reissue the client certificates, or set
verifyClientRevocation: false on the gateway. Entra ID and token clients are not affected.`,
		Source: "facts R-CMG-09, §2.3",
		Check:  checkCMGRevocation,
	})
	register(&Rule{
		Code: "IB310", Name: "public-ca-microsoft-domain", Severity: diag.Error, Severities: "E",
		Summary: "a public CA cannot issue the CMG certificate for a cloudapp.net or cloudapp.azure.com name",
		Explain: `What: a CMG's certificate.authority is of kind "public" and its serviceName is under cloudapp.net or
cloudapp.azure.com.
Why: public CAs don't issue certificates for Microsoft-owned domains. Only an enterprise CA may issue
the Azure-domain name directly.
Fix: use a service name in your own domain (for example cmg.contoso.com) with a public DNS CNAME to the
deployment's cloudapp.azure.com name, or issue the certificate from your enterprise PKI.`,
		Source: "facts §2.2",
		Check:  checkPublicCAMicrosoftDomain,
	})
	register(&Rule{
		Code: "IB311", Name: "dp-certificate-key-length", Severity: diag.Warning, Severities: "W",
		Summary: "distribution point certificates are at most 2048 bits; their request uses 2048",
		Explain: `What: pki.keyLength is above 2048 and the design has a distribution point.
Why: the distribution point's client certificate (imported into the DP role, also used for PXE and
media) supports at most 2048-bit keys. ibcmc requests that certificate with 2048 bits regardless, so
the design's key length does not apply to it.
Fix: nothing is required; set pki.keyLength to 2048 to silence the warning, or accept that the DP
certificate differs from the others.`,
		Source: "facts §2.2",
		Check:  checkDPKeyLength,
	})
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
	if len(chain) == 0 || internetCDP(chain) {
		return
	}
	var why string
	for _, c := range p.Clients {
		if c.Internet() {
			why = fmt.Sprintf("internet population %q", c.Name)
			break
		}
	}
	if why == "" {
		for _, s := range p.Systems {
			if s.InternetFacing() {
				why = fmt.Sprintf("internet-facing system %q", s.Name)
				break
			}
		}
	}
	if why == "" {
		return
	}
	r.Error("site.communication.checkCRL",
		"publish an HTTP CDP on the internet (crl.http with crl.internet: true) and reissue the certificates, or set checkCRL: false (clients then get /NoCRLCheck)",
		"clients check revocation (checkCRL), and %s needs it from the internet, but no authority of the certificate chain (%s) publishes an HTTP CRL on the internet",
		why, chainNames(chain))
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
	for _, s := range p.Systems {
		z := p.Zone(s.Zone)
		outside := z != nil && (z.Kind == "perimeter" || z.Kind == "internet")
		switch {
		case outside:
			r.Warn(plan.Join(s.Path, "zone"),
				"add an HTTP CDP (crl.http) to the client certificate chain and reissue, let the system reach the LDAP CDP, or turn off client certificate revocation checking on the site system (seed 004 §4)",
				"system %q is in %s zone %q, but the client certificate chain (%s) publishes its CRL over LDAP only: IIS checks client certificate revocation and will fail",
				s.Name, z.Kind, s.Zone, chainNames(chain))
		case p.Untrusted(s):
			where := fmt.Sprintf("untrusted forest %q", s.Forest)
			if s.Forest == "" {
				where = "no forest (a workgroup server)"
			}
			r.Warn(plan.Join(s.Path, "forest"),
				"add an HTTP CDP (crl.http) to the client certificate chain and reissue, let the system reach the LDAP CDP, or turn off client certificate revocation checking on the site system (seed 004 §4)",
				"system %q is in %s, but the client certificate chain (%s) publishes its CRL over LDAP only: IIS checks client certificate revocation and will fail",
				s.Name, where, chainNames(chain))
		}
	}
}

func checkWeakKey(p *plan.Plan, r *Reporter) {
	if p.PKI.KeyLength == 1024 {
		r.Error("pki.keyLength", "use 2048 (or 3072/4096) and reissue the certificates",
			"pki.keyLength 1024 is too weak for ConfigMgr certificates")
	}
}

func checkSHA1(p *plan.Plan, r *Reporter) {
	if p.PKI.Hash == "sha1" {
		r.Error("pki.hash", "use sha256 (or sha384/sha512) and reissue the certificates",
			"pki.hash sha1: Windows does not trust SHA-1 signed certificates")
	}
}

func checkCNGEnrollment(p *plan.Plan, r *Reporter) {
	if p.PKI.Provider != "ksp" {
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
	if issuer == nil || issuer.Kind != "public" {
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
		if c.Via != "cmg" || c.Auth != "pki" {
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
		if ca == nil || ca.Kind != "public" {
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
