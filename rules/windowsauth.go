package rules

import (
	"github.com/ibcmc/ibcmc/learn"
	"github.com/ibcmc/ibcmc/plan"
)

// Rule IB409: Windows authentication of user policy through an SSL-bridging proxy.

var windowsAuthRules = []*Rule{
	{
		Code: "IB409", Name: "bridging-breaks-windows-auth", Severities: "I/W",
		Summary: "an SSL-bridging proxy that cannot bind a backend connection to its client breaks user policy from the internet",
		Explain: `What: an sslBridging publishing entry publishes an internet-facing management point while an internet
population (via "ibcm") lists userPolicy and site.clientSettings turns on both userPolicy and
userPolicyFromInternet. A warning when the product is nginx; information when it is "other".
Why: internet clients get user policy only when the management point authenticates the user with Windows
authentication (Kerberos or NTLM; a client on the internet reaches no domain controller, so NTLM). NTLM and Negotiate authenticate the TCP
connection, not each request: the challenge, the response and the requests after them must travel on one
connection to the management point. A bridging proxy opens its own connections to the management point,
so it must keep one backend connection for one client connection once the handshake starts, and pass the
Authorization header. Open-source nginx pools backend connections across clients and cannot do that;
ibcmc's nginx configuration therefore drops Authorization (passing it would let a connection authenticated
for one user serve another client), and users on those clients get device policy only. HAProxy can: it
marks a backend connection private when a 401 carries WWW-Authenticate NTLM or Negotiate, and ibcmc's
HAProxy configuration passes Authorization for management points.
Fix: publish the entry with product "haproxy", or with mode "sslTunneling" (the management point then
sees the client's own connection); or remove userPolicy from the populations' features if users on the
internet need no user policy.
Reading: Microsoft's page names a management point "published to the internet by using a web proxy
server" among the configurations that support user policy, and requires Windows authentication; it does
not say that NTLM needs the connection binding, which is how NTLM and Negotiate work over HTTP (IIS keeps
the connection authenticated, Persistent-Auth). Only via "ibcm" populations managed from the internet count (CMG clients don't use the proxy),
and only populations in a forest (workgroup users can't get user policy at all; IB505). Both client
settings must be on: with either off, clients send no user policy request (IB105). For product "other"
ibcmc cannot know whether the product binds connections, so the finding is information asking you to
check it. One finding per publishing entry, at its product.`,
		Source: learn.PlanIBCM,
		Check:  checkBridgingWindowsAuth,
	},
}

func checkBridgingWindowsAuth(p *plan.Plan, r *Reporter) {
	set := p.Site.Settings
	if !set.UserPolicy || !set.UserPolicyFromInternet {
		return
	}
	var pops []string
	for _, c := range p.Clients {
		if c.Via == plan.ViaIBCM && c.Management != plan.ManageIntranetOnly && c.HasFeature(plan.FeatureUserPolicy) &&
			c.Join != plan.JoinWorkgroup && c.Forest != "" {
			pops = append(pops, c.Name)
		}
	}
	if len(pops) == 0 {
		return
	}
	for _, pub := range p.Publishing {
		binds, known := pub.Product.BindsBackendConnections()
		if pub.Mode != plan.ModeBridging || binds {
			continue
		}
		var mps []string
		for _, name := range pub.Systems {
			s := p.System(name)
			if s == nil {
				continue
			}
			if mp := s.Roles.ManagementPoint; mp != nil && plan.AllowsInternet(mp.Allow) {
				mps = append(mps, s.Name)
			}
		}
		if len(mps) == 0 {
			continue
		}
		path := plan.Join(pub.Path, "product")
		if known {
			r.Warn(path, `use product "haproxy" or mode "sslTunneling", or remove userPolicy from the populations' features`,
				"publishing entry %q bridges SSL on nginx to management point(s) %s; nginx cannot keep one backend connection per client connection, so the Windows authentication (NTLM) of user policy fails through it and population(s) %s get device policy only from the internet",
				pub.Name, quotedList(mps), quotedList(pops))
			continue
		}
		r.Info(path, `check that the product passes the Authorization header and keeps one backend connection per client connection once NTLM or Negotiate starts; otherwise use mode "sslTunneling"`,
			"publishing entry %q bridges SSL to management point(s) %s on a product ibcmc does not configure; population(s) %s need user policy, whose Windows authentication (NTLM) works through the proxy only if it binds each backend connection to one client connection",
			pub.Name, quotedList(mps), quotedList(pops))
	}
}
