package rules

import (
	"fmt"

	"github.com/ibcmc/ibcmc/diag"
	"github.com/ibcmc/ibcmc/plan"
)

// Rules 5xx: client populations, their features, authentication and installation.

func init() {
	register(&Rule{
		Code: "IB501", Name: "unsupported-feature-over-internet", Severity: diag.Error, Severities: "E/W",
		Summary: "an IBCM population expects a feature that doesn't work over the internet",
		Explain: `What: a via "ibcm" population lists osDeployment, remoteControl, wakeOnLan, clientPush,
automaticSiteAssignment, userApplications or roaming. An error when the population is internetOnly; a
warning when it is intranetAndInternet, because the feature then works only while the client is on the
intranet. intranetOnly populations are not checked.
Why: internet-based client management doesn't support client push or software-update-based client
deployment, automatic site assignment, Wake-on-LAN, OS deployment (task sequences that don't deploy an OS
are fine), remote control, software deployment to users, or client roaming (internet clients pick
internet site systems at random, whatever their location).
Fix: remove the feature from the population, or manage that feature on the intranet (keep the
population intranetAndInternet and accept the warning).
Reading: one finding per listed feature, at the feature in the features list.`,
		Source: "000, 001 Unsupported features",
		Check:  checkFeaturesOverIBCM,
	})
	register(&Rule{
		Code: "IB502", Name: "unsupported-feature-over-cmg", Severity: diag.Error, Severities: "E/W",
		Summary: "a CMG population expects a feature the cloud management gateway doesn't support",
		Explain: `What: a via "cmg" population lists osDeployment, remoteControl, wakeOnLan, clientPush,
automaticSiteAssignment or peerCache. An error when the population is internetOnly; a warning otherwise
(the feature works only while the client is on the intranet).
Why: a CMG doesn't support PXE or multicast content and most OS deployment task sequences, client push,
automatic site assignment, remote tools, Wake on LAN or peer cache.
Fix: remove the feature, or manage it on the intranet.
Reading: a via "cmg" population that is intranetOnly is unusual; it is treated like a roaming population
(a warning), since the features do work whenever it is on the intranet. One finding per listed feature,
at the feature.`,
		Source: "facts R-CMG-13",
		Check:  checkFeaturesOverCMG,
	})
	register(&Rule{
		Code: "IB503", Name: "client-install-over-internet", Severity: diag.Error, Severities: "E",
		Summary: "the client install method doesn't work over the internet",
		Explain: `What: a via "ibcm" population with install.from "internet" and an install.method other than
"media"; or an internetOnly population with install.method "push" or "softwareUpdate".
Why: client installation over the internet isn't supported by IBCM: never from an internet-facing
management point or software update point. The supported way is offline media and a manual ccmsetup
command line. Client push and software-update-based installation need the client on the intranet, which
an internet-only client never is.
Fix: set install.method to "media" (with install.source and install.signingCert), or install from the
intranet or over VPN (install.from "intranet" or "vpn").
Reading: the push/softwareUpdate clause applies to every internetOnly population, CMG ones included: a
CMG supports neither client push nor (for a client that is not yet installed) software-update-based
installation. One finding per population, at install.method.`,
		Source: "001, facts R-IBCM-08",
		Check:  checkInstallOverInternet,
	})
	register(&Rule{
		Code: "IB504", Name: "workgroup-not-internet-only", Severity: diag.Warning, Severities: "W",
		Summary: "workgroup clients on the internet must be installed internet-only",
		Explain: `What: a population with join "workgroup", via "ibcm" and management "intranetAndInternet".
Why: workgroup computers managed on the internet must be internet-only clients (CCMALWAYSINF=1); the mode
is chosen at install and changing it means reinstalling. An internet-only client also works on the
intranet, through the internet-facing site systems.
Fix: set management: "internetOnly" and install from media (see IB513).`,
		Source: "facts R-IBCM-16",
		Check:  checkWorkgroupInternetOnly,
	})
	register(&Rule{
		Code: "IB505", Name: "user-policy-without-trust", Severity: diag.Error, Severities: "E",
		Summary: "user policy over IBCM needs every internet management point's forest to trust the users' forest",
		Explain: `What: an internet via "ibcm" population lists userPolicy and the forest of some internet-facing
management point neither is nor trusts the population's forest. Workgroup populations, and populations
without a forest, can never get user policy over IBCM.
Why: an internet-facing management point authenticates users with Windows authentication (Kerberos, then
NTLM); it can do so only for accounts of its own forest or of a forest it trusts. Clients pick an
internet management point at random, so every one of them must be able to authenticate the users.
Fix: add the population's forest to the trusts of the management point's forest (for example a perimeter
forest trusting the intranet forest), or remove userPolicy from the features.
Reading: a management point on a server without a forest trusts no forest. One finding per population,
at userPolicy in its features, naming the management points that cannot authenticate the users.`,
		Source: "001 (About internet facing site systems), 002",
		Check:  checkUserPolicyTrust,
	})
	register(&Rule{
		Code: "IB506", Name: "entra-auth-needs-join", Severity: diag.Error, Severities: "E",
		Summary: "Entra ID authentication needs Entra-joined or hybrid-joined devices",
		Explain: `What: a population with auth "entra" and join "domain" or "workgroup".
Why: clients authenticate with Entra ID only when the device is Entra-joined or hybrid-joined; an
on-premises domain-joined or workgroup computer has no Entra device identity.
Fix: set join to "entra" or "hybrid" if the devices are joined that way, or use auth "pki" or "token".`,
		Source: "003",
		Check:  checkEntraJoin,
	})
	register(&Rule{
		Code: "IB507", Name: "device-only-auth-user-feature", Severity: diag.Error, Severities: "E",
		Summary: "PKI and token authentication over a CMG are device-centric only",
		Explain: `What: a via "cmg" population with auth "pki" or "token" lists userPolicy or userApplications.
Why: over a CMG, PKI certificates and site tokens authenticate the device only; user-centric scenarios
(user policy, applications deployed to users) need Entra ID authentication.
Fix: use auth "entra" (Entra-joined or hybrid-joined devices), or remove the user features.
Reading: one finding per listed feature, at the feature.`,
		Source: "003 Note 1",
		Check:  checkDeviceOnlyAuth,
	})
	register(&Rule{
		Code: "IB508", Name: "cmg-management-point-mode", Severity: diag.Error, Severities: "E/W",
		Summary: "the CMG's management point must be HTTPS or Enhanced HTTP; prefer HTTPS for PKI clients",
		Explain: `What: an error when a CMG's management point has connections "http" on a site whose
clientConnections is not "ehttp" (a plain HTTP management point). A warning when the management point
is Enhanced HTTP (connections "http" on an "ehttp" site) and populations with auth "pki" use the gateway.
Why: a plain HTTP management point is never valid behind a CMG. Microsoft's tables list Enhanced HTTP as
valid for every client identity, but Microsoft staff state that clients that authenticate with a PKI
certificate only cannot use an Enhanced HTTP management point through a CMG (only Entra ID and token
clients can).
Fix: set the management point's connections to "https" (recommended with PKI clients), or set
site.communication.clientConnections to "ehttp" for Entra ID and token clients.
Reading: the Enhanced HTTP case is disputed (configmgr-facts §4.5 and §9 item 4: the documentation
versus memdocs#2880/#3148), so ibcmc warns rather than refuses and recommends HTTPS. The finding is at
the management point's connections.`,
		Source: "003 tables, facts §4.5",
		Check:  checkCMGManagementPointMode,
	})
	register(&Rule{
		Code: "IB509", Name: "on-prem-entra-needs-https", Severity: diag.Error, Severities: "E",
		Summary: "Entra-joined roaming clients need an HTTPS or Enhanced HTTP management point on the intranet",
		Explain: `What: a population with join "entra" and management "intranetAndInternet", while every intranet
management point (one whose allow includes intranet) has connections "http" on a site whose
clientConnections is not "ehttp".
Why: Entra-joined devices on the intranet can use a plain HTTP management point for device-centric
management only; user-centric management, and the Entra ID authentication these devices rely on, need an
HTTPS or Enhanced HTTP management point.
Fix: set an intranet management point's connections to "https", or set
site.communication.clientConnections to "ehttp".
Reading: a design with no intranet management point is not checked. One finding at
site.communication.clientConnections, naming the populations and the management points.`,
		Source: "003 second table",
		Check:  checkOnPremEntraHTTPS,
	})
	register(&Rule{
		Code: "IB510", Name: "macos-over-cmg", Severity: diag.Error, Severities: "E",
		Summary: "macOS clients can't use a cloud management gateway",
		Explain: `What: a population with platform "macos" and via "cmg".
Why: the CMG supports Windows clients only; the macOS client is not supported through a CMG (and is out
of support since the end of 2022).
Fix: manage macOS devices with another product (for example Intune), or use via "ibcm".`,
		Source: "facts R-CMG-01",
		Check:  checkMacOSOverCMG,
	})
	register(&Rule{
		Code: "IB511", Name: "no-internet-management-point", Severity: diag.Error, Severities: "E",
		Summary: "an IBCM internet population has no internet-facing management point to talk to",
		Explain: `What: a via "ibcm" population that is internetOnly or intranetAndInternet, and no system has a
managementPoint whose allow includes internet.
Why: on the internet, IBCM clients reach the site only through internet-facing management points; with
none, they are unmanaged whenever they are off the intranet.
Fix: set allow: "internet" or "intranetAndInternet" on a management point (with fqdn.internet), or
manage the population through a CMG (via "cmg"), or make it intranetOnly.
Reading: one finding per population, at its management setting.`,
		Source: "001",
		Check:  checkNoInternetMP,
	})
	register(&Rule{
		Code: "IB512", Name: "token-auth-requires-cmg", Severity: diag.Error, Severities: "E",
		Summary: "site token authentication works only through a CMG",
		Explain: `What: a population with auth "token" and via "ibcm".
Why: bulk registration tokens and site tokens are a cloud management gateway method; internet-facing
IBCM site systems authenticate clients with PKI certificates only.
Fix: set via "cmg", or use auth "pki" with client certificates.`,
		Source: "003 (site token is a CMG method)",
		Check:  checkTokenNeedsCMG,
	})
	register(&Rule{
		Code: "IB513", Name: "internet-only-needs-media", Severity: diag.Error, Severities: "E",
		Summary: "an internet-only PKI client is installed from media with the site server's signing certificate",
		Explain: `What: an internetOnly population with auth "pki" and via "ibcm" that lacks install.source or
install.signingCert.
Why: the documented internet-only installation runs ccmsetup from local media (/source:) with
SMSSIGNCERT, the exported site server signing certificate, because the client can't download the
installation files or the site's trusted key from an internet-facing management point.
Fix: set install.source to the local folder holding the client files and install.signingCert to the
path of the exported site server signing certificate.
Reading: one finding per missing field, at that field.`,
		Source: "facts §3.3 B",
		Check:  checkInternetOnlyMedia,
	})
}

