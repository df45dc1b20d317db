package report

import (
	"slices"
	"strconv"
	"strings"

	"github.com/ibcmc/ibcmc/emit"
	"github.com/ibcmc/ibcmc/learn"
	"github.com/ibcmc/ibcmc/plan"
)

// The pages the checklist cites, with their titles on Microsoft Learn.
var (
	pagePorts         = page{"Ports used in Configuration Manager", learn.Ports}
	pageAccounts      = page{"Accounts used in Configuration Manager", learn.Accounts}
	pageSUPSSL        = page{"Configure a software update point to use TLS/SSL with a PKI certificate", learn.SUPSSL}
	pageCertificates  = page{"Plan for PKI certificates", learn.PlanCertificates}
	pageCMGAuth       = page{"Configure client authentication for cloud management gateway", learn.CMGAuth}
	pageCMGPlan       = page{"Plan for cloud management gateway", learn.CMGPlan}
	pageClientSetting = page{"About client settings", learn.ClientSettings}
	pageDeployClients = page{"Deploy clients to Windows computers", learn.DeployClients}
)

type page struct{ title, url string }

// checkItem is one box to tick: escaped Markdown text, the page it comes from, and sub-steps (escaped) that
// are ticked one by one.
type checkItem struct {
	text  string
	cite  page
	steps []string
}

type checkGroup struct {
	title string // escaped
	items []checkItem
}

// checklist writes what the admin does by hand to deploy the design, grouped by machine and by service, in
// the order a deployment goes: certification authorities, machines, site settings, gateways, clients. It
// lists only what this design needs, and names accounts without ever holding a password.
func checklist(b out, p *plan.Plan, _ emit.Options) {
	b.WriteString("## Deployment checklist\n\n")
	b.WriteString("What this design needs done by hand, machine by machine and service by service; each item cites the " +
		"Microsoft Learn page it comes from. Accounts appear by name only: enter their passwords in the console.\n")
	for _, g := range checklistGroups(p) {
		b.WriteString("\n### ")
		b.WriteString(g.title)
		b.WriteString("\n\n")
		for _, it := range g.items {
			b.WriteString("- [ ] ")
			b.WriteString(it.text)
			b.WriteString(" See [")
			b.WriteString(it.cite.title)
			b.WriteString("](")
			b.WriteString(it.cite.url)
			b.WriteString(").\n")
			for _, s := range it.steps {
				b.WriteString("  - [ ] ")
				b.WriteString(s)
				b.WriteString("\n")
			}
		}
	}
}

// checklistGroups returns the groups that have at least one item, in deployment order.
func checklistGroups(p *plan.Plan) []checkGroup {
	var groups []checkGroup
	add := func(title string, items []checkItem) {
		if len(items) > 0 {
			groups = append(groups, checkGroup{title, items})
		}
	}
	add("Certification authorities", crlItems(p))
	for _, m := range checklistMachines(p) {
		add(m.title(), machineItems(p, m))
	}
	add("Site "+md(p.Site.Code)+" (Configuration Manager console)", siteItems(p))
	for _, g := range p.CMGs {
		add("Cloud management gateway "+md(g.Name), cmgItems(p, g))
	}
	for _, c := range p.Clients {
		add("Client population "+md(c.Name), populationItems(p, c))
	}
	return groups
}

// machine is a Windows server of the design: the site server, the site database server and each site
// system, merged when they are the same machine.
type machine struct {
	name     string // the flow end and firewall script name
	fqdn     string
	server   bool // the site server
	database bool // the site database server
	system   *plan.System
}

func (m machine) title() string {
	var what []string
	if m.server {
		what = append(what, "site server")
	}
	if m.database {
		what = append(what, "site database server")
	}
	if m.system != nil {
		what = append(what, "site system")
	}
	t := md(m.name) + ": " + strings.Join(what, ", ")
	if m.fqdn != "" && m.fqdn != m.name {
		t += " (" + code(m.fqdn) + ")"
	}
	return t
}

// checklistMachines returns the site server, then the database server when it is another machine, then the
// other site systems by name: the machines firewall/windows writes a script for.
func checklistMachines(p *plan.Plan) []machine {
	server, db := p.SiteServerName(), p.DatabaseName()
	var out []machine
	at := map[string]int{}
	put := func(name, fqdn string) *machine {
		if i, ok := at[name]; ok {
			return &out[i]
		}
		at[name] = len(out)
		out = append(out, machine{name: name, fqdn: fqdn})
		return &out[len(out)-1]
	}
	put(server, p.Site.Server).server = true
	put(db, p.Site.Database.Server).database = true
	for _, s := range p.Systems {
		m := put(s.Name, s.PrimaryFQDN())
		m.system = s
		m.fqdn = s.PrimaryFQDN()
	}
	return out
}

