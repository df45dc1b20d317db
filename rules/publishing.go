package rules

import (
	"github.com/ibcmc/ibcmc/diag"
	"github.com/ibcmc/ibcmc/plan"
)

// Rules 4xx: web proxies and firewalls that publish site systems to the internet.

func init() {
	register(&Rule{
		Code: "IB401", Name: "bridging-protocol-mismatch", Severity: diag.Error, Severities: "E",
		Summary: "SSL bridging publishes a management or distribution point that listens on HTTP",
		Explain: `What: a publishing entry in mode sslBridging publishes a system whose managementPoint or
distributionPoint has connections: "http".
Why: Configuration Manager supports SSL bridging to SSL only: the proxy terminates the client's HTTPS
and opens HTTPS to the site system. HTTPS-to-HTTP bridging (and HTTP-to-HTTPS) is not supported.
Fix: set the role's connections to "https" (IBCM needs HTTPS anyway), or publish with sslTunneling.
Reading: one finding per role, at its connections, naming the publishing entry.`,
		Source: "001 (SSL bridging to SSL)",
		Check:  checkBridgingProtocol,
	})
	register(&Rule{
		Code: "IB402", Name: "mobile-devices-bridging", Severity: diag.Error, Severities: "E",
		Summary: "mobile devices don't support SSL bridging to the internet-facing MP, DP or enrollment proxy point",
		Explain: `What: an sslBridging entry publishes a system with an internet-facing managementPoint,
distributionPoint or enrollmentProxyPoint while some via "ibcm" population has platform "mobile".
Why: mobile devices enrolled by Configuration Manager don't support SSL bridging, and they use every
internet-facing management and distribution point, so every one of them must be reachable without
bridging.
Fix: publish those systems with sslTunneling.
Reading: intranetOnly mobile populations never reach the proxy and are not counted. One finding per
publishing entry, at its mode, naming the systems and the mobile populations.`,
		Source: "001",
		Check:  checkMobileBridging,
	})
	register(&Rule{
		Code: "IB403", Name: "port-forwarding", Severity: diag.Error, Severities: "W/E",
		Summary: "port forwarding exposes site systems directly: least secure, for labs only",
		Explain: `What: a publishing entry uses mode portForwarding. A warning when site.environment is "lab", an
error when it is "production".
Why: port forwarding passes internet traffic straight to the site system with no inspection and no
termination in the perimeter; it is the least secure way to publish and suits a lab only.
Fix: use sslBridging (recommended) or sslTunneling through a reverse proxy in a perimeter zone.`,
		Source: "000 (least secure, lab only)",
		Check:  checkPortForwarding,
	})
	register(&Rule{
		Code: "IB404", Name: "tunneling-no-inspection", Severity: diag.Info, Severities: "I",
		Summary: "SSL tunneling passes traffic to the site system uninspected",
		Explain: `What: a publishing entry uses mode sslTunneling.
Why: the proxy forwards the encrypted connection without terminating it, so it cannot inspect or filter
requests; the site system itself is the TLS endpoint facing the internet. This is supported and needs no
certificate on the proxy.
Fix: nothing is required. Use sslBridging if the proxy must inspect traffic (not with mobile devices,
see IB402).`,
		Source: "000, 001",
		Check:  checkTunneling,
	})
	register(&Rule{
		Code: "IB405", Name: "third-party-bridging", Severity: diag.Info, Severities: "I",
		Summary: "SSL bridging on a reverse proxy is configured by ibcmc, not by Microsoft",
		Explain: `What: a publishing entry uses mode sslBridging, on any product.
Why: Microsoft documents the requirements of SSL bridging (verbs, headers, certificates) but does not
configure or support third-party bridging products; the proxy configuration ibcmc emits is ibcmc's, and
the proxy vendor supports the product.
Fix: nothing is required. Review the emitted configuration and test it before production.`,
		Source: "001 note",
		Check:  checkThirdPartyBridging,
	})
	register(&Rule{
		Code: "IB406", Name: "publishing-non-internet-system", Severity: diag.Error, Severities: "E",
		Summary: "a published system has no internet-facing role or no internet FQDN",
		Explain: `What: a publishing entry names a system that has no internet-facing role (no role whose allow
includes internet) or no fqdn.internet.
Why: only internet-facing roles accept internet clients, and clients reach them by their internet FQDN;
publishing anything else exposes a server the internet should not reach, or cannot be routed.
Fix: set allow to "internet" or "intranetAndInternet" on the roles the internet should use and give the
system an fqdn.internet, or remove it from the entry's systems.`,
		Source: "001",
		Check:  checkPublishingNonInternet,
	})
	register(&Rule{
		Code: "IB407", Name: "proxy-in-front-of-cmg", Severity: diag.Error, Severities: "E",
		Summary: "a CMG connection point is published through a proxy",
		Explain: `What: a publishing entry publishes a system with the cmgConnectionPoint role.
Why: CMG traffic leaves the site outbound, from the connection point to the gateway in Azure; nothing
reaches the connection point from the internet. Putting a firewall or WAF in front of the CMG is
unsupported.
Fix: remove the system from the entry's systems. If the system also hosts internet-facing roles, move
the connection point to another system.`,
		Source: "facts R-PRX-10",
		Check:  checkProxyInFrontOfCMG,
	})
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
			if mp := s.Roles.ManagementPoint; mp != nil && mp.Connections == "http" {
				r.Error(plan.Join(mp.Path, "connections"), `set connections: "https", or publish with sslTunneling`,
					"publishing entry %q bridges SSL to management point %q, which listens on HTTP; bridging is supported to SSL only",
					pub.Name, s.Name)
			}
			if dp := s.Roles.DistributionPoint; dp != nil && dp.Connections == "http" {
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
		if c.Via == "ibcm" && c.Platform == "mobile" && c.Internet() {
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
		if p.Site.Environment == "production" {
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

func checkProxyInFrontOfCMG(p *plan.Plan, r *Reporter) {
	for _, pub := range p.Publishing {
		for i, name := range pub.Systems {
			s := p.System(name)
			if s == nil || s.Roles.CMGConnectionPoint == nil {
				continue
			}
			r.Error(plan.Index(plan.Join(pub.Path, "systems"), i),
				"remove the system from systems; the CMG connection point only connects outbound",
				"publishing entry %q publishes system %q, which has the cmgConnectionPoint role: CMG traffic is never published through a proxy",
				pub.Name, s.Name)
		}
	}
}
