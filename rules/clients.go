package rules

import (
	"fmt"

	"github.com/ibcmc/ibcmc/learn"
	"github.com/ibcmc/ibcmc/plan"
)

// Rules 5xx: client populations, their features, authentication and installation.

var clientRules = []*Rule{
	{
		Code: "IB501", Name: "unsupported-feature-over-internet", Severities: "W/E",
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
		Source: learn.PlanIBCM,
		Check:  checkFeaturesOverIBCM,
	},
	{
		Code: "IB502", Name: "unsupported-feature-over-cmg", Severities: "W/E",
		Summary: "a CMG population expects a feature the cloud management gateway doesn't support",
		Explain: `What: a via "cmg" population lists remoteControl, wakeOnLan, clientPush,
automaticSiteAssignment or peerCache: an error when the population is internetOnly, a warning otherwise
(the feature works only while the client is on the intranet). osDeployment is always a warning.
Why: a CMG doesn't support client push, automatic site assignment, remote tools, Wake on LAN or peer
cache. For OS deployment it supports the in-place upgrade task sequence and task sequences with a boot
image started from Software Center or from bootable media, but not content for PXE or
multicast-enabled deployments nor any other task sequence scenario.
Fix: remove the feature, or manage it on the intranet. For osDeployment, deploy over the CMG only
in-place upgrades or boot-image task sequences started from Software Center or media; keep PXE and
multicast on the intranet.
Reading: osDeployment names OS deployment as a whole, part of which works over a CMG, so it is a
warning to check the task sequences rather than an error. A via "cmg" population that is intranetOnly is
unusual; it is treated like a roaming population (a warning), since the features do work whenever it is
on the intranet. One finding per listed feature, at the feature.`,
		Source: learn.CMGSupported,
		Check:  checkFeaturesOverCMG,
	},
	{
		Code: "IB503", Name: "client-install-over-internet", Severities: "E",
		Summary: "the client install method doesn't work over the internet",
		Explain: `What: a via "ibcm" population with install.from "internet" and no local installation
source: install.method is neither "media" nor "manual" with install.source. Or an internetOnly population
with install.method "push" or "softwareUpdate".
Why: Configuration Manager doesn't support installing a client directly from an internet-based
management point or software update point. A client on the internet is installed with ccmsetup from a
local copy of the client files: Microsoft's internet-based example is a manual command line with
/source:<local folder>, /UsePKICert, CCMHOSTNAME, SMSSIGNCERT and SMSSITECODE. Client push and
software-update-based installation need the client on the intranet, which an internet-only client
never is.
Fix: install from media or manually with install.source (and install.signingCert, see IB513), or
install from the intranet or over VPN (install.from "intranet" or "vpn").
Reading: the push/softwareUpdate clause applies to every internetOnly population, CMG ones included: a
CMG supports neither client push nor (for a client that is not yet installed) software-update-based
installation. Mobile and macOS populations are not checked: they enroll and run no Windows ccmsetup. A
Windows PKI population installed manually without install.source is IB513's finding, not repeated here.
One finding per population, at install.method (at install.source for a manual install without one).`,
		Source: learn.DeployClients,
		Check:  checkInstallOverInternet,
	},
	{
		Code: "IB504", Name: "workgroup-not-internet-only", Severities: "W",
		Summary: "workgroup clients on the internet must be installed internet-only",
		Explain: `What: a population with join "workgroup", via "ibcm", management "intranetAndInternet" and a
platform other than "mobile".
Why: Microsoft's guidance is to install workgroup clients managed on the internet as internet-only
(CCMALWAYSINF=1); the mode is chosen at install and changing it means reinstalling. An internet-only
client also works on the intranet, through the internet-facing site systems.
Fix: set management: "internetOnly" and install from media (see IB513).
Reading: mobile devices are not checked: a mobile device configured to use an internet-based management
point configures itself as internet-only.`,
		Source: learn.PlanIBCM,
		Check:  checkWorkgroupInternetOnly,
	},
	{
		Code: "IB505", Name: "user-policy-without-trust", Severities: "E",
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
		Source: learn.PlanIBCM,
		Check:  checkUserPolicyTrust,
	},
	{
		Code: "IB506", Name: "entra-auth-needs-join", Severities: "E",
		Summary: "Entra ID authentication needs Entra-joined or hybrid-joined devices",
		Explain: `What: a population with auth "entra" and join "domain" or "workgroup".
Why: clients authenticate with Entra ID only when the device is Entra-joined or hybrid-joined; an
on-premises domain-joined or workgroup computer has no Entra device identity.
Fix: set join to "entra" or "hybrid" if the devices are joined that way, or use auth "pki" or "token".`,
		Source: learn.CMGAuth,
		Check:  checkEntraJoin,
	},
	{
		Code: "IB507", Name: "device-only-auth-user-feature", Severities: "E",
		Summary: "PKI and token authentication over a CMG are device-centric only",
		Explain: `What: a via "cmg" population with auth "pki" or "token" lists userPolicy or userApplications.
Why: over a CMG, PKI certificates and site tokens authenticate the device only; user-centric scenarios
(user policy, applications deployed to users) need Entra ID authentication.
Fix: use auth "entra" (Entra-joined or hybrid-joined devices), or remove the user features.
Reading: one finding per listed feature, at the feature.`,
		Source: learn.CMGAuth,
		Check:  checkDeviceOnlyAuth,
	},
	{
		Code: "IB508", Name: "cmg-management-point-mode", Severities: "W/E",
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
Reading: the Enhanced HTTP case is disputed: Microsoft's configure-authentication tables list E-HTTP
for workgroup and domain-joined clients, while Microsoft staff disagree in
https://github.com/MicrosoftDocs/memdocs/issues/2880 and
https://github.com/MicrosoftDocs/memdocs/issues/3148. So ibcmc warns rather than refuses and recommends
HTTPS. The finding is at the management point's connections.`,
		Source: learn.CMGAuth,
		Check:  checkCMGManagementPointMode,
	},
	{
		Code: "IB509", Name: "on-prem-entra-needs-https", Severities: "E",
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
		Source: learn.CMGAuth,
		Check:  checkOnPremEntraHTTPS,
	},
	{
		Code: "IB510", Name: "macos-over-cmg", Severities: "E",
		Summary: "macOS clients can't use a cloud management gateway",
		Explain: `What: a population with platform "macos" and via "cmg".
Why: the CMG supports Windows clients only; the macOS client is not supported through a CMG (and is out
of support since the end of 2022).
Fix: manage macOS devices with another product (for example Intune), or use via "ibcm".`,
		Source: learn.CMGSupported,
		Check:  checkMacOSOverCMG,
	},
	{
		Code: "IB511", Name: "no-internet-management-point", Severities: "E",
		Summary: "an IBCM internet population has no internet-facing management point to talk to",
		Explain: `What: a via "ibcm" population that is internetOnly or intranetAndInternet, and no system has a
managementPoint whose allow includes internet.
Why: on the internet, IBCM clients reach the site only through internet-facing management points; with
none, they are unmanaged whenever they are off the intranet.
Fix: set allow: "internet" or "intranetAndInternet" on a management point (with fqdn.internet), or
manage the population through a CMG (via "cmg"), or make it intranetOnly.
Reading: one finding per population, at its management setting.`,
		Source: learn.PlanIBCM,
		Check:  checkNoInternetMP,
	},
	{
		Code: "IB512", Name: "token-auth-requires-cmg", Severities: "E",
		Summary: "site token authentication works only through a CMG",
		Explain: `What: a population with auth "token" and via "ibcm".
Why: bulk registration tokens and site tokens are a cloud management gateway method; internet-facing
IBCM site systems authenticate clients with PKI certificates only.
Fix: set via "cmg", or use auth "pki" with client certificates.`,
		Source: learn.CMGAuth,
		Check:  checkTokenNeedsCMG,
	},
	{
		Code: "IB513", Name: "internet-only-needs-media", Severities: "E",
		Summary: "a PKI client installed on the internet needs local client files and the site server's signing certificate",
		Explain: `What: a Windows population with auth "pki" and via "ibcm", installed from the internet
(install.from "internet", whatever its management mode), that lacks install.source or
install.signingCert.
Why: to install clients on the internet, Microsoft's procedure is ccmsetup with /source:<local path of
the copied Client folder>, /UsePKICert, CCMHOSTNAME, SMSSIGNCERT (the exported site server signing
certificate) and SMSSITECODE: the client can't download the installation files or the site's trusted
key from an internet-facing management point. A client installed over VPN or on the intranet can use
any installation method and needs neither.
Fix: set install.source to the local folder holding the client files and install.signingCert to the
path of the exported site server signing certificate, or install over VPN (install.from "vpn") or on the
intranet.
Reading: roaming (intranetAndInternet) populations installed on the internet are checked too: the
procedure is the same. Mobile and macOS populations run no Windows ccmsetup and are not checked. One
finding per missing field, at that field.`,
		Source: learn.DeployClients,
		Check:  checkInternetOnlyMedia,
	},
	{
		Code: "IB516", Name: "cmg-updates-without-sup", Severities: "E",
		Summary: "CMG clients expect software updates but no software update point accepts CMG traffic",
		Explain: `What: a via "cmg" population lists softwareUpdates and no softwareUpdatePoint has cmgTraffic: true.
Why: a CMG fronts only management points and software update points, and a software update point serves
CMG clients only with "Allow Configuration Manager cloud management gateway traffic" selected. Without
one, clients behind the gateway can't scan for updates, so no update deployment reaches them.
Fix: set cmgTraffic: true on the software update points that serve internet-based clients, or remove
softwareUpdates from the population.
Reading: one finding per population, at softwareUpdates in its features.`,
		Source: learn.CMGSetup,
		Check:  checkCMGUpdatesWithoutSUP,
	},
	{
		Code: "IB517", Name: "cmg-content-unavailable", Severities: "E",
		Summary: "CMG clients expect content but can't download it",
		Explain: `What: a via "cmg" population lists applications or taskSequences while its gateway has
contentEnabled: false and no distribution point accepts internet clients; or while
site.clientSettings.cloudDistributionPoint ("Allow access to cloud distribution point") is false.
Why: to target deployments with content to clients on the internet, the CMG must serve content, or an
internet-facing distribution point must. Microsoft also requires the client settings "Enable clients to
use a cloud management gateway" and "Allow access to cloud distribution point" for devices that use the
CMG.
Fix: set contentEnabled: true on the gateway (or give a distribution point allow: "internet" or
"intranetAndInternet"), and keep site.clientSettings.cloudDistributionPoint true.
Reading: softwareUpdates is not a content feature here: internet-based clients always get software
update content from the Microsoft Update cloud service (Plan for software updates). The client setting
clause applies whatever the content source, as Microsoft lists the setting among the CMG requirements.
One finding per population and cause: at the gateway's contentEnabled, or at the client setting.
See also: ` + learn.CMGPlan + `, ` + learn.PlanSoftwareUpdates,
		Source: learn.CMGSetup,
		Check:  checkCMGContent,
	},
	{
		Code: "IB518", Name: "ibcm-role-missing-for-feature", Severities: "E",
		Summary: "an IBCM internet population expects a feature no internet-facing site system serves",
		Explain: `What: a via "ibcm" population that is internetOnly or intranetAndInternet lists softwareUpdates
while no softwareUpdatePoint accepts internet clients, or lists applications or taskSequences while no
distributionPoint accepts internet clients.
Why: clients on the internet communicate only with site systems configured for client connections from
the internet: they scan only against software update points that allow internet connections, and they
download application and task sequence content only from internet-facing distribution points.
Fix: set allow: "internet" or "intranetAndInternet" on a software update point or distribution point
(with fqdn.internet, published or reachable from the internet), or remove the feature.
Reading: an internet-facing distribution point is not required for softwareUpdates, because
internet-based clients always get software update content from the Microsoft Update cloud service.
Roaming (intranetAndInternet) populations are checked too, since the feature is expected while they are
on the internet. One finding per listed feature, at the feature.
See also: ` + learn.PlanIBCM,
		Source: learn.PlanSoftwareUpdates,
		Check:  checkIBCMRoleForFeature,
	},
	{
		Code: "IB519", Name: "fallback-status-point-not-internet", Severities: "E",
		Summary: "an internet-only population's fallback status point doesn't accept internet clients",
		Explain: `What: an internetOnly population whose install.fallbackStatusPoint names a fallback status point
whose allow doesn't include internet.
Why: an internet-only client reaches only site systems that accept connections from the internet, so it
needs an internet-based fallback status point, given to ccmsetup as FSP=<internet FQDN>. An intranet-only
fallback status point never receives its state messages.
Fix: set the fallback status point's allow to "internet" or "intranetAndInternet" (with fqdn.internet),
or name another one that accepts internet clients.
Reading: a name that isn't a system is IB211's finding; a system without the fallbackStatusPoint role
is not checked here. The finding is at install.fallbackStatusPoint.`,
		Source: learn.DeployClients,
		Check:  checkFallbackStatusPointInternet,
	},
	{
		Code: "IB520", Name: "unsupported-platform", Severities: "E",
		Summary: "macOS clients and on-premises MDM are out of support from version 2303",
		Explain: `What: a population with platform "macos" or "mobile" while site.version is 2303 or later.
Why: support for the Configuration Manager client for macOS ended on December 31, 2022, and on-premises
mobile device management is removed in the first release after November 1, 2022 (version 2303). A site
at that version or later manages neither.
Fix: manage Macs and mobile devices with Microsoft Intune, and remove the population from the design.
Reading: the finding is at the population's platform.`,
		Source: learn.Deprecated,
		Check:  checkUnsupportedPlatform,
	},
}

