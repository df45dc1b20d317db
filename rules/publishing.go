package rules

import (
	"github.com/ibcmc/ibcmc/learn"
	"github.com/ibcmc/ibcmc/plan"
)

// Rules 4xx: web proxies and firewalls that publish site systems to the internet.

var publishingRules = []*Rule{
	{
		Code: "IB401", Name: "bridging-protocol-mismatch", Severities: "E",
		Summary: "SSL bridging publishes a management or distribution point that listens on HTTP",
		Explain: `What: a publishing entry in mode sslBridging publishes a system whose managementPoint or
distributionPoint has connections: "http".
Why: Configuration Manager supports SSL bridging to SSL only: the proxy terminates the client's HTTPS
and opens HTTPS to the site system. Microsoft: "Bridging is not supported in Configuration Manager with
HTTP to HTTPS, or from HTTPS to HTTP."
Fix: set the role's connections to "https" (IBCM needs HTTPS anyway), or publish with sslTunneling.
Reading: one finding per role, at its connections, naming the publishing entry.`,
		Source: learn.PlanIBCM,
		Check:  checkBridgingProtocol,
	},
	{
		Code: "IB402", Name: "mobile-devices-bridging", Severities: "E",
		Summary: "mobile devices don't support SSL bridging to the internet-facing MP, DP or enrollment proxy point",
		Explain: `What: an sslBridging entry publishes a system with an internet-facing managementPoint,
distributionPoint or enrollmentProxyPoint while some via "ibcm" population has platform "mobile".
Why: Microsoft: "Mobile devices that are enrolled by Configuration Manager do not support SSL
bridging." Internet clients pick any internet-facing management and distribution point of their site
("Clients non-deterministically select one of the internet-based site systems"), so every one of them
must be reachable without bridging.
Fix: publish those systems with sslTunneling, which Microsoft names for mobile devices.
Reading: intranetOnly mobile populations never reach the proxy and are not counted. One finding per
publishing entry, at its mode, naming the systems and the mobile populations.`,
		Source: learn.PlanIBCM,
		Check:  checkMobileBridging,
	},
	{
		Code: "IB403", Name: "port-forwarding", Severities: "W/E",
		Summary: "port forwarding exposes site systems directly: least secure, for labs only",
		Explain: `What: a publishing entry uses mode portForwarding. A warning when site.environment is "lab", an
error when it is "production".
Why: port forwarding passes internet traffic straight to the site system with no inspection and no
termination in the perimeter. For a web proxy in front of internet-based site systems, Microsoft names
two configurations only: "SSL bridging to SSL (more secure) or SSL tunneling".
Fix: use sslBridging (recommended) or sslTunneling through a reverse proxy in a perimeter zone.
Reading: Microsoft's documentation does not describe port forwarding at all. ibcmc treats it as the
least secure way to publish, acceptable in a lab, and refuses it in production.`,
		Source: learn.PlanIBCM,
		Check:  checkPortForwarding,
	},
	{
		Code: "IB404", Name: "tunneling-no-inspection", Severities: "I",
		Summary: "SSL tunneling passes traffic to the site system uninspected",
		Explain: `What: a publishing entry uses mode sslTunneling.
Why: Microsoft: SSL tunneling "is a less secure option because the SSL packets from the internet are
forwarded to the site systems without SSL termination, so they cannot be inspected for malicious
content." The site system itself is the TLS endpoint facing the internet. Tunneling is supported, and
"there are no certificate requirements for the proxy web server."
Fix: nothing is required. Use sslBridging if the proxy must inspect traffic (not with mobile devices,
see IB402).`,
		Source: learn.PlanIBCM,
		Check:  checkTunneling,
	},
	{
		Code: "IB405", Name: "third-party-bridging", Severities: "I",
		Summary: "SSL bridging on a reverse proxy is configured by ibcmc, not by Microsoft",
		Explain: `What: a publishing entry uses mode sslBridging, on any product.
Why: Microsoft documents the requirements of SSL bridging (verbs, headers, certificates) but:
"Configuration Manager doesn't support setting third-party SSL bridging configurations ... Please work
with your device vendor to configure it for use with Configuration Manager." The proxy configuration
ibcmc emits is ibcmc's, and the proxy vendor supports the product.
Fix: nothing is required. Review the emitted configuration and test it before production.`,
		Source: learn.PlanIBCM,
		Check:  checkThirdPartyBridging,
	},
	{
		Code: "IB406", Name: "publishing-non-internet-system", Severities: "E",
		Summary: "a published system has no internet-facing role or no internet FQDN",
		Explain: `What: a publishing entry names a system that has no internet-facing role (no role whose allow
includes internet) or no fqdn.internet.
Why: internet clients use only site systems "configured to use an internet FQDN" whose roles "allow
client connections from the internet", and they reach them by that FQDN. Publishing anything else
exposes a server the internet should not reach, or cannot be routed.
Fix: set allow to "internet" or "intranetAndInternet" on the roles the internet should use and give the
system an fqdn.internet, or remove it from the entry's systems.`,
		Source: learn.PlanIBCM,
		Check:  checkPublishingNonInternet,
	},
	// IB407 is retired, not removed: the code stays reserved so it is never reused, and `ibcmc explain
	// IB407` tells users of older designs why the finding is gone. Without a check it never fires.
	{
		Code: "IB407", Name: "proxy-in-front-of-cmg", Severities: "—",
		Summary: "retired: a CMG connection point may share a server that a proxy publishes; never reported",
		Explain: `Retired: ibcmc no longer reports this rule, and the code stays reserved.
What it did: it refused a publishing entry that publishes a system with the cmgConnectionPoint role.
Why it was retired: the connection point only connects outbound to the CMG in Azure ("You don't need to
open any inbound ports to your on-premises network"), so publishing its server for other roles exposes
nothing of the CMG. Microsoft allows the role next to internet-facing roles: "At least one on-premises
Windows server to host the CMG connection point. You can colocate this role with other Configuration
Manager site system roles." What Microsoft forbids is a firewall in front of the CMG service in Azure,
which a design's publishing entries cannot express.
Fix: nothing. A system that hosts the connection point and internet-facing roles may be published for
those roles.
See also: ` + learn.CMGDataFlow,
		Source: learn.CMGPlan,
	},
}

