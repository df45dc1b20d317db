package rules

import (
	"fmt"
	"strings"

	"github.com/ibcmc/ibcmc/diag"
	"github.com/ibcmc/ibcmc/plan"
)

// Rules 1xx: site type, communication security and the client settings that gate internet features.

func init() {
	register(&Rule{
		Code: "IB101", Name: "secondary-site-internet", Severity: diag.Error, Severities: "E",
		Summary: "a secondary site cannot serve internet clients: no internet-facing roles, no internet populations",
		Explain: `What: site.type is "secondary" while a system has an internet-facing role (a role whose allow
includes internet) or a client population is an internet population (internetOnly, intranetAndInternet,
or via a CMG).
Why: secondary sites don't support client connections from untrusted locations; internet-facing roles
and internet clients belong to a primary site.
Fix: describe the primary site the internet clients are assigned to (site.type "primary", its code and
server), or remove the internet-facing roles and internet populations from this design.
Reading: one finding at site.type, which is the field to change; the message names every internet-facing
system and internet population that needs a primary site.`,
		Source: "001 (secondary sites don't support clients from untrusted locations)",
		Check:  checkSecondarySiteInternet,
	})
	register(&Rule{
		Code: "IB102", Name: "pki-client-cert-disabled", Severity: diag.Error, Severities: "E",
		Summary: "internet clients need \"Use PKI client certificate when available\" turned on",
		Explain: `What: site.communication.usePKIClientCert is false while the design has an internet-facing role, a
via "ibcm" internet population, or an auth "pki" population via a CMG.
Why: internet-based client management authenticates clients with their PKI client certificate, and a
CMG authenticates PKI clients the same way; with the site option off, clients present no certificate and
internet-facing management points refuse them.
Fix: set site.communication.usePKIClientCert: true (Site properties > Communication Security > "Use PKI
client certificate (client authentication capability) when available").
Reading: one finding at the site option, naming what needs it.`,
		Source: "001 Prerequisites, facts R-IBCM-13, R-CMG-09",
		Check:  checkPKIClientCert,
	})
	register(&Rule{
		Code: "IB103", Name: "http-client-communication", Severity: diag.Error, Severities: "W/E",
		Summary: "the site allows HTTP client communication, deprecated since 2103 and unsupported from 2403",
		Explain: `What: site.communication.clientConnections is "http" (HTTPS or HTTP without Configuration
Manager-generated certificates). A warning when site.version is before 2403, an error from 2403.
Why: HTTP client communication is deprecated since 2103 and its support ended with the first release
after April 1, 2024, which is 2403.
Fix: set clientConnections to "https" (HTTPS only, PKI) or "ehttp" (HTTPS or HTTP with "Use Configuration
Manager-generated certificates for HTTP site systems").`,
		Source: "002, 003 (deprecated since 2103), facts R-DEP-01",
		Check:  checkHTTPClientCommunication,
	})
	register(&Rule{
		Code: "IB104", Name: "reserved-site-code", Severity: diag.Error, Severities: "E",
		Summary: "the site code is a reserved name (AUX, CON, NUL, PRN, SMS)",
		Explain: `What: site.code is AUX, CON, NUL, PRN or SMS.
Why: Configuration Manager setup refuses these site codes: the first four are Windows device names
and SMS is reserved for the product's own use (folders, shares and WMI namespaces are named after it).
Fix: choose another three-character code of letters and digits; a site code cannot be changed after
installation.`,
		Source: "product rule for site codes",
		Check:  checkReservedSiteCode,
	})
	register(&Rule{
		Code: "IB105", Name: "user-policy-settings-off", Severity: diag.Error, Severities: "E",
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
		Source: "001 (note under Prerequisites)",
		Check:  checkUserPolicySettings,
	})
	register(&Rule{
		Code: "IB106", Name: "cmg-client-setting-off", Severity: diag.Error, Severities: "E",
		Summary: "a population uses a CMG but the client setting \"Enable clients to use a cloud management gateway\" is off",
		Explain: `What: a client population has via "cmg" while site.clientSettings.cloudManagementGateway is false.
Why: clients use a cloud management gateway only when the client setting Cloud Services > "Enable clients
to use a cloud management gateway" is Yes; with it off they never contact the gateway.
Fix: set site.clientSettings.cloudManagementGateway: true, or move the population to via "ibcm".`,
		Source: "facts R-CMG-11",
		Check:  checkCMGClientSetting,
	})
}

// reservedSiteCodes are the codes setup refuses.
var reservedSiteCodes = map[string]bool{"AUX": true, "CON": true, "NUL": true, "PRN": true, "SMS": true}

func checkSecondarySiteInternet(p *plan.Plan, r *Reporter) {
	if p.Site.Type != "secondary" {
		return
	}
	var systems, pops []string
	for _, s := range p.Systems {
		if s.InternetFacing() {
			systems = append(systems, s.Name)
		}
	}
	for _, c := range p.Clients {
		if c.Internet() {
			pops = append(pops, c.Name)
		}
	}
	var what []string
	if len(systems) > 0 {
		what = append(what, "internet-facing systems "+quotedList(systems))
	}
	if len(pops) > 0 {
		what = append(what, "internet client populations "+quotedList(pops))
	}
	if len(what) == 0 {
		return
	}
	r.Error("site.type", `design the primary site (type "primary") the internet clients are assigned to; a secondary site serves intranet clients only`,
		"secondary site %s cannot serve clients from the internet, but the design has %s", p.Site.Code, strings.Join(what, " and "))
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
		case c.Via == "ibcm" && c.Internet():
			what = append(what, fmt.Sprintf("internet population %q", c.Name))
		case c.Via == "cmg" && c.Auth == "pki":
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
	if p.Site.Communication.ClientConnections != "http" {
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
		r.Error("site.code", "choose another three-character site code; AUX, CON, NUL, PRN and SMS are reserved",
			"site code %q is reserved", p.Site.Code)
	}
}

func checkUserPolicySettings(p *plan.Plan, r *Reporter) {
	set := p.Site.Settings
	if set.UserPolicy && set.UserPolicyFromInternet {
		return
	}
	var pops []string
	for _, c := range p.Clients {
		if c.Internet() && c.HasFeature("userPolicy") {
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
		if c.Via == "cmg" {
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