var (
	unsupportedOverIBCM = map[plan.Feature]bool{
		plan.FeatureOSDeployment: true, plan.FeatureRemoteControl: true, plan.FeatureWakeOnLan: true,
		plan.FeatureClientPush: true, plan.FeatureAutomaticSiteAssignment: true,
		plan.FeatureUserApplications: true, plan.FeatureRoaming: true,
	}
	unsupportedOverCMG = map[plan.Feature]bool{
		plan.FeatureRemoteControl: true, plan.FeatureWakeOnLan: true, plan.FeatureClientPush: true,
		plan.FeatureAutomaticSiteAssignment: true, plan.FeaturePeerCache: true,
	}
)

func checkFeaturesOverIBCM(p *plan.Plan, r *Reporter) {
	for _, c := range p.Clients {
		if c.Via != plan.ViaIBCM || c.Management == plan.ManageIntranetOnly {
			continue
		}
		reportUnsupportedFeatures(r, c, unsupportedOverIBCM, "internet-based client management")
	}
}

func checkFeaturesOverCMG(p *plan.Plan, r *Reporter) {
	for _, c := range p.Clients {
		if c.Via != plan.ViaCMG {
			continue
		}
		reportUnsupportedFeatures(r, c, unsupportedOverCMG, "a cloud management gateway")
		// Part of OS deployment works over a CMG, so the feature is a reminder, never a refusal.
		for i, f := range c.Features {
			if f == plan.FeatureOSDeployment {
				r.Warn(plan.Index(plan.Join(c.Path, "features"), i),
					"over the CMG deploy only in-place upgrades and boot-image task sequences started from Software Center or bootable media; keep PXE and multicast on the intranet",
					"population %q lists osDeployment: over a cloud management gateway only the in-place upgrade task sequence and boot-image task sequences started from Software Center or bootable media work, not PXE or multicast", c.Name)
			}
		}
	}
}

