package rules

import (
	"fmt"
	"strings"

	"github.com/ibcmc/ibcmc/learn"
	"github.com/ibcmc/ibcmc/plan"
)

// Rules 1xx: site type, communication security and the client settings that gate internet features.

var siteRules = []*Rule{
	{
		Code: "IB101", Name: "secondary-site-internet", Severities: "E",
		Summary: "clients are assigned to a secondary or central administration site, or a secondary site has internet-facing roles",
		Explain: `What: site.type is "secondary" while a system has an internet-facing role (a role whose allow
includes internet) or any client population exists; or site.type is "cas" while any client population
exists.
Why: clients are assigned to primary sites only: Microsoft's documentation says "You can't assign a client
to a central administration site or a secondary site." The design's populations are assigned to the site
it describes (their SMSSITECODE), so on a secondary site or a central administration site they never
register. Roles that accept connections from untrusted locations, like the internet, are supported at
primary sites only: "secondary sites do not support client connections from untrusted locations".
Fix: describe the primary site the clients are assigned to (site.type "primary", with its code and
server), with the internet-facing roles; or remove the client populations and internet-facing roles from
the design of the secondary site or central administration site.
Reading: one finding at site.type, which is the field to change, naming every internet-facing system and
every population that needs a primary site. Intranet-only populations count too: no client of any kind
can be assigned to these sites.
See also: ` + learn.PlanIBCM + ` (roles for untrusted locations are supported at primary sites).`,
		Source: learn.AssignClients,
		Check:  checkSecondarySiteInternet,
	},
	{
		Code: "IB102", Name: "pki-client-cert-disabled", Severities: "E",
		Summary: "internet clients need \"Use PKI client certificate when available\" turned on",
		Explain: `What: site.communication.usePKIClientCert is false while the design has an internet-facing role, a
via "ibcm" internet population, or an auth "pki" population via a CMG.
Why: internet-based client management requires that clients and the site systems they connect to use PKI
certificates, and a CMG authenticates PKI clients the same way; with the site option off, clients present
no certificate and internet-facing management points refuse them.
Fix: set site.communication.usePKIClientCert: true (Site properties > Communication Security > "Use PKI
client certificate (client authentication capability) when available").
Reading: one finding at the site option, naming what needs it.`,
		Source: learn.PlanIBCM,
		Check:  checkPKIClientCert,
	},
	{
		Code: "IB103", Name: "http-client-communication", Severities: "W/E",
		Summary: "the site allows HTTP client communication, deprecated since 2103 and unsupported from 2403",
		Explain: `What: site.communication.clientConnections is "http" (HTTPS or HTTP without Configuration
Manager-generated certificates). A warning when site.version is before 2403, an error from 2403.
Why: HTTP client communication is deprecated since 2103 and its support ended with the first release
after April 1, 2024, which is 2403.
Fix: set clientConnections to "https" (HTTPS only, PKI) or "ehttp" (HTTPS or HTTP with "Use Configuration
Manager-generated certificates for HTTP site systems").
See also: ` + learn.EnhancedHTTP + ` (Enhanced HTTP).`,
		Source: learn.Deprecated,
		Check:  checkHTTPClientCommunication,
	},
	{
		Code: "IB104", Name: "reserved-site-code", Severities: "E",
		Summary: "the site code is a reserved name (AUX, CON, NUL, PRN, SMS, ENV)",
		Explain: `What: site.code is AUX, CON, NUL, PRN, SMS or ENV (compared case-insensitively).
Why: Microsoft's site preparation guidance says never to use these names for the site code: they are
reserved for Configuration Manager and Windows (AUX, CON, NUL and PRN are Windows device names; SMS
names the product's own folders, shares and WMI namespaces; ENV is reserved too).
Fix: choose another three-character code of letters and digits, before installation: changing the site
code after the site is installed is not supported.`,
		Source: learn.PrepareSites,
		Check:  checkReservedSiteCode,
	},
	{
		Code: "IB105", Name: "user-policy-settings-off", Severities: "E",
		Summary: "an internet population expects user policy but the client settings turn it off",
		Explain: `What: an internet population lists the feature userPolicy while
site.clientSettings.userPolicy ("Enable user policy on clients") or
site.clientSettings.userPolicyFromInternet ("Enable user policy requests from Internet clients") is
false.
Why: internet clients request user policy only when both client settings are Yes; otherwise they get
device policy only and user deployments silently never arrive.
Fix: set both settings to true, or remove userPolicy from the population's features.
Reading: one finding per setting that is off, at that setting, naming the populations that need it
(both settings apply to CMG clients as well as to IBCM clients).`,
		Source: learn.PlanIBCM,
		Check:  checkUserPolicySettings,
	},
	{
		Code: "IB106", Name: "cmg-client-setting-off", Severities: "E",
		Summary: "a population uses a CMG but the client setting \"Enable clients to use a cloud management gateway\" is off",
		Explain: `What: a client population has via "cmg" while site.clientSettings.cloudManagementGateway is false.
Why: clients use a cloud management gateway only when the client setting Cloud Services > "Enable clients
to use a cloud management gateway" is Yes; with it off they never contact the gateway. The product's
default is Yes ("By default all clients receive CMG policy"), and so is ibcmc's: only a design that
turns the setting off is reported.
Fix: set site.clientSettings.cloudManagementGateway: true (or remove it, to keep the default), or move the
population to via "ibcm".
Reading: the setting is the default client settings' value; a custom client settings object deployed to
the population's collection can differ, which a design does not describe.`,
		Source: learn.CMGClients,
		Check:  checkCMGClientSetting,
	},
}

