package report_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/ibcmc/ibcmc/emit"
	"github.com/ibcmc/ibcmc/emit/firewall"
	"github.com/ibcmc/ibcmc/emit/report"
	"github.com/ibcmc/ibcmc/internal/testdesign"
)

// checklistGroups splits the checklist into its "### " groups: heading → the group's lines.
func checklistGroups(t *testing.T, doc string) (headings []string, groups map[string][]string) {
	t.Helper()
	groups = map[string][]string{}
	cur := ""
	for _, l := range strings.Split(section(t, doc, "Deployment checklist"), "\n") {
		switch {
		case strings.HasPrefix(l, "### "):
			cur = strings.TrimPrefix(l, "### ")
			headings = append(headings, cur)
		case cur != "" && l != "":
			groups[cur] = append(groups[cur], l)
		}
	}
	return headings, groups
}

const (
	seePorts    = " See [Ports used in Configuration Manager](https://learn.microsoft.com/mem/configmgr/core/plan-design/hierarchy/ports)."
	seeAccounts = " See [Accounts used in Configuration Manager](https://learn.microsoft.com/mem/configmgr/core/plan-design/hierarchy/accounts)."
	seeCerts    = " See [Plan for PKI certificates](https://learn.microsoft.com/mem/configmgr/core/plan-design/security/plan-for-certificates)."
	seeCMGPlan  = " See [Plan for cloud management gateway](https://learn.microsoft.com/mem/configmgr/core/clients/manage/cmg/plan-cloud-management-gateway)."

	remoteRegistrySystem = "- [ ] Start the Remote Registry service and set it to start automatically, before the site server installs " +
		"roles here: it uses the service to install and configure them." + seePorts
	remoteRegistryDatabase = "- [ ] Start the Remote Registry service and set it to start automatically: the site server uses it on a " +
		"remote site database server." + seePorts
)

func firewallItem(machine string) string {
	return "- [ ] Run `firewall/windows/" + machine + ".ps1` elevated: it allows every inbound connection the design needs " +
		"into this machine in Windows Firewall." + seePorts
}

// wsusSteps are the WSUS TLS steps of a software update point, with the name WsusUtil configures.
func wsusSteps(system, fqdn, why string) []string {
	return []string{
		"- [ ] Configure WSUS for TLS: the software update point requires SSL. See [Configure a software update point to use TLS/SSL with a PKI certificate](https://learn.microsoft.com/mem/configmgr/sum/get-started/software-update-point-ssl).",
		"  - [ ] IIS Manager, Sites, WSUS Administration, Bindings: bind the web server certificate (`certs/" + system + "-webserver.inf`) to https port 8531; keep the http binding on port 8530, which WSUS uses for update content.",
		"  - [ ] SSL Settings: Require SSL, client certificates Ignore, on the five WSUS web services ApiRemoting30, ClientWebService, DSSAuthWebService, ServerSyncWebService and SimpleAuthWebService only, never on the WSUS Administration site itself.",
		"  - [ ] In C:\\Program Files\\Update Services\\Tools run `WsusUtil.exe configuressl " + fqdn + "` (" + why + ") and check that it answers `https://" + fqdn + ":8531`.",
		"  - [ ] Console, software update point properties: Require SSL communication to the WSUS server.",
	}
}

func joinLines(parts ...any) []string {
	var out []string
	for _, p := range parts {
		switch v := p.(type) {
		case string:
			out = append(out, v)
		case []string:
			out = append(out, v...)
		}
	}
	return out
}

