package compiler_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/ibcmc/ibcmc/compiler"
	"github.com/ibcmc/ibcmc/internal/testdesign"
	"github.com/ibcmc/ibcmc/plan"
)

// certLine is a request as one comparable line.
func certLine(r *plan.CertRequest) string {
	return fmt.Sprintf("%s cn=%s san=%s eku=%s template=%q key=%d/%d %s %s exportable=%v cdp=%v by=%q at=%s",
		r.ID, r.CommonName, strings.Join(r.DNSNames, ","), strings.Join(r.EKUs, ","), r.Template, r.KeyLength,
		r.MaxKeyLength, r.Hash, r.Provider, r.Exportable, r.NeedsHTTPCDP, r.Authority, r.Path)
}

func certLines(t *testing.T, p *plan.Plan) string {
	t.Helper()
	var out []string
	for _, r := range p.CertRequests {
		if r.ID != r.Subject+"-"+r.Purpose {
			t.Errorf("request ID %q is not <subject>-<purpose> (%q, %q)", r.ID, r.Subject, r.Purpose)
		}
		out = append(out, certLine(r))
	}
	return strings.Join(out, "\n")
}

func TestCertRequestsFabrikam(t *testing.T) {
	res := testdesign.Example(t, "..", "fabrikam-perimeter")
	if res.Plan == nil {
		t.Fatalf("no plan: %v", res.Diagnostics)
	}
	ksp := plan.ProviderKSP
	want := strings.Join([]string{
		`cmibcm01-client cn=cmibcm01.dmz.fabrikam.com san=cmibcm01.dmz.fabrikam.com eku=1.3.6.1.5.5.7.3.2 template="ConfigMgr Client Certificate" key=2048/2048 sha256 ` + ksp + ` exportable=false cdp=false by="Fabrikam Issuing CA 01" at=systems.cmibcm01.roles.managementPoint`,
		`cmibcm01-dp-client cn=cmibcm01.dmz.fabrikam.com san=cmibcm01.dmz.fabrikam.com eku=1.3.6.1.5.5.7.3.2 template="ConfigMgr Client Distribution Point Certificate" key=2048/2048 sha256 ` + ksp + ` exportable=true cdp=false by="Fabrikam Issuing CA 01" at=systems.cmibcm01.roles.distributionPoint`,
		// Internet-facing, intranet name first; clients check revocation, so it needs an HTTP CDP.
		`cmibcm01-webserver cn=cmibcm01.dmz.fabrikam.com san=cmibcm01.dmz.fabrikam.com,ibcm.fabrikam.com eku=1.3.6.1.5.5.7.3.1 template="ConfigMgr Web Server Certificate" key=2048/0 sha256 ` + ksp + ` exportable=false cdp=true by="Fabrikam Issuing CA 01" at=systems.cmibcm01.roles.managementPoint`,
		`cmmp01-client cn=cmmp01.corp.fabrikam.com san=cmmp01.corp.fabrikam.com eku=1.3.6.1.5.5.7.3.2 template="ConfigMgr Client Certificate" key=2048/2048 sha256 ` + ksp + ` exportable=false cdp=false by="Fabrikam Issuing CA 01" at=systems.cmmp01.roles.managementPoint`,
		`cmmp01-dp-client cn=cmmp01.corp.fabrikam.com san=cmmp01.corp.fabrikam.com eku=1.3.6.1.5.5.7.3.2 template="ConfigMgr Client Distribution Point Certificate" key=2048/2048 sha256 ` + ksp + ` exportable=true cdp=false by="Fabrikam Issuing CA 01" at=systems.cmmp01.roles.distributionPoint`,
		`cmmp01-webserver cn=cmmp01.corp.fabrikam.com san=cmmp01.corp.fabrikam.com eku=1.3.6.1.5.5.7.3.1 template="ConfigMgr Web Server Certificate" key=2048/0 sha256 ` + ksp + ` exportable=false cdp=false by="Fabrikam Issuing CA 01" at=systems.cmmp01.roles.managementPoint`,
		`edge-proxy-client cn=ibcm.fabrikam.com san=ibcm.fabrikam.com eku=1.3.6.1.5.5.7.3.2 template="ConfigMgr Client Certificate" key=2048/0 sha256 ` + ksp + ` exportable=false cdp=false by="Fabrikam Issuing CA 01" at=publishing.edge.mode`,
		// The FSP behind the proxy is plain HTTP: its name is not on the proxy's TLS certificate.
		`edge-proxy-server cn=ibcm.fabrikam.com san=ibcm.fabrikam.com eku=1.3.6.1.5.5.7.3.1 template="ConfigMgr Web Server Certificate" key=2048/0 sha256 ` + ksp + ` exportable=false cdp=true by="Fabrikam Issuing CA 01" at=publishing.edge.mode`,
	}, "\n")
	if got := certLines(t, res.Plan); got != want {
		t.Errorf("requests:\n%s\nwant:\n%s", got, want)
	}
}

