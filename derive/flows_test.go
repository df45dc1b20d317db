package derive_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/ibcmc/ibcmc/plan"
)

func TestFlowsPublishedThroughTheProxy(t *testing.T) {
	p := derived(site())
	got := flowLines(p, func(f *plan.Flow) bool { return slices.Contains(f.Ports, plan.PortRange{From: 443, To: 443}) })
	want := strings.Join([]string{
		// Internet clients reach the proxy's inside address; its public address is kept for DNAT.
		"internet any(0.0.0.0/0 ::/0) -> perimeter edge(192.0.2.5) tcp/443",
		"intranet intranet-clients(10.0.0.0/16) -> intranet mp1(10.0.0.20) tcp/443",
		"intranet intranet-clients(10.0.0.0/16) -> perimeter ibcm1(192.0.2.20) tcp/443",
		// The distribution point reports content status to the intranet management points (not to itself).
		"perimeter ibcm1(192.0.2.20) -> intranet mp1(10.0.0.20) tcp/443",
		"perimeter edge(192.0.2.5) -> perimeter ibcm1(192.0.2.20) tcp/443",
	}, "\n")
	if got != want {
		t.Errorf("flows on 443\n got:\n%s\nwant:\n%s", got, want)
	}
	for _, f := range p.Flows {
		if f.To == "edge" && f.FromKind == plan.PeerInternet {
			if f.Purpose != "internet clients to HTTPS ibcm.contoso.net (distributionPoint, managementPoint) published by edge" ||
				!slices.Equal(f.ToPublic, []string{"203.0.113.5"}) || f.Path != "systems.ibcm1.roles.distributionPoint.allow" ||
				!slices.Equal(f.RequiredBy, []string{"ibcm1 distributionPoint", "ibcm1 managementPoint"}) || !slices.Equal(f.Firewalls, []string{"internet-perimeter"}) {
				t.Errorf("internet to edge: %+v", f)
			}
		}
		if f.From == "edge" && f.To == "ibcm1" && f.Purpose != "edge forwards ibcm.contoso.net (distributionPoint, managementPoint) to ibcm1 over a new HTTPS connection" {
			t.Errorf("edge to ibcm1: purpose %q", f.Purpose)
		}
	}
}

func TestFlowsSiteServerAndDatabase(t *testing.T) {
	p := derived(site())
	got := flowLines(p, func(f *plan.Flow) bool { return f.From == "cm01.contoso.com" || f.To == "cm01.contoso.com" })
	want := strings.Join([]string{
		// The site server installs every site system; the database is on the site server, so the
		// management points reach it there. Nothing flows from the site server to itself.
		"intranet cm01.contoso.com(10.0.0.10) -> intranet mp1(10.0.0.20) tcp/135,445,49152-65535",
		"intranet cm01.contoso.com(10.0.0.10) -> intranet mp1(10.0.0.20) udp/135",
		"intranet mp1(10.0.0.20) -> intranet cm01.contoso.com(10.0.0.10) tcp/1433",
		"intranet cm01.contoso.com(10.0.0.10) -> perimeter ibcm1(192.0.2.20) tcp/135,445,49152-65535",
		"intranet cm01.contoso.com(10.0.0.10) -> perimeter ibcm1(192.0.2.20) udp/135",
		"perimeter ibcm1(192.0.2.20) -> intranet cm01.contoso.com(10.0.0.10) tcp/1433",
	}, "\n")
	if got != want {
		t.Errorf("site server flows\n got:\n%s\nwant:\n%s", got, want)
	}
}

