// Package fwlab turns a compiled design and its emitted nftables rulesets into a network lab (package
// netlab) and the probes that prove the rulesets: every flow connects end to end, and a fixed set of
// forbidden packets is dropped. One router namespace stands for every network firewall of the design: the
// rulesets of a design without a firewalls section are address-scoped and meant to coexist on one machine;
// a declared firewall's interfaces name the router's zone legs.
package fwlab

import (
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/ibcmc/ibcmc/internal/netlab"
	"github.com/ibcmc/ibcmc/plan"
)

// Lab is the topology and probes of one design.
type Lab struct {
	Spec netlab.Spec
	// Required are the probes every flow must pass, with the flow they prove.
	Required []Expectation
	// Forbidden are probes no flow allows; each must be dropped (time out) by the rulesets.
	Forbidden []Expectation
	hosts     map[string]*netlab.Host // by flow end key "name@zone"
}

// Expectation is a probe and why it is expected.
type Expectation struct {
	netlab.Probe
	Why string // a flow ID, or a description of the forbidden packet
}

// AdminHostA and AdminHostB are two internet hosts of every lab whose traffic belongs to no flow: it must
// pass every ibcmc table, and an unrelated admin table may filter it.
const (
	AdminHostA = "admin-a"
	AdminHostB = "admin-b"
)

// adminZone is the router leg of AdminHostB.
const adminZone = "lab-admin"

// AdminPortOpen and AdminPortDropped are the ports of the admin hosts: the unrelated table drops the second.
const (
	AdminPortOpen    = 7
	AdminPortDropped = 9
)

// Forbidden ports: what the internet must never reach on any machine (SMB, RPC, SQL Server, RDP), and ports
// no flow of the examples names, probed across zone boundaries.
var (
	internetForbidden  = []int{445, 135, 1433, 3389}
	perimeterForbidden = []int{445, 3389, 8080}
	outboundForbidden  = []int{25, 8443}
)

// Build lays out the lab of a plan: one host per flow end, at its own address, or at a free address of its
// zone when the design gives a range; a publishing entry also holds its public address unless a firewall
// translates it.
func Build(p *plan.Plan) (*Lab, error) {
	l := &Lab{hosts: map[string]*netlab.Host{}}
	ifaces := zoneIfaces(p)
	for _, z := range p.Zones {
		l.Spec.Zones = append(l.Spec.Zones, netlab.Zone{Name: z.Name, Iface: ifaces[z.Name]})
	}
	used := map[netip.Addr]bool{}
	for _, a := range designAddrs(p) {
		used[a] = true
	}
	dnat := false
	for _, fw := range p.Firewalls {
		dnat = dnat || fw.DNAT
	}
	alloc := func(zone string) (netip.Addr, error) { return freeAddr(p, zone, used) }

	byAddr := map[netip.Addr]*netlab.Host{}
	host := func(name, zone string, addrs []string) (*netlab.Host, error) {
		key := name + "@" + zone
		if h := l.hosts[key]; h != nil {
			return h, nil
		}
		// One machine is one host, whatever flow end names it: a group end (a zone's distribution points) is
		// probed from the host of one of its machines.
		hostAddrs := machineAddrs(addrs)
		for _, ip := range hostAddrs {
			if h := byAddr[ip]; h != nil {
				l.hosts[key] = h
				return h, nil
			}
		}
		h := &netlab.Host{Name: hostName(len(l.hosts)), Zone: zone}
		if len(hostAddrs) > 0 {
			h.Addrs = []netip.Addr{hostAddrs[0]}
		} else {
			ip, err := alloc(zone)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
			h.Addrs = []netip.Addr{ip}
		}
		used[h.Addrs[0]] = true
		byAddr[h.Addrs[0]] = h
		l.hosts[key] = h
		return h, nil
	}
	for _, f := range p.Flows {
		from, err := host(f.From, f.FromZone, f.FromAddresses)
		if err != nil {
			return nil, err
		}
		to, err := host(f.To, f.ToZone, f.ToAddresses)
		if err != nil {
			return nil, err
		}
		dst := to.Addrs[0]
		if len(f.ToPublic) > 0 {
			pub, err := netip.ParseAddr(f.ToPublic[0])
			if err != nil {
				return nil, err
			}
			if !dnat && !slices.Contains(to.Addrs, pub) {
				to.Addrs = append(to.Addrs, pub) // the proxy holds its public address (or a NAT upstream of the lab gives it)
			}
			dst = pub
		}
		for _, r := range f.Ports {
			for _, port := range uniq(r.From, r.To) {
				listen(to, f.Protocol, port)
				l.Required = append(l.Required, Expectation{netlab.Probe{From: from.Name, To: dst, Proto: f.Protocol, Port: port}, f.ID})
			}
		}
	}
	// Two hosts whose traffic belongs to no flow: one on the internet, one on a leg of the router that is no
	// zone of the design (an internet address by the design's CIDRs), so their packets cross the router.
	l.Spec.Zones = append(l.Spec.Zones, netlab.Zone{Name: adminZone, Iface: "labadm0"})
	for _, name := range []string{AdminHostA, AdminHostB} {
		ip, err := alloc(p.InternetZone())
		if err != nil {
			return nil, err
		}
		used[ip] = true
		zone := p.InternetZone()
		if name == AdminHostB {
			zone = adminZone
		}
		l.hosts[name] = &netlab.Host{Name: name, Zone: zone, Addrs: []netip.Addr{ip}, TCP: []int{AdminPortOpen, AdminPortDropped}}
	}
	l.forbidden(p)
	for _, k := range l.hostKeys() {
		h := l.hosts[k]
		slices.Sort(h.TCP)
		h.TCP = slices.Compact(h.TCP)
		slices.Sort(h.UDP)
		h.UDP = slices.Compact(h.UDP)
		l.Spec.Hosts = append(l.Spec.Hosts, *h)
	}
	return l, nil
}