var (
	unsupportedOverIBCM = map[string]bool{
		"osDeployment": true, "remoteControl": true, "wakeOnLan": true, "clientPush": true,
		"automaticSiteAssignment": true, "userApplications": true, "roaming": true,
	}
	unsupportedOverCMG = map[string]bool{
		"osDeployment": true, "remoteControl": true, "wakeOnLan": true, "clientPush": true,
		"automaticSiteAssignment": true, "peerCache": true,
	}
)

func checkFeaturesOverIBCM(p *plan.Plan, r *Reporter) {
	for _, c := range p.Clients {
		if c.Via != "ibcm" || c.Management == plan.ManageIntranetOnly {
			continue
		}
		reportUnsupportedFeatures(r, c, unsupportedOverIBCM, "internet-based client management")
	}
}

func checkFeaturesOverCMG(p *plan.Plan, r *Reporter) {
	for _, c := range p.Clients {
		if c.Via != "cmg" {
			continue
		}
		reportUnsupportedFeatures(r, c, unsupportedOverCMG, "a cloud management gateway")
	}
}

// reportUnsupportedFeatures reports each listed feature of the set: an error for an internet-only
// population, a warning for one that is also on the intranet.
func reportUnsupportedFeatures(r *Reporter, c *plan.Population, unsupported map[string]bool, over string) {
	for i, f := range c.Features {
		if !unsupported[f] {
			continue
		}
		path := plan.Index(plan.Join(c.Path, "features"), i)
		if c.Management == plan.ManageInternetOnly {
			r.Error(path, "remove the feature, or manage these clients on the intranet",
				"population %q is internet-only and lists %s, which is not supported over %s", c.Name, f, over)
		} else {
			r.Warn(path, "remove the feature, or accept that it works only while the clients are on the intranet",
				"population %q lists %s, which is not supported over %s: it works only on the intranet", c.Name, f, over)
		}
	}
}

