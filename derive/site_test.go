package derive_test

import (
	"fmt"
	"strings"

	"github.com/ibcmc/ibcmc/derive"
	"github.com/ibcmc/ibcmc/plan"
)

// site is a small plan built in Go, as the compiler would decode it: a primary site P01 whose server and
// database are cm01 in the intranet; mp1, an intranet HTTPS management point; ibcm1 in the perimeter, an
// HTTPS management and distribution point for intranet and internet clients, published as ibcm.contoso.net
// by the nginx SSL-bridging proxy edge; one Root CA; one population of domain-joined PKI laptops managed
// on the intranet and the internet. Each test changes what it is about, then calls derived.
func site() *plan.Plan {
	p := &plan.Plan{
		Site: plan.Site{
			Code: "P01", Type: "primary", Server: "cm01.contoso.com", Address: "10.0.0.10", Zone: "intranet", Forest: "contoso.com",
			Database:        plan.Database{Server: "cm01.contoso.com", Zone: "intranet", Port: 1433},
			Communication:   plan.Communication{ClientConnections: "https", UsePKIClientCert: true, CheckCRL: false},
			Ports:           plan.Ports{HTTP: 80, HTTPS: 443},
			SoftwareUpdates: plan.SoftwareUpdates{Source: plan.SourceMicrosoftUpdate, Path: "site.softwareUpdates"},
		},
		Forests: []*plan.Forest{{Name: "contoso.com", Path: "forests.contoso\\.com", DNS: "contoso.com"}},
		Zones: []*plan.Zone{
			{Name: "internet", Path: "zones.internet", Kind: "internet", CIDRs: []string{"0.0.0.0/0", "::/0"}},
			{Name: "intranet", Path: "zones.intranet", Kind: "intranet", CIDRs: []string{"10.0.0.0/16"}},
			{Name: "perimeter", Path: "zones.perimeter", Kind: "perimeter", CIDRs: []string{"192.0.2.0/24"}},
		},
		PKI: plan.PKI{Issuer: "Root", KeyLength: 2048, Hash: "sha256", Provider: "ksp",
			Templates: plan.Templates{WebServer: "ConfigMgrWebServer", Client: "ConfigMgrClient", DistributionPoint: "ConfigMgrDP"}},
		Authorities: []*plan.Authority{{Name: "Root", Path: "pki.authorities.Root", Subject: `CN=Contoso Root CA, O=Contoso\, Ltd, C=US`, Kind: "enterprise",
			CRL: plan.CRL{HTTP: []string{"http://crl.contoso.com/root.crl"}, Internet: true}}},
		Systems: []*plan.System{
			{
				Name: "ibcm1", Path: "systems.ibcm1", IntranetFQDN: "ibcm1.contoso.com", InternetFQDN: "ibcm.contoso.net",
				Address: "192.0.2.20", Zone: "perimeter", Forest: "contoso.com", SiteServerInitiates: true,
				Roles: plan.Roles{
					ManagementPoint:   &plan.ManagementPoint{Role: role(plan.RoleManagementPoint, "ibcm1", plan.AllowIntranetAndInternet), Connections: "https"},
					DistributionPoint: &plan.DistributionPoint{Role: role(plan.RoleDistributionPoint, "ibcm1", plan.AllowIntranetAndInternet), Connections: "https"},
				},
			},
			{
				Name: "mp1", Path: "systems.mp1", IntranetFQDN: "mp1.contoso.com", Address: "10.0.0.20", Zone: "intranet",
				Forest: "contoso.com", SiteServerInitiates: true,
				Roles: plan.Roles{ManagementPoint: &plan.ManagementPoint{Role: role(plan.RoleManagementPoint, "mp1", plan.AllowIntranet), Connections: "https"}},
			},
		},
		Publishing: []*plan.Publishing{{
			Name: "edge", Path: "publishing.edge", Product: "nginx", Mode: plan.ModeBridging, Zone: "perimeter",
			Address: "192.0.2.5", Public: "203.0.113.5", Systems: []string{"ibcm1"}, UpstreamTLS: "intermediate",
		}},
		Clients: []*plan.Population{{
			Name: "laptops", Path: "clients.laptops", Platform: "windows", Join: "domain", Forest: "contoso.com",
			Management: plan.ManageIntranetAndInternet, Auth: "pki", Via: "ibcm",
			Install: plan.Install{Method: "manual", From: "intranet", MP: "mp1",
				Certificate: plan.CertSelection{FirstCert: true, Issuers: true}},
		}},
	}
	p.Reindex()
	return p
}

func role(kind, system string, allow plan.Allow) plan.Role {
	return plan.Role{Kind: kind, Path: "systems." + system + ".roles." + kind, Allow: allow}
}

// derived reindexes the plan (tests add entities) and runs every derivation pass, as the compiler does.
func derived(p *plan.Plan) *plan.Plan {
	p.Reindex()
	derive.All(p)
	return p
}

func system(p *plan.Plan, name string) *plan.System {
	s := p.System(name)
	if s == nil {
		panic("no system " + name)
	}
	return s
}

// flowLine spells a flow the way a reviewer reads the flow matrix.
func flowLine(f *plan.Flow) string {
	return fmt.Sprintf("%s %s(%s) -> %s %s(%s) %s/%s", f.FromZone, f.From, f.FromAddress, f.ToZone, f.To, f.ToAddress,
		f.Protocol, plan.JoinPorts(f.Ports, ","))
}

func flowLines(p *plan.Plan, keep func(*plan.Flow) bool) string {
	var out []string
	for _, f := range p.Flows {
		if keep(f) {
			out = append(out, flowLine(f))
		}
	}
	return strings.Join(out, "\n")
}
