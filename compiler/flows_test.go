package compiler_test

import (
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
		f.Path != "systems.cmibcm01.roles.managementPoint" {
		t.Errorf("purpose %q, required by %q, path %q", f.Purpose, f.RequiredBy, f.Path)
	}
	// The intranet MP sits in the database's zone: its SQL traffic crosses no firewall.
	for _, f := range p.Flows {
		if f.From == "cmmp01" {
			t.Errorf("unexpected flow from the intranet MP: %s", f.ID)
		}
	}
}

func TestFlowsFabrikamUserPolicyToDomainController(t *testing.T) {
	p := examplePlan(t, "fabrikam-perimeter")
	tcp := flowByID(t, p, "cmibcm01-to-dc01.corp.fabrikam.com-tcp-53_88_135_389_3268_49152-65535")
	udp := flowByID(t, p, "cmibcm01-to-dc01.corp.fabrikam.com-udp-53_88_389")
	if got, want := flowLine(tcp), "perimeter:cmibcm01[172.16.50.21] -> intranet:dc01.corp.fabrikam.com[10.20.0.5] tcp 53,88,135,389,3268,49152-65535"; got != want {
		t.Errorf("tcp flow = %s, want %s", got, want)
	}
	if got, want := flowLine(udp), "perimeter:cmibcm01[172.16.50.21] -> intranet:dc01.corp.fabrikam.com[10.20.0.5] udp 53,88,389"; got != want {
		t.Errorf("udp flow = %s, want %s", got, want)
	}
	if want := []string{"cmibcm01 managementPoint", "population roaming-laptops userPolicy"}; !reflect.DeepEqual(tcp.RequiredBy, want) {
		t.Errorf("required by %q, want %q", tcp.RequiredBy, want)
	}
	// The perimeter forest's RODC is not the users' forest: user policy needs no flow to it.
	for _, f := range p.Flows {
		if f.To == "rodc01.dmz.fabrikam.com" {
			t.Errorf("unexpected flow to the perimeter RODC: %s", f.ID)
		}
	}

	// Without user policy for internet clients the domain controller flows disappear.
	off := variant(t, "fabrikam-perimeter", "userPolicyFromInternet: true", "userPolicyFromInternet: false")
	for _, f := range off.Flows {
		if f.ToKind == plan.PeerDomainController {
			t.Errorf("flow %s without user policy from the internet", f.ID)
		}
	}
}