// reportUnsupportedFeatures reports each listed feature of the set: an error for an internet-only
// population, a warning for one that is also on the intranet.
func reportUnsupportedFeatures(r *Reporter, c *plan.Population, unsupported map[plan.Feature]bool, over string) {
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
		// Mobile devices and Macs enroll; only Windows computers run ccmsetup.
		if c.Platform != plan.PlatformWindows {
			continue
		}
		path := plan.Join(c.Path, "install", "method")
		m := c.Install.Method
		switch {
		case c.Via == plan.ViaIBCM && c.Install.From == plan.FromInternet && m == plan.InstallManual && c.Install.Source == "":
			if coveredByIB513(c) {
				continue
			}
			r.Error(plan.Join(c.Path, "install", "source"), "set install.source to the local folder with the copied client files, or install from the intranet or over VPN",
				"population %q is installed manually from the internet without install.source: ccmsetup can't download the client files from an internet-based management point, so it needs /source:<local folder>", c.Name)
		case c.Via == plan.ViaIBCM && c.Install.From == plan.FromInternet && m != plan.InstallMedia && m != plan.InstallManual:
			r.Error(path, `install from media or manually with install.source, or from the intranet or over VPN`,
				"population %q installs with method %q from the internet; over IBCM a client on the internet is installed only with ccmsetup from local client files (media, or manual with /source:)", c.Name, m)
		case c.Management == plan.ManageInternetOnly && (m == plan.InstallPush || m == plan.InstallSoftwareUpdate):
			r.Error(path, `install from offline media (method "media") or manually`,
				"population %q is internet-only, so install method %q (which needs the client on the intranet) cannot reach it", c.Name, m)
		}
	}
}

