package compiler_test

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/ibcmc/ibcmc/internal/testdesign"
	"github.com/ibcmc/ibcmc/plan"
)

var examples = testdesign.Examples

func examplePlan(t *testing.T, name string) *plan.Plan {
	t.Helper()
	return testdesign.ExamplePlan(t, "..", name)
}

// variant compiles an example with textual replacements, each of which must apply exactly once.
func variant(t *testing.T, name string, replace ...string) *plan.Plan {
	t.Helper()
	src, err := os.ReadFile(filepath.Join("..", "examples", name, "site.cue"))
	if err != nil {
		t.Fatal(err)
	}
	s := string(src)
	for i := 0; i < len(replace); i += 2 {
		if n := strings.Count(s, replace[i]); n != 1 {
			t.Fatalf("%q occurs %d times in %s", replace[i], n, name)
		}
		s = strings.Replace(s, replace[i], replace[i+1], 1)
	}
	res := testdesign.CompileOne(t, s)
	if res.Plan == nil {
		t.Fatalf("variant of %s did not compile: %v", name, res.Diagnostics)
	}
	return res.Plan
}

func flowByID(t *testing.T, p *plan.Plan, id string) *plan.Flow {
	t.Helper()
	for _, f := range p.Flows {
		if f.ID == id {
			return f
		}
	}
	var ids []string
	for _, f := range p.Flows {
		ids = append(ids, f.ID)
	}
	t.Fatalf("no flow %s; flows: %s", id, strings.Join(ids, "\n"))
	return nil
}

func spellPorts(rs []plan.PortRange) string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.String()
	}
	return strings.Join(out, ",")
}

// flowLine is a flow's ends, protocol and ports in one comparable line.
func flowLine(f *plan.Flow) string {
	return f.FromZone + ":" + f.From + "[" + f.FromAddress + "] -> " + f.ToZone + ":" + f.To + "[" + f.ToAddress + "] " +
		f.Protocol + " " + spellPorts(f.Ports)
}

func TestFlowsFabrikamPerimeterMPToSQL(t *testing.T) {
	p := examplePlan(t, "fabrikam-perimeter")
	f := flowByID(t, p, "cmibcm01-to-sql01.corp.fabrikam.com-tcp-1433")
	if got, want := flowLine(f), "perimeter:cmibcm01[172.16.50.21] -> intranet:sql01.corp.fabrikam.com[10.20.0.20] tcp 1433"; got != want {
		t.Errorf("flow = %s, want %s", got, want)
	}
	if f.Purpose != "management point to the site database (SQL Server)" ||
		!reflect.DeepEqual(f.RequiredBy, []string{"cmibcm01 managementPoint"}) ||
		f.Path != "systems.cmibcm01.roles.managementPoint" ||
		f.Source != "https://learn.microsoft.com/mem/configmgr/core/plan-design/hierarchy/ports" ||
		!reflect.DeepEqual(f.Firewalls, []string{"intranet-perimeter"}) {
		t.Errorf("purpose %q, required by %q, path %q, source %q, firewalls %q", f.Purpose, f.RequiredBy, f.Path, f.Source, f.Firewalls)
	}
	// The site server and the intranet MP use the database too, from the database's own zone: a host
	// firewall on the SQL Server needs those flows even though they cross no network firewall.
	for id, line := range map[string]string{
		"cm01.corp.fabrikam.com-to-sql01.corp.fabrikam.com-tcp-1433": "intranet:cm01.corp.fabrikam.com[10.20.0.10] -> intranet:sql01.corp.fabrikam.com[10.20.0.20] tcp 1433",
		"cmmp01-to-sql01.corp.fabrikam.com-tcp-1433":                 "intranet:cmmp01[10.20.0.11] -> intranet:sql01.corp.fabrikam.com[10.20.0.20] tcp 1433",
	} {
		f := flowByID(t, p, id)
		if got := flowLine(f); got != line || len(f.Firewalls) != 0 {
			t.Errorf("%s = %s (firewalls %q), want %s and no network firewall", id, got, f.Firewalls, line)
		}
	}
}