func machineItems(p *plan.Plan, m machine) []checkItem {
	var items []checkItem
	// The site server uses Remote Registry on the site systems it installs and on a remote SQL Server, never
	// on its own machine.
	if !m.server {
		text := "Start the Remote Registry service and set it to start automatically, before the site server installs " +
			"roles here: it uses the service to install and configure them."
		if m.system == nil {
			text = "Start the Remote Registry service and set it to start automatically: the site server uses it on a " +
				"remote site database server."
		}
		items = append(items, checkItem{text: text, cite: pagePorts})
	}
	if s := m.system; s != nil {
		items = append(items, accountItems(p, s)...)
		if sup := s.Roles.SoftwareUpdatePoint; sup != nil && sup.SSL {
			items = append(items, wsusSSLItem(p, s, sup))
		}
	}
	items = append(items, checkItem{
		text: "Run " + code("firewall/windows/"+m.name+".ps1") + " elevated: it allows every inbound connection the design " +
			"needs into this machine in Windows Firewall.",
		cite: pagePorts,
	})
	return items
}

// accountItems names the accounts the design gives a site system, where the console asks for them.
func accountItems(p *plan.Plan, s *plan.System) []checkItem {
	var items []checkItem
	if s.InstallAccount != "" {
		text := "Site system installation account " + code(s.InstallAccount) + ": a local administrator here with " +
			"\"Access this computer from the network\"; select it when you add the site system server."
		// Across forests the account authenticates with Kerberos only when its domain is written as an FQDN.
		if domain, _, ok := strings.Cut(s.InstallAccount, `\`); ok && domain != "" && !strings.Contains(domain, ".") &&
			s.Forest != "" && s.Forest != p.Site.Forest {
			text += " The server is in another forest than the site server: enter the account with its domain's FQDN " +
				"instead of the NetBIOS name " + code(domain) + ", so that Kerberos can authenticate it."
		}
		items = append(items, checkItem{text: text, cite: pageAccounts})
	}
	if s.DatabaseAccount != "" && (s.Roles.ManagementPoint != nil || s.Roles.EnrollmentPoint != nil) {
		role := "Management point"
		if s.Roles.ManagementPoint == nil {
			role = "Enrollment point"
		}
		items = append(items, checkItem{
			text: role + " connection account " + code(s.DatabaseAccount) + ": a low-right account the site database " +
				"server " + code(p.Site.Database.Server) + " accepts, without interactive sign-in; select it in the role's properties.",
			cite: pageAccounts,
		})
	}
	if sup := s.Roles.SoftwareUpdatePoint; sup != nil && sup.WSUSAccount != "" {
		items = append(items, checkItem{
			text: "Software update point connection account (WSUS Server Connection Account) " + code(sup.WSUSAccount) +
				": a local administrator here and a member of the local WSUS Administrators group; select it in the " +
				"software update point's properties.",
			cite: pageAccounts,
		})
	}
	return items
}

// wsusSSLItem is the WSUS side of a software update point that requires SSL: the IIS binding, Require SSL on
// the five web services only, WsusUtil configuressl with the name clients use, and the console option.
func wsusSSLItem(p *plan.Plan, s *plan.System, sup *plan.SoftwareUpdatePoint) checkItem {
	fqdn, why := s.PrimaryFQDN(), "its FQDN"
	if plan.AllowsInternet(sup.Allow) && s.InternetFQDN != "" {
		fqdn, why = s.InternetFQDN, "the internet FQDN, as the server is internet facing"
	}
	cert := "the web server certificate"
	for _, r := range p.CertRequests {
		if r.Subject == s.Name && r.Purpose == plan.PurposeWebServer {
			cert += " (" + code("certs/"+r.ID+".inf") + ")"
			break
		}
	}
	https, http := strconv.Itoa(sup.HTTPSPort), strconv.Itoa(sup.HTTPPort)
	return checkItem{
		text: "Configure WSUS for TLS: the software update point requires SSL.",
		cite: pageSUPSSL,
		steps: []string{
			"IIS Manager, Sites, WSUS Administration, Bindings: bind " + cert + " to https port " + https +
				"; keep the http binding on port " + http + ", which WSUS uses for update content.",
			"SSL Settings: Require SSL, client certificates Ignore, on the five WSUS web services ApiRemoting30, " +
				"ClientWebService, DSSAuthWebService, ServerSyncWebService and SimpleAuthWebService only, never on the " +
				"WSUS Administration site itself.",
			"In C:\\Program Files\\Update Services\\Tools run " + code("WsusUtil.exe configuressl "+fqdn) + " (" + why +
				") and check that it answers " + code("https://"+fqdn+":"+https) + ".",
			"Console, software update point properties: Require SSL communication to the WSUS server.",
		},
	}
}

// crlItems: each certification authority whose CRL internet clients or a gateway must download publishes it
// at an HTTP location they reach. Public CAs publish their own.
func crlItems(p *plan.Plan) []checkItem {
	type needs struct{ certs, gateways []string }
	why := map[string]*needs{}
	note := func(chain []*plan.Authority, f func(*needs)) {
		for _, a := range chain {
			if a.Kind == plan.AuthorityPublic {
				continue
			}
			if why[a.Name] == nil {
				why[a.Name] = &needs{}
			}
			f(why[a.Name])
		}
	}
	for _, r := range p.CertRequests {
		if r.NeedsHTTPCDP {
			note(p.Chain(r.Authority), func(n *needs) { n.certs = append(n.certs, r.Description) })
		}
	}
	for _, g := range p.CMGs {
		if g.VerifyClientRevocation && len(pkiPopulations(p, g)) > 0 {
			note(p.ClientChain(), func(n *needs) { n.gateways = append(n.gateways, g.Name) })
		}
	}
	var items []checkItem
	for _, a := range p.Authorities {
		n := why[a.Name]
		if n == nil {
			continue
		}
		where := "the design names no HTTP location on the internet for it"
		if a.CRL.Internet && len(a.CRL.HTTP) > 0 {
			urls := make([]string, len(a.CRL.HTTP))
			for i, u := range a.CRL.HTTP {
				urls[i] = code(u)
			}
			where = "the design publishes it at " + strings.Join(urls, ", ")
		}
		var who []string
		if len(n.certs) > 0 {
			who = append(who, "internet clients, for the "+strings.Join(n.certs, " and the "))
		}
		for _, g := range n.gateways {
			who = append(who, "cloud management gateway "+g+", for client certificates")
		}
		items = append(items, checkItem{
			text: md(a.Name) + ": publish its CRL over HTTP where the internet reaches it, and put that URL in the CRL " +
				"distribution point of the certificates it issues; " + where + ". Checked by " + md(strings.Join(who, "; ")) +
				": a CRL they cannot download fails every connection that needs the certificate.",
			cite: pageCertificates,
		})
	}
	return items
}

// siteItems are the site properties and default client settings the design relies on.
func siteItems(p *plan.Plan) []checkItem {
	var items []checkItem
	c := p.Site.Communication
	if c.TrustedRootsSet && len(c.TrustedRoots) > 0 {
		items = append(items, checkItem{
			text: "Site properties, Communication Security, Trusted Root Certification Authorities: import the root " +
				"certificates (.cer, exported from the CA or a client, never with the private key) of " +
				authorityList(p, c.TrustedRoots) + ".",
			cite: pageCertificates,
		})
	}
	var userPolicy, cmg, content []string
	for _, pop := range p.Clients {
		if pop.Internet() && pop.HasFeature(plan.FeatureUserPolicy) {
			userPolicy = append(userPolicy, pop.Name)
		}
		if pop.Via == plan.ViaCMG {
			cmg = append(cmg, pop.Name)
			if slices.ContainsFunc(contentFeatures, pop.HasFeature) {
				content = append(content, pop.Name)
			}
		}
	}
	s := p.Site.Settings
	if len(userPolicy) > 0 {
		items = append(items, checkItem{
			text: "Client settings, Client Policy: Enable user policy on clients = Yes and Enable user policy requests " +
				"from Internet clients = Yes, for " + nameList(userPolicy) + "." +
				offNote(s.UserPolicy, "site.clientSettings.userPolicy") +
				offNote(s.UserPolicyFromInternet, "site.clientSettings.userPolicyFromInternet"),
			cite: pageClientSetting,
		})
	}
	if len(cmg) > 0 {
		items = append(items, checkItem{
			text: "Client settings, Cloud Services: Enable clients to use a cloud management gateway = Yes, for " +
				nameList(cmg) + "." + offNote(s.CloudManagementGateway, "site.clientSettings.cloudManagementGateway"),
			cite: pageCMGPlan,
		})
	}
	if len(content) > 0 {
		items = append(items, checkItem{
			text: "Client settings, Cloud Services: Allow access to cloud distribution point = Yes, for " +
				nameList(content) + ", which get content from the gateway." +
				offNote(s.CloudDistributionPoint, "site.clientSettings.cloudDistributionPoint"),
			cite: pageCMGPlan,
		})
	}
	return items
}

// offNote says that the design turns off a setting the item needs on; the findings say what breaks.
func offNote(on bool, field string) string {
	if on {
		return ""
	}
	return " The design turns " + code(field) + " off."
}

// cmgItems: a gateway that authenticates PKI clients trusts their certificates only through the root and
// intermediate certificates uploaded to it.
func cmgItems(p *plan.Plan, g *plan.CMG) []checkItem {
	var names []string
	if pops := pkiPopulations(p, g); len(pops) > 0 {
		chain := p.ClientChain()
		for i := len(chain) - 1; i >= 0; i-- { // root first, as the export walks the certification path
			names = append(names, chain[i].Name)
		}
	}
	for _, n := range g.TrustedRoots {
		if !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	var items []checkItem
	if len(names) > 0 {
		items = append(items, checkItem{
			text: "Export the certificates of " + authorityList(p, names) + " as .cer (DER encoded binary X.509) and add " +
				"them under Certificates in the gateway's wizard: every certificate of the client certificate chain, root " +
				"and intermediates.",
			cite: pageCMGAuth,
		})
	}
	// The design does not describe the clients' address families, so this stays a check for the admin.
	var pops []string
	for _, c := range p.Clients {
		if c.Via == plan.ViaCMG && p.DefaultCMG(c) == g {
			pops = append(pops, c.Name)
		}
	}
	if len(pops) > 0 {
		items = append(items, checkItem{
			text: "Make sure the clients of " + nameList(pops) + " reach the gateway over IPv4: clients must use IPv4, and a client " +
				"that has only IPv6 cannot use a CMG.",
			cite: pageCMGPlan,
		})
	}
	return items
}

// populationItems: a ccmsetup line with neither /mp: nor /source: finds its download management point only
// in Active Directory, which the admin must prepare (or cannot, for computers outside a domain).
func populationItems(p *plan.Plan, c *plan.Population) []checkItem {
	var prof *plan.InstallProfile
	for _, x := range p.Installs {
		if x.Population == c.Name {
			prof = x
		}
	}
	switch {
	case prof == nil, c.Install.Method != plan.InstallManual && c.Install.Method != plan.InstallGPO && c.Install.Method != plan.InstallMedia:
		// Push, software-update-based and Intune installs don't run a line the admin writes: the site or
		// Intune gives ccmsetup its source.
		return nil
	case slices.ContainsFunc(prof.Params, func(x plan.Param) bool { return x.Name == "/mp" || x.Name == "/source" }):
		return nil
	}
	text := "ccmsetup gets neither /mp: nor /source:, so it looks for a management point to download the client " +
		"from in Active Directory, which works only when the Active Directory schema is extended for Configuration " +
		"Manager and site " + md(p.Site.Code) + " publishes to the forest"
	if c.Join == plan.JoinDomain || c.Join == plan.JoinHybrid {
		if c.Forest != "" {
			text += " " + md(c.Forest)
		}
		text += "; do both before installing, or set " + code("install.downloadMP") + "."
	} else {
		text += ", and these computers are not in a domain: set " + code("install.downloadMP") + " or " +
			code("install.source") + "."
	}
	return []checkItem{{text: text, cite: pageDeployClients}}
}

// pkiPopulations are the populations that authenticate to the gateway with a PKI client certificate.
func pkiPopulations(p *plan.Plan, g *plan.CMG) []string {
	var out []string
	for _, c := range p.Clients {
		if c.Via == plan.ViaCMG && c.Auth == plan.AuthPKI && p.DefaultCMG(c) == g {
			out = append(out, c.Name)
		}
	}
	return out
}

// authorityList names authorities with their subjects, escaped.
func authorityList(p *plan.Plan, names []string) string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = md(n)
		if a := p.Authority(n); a != nil {
			out[i] += " (" + code(a.Subject) + ")"
		}
	}
	return strings.Join(out, ", ")
}

func nameList(names []string) string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = md(n)
	}
	return strings.Join(out, ", ")
}
