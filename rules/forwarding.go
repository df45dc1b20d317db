package rules

import (
	"fmt"

	"github.com/ibcmc/ibcmc/plan"
)

// Rule IB408: systems a portForwarding entry publishes on one port.
var forwardingRules = []*Rule{
	{
		Code: "IB408", Name: "port-forwarding-port-conflict", Severities: "E",
		Summary: "a portForwarding entry publishes two systems on the same port; one public port forwards to one host",
		Explain: `What: a publishing entry in portForwarding mode publishes two or more systems whose internet-facing
roles listen on the same port (for example two management points on 443).
Why: port forwarding sees only addresses and ports, not names: one public address and port can forward to
exactly one internal host. The second system would be unreachable, and no proxy config can express it.
Fix: give each system its own publishing entry with its own public address, or use sslTunneling, which
routes by the TLS server name (SNI) and can share one port among several systems.
Reading: an ibcmc check, not a Microsoft rule (Microsoft does not document port forwarding). One
finding per extra system on a port, at its entry in systems.`,
		Source: "",
		Check:  checkForwardingConflicts,
	},
}

func checkForwardingConflicts(p *plan.Plan, r *Reporter) {
	type key struct {
		pub  string
		port int
	}
	owner := map[key]string{}
	for _, e := range p.Endpoints {
		pub := p.PublishingEntry(e.Publishing)
		if pub == nil || pub.Mode != plan.ModePortForwarding {
			continue
		}
		k := key{pub.Name, e.Port}
		first, taken := owner[k]
		if !taken {
			owner[k] = e.Target
			continue
		}
		if first == e.Target {
			continue
		}
		path := pub.Path
		for i, s := range pub.Systems {
			if s == e.Target {
				path = plan.Index(plan.Join(pub.Path, "systems"), i)
			}
		}
		r.Error(path, "publish one of them through its own entry and public address, or use sslTunneling",
			"publishing entry %q forwards port %s to both %q and %q", pub.Name, fmt.Sprint(e.Port), first, e.Target)
	}
}