func TestFlowsFabrikamUserPolicyToDomainController(t *testing.T) {
	p := examplePlan(t, "fabrikam-perimeter")
	tcp := flowByID(t, p, "cmibcm01-to-dc01.corp.fabrikam.com-tcp-53_88_135_389_636_3268_49152-65535")
	udp := flowByID(t, p, "cmibcm01-to-dc01.corp.fabrikam.com-udp-53_88_389_636")
	if got, want := flowLine(tcp), "perimeter:cmibcm01[172.16.50.21] -> intranet:dc01.corp.fabrikam.com[10.20.0.5] tcp 53,88,135,389,636,3268,49152-65535"; got != want {
		t.Errorf("tcp flow = %s, want %s", got, want)
	}
	if got, want := flowLine(udp), "perimeter:cmibcm01[172.16.50.21] -> intranet:dc01.corp.fabrikam.com[10.20.0.5] udp 53,88,389,636"; got != want {
		t.Errorf("udp flow = %s, want %s", got, want)
	}
	if want := []string{"cmibcm01 managementPoint", "population roaming-laptops userPolicy"}; !reflect.DeepEqual(tcp.RequiredBy, want) {
		t.Errorf("required by %q, want %q", tcp.RequiredBy, want)
	}

	// Without user policy for internet clients the flows to the users' forest disappear; the perimeter
	// members still reach the domain controller of their own forest.
	off := variant(t, "fabrikam-perimeter", "userPolicyFromInternet: true", "userPolicyFromInternet: false")
	for _, f := range off.Flows {
		if f.From == "cmibcm01" && f.To == "dc01.corp.fabrikam.com" {
			t.Errorf("flow %s without user policy from the internet", f.ID)
		}
	}
	flowByID(t, off, "cmibcm01-to-rodc01.dmz.fabrikam.com-tcp-53_88_135_389_445_49152-65535")
}

func TestFlowsDomainMembersReachTheirDomainControllers(t *testing.T) {
	p := examplePlan(t, "fabrikam-perimeter")
	for id, line := range map[string]string{
		// A perimeter member of the perimeter forest: Kerberos, LDAP, SMB, RPC, DNS; time over UDP.
		"cmfsp01-to-rodc01.dmz.fabrikam.com-tcp-53_88_135_389_445_49152-65535": "perimeter:cmfsp01[172.16.50.22] -> perimeter:rodc01.dmz.fabrikam.com[172.16.50.5] tcp 53,88,135,389,445,49152-65535",
		"cmfsp01-to-rodc01.dmz.fabrikam.com-udp-53_88_123_389":                 "perimeter:cmfsp01[172.16.50.22] -> perimeter:rodc01.dmz.fabrikam.com[172.16.50.5] udp 53,88,123,389",
		// The site server and the database server are members of the site's forest.
		"cm01.corp.fabrikam.com-to-dc01.corp.fabrikam.com-tcp-53_88_135_389_445_49152-65535": "intranet:cm01.corp.fabrikam.com[10.20.0.10] -> intranet:dc01.corp.fabrikam.com[10.20.0.5] tcp 53,88,135,389,445,49152-65535",
		"sql01.corp.fabrikam.com-to-dc01.corp.fabrikam.com-udp-53_88_123_389":                "intranet:sql01.corp.fabrikam.com[10.20.0.20] -> intranet:dc01.corp.fabrikam.com[10.20.0.5] udp 53,88,123,389",
		// Every management point queries the directory of its forest, LDAPS included.
		"cmmp01-to-dc01.corp.fabrikam.com-tcp-135_389_636_3268_49152-65535": "intranet:cmmp01[10.20.0.11] -> intranet:dc01.corp.fabrikam.com[10.20.0.5] tcp 135,389,636,3268,49152-65535",
	} {
		if got := flowLine(flowByID(t, p, id)); got != line {
			t.Errorf("%s = %s, want %s", id, got, line)
		}
	}
}

