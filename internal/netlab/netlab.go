// Package netlab builds a throw-away network lab out of Linux network namespaces, so tests can prove that a
// generated nftables ruleset lets every required flow through a router and drops the forbidden ones.
//
// Topology: one router namespace with one bridge per Zone (the bridge carries the name Zone.Iface, so a
// ruleset's iifname/oifname match it), and one namespace per Host, attached to its zone's bridge by a veth
// pair. Every bridge and every host uses the link-local gateway 169.254.0.1, so no design address is taken
// by the lab itself; host addresses are /32s and the router has a /32 route per host address. Hosts of the
// same zone reach each other directly over the bridge (as on a real LAN segment, without the router's
// forward hook); traffic between zones is routed, NATed and filtered by the router.
//
// Listeners and probers are the test binary itself, re-executed inside a namespace: a test package that
// uses the lab must call RunHelper first thing in its TestMain.
package netlab

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"time"
)

// Zone is one leg of the router: every host of the zone is attached to it, and the router's interface for
// the zone carries the name Iface (an nft ruleset may match it with iifname/oifname). Iface: 1-15 chars,
// [a-z0-9_.-].
type Zone struct{ Name, Iface string }

// Host is a machine in a zone. Every address is assigned to the host; the router routes each address (/32,
// IPv4 only) to the zone's interface. TCP ports get listeners that accept and immediately close after
// writing nothing (a successful TCP handshake is the proof); UDP ports get an echo server (replies with the
// datagram, from the address it was sent to). A host's probes leave from its first address.
type Host struct {
	Name  string
	Zone  string
	Addrs []netip.Addr
	TCP   []int
	UDP   []int
}

// Spec describes a lab.
type Spec struct {
	Zones []Zone
	Hosts []Host
}

// Probe is one connection attempt from a host to an address.
type Probe struct {
	From  string // host name
	To    netip.Addr
	Proto string // "tcp" or "udp"
	Port  int
}

// Result is the outcome of a Probe.
type Result struct {
	Probe
	OK      bool          // TCP: handshake completed; UDP: echo received
	Detail  string        // "connected", "timeout", "refused", "unreachable", or the error text
	Elapsed time.Duration // from the first packet sent to the outcome
}

// Detail values. "refused" is a TCP RST or an ICMP port unreachable (nft `reject` without arguments gives
// the latter); "unreachable" is any other ICMP destination unreachable (no route on the router,
// `reject with icmpx admin-prohibited`, ...); "timeout" is silence, i.e. a drop somewhere.
const (
	DetailConnected   = "connected"
	DetailTimeout     = "timeout"
	DetailRefused     = "refused"
	DetailUnreachable = "unreachable"
)

const (
	// envRole tells a re-executed test binary which helper job to do (roleListen or roleProbe).
	envRole = "IBCMC_NETLAB_ROLE"
	// envLab carries the lab's namespace prefix to its helpers; it only labels them (ps, /proc/PID/environ).
	envLab     = "IBCMC_NETLAB_LAB"
	roleListen = "listen"
	roleProbe  = "probe"

	// gateway is the router's address on every bridge: link-local, so it can never collide with a design
	// address, and the same on every zone so hosts need no per-zone configuration.
	gateway = "169.254.0.1"

	// probeParallelism bounds the concurrent probes of one source host (sockets, ephemeral ports, and the
	// router's conntrack table are finite; 64 keeps a big batch fast without a burst of thousands).
	probeParallelism = 64
)

var gatewayAddr = netip.MustParseAddr(gateway)

// model is the validated, normalized form of a Spec.
type model struct {
	zones  []Zone
	hosts  []labHost
	byName map[string]int // host name -> index in hosts
}

type labHost struct {
	Host
	zone     Zone
	addrs    []netip.Addr // IPv4, unmapped
	tcp, udp []int        // sorted, deduplicated
}