func checkInstallOverInternet(p *plan.Plan, r *Reporter) {
	for _, c := range p.Clients {
		path := plan.Join(c.Path, "install", "method")
		m := c.Install.Method
		switch {
		case c.Via == "ibcm" && c.Install.From == "internet" && m != "media":
			r.Error(path, `install from offline media (method "media"), or from the intranet or VPN`,
				"population %q installs with method %q from the internet; over IBCM only offline media is supported", c.Name, m)
		case c.Management == plan.ManageInternetOnly && (m == "push" || m == "softwareUpdate"):
			r.Error(path, `install from offline media (method "media") or manually`,
				"population %q is internet-only, so install method %q (which needs the client on the intranet) cannot reach it", c.Name, m)
		}
	}
}

func checkWorkgroupInternetOnly(p *plan.Plan, r *Reporter) {
	for _, c := range p.Clients {
		if c.Join == "workgroup" && c.Via == "ibcm" && c.Management == plan.ManageIntranetAndInternet {
			r.Warn(plan.Join(c.Path, "management"), `set management: "internetOnly" and install from media`,
				"population %q is workgroup-joined and intranetAndInternet; workgroup clients on the internet must be internet-only", c.Name)
		}
	}
}

// internetManagementPoints returns the systems whose management point accepts internet clients.
func internetManagementPoints(p *plan.Plan) []*plan.System {
	var out []*plan.System
	for _, s := range p.Systems {
		if mp := s.Roles.ManagementPoint; mp != nil && plan.AllowsInternet(mp.Allow) {
			out = append(out, s)
		}
	}
	return out
}