func TestFlowsFabrikamInternetReachesOnlyThePublishedPorts(t *testing.T) {
	p := examplePlan(t, "fabrikam-perimeter")
	var got []string
	for _, f := range p.Flows {
		if f.FromZone == "internet" && f.ToZone != "internet" {
			got = append(got, flowLine(f)+" public "+strings.Join(f.ToPublic, " "))
		}
	}
	want := []string{
		"internet:any[0.0.0.0/0 ::/0] -> perimeter:edge[172.16.50.10] tcp 443 public 203.0.113.10",
		"internet:any[0.0.0.0/0 ::/0] -> perimeter:edge[172.16.50.10] tcp 80 public 203.0.113.10",
		// WSUS serves EULAs and update content over HTTP, also when the SUP uses SSL.
		"internet:any[0.0.0.0/0 ::/0] -> perimeter:edge[172.16.50.10] tcp 8530 public 203.0.113.10",
		"internet:any[0.0.0.0/0 ::/0] -> perimeter:edge[172.16.50.10] tcp 8531 public 203.0.113.10",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("inbound internet flows:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, f := range p.Flows {
		if f.FromZone != "internet" {
			continue
		}
		for _, port := range []int{135, 445, 1433, 3389} {
			for _, r := range f.Ports {
				if r.Contains(port) {
					t.Errorf("flow %s opens %d from the internet", f.ID, port)
				}
			}
		}
	}
	// The proxy forwards the same ports to its backends, from its internal address.
	for id, line := range map[string]string{
		"edge-to-cmibcm01-tcp-443":  "perimeter:edge[172.16.50.10] -> perimeter:cmibcm01[172.16.50.21] tcp 443",
		"edge-to-cmibcm01-tcp-8530": "perimeter:edge[172.16.50.10] -> perimeter:cmibcm01[172.16.50.21] tcp 8530",
		"edge-to-cmibcm01-tcp-8531": "perimeter:edge[172.16.50.10] -> perimeter:cmibcm01[172.16.50.21] tcp 8531",
		"edge-to-cmfsp01-tcp-80":    "perimeter:edge[172.16.50.10] -> perimeter:cmfsp01[172.16.50.22] tcp 80",
	} {
		if got := flowLine(flowByID(t, p, id)); got != line {
			t.Errorf("%s = %s, want %s", id, got, line)
		}
	}
}

func TestFlowsIntranetClientsReachTheirRoles(t *testing.T) {
	// Contoso's only MP/DP/SUP sits in the perimeter and accepts intranet connections.
	p := examplePlan(t, "contoso-ibcm")
	for id, line := range map[string]string{
		"intranet-clients-to-ibcm01-tcp-443":   "intranet:intranet-clients[10.10.0.0/16] -> perimeter:ibcm01[192.0.2.10] tcp 443",
		"intranet-clients-to-ibcm01-tcp-10123": "intranet:intranet-clients[10.10.0.0/16] -> perimeter:ibcm01[192.0.2.10] tcp 10123",
		"intranet-clients-to-ibcm01-tcp-8530":  "intranet:intranet-clients[10.10.0.0/16] -> perimeter:ibcm01[192.0.2.10] tcp 8530",
		"intranet-clients-to-ibcm01-tcp-8531":  "intranet:intranet-clients[10.10.0.0/16] -> perimeter:ibcm01[192.0.2.10] tcp 8531",
	} {
		f := flowByID(t, p, id)
		if got := flowLine(f); got != line {
			t.Errorf("%s = %s, want %s", id, got, line)
		}
		if !slices.Contains(f.RequiredBy, "population domain-laptops") {
			t.Errorf("%s required by %q", id, f.RequiredBy)
		}
	}
	// Fabrikam: the FSP accepts intranet and internet clients; the intranet MP/DP only intranet ones.
	fab := examplePlan(t, "fabrikam-perimeter")
	flowByID(t, fab, "intranet-clients-to-cmfsp01-tcp-80")
	flowByID(t, fab, "intranet-clients-to-cmmp01-tcp-443")
	for _, f := range fab.Flows {
		if f.FromKind == plan.PeerClients && f.To == "cmibcm01" {
			t.Errorf("intranet clients reach the internet-only roles of cmibcm01: %s", f.ID)
		}
	}
	// An internet-only population gets no intranet flow.
	only := variant(t, "contoso-ibcm", `management: "intranetAndInternet"`, `management: "internetOnly"`)
	for _, f := range only.Flows {
		if f.FromKind == plan.PeerClients {
			t.Errorf("flow %s for an internet-only population", f.ID)
		}
	}
}

func TestFlowsSiteServerToEverySiteSystem(t *testing.T) {
	p := examplePlan(t, "fabrikam-perimeter")
	f := flowByID(t, p, "cm01.corp.fabrikam.com-to-cmibcm01-tcp-135_445_49152-65535")
	if got, want := flowLine(f), "intranet:cm01.corp.fabrikam.com[10.20.0.10] -> perimeter:cmibcm01[172.16.50.21] tcp 135,445,49152-65535"; got != want {
		t.Errorf("flow = %s, want %s", got, want)
	}
	flowByID(t, p, "cm01.corp.fabrikam.com-to-cmibcm01-udp-135")
	// Same zone as the site server: the host firewall still needs the flow, and the MP calls back.
	flowByID(t, p, "cm01.corp.fabrikam.com-to-cmmp01-tcp-135_445_49152-65535")
	flowByID(t, p, "cmmp01-to-cm01.corp.fabrikam.com-tcp-135_445_49152-65535")
	// Both perimeter systems have siteServerInitiates: they never call the site server back.
	for _, f := range p.Flows {
		if f.To == "cm01.corp.fabrikam.com" && f.FromZone == "perimeter" {
			t.Errorf("unexpected flow to the site server: %s", f.ID)
		}
	}
	w := examplePlan(t, "woodgrove-cmg")
	for _, cp := range []string{"cmcp01", "cmcp02"} {
		flowByID(t, w, "cm01.woodgrove.local-to-"+cp+"-tcp-135_445_49152-65535")
		flowByID(t, w, cp+"-to-cm01.woodgrove.local-tcp-135_445_49152-65535")
	}

	// Without siteServerInitiates the system calls back; a distribution point alone never does.
	v := variant(t, "contoso-ibcm", `roles: {
		managementPoint: {connections: "https", allow: "intranetAndInternet"}
		distributionPoint: {connections: "https", allow: "intranetAndInternet"}
		softwareUpdatePoint: {ports: {http: 8530, https: 8531}, allow: "intranetAndInternet"}
	}`, `roles: {
		managementPoint: {connections: "https", allow: "intranetAndInternet"}
		distributionPoint: {connections: "https", allow: "intranetAndInternet"}
		softwareUpdatePoint: {ports: {http: 8530, https: 8531}, allow: "intranetAndInternet"}
	}
}
systems: dp02: {
	fqdn: {intranet: "dp02.contoso.local", internet: "dp02.public.com"}
	zone:    "perimeter"
	address: "192.0.2.11"
	forest:  "contoso.local"
	roles: distributionPoint: {connections: "https", allow: "internet"}`)
	back := flowByID(t, v, "ibcm01-to-cm01.contoso.local-tcp-135_445_49152-65535")
	if got, want := flowLine(back), "perimeter:ibcm01[192.0.2.10] -> intranet:cm01.contoso.local[10.10.0.0/16] tcp 135,445,49152-65535"; got != want {
		t.Errorf("reverse flow = %s, want %s", got, want)
	}
	if back.Path != "systems.ibcm01.siteServerInitiates" {
		t.Errorf("reverse flow path %q", back.Path)
	}
	flowByID(t, v, "cm01.contoso.local-to-dp02-tcp-135_445_49152-65535")
	// The database is the site server (no address): the flow goes to that machine, at its zone's ranges.
	sql := flowByID(t, v, "ibcm01-to-cm01.contoso.local-tcp-1433")
	if sql.ToKind != plan.PeerSiteServer || sql.ToAddress != "10.10.0.0/16" {
		t.Errorf("SQL flow to %s %q", sql.ToKind, sql.ToAddress)
	}
	for _, f := range v.Flows {
		if f.From == "dp02" && f.To == "cm01.contoso.local" {
			t.Errorf("a distribution point sends no status to the site server, yet %s", f.ID)
		}
	}
	// A distribution point reports content status to a management point.
	if got, want := flowLine(flowByID(t, v, "dp02-to-ibcm01-tcp-443")), "perimeter:dp02[192.0.2.11] -> perimeter:ibcm01[192.0.2.10] tcp 443"; got != want {
		t.Errorf("DP to MP = %s, want %s", got, want)
	}
}

func TestFlowsSoftwareUpdateSynchronization(t *testing.T) {
	p := examplePlan(t, "fabrikam-perimeter")
	f := flowByID(t, p, "cmibcm01-to-microsoft-update-tcp-80_443")
	if f.ToZone != "internet" || f.ToKind != plan.PeerMicrosoftUpdate || !reflect.DeepEqual(f.Firewalls, []string{"internet-perimeter"}) {
		t.Errorf("Microsoft Update flow %s, firewalls %q", flowLine(f), f.Firewalls)
	}
	// A second SUP synchronizes with the first; an upstream WSUS server replaces Microsoft Update.
	v := variant(t, "woodgrove-cmg", `roles: {cmgConnectionPoint: {}, serviceConnectionPoint: mode: "online"}`,
		`roles: {cmgConnectionPoint: {}, serviceConnectionPoint: mode: "online", softwareUpdatePoint: {allow: "intranet"}}`,
		`clientSettings: {`, `softwareUpdates: {source: "wsus.woodgrove.local", syncPoint: "cmmp01"}
	clientSettings: {`)
	up := flowByID(t, v, "cmmp01-to-wsus.woodgrove.local-tcp-8530-8531")
	if up.ToKind != plan.PeerUpstreamWSUS || up.ToZone != "intranet" || up.Path != "site.softwareUpdates.source" {
		t.Errorf("upstream flow %s kind %s path %s", flowLine(up), up.ToKind, up.Path)
	}
	flowByID(t, v, "cmcp01-to-cmmp01-tcp-8530-8531")
	for _, f := range v.Flows {
		if f.ToKind == plan.PeerMicrosoftUpdate {
			t.Errorf("flow %s to Microsoft Update although the site synchronizes with an upstream server", f.ID)
		}
	}
}

func TestFlowsWoodgroveConnectionPointsToCMG(t *testing.T) {
	p := examplePlan(t, "woodgrove-cmg")
	for _, cp := range []string{"cmcp01", "cmcp02"} {
		f := flowByID(t, p, cp+"-to-wgb-cmg-tcp-10124-10125")
		if f.ToZone != "internet" || f.ToKind != plan.PeerCMG || spellPorts(f.Ports) != "10124-10125" || f.Protocol != "tcp" {
			t.Errorf("%s: %s", f.ID, flowLine(f))
		}
		flowByID(t, p, cp+"-to-cmmp01-tcp-443")  // the CMG-enabled MP over HTTPS
		flowByID(t, p, cp+"-to-cmmp01-tcp-8531") // the SUP with cmgTraffic over HTTPS
	}
	azure := flowByID(t, p, "cmcp01-to-azure-tcp-443")
	if azure.FromAddress != "10.30.0.12" {
		t.Errorf("service connection point flow from %q", azure.FromAddress)
	}
	// Internet-only CMG clients use the gateway also from inside the network.
	flowByID(t, p, "intranet-clients-to-wgb-cmg-tcp-443")
	// A CMG needs no inbound internet exposure.
	for _, f := range p.Flows {
		if f.FromZone == "internet" && f.ToZone != "internet" {
			t.Errorf("inbound internet flow %s", flowLine(f))
		}
	}
}

func TestFlowsCMGPortsByDeployment(t *testing.T) {
	cases := []struct {
		name, replace, want string
	}{
		// Classic: one TCP-TLS port per VM, with the documented HTTPS fallback.
		{"classic two VMs", "deployment: \"classic\"\n\tvms:         2\n", "10124-10125,10140-10141"},
		{"classic one VM", "deployment: \"classic\"\n\tvms:         1\n", "443,10140"},
		{"one VM", "vms:         1\n", "443"},
		{"sixteen VMs", "vms:         16\n", "10124-10139"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := variant(t, "woodgrove-cmg", "vms:         2\n", c.replace)
			n := 0
			for _, f := range p.Flows {
				if f.ToKind == plan.PeerCMG && f.FromKind == plan.PeerSystem {
					n++
					if got := spellPorts(f.Ports); got != c.want || f.Protocol != "tcp" {
						t.Errorf("%s: %s/%s, want %s/tcp", f.ID, got, f.Protocol, c.want)
					}
				}
			}
			if n != 2 {
				t.Errorf("%d connection point flows to the CMG, want 2", n)
			}
		})
	}
}

