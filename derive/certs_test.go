package derive_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/ibcmc/ibcmc/plan"
)

func certLines(p *plan.Plan) string {
	var out []string
	for _, r := range p.CertRequests {
		out = append(out, fmt.Sprintf("%s cn=%s san=%s template=%q key=%d/%d exportable=%v cdp=%v by=%s at %s",
			r.ID, r.CommonName, strings.Join(r.DNSNames, ","), r.Template, r.KeyLength, r.MaxKeyLength, r.Exportable, r.NeedsHTTPCDP, r.Authority, r.Path))
	}
	return strings.Join(out, "\n")
}

func TestCertRequestsOfSiteSystemsAndBridgingProxy(t *testing.T) {
	p := site()
	p.PKI.KeyLength = 4096
	p.Site.Communication.CheckCRL = true
	got := certLines(derived(p))
	want := strings.Join([]string{
		// The bridging proxy terminates TLS for the published name and presents a client certificate to ibcm1.
		`edge-proxy-client cn=ibcm.contoso.net san=ibcm.contoso.net template="ConfigMgrClient" key=4096/0 exportable=false cdp=false by=Root at publishing.edge.mode`,
		`edge-proxy-server cn=ibcm.contoso.net san=ibcm.contoso.net template="ConfigMgrWebServer" key=4096/0 exportable=false cdp=true by=Root at publishing.edge.mode`,
		// Site-system client certificates stay within the 2048 bits Configuration Manager supports.
		`ibcm1-client cn=ibcm1.contoso.com san=ibcm1.contoso.com template="ConfigMgrClient" key=2048/2048 exportable=false cdp=false by=Root at systems.ibcm1.roles.managementPoint`,
		`ibcm1-dp-client cn=ibcm1.contoso.com san=ibcm1.contoso.com template="ConfigMgrDP" key=2048/2048 exportable=true cdp=false by=Root at systems.ibcm1.roles.distributionPoint`,
		// One web server certificate carries both names of an internet-facing system.
		`ibcm1-webserver cn=ibcm1.contoso.com san=ibcm1.contoso.com,ibcm.contoso.net template="ConfigMgrWebServer" key=4096/0 exportable=false cdp=true by=Root at systems.ibcm1.roles.managementPoint`,
		`mp1-client cn=mp1.contoso.com san=mp1.contoso.com template="ConfigMgrClient" key=2048/2048 exportable=false cdp=false by=Root at systems.mp1.roles.managementPoint`,
		`mp1-webserver cn=mp1.contoso.com san=mp1.contoso.com template="ConfigMgrWebServer" key=4096/0 exportable=false cdp=false by=Root at systems.mp1.roles.managementPoint`,
	}, "\n")
	if got != want {
		t.Errorf("certificate requests\n got:\n%s\nwant:\n%s", got, want)
	}
}

func TestCertRequestsGatewayAndConnectionPoints(t *testing.T) {
	p := site()
	p.Publishing = nil
	p.Authorities = append(p.Authorities, &plan.Authority{Name: "Public", Path: "pki.authorities.Public", Subject: "CN=Public TLS CA", Kind: "public"})
	p.Systems[1].Roles.CMGConnectionPoint = &plan.Role{Kind: plan.RoleCMGConnectionPoint, Path: "systems.mp1.roles.cmgConnectionPoint"}
	p.CMGs = []*plan.CMG{{Name: "gw", Path: "cmgs.gw", ServiceName: "gw.contoso.net", VMs: 1, ManagementPoint: "mp1",
		ConnectionPoints: []string{"mp1"}, CertificateAuthority: "Public"}}
	p.Clients[0].Via = "cmg"
	derived(p)
	var got []string
	for _, r := range p.CertRequests {
		if r.Purpose == plan.PurposeCMGServer || r.Purpose == plan.PurposeConnectionPoint {
			got = append(got, fmt.Sprintf("%s cn=%s template=%q key=%d exportable=%v by=%s at %s", r.ID, r.CommonName, r.Template, r.KeyLength, r.Exportable, r.Authority, r.Path))
		}
	}
	want := strings.Join([]string{
		// A public CA issues from no template; the gateway's certificate is uploaded as a .pfx.
		`gw-cmg-server cn=gw.contoso.net template="" key=2048 exportable=true by=Public at cmgs.gw.serviceName`,
		// PKI clients reach the HTTPS management point through the gateway: the connection point needs a client certificate.
		`mp1-cmgcp-client cn=mp1.contoso.com template="ConfigMgrClient" key=2048 exportable=false by=Root at cmgs.gw.connectionPoints[0]`,
	}, "\n")
	if strings.Join(got, "\n") != want {
		t.Errorf("gateway certificates\n got:\n%s\nwant:\n%s", strings.Join(got, "\n"), want)
	}
}

func TestCertRequestLongFQDNKeepsCNWithin64(t *testing.T) {
	p := site()
	long := strings.Repeat("a", 60) + ".contoso.com"
	system(p, "mp1").IntranetFQDN = long
	derived(p)
	for _, r := range p.CertRequests {
		if r.Subject != "mp1" {
			continue
		}
		// Clients match the SAN; the CN is the host name, as AD CS builds it from the computer name.
		if r.CommonName != strings.Repeat("a", 60) || r.DNSNames[0] != long {
			t.Errorf("%s: cn=%s san=%v", r.ID, r.CommonName, r.DNSNames)
		}
	}
}