func checkUserPolicyTrust(p *plan.Plan, r *Reporter) {
	mps := internetManagementPoints(p)
	if len(mps) == 0 {
		return // IB511
	}
	// Populations share a few forests; the MPs that don't trust one are computed once per forest.
	untrustingByForest := map[string][]string{}
	for _, c := range p.Clients {
		if c.Via != "ibcm" || c.Management == plan.ManageIntranetOnly {
			continue
		}
		at := -1
		for i, f := range c.Features {
			if f == "userPolicy" {
				at = i
				break
			}
		}
		if at < 0 {
			continue
		}
		path := plan.Index(plan.Join(c.Path, "features"), at)
		if c.Join == "workgroup" || c.Forest == "" {
			r.Error(path, "remove userPolicy: users of a population without a forest can't be authenticated by a management point",
				"population %q lists userPolicy but is %s: internet management points can never authenticate its users", c.Name, withoutForest(c))
			continue
		}
		cannot, done := untrustingByForest[c.Forest]
		if !done {
			for _, s := range mps {
				if s.Forest == "" || !p.Trusts(s.Forest, c.Forest) {
					cannot = append(cannot, s.Name)
				}
			}
			untrustingByForest[c.Forest] = cannot
		}
		if len(cannot) > 0 {
			r.Error(path, fmt.Sprintf("make the management points' forests trust %q, or remove userPolicy", c.Forest),
				"population %q lists userPolicy, but internet management point(s) %s are in forests that don't trust %q",
				c.Name, quoteList(cannot), c.Forest)
		}
	}
}

func withoutForest(c *plan.Population) string {
	if c.Join == "workgroup" {
		return "workgroup-joined"
	}
	return "in no forest"
}

func checkEntraJoin(p *plan.Plan, r *Reporter) {
	for _, c := range p.Clients {
		if c.Auth == "entra" && (c.Join == "domain" || c.Join == "workgroup") {
			r.Error(plan.Join(c.Path, "auth"), `use auth "pki" or "token", or join the devices to Entra ID (join "entra" or "hybrid")`,
				"population %q authenticates with Entra ID but is %s-joined; Entra ID authentication needs Entra-joined or hybrid-joined devices",
				c.Name, c.Join)
		}
	}
}

func checkDeviceOnlyAuth(p *plan.Plan, r *Reporter) {
	for _, c := range p.Clients {
		if c.Via != "cmg" || (c.Auth != "pki" && c.Auth != "token") {
			continue
		}
		for i, f := range c.Features {
			if f == "userPolicy" || f == "userApplications" {
				r.Error(plan.Index(plan.Join(c.Path, "features"), i), `use auth "entra" for user-centric management, or remove the feature`,
					"population %q authenticates to the CMG with %s, which is device-centric only, and lists %s", c.Name, c.Auth, f)
			}
		}
	}
}