func TestFlowsEnhancedHTTPManagementPointBehindCMG(t *testing.T) {
	// An E-HTTP management point takes CMG traffic over HTTPS 443 with its site-issued certificate; its
	// HTTP port stays open as the data-flow table allows either.
	p := variant(t, "woodgrove-cmg", `managementPoint: {connections: "https", allow: "intranet", cmgTraffic: true`,
		`managementPoint: {connections: "http", allow: "intranet", cmgTraffic: true`,
		`clientConnections: "https"`, `clientConnections: "ehttp"`)
	f := flowByID(t, p, "cmcp01-to-cmmp01-tcp-80_443")
	if f.Source != "https://learn.microsoft.com/mem/configmgr/core/clients/manage/cmg/configure-authentication" {
		t.Errorf("source %q", f.Source)
	}
}

func TestFlowsRevocation(t *testing.T) {
	// Fabrikam checks the CRL: internet clients fetch it from the internet-published HTTP CDP.
	p := examplePlan(t, "fabrikam-perimeter")
	f := flowByID(t, p, "any-to-pki.fabrikam.com-tcp-80")
	if f.FromZone != "internet" || f.ToZone != "internet" {
		t.Errorf("CDP flow %s", flowLine(f))
	}
	if !slices.Contains(f.RequiredBy, "site.communication.checkCRL") || !slices.Contains(f.RequiredBy, "authority Fabrikam Root CA") {
		t.Errorf("CDP flow required by %q", f.RequiredBy)
	}
	// IIS always checks client certificates: the perimeter site system and the bridging proxy fetch the
	// client chain's CRLs through the perimeter's firewall to the internet.
	for _, id := range []string{"cmibcm01-to-pki.fabrikam.com-tcp-80", "edge-to-pki.fabrikam.com-tcp-80", "cmmp01-to-pki.fabrikam.com-tcp-80",
		"intranet-clients-to-pki.fabrikam.com-tcp-80"} {
		f := flowByID(t, p, id)
		if f.ToZone != "internet" || len(f.Firewalls) != 1 {
			t.Errorf("%s: %s firewalls %q", id, flowLine(f), f.Firewalls)
		}
	}
	// Contoso's CA publishes no HTTP CDP at all: no CDP flow.
	for _, f := range examplePlan(t, "contoso-ibcm").Flows {
		if f.ToKind == plan.PeerCDP {
			t.Errorf("flow %s although no authority has an HTTP CDP", f.ID)
		}
	}
	// Woodgrove's gateway verifies client revocation for its PKI population.
	w := examplePlan(t, "woodgrove-cmg")
	g := flowByID(t, w, "wgb-cmg-to-crl.woodgrovebank.com-tcp-80")
	if !slices.Contains(g.RequiredBy, "cmg wgb-cmg verifyClientRevocation") || !slices.Contains(g.RequiredBy, "population branch-servers") {
		t.Errorf("gateway CDP flow required by %q", g.RequiredBy)
	}
}