// coveredByIB513 reports whether IB513 already reports a missing install.source of the population, so
// IB503 does not say the same thing twice.
func coveredByIB513(c *plan.Population) bool {
	return c.Platform == plan.PlatformWindows && c.Auth == plan.AuthPKI && c.Via == plan.ViaIBCM && c.Install.From == plan.FromInternet
}

func checkWorkgroupInternetOnly(p *plan.Plan, r *Reporter) {
	for _, c := range p.Clients {
		// A mobile device that uses an internet-based management point configures itself as internet-only.
		if c.Join == plan.JoinWorkgroup && c.Via == plan.ViaIBCM && c.Management == plan.ManageIntranetAndInternet && c.Platform != plan.PlatformMobile {
			r.Warn(plan.Join(c.Path, "management"), `set management: "internetOnly" and install from media`,
				"population %q is workgroup-joined and intranetAndInternet; Microsoft's guidance is to install workgroup clients managed on the internet as internet-only", c.Name)
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
		if c.Via != plan.ViaIBCM || c.Management == plan.ManageIntranetOnly {
			continue
		}
		at := -1
		for i, f := range c.Features {
			if f == plan.FeatureUserPolicy {
				at = i
				break
			}
		}
		if at < 0 {
			continue
		}
		path := plan.Index(plan.Join(c.Path, "features"), at)
		if c.Join == plan.JoinWorkgroup || c.Forest == "" {
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
	if c.Join == plan.JoinWorkgroup {
		return "workgroup-joined"
	}
	return "in no forest"
}

func checkEntraJoin(p *plan.Plan, r *Reporter) {
	for _, c := range p.Clients {
		if c.Auth == plan.AuthEntra && (c.Join == plan.JoinDomain || c.Join == plan.JoinWorkgroup) {
			r.Error(plan.Join(c.Path, "auth"), `use auth "pki" or "token", or join the devices to Entra ID (join "entra" or "hybrid")`,
				"population %q authenticates with Entra ID but is %s-joined; Entra ID authentication needs Entra-joined or hybrid-joined devices",
				c.Name, c.Join)
		}
	}
}

func checkDeviceOnlyAuth(p *plan.Plan, r *Reporter) {
	for _, c := range p.Clients {
		if c.Via != plan.ViaCMG || (c.Auth != plan.AuthPKI && c.Auth != plan.AuthToken) {
			continue
		}
		for i, f := range c.Features {
			if f == plan.FeatureUserPolicy || f == plan.FeatureUserApplications {
				r.Error(plan.Index(plan.Join(c.Path, "features"), i), `use auth "entra" for user-centric management, or remove the feature`,
					"population %q authenticates to the CMG with %s, which is device-centric only, and lists %s", c.Name, c.Auth, f)
			}
		}
	}
}

func checkCMGManagementPointMode(p *plan.Plan, r *Reporter) {
	ehttp := p.Site.Communication.ClientConnections == plan.ClientConnectionsEHTTP
	pops := pkiPopulationsByCMG(p)
	for _, g := range p.CMGs {
		s := p.System(g.ManagementPoint)
		if s == nil || s.Roles.ManagementPoint == nil || s.Roles.ManagementPoint.Connections != plan.ConnectionsHTTP {
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
	if p.Site.Communication.ClientConnections == plan.ClientConnectionsEHTTP {
		return
	}
	var mps []string
	for _, s := range p.Systems {
		mp := s.Roles.ManagementPoint
		if mp == nil || !plan.AllowsIntranet(mp.Allow) {
			continue
		}
		if mp.Connections != plan.ConnectionsHTTP {
			return // an HTTPS intranet management point serves them
		}
		mps = append(mps, s.Name)
	}
	if len(mps) == 0 {
		return
	}
	var pops []string
	for _, c := range p.Clients {
		if c.Join == plan.JoinEntra && c.Management == plan.ManageIntranetAndInternet {
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
		if c.Platform == plan.PlatformMacOS && c.Via == plan.ViaCMG {
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
		if c.Via == plan.ViaIBCM && c.Internet() {
			r.Error(plan.Join(c.Path, "management"),
				`give a management point allow: "internet" or "intranetAndInternet", or use via "cmg", or management "intranetOnly"`,
				"population %q is managed on the internet through IBCM, but no management point accepts internet clients", c.Name)
		}
	}
}

func checkTokenNeedsCMG(p *plan.Plan, r *Reporter) {
	for _, c := range p.Clients {
		if c.Auth == plan.AuthToken && c.Via == plan.ViaIBCM {
			r.Error(plan.Join(c.Path, "auth"), `set via: "cmg", or use auth "pki"`,
				"population %q authenticates with a site token, which only a cloud management gateway accepts", c.Name)
		}
	}
}

func checkInternetOnlyMedia(p *plan.Plan, r *Reporter) {
	for _, c := range p.Clients {
		// VPN and intranet installs can use any method; only ccmsetup run on the internet needs local files.
		if !coveredByIB513(c) {
			continue
		}
		if c.Install.Source == "" {
			r.Error(plan.Join(c.Path, "install", "source"), "set install.source to the local folder with the client installation files, or install over VPN or on the intranet",
				"population %q is installed on the internet without install.source: ccmsetup run on the internet needs /source: with a local copy of the client files", c.Name)
		}
		if c.Install.SigningCert == "" {
			r.Error(plan.Join(c.Path, "install", "signingCert"), "set install.signingCert to the path of the exported site server signing certificate, or install over VPN or on the intranet",
				"population %q is installed on the internet without install.signingCert: ccmsetup run on the internet needs SMSSIGNCERT, the site server signing certificate the client can't fetch from the site", c.Name)
		}
	}
}

func checkCMGUpdatesWithoutSUP(p *plan.Plan, r *Reporter) {
	for _, s := range p.Systems {
		if sup := s.Roles.SoftwareUpdatePoint; sup != nil && sup.CMGTraffic {
			return
		}
	}
	for _, c := range p.Clients {
		if c.Via != plan.ViaCMG {
			continue
		}
		if i := featureIndex(c, plan.FeatureSoftwareUpdates); i >= 0 {
			r.Error(plan.Index(plan.Join(c.Path, "features"), i), "set cmgTraffic: true on a software update point, or remove softwareUpdates",
				"population %q expects software updates through a cloud management gateway, but no software update point allows CMG traffic", c.Name)
		}
	}
}

// featureIndex returns the index of the feature in the population's features, or -1.
func featureIndex(c *plan.Population, feature plan.Feature) int {
	for i, f := range c.Features {
		if f == feature {
			return i
		}
	}
	return -1
}

// contentFeatures are the features whose content a client downloads from a distribution point or a
// content-enabled CMG. Software update content comes from Microsoft Update for internet clients.
var contentFeatures = []plan.Feature{plan.FeatureApplications, plan.FeatureTaskSequences}

// firstContentFeature returns the first content feature the population lists, or "".
func firstContentFeature(c *plan.Population) plan.Feature {
	for _, f := range c.Features {
		for _, cf := range contentFeatures {
			if f == cf {
				return f
			}
		}
	}
	return ""
}

// internetDistributionPoint reports whether some distribution point accepts internet clients.
func internetDistributionPoint(p *plan.Plan) bool {
	return len(internetRoleSystems(p, dpRole)) > 0
}

func checkCMGContent(p *plan.Plan, r *Reporter) {
	internetDP := internetDistributionPoint(p)
	for _, c := range p.Clients {
		if c.Via != plan.ViaCMG {
			continue
		}
		f := firstContentFeature(c)
		if f == "" {
			continue
		}
		if g := p.DefaultCMG(c); g != nil && !g.ContentEnabled && !internetDP {
			r.Error(plan.Join(g.Path, "contentEnabled"), "set contentEnabled: true on the gateway, or add a distribution point that accepts internet clients",
				"population %q lists %s through gateway %q, which doesn't serve content (contentEnabled: false), and no distribution point accepts internet clients", c.Name, f, g.Name)
		}
		if !p.Site.Settings.CloudDistributionPoint {
			r.Error("site.clientSettings.cloudDistributionPoint", "set site.clientSettings.cloudDistributionPoint: true (Allow access to cloud distribution point)",
				"population %q lists %s through a cloud management gateway, but the client setting \"Allow access to cloud distribution point\" is off", c.Name, f)
		}
	}
}

func checkIBCMRoleForFeature(p *plan.Plan, r *Reporter) {
	internetSUP := len(internetRoleSystems(p, supRole)) > 0
	internetDP := internetDistributionPoint(p)
	for _, c := range p.Clients {
		if c.Via != plan.ViaIBCM || !c.Internet() {
			continue
		}
		for i, f := range c.Features {
			path := plan.Index(plan.Join(c.Path, "features"), i)
			switch {
			case f == plan.FeatureSoftwareUpdates && !internetSUP:
				r.Error(path, `set allow: "internet" or "intranetAndInternet" on a software update point, or remove softwareUpdates`,
					"population %q expects software updates on the internet, but no software update point accepts internet clients: internet clients scan only against internet-facing software update points", c.Name)
			case (f == plan.FeatureApplications || f == plan.FeatureTaskSequences) && !internetDP:
				r.Error(path, fmt.Sprintf(`set allow: "internet" or "intranetAndInternet" on a distribution point, or remove %s`, f),
					"population %q lists %s on the internet, but no distribution point accepts internet clients: internet clients download content only from internet-facing distribution points", c.Name, f)
			}
		}
	}
}

func checkFallbackStatusPointInternet(p *plan.Plan, r *Reporter) {
	for _, c := range p.Clients {
		if c.Management != plan.ManageInternetOnly || c.Install.FallbackStatusPoint == "" {
			continue
		}
		s := p.System(c.Install.FallbackStatusPoint)
		if s == nil || s.Roles.FallbackStatusPoint == nil || plan.AllowsInternet(s.Roles.FallbackStatusPoint.Allow) {
			continue
		}
		r.Error(plan.Join(c.Path, "install", "fallbackStatusPoint"),
			fmt.Sprintf(`set allow: "internet" or "intranetAndInternet" on the fallback status point of %q (with fqdn.internet), or name one that accepts internet clients`, s.Name),
			"internet-only population %q uses fallback status point %q, which accepts only intranet clients: its state messages never arrive", c.Name, s.Name)
	}
}

func checkUnsupportedPlatform(p *plan.Plan, r *Reporter) {
	if !p.Site.VersionAtLeast("2303") {
		return
	}
	for _, c := range p.Clients {
		switch c.Platform {
		case plan.PlatformMacOS:
			r.Error(plan.Join(c.Path, "platform"), "manage these Macs with Microsoft Intune and remove the population",
				"population %q is macOS: the Configuration Manager client for macOS is out of support since December 31, 2022 (from version 2303), and this site runs %s", c.Name, p.Site.Version)
		case plan.PlatformMobile:
			r.Error(plan.Join(c.Path, "platform"), "manage these devices with Microsoft Intune and remove the population",
				"population %q is mobile devices: on-premises mobile device management is removed from version 2303 (the first release after November 1, 2022), and this site runs %s", c.Name, p.Site.Version)
		}
	}
}
