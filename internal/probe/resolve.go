package probe

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"strings"
)

// Override is one --resolve: the address (and optionally another port) to use for a host, instead of what
// DNS answers. Port 0 applies to every port of the host.
type Override struct {
	Host       string
	Port       int
	Addr       string
	TargetPort int // 0: the same port
}

// ParseOverride reads HOST:ADDR, HOST:PORT:ADDR or HOST:PORT:ADDR:PORT (as curl's --resolve and
// --connect-to); an IPv6 address goes in brackets.
func ParseOverride(s string) (Override, error) {
	var parts []string
	for rest := s; ; {
		if strings.HasPrefix(rest, "[") {
			end := strings.Index(rest, "]")
			if end < 0 {
				return Override{}, fmt.Errorf("--resolve %q: unclosed [ in an IPv6 address", s)
			}
			parts = append(parts, rest[1:end])
			rest = rest[end+1:]
			if rest == "" {
				break
			}
			if rest[0] != ':' {
				return Override{}, fmt.Errorf("--resolve %q: expected : after ]", s)
			}
			rest = rest[1:]
			continue
		}
		field, after, more := strings.Cut(rest, ":")
		parts = append(parts, field)
		if !more {
			break
		}
		rest = after
	}
	bad := func(why string) (Override, error) {
		return Override{}, fmt.Errorf("--resolve %q: %s; write HOST:ADDR, HOST:PORT:ADDR or HOST:PORT:ADDR:PORT", s, why)
	}
	port := func(p string) (int, bool) {
		n, err := strconv.Atoi(p)
		return n, err == nil && n > 0 && n < 65536
	}
	var o Override
	switch len(parts) {
	case 2:
		o.Host, o.Addr = parts[0], parts[1]
	case 3, 4:
		o.Host, o.Addr = parts[0], parts[2]
		var ok bool
		if o.Port, ok = port(parts[1]); !ok {
			return bad(fmt.Sprintf("%q is not a port", parts[1]))
		}
		if len(parts) == 4 {
			if o.TargetPort, ok = port(parts[3]); !ok {
				return bad(fmt.Sprintf("%q is not a port", parts[3]))
			}
		}
	default:
		return bad("wrong number of fields")
	}
	if o.Host == "" {
		return bad("no host name")
	}
	ip := net.ParseIP(o.Addr)
	if ip == nil {
		return bad(fmt.Sprintf("%q is not an IP address", o.Addr))
	}
	o.Host, o.Addr = strings.ToLower(strings.TrimSuffix(o.Host, ".")), ip.String()
	return o, nil
}

// override finds the --resolve for a host and port: one naming the port wins over one for every port.
func (pr *prober) override(host string, port int) (Override, bool) {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	var any Override
	found := false
	for _, o := range pr.o.Resolve {
		if o.Host != host {
			continue
		}
		if o.Port == port {
			return o, true
		}
		if o.Port == 0 && !found {
			any, found = o, true
		}
	}
	return any, found
}

// lookup resolves a host as the client would, or as --resolve says; given reports a --resolve.
func (pr *prober) lookup(ctx context.Context, host string, port int) (addrs []string, given bool, err error) {
	if o, ok := pr.override(host, port); ok {
		return []string{o.Addr}, true, nil
	}
	if ip := net.ParseIP(host); ip != nil {
		return []string{ip.String()}, true, nil
	}
	ctx, cancel := context.WithTimeout(ctx, pr.o.Timeout)
	defer cancel()
	if pr.o.Lookup != nil {
		addrs, err = pr.o.Lookup(ctx, host)
	} else {
		addrs, err = net.DefaultResolver.LookupHost(ctx, host)
	}
	return addrs, false, err
}

// connectPort is the port to connect to for a host's port: the --resolve target port, or the port itself.
func (pr *prober) connectPort(host string, port int) int {
	if o, ok := pr.override(host, port); ok && o.TargetPort != 0 {
		return o.TargetPort
	}
	return port
}

// dialAny connects to host:port the way the client would, honoring --resolve (for CRL distribution
// points).
func (pr *prober) dialAny(ctx context.Context, network, hostport string) (net.Conn, error) {
	host, ps, err := net.SplitHostPort(hostport)
	if err != nil {
		return nil, err
	}
	port, err := strconv.Atoi(ps)
	if err != nil {
		return nil, err
	}
	addrs, _, err := pr.lookup(ctx, host, port)
	if err != nil {
		return nil, err
	}
	if len(addrs) == 0 {
		return nil, fmt.Errorf("%s has no address", host)
	}
	d := net.Dialer{Timeout: pr.o.Timeout}
	return d.DialContext(ctx, network, net.JoinHostPort(addrs[0], strconv.Itoa(pr.connectPort(host, port))))
}