var safeID = regexp.MustCompile(`^[A-Za-z0-9._-]+$`)

// Properties every example's flows must have: least privilege, traceability, stable order.
func TestFlowsLeastPrivilegeAndTraceable(t *testing.T) {
	for _, name := range examples {
		t.Run(name, func(t *testing.T) {
			p := examplePlan(t, name)
			if len(p.Flows) == 0 {
				t.Fatal("no flows")
			}
			seen := map[string]bool{}
			for _, f := range p.Flows {
				if !safeID.MatchString(f.ID) || seen[f.ID] {
					t.Errorf("ID %q is unsafe or repeated", f.ID)
				}
				seen[f.ID] = true
				if f.Purpose == "" || len(f.RequiredBy) == 0 || f.Path == "" || len(f.Ports) == 0 {
					t.Errorf("%s lacks purpose, requirement, path or ports", f.ID)
				}
				if !strings.HasPrefix(f.Source, "https://learn.microsoft.com/") {
					t.Errorf("%s: source %q is not a Microsoft Learn page", f.ID, f.Source)
				}
				if f.Protocol != "tcp" && f.Protocol != "udp" {
					t.Errorf("%s: protocol %q", f.ID, f.Protocol)
				}
				if wholeSpace(f.FromAddresses) && wholeSpace(f.ToAddresses) && f.FromZone != f.ToZone {
					t.Errorf("%s is any to any across zones: %s", f.ID, flowLine(f))
				}
				if f.FromZone == "internet" && f.ToZone != "internet" && f.ToKind != plan.PeerProxy && f.ToKind != plan.PeerSystem {
					t.Errorf("%s: internet flow to a %s", f.ID, f.ToKind)
				}
				if f.Crosses() != (len(f.Firewalls) > 0) {
					t.Errorf("%s: crosses %v, firewalls %q", f.ID, f.Crosses(), f.Firewalls)
				}
			}
			again := examplePlan(t, name)
			if !reflect.DeepEqual(p.Flows, again.Flows) {
				t.Error("two compiles of the same design give different flows")
			}
		})
	}
}

