package netlab

import (
	"bytes"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

const probeTimeout = 2 * time.Second

// expect is a probe and its expected Detail (OK is expected exactly when Detail is "connected").
type expect struct {
	Probe
	Detail string
}

func tcp(from, to string, port int, detail string) expect {
	return expect{Probe{From: from, To: netip.MustParseAddr(to), Proto: "tcp", Port: port}, detail}
}

func udp(from, to string, port int, detail string) expect {
	return expect{Probe{From: from, To: netip.MustParseAddr(to), Proto: "udp", Port: port}, detail}
}

// probe runs the probes and reports every result that differs from its expectation.
func probe(t *testing.T, l *Lab, step string, exps ...expect) {
	t.Helper()
	probes := make([]Probe, len(exps))
	for i, e := range exps {
		probes[i] = e.Probe
	}
	start := time.Now()
	res, err := l.Probe(probes, probeTimeout)
	if err != nil {
		t.Fatalf("%s: %v", step, err)
	}
	t.Logf("%s: %d probes in %v", step, len(probes), time.Since(start).Round(time.Millisecond))
	if len(res) != len(exps) {
		t.Fatalf("%s: %d results for %d probes", step, len(res), len(exps))
	}
	for i, r := range res {
		e := exps[i]
		if r.Probe != e.Probe || r.Detail != e.Detail || r.OK != (e.Detail == DetailConnected) {
			t.Errorf("%s: %s %s -> %v:%d: got OK=%v %q after %v, want %q",
				step, e.Proto, e.From, e.To, e.Port, r.OK, r.Detail, r.Elapsed, e.Detail)
		}
	}
}

func load(t *testing.T, l *Lab, ruleset string) {
	t.Helper()
	if err := l.Load([]byte(ruleset)); err != nil {
		t.Fatal(err)
	}
}

// twoZones: a in z1; b (two addresses) and c in z2. The ports include the low and dynamic-RPC ones real
// designs use.
var twoZones = Spec{
	Zones: []Zone{{Name: "one", Iface: "z1"}, {Name: "two", Iface: "z2"}},
	Hosts: []Host{
		{Name: "a", Zone: "one", Addrs: addrs("10.0.1.10"), TCP: []int{80, 445}, UDP: []int{53}},
		{Name: "b", Zone: "two", Addrs: addrs("10.0.2.10", "10.0.2.11"),
			TCP: []int{53, 88, 135, 389, 445, 1433, 3389, 49152, 65535}, UDP: []int{53, 88, 123}},
		{Name: "c", Zone: "two", Addrs: addrs("192.168.5.5"), TCP: []int{22}, UDP: []int{161}},
	},
}

func TestCrossZoneWithoutRuleset(t *testing.T) {
	t.Parallel()
	l := startLab(t, twoZones)
	var exps []expect
	for _, port := range twoZones.Hosts[1].TCP {
		exps = append(exps, tcp("a", "10.0.2.10", port, DetailConnected))
	}
	exps = append(exps,
		tcp("a", "10.0.2.11", 3389, DetailConnected), // second address
		udp("a", "10.0.2.10", 53, DetailConnected),
		udp("a", "10.0.2.11", 123, DetailConnected), // the echo must answer from the second address
		tcp("b", "10.0.1.10", 80, DetailConnected),
		udp("c", "10.0.1.10", 53, DetailConnected),
		tcp("b", "192.168.5.5", 22, DetailConnected), // same zone
		udp("c", "10.0.2.11", 88, DetailConnected),   // same zone
		tcp("a", "10.0.1.10", 80, DetailConnected),   // own address
		tcp("a", "10.0.2.10", 8080, DetailRefused),   // nobody listens: RST
		udp("a", "10.0.2.10", 5000, DetailRefused),   // nobody listens: ICMP port unreachable
		tcp("c", "10.0.1.10", 22, DetailRefused),
		tcp("a", "198.51.100.1", 80, DetailUnreachable), // no route on the router
		udp("a", "198.51.100.1", 53, DetailUnreachable),
	)
	probe(t, l, "no ruleset", exps...)
}

func TestRulesetDropsAndRejects(t *testing.T) {
	t.Parallel()
	l := startLab(t, twoZones)
	unaffected := []expect{
		tcp("a", "10.0.2.10", 49152, DetailConnected),
		udp("a", "10.0.2.10", 53, DetailConnected),
		tcp("b", "10.0.1.10", 445, DetailConnected), // the drop is z1 -> z2 only
		tcp("b", "192.168.5.5", 22, DetailConnected),
	}
	probe(t, l, "before", append([]expect{
		tcp("a", "10.0.2.10", 445, DetailConnected),
		tcp("a", "10.0.2.10", 3389, DetailConnected),
		udp("a", "10.0.2.11", 123, DetailConnected),
		tcp("a", "10.0.2.10", 1433, DetailConnected),
	}, unaffected...)...)

	load(t, l, `table inet t {
	chain f {
		type filter hook forward priority 0; policy accept;
		iifname "z1" oifname "z2" tcp dport 445 drop
		iifname "z1" oifname "z2" tcp dport 3389 reject with icmpx type admin-prohibited
		iifname "z1" oifname "z2" udp dport 123 reject
		iifname "z1" oifname "z2" tcp dport 1433 reject with tcp reset
	}
}
`)
	tables, err := l.Nft("list", "tables")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(tables, "table inet t") {
		t.Fatalf("nft list tables: %q, want table inet t", tables)
	}
	probe(t, l, "ruleset", append([]expect{
		tcp("a", "10.0.2.10", 445, DetailTimeout),
		tcp("a", "10.0.2.10", 3389, DetailUnreachable),
		udp("a", "10.0.2.11", 123, DetailRefused),
		tcp("a", "10.0.2.10", 1433, DetailRefused),
	}, unaffected...)...)

	// Policy drop: every routed flow times out, but hosts of one zone still talk over their bridge.
	load(t, l, `flush ruleset
table inet t {
	chain f {
		type filter hook forward priority 0; policy drop;
	}
}
`)
	probe(t, l, "policy drop",
		tcp("a", "10.0.2.10", 49152, DetailTimeout),
		udp("b", "10.0.1.10", 53, DetailTimeout),
		tcp("b", "192.168.5.5", 22, DetailConnected),
		udp("c", "10.0.2.11", 88, DetailConnected),
	)

	load(t, l, "flush ruleset\n")
	probe(t, l, "flushed", tcp("a", "10.0.2.10", 445, DetailConnected))

	err = l.Load([]byte("table inet t { chain f { bogus } }\n"))
	if err == nil || !strings.Contains(err.Error(), "Error:") || !strings.Contains(err.Error(), "bogus") {
		t.Errorf("loading an invalid ruleset: got error %v, want nft's message", err)
	}
}

func TestDNAT(t *testing.T) {
	t.Parallel()
	l := startLab(t, Spec{
		Zones: []Zone{{Name: "wan", Iface: "wan0"}, {Name: "dmz", Iface: "dmz0"}},
		Hosts: []Host{
			{Name: "web", Zone: "dmz", Addrs: addrs("10.1.0.10"), TCP: []int{443}, UDP: []int{53}},
			{Name: "client", Zone: "wan", Addrs: addrs("198.51.100.20")},
		},
	})
	probe(t, l, "before", tcp("client", "203.0.113.10", 443, DetailUnreachable))
	load(t, l, `table inet nat {
	chain pre {
		type nat hook prerouting priority dstnat; policy accept;
		ip daddr 203.0.113.10 tcp dport 443 dnat ip to 10.1.0.10
		ip daddr 203.0.113.10 udp dport 53 dnat ip to 10.1.0.10
	}
}
`)
	probe(t, l, "dnat",
		tcp("client", "203.0.113.10", 443, DetailConnected),
		udp("client", "203.0.113.10", 53, DetailConnected), // the reply is un-NATed by conntrack
		tcp("client", "203.0.113.10", 80, DetailUnreachable),
		tcp("client", "10.1.0.10", 443, DetailConnected),
	)
}

// labProcs returns the PIDs of live processes started for the lab with the given prefix: helpers carry
// it in their environment.
func labProcs(t *testing.T, prefix string) []int {
	t.Helper()
	want := []byte(envLab + "=" + prefix)
	envs, err := filepath.Glob("/proc/[0-9]*/environ")
	if err != nil {
		t.Fatal(err)
	}
	var pids []int
	for _, f := range envs {
		env, err := os.ReadFile(f)
		if err != nil {
			continue // exited meanwhile
		}
		for _, kv := range bytes.Split(env, []byte{0}) {
			if bytes.Equal(kv, want) {
				var pid int
				fmt.Sscanf(f, "/proc/%d/environ", &pid)
				pids = append(pids, pid)
			}
		}
	}
	return pids
}

func labNamespaces(t *testing.T, prefix string) []string {
	t.Helper()
	out, err := exec.Command("ip", "netns", "list").Output()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, line := range strings.Split(string(out), "\n") {
		if f := strings.Fields(line); len(f) > 0 && strings.HasPrefix(f[0], prefix) {
			names = append(names, f[0])
		}
	}
	return names
}

func TestCloseLeavesNothing(t *testing.T) {
	t.Parallel()
	requireLab(t)
	l, err := Start(twoZones)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	// The checks below must be able to fail: first see the namespaces and helpers they look for.
	if ns := labNamespaces(t, l.prefix); len(ns) != 1+len(twoZones.Hosts) {
		t.Fatalf("namespaces of the running lab: %v, want %d", ns, 1+len(twoZones.Hosts))
	}
	pids := labProcs(t, l.prefix)
	if len(pids) != len(twoZones.Hosts) { // one listener per host with ports; the router's has exited
		t.Fatalf("helpers of the running lab: %v, want %d", pids, len(twoZones.Hosts))
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if ns := labNamespaces(t, l.prefix); len(ns) > 0 {
		t.Errorf("namespaces left after Close: %v", ns)
	}
	if left := labProcs(t, l.prefix); len(left) > 0 {
		t.Errorf("processes left after Close: %v", left)
	}
	for _, pid := range pids {
		if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
			t.Errorf("helper %d still exists after Close (kill 0: %v)", pid, err)
		}
	}
	if err := l.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if err := (*Lab)(nil).Close(); err != nil {
		t.Errorf("Close of a nil lab: %v", err)
	}
	if _, err := l.Probe([]Probe{tcp("a", "10.0.2.10", 445, "").Probe}, time.Second); err == nil {
		t.Error("Probe after Close succeeded")
	}
}

// TestStartFailureTearsDown fails Start after each stage and checks that nothing of the lab survives.
// Not parallel: it sets the package's startHook.
func TestStartFailureTearsDown(t *testing.T) {
	requireLab(t)
	defer func() { startHook = nil }()
	for _, stage := range []string{"namespaces", "helpers", "router", "hosts"} {
		t.Run(stage, func(t *testing.T) {
			var prefix string
			var pids []int
			startHook = func(s string, l *Lab) error {
				if s != stage {
					return nil
				}
				prefix = l.prefix
				if ns := labNamespaces(t, prefix); len(ns) != 1+len(twoZones.Hosts) {
					t.Errorf("namespaces at stage %s: %v", s, ns)
				}
				pids = labProcs(t, prefix)
				return errors.New("injected failure")
			}
			l, err := Start(twoZones)
			if err == nil {
				l.Close()
				t.Fatal("Start succeeded despite the injected failure")
			}
			if !strings.Contains(err.Error(), "injected failure") {
				t.Errorf("error %v does not carry the cause", err)
			}
			if prefix == "" {
				t.Fatal("hook not called")
			}
			if stage != "namespaces" && len(pids) == 0 {
				t.Errorf("no helper running at stage %s", stage)
			}
			if ns := labNamespaces(t, prefix); len(ns) > 0 {
				t.Errorf("namespaces left: %v", ns)
			}
			if left := labProcs(t, prefix); len(left) > 0 {
				t.Errorf("processes left: %v", left)
			}
		})
	}
}

func TestDeadListenerIsReported(t *testing.T) {
	t.Parallel()
	l := startLab(t, twoZones)
	l.mu.Lock()
	var victim *proc
	for p, host := range l.listeners {
		if host == "b" {
			victim = p
		}
	}
	l.mu.Unlock()
	if victim == nil {
		t.Fatal("no listener for host b")
	}
	victim.cmd.Process.Kill()
	<-victim.done
	_, err := l.Probe([]Probe{tcp("a", "10.0.2.10", 445, "").Probe}, time.Second)
	if err == nil || !strings.Contains(err.Error(), `host "b" exited`) {
		t.Fatalf("Probe with a dead listener: got %v, want an error naming host b", err)
	}
}

func TestProbeErrors(t *testing.T) {
	t.Parallel()
	l := startLab(t, Spec{
		Zones: []Zone{{Name: "lan", Iface: "lan0"}},
		Hosts: []Host{{Name: "a", Zone: "lan", Addrs: addrs("10.0.0.1")}},
	})
	for _, tc := range []struct {
		p    Probe
		want string
	}{
		{Probe{From: "x", To: netip.MustParseAddr("10.0.0.1"), Proto: "tcp", Port: 1}, "unknown host"},
		{Probe{From: "a", To: netip.MustParseAddr("2001:db8::1"), Proto: "tcp", Port: 1}, "IPv6"},
		{Probe{From: "a", To: netip.MustParseAddr("10.0.0.1"), Proto: "sctp", Port: 1}, "protocol"},
		{Probe{From: "a", To: netip.MustParseAddr("10.0.0.1"), Proto: "udp", Port: 0}, "out of range"},
	} {
		if _, err := l.Probe([]Probe{tc.p}, time.Second); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Probe(%+v): got %v, want an error containing %q", tc.p, err, tc.want)
		}
	}
	if res, err := l.Probe(nil, time.Second); err != nil || len(res) != 0 {
		t.Errorf("Probe(nil): %v, %v", res, err)
	}
}

