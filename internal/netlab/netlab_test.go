package netlab

import (
	"net/netip"
	"os"
	"strings"
	"testing"
	"time"
)

func TestMain(m *testing.M) {
	RunHelper()
	os.Exit(m.Run())
}

// requireLab skips the test where the lab cannot run, or fails it under IBCMC_REQUIRE_TOOLS=1 (CI must
// never pass by skipping).
func requireLab(t *testing.T) {
	t.Helper()
	if ok, reason := Available(); !ok {
		if os.Getenv("IBCMC_REQUIRE_TOOLS") == "1" {
			t.Fatalf("%s (IBCMC_REQUIRE_TOOLS=1)", reason)
		}
		t.Skip(reason)
	}
}

func startLab(t *testing.T, spec Spec) *Lab {
	t.Helper()
	requireLab(t)
	start := time.Now()
	l, err := Start(spec)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("lab of %d hosts started in %v", len(spec.Hosts), time.Since(start).Round(time.Millisecond))
	t.Cleanup(func() {
		if err := l.Close(); err != nil {
			t.Error(err)
		}
	})
	return l
}

func addrs(s ...string) []netip.Addr {
	out := make([]netip.Addr, len(s))
	for i, a := range s {
		out[i] = netip.MustParseAddr(a)
	}
	return out
}

// TestSpecErrors checks that a bad spec fails with a clear error before anything is built (no root
// needed: compile touches nothing).
func TestSpecErrors(t *testing.T) {
	zones := []Zone{{Name: "lan", Iface: "lan0"}, {Name: "wan", Iface: "wan0"}}
	host := func(mod func(*Host)) Spec {
		h := Host{Name: "a", Zone: "lan", Addrs: addrs("10.0.0.1"), TCP: []int{80}}
		mod(&h)
		return Spec{Zones: zones, Hosts: []Host{h}}
	}
	for _, tc := range []struct {
		name string
		spec Spec
		want string
	}{
		{"ipv6", host(func(h *Host) { h.Addrs = addrs("2001:db8::1") }), "IPv6"},
		{"unknown zone", host(func(h *Host) { h.Zone = "dmz" }), `unknown zone "dmz"`},
		{"no address", host(func(h *Host) { h.Addrs = nil }), "no address"},
		{"gateway address", host(func(h *Host) { h.Addrs = addrs("169.254.0.1") }), "gateway"},
		{"loopback", host(func(h *Host) { h.Addrs = addrs("127.0.0.1") }), "not a unicast"},
		{"port 0", host(func(h *Host) { h.TCP = []int{0} }), "out of range"},
		{"udp port", host(func(h *Host) { h.UDP = []int{65536} }), "out of range"},
		{"iface too long", Spec{Zones: []Zone{{Name: "x", Iface: "abcdefghijklmnop"}}}, "1-15"},
		{"iface upper case", Spec{Zones: []Zone{{Name: "x", Iface: "Lan"}}}, "[a-z0-9_.-]"},
		{"iface lo", Spec{Zones: []Zone{{Name: "x", Iface: "lo"}}}, "reserved"},
		{"shared iface", Spec{Zones: []Zone{{Name: "x", Iface: "a"}, {Name: "y", Iface: "a"}}}, "share"},
		{"duplicate address", Spec{Zones: zones, Hosts: []Host{
			{Name: "a", Zone: "lan", Addrs: addrs("10.0.0.1")},
			{Name: "b", Zone: "wan", Addrs: addrs("10.0.0.1")},
		}}, "on both host"},
		{"duplicate host", Spec{Zones: zones, Hosts: []Host{
			{Name: "a", Zone: "lan", Addrs: addrs("10.0.0.1")},
			{Name: "a", Zone: "wan", Addrs: addrs("10.0.0.2")},
		}}, "defined twice"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := compile(tc.spec)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got error %v, want one containing %q", err, tc.want)
			}
		})
	}
	if _, err := compile(host(func(*Host) {})); err != nil {
		t.Fatalf("valid spec: %v", err)
	}
}