func wholeSpace(addrs []string) bool {
	return slices.Contains(addrs, "0.0.0.0/0") || slices.Contains(addrs, "::/0")
}

func TestFlowsHomelabPortForwarding(t *testing.T) {
	p := examplePlan(t, "homelab")
	for id, line := range map[string]string{
		"any-to-router-tcp-443":            "internet:any[0.0.0.0/0 ::/0] -> intranet:router[192.168.50.1] tcp 443",
		"router-to-cm-tcp-443":             "intranet:router[192.168.50.1] -> intranet:cm[192.168.50.10] tcp 443",
		"intranet-clients-to-cm-tcp-443":   "intranet:intranet-clients[192.168.50.0/24] -> intranet:cm[192.168.50.10] tcp 443",
		"intranet-clients-to-cm-tcp-10123": "intranet:intranet-clients[192.168.50.0/24] -> intranet:cm[192.168.50.10] tcp 10123",
	} {
		if got := flowLine(flowByID(t, p, id)); got != line {
			t.Errorf("%s = %s, want %s", id, got, line)
		}
	}
	if f := flowByID(t, p, "any-to-router-tcp-443"); !reflect.DeepEqual(f.ToPublic, []string{"198.51.100.7"}) {
		t.Errorf("public address %q", f.ToPublic)
	}
}

