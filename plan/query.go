package plan

import (
	"fmt"
	"net/netip"
	"strings"
)

// End is one side of a packet (packet.go) as `ibcmc query` names it: an IP address, a zone, or a named
// machine (a system by name or FQDN, a publishing entry, or another flow end such as "any", a domain
// controller or a CMG).
type End struct {
	Spelled string
	IP      netip.Addr // valid for an address
	Zone    string     // the zone of an address (its most specific zone), or the zone named
	IsZone  bool       // the user named a zone
	names   map[string]bool
}

// ResolveEnd reads FROM or TO of a query. A word that names nothing of the design is an error, so a typo is
// never answered "denied".
func (p *Plan) ResolveEnd(s string) (End, error) {
	e := End{Spelled: s}
	if ip, err := netip.ParseAddr(s); err == nil {
		e.IP = ip.Unmap().WithZone("")
		if z := p.ZoneOf(e.IP); z != nil {
			e.Zone = z.Name
		}
		return e, nil
	}
	if p.Zone(s) != nil {
		e.Zone, e.IsZone = s, true
		return e, nil
	}
	e.names = map[string]bool{}
	if p.System(s) != nil || p.PublishingEntry(s) != nil {
		e.names[s] = true
	}
	if sys := p.SystemByFQDN(s); sys != nil {
		e.names[sys.Name] = true
	}
	for _, f := range p.Flows {
		if strings.EqualFold(f.From, s) {
			e.names[f.From] = true
		}
		if strings.EqualFold(f.To, s) {
			e.names[f.To] = true
		}
	}
	if len(e.names) == 0 {
		return e, fmt.Errorf("%q is not a zone, system, publishing entry, flow end or IP address of the design", s)
	}
	return e, nil
}