// TestTwentyHosts measures a lab of the size real designs need and probes a full mesh.
func TestTwentyHosts(t *testing.T) {
	t.Parallel()
	requireLab(t)
	spec := Spec{}
	for z := range 4 {
		spec.Zones = append(spec.Zones, Zone{Name: fmt.Sprint("zone", z), Iface: fmt.Sprint("zn", z)})
	}
	for i := range 20 {
		spec.Hosts = append(spec.Hosts, Host{
			Name:  fmt.Sprint("h", i),
			Zone:  fmt.Sprint("zone", i%4),
			Addrs: addrs(fmt.Sprintf("10.%d.0.%d", i%4, 10+i)),
			TCP:   []int{445, 49152},
			UDP:   []int{53},
		})
	}
	start := time.Now()
	l, err := Start(spec)
	if err != nil {
		t.Fatal(err)
	}
	started := time.Since(start)
	defer l.Close()
	var exps []expect
	for _, from := range spec.Hosts {
		for _, to := range spec.Hosts {
			if from.Name != to.Name {
				exps = append(exps,
					tcp(from.Name, to.Addrs[0].String(), 445, DetailConnected),
					udp(from.Name, to.Addrs[0].String(), 53, DetailConnected))
			}
		}
	}
	probe(t, l, "full mesh", exps...)
	start = time.Now()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	t.Logf("20 hosts: Start %v, Close %v", started.Round(time.Millisecond), time.Since(start).Round(time.Millisecond))
}

