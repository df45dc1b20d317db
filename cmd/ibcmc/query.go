package main

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/ibcmc/ibcmc/plan"
)

type queryCmd struct {
	From string `arg:"" name:"from" help:"Where the packet comes from: a zone, a system, a publishing entry (proxy), another flow end (any, clients, azure, a CMG, a machine FQDN) or an IP address."`
	To   string `arg:"" name:"to" help:"Where the packet goes: the same kinds as FROM."`
	Port string `arg:"" name:"port" help:"Destination port, with /tcp or /udp (without one, both protocols are asked)."`
	inputArgs
}

func (c *queryCmd) Help() string {
	return "Answers whether the design's flows allow a new connection from FROM to TO on PORT, and names each flow " +
		"that does, its purpose and what requires it.\n\n" +
		"Exit status: 0 allowed, 1 denied (no flow allows it), 2 usage or I/O error, or a design with errors."
}

func (c *queryCmd) Run(e *env) error {
	port, protos, err := parsePortProto(c.Port)
	if err != nil {
		return &exitError{code: exitUsage, msg: err.Error()}
	}
	p, err := validPlan(e, c.Paths, exitUsage, "the design has errors; its flows are not final (ibcmc vet lists the errors)")
	if err != nil {
		return err
	}
	from, err := resolveFlowEnd(p, c.From)
	if err != nil {
		return &exitError{code: exitUsage, msg: "FROM: " + err.Error()}
	}
	to, err := resolveFlowEnd(p, c.To)
	if err != nil {
		return &exitError{code: exitUsage, msg: "TO: " + err.Error()}
	}
	allowed := false
	for _, f := range p.Flows {
		if !protos[f.Protocol] || !inPorts(f.Ports, port) ||
			!from(f.From, f.FromZone, f.FromAddresses) || !to(f.To, f.ToZone, f.ToAddresses) {
			continue
		}
		allowed = true
		fmt.Fprintf(e.stdout, "allowed by %s: %s (required by %s)\n", f.ID, f.Purpose, strings.Join(f.RequiredBy, ", "))
	}
	if !allowed {
		fmt.Fprintf(e.stdout, "denied: no flow from %s to %s on %s\n", c.From, c.To, spellPortProto(port, protos))
		return &exitError{code: exitInvalid}
	}
	return nil
}

// parsePortProto reads "443", "443/tcp" or "53/udp".
func parsePortProto(s string) (int, map[string]bool, error) {
	num, proto, hasProto := strings.Cut(s, "/")
	port, err := strconv.Atoi(num)
	if err != nil || port < 1 || port > 65535 {
		return 0, nil, fmt.Errorf("port %q: want a number from 1 to 65535, optionally with /tcp or /udp", s)
	}
	if !hasProto {
		return port, map[string]bool{"tcp": true, "udp": true}, nil
	}
	proto = strings.ToLower(proto)
	if proto != "tcp" && proto != "udp" {
		return 0, nil, fmt.Errorf("protocol %q: want tcp or udp", proto)
	}
	return port, map[string]bool{proto: true}, nil
}

func spellPortProto(port int, protos map[string]bool) string {
	if protos["tcp"] && protos["udp"] {
		return fmt.Sprintf("%d/tcp or %d/udp", port, port)
	}
	for p := range protos {
		return fmt.Sprintf("%d/%s", port, p)
	}
	return strconv.Itoa(port)
}

func inPorts(rs []plan.PortRange, port int) bool {
	for _, r := range rs {
		if r.Contains(port) {
			return true
		}
	}
	return false
}

// flowEndMatcher reports whether one end of a flow (its name, zone and addresses) is what the user named.
type flowEndMatcher func(name, zone string, addrs []string) bool

// resolveFlowEnd turns FROM or TO into a matcher: an IP address matches flow ends whose addresses or ranges
// contain it; a zone matches the flows of that zone; a name matches the flow ends of that system, proxy or
// peer (a system's FQDNs name it too). A word that is none of these is a usage error, so a typo is never
// answered "denied".
func resolveFlowEnd(p *plan.Plan, s string) (flowEndMatcher, error) {
	if ip, err := netip.ParseAddr(s); err == nil {
		ip = ip.Unmap().WithZone("")
		return func(_, _ string, addrs []string) bool { return containsIP(addrs, ip) }, nil
	}
	zone := p.Zone(s) != nil
	names := map[string]bool{}
	if p.System(s) != nil || p.PublishingEntry(s) != nil {
		names[s] = true
	}
	for _, sys := range p.Systems {
		if strings.EqualFold(sys.IntranetFQDN, s) || strings.EqualFold(sys.InternetFQDN, s) {
			names[sys.Name] = true
		}
	}
	for _, f := range p.Flows {
		if strings.EqualFold(f.From, s) {
			names[f.From] = true
		}
		if strings.EqualFold(f.To, s) {
			names[f.To] = true
		}
	}
	if !zone && len(names) == 0 {
		return nil, fmt.Errorf("%q is not a zone, system, publishing entry, flow end or IP address of the design", s)
	}
	return func(name, z string, _ []string) bool { return names[name] || (zone && z == s) }, nil
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
