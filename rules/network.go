package rules

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/ibcmc/ibcmc/plan"
)

// Rules 217–220: addresses and zone ranges. Firewall rules and routes are built from them, so an address
// outside its zone, one address on two machines or two zones claiming one range produce rules that let the
// wrong traffic through or block the right traffic. No Microsoft page documents these checks: they are
// ibcmc's own, hence no source.

var networkRules = []*Rule{
	{
		Code: "IB217", Name: "address-outside-zone", Severities: "E",
		Summary: "a machine's address is outside every CIDR of its zone",
		Explain: `What: the address of a machine (a system, the site server, the site database server, a domain
controller, or a publishing entry's inside address) is not in any CIDR of the zone the design places
it in. IPv4 and IPv6 are compared as addresses, so an IPv4-mapped IPv6 address (::ffff:10.0.0.5) is
the IPv4 address it maps.
Why: ibcmc decides from the zones which firewall a flow crosses and writes the machine's address into
that firewall's rules. An address outside its zone puts the rules on the wrong firewall (or on none),
so the firewall that really sits in front of the machine blocks its traffic.
Fix: correct the address, set zone to the zone whose range holds it, or add the missing range to the
zone's cidrs.
Reading: only written addresses are checked. A zone with no CIDRs holds no address. A zone the design
does not define is left to IB211. One finding per address, at the address.`,
		Source: "",
		Check:  checkAddressOutsideZone,
	},
	{
		Code: "IB218", Name: "duplicate-address", Severities: "E",
		Summary: "two different machines have the same address",
		Explain: `What: two different machines of the design have the same address: systems, the site server, the
site database server, domain controllers and publishing entries (a proxy and a system it publishes
included). Addresses are compared as IP addresses, so 2001:db8::a and 2001:DB8:0::A are one address.
Why: an address identifies one host. Firewall rules for one machine would open the other, and a proxy
whose address is its backend's sends traffic back to itself.
Fix: give each machine its own address, or, if two entries describe one server, name it by the same
FQDN in both.
Reading: entries that share an FQDN (compared case-insensitively) are one machine: site.server and
site.database.server may be a systems entry's FQDN, and a domain controller may be the site server.
Each publishing entry is a proxy machine of its own, since ibcmc writes a configuration for each that
listens on the published ports: list all systems of one proxy in one entry. One finding per repeated
address, at the later entry (site server, database, domain controllers, systems, then publishing
entries, each by name).`,
		Source: "",
		Check:  checkDuplicateAddresses,
	},
	{
		Code: "IB219", Name: "overlapping-zones", Severities: "W",
		Summary: "two zones have overlapping CIDRs",
		Explain: `What: a CIDR of one zone overlaps a CIDR of another zone (IPv4 with IPv4, IPv6 with IPv6; an
IPv4-mapped IPv6 range counts as the IPv4 range it maps), including one range nested in the other.
Why: an address in both ranges belongs to two zones. ibcmc places it in the most specific one, but the
firewall rules written from the wider zone's ranges match it too, so a rule meant for one zone also
admits or blocks the other's hosts.
Fix: make the zones' ranges disjoint, for example by splitting the wider range around the narrower one.
Reading: the catch-all ranges 0.0.0.0/0 and ::/0 (the internet zone's default) mean "every other
address" and are not compared. One finding per pair of zones, at the first overlapping CIDR of the
later zone by name.`,
		Source: "",
		Check:  checkOverlappingZones,
	},
	{
		Code: "IB220", Name: "public-address-not-public", Severities: "W",
		Summary: "a publishing entry's public address is a private, shared, loopback or link-local address",
		Explain: `What: a publishing entry's public address is in a private range (10.0.0.0/8, 172.16.0.0/12,
192.168.0.0/16, or IPv6 unique local fc00::/7), the shared address space of carrier-grade NAT
(100.64.0.0/10), a loopback or link-local range, or the unspecified address.
Why: public is the address internet clients connect to, and the firewall translates it to the proxy.
Internet clients cannot route to these ranges, so the DNAT rules and the report point at an address
no client reaches.
Fix: set public to the address the internet reaches (the firewall's or router's public address), and
the proxy's inside address in address.
Reading: documentation ranges (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32) are
accepted, since example designs use them. A warning, not an error: a lab may publish to a private
network that stands in for the internet.`,
		Source: "",
		Check:  checkPublicAddresses,
	},
}