func TestFlowsFabrikamInternetReachesOnlyThePublishedPorts(t *testing.T) {
	p := examplePlan(t, "fabrikam-perimeter")
	var got []string
	for _, f := range p.Flows {
		if f.FromZone == "internet" && f.ToZone != "internet" {
			got = append(got, flowLine(f))
		}
	}
	want := []string{
		"internet:any[0.0.0.0/0 ::/0] -> perimeter:edge[203.0.113.10] tcp 443",
		"internet:any[0.0.0.0/0 ::/0] -> perimeter:edge[203.0.113.10] tcp 80",
		"internet:any[0.0.0.0/0 ::/0] -> perimeter:edge[203.0.113.10] tcp 8531",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("inbound internet flows:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, f := range p.Flows {
		if f.FromZone != "internet" {
			continue
		}
		for _, port := range []int{135, 445, 1433} {
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
		"edge-to-cmibcm01-tcp-8531": "perimeter:edge[172.16.50.10] -> perimeter:cmibcm01[172.16.50.21] tcp 8531",
		"edge-to-cmfsp01-tcp-80":    "perimeter:edge[172.16.50.10] -> perimeter:cmfsp01[172.16.50.22] tcp 80",
	} {
		if got := flowLine(flowByID(t, p, id)); got != line {
			t.Errorf("%s = %s, want %s", id, got, line)
		}
	}
}

func TestFlowsSiteServerToSystemsOutsideItsZone(t *testing.T) {
	p := examplePlan(t, "fabrikam-perimeter")
	f := flowByID(t, p, "cm01.corp.fabrikam.com-to-cmibcm01-tcp-135_445_49152-65535")
	if got, want := flowLine(f), "intranet:cm01.corp.fabrikam.com[10.20.0.10] -> perimeter:cmibcm01[172.16.50.21] tcp 135,445,49152-65535"; got != want {
		t.Errorf("flow = %s, want %s", got, want)
	}
	flowByID(t, p, "cm01.corp.fabrikam.com-to-cmibcm01-udp-135")
	// Both perimeter systems have siteServerInitiates: nothing calls the site server back.
	for _, f := range p.Flows {
		if f.To == "cm01.corp.fabrikam.com" {
			t.Errorf("unexpected flow to the site server: %s", f.ID)
		}
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
		if f.From == "dp02" {
			t.Errorf("a distribution point sends no status, yet %s", f.ID)
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
		{"classic", "vms:         2\n", "10140-10155"},
		{"one VM", "vms:         1\n", "443"},
		{"sixteen VMs", "vms:         16\n", "10124-10139"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			repl := c.replace
			if c.name == "classic" {
				repl = "deployment: \"classic\"\n\tvms:         2\n"
			}
			p := variant(t, "woodgrove-cmg", "vms:         2\n", repl)
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
	p := variant(t, "woodgrove-cmg", `managementPoint: {connections: "https", allow: "intranet", cmgTraffic: true`,
		`managementPoint: {connections: "http", allow: "intranet", cmgTraffic: true`)
	flowByID(t, p, "cmcp01-to-cmmp01-tcp-80")
	for _, f := range p.Flows {
		if f.ID == "cmcp01-to-cmmp01-tcp-443" {
			t.Errorf("an HTTP management point got an HTTPS flow")
		}
	}
}

func TestFlowsRevocation(t *testing.T) {
	// Fabrikam checks the CRL: internet clients fetch it from the internet-published HTTP CDP.
	p := examplePlan(t, "fabrikam-perimeter")
	f := flowByID(t, p, "clients-to-pki.fabrikam.com-tcp-80")
	if f.FromZone != "internet" || f.ToZone != "internet" || len(f.ToAddresses) != 0 {
		t.Errorf("CDP flow %s", flowLine(f))
	}
	if !slices.Contains(f.RequiredBy, "site.communication.checkCRL") || !slices.Contains(f.RequiredBy, "authority Fabrikam Root CA") {
		t.Errorf("CDP flow required by %q", f.RequiredBy)
	}
	// Contoso does not check the CRL: no CDP flow.
	for _, f := range examplePlan(t, "contoso-ibcm").Flows {
		if f.ToKind == plan.PeerCDP {
			t.Errorf("flow %s although checkCRL is false", f.ID)
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
				if f.Protocol != "tcp" && f.Protocol != "udp" {
					t.Errorf("%s: protocol %q", f.ID, f.Protocol)
				}
				if wholeSpace(f.FromAddresses) && (wholeSpace(f.ToAddresses) || len(f.ToAddresses) == 0) && f.ToKind != plan.PeerCDP {
					t.Errorf("%s is any to any: %s", f.ID, flowLine(f))
				}
				if f.FromZone == "internet" && f.ToZone != "internet" && f.ToKind != plan.PeerProxy && f.ToKind != plan.PeerSystem {
					t.Errorf("%s: internet flow to a %s", f.ID, f.ToKind)
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
	var got []string
	for _, f := range p.Flows {
		got = append(got, f.ID+" "+flowLine(f))
	}
	want := []string{
		"any-to-router-tcp-443 internet:any[0.0.0.0/0 ::/0] -> intranet:router[198.51.100.7] tcp 443",
		"router-to-cm-tcp-443 intranet:router[192.168.50.1] -> intranet:cm[192.168.50.10] tcp 443",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("flows:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