func TestCertRequestsWoodgroveCMG(t *testing.T) {
	res := testdesign.Example(t, "..", "woodgrove-cmg")
	if res.Plan == nil {
		t.Fatalf("no plan: %v", res.Diagnostics)
	}
	ksp := plan.ProviderKSP
	want := strings.Join([]string{
		// PKI clients meet the HTTPS management point cmmp01: each connection point needs a client certificate.
		`cmcp01-cmgcp-client cn=cmcp01.woodgrove.local san=cmcp01.woodgrove.local eku=1.3.6.1.5.5.7.3.2 template="ConfigMgr Client Certificate" key=2048/0 sha256 ` + ksp + ` exportable=false cdp=false by="Woodgrove Issuing CA" at=cmg."wgb-cmg".connectionPoints[0]`,
		`cmcp02-cmgcp-client cn=cmcp02.woodgrove.local san=cmcp02.woodgrove.local eku=1.3.6.1.5.5.7.3.2 template="ConfigMgr Client Certificate" key=2048/0 sha256 ` + ksp + ` exportable=false cdp=false by="Woodgrove Issuing CA" at=cmg."wgb-cmg".connectionPoints[1]`,
		`cmmp01-client cn=cmmp01.woodgrove.local san=cmmp01.woodgrove.local eku=1.3.6.1.5.5.7.3.2 template="ConfigMgr Client Certificate" key=2048/2048 sha256 ` + ksp + ` exportable=false cdp=false by="Woodgrove Issuing CA" at=systems.cmmp01.roles.managementPoint`,
		`cmmp01-webserver cn=cmmp01.woodgrove.local san=cmmp01.woodgrove.local eku=1.3.6.1.5.5.7.3.1 template="ConfigMgr Web Server Certificate" key=2048/0 sha256 ` + ksp + ` exportable=false cdp=false by="Woodgrove Issuing CA" at=systems.cmmp01.roles.managementPoint`,
		// A public CA issues the CMG certificate: no template.
		`wgb-cmg-cmg-server cn=cmg.woodgrovebank.com san=cmg.woodgrovebank.com eku=1.3.6.1.5.5.7.3.1 template="" key=2048/0 sha256 ` + ksp + ` exportable=true cdp=true by="Public TLS CA" at=cmg."wgb-cmg".serviceName`,
	}, "\n")
	if got := certLines(t, res.Plan); got != want {
		t.Errorf("requests:\n%s\nwant:\n%s", got, want)
	}
}

const certPolicyDesign = `
site: {code: "KEY", server: "cm01.corp.example.com", forest: "corp.example.com", communication: checkCRL: false}
forests: "corp.example.com": {}
zones: intranet: {kind: "intranet", cidrs: ["10.0.0.0/16"]}
pki: {
	authorities: "Root": {subject: "CN=Root", kind: "standalone"}
	issuer: "Root"
	keyLength: 4096
	provider: "csp"
	hash: "sha384"
}
systems: {
	mp01: {fqdn: intranet: "mp01.corp.example.com", forest: "corp.example.com"
		roles: {managementPoint: connections: "http", distributionPoint: {}}}
	sup01: {fqdn: intranet: "sup01.corp.example.com", forest: "corp.example.com"
		roles: softwareUpdatePoint: {ssl: false}}
	cp01: {fqdn: intranet: "cp01.corp.example.com", forest: "corp.example.com", roles: cmgConnectionPoint: {}}
}
cmg: gw: {serviceName: "gw.example.com", connectionPoints: ["cp01"], managementPoint: "mp01", certificate: authority: "Root"}
clients: pcs: {join: "domain", forest: "corp.example.com", auth: "pki", via: "cmg", install: mp: "mp01"}
`

