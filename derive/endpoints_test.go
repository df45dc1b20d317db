package derive_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/ibcmc/ibcmc/plan"
)

func endpointLines(p *plan.Plan) string {
	var out []string
	for _, e := range p.Endpoints {
		out = append(out, fmt.Sprintf("%s %s %s->%s [%s] mode=%s public=%s at %s", e.ID, e.Protocol, e.FQDN, e.Target,
			strings.Join(e.Roles, ","), e.Mode, e.Public, e.Path))
	}
	return strings.Join(out, "\n")
}

func TestEndpointsOfPublishedAndDirectSystems(t *testing.T) {
	p := site()
	// A second publisher of ibcm1, and a fallback status point reached directly on the site's HTTP port.
	p.Publishing = append(p.Publishing, &plan.Publishing{Name: "edge2", Path: "publishing.edge2", Product: "haproxy",
		Mode: plan.ModeTunneling, Zone: "perimeter", Systems: []string{"ibcm1"}})
	p.Site.Ports.HTTP = 8080
	p.Systems = append(p.Systems, &plan.System{Name: "fsp", Path: "systems.fsp", InternetFQDN: "FSP.contoso.net", Zone: "perimeter",
		Roles: plan.Roles{FallbackStatusPoint: &plan.FallbackStatusPoint{Role: role(plan.RoleFallbackStatusPoint, "fsp", plan.AllowInternet)}}})
	// An intranet-only role of an internet-facing system is no endpoint.
	system(p, "ibcm1").Roles.DistributionPoint.Allow = plan.AllowIntranet
	got := endpointLines(derived(p))
	want := strings.Join([]string{
		"fsp.contoso.net:8080 http FSP.contoso.net->fsp [fallbackStatusPoint] mode=direct public= at systems.fsp.fqdn.internet",
		"ibcm.contoso.net:443@edge https ibcm.contoso.net->ibcm1 [managementPoint] mode=sslBridging public=203.0.113.5 at systems.ibcm1.fqdn.internet",
		"ibcm.contoso.net:443@edge2 https ibcm.contoso.net->ibcm1 [managementPoint] mode=sslTunneling public= at systems.ibcm1.fqdn.internet",
	}, "\n")
	if got != want {
		t.Errorf("endpoints\n got:\n%s\nwant:\n%s", got, want)
	}
}

func TestEndpointsShareAPortAndListGateways(t *testing.T) {
	p := site()
	p.Publishing = nil
	sup := &plan.SoftwareUpdatePoint{Role: role(plan.RoleSoftwareUpdatePoint, "ibcm1", plan.AllowInternet), HTTPPort: 8530, HTTPSPort: 8531, SSL: true}
	system(p, "ibcm1").Roles.SoftwareUpdatePoint = sup
	p.CMGs = []*plan.CMG{{Name: "gw", Path: "cmgs.gw", ServiceName: "gw.contoso.net", Deployment: "vmss", VMs: 1}}
	got := endpointLines(derived(p))
	want := strings.Join([]string{
		"gw.contoso.net:443 https gw.contoso.net->gw [cloudManagementGateway] mode=cmg public= at cmgs.gw.serviceName",
		// The MP and DP share the site's HTTPS port: one endpoint serves both roles.
		"ibcm.contoso.net:443 https ibcm.contoso.net->ibcm1 [distributionPoint,managementPoint] mode=direct public= at systems.ibcm1.fqdn.internet",
		// WSUS keeps its HTTP port with SSL: EULAs and update content use it.
		"ibcm.contoso.net:8530 http ibcm.contoso.net->ibcm1 [softwareUpdatePoint] mode=direct public= at systems.ibcm1.fqdn.internet",
		"ibcm.contoso.net:8531 https ibcm.contoso.net->ibcm1 [softwareUpdatePoint] mode=direct public= at systems.ibcm1.fqdn.internet",
	}, "\n")
	if got != want {
		t.Errorf("endpoints\n got:\n%s\nwant:\n%s", got, want)
	}
}