// hostKeys lists each lab host once, under its first key in sorted order: one machine can be named by
// several flow ends.
func (l *Lab) hostKeys() []string {
	seen := map[*netlab.Host]bool{}
	var out []string
	for _, k := range slices.Sorted(maps.Keys(l.hosts)) {
		if h := l.hosts[k]; !seen[h] {
			seen[h] = true
			out = append(out, k)
		}
	}
	return out
}

// AdminProbes are the unrelated table's probes: admin-a to admin-b on the open port (must connect) and on
// the port the admin table drops (must time out).
func (l *Lab) AdminProbes() (open, dropped netlab.Probe) {
	b := l.hosts[AdminHostB].Addrs[0]
	return netlab.Probe{From: AdminHostA, To: b, Proto: "tcp", Port: AdminPortOpen},
		netlab.Probe{From: AdminHostA, To: b, Proto: "tcp", Port: AdminPortDropped}
}

// forbidden adds the packets that must be dropped, each only when no flow of the design allows it: from the
// internet to every machine on SMB, RPC, SQL Server and RDP; from the perimeter into the intranet on ports
// no flow names; from the intranet to the internet except the documented flows.
func (l *Lab) forbidden(p *plan.Plan) {
	internet := p.InternetZone()
	var any *netlab.Host
	for k, h := range l.hosts {
		if strings.HasPrefix(k, "any@") {
			any = h
		}
	}
	if any == nil {
		ip, err := freeAddr(p, internet, l.usedAddrs())
		if err != nil {
			return
		}
		any = &netlab.Host{Name: hostName(len(l.hosts)), Zone: internet, Addrs: []netip.Addr{ip}}
		l.hosts["any@"+internet] = any
	}
	add := func(from *netlab.Host, to *netlab.Host, dst netip.Addr, port int, why string) {
		if allowed(p, from, dst, port) {
			return
		}
		listen(to, "tcp", port) // something answers, so only a drop can stop the probe
		l.Forbidden = append(l.Forbidden, Expectation{netlab.Probe{From: from.Name, To: dst, Proto: "tcp", Port: port}, why})
	}
	for _, k := range l.hostKeys() {
		h := l.hosts[k]
		zone := p.Zone(h.Zone)
		if zone == nil || h == any || k == AdminHostA || k == AdminHostB {
			continue
		}
		if zone.Kind != plan.ZoneInternet {
			for _, dst := range h.Addrs {
				for _, port := range internetForbidden {
					add(any, h, dst, port, "internet to "+k+" on "+strconv.Itoa(port))
				}
			}
		}
		if zone.Kind != plan.ZoneIntranet {
			continue
		}
		for _, k2 := range l.hostKeys() {
			from := l.hosts[k2]
			if z := p.Zone(from.Zone); z != nil && z.Kind == plan.ZonePerimeter {
				for _, port := range perimeterForbidden {
					add(from, h, h.Addrs[0], port, k2+" to "+k+" on "+strconv.Itoa(port))
				}
			}
		}
		for _, port := range outboundForbidden {
			add(h, any, any.Addrs[0], port, k+" to the internet on "+strconv.Itoa(port))
		}
	}
}