func TestFirewallsDeclared(t *testing.T) {
	p := variant(t, "fabrikam-perimeter", "publishing: edge: {", `firewalls: fw1: {interfaces: {internet: "eth0", perimeter: "eth1", intranet: "eth2"}, dnat: true}
publishing: edge: {`)
	if len(p.Firewalls) != 1 || p.Firewalls[0].Name != "fw1" || !p.Firewalls[0].DNAT || !p.Firewalls[0].Declared {
		t.Fatalf("firewalls %+v", p.Firewalls)
	}
	if got := strings.Join(p.Firewalls[0].Zones, ","); got != "internet,intranet,perimeter" {
		t.Errorf("zones %s", got)
	}
	for _, f := range p.Flows {
		want := []string(nil)
		if f.Crosses() {
			want = []string{"fw1"}
		}
		if !reflect.DeepEqual(f.Firewalls, want) {
			t.Errorf("%s passes %q, want %q", f.ID, f.Firewalls, want)
		}
	}
}

// siteWithDPs is a one-zone site with one management point, n distribution points at 10.0.1.1… and pops
// intranet populations.
func siteWithDPs(n, pops int) string {
	var b strings.Builder
	b.WriteString(`package site
site: {code: "P01", server: "cm01.contoso.com", forest: "contoso.com"}
forests: "contoso.com": {}
zones: intranet: {kind: "intranet", cidrs: ["10.0.0.0/16"]}
pki: {authorities: "Root": {subject: "CN=Root"}, issuer: "Root"}
publishing: {}
systems: mp1: {fqdn: intranet: "mp1.contoso.com", address: "10.0.0.11", forest: "contoso.com", roles: managementPoint: allow: "intranet"}
`)
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "systems: dp%02d: {fqdn: intranet: \"dp%02d.contoso.com\", address: \"10.0.1.%d\", forest: \"contoso.com\", roles: distributionPoint: allow: \"intranet\"}\n", i, i, i)
	}
	for i := 1; i <= pops; i++ {
		fmt.Fprintf(&b, "clients: desk%02d: {join: \"domain\", forest: \"contoso.com\", management: \"intranetOnly\", features: [\"inventory\"]}\n", i)
	}
	return b.String()
}