func checkCMGManagementPointMode(p *plan.Plan, r *Reporter) {
	ehttp := p.Site.Communication.ClientConnections == "ehttp"
	pops := pkiPopulationsByCMG(p)
	for _, g := range p.CMGs {
		s := p.System(g.ManagementPoint)
		if s == nil || s.Roles.ManagementPoint == nil || s.Roles.ManagementPoint.Connections != "http" {
			continue
		}
		path := plan.Join(s.Roles.ManagementPoint.Path, "connections")
		switch {
		case !ehttp:
			r.Error(path, `set connections: "https", or site.communication.clientConnections: "ehttp"`,
				"gateway %q uses management point %q, which is plain HTTP (the site's clientConnections is %q); a CMG needs an HTTPS or Enhanced HTTP management point",
				g.Name, s.Name, p.Site.Communication.ClientConnections)
		case len(pops[g.Name]) > 0:
			r.Warn(path, `set connections: "https" for PKI clients`,
				"gateway %q uses Enhanced HTTP management point %q for PKI clients (%s); whether PKI-only clients can use E-HTTP through a CMG is disputed, prefer HTTPS",
				g.Name, s.Name, quoteList(pops[g.Name]))
		}
	}
}

func checkOnPremEntraHTTPS(p *plan.Plan, r *Reporter) {
	if p.Site.Communication.ClientConnections == "ehttp" {
		return
	}
	var mps []string
	for _, s := range p.Systems {
		mp := s.Roles.ManagementPoint
		if mp == nil || !plan.AllowsIntranet(mp.Allow) {
			continue
		}
		if mp.Connections != "http" {
			return // an HTTPS intranet management point serves them
		}
		mps = append(mps, s.Name)
	}
	if len(mps) == 0 {
		return
	}
	var pops []string
	for _, c := range p.Clients {
		if c.Join == "entra" && c.Management == plan.ManageIntranetAndInternet {
			pops = append(pops, c.Name)
		}
	}
	if len(pops) == 0 {
		return
	}
	r.Error("site.communication.clientConnections",
		`set an intranet management point's connections to "https", or clientConnections: "ehttp"`,
		"Entra-joined roaming population(s) %s need an HTTPS or Enhanced HTTP management point on the intranet, but intranet management point(s) %s are plain HTTP",
		quoteList(pops), quoteList(mps))
}

func checkMacOSOverCMG(p *plan.Plan, r *Reporter) {
	for _, c := range p.Clients {
		if c.Platform == "macos" && c.Via == "cmg" {
			r.Error(plan.Join(c.Path, "via"), `use via "ibcm", or manage these Macs with another product`,
				"population %q is macOS, which a cloud management gateway doesn't support", c.Name)
		}
	}
}

func checkNoInternetMP(p *plan.Plan, r *Reporter) {
	if len(internetManagementPoints(p)) > 0 {
		return
	}
	for _, c := range p.Clients {
		if c.Via == "ibcm" && c.Internet() {
			r.Error(plan.Join(c.Path, "management"),
				`give a management point allow: "internet" or "intranetAndInternet", or use via "cmg", or management "intranetOnly"`,
				"population %q is managed on the internet through IBCM, but no management point accepts internet clients", c.Name)
		}
	}
}

func checkTokenNeedsCMG(p *plan.Plan, r *Reporter) {
	for _, c := range p.Clients {
		if c.Auth == "token" && c.Via == "ibcm" {
			r.Error(plan.Join(c.Path, "auth"), `set via: "cmg", or use auth "pki"`,
				"population %q authenticates with a site token, which only a cloud management gateway accepts", c.Name)
		}
	}
}

func checkInternetOnlyMedia(p *plan.Plan, r *Reporter) {
	for _, c := range p.Clients {
		if c.Management != plan.ManageInternetOnly || c.Auth != "pki" || c.Via != "ibcm" {
			continue
		}
		if c.Install.Source == "" {
			r.Error(plan.Join(c.Path, "install", "source"), "set install.source to the local folder with the client installation files",
				"internet-only population %q has no install.source: internet-only clients install from local media (/source:)", c.Name)
		}
		if c.Install.SigningCert == "" {
			r.Error(plan.Join(c.Path, "install", "signingCert"), "set install.signingCert to the path of the exported site server signing certificate",
				"internet-only population %q has no install.signingCert: internet-only clients need SMSSIGNCERT", c.Name)
		}
	}
}