// TestCertRequestPolicy: key length caps, provider and hash come from pki; HTTP-only roles get no web
// server certificate; an HTTP management point needs neither a monitoring client certificate (Microsoft's
// example deployment: "when they are set up to use HTTPS") nor a connection point certificate; a standalone
// CA issues without templates.
func TestCertRequestPolicy(t *testing.T) {
	res := testdesign.CompileOne(t, certPolicyDesign)
	if res.Plan == nil {
		t.Fatalf("no plan: %v", res.Diagnostics)
	}
	csp := plan.ProviderCSP
	want := strings.Join([]string{
		`gw-cmg-server cn=gw.example.com san=gw.example.com eku=1.3.6.1.5.5.7.3.1 template="" key=4096/0 sha384 ` + csp + ` exportable=true cdp=false by="Root" at=cmg.gw.serviceName`,
		`mp01-dp-client cn=mp01.corp.example.com san=mp01.corp.example.com eku=1.3.6.1.5.5.7.3.2 template="" key=2048/2048 sha384 ` + csp + ` exportable=true cdp=false by="Root" at=systems.mp01.roles.distributionPoint`,
		`mp01-webserver cn=mp01.corp.example.com san=mp01.corp.example.com eku=1.3.6.1.5.5.7.3.1 template="" key=4096/0 sha384 ` + csp + ` exportable=false cdp=false by="Root" at=systems.mp01.roles.distributionPoint`,
	}, "\n")
	if got := certLines(t, res.Plan); got != want {
		t.Errorf("requests:\n%s\nwant:\n%s", got, want)
	}
}

