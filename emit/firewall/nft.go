package firewall

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/ibcmc/ibcmc/emit"
	"github.com/ibcmc/ibcmc/internal/escape"
	"github.com/ibcmc/ibcmc/internal/textbuf"
	"github.com/ibcmc/ibcmc/plan"
)

// nftFiles writes one ruleset per nftables firewall of the plan, with the flows that pass it.
func nftFiles(p *plan.Plan, prov string) []emit.File {
	flows := map[string][]*plan.Flow{}
	for _, f := range p.Flows {
		for _, fw := range f.Firewalls {
			flows[fw] = append(flows[fw], f)
		}
	}
	z := newZoneSets(p)
	tables := tableNames(p)
	var files []emit.File
	for _, fw := range p.Firewalls {
		if fw.Product != plan.FirewallNftables {
			continue
		}
		files = append(files, emit.File{Path: nftPath(fw), Content: nftRuleset(p, z, prov, fw, tables[fw.Name], flows[fw.Name])})
	}
	return files
}

func nftPath(fw *plan.Firewall) string { return "firewall/nftables/" + fw.Name + ".nft" }

// tableNames gives each firewall its own table: "ibcmc_<site>_<firewall>" in the characters nft accepts in
// an unquoted name, so two sites' rulesets and the admin's own tables coexist on one machine. A firewall
// name that spells the same after the mapping gets a number.
func tableNames(p *plan.Plan) map[string]string {
	out := map[string]string{}
	used := map[string]bool{}
	for _, fw := range p.Firewalls {
		base := "ibcmc_" + identifier(p.Site.Code) + "_" + identifier(fw.Name)
		name := base
		for n := 2; used[name]; n++ {
			name = fmt.Sprintf("%s_%d", base, n)
		}
		used[name] = true
		out[fw.Name] = name
	}
	return out
}

// identifier keeps letters, digits and '_' (nft's unquoted identifiers), everything else becomes '_'.
func identifier(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x80 && (r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return r
		}
		return '_'
	}, s)
}

// bypassMark is the packet mark an admin's own rules set on traffic between the design's zones that they
// allow and the design does not name; the ruleset's drops leave it alone.
const bypassMark = "0x1bc"

// nftRuleset is the firewall's own table: a forward chain with policy accept that accepts return traffic
// and each flow's new connections, then drops what is left between each ordered pair of its zones; with
// DNAT, a prerouting chain that translates the publishing entries' public addresses. It reloads
// idempotently on nft 1.0.6, which has no "destroy": create the table if missing, delete it, define it
// again, all in one transaction that touches no other table.
func nftRuleset(p *plan.Plan, z *zoneSets, prov string, fw *plan.Firewall, table string, flows []*plan.Flow) []byte {
	var w textbuf.Blocks
	t := w.Start("\n")
	t.B = append(t.B, prov...)
	file := fw.Name + ".nft"
	where := "between zones " + strings.Join(fw.Zones, ", ")
	if fw.Declared {
		var ifs []string
		for _, i := range fw.Interfaces {
			ifs = append(ifs, i.Zone+" on "+i.Name)
		}
		where = "with interfaces " + strings.Join(ifs, ", ")
	}
	t.Comment("# ", "Site ", p.Site.Code, ": firewall ", fw.Name, " ", where, ".")
	t.Comment("# ", "Load it on that firewall as root, checking first:  nft -c -f ", file, " && nft -f ", file)
	t.Comment("# ", "It owns table inet ", table, " and replaces only that table on every load; other tables keep working.")
	t.Comment("# ", "It drops only connections between the design's zones that no flow allows; other forwarded traffic is left")
	t.Comment("# ", "to the firewall's other rules. To load it at boot, include it from /etc/nftables.conf.")
	t.Comment("# ", "To let other traffic between these zones through (web browsing from the intranet, say), set mark ", bypassMark)
	t.Comment("# ", "on it in a chain of your own that runs first (meta mark set ", bypassMark, ", at priority filter - 1).")
	if fw.Declared {
		t.Comment("# ", "Rules match the interfaces of the design's firewalls section and the flows' addresses.")
	} else {
		t.Comment("# ", "The design declares no firewalls: rules match addresses only, and internet means every address in no other zone.")
	}
	dnat := dnatRules(p, fw, flows)
	if len(dnat) > 0 {
		t.Comment("# ", "Its prerouting chain translates the public addresses of publishing entries to their inside addresses (dnat: true).")
	}
	t.Line("table inet ", table, " {}")
	t.Line("delete table inet ", table)
	t.Line("table inet ", table, " {")
	if len(dnat) > 0 {
		t.Line("\tchain prerouting {")
		t.Line("\t\ttype nat hook prerouting priority dstnat; policy accept;")
		for _, r := range dnat {
			t.Line("\t\t", r)
		}
		t.Line("\t}")
		t.Line()
	}
	t.Line("\tchain forward {")
	t.Line("\t\ttype filter hook forward priority filter; policy accept;")
	t.Line("\t\tct state established,related accept comment \"return traffic of accepted connections\"")
	t.Line("\t\tmeta mark ", bypassMark, " accept comment \"allowed by the firewall's own rules\"")
	for _, f := range flows {
		t.Line()
		rules, why := nftRules(z, fw, f)
		t.B = append(t.B, "\t\t"...)
		t.Comment("# ", f.ID, ": ", f.Purpose, " (required by ", strings.Join(f.RequiredBy, ", "), ")")
		if len(rules) == 0 {
			t.B = append(t.B, "\t\t"...)
			t.Comment("# ", "not opened: ", why)
		}
		for _, r := range rules {
			t.Line("\t\t", r)
		}
	}
	t.Line()
	t.Line("\t\t# Everything else between the design's zones through this firewall.")
	for _, a := range fw.Zones {
		for _, b := range fw.Zones {
			if a == b {
				continue
			}
			for _, r := range dropRules(z, fw, a, b) {
				t.Line("\t\t", r)
			}
		}
	}
	t.Line("\t}")
	t.Line("}")
	return w.End(&t)
}