// allowed asks the plan, as `ibcmc query` does, whether a flow allows a new TCP connection.
func allowed(p *plan.Plan, from *netlab.Host, dst netip.Addr, port int) bool {
	src, err := p.ResolveEnd(from.Addrs[0].String())
	if err != nil {
		return false
	}
	to, err := p.ResolveEnd(dst.String())
	if err != nil {
		return false
	}
	return len(p.Allowed(plan.Packet{From: src, To: to, Port: port, Protocols: []string{"tcp"}})) > 0
}

func (l *Lab) usedAddrs() map[netip.Addr]bool {
	m := map[netip.Addr]bool{}
	for _, h := range l.hosts {
		for _, a := range h.Addrs {
			m[a] = true
		}
	}
	return m
}

func listen(h *netlab.Host, proto string, port int) {
	if proto == "udp" {
		h.UDP = append(h.UDP, port)
	} else {
		h.TCP = append(h.TCP, port)
	}
}

func uniq(a, b int) []int {
	if a == b {
		return []int{a}
	}
	return []int{a, b}
}

func hostName(n int) string { return "h" + strconv.Itoa(n) }

// machineAddrs are the IPv4 host addresses of a flow end (the lab is IPv4; ranges are not machines).
func machineAddrs(addrs []string) []netip.Addr {
	var out []netip.Addr
	for _, a := range addrs {
		if ip, err := netip.ParseAddr(a); err == nil && ip.Is4() {
			out = append(out, ip)
		}
	}
	return out
}

// zoneIfaces names the router's leg of each zone: the interface of the design's one declared nftables
// firewall where it has one, otherwise z0, z1… in zone order.
func zoneIfaces(p *plan.Plan) map[string]string {
	out := map[string]string{}
	for i, z := range p.Zones {
		out[z.Name] = "z" + strconv.Itoa(i)
	}
	for _, fw := range p.Firewalls {
		if fw.Declared && fw.Product == plan.FirewallNftables {
			for _, i := range fw.Interfaces {
				out[i.Zone] = i.Name
			}
		}
	}
	return out
}

// designAddrs are the addresses the design gives machines, which the lab never hands out again.
func designAddrs(p *plan.Plan) []netip.Addr {
	var out []netip.Addr
	for _, f := range p.Flows {
		for _, as := range [][]string{f.FromAddresses, f.ToAddresses, f.ToPublic} {
			out = append(out, machineAddrs(as)...)
		}
	}
	return out
}

// freeAddr finds an IPv4 address whose most specific zone is zone and that nothing uses: from the zone's
// own ranges, or for the internet zone from the documentation ranges.
func freeAddr(p *plan.Plan, zone string, used map[netip.Addr]bool) (netip.Addr, error) {
	var ranges []netip.Prefix
	z := p.Zone(zone)
	if z == nil {
		return netip.Addr{}, fmt.Errorf("no zone %q", zone)
	}
	for _, c := range z.CIDRs {
		if pfx, err := netip.ParsePrefix(c); err == nil && pfx.Addr().Is4() && pfx.Bits() > 0 {
			ranges = append(ranges, pfx.Masked())
		}
	}
	if len(ranges) == 0 {
		for _, c := range []string{"198.51.100.0/24", "203.0.113.0/24", "192.0.2.0/24"} {
			ranges = append(ranges, netip.MustParsePrefix(c))
		}
	}
	for _, r := range ranges {
		// Start a little into the range: .1 is often a router in designs.
		ip := r.Addr()
		for i := 0; i < 200; i++ {
			ip = ip.Next()
		}
		for ; r.Contains(ip); ip = ip.Next() {
			if zz := p.ZoneOf(ip); zz != nil && zz.Name == zone && !used[ip] && ip.IsValid() && !isBroadcast(r, ip) {
				return ip, nil
			}
		}
		for ip = r.Addr().Next(); r.Contains(ip); ip = ip.Next() {
			if zz := p.ZoneOf(ip); zz != nil && zz.Name == zone && !used[ip] && !isBroadcast(r, ip) {
				return ip, nil
			}
		}
	}
	return netip.Addr{}, fmt.Errorf("no free address in zone %s", zone)
}

func isBroadcast(r netip.Prefix, ip netip.Addr) bool {
	return r.Bits() < 31 && !r.Contains(ip.Next())
}