// TestManyRejections sends hundreds of probes from one host that the target or the ruleset answers with
// ICMP: none may turn into a timeout (the kernel's default ICMP rate limit would do that after a few).
func TestManyRejections(t *testing.T) {
	t.Parallel()
	l := startLab(t, Spec{
		Zones: []Zone{{Name: "one", Iface: "z1"}, {Name: "two", Iface: "z2"}, {Name: "three", Iface: "z3"}},
		Hosts: []Host{
			{Name: "a", Zone: "one", Addrs: addrs("10.0.1.10")},
			{Name: "b", Zone: "two", Addrs: addrs("10.0.2.10")},
			{Name: "c", Zone: "three", Addrs: addrs("10.0.3.10")},
		},
	})
	load(t, l, `table inet t {
	chain f {
		type filter hook forward priority 0; policy accept;
		oifname "z3" meta l4proto tcp reject with icmpx type admin-prohibited
		oifname "z3" meta l4proto udp reject with icmpx type host-unreachable
	}
}
`)
	var exps []expect
	for i := range 200 {
		exps = append(exps,
			udp("a", "10.0.2.10", 1000+i, DetailRefused), // ICMP port unreachable from b
			tcp("a", "10.0.3.10", 1000+i, DetailUnreachable),
			udp("a", "10.0.3.10", 1000+i, DetailUnreachable),
		)
	}
	probe(t, l, "rejections", exps...)
}
