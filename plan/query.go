package plan

import (
	"fmt"
	"net/netip"
	"strings"
)

// End is one side of a packet as `ibcmc query` names it: an IP address, a zone, or a named machine (a
// system by name or FQDN, a publishing entry, or another flow end such as "any", a domain controller or a
// CMG).
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

// Coverage is how much of a FROM zone a flow allows.
type Coverage int

// Coverage values: a flow that does not match, one that allows the whole zone, one that allows part of it.
const (
	NoMatch Coverage = iota
	Whole
	Part
)

// MatchFrom tells whether the flow's source is the query's FROM. An address matches a flow of its own zone
// whose source addresses contain it; a zone matches its flows, for the whole zone when their sources cover
// every range of the zone, for part of it otherwise; a name matches that flow end.
func (p *Plan) MatchFrom(f *Flow, e End) Coverage {
	switch {
	case e.IP.IsValid():
		if f.FromZone == e.Zone && containsIP(f.FromAddresses, e.IP) {
			return Whole
		}
	case e.IsZone:
		if f.FromZone != e.Zone {
			return NoMatch
		}
		if z := p.Zone(e.Zone); z != nil && len(z.CIDRs) > 0 && covers(f.FromAddresses, z.CIDRs) {
			return Whole
		}
		return Part
	case e.names[f.From]:
		return Whole
	}
	return NoMatch
}

// MatchTo tells whether the flow's destination is the query's TO. An address matches a publishing entry's
// public address, or a destination of its own zone whose addresses contain it.
func (p *Plan) MatchTo(f *Flow, e End) bool {
	switch {
	case e.IP.IsValid():
		return containsIP(f.ToPublic, e.IP) || f.ToZone == e.Zone && containsIP(f.ToAddresses, e.IP)
	case e.IsZone:
		return f.ToZone == e.Zone
	}
	return e.names[f.To]
}

func containsIP(addrs []string, ip netip.Addr) bool {
	for _, a := range addrs {
		if pfx, err := netip.ParsePrefix(a); err == nil {
			if pfx.Masked().Contains(ip) {
				return true
			}
		} else if x, err := netip.ParseAddr(a); err == nil && x.Unmap() == ip {
			return true
		}
	}
	return false
}

// covers reports whether every zone range lies inside one of the addresses.
func covers(addrs, zoneCIDRs []string) bool {
	for _, c := range zoneCIDRs {
		zc, err := netip.ParsePrefix(c)
		if err != nil {
			return false
		}
		zc = zc.Masked()
		ok := false
		for _, a := range addrs {
			if pfx, err := netip.ParsePrefix(a); err == nil && pfx.Bits() <= zc.Bits() && pfx.Masked().Contains(zc.Addr()) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}
