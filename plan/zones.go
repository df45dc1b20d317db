package plan

import "net/netip"

// ZoneOf returns the zone an address belongs to: the most specific zone whose CIDRs contain it (the longest
// matching prefix; between equal prefixes of overlapping zones, the first zone by name). Nil when no zone
// contains it.
func (p *Plan) ZoneOf(addr netip.Addr) *Zone {
	addr = addr.Unmap().WithZone("")
	var best *Zone
	bits := -1
	for _, z := range p.Zones {
		for _, c := range z.CIDRs {
			pfx, err := netip.ParsePrefix(c)
			if err != nil {
				continue
			}
			if pfx.Masked().Contains(addr) && pfx.Bits() > bits {
				best, bits = z, pfx.Bits()
			}
		}
	}
	return best
}

// InternetZone is the zone of the internet: the one named "internet" (the compiler adds it unless the design
// writes it), or else the first zone of kind internet.
func (p *Plan) InternetZone() string {
	if z := p.Zone("internet"); z != nil && z.Kind == ZoneInternet {
		return z.Name
	}
	for _, z := range p.Zones {
		if z.Kind == ZoneInternet {
			return z.Name
		}
	}
	return "internet"
}