// parseAddr reads a design address as the host it names: an IPv4-mapped IPv6 address is its IPv4 address
// and an IPv6 zone is dropped, so that one host has one spelling. ok is false for a malformed address,
// which the schema reports (IB000).
func parseAddr(s string) (netip.Addr, bool) {
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Addr{}, false
	}
	return a.Unmap().WithZone(""), true
}

// parsePrefix reads a zone CIDR as the range it covers: host bits are masked off, and an IPv4-mapped
// IPv6 range (::ffff:0:0/96 and longer) is the IPv4 range it maps, so it compares with IPv4 addresses.
func parsePrefix(s string) (netip.Prefix, bool) {
	p, err := netip.ParsePrefix(s)
	if err != nil {
		return netip.Prefix{}, false
	}
	if a := p.Addr(); a.Is4In6() && p.Bits() >= 96 {
		p = netip.PrefixFrom(a.Unmap(), p.Bits()-96)
	}
	return p.Masked(), true
}

// machine is one address of the design and what the finding says about it.
type machine struct {
	what     string   // for messages: `system "mp1"`, `the site server "cm01.contoso.com"`
	path     string   // the address field
	zonePath string   // the zone field, for hints
	address  string   // as written
	zone     string   // zone name
	fqdns    []string // names that identify the machine across entries
	proxy    bool
}

// machines lists every written address, in the order findings are reported: the site server, the
// database, domain controllers, systems, publishing entries.
func machines(p *plan.Plan) []machine {
	var out []machine
	site := p.Site
	if site.Address != "" {
		out = append(out, machine{what: fmt.Sprintf("the site server %q", site.Server), path: "site.address", zonePath: "site.zone",
			address: site.Address, zone: site.Zone, fqdns: []string{site.Server}})
	}
	if db := site.Database; db.Address != "" {
		out = append(out, machine{what: fmt.Sprintf("the site database server %q", db.Server), path: "site.database.address", zonePath: "site.database.zone",
			address: db.Address, zone: db.Zone, fqdns: []string{db.Server}})
	}
	for _, dc := range p.DomainControllers {
		if dc.Address != "" {
			out = append(out, machine{what: fmt.Sprintf("domain controller %q", dc.FQDN), path: plan.Join(dc.Path, "address"), zonePath: plan.Join(dc.Path, "zone"),
				address: dc.Address, zone: dc.Zone, fqdns: []string{dc.FQDN}})
		}
	}
	for _, s := range p.Systems {
		if s.Address != "" {
			out = append(out, machine{what: fmt.Sprintf("system %q", s.Name), path: plan.Join(s.Path, "address"), zonePath: plan.Join(s.Path, "zone"),
				address: s.Address, zone: s.Zone, fqdns: s.FQDNs()})
		}
	}
	for _, x := range p.Publishing {
		if x.Address != "" {
			out = append(out, machine{what: fmt.Sprintf("publishing entry %q", x.Name), path: plan.Join(x.Path, "address"), zonePath: plan.Join(x.Path, "zone"),
				address: x.Address, zone: x.Zone, proxy: true})
		}
	}
	return out
}

func checkAddressOutsideZone(p *plan.Plan, r *Reporter) {
	for _, m := range machines(p) {
		z := p.Zone(m.zone)
		addr, ok := parseAddr(m.address)
		if z == nil || !ok {
			continue // an unknown zone is IB211's, a malformed address IB000's
		}
		inside := false
		for _, c := range z.CIDRs {
			if pfx, ok := parsePrefix(c); ok && pfx.Contains(addr) {
				inside = true
				break
			}
		}
		if inside {
			continue
		}
		cidrs := plan.Join(z.Path, "cidrs")
		if len(z.CIDRs) == 0 {
			r.Error(m.path, fmt.Sprintf("add the zone's address ranges to %s", cidrs),
				"address %s of %s is outside zone %q, which lists no CIDRs", m.address, m.what, z.Name)
			continue
		}
		hint := fmt.Sprintf("correct the address, or add its range to %s", cidrs)
		// Name the zone whose range holds the address, unless only the internet's catch-all does.
		if other := p.ZoneOf(addr); other != nil && other != z && other.Kind != plan.ZoneInternet {
			hint = fmt.Sprintf("set %s: %q if the machine is there, correct the address, or add its range to %s", m.zonePath, other.Name, cidrs)
		}
		r.Error(m.path, hint, "address %s of %s is outside zone %q (%s)", m.address, m.what, z.Name, strings.Join(z.CIDRs, ", "))
	}
}