// A zone's distribution points report to each management point: one flow each up to eight, then one flow
// from all of them, so a 5,000-system site does not get DPs × MPs flows. Large population lists are counted.
func TestFlowsManyDistributionPointsAndPopulations(t *testing.T) {
	few := testdesign.CompileOne(t, siteWithDPs(8, 8)).Plan
	flowByID(t, few, "dp08-to-mp1-tcp-443")
	if f := flowByID(t, few, "intranet-clients-to-mp1-tcp-443"); !slices.Contains(f.RequiredBy, "population desk08") {
		t.Errorf("eight populations are named: %q", f.RequiredBy)
	}

	many := testdesign.CompileOne(t, siteWithDPs(10, 9)).Plan
	f := flowByID(t, many, "intranet-distribution-points-to-mp1-tcp-443")
	want := []string{"10.0.1.1", "10.0.1.2", "10.0.1.3", "10.0.1.4", "10.0.1.5", "10.0.1.6", "10.0.1.7", "10.0.1.8", "10.0.1.9", "10.0.1.10"}
	if !slices.Equal(f.FromAddresses, want) || f.FromKind != plan.PeerSystems ||
		!slices.Equal(f.RequiredBy, []string{"10 distribution points", "mp1 managementPoint"}) ||
		f.Purpose != "the 10 distribution points of zone intranet: each reports content status, usage and validation to management point mp1 (HTTPS)" {
		t.Errorf("grouped flow: %s %q %q %q", f.FromKind, f.FromAddresses, f.RequiredBy, f.Purpose)
	}
	for _, f := range many.Flows {
		if strings.HasPrefix(f.ID, "dp01-to-mp1") {
			t.Errorf("a grouped distribution point still has its own flow: %s", f.ID)
		}
	}
	if f := flowByID(t, many, "intranet-clients-to-mp1-tcp-443"); !slices.Equal(f.RequiredBy, []string{"9 client populations", "mp1 managementPoint"}) {
		t.Errorf("nine populations are counted: %q", f.RequiredBy)
	}
}