// dnatRules translate, on a firewall that declares dnat, each public address a flow through it is sent to
// into the publishing entry's inside address, for the flow's ports only.
func dnatRules(p *plan.Plan, fw *plan.Firewall, flows []*plan.Flow) []string {
	if !fw.DNAT {
		return nil
	}
	var out []string
	for _, f := range flows {
		if len(f.ToPublic) == 0 {
			continue
		}
		inside, ok := singleAddr(f.ToAddresses)
		if !ok {
			out = append(out, "# "+escape.OneLine(f.ID)+": not translated: publishing entry "+escape.OneLine(f.To)+" has no inside address")
			continue
		}
		for _, pub := range f.ToPublic {
			ip, err := netip.ParseAddr(pub)
			if err != nil {
				continue
			}
			if ip.Is4() != inside.Is4() {
				out = append(out, "# "+escape.OneLine(f.ID)+": not translated: public address "+ip.String()+" and inside address "+
					inside.String()+" are of different address families (NAT64 is not written)")
				continue
			}
			kw := "ip"
			if !ip.Is4() {
				kw = "ip6"
			}
			var m []string
			if i := fw.Iface(f.FromZone); i != "" {
				m = append(m, "iifname "+escape.NFTString(i))
			}
			m = append(m, kw+" daddr "+ip.String(), f.Protocol+" dport "+portExpr(f), "dnat "+kw+" to "+inside.String(),
				"comment "+escape.NFTString(f.ID))
			out = append(out, strings.Join(m, " "))
		}
	}
	return out
}

func singleAddr(addrs []string) (netip.Addr, bool) {
	if len(addrs) != 1 {
		return netip.Addr{}, false
	}
	ip, err := netip.ParseAddr(addrs[0])
	return ip, err == nil
}

func portExpr(f *plan.Flow) string {
	s := plan.JoinPorts(f.Ports, ", ")
	if len(f.Ports) > 1 {
		s = "{ " + s + " }"
	}
	return s
}

// nftRules matches a flow once per address family its two ends share: the firewall's interfaces when it
// declares them, the source and destination addresses (an end that is the whole address space matches
// every address in no other zone of the design), protocol and destination ports, new connections only. A
// flow to a publishing entry's public address matches the address the packet has in the forward path: the
// inside address behind a firewall that translates it, both addresses otherwise. It never writes a rule
// that matches any source to any destination; why says why a flow produced no rule.
func nftRules(z *zoneSets, fw *plan.Firewall, f *plan.Flow) (rules []string, why string) {
	to := f.ToAddresses
	if len(f.ToPublic) > 0 && !fw.DNAT {
		to = append(append([]string(nil), f.ToAddresses...), f.ToPublic...)
	}
	src4, src6 := family(prefixes(f.FromAddresses))
	dst4, dst6 := family(prefixes(to))
	switch {
	case len(f.FromAddresses) == 0:
		return nil, fmt.Sprintf("the design gives no address for %s and zone %s has no cidrs", f.From, f.FromZone)
	case len(to) == 0:
		return nil, fmt.Sprintf("the design gives no address for %s and zone %s has no cidrs", f.To, f.ToZone)
	case f.Protocol != "tcp" && f.Protocol != "udp" || len(f.Ports) == 0:
		return nil, fmt.Sprintf("protocol %q with %d port range(s) is not a port match nft can write", f.Protocol, len(f.Ports))
	}
	iif, oif := fw.Iface(f.FromZone), fw.Iface(f.ToZone)
	why = f.From + " and " + f.To + " have no address family in common"
	for _, fam := range []struct {
		v6       bool
		src, dst []netip.Prefix
	}{{false, src4, dst4}, {true, src6, dst6}} {
		if len(fam.src) == 0 || len(fam.dst) == 0 {
			continue
		}
		var m []string
		if iif != "" {
			m = append(m, "iifname "+escape.NFTString(iif))
		}
		if oif != "" {
			m = append(m, "oifname "+escape.NFTString(oif))
		}
		// An interface says the zone only when no other zone shares it.
		src := z.match(fam.v6, "saddr", f.FromZone, fam.src, iif != "" && !fw.SharedIface(iif))
		dst := z.match(fam.v6, "daddr", f.ToZone, fam.dst, oif != "" && !fw.SharedIface(oif))
		if len(m) == 0 && len(src) == 0 && len(dst) == 0 {
			why = "it would match any source and any destination"
			continue
		}
		m = append(m, src...)
		m = append(m, dst...)
		m = append(m, f.Protocol+" dport "+portExpr(f), "ct state new accept comment "+escape.NFTString(f.ID))
		// Without address matches both families give the same rule; write it once.
		if r := strings.Join(m, " "); !slices.Contains(rules, r) {
			rules = append(rules, r)
		}
	}
	return rules, why
}