func checkBridgingProtocol(p *plan.Plan, r *Reporter) {
	for _, pub := range p.Publishing {
		if pub.Mode != plan.ModeBridging {
			continue
		}
		for _, name := range pub.Systems {
			s := p.System(name)
			if s == nil {
				continue
			}
			if mp := s.Roles.ManagementPoint; mp != nil && mp.Connections == plan.ConnectionsHTTP {
				r.Error(plan.Join(mp.Path, "connections"), `set connections: "https", or publish with sslTunneling`,
					"publishing entry %q bridges SSL to management point %q, which listens on HTTP; bridging is supported to SSL only",
					pub.Name, s.Name)
			}
			if dp := s.Roles.DistributionPoint; dp != nil && dp.Connections == plan.ConnectionsHTTP {
				r.Error(plan.Join(dp.Path, "connections"), `set connections: "https", or publish with sslTunneling`,
					"publishing entry %q bridges SSL to distribution point %q, which listens on HTTP; bridging is supported to SSL only",
					pub.Name, s.Name)
			}
		}
	}
}

func checkMobileBridging(p *plan.Plan, r *Reporter) {
	var mobile []string
	for _, c := range p.Clients {
		if c.Via == plan.ViaIBCM && c.Platform == plan.PlatformMobile && c.Internet() {
			mobile = append(mobile, c.Name)
		}
	}
	if len(mobile) == 0 {
		return
	}
	for _, pub := range p.Publishing {
		if pub.Mode != plan.ModeBridging {
			continue
		}
		var systems []string
		for _, name := range pub.Systems {
			s := p.System(name)
			if s == nil {
				continue
			}
			mp, dp, epp := s.Roles.ManagementPoint, s.Roles.DistributionPoint, s.Roles.EnrollmentProxyPoint
			if (mp != nil && plan.AllowsInternet(mp.Allow)) || (dp != nil && plan.AllowsInternet(dp.Allow)) ||
				(epp != nil && plan.AllowsInternet(epp.Allow)) {
				systems = append(systems, s.Name)
			}
		}
		if len(systems) == 0 {
			continue
		}
		r.Error(plan.Join(pub.Path, "mode"), `set mode: "sslTunneling"`,
			"publishing entry %q bridges SSL to %s, and mobile populations %s don't support SSL bridging",
			pub.Name, quoteList(systems), quoteList(mobile))
	}
}

func checkPortForwarding(p *plan.Plan, r *Reporter) {
	for _, pub := range p.Publishing {
		if pub.Mode != plan.ModePortForwarding {
			continue
		}
		const hint = `use mode "sslBridging" or "sslTunneling" through a reverse proxy in a perimeter zone`
		if p.Site.Environment == plan.EnvironmentProduction {
			r.Error(plan.Join(pub.Path, "mode"), hint,
				"publishing entry %q forwards ports straight to site systems in a production site; port forwarding is for labs only",
				pub.Name)
		} else {
			r.Warn(plan.Join(pub.Path, "mode"), hint,
				"publishing entry %q forwards ports straight to site systems: the least secure way to publish, acceptable in a lab only",
				pub.Name)
		}
	}
}

func checkTunneling(p *plan.Plan, r *Reporter) {
	for _, pub := range p.Publishing {
		if pub.Mode == plan.ModeTunneling {
			r.Info(plan.Join(pub.Path, "mode"), "use sslBridging if the proxy must inspect requests",
				"publishing entry %q tunnels SSL: traffic reaches the site systems uninspected", pub.Name)
		}
	}
}

func checkThirdPartyBridging(p *plan.Plan, r *Reporter) {
	for _, pub := range p.Publishing {
		if pub.Mode == plan.ModeBridging {
			r.Info(plan.Join(pub.Path, "mode"), "review and test the emitted proxy configuration; the proxy vendor supports the product",
				"publishing entry %q bridges SSL on %s: Microsoft does not configure third-party bridging; the configuration is ibcmc's",
				pub.Name, pub.Product)
		}
	}
}

func checkPublishingNonInternet(p *plan.Plan, r *Reporter) {
	for _, pub := range p.Publishing {
		for i, name := range pub.Systems {
			s := p.System(name)
			if s == nil {
				continue
			}
			path := plan.Index(plan.Join(pub.Path, "systems"), i)
			const hint = "give the system an internet-facing role and an fqdn.internet, or remove it from systems"
			switch facing := s.InternetFacing(); {
			case !facing && s.InternetFQDN == "":
				r.Error(path, hint, "publishing entry %q publishes system %q, which has no internet-facing role and no fqdn.internet", pub.Name, s.Name)
			case !facing:
				r.Error(path, hint, "publishing entry %q publishes system %q, which has no internet-facing role", pub.Name, s.Name)
			case s.InternetFQDN == "":
				r.Error(path, hint, "publishing entry %q publishes system %q, which has no fqdn.internet", pub.Name, s.Name)
			}
		}
	}
}