// TestCertRequestsInternetOnlySUP: the web server certificate of a software update point that accepts
// internet clients only carries the intranet name as well as the internet one ("the certificate must contain
// both the internet FQDN and the intranet FQDN"), intranet first; with roles on other systems the names stay
// each system's own.
func TestCertRequestsInternetOnlySUP(t *testing.T) {
	res := testdesign.CompileOne(t, `
site: {code: "SUP", server: "cm01.corp.example.com", forest: "corp.example.com", communication: checkCRL: false}
forests: "corp.example.com": {}
zones: {
	intranet: {kind: "intranet", cidrs: ["10.0.0.0/16"]}
	dmz: {kind: "perimeter", cidrs: ["172.16.0.0/24"]}
}
pki: {authorities: "Root": {subject: "CN=Root"}, issuer: "Root"}
systems: {
	sup01: {fqdn: {intranet: "sup01.corp.example.com", internet: "updates.example.com"}, zone: "dmz", address: "172.16.0.10",
		forest: "corp.example.com", roles: softwareUpdatePoint: allow: "internet"}
	mp01: {fqdn: intranet: "mp01.corp.example.com", forest: "corp.example.com", roles: managementPoint: allow: "intranet"}
}
clients: pcs: {join: "domain", forest: "corp.example.com", install: mp: "mp01"}
`)
	if res.Plan == nil {
		t.Fatalf("no plan: %v", res.Diagnostics)
	}
	var got []string
	for _, r := range res.Plan.CertRequests {
		if r.Purpose == plan.PurposeWebServer {
			got = append(got, r.ID+" cn="+r.CommonName+" san="+strings.Join(r.DNSNames, ","))
		}
	}
	want := []string{
		"mp01-webserver cn=mp01.corp.example.com san=mp01.corp.example.com",
		"sup01-webserver cn=sup01.corp.example.com san=sup01.corp.example.com,updates.example.com",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("web server requests:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestCertRequestsNoProxyCertificateWhenTunneling: a tunneling proxy holds no certificate; the systems
// behind it still need theirs, with every name.
func TestCertRequestsNoProxyCertificateWhenTunneling(t *testing.T) {
	res := testdesign.CompileOne(t, tunnelDesign)
	if res.Plan == nil {
		t.Fatalf("no plan: %v", res.Diagnostics)
	}
	var ids []string
	for _, r := range res.Plan.CertRequests {
		ids = append(ids, r.ID)
		if r.Purpose == plan.PurposeWebServer && r.Subject == "mp01" {
			if got := strings.Join(r.DNSNames, ","); got != "mp01.corp.example.com,mp.example.com" {
				t.Errorf("mp01 web server SAN = %s", got)
			}
		}
	}
	if got := strings.Join(ids, " "); got != "dp01-dp-client dp01-webserver mp01-client mp01-webserver" {
		t.Errorf("requests = %s", got)
	}
}

// TestCertRequestsTolerateUnresolvedNames: unknown systems (IB211 reports them) add no request and break
// nothing; a connection point shared by two gateways gets one certificate.
func TestCertRequestsTolerateUnresolvedNames(t *testing.T) {
	res := testdesign.CompileOne(t, `
site: {code: "UNR", server: "cm01.corp.example.com", forest: "corp.example.com"}
forests: "corp.example.com": {}
zones: intranet: {kind: "intranet", cidrs: ["10.0.0.0/16"]}
pki: {authorities: "Root": {subject: "CN=Root"}, issuer: "Root"}
systems: {
	mp01: {fqdn: intranet: "mp01.corp.example.com", forest: "corp.example.com", roles: managementPoint: {}}
	cp01: {fqdn: intranet: "cp01.corp.example.com", forest: "corp.example.com", roles: cmgConnectionPoint: {}}
}
publishing: edge: {mode: "sslBridging", zone: "intranet", systems: ["ghost"]}
cmg: {
	a: {serviceName: "a.example.com", connectionPoints: ["cp01", "nowhere"], managementPoint: "mp01", certificate: authority: "Root"}
	b: {serviceName: "b.example.com", connectionPoints: ["cp01"], managementPoint: "mp01", certificate: authority: "Elsewhere"}
}
clients: pcs: {join: "domain", forest: "corp.example.com", via: "cmg", cmg: "a", install: mp: "mp01"}
`)
	if res.Plan == nil {
		t.Fatalf("no plan: %v", res.Diagnostics)
	}
	if len(testdesign.Find(res.Diagnostics, "IB211")) == 0 {
		t.Errorf("IB211 not reported: %v", testdesign.Codes(res.Diagnostics))
	}
	var got []string
	for _, r := range res.Plan.CertRequests {
		got = append(got, fmt.Sprintf("%s by=%s template=%q", r.ID, r.Authority, r.Template))
	}
	want := []string{
		`a-cmg-server by=Root template="ConfigMgr Web Server Certificate"`,
		// An unknown authority keeps the template so the request stays complete.
		`b-cmg-server by=Elsewhere template="ConfigMgr Web Server Certificate"`,
		`cp01-cmgcp-client by=Root template="ConfigMgr Client Certificate"`,
		`mp01-client by=Root template="ConfigMgr Client Certificate"`,
		`mp01-webserver by=Root template="ConfigMgr Web Server Certificate"`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("requests:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// A CN holds at most 64 characters: a longer FQDN stays in the SAN, and the CN becomes the host name.
func TestCertRequestLongFQDNKeepsCNWithin64(t *testing.T) {
	long := "mp1." + strings.Repeat("branch-office.", 4) + "contoso.com" // 71 characters
	src := strings.Replace(compiler.MinimalDesign, `"mp1.contoso.com"`, `"`+long+`"`, 1)
	if src == compiler.MinimalDesign {
		t.Fatal("the minimal design has no mp1.contoso.com")
	}
	res := compileString(t, src)
	if res.Plan == nil || res.Diagnostics.HasErrors(false) {
		t.Fatalf("diagnostics: %v", res.Diagnostics)
	}
	found := false
	for _, r := range res.Plan.CertRequests {
		if r.Subject != "mp1" {
			continue
		}
		found = true
		if r.CommonName != "mp1" || !slices.Contains(r.DNSNames, long) {
			t.Errorf("%s: CN %q, SAN %q", r.ID, r.CommonName, r.DNSNames)
		}
	}
	if !found {
		t.Error("no request for mp1")
	}
}