// reservedSiteCodes are the names Microsoft says never to use as a site code.
var reservedSiteCodes = map[string]bool{"AUX": true, "CON": true, "NUL": true, "PRN": true, "SMS": true, "ENV": true}

func checkSecondarySiteInternet(p *plan.Plan, r *Reporter) {
	var kind string
	switch p.Site.Type {
	case plan.SiteSecondary:
		kind = "secondary site"
	case plan.SiteCAS:
		kind = "central administration site"
	default:
		return
	}
	var systems, pops []string
	if p.Site.Type == plan.SiteSecondary {
		for _, s := range p.Systems {
			if s.InternetFacing() {
				systems = append(systems, s.Name)
			}
		}
	}
	for _, c := range p.Clients {
		pops = append(pops, c.Name)
	}
	var what []string
	if len(pops) > 0 {
		what = append(what, fmt.Sprintf("client populations %s are assigned to %s %s, but clients can't be assigned to a %s", quotedList(pops), kind, p.Site.Code, kind))
	}
	if len(systems) > 0 {
		what = append(what, fmt.Sprintf("internet-facing systems %s belong to %s %s, but a secondary site doesn't support client connections from the internet", quotedList(systems), kind, p.Site.Code))
	}
	if len(what) == 0 {
		return
	}
	hint := `describe the primary site (type "primary") the clients are assigned to`
	if len(systems) > 0 {
		hint += ", with its internet-facing roles"
	}
	r.Error("site.type", hint, "%s", strings.Join(what, "; "))
}

func checkPKIClientCert(p *plan.Plan, r *Reporter) {
	if p.Site.Communication.UsePKIClientCert {
		return
	}
	var what []string
	for _, s := range p.Systems {
		if s.InternetFacing() {
			what = append(what, fmt.Sprintf("internet-facing system %q", s.Name))
		}
	}
	for _, c := range p.Clients {
		switch {
		case c.Via == plan.ViaIBCM && c.Internet():
			what = append(what, fmt.Sprintf("internet population %q", c.Name))
		case c.Via == plan.ViaCMG && c.Auth == plan.AuthPKI:
			what = append(what, fmt.Sprintf("PKI population %q via a CMG", c.Name))
		}
	}
	if len(what) == 0 {
		return
	}
	r.Error("site.communication.usePKIClientCert", "set usePKIClientCert: true (Communication Security: \"Use PKI client certificate (client authentication capability) when available\")",
		"usePKIClientCert is false, but clients must present a PKI client certificate for %s", limitList(what))
}

func checkHTTPClientCommunication(p *plan.Plan, r *Reporter) {
	if p.Site.Communication.ClientConnections != plan.ClientConnectionsHTTP {
		return
	}
	const path = "site.communication.clientConnections"
	const hint = `set clientConnections to "https" (PKI) or "ehttp" (Enhanced HTTP with Configuration Manager-generated certificates)`
	if p.Site.VersionAtLeast("2403") {
		r.Error(path, hint, "HTTP client communication is not supported from version 2403; site %s runs %s", p.Site.Code, p.Site.Version)
		return
	}
	r.Warn(path, hint, "HTTP client communication is deprecated since 2103 and unsupported from 2403; site %s runs %s", p.Site.Code, p.Site.Version)
}

func checkReservedSiteCode(p *plan.Plan, r *Reporter) {
	if reservedSiteCodes[strings.ToUpper(p.Site.Code)] {
		r.Error("site.code", "choose another three-character site code before installing the site; AUX, CON, NUL, PRN, SMS and ENV are reserved",
			"site code %q is reserved for Configuration Manager or Windows", p.Site.Code)
	}
}

func checkUserPolicySettings(p *plan.Plan, r *Reporter) {
	set := p.Site.Settings
	if set.UserPolicy && set.UserPolicyFromInternet {
		return
	}
	var pops []string
	for _, c := range p.Clients {
		if c.Internet() && c.HasFeature(plan.FeatureUserPolicy) {
			pops = append(pops, c.Name)
		}
	}
	if len(pops) == 0 {
		return
	}
	if !set.UserPolicy {
		r.Error("site.clientSettings.userPolicy", "set userPolicy: true, or remove userPolicy from the populations' features",
			"internet populations %s expect user policy, but \"Enable user policy on clients\" is off", quotedList(pops))
	}
	if !set.UserPolicyFromInternet {
		r.Error("site.clientSettings.userPolicyFromInternet", "set userPolicyFromInternet: true, or remove userPolicy from the populations' features",
			"internet populations %s expect user policy, but \"Enable user policy requests from Internet clients\" is off", quotedList(pops))
	}
}

func checkCMGClientSetting(p *plan.Plan, r *Reporter) {
	if p.Site.Settings.CloudManagementGateway {
		return
	}
	var pops []string
	for _, c := range p.Clients {
		if c.Via == plan.ViaCMG {
			pops = append(pops, c.Name)
		}
	}
	if len(pops) == 0 {
		return
	}
	r.Error("site.clientSettings.cloudManagementGateway", `set cloudManagementGateway: true, or use via "ibcm" for these populations`,
		"populations %s use a cloud management gateway, but \"Enable clients to use a cloud management gateway\" is off", quotedList(pops))
}

// quotedList spells names as "a", "b" and "c" for messages, at most eight of them.
func quotedList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	return limitList(q)
}

// limitList joins already-spelled items, naming at most eight and counting the rest, so a message stays
// one readable line on large designs.
func limitList(items []string) string {
	const max = 8
	if len(items) > max {
		return strings.Join(items[:max], ", ") + fmt.Sprintf(" and %d more", len(items)-max)
	}
	if len(items) <= 1 {
		return strings.Join(items, "")
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}
