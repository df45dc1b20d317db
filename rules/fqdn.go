package rules

import (
	"fmt"
	"strings"

	"github.com/ibcmc/ibcmc/plan"
)

// Rule IB212: one FQDN on two machines.
var fqdnRules = []*Rule{
	{
		Code: "IB212", Name: "invalid-or-duplicate-fqdn", Severities: "E",
		Summary: "the same FQDN (case-insensitive) on two systems, or on a system and a domain controller",
		Explain: `What: an FQDN, compared case-insensitively, appears in two different systems entries (as intranet or
internet name), or on a system and a domain controller. site.server and site.database.server may equal each
other or a system's intranet FQDN: they name the same machine. One system may use the same name for
intranet and internet. Malformed names are reported as IB000.
Why: DNS resolves a name to one host. Two entries with one name produce conflicting firewall rules,
certificates and proxy routes, and clients reach whichever host DNS returns.
Fix: give each machine its own names, or merge the two entries if they are the same machine.`,
		Source: "",
		Check:  checkDuplicateFQDNs,
	},
}

type fqdnOwner struct {
	owner string // system or DC name, for the message
	key   string // entry identity: a system may repeat its own name
	path  string
}

func checkDuplicateFQDNs(p *plan.Plan, r *Reporter) {
	seen := map[string]fqdnOwner{}
	claim := func(fqdn string, o fqdnOwner) {
		if fqdn == "" {
			return
		}
		k := strings.ToLower(fqdn)
		if first, ok := seen[k]; ok {
			if first.key != o.key {
				r.Error(o.path, "give each machine its own DNS names, or merge the entries if they are one machine",
					"FQDN %q is also used by %s (%s)", fqdn, first.owner, first.path)
			}
			return
		}
		seen[k] = o
	}
	for _, s := range p.Systems {
		o := fqdnOwner{owner: fmt.Sprintf("system %q", s.Name), key: "s:" + s.Name}
		o.path = plan.Join(s.Path, "fqdn", "intranet")
		claim(s.IntranetFQDN, o)
		o.path = plan.Join(s.Path, "fqdn", "internet")
		claim(s.InternetFQDN, o)
	}
	for _, dc := range p.DomainControllers {
		claim(dc.FQDN, fqdnOwner{owner: fmt.Sprintf("domain controller %q", dc.Name), key: "dc:" + dc.Forest + "/" + dc.Name, path: plan.Join(dc.Path, "fqdn")})
	}
}