func checkGroup(t *testing.T, groups map[string][]string, heading string, want []string) {
	t.Helper()
	if got := groups[heading]; !slices.Equal(got, want) {
		t.Errorf("group %q:\n got:\n%s\nwant:\n%s", heading, strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestChecklistFabrikam: the perimeter design's checklist, group by group, in deployment order: Remote
// Registry on each machine the site server installs (not on the site server), the accounts by name, WSUS
// TLS with the internet FQDN, the firewall script of every machine, the trusted root and user policy
// settings, and the AD note for the line without /mp:.
func TestChecklistFabrikam(t *testing.T) {
	headings, groups := checklistGroups(t, reportOf(t, "fabrikam-perimeter"))
	wantHeadings := []string{
		"Certification authorities",
		"cm01.corp.fabrikam.com: site server",
		"sql01.corp.fabrikam.com: site database server",
		"cmfsp01: site system (`cmfsp01.dmz.fabrikam.com`)",
		"cmibcm01: site system (`cmibcm01.dmz.fabrikam.com`)",
		"cmmp01: site system (`cmmp01.corp.fabrikam.com`)",
		"Site FAB (Configuration Manager console)",
		"Client population roaming-laptops",
	}
	if !slices.Equal(headings, wantHeadings) {
		t.Errorf("groups %q, want %q", headings, wantHeadings)
	}
	install := "- [ ] Site system installation account `CORP\\svc-cm-install`: a local administrator here with \"Access this " +
		"computer from the network\"; select it when you add the site system server. The server is in another forest than " +
		"the site server: enter the account with its domain's FQDN instead of the NetBIOS name `CORP`, so that Kerberos can " +
		"authenticate it." + seeAccounts
	checkGroup(t, groups, "cm01.corp.fabrikam.com: site server", []string{firewallItem("cm01.corp.fabrikam.com")})
	checkGroup(t, groups, "sql01.corp.fabrikam.com: site database server",
		[]string{remoteRegistryDatabase, firewallItem("sql01.corp.fabrikam.com")})
	checkGroup(t, groups, "cmfsp01: site system (`cmfsp01.dmz.fabrikam.com`)",
		[]string{remoteRegistrySystem, install, firewallItem("cmfsp01")})
	checkGroup(t, groups, "cmibcm01: site system (`cmibcm01.dmz.fabrikam.com`)", joinLines(
		remoteRegistrySystem, install,
		"- [ ] Management point connection account `CORP\\svc-cm-mpdb`: a low-right account the site database server "+
			"`sql01.corp.fabrikam.com` accepts, without interactive sign-in; select it in the role's properties."+seeAccounts,
		wsusSteps("cmibcm01", "ibcm.fabrikam.com", "the internet FQDN, as the server is internet facing"),
		firewallItem("cmibcm01")))
	checkGroup(t, groups, "cmmp01: site system (`cmmp01.corp.fabrikam.com`)", []string{remoteRegistrySystem, firewallItem("cmmp01")})
	checkGroup(t, groups, "Site FAB (Configuration Manager console)", []string{
		"- [ ] Site properties, Communication Security, Trusted Root Certification Authorities: import the root certificates " +
			"(.cer, exported from the CA or a client, never with the private key) of Fabrikam Root CA (`CN=Fabrikam Root CA, O=Fabrikam, C=US`)." + seeCerts,
		"- [ ] Client settings, Client Policy: Enable user policy on clients = Yes and Enable user policy requests from Internet " +
			"clients = Yes, for roaming-laptops. See [About client settings](https://learn.microsoft.com/mem/configmgr/core/clients/deploy/about-client-settings).",
	})
	checkGroup(t, groups, "Client population roaming-laptops", []string{
		"- [ ] ccmsetup gets neither /mp: nor /source:, so it looks for a management point to download the client from in " +
			"Active Directory, which works only when the Active Directory schema is extended for Configuration Manager and " +
			"site FAB publishes to the forest corp.fabrikam.com; do both before installing, or set `install.downloadMP`. " +
			"See [Deploy clients to Windows computers](https://learn.microsoft.com/mem/configmgr/core/clients/deploy/deploy-clients-to-windows-computers).",
	})
	// Both CAs of the chain the internet-facing certificates come from publish an internet CRL; the item
	// names the URL the design gives.
	cas := groups["Certification authorities"]
	if len(cas) != 2 ||
		!strings.HasPrefix(cas[0], "- [ ] Fabrikam Issuing CA 01: publish its CRL over HTTP where the internet reaches it, and put "+
			"that URL in the CRL distribution point of the certificates it issues; the design publishes it at "+
			"`http://pki.fabrikam.com/crl/Fabrikam%20Issuing%20CA%2001.crl`. Checked by internet clients, for the ") ||
		!strings.HasPrefix(cas[1], "- [ ] Fabrikam Root CA: ") || !strings.HasSuffix(cas[1], seeCerts) {
		t.Errorf("certification authorities:\n%s", strings.Join(cas, "\n"))
	}
}

// TestChecklistWoodgrove: a CMG design gets the gateway's certificate upload (root first, then the
// intermediate), the Cloud Services client settings, WSUS TLS with the intranet FQDN, and no AD note: its
// lines carry the gateway's /mp:.
func TestChecklistWoodgrove(t *testing.T) {
	headings, groups := checklistGroups(t, reportOf(t, "woodgrove-cmg"))
	checkGroup(t, groups, "Cloud management gateway wgb-cmg", []string{
		"- [ ] Export the certificates of Woodgrove Root CA (`CN=Woodgrove Root CA, O=Woodgrove Bank, C=US`), Woodgrove Issuing CA " +
			"(`CN=Woodgrove Issuing CA, O=Woodgrove Bank, C=US`) as .cer (DER encoded binary X.509) and add them under Certificates " +
			"in the gateway's wizard: every certificate of the client certificate chain, root and intermediates. " +
			"See [Configure client authentication for cloud management gateway](https://learn.microsoft.com/mem/configmgr/core/clients/manage/cmg/configure-authentication).",
		"- [ ] Make sure the clients of branch-servers, cloud-laptops, lobby-kiosks reach the gateway over IPv4: clients must use IPv4, and a " +
			"client that has only IPv6 cannot use a CMG. See [Plan for cloud management gateway](https://learn.microsoft.com/mem/configmgr/core/clients/manage/cmg/plan-cloud-management-gateway).",
	})
	site := groups["Site WGB (Configuration Manager console)"]
	for _, want := range []string{
		"- [ ] Client settings, Cloud Services: Enable clients to use a cloud management gateway = Yes, for branch-servers, cloud-laptops, lobby-kiosks." + seeCMGPlan,
		"- [ ] Client settings, Cloud Services: Allow access to cloud distribution point = Yes, for cloud-laptops, which get content from the gateway." + seeCMGPlan,
	} {
		if !slices.Contains(site, want) {
			t.Errorf("site group lacks %q:\n%s", want, strings.Join(site, "\n"))
		}
	}
	checkGroup(t, groups, "cmmp01: site system (`cmmp01.woodgrove.local`)", joinLines(
		remoteRegistrySystem, wsusSteps("cmmp01", "cmmp01.woodgrove.local", "its FQDN"), firewallItem("cmmp01")))
	checkGroup(t, groups, "cm01.woodgrove.local: site server", []string{firewallItem("cm01.woodgrove.local")})
	checkGroup(t, groups, "sql01.woodgrove.local: site database server",
		[]string{remoteRegistryDatabase, firewallItem("sql01.woodgrove.local")})
	for _, h := range headings {
		if strings.HasPrefix(h, "Client population") {
			t.Errorf("group %q: every woodgrove line has /mp:", h)
		}
	}
}

// TestChecklistOnlyWhatApplies: items appear only where the design needs them. Contoso does not check the
// CRL, names no trusted roots, accounts or gateway; the homelab's one server is the site server, so nothing
// installs it remotely and it needs no Remote Registry.
func TestChecklistOnlyWhatApplies(t *testing.T) {
	contoso := section(t, reportOf(t, "contoso-ibcm"), "Deployment checklist")
	for _, absent := range []string{"Certification authorities", "CRL", "Trusted Root", "Cloud Services", "account", "Client Policy", "Cloud management gateway"} {
		if strings.Contains(contoso, absent) {
			t.Errorf("contoso checklist mentions %q:\n%s", absent, contoso)
		}
	}
	headings, groups := checklistGroups(t, reportOf(t, "homelab"))
	if len(headings) == 0 || headings[0] != "cm: site server, site database server, site system (`cm.lab.example.net`)" {
		t.Fatalf("homelab groups %q", headings)
	}
	checkGroup(t, groups, headings[0], joinLines(
		wsusSteps("cm", "cm.example.org", "the internet FQDN, as the server is internet facing"), firewallItem("cm")))
}

// TestChecklistAccountsAndSettings: a system in an untrusted forest with every account, a design that turns
// the client settings its populations need off, and hostile account names that stay in their code spans.
func TestChecklistAccountsAndSettings(t *testing.T) {
	res := testdesign.CompileOne(t, `package site

site: {
	code: "P01", server: "cm01.contoso.com", address: "10.0.0.10", forest: "contoso.com"
	clientSettings: {userPolicyFromInternet: false, cloudManagementGateway: false, cloudDistributionPoint: false}
}
forests: {"contoso.com": {}, "dmz.contoso.com": {}}
zones: intranet: {kind: "intranet", cidrs: ["10.0.0.0/16"]}
pki: {authorities: "Root": {subject: "CN=Root"}, issuer: "Root"}
systems: {
	dmz1: {
		fqdn: {intranet: "dmz1.dmz.contoso.com", internet: "dmz1.contoso.net"}, address: "10.0.0.20", forest: "dmz.contoso.com"
		siteServerInitiates: true
		installAccount: "DMZ\\install`+"`"+`| x"
		databaseAccount: "DMZ\\mpdb"
		roles: {
			managementPoint: {allow: "internet", cmgTraffic: true, roleID: 7}
			softwareUpdatePoint: {allow: "internet", ssl: false, wsusAccount: "DMZ\\wsus\n## injected"}
		}
	}
}
publishing: {}
cmg: gw: {serviceName: "gw.contoso.net", connectionPoints: [], managementPoint: "dmz1", trustedRoots: [], certificate: authority: "Root"}
clients: {
	roam: {join: "domain", forest: "contoso.com", features: ["userPolicy"], install: downloadMP: "dmz1"}
	cloud: {join: "workgroup", via: "cmg", auth: "token", features: ["applications"]}
	kiosk: {join: "workgroup", management: "internetOnly", install: {method: "manual", from: "vpn"}}
}
`)
	if res.Plan == nil {
		t.Fatal(res.Diagnostics)
	}
	files, err := report.Emit(res.Plan, emit.Options{ToolVersion: "test"})
	if err != nil {
		t.Fatal(err)
	}
	doc := string(files[0].Content)
	_, groups := checklistGroups(t, doc)
	dmz := groups["dmz1: site system (`dmz1.dmz.contoso.com`)"]
	for _, want := range []string{
		"- [ ] Site system installation account ``DMZ\\install`\\| x``: a local administrator here with \"Access this computer " +
			"from the network\"; select it when you add the site system server. The server is in another forest than the site " +
			"server: enter the account with its domain's FQDN instead of the NetBIOS name `DMZ`, so that Kerberos can authenticate it." + seeAccounts,
		"- [ ] Management point connection account `DMZ\\mpdb`: a low-right account the site database server `cm01.contoso.com` " +
			"accepts, without interactive sign-in; select it in the role's properties." + seeAccounts,
		"- [ ] Software update point connection account (WSUS Server Connection Account) `DMZ\\wsus ## injected`: a local " +
			"administrator here and a member of the local WSUS Administrators group; select it in the software update point's properties." + seeAccounts,
	} {
		if !slices.Contains(dmz, want) {
			t.Errorf("dmz1 group lacks\n%s\nin:\n%s", want, strings.Join(dmz, "\n"))
		}
	}
	if strings.Contains(strings.Join(dmz, "\n"), "WsusUtil") {
		t.Error("WSUS TLS steps for a software update point without SSL")
	}
	if strings.Contains(doc, "\n## injected") {
		t.Error("an account name started a heading")
	}
	checkGroup(t, groups, "Site P01 (Configuration Manager console)", []string{
		"- [ ] Client settings, Client Policy: Enable user policy on clients = Yes and Enable user policy requests from Internet " +
			"clients = Yes, for roam. The design turns `site.clientSettings.userPolicyFromInternet` off. " +
			"See [About client settings](https://learn.microsoft.com/mem/configmgr/core/clients/deploy/about-client-settings).",
		"- [ ] Client settings, Cloud Services: Enable clients to use a cloud management gateway = Yes, for cloud. The design " +
			"turns `site.clientSettings.cloudManagementGateway` off." + seeCMGPlan,
		"- [ ] Client settings, Cloud Services: Allow access to cloud distribution point = Yes, for cloud, which get content " +
			"from the gateway. The design turns `site.clientSettings.cloudDistributionPoint` off." + seeCMGPlan,
	})
	// roam has /mp:; the token population's line has the gateway's; only the workgroup kiosk, whose
	// computers cannot search Active Directory, gets the note.
	checkGroup(t, groups, "Client population kiosk", []string{
		"- [ ] ccmsetup gets neither /mp: nor /source:, so it looks for a management point to download the client from in " +
			"Active Directory, which works only when the Active Directory schema is extended for Configuration Manager and " +
			"site P01 publishes to the forest, and these computers are not in a domain: set `install.downloadMP` or " +
			"`install.source`. See [Deploy clients to Windows computers](https://learn.microsoft.com/mem/configmgr/core/clients/deploy/deploy-clients-to-windows-computers).",
	})
	checkGroup(t, groups, "Cloud management gateway gw", []string{
		"- [ ] Make sure the clients of cloud reach the gateway over IPv4: clients must use IPv4, and a client that has only IPv6 cannot " +
			"use a CMG." + seeCMGPlan,
	})
	for _, absent := range []string{"Client population roam", "Client population cloud"} {
		if _, ok := groups[absent]; ok {
			t.Errorf("group %q should not appear", absent)
		}
	}
}

// TestChecklistNamesEveryFirewallScript: for every example, the checklist points at exactly the Windows
// Firewall scripts the firewall emitter writes, one item each.
func TestChecklistNamesEveryFirewallScript(t *testing.T) {
	for _, name := range examples {
		res := testdesign.Example(t, "../..", name)
		files, err := firewall.Emit(res.Plan, emit.Options{ToolVersion: "test"})
		if err != nil {
			t.Fatal(err)
		}
		var want []string
		for _, f := range files {
			if strings.HasPrefix(f.Path, "firewall/windows/") {
				want = append(want, f.Path)
			}
		}
		var got []string
		for _, l := range strings.Split(section(t, reportOf(t, name), "Deployment checklist"), "\n") {
			if rest, ok := strings.CutPrefix(l, "- [ ] Run `"); ok {
				got = append(got, rest[:strings.Index(rest, "`")])
			}
		}
		slices.Sort(want)
		slices.Sort(got)
		if len(want) == 0 || !slices.Equal(got, want) {
			t.Errorf("%s: checklist names %q, firewall writes %q", name, got, want)
		}
	}
}