func checkDuplicateAddresses(p *plan.Plan, r *Reporter) {
	ms := machines(p)
	// id[i] is the machine entry i belongs to: the first entry sharing one of its FQDNs, or itself.
	id := make([]int, len(ms))
	byName := map[string]int{}
	for i, m := range ms {
		id[i] = i
		for _, n := range m.fqdns {
			if j, ok := byName[strings.ToLower(n)]; ok {
				id[i] = id[j]
				break
			}
		}
		for _, n := range m.fqdns {
			if _, ok := byName[strings.ToLower(n)]; !ok {
				byName[strings.ToLower(n)] = i
			}
		}
	}
	first := map[netip.Addr]int{}
	for i, m := range ms {
		addr, ok := parseAddr(m.address)
		if !ok {
			continue
		}
		j, seen := first[addr]
		if !seen {
			first[addr] = i
			continue
		}
		if id[j] == id[i] {
			continue // one machine named twice, for example site.server and its systems entry
		}
		hint := "give each machine its own address, or, if both entries are one server, name it by the same FQDN in both"
		if m.proxy || ms[j].proxy {
			hint = "give the proxy an address of its own: a publishing entry is a separate machine, in front of the systems it publishes"
		}
		r.Error(m.path, hint, "address %s of %s is also the address of %s (%s)", m.address, m.what, ms[j].what, ms[j].path)
	}
}

func checkOverlappingZones(p *plan.Plan, r *Reporter) {
	type zoneRange struct {
		cidr string
		pfx  netip.Prefix
		path string
	}
	ranges := make([][]zoneRange, len(p.Zones))
	for i, z := range p.Zones {
		for k, c := range z.CIDRs {
			pfx, ok := parsePrefix(c)
			if !ok || pfx.Bits() == 0 {
				continue // the catch-all means "every other address", not a range that competes
			}
			ranges[i] = append(ranges[i], zoneRange{c, pfx, plan.Index(plan.Join(z.Path, "cidrs"), k)})
		}
	}
	for j := range p.Zones {
	pairs:
		for i := 0; i < j; i++ {
			for _, b := range ranges[j] {
				for _, a := range ranges[i] {
					if !a.pfx.Overlaps(b.pfx) {
						continue
					}
					r.Warn(b.path, "make the zones' ranges disjoint, for example by splitting the wider range around the narrower one",
						"CIDR %s of zone %q overlaps %s of zone %q: an address in both belongs to two zones, and firewall rules written for one match the other", b.cidr, p.Zones[j].Name, a.cidr, p.Zones[i].Name)
					continue pairs
				}
			}
		}
	}
}

// sharedAddressSpace is the carrier-grade NAT range (RFC 6598), not routable on the internet.
var sharedAddressSpace = netip.MustParsePrefix("100.64.0.0/10")

// nonPublicKind names why an address cannot be reached from the internet, or "" when it can.
func nonPublicKind(a netip.Addr) string {
	switch {
	case a.IsUnspecified():
		return "the unspecified address"
	case a.IsLoopback():
		return "a loopback address"
	case a.IsLinkLocalUnicast():
		return "a link-local address"
	case a.IsPrivate() && a.Is4():
		return "a private (RFC 1918) address"
	case a.IsPrivate():
		return "a unique local (private) IPv6 address"
	case sharedAddressSpace.Contains(a):
		return "a carrier-grade NAT (RFC 6598) address"
	}
	return ""
}

func checkPublicAddresses(p *plan.Plan, r *Reporter) {
	for _, x := range p.Publishing {
		addr, ok := parseAddr(x.Public)
		if x.Public == "" || !ok {
			continue
		}
		if kind := nonPublicKind(addr); kind != "" {
			r.Warn(plan.Join(x.Path, "public"), "set public to the address internet clients connect to (the firewall's or router's public address); the proxy's inside address goes in address",
				"public address %s of publishing entry %q is %s, which internet clients cannot reach", x.Public, x.Name, kind)
		}
	}
}