// dropRules drop what the flows left between zone a and zone b, per address family: by interface on a
// declared firewall (and by address too when two of its zones share an interface), by the zones' addresses
// otherwise.
func dropRules(z *zoneSets, fw *plan.Firewall, a, b string) []string {
	iif, oif := fw.Iface(a), fw.Iface(b)
	comment := "comment " + escape.NFTString(a+" to "+b+": no flow allows it")
	if iif != "" && oif != "" && !fw.SharedIface(iif) && !fw.SharedIface(oif) {
		return []string{"iifname " + escape.NFTString(iif) + " oifname " + escape.NFTString(oif) + " drop " + comment}
	}
	var out []string
	for _, v6 := range []bool{false, true} {
		src := z.zoneMatch(v6, "saddr", a)
		dst := z.zoneMatch(v6, "daddr", b)
		if src == nil || dst == nil {
			continue // a zone without addresses of this family
		}
		var m []string
		if iif != "" {
			m = append(m, "iifname "+escape.NFTString(iif))
		}
		if oif != "" {
			m = append(m, "oifname "+escape.NFTString(oif))
		}
		m = append(m, src...)
		m = append(m, dst...)
		if len(m) == 0 {
			continue // two zones that are both the whole address space: nothing to tell apart
		}
		out = append(out, strings.Join(append(m, "drop", comment), " "))
	}
	return out
}

// zoneSets knows each zone's prefixes by family and the more specific prefixes of other zones inside them,
// so that "zone X" can be matched exactly: an address belongs to the most specific zone that contains it.
type zoneSets struct {
	cidrs   map[string][]netip.Prefix
	exclude map[string][]netip.Prefix
}

func newZoneSets(p *plan.Plan) *zoneSets {
	z := &zoneSets{cidrs: map[string][]netip.Prefix{}, exclude: map[string][]netip.Prefix{}}
	cidrs := map[string][]string{}
	for _, zone := range p.Zones {
		cidrs[zone.Name] = zone.CIDRs
	}
	// A publishing entry's public address is where its zone starts for a firewall that does not translate
	// it: a packet to it is a packet into the proxy's zone (and so no longer "internet").
	for _, pub := range p.Publishing {
		if _, ok := cidrs[pub.Zone]; ok && pub.Public != "" {
			cidrs[pub.Zone] = append(slices.Clone(cidrs[pub.Zone]), pub.Public)
		}
	}
	for name, cs := range cidrs {
		z.cidrs[name] = prefixes(cs)
	}
	for _, zone := range p.Zones {
		var ex []string
		for _, other := range p.Zones {
			if other == zone {
				continue
			}
			for _, o := range z.cidrs[other.Name] {
				for _, c := range z.cidrs[zone.Name] {
					if o.Bits() > c.Bits() && c.Contains(o.Addr()) {
						ex = append(ex, o.String())
						break
					}
				}
			}
		}
		z.exclude[zone.Name] = prefixes(ex)
	}
	return z
}

// zoneMatch is the expressions that match exactly the zone's addresses of one family in field (saddr or
// daddr); nil when the zone has none of that family.
func (z *zoneSets) zoneMatch(v6 bool, field, zone string) []string {
	in4, in6 := family(z.cidrs[zone])
	ex4, ex6 := family(z.exclude[zone])
	in, ex, kw := in4, ex4, "ip"
	if v6 {
		in, ex, kw = in6, ex6, "ip6"
	}
	if len(in) == 0 {
		return nil
	}
	m := []string{}
	if !everything(in) {
		m = append(m, kw+" "+field+" "+nftSet(in))
	}
	if len(ex) > 0 {
		m = append(m, kw+" "+field+" != "+nftSet(ex))
	}
	return m
}

// match is the expressions for one end of a flow: its own addresses, or for an end that is the whole
// address space, the zone's addresses (nothing when an interface already says the zone).
func (z *zoneSets) match(v6 bool, field, zone string, ps []netip.Prefix, byIface bool) []string {
	kw := "ip"
	if v6 {
		kw = "ip6"
	}
	if !everything(ps) {
		return []string{kw + " " + field + " " + nftSet(ps)}
	}
	if byIface {
		return nil
	}
	return z.zoneMatch(v6, field, zone)
}

func nftSet(ps []netip.Prefix) string {
	if len(ps) == 1 {
		return spell(ps[0])
	}
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = spell(p)
	}
	return "{ " + strings.Join(out, ", ") + " }"
}