func TestFlowsFirewallsDerivedPerZonePairOrDeclared(t *testing.T) {
	p := derived(site())
	var names []string
	for _, fw := range p.Firewalls {
		names = append(names, fw.Name)
	}
	// One firewall per pair of zones, also where no flow crosses (it drops everything between them).
	if want := []string{"internet-intranet", "internet-perimeter", "intranet-perimeter"}; !slices.Equal(names, want) {
		t.Errorf("derived firewalls %v, want %v", names, want)
	}
	p = site()
	p.Firewalls = []*plan.Firewall{{Name: "fw1", Path: "firewalls.fw1", Declared: true, Zones: []string{"internet", "perimeter", "intranet"}}}
	derived(p)
	for _, f := range p.Flows {
		want := []string{"fw1"}
		if !f.Crosses() {
			want = nil
		}
		if !slices.Equal(f.Firewalls, want) {
			t.Errorf("%s passes %v, want %v", f.ID, f.Firewalls, want)
		}
	}
	if len(p.Firewalls) != 1 || p.FirewallNamed("fw1") == nil {
		t.Errorf("declared firewalls changed: %v", p.Firewalls)
	}
}

func TestFlowsIDsAreUniqueAndUsableAsRuleNames(t *testing.T) {
	p := site()
	// Two systems whose names differ only in characters a rule name cannot hold get distinct IDs.
	for _, name := range []string{"dp a", "dp/a"} {
		p.Systems = append(p.Systems, &plan.System{Name: name, Path: "systems." + name, IntranetFQDN: strings.ReplaceAll(name, " ", "") + ".contoso.com",
			Zone: "intranet", Roles: plan.Roles{DistributionPoint: &plan.DistributionPoint{Role: role(plan.RoleDistributionPoint, name, plan.AllowIntranet), Connections: "http"}}})
	}
	derived(p)
	seen := map[string]bool{}
	for _, f := range p.Flows {
		if seen[f.ID] || strings.Trim(f.ID, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") != "" {
			t.Errorf("flow ID %q is repeated or not a rule name", f.ID)
		}
		seen[f.ID] = true
	}
	for _, id := range []string{"intranet-clients-to-dp-a-tcp-80", "intranet-clients-to-dp-a-tcp-80-2"} {
		if !seen[id] {
			t.Errorf("no flow %s among %v", id, seen)
		}
	}
}

func TestFlowsTolerateUnresolvedNames(t *testing.T) {
	p := site()
	// Names the design does not define (IB211 reports them): the passes skip what they cannot resolve.
	p.Publishing[0].Systems = []string{"ibcm1", "ghost"}
	p.PKI.Issuer = "Nobody"
	p.Clients[0].Via, p.Clients[0].CMG = "cmg", "nowhere"
	p.Site.SoftwareUpdates.SyncPoint = "ghost"
	p.CMGs = []*plan.CMG{{Name: "gw", Path: "cmgs.gw", ServiceName: "gw.contoso.net", VMs: 2, ConnectionPoints: []string{"ghost"}, ManagementPoint: "ghost"}}
	derived(p)
	if len(p.Flows) == 0 || len(p.Installs) != 1 {
		t.Fatalf("flows %d, installs %d", len(p.Flows), len(p.Installs))
	}
}

func TestFlowsCMGConnectionPointPortsByVMs(t *testing.T) {
	for _, tc := range []struct {
		deployment plan.CMGDeployment
		vms        int
		want       string
	}{
		{"vmss", 1, "443"},
		{"vmss", 3, "10124-10126"},
		{"classic", 1, "443,10140"},
		{"classic", 2, "10124-10125,10140-10141"},
		{"vmss", 40, "10124-10139"}, // at most 16 VMs
	} {
		p := site()
		p.CMGs = []*plan.CMG{{Name: "gw", Path: "cmgs.gw", ServiceName: "gw.contoso.net", Deployment: tc.deployment, VMs: tc.vms,
			ConnectionPoints: []string{"mp1"}, ManagementPoint: "mp1"}}
		derived(p)
		got := flowLines(p, func(f *plan.Flow) bool { return f.ToKind == plan.PeerCMG && f.From == "mp1" })
		if want := "intranet mp1(10.0.0.20) -> internet gw(0.0.0.0/0 ::/0) tcp/" + tc.want; got != want {
			t.Errorf("%s with %d VMs:\n got: %s\nwant: %s", tc.deployment, tc.vms, got, want)
		}
	}
}