// compile validates spec and returns its normalized form. Everything that can be checked without touching
// the system is checked here, so a bad spec fails before any namespace exists.
func compile(spec Spec) (*model, error) {
	m := &model{byName: map[string]int{}}
	zones := map[string]Zone{}
	ifaces := map[string]string{}
	for _, z := range spec.Zones {
		if z.Name == "" {
			return nil, fmt.Errorf("zone with interface %q has no name", z.Iface)
		}
		if _, dup := zones[z.Name]; dup {
			return nil, fmt.Errorf("zone %q defined twice", z.Name)
		}
		if err := checkIface(z.Iface); err != nil {
			return nil, fmt.Errorf("zone %q: %w", z.Name, err)
		}
		if other, dup := ifaces[z.Iface]; dup {
			return nil, fmt.Errorf("zones %q and %q share interface %q", other, z.Name, z.Iface)
		}
		zones[z.Name] = z
		ifaces[z.Iface] = z.Name
		m.zones = append(m.zones, z)
	}
	owner := map[netip.Addr]string{}
	for _, h := range spec.Hosts {
		if h.Name == "" {
			return nil, errors.New("host without a name")
		}
		if _, dup := m.byName[h.Name]; dup {
			return nil, fmt.Errorf("host %q defined twice", h.Name)
		}
		z, ok := zones[h.Zone]
		if !ok {
			return nil, fmt.Errorf("host %q: unknown zone %q", h.Name, h.Zone)
		}
		if len(h.Addrs) == 0 {
			return nil, fmt.Errorf("host %q has no address", h.Name)
		}
		lh := labHost{Host: h, zone: z}
		for _, a := range h.Addrs {
			a, err := hostAddr(a)
			if err != nil {
				return nil, fmt.Errorf("host %q: %w", h.Name, err)
			}
			if other, dup := owner[a]; dup {
				return nil, fmt.Errorf("address %s is on both host %q and host %q", a, other, h.Name)
			}
			owner[a] = h.Name
			lh.addrs = append(lh.addrs, a)
		}
		var err error
		if lh.tcp, err = ports(h.TCP); err != nil {
			return nil, fmt.Errorf("host %q: TCP %w", h.Name, err)
		}
		if lh.udp, err = ports(h.UDP); err != nil {
			return nil, fmt.Errorf("host %q: UDP %w", h.Name, err)
		}
		m.byName[h.Name] = len(m.hosts)
		m.hosts = append(m.hosts, lh)
	}
	return m, nil
}

// checkIface enforces a conservative subset of what the kernel accepts as an interface name, minus names
// the lab or the kernel reserve ("lo" exists in every namespace; "all" and "default" are sysctl
// directories). Lab-internal interfaces use upper-case names, so they can never collide with a zone's.
func checkIface(name string) error {
	if len(name) < 1 || len(name) > 15 {
		return fmt.Errorf("interface name %q: want 1-15 characters", name)
	}
	for _, c := range name {
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '_' || c == '.' || c == '-') {
			return fmt.Errorf("interface name %q: want only [a-z0-9_.-]", name)
		}
	}
	switch name {
	case "lo", ".", "..", "all", "default":
		return fmt.Errorf("interface name %q is reserved", name)
	}
	return nil
}

// hostAddr checks that a can be a host's unicast IPv4 address and returns it unmapped.
func hostAddr(a netip.Addr) (netip.Addr, error) {
	a, err := ipv4(a)
	if err != nil {
		return a, err
	}
	switch {
	case a.IsUnspecified(), a.IsLoopback(), a.IsMulticast(), a == netip.AddrFrom4([4]byte{255, 255, 255, 255}):
		return a, fmt.Errorf("address %s is not a unicast host address", a)
	case a == gatewayAddr:
		return a, fmt.Errorf("address %s is the lab's gateway address", a)
	}
	return a, nil
}

func ipv4(a netip.Addr) (netip.Addr, error) {
	if !a.IsValid() {
		return a, errors.New("invalid (zero) address")
	}
	a = a.Unmap()
	if !a.Is4() {
		return a, fmt.Errorf("address %s is IPv6; netlab supports IPv4 only", a)
	}
	return a, nil
}

func ports(in []int) ([]int, error) {
	out := slices.Clone(in)
	for _, p := range out {
		if p < 1 || p > 65535 {
			return nil, fmt.Errorf("port %d out of range 1-65535", p)
		}
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// checkProbe validates p against the lab and returns the index of its source host and its normalized
// destination.
func (m *model) checkProbe(p Probe) (int, netip.Addr, error) {
	h, ok := m.byName[p.From]
	if !ok {
		return 0, netip.Addr{}, fmt.Errorf("unknown host %q", p.From)
	}
	if p.Proto != "tcp" && p.Proto != "udp" {
		return 0, netip.Addr{}, fmt.Errorf("protocol %q: want tcp or udp", p.Proto)
	}
	if p.Port < 1 || p.Port > 65535 {
		return 0, netip.Addr{}, fmt.Errorf("port %d out of range 1-65535", p.Port)
	}
	to, err := ipv4(p.To)
	if err != nil {
		return 0, netip.Addr{}, err
	}
	return h, to, nil
}

// Wire formats between the lab and its helpers (JSON on the helper's stdin and stdout).

type sysctl struct {
	Path  string `json:"path"` // under /proc/sys
	Value string `json:"value"`
	// Optional settings are skipped when the kernel lacks them (IPv6 disabled, br_netfilter not loaded).
	Optional bool `json:"optional,omitempty"`
}

type listenArgs struct {
	Sysctls []sysctl `json:"sysctls"`
	TCP     []int    `json:"tcp"`
	UDP     []int    `json:"udp"`
}

type probeArgs struct {
	Timeout time.Duration `json:"timeout"`
	Probes  []probeSpec   `json:"probes"`
}

type probeSpec struct {
	Proto string     `json:"proto"`
	To    netip.Addr `json:"to"`
	Port  int        `json:"port"`
}

type probeOutcome struct {
	OK      bool          `json:"ok"`
	Detail  string        `json:"detail"`
	Elapsed time.Duration `json:"elapsed"`
}
