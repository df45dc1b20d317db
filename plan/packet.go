package plan

import (
	"net/netip"
	"slices"
)

// Packet is the first packet of a new connection: from one end to another, to a destination port, over one
// of the protocols. Return traffic is not asked about: a flow implies it.
type Packet struct {
	From, To  End
	Port      int
	Protocols []string // "tcp", "udp"; a flow of any of them may allow the packet
}

// Allowance is a flow that allows a packet, and how much of a FROM zone it allows.
type Allowance struct {
	Flow     *Flow
	Coverage Coverage // Whole, or Part when FROM is a zone only some of whose addresses the flow allows
}

// Allowed returns the flows that allow the packet, in the plan's order; none means the design's flows deny
// it. `ibcmc query` prints them, and the firewall lab uses it to tell which probes must pass.
func (p *Plan) Allowed(pk Packet) []Allowance {
	var out []Allowance
	for _, f := range p.Flows {
		if !slices.Contains(pk.Protocols, f.Protocol) || !inPorts(f.Ports, pk.Port) || !p.matchTo(f, pk.To) {
			continue
		}
		if cov := p.matchFrom(f, pk.From); cov != noMatch {
			out = append(out, Allowance{Flow: f, Coverage: cov})
		}
	}
	return out
}

func inPorts(rs []PortRange, port int) bool {
	for _, r := range rs {
		if r.Contains(port) {
			return true
		}
	}
	return false
}

// Coverage is how much of a FROM zone a flow allows.
type Coverage int

// Coverage values: a flow that allows the whole zone, one that allows part of it (noMatch: one that does
// not match, never in an Allowance).
const (
	noMatch Coverage = iota
	Whole
	Part
)

// matchFrom tells whether the flow's source is the query's FROM. An address matches a flow of its own zone
// whose source addresses contain it; a zone matches its flows, for the whole zone when their sources cover
// every range of the zone, for part of it otherwise; a name matches that flow end.
func (p *Plan) matchFrom(f *Flow, e End) Coverage {
	switch {
	case e.IP.IsValid():
		if f.FromZone == e.Zone && containsIP(f.FromAddresses, e.IP) {
			return Whole
		}
	case e.IsZone:
		if f.FromZone != e.Zone {
			return noMatch
		}
		if z := p.Zone(e.Zone); z != nil && len(z.CIDRs) > 0 && covers(f.FromAddresses, z.CIDRs) {
			return Whole
		}
		return Part
	case e.names[f.From]:
		return Whole
	}
	return noMatch
}

// matchTo tells whether the flow's destination is the query's TO. An address matches a publishing entry's
// public address, or a destination of its own zone whose addresses contain it.
func (p *Plan) matchTo(f *Flow, e End) bool {
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
