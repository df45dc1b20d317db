package netlab

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

const (
	// netnsDir is where `ip netns` keeps its named namespaces (iproute2's NETNS_RUN_DIR).
	netnsDir = "/var/run/netns"

	cmdTimeout   = 30 * time.Second       // one ip/nft command (a big ruleset takes a few seconds at most)
	readyTimeout = 10 * time.Second       // a helper binding its ports; generous for a loaded CI machine
	stopGrace    = 500 * time.Millisecond // for a helper to exit on stdin EOF before SIGKILL
	killWait     = 5 * time.Second        // for a SIGKILLed process to be reaped
	waitDelay    = 2 * time.Second        // exec.Cmd.WaitDelay: bounds Wait if a pipe is held open
)

// Lab is a running lab. Its methods are safe for concurrent use.
type Lab struct {
	m      *model
	prefix string // every namespace of the lab is named prefix+something
	router string // router namespace
	hostNS []string
	ip     string // path of ip
	nft    string // path of nft
	exe    string // this test binary

	mu        sync.Mutex
	closed    bool
	procs     map[*proc]struct{} // every process started and not yet reaped and forgotten
	listeners map[*proc]string   // serving helpers -> host name, to report one that died
}

var (
	labCounter atomic.Int64
	// staleName matches namespaces of any lab (or Available check): ibl<pid>-<n>-<suffix>.
	staleName = regexp.MustCompile(`^ibl([0-9]+)-[0-9]+-`)
	// startHook lets tests fail Start at a given stage to prove the teardown; nil outside tests.
	startHook func(stage string, l *Lab) error
)

// Start builds the lab. Namespace names are "ibl<pid>-<n>-" plus "r" (router) or "h<i>" (host i), so
// parallel test binaries never collide. On any error it tears down what it built and returns the error.
func Start(spec Spec) (*Lab, error) {
	if os.Getenv(envRole) != "" {
		// Without this, a test binary whose TestMain forgot RunHelper would run its tests (and this
		// Start) again inside every helper.
		return nil, errors.New("netlab: Start called inside a lab helper: TestMain must call netlab.RunHelper first")
	}
	m, err := compile(spec)
	if err != nil {
		return nil, fmt.Errorf("netlab: %w", err)
	}
	ip, nft, exe, err := tools()
	if err != nil {
		return nil, fmt.Errorf("netlab: %w", err)
	}
	removeStale(ip)
	prefix, err := newPrefix()
	if err != nil {
		return nil, fmt.Errorf("netlab: %w", err)
	}
	l := &Lab{
		m: m, prefix: prefix, router: prefix + "r", ip: ip, nft: nft, exe: exe,
		procs: map[*proc]struct{}{}, listeners: map[*proc]string{},
	}
	for i := range m.hosts {
		l.hostNS = append(l.hostNS, prefix+"h"+strconv.Itoa(i+1))
	}
	stages := []struct {
		name string
		run  func() error
	}{
		{"namespaces", l.addNamespaces},
		{"helpers", l.startListeners},
		{"router", l.setupRouter},
		{"hosts", l.setupHosts},
	}
	for _, s := range stages {
		err := s.run()
		if err == nil && startHook != nil {
			err = startHook(s.name, l)
		}
		if err != nil {
			return nil, errors.Join(fmt.Errorf("netlab: %w", err), l.Close())
		}
	}
	return l, nil
}

// Load runs `nft -f -` with content inside the router namespace; it returns nft's stderr in the error.
// Like nft itself, it adds to the loaded ruleset: start content with `flush ruleset` to replace it.
// Connection tracking state survives a Load; every probe uses a fresh source port, so it does not carry
// an earlier verdict over.
func (l *Lab) Load(content []byte) error {
	_, err := l.run("nft -f - in the router", l.nsCmd(l.router, l.nft, "-f", "-"), content)
	return err
}

// Nft runs `nft args...` in the router namespace and returns stdout (for `list tables`, `list ruleset`).
func (l *Lab) Nft(args ...string) (string, error) {
	out, err := l.run("nft "+strings.Join(args, " ")+" in the router", l.nsCmd(l.router, l.nft, args...), nil)
	return string(out), err
}

// Probe runs the probes concurrently (one prober process per source host, probeParallelism probes at a
// time in each), each bounded by timeout, and returns results in the order given. An invalid probe
// (unknown host, IPv6, bad port or protocol) fails the whole call before anything is sent. A probe
// expected to be dropped costs the full timeout; the lab's round trips take well under a millisecond, so
// a timeout of 1-2 s is plenty (a TCP SYN lost in the lab is only resent after 1 s).
//
// A destination no host has and no DNAT rewrites has no route on the router, which answers with ICMP
// net unreachable ("unreachable"), but the kernel rate-limits those errors per source address with
// net.ipv4.route.error_cost/error_burst, which are global, not per namespace (about 5 at once, then 1 a
// second): a host probing many unrouted destinations sees "timeout" for most of them.
func (l *Lab) Probe(probes []Probe, timeout time.Duration) ([]Result, error) {
	if timeout <= 0 {
		return nil, fmt.Errorf("netlab: probe timeout %v: want > 0", timeout)
	}
	results := make([]Result, len(probes))
	byHost := map[int][]int{} // host index -> indexes into probes
	args := map[int]*probeArgs{}
	for i, p := range probes {
		h, to, err := l.m.checkProbe(p)
		if err != nil {
			return nil, fmt.Errorf("netlab: probe %d (%s %s -> %v:%d): %w", i, p.Proto, p.From, p.To, p.Port, err)
		}
		results[i].Probe = p
		byHost[h] = append(byHost[h], i)
		if args[h] == nil {
			args[h] = &probeArgs{Timeout: timeout}
		}
		args[h].Probes = append(args[h].Probes, probeSpec{Proto: p.Proto, To: to, Port: p.Port})
	}
	if err := l.checkListeners(); err != nil {
		return nil, err
	}
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	for h, idx := range byHost {
		wg.Go(func() {
			out, err := l.runProber(h, args[h])
			if err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
				return
			}
			for j, i := range idx {
				results[i].OK, results[i].Detail, results[i].Elapsed = out[j].OK, out[j].Detail, out[j].Elapsed
			}
		})
	}
	wg.Wait()
	if len(errs) > 0 {
		return nil, fmt.Errorf("netlab: %w", errors.Join(errs...))
	}
	return results, nil
}

// Close stops every process the lab started (stdin closed, then SIGKILL after a short grace, and reaped)
// and deletes every namespace whose name carries the lab's prefix. Safe to call twice (the second call
// returns nil), on a nil *Lab, and concurrently with other methods, which then fail.
func (l *Lab) Close() error {
	if l == nil {
		return nil
	}
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return nil
	}
	l.closed = true
	procs := make([]*proc, 0, len(l.procs))
	for p := range l.procs {
		procs = append(procs, p)
	}
	l.mu.Unlock()

	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	for _, p := range procs {
		wg.Go(func() { // in parallel, so the grace periods do not add up
			if err := p.stop(stopGrace); err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if err := deleteNamespaces(l.ip, l.prefix); err != nil {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return fmt.Errorf("netlab: closing %s*: %w", l.prefix, errors.Join(errs...))
	}
	return nil
}

var available = sync.OnceValues(func() (bool, string) {
	if os.Geteuid() != 0 {
		return false, "netlab needs root (network namespaces, nftables)"
	}
	ip, nft, _, err := tools()
	if err != nil {
		return false, err.Error()
	}
	prefix, err := newPrefix()
	if err != nil {
		return false, err.Error()
	}
	ns := prefix + "check"
	ctx, cancel := context.WithTimeout(context.Background(), cmdTimeout)
	defer cancel()
	if out, err := exec.CommandContext(ctx, ip, "netns", "add", ns).CombinedOutput(); err != nil {
		return false, fmt.Sprintf("ip netns add failed: %v: %s", err, bytes.TrimSpace(out))
	}
	defer deleteNamespaces(ip, prefix)
	if out, err := exec.CommandContext(ctx, ip, "netns", "exec", ns, nft, "list", "tables").CombinedOutput(); err != nil {
		return false, fmt.Sprintf("nft does not work in a network namespace: %v: %s", err, bytes.TrimSpace(out))
	}
	return true, ""
})

// Available reports whether the lab can run here (root, `ip` and `nft` installed, `ip netns add` works,
// nft works in a namespace); the reason says what is missing. The answer is computed once per process.
func Available() (ok bool, reason string) { return available() }

// tools finds ip and nft (in PATH, then in /usr/sbin and /sbin, where Debian puts them, often outside a
// user's PATH) and this executable, which the helpers run.
func tools() (ip, nft, exe string, err error) {
	if ip, err = lookPath("ip"); err != nil {
		return
	}
	if nft, err = lookPath("nft"); err != nil {
		return
	}
	if exe, err = os.Executable(); err != nil {
		err = fmt.Errorf("finding the test binary to run helpers: %w", err)
	}
	return
}

func lookPath(name string) (string, error) {
	if p, err := exec.LookPath(name); err == nil {
		return filepath.Abs(p)
	}
	for _, dir := range []string{"/usr/sbin", "/sbin"} {
		p := filepath.Join(dir, name)
		if st, err := os.Stat(p); err == nil && !st.IsDir() && st.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s is not installed (want %s in PATH, /usr/sbin or /sbin)", name, name)
}

// newPrefix returns a namespace-name prefix unique to this process and unused: the counter alone would do,
// unless a namespace of a crashed earlier process with the same PID is still there.
func newPrefix() (string, error) {
	names, err := netnsNames()
	if err != nil {
		return "", err
	}
	for {
		prefix := fmt.Sprintf("ibl%d-%d-", os.Getpid(), labCounter.Add(1))
		if !anyHasPrefix(names, prefix) {
			return prefix, nil
		}
	}
}

func anyHasPrefix(names []string, prefix string) bool {
	for _, n := range names {
		if strings.HasPrefix(n, prefix) {
			return true
		}
	}
	return false
}

func netnsNames() ([]string, error) {
	ents, err := os.ReadDir(netnsDir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	names := make([]string, len(ents))
	for i, e := range ents {
		names[i] = e.Name()
	}
	return names, nil
}

// removeStale deletes, best effort, the namespaces of labs whose process is gone: a test binary killed by
// its -timeout (or SIGKILL) cannot run Close. Its helpers have exited already (their stdin hit EOF), so
// only the names remain. Namespaces of live processes, this one included, are left alone.
func removeStale(ip string) {
	names, _ := netnsNames()
	var stale []string
	for _, n := range names {
		sm := staleName.FindStringSubmatch(n)
		if sm == nil {
			continue
		}
		pid, err := strconv.Atoi(sm[1])
		if err != nil || pid == os.Getpid() || pid <= 0 {
			continue
		}
		if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
			stale = append(stale, n)
		}
	}
	if len(stale) > 0 {
		batch(ip, "", true, nsLines("netns del", stale))
	}
}

func nsLines(cmd string, names []string) string {
	var b strings.Builder
	for _, n := range names {
		fmt.Fprintf(&b, "%s %s\n", cmd, n)
	}
	return b.String()
}

// deleteNamespaces deletes every namespace whose name starts with prefix, i.e. everything a lab created,
// including what a half-finished Start left, and checks that none remains.
func deleteNamespaces(ip, prefix string) error {
	names, err := netnsNames()
	if err != nil {
		return err
	}
	var mine []string
	for _, n := range names {
		if strings.HasPrefix(n, prefix) {
			mine = append(mine, n)
		}
	}
	if len(mine) == 0 {
		return nil
	}
	berr := batch(ip, "", true, nsLines("netns del", mine))
	names, err = netnsNames()
	if err != nil {
		return err
	}
	var left []string
	for _, n := range names {
		if strings.HasPrefix(n, prefix) {
			left = append(left, n)
		}
	}
	if len(left) > 0 {
		return fmt.Errorf("namespaces left behind: %s: %w", strings.Join(left, " "), berr)
	}
	return nil
}

// batch runs `ip [-n ns] [-force] -batch -` with lines, untracked (Close uses it after refusing new
// processes). The error names the failing line.
func batch(ip, ns string, force bool, lines string) error {
	args := []string{}
	if ns != "" {
		args = append(args, "-n", ns)
	}
	if force {
		args = append(args, "-force")
	}
	ctx, cancel := context.WithTimeout(context.Background(), cmdTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, ip, append(args, "-batch", "-")...)
	cmd.Stdin = strings.NewReader(lines)
	cmd.WaitDelay = waitDelay
	out, err := cmd.CombinedOutput()
	if err != nil {
		return batchError(ns, lines, out, err)
	}
	return nil
}

var failedLine = regexp.MustCompile(`Command failed -:([0-9]+)`)

func batchError(ns, lines string, out []byte, err error) error {
	where := "ip"
	if ns != "" {
		where = "ip -n " + ns
	}
	msg := strings.TrimSpace(string(out))
	if sm := failedLine.FindStringSubmatch(msg); sm != nil {
		n, _ := strconv.Atoi(sm[1])
		if all := strings.Split(lines, "\n"); n >= 1 && n <= len(all) {
			msg += fmt.Sprintf(" (line %d: %q)", n, all[n-1])
		}
	}
	return fmt.Errorf("%s -batch: %v: %s", where, err, msg)
}

// ipBatch is batch as a tracked process of the lab.
func (l *Lab) ipBatch(ns, lines string) error {
	args := []string{}
	if ns != "" {
		args = append(args, "-n", ns)
	}
	cmd := exec.Command(l.ip, append(args, "-batch", "-")...)
	var out bytes.Buffer
	cmd.Stdout = &out
	p, err := l.spawn("ip -batch", cmd, []byte(lines), false)
	if err != nil {
		return err
	}
	defer l.forget(p)
	if err := p.waitFor(cmdTimeout); err != nil {
		return batchError(ns, lines, append(out.Bytes(), p.stderr.Bytes()...), err)
	}
	return nil
}

func (l *Lab) addNamespaces() error {
	return l.ipBatch("", nsLines("netns add", append([]string{l.router}, l.hostNS...)))
}

// Sysctls, applied by each namespace's first helper before any interface exists, so the "default"
// entries reach every interface the lab then creates.
var (
	commonSysctls = []sysctl{
		{Path: "net/ipv4/conf/all/rp_filter", Value: "0"}, // /32s and NAT make reverse paths look odd
		{Path: "net/ipv4/conf/default/rp_filter", Value: "0"},
		// New namespaces inherit these from the host's; arp_ignore=2 would make a host ignore ARP from
		// 169.254.0.1, which is outside its /32.
		{Path: "net/ipv4/conf/all/arp_ignore", Value: "0"},
		{Path: "net/ipv4/conf/default/arp_ignore", Value: "0"},
		{Path: "net/ipv4/conf/all/arp_announce", Value: "0"},
		{Path: "net/ipv4/conf/default/arp_announce", Value: "0"},
		{Path: "net/ipv4/conf/all/arp_filter", Value: "0"},
		{Path: "net/ipv4/conf/default/arp_filter", Value: "0"},
		// No ICMP rate limit: a batch of probes answered by "unreachable"/"refused" must not turn into
		// timeouts after the first few (the default limits dest-unreachable to ~1/s per peer). This
		// covers ICMP sent by hosts and by nft reject; see Probe for the router's "no route" errors.
		{Path: "net/ipv4/icmp_ratemask", Value: "0"},
		// The lab is IPv4 only: no link-local addresses, DAD, router or multicast listener chatter.
		{Path: "net/ipv6/conf/all/disable_ipv6", Value: "1", Optional: true},
		{Path: "net/ipv6/conf/default/disable_ipv6", Value: "1", Optional: true},
	}
	routerSysctls = append([]sysctl{
		{Path: "net/ipv4/ip_forward", Value: "1"},
		{Path: "net/ipv4/conf/all/send_redirects", Value: "0"},
		{Path: "net/ipv4/conf/default/send_redirects", Value: "0"},
		// With br_netfilter loaded, frames bridged between two hosts of a zone would also traverse the
		// router's IP hooks (forward with iifname == oifname == the zone), which a real LAN does not do.
		{Path: "net/bridge/bridge-nf-call-iptables", Value: "0", Optional: true},
		{Path: "net/bridge/bridge-nf-call-ip6tables", Value: "0", Optional: true},
		{Path: "net/bridge/bridge-nf-call-arptables", Value: "0", Optional: true},
	}, commonSysctls...)
	hostSysctls = append([]sysctl{
		{Path: "net/ipv4/ip_forward", Value: "0"},
		{Path: "net/ipv4/conf/all/accept_redirects", Value: "0"},
		{Path: "net/ipv4/conf/default/accept_redirects", Value: "0"},
	}, commonSysctls...)
)

// startListeners starts one helper per namespace, in parallel: it applies the namespace's sysctls and,
// on hosts, binds the listeners. The router's helper and those of hosts without ports exit once done.
func (l *Lab) startListeners() error {
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	start := func(ns, name string, a listenArgs) {
		wg.Go(func() {
			if err := l.startListener(ns, name, a); err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
		})
	}
	start(l.router, "", listenArgs{Sysctls: routerSysctls})
	for i, h := range l.m.hosts {
		start(l.hostNS[i], h.Name, listenArgs{Sysctls: hostSysctls, TCP: h.tcp, UDP: h.udp})
	}
	wg.Wait()
	return errors.Join(errs...)
}

func (l *Lab) startListener(ns, host string, a listenArgs) error {
	desc := "router helper"
	if host != "" {
		desc = fmt.Sprintf("helper of host %q", host)
	}
	desc += " (" + ns + ")"
	input, err := json.Marshal(a)
	if err != nil {
		return err
	}
	pr, pw, err := os.Pipe()
	if err != nil {
		return err
	}
	cmd := l.helperCmd(ns, roleListen)
	cmd.Stdout = pw
	p, err := l.spawn(desc, cmd, append(input, '\n'), true)
	pw.Close()
	if err != nil {
		pr.Close()
		return err
	}
	ready := make(chan error, 1)
	go func() {
		defer pr.Close()
		var other []string // whatever the process printed instead, for the error
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			if sc.Text() == "ready" {
				ready <- nil
				return
			}
			if len(other) < 5 {
				other = append(other, sc.Text())
			}
		}
		ready <- fmt.Errorf("no ready line (stdout: %q)", other)
	}()
	timer := time.NewTimer(readyTimeout)
	defer timer.Stop()
	select {
	case err = <-ready:
	case <-timer.C:
		err = fmt.Errorf("not ready after %v", readyTimeout)
	}
	if err != nil {
		p.waitFor(stopGrace) // let its stderr and exit status arrive
		return fmt.Errorf("%s: %v; %s (does TestMain call netlab.RunHelper first?)", desc, err, p.status())
	}
	if len(a.TCP)+len(a.UDP) == 0 {
		defer l.forget(p)
		if err := p.waitFor(readyTimeout); err != nil {
			return fmt.Errorf("%s: %w", desc, err)
		}
		return nil
	}
	l.mu.Lock()
	l.listeners[p] = host
	l.mu.Unlock()
	return nil
}

// checkListeners fails if a listener died since Start: its ports would read as "refused", misleading.
func (l *Lab) checkListeners() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return errClosed
	}
	for p, host := range l.listeners {
		select {
		case <-p.done:
			return fmt.Errorf("netlab: the listener of host %q exited: %s", host, p.status())
		default:
		}
	}
	return nil
}

// setupRouter creates the bridges, the veth pairs (the host end directly inside the host's namespace,
// as eth0) and the routes to host addresses, in one ip process. Router-side veth ends are named "H<i>":
// upper case, so no zone interface ([a-z0-9_.-]) can take the name.
func (l *Lab) setupRouter() error {
	var b strings.Builder
	b.WriteString("link set lo up\n")
	for _, z := range l.m.zones {
		fmt.Fprintf(&b, "link add %s type bridge\n", z.Iface)
		fmt.Fprintf(&b, "link set %s up\n", z.Iface)
		fmt.Fprintf(&b, "addr add %s/32 dev %s\n", gateway, z.Iface)
	}
	for i, h := range l.m.hosts {
		port := "H" + strconv.Itoa(i+1)
		fmt.Fprintf(&b, "link add %s type veth peer name eth0 netns %s\n", port, l.hostNS[i])
		fmt.Fprintf(&b, "link set %s master %s\n", port, h.zone.Iface)
		fmt.Fprintf(&b, "link set %s up\n", port)
	}
	for _, h := range l.m.hosts {
		for _, a := range h.addrs {
			fmt.Fprintf(&b, "route add %s/32 dev %s\n", a, h.zone.Iface)
		}
	}
	return l.ipBatch(l.router, b.String())
}

// setupHosts configures every host namespace, in parallel. A host reaches the hosts of its own zone
// directly (an on-link /32 route per peer address) and everything else via 169.254.0.1.
func (l *Lab) setupHosts() error {
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	for i, h := range l.m.hosts {
		var b strings.Builder
		b.WriteString("link set lo up\nlink set eth0 up\n")
		for _, a := range h.addrs {
			fmt.Fprintf(&b, "addr add %s/32 dev eth0\n", a)
		}
		src := h.addrs[0]
		fmt.Fprintf(&b, "route add %s/32 dev eth0 src %s\n", gateway, src)
		fmt.Fprintf(&b, "route add default via %s dev eth0 src %s\n", gateway, src)
		for j, peer := range l.m.hosts {
			if j == i || peer.zone.Name != h.zone.Name {
				continue
			}
			for _, a := range peer.addrs {
				fmt.Fprintf(&b, "route add %s/32 dev eth0 src %s\n", a, src)
			}
		}
		wg.Go(func() {
			if err := l.ipBatch(l.hostNS[i], b.String()); err != nil {
				mu.Lock()
				errs = append(errs, fmt.Errorf("host %q: %w", h.Name, err))
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

func (l *Lab) runProber(h int, a *probeArgs) ([]probeOutcome, error) {
	input, err := json.Marshal(a)
	if err != nil {
		return nil, err
	}
	host := l.m.hosts[h].Name
	// Worst case every probe times out, probeParallelism at a time; add room for process start-up.
	batches := (len(a.Probes) + probeParallelism - 1) / probeParallelism
	budget := time.Duration(batches)*(a.Timeout+time.Second) + readyTimeout
	cmd := l.helperCmd(l.hostNS[h], roleProbe)
	var out bytes.Buffer
	cmd.Stdout = &out
	p, err := l.spawn(fmt.Sprintf("prober of host %q", host), cmd, input, true)
	if err != nil {
		return nil, err
	}
	defer l.forget(p)
	if err := p.waitFor(budget); err != nil {
		return nil, fmt.Errorf("probing from host %q: %w", host, err)
	}
	var res []probeOutcome
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		return nil, fmt.Errorf("probing from host %q: reading results: %w (output %.200q)", host, err, out.String())
	}
	if len(res) != len(a.Probes) {
		return nil, fmt.Errorf("probing from host %q: %d results for %d probes", host, len(res), len(a.Probes))
	}
	return res, nil
}

// helperCmd runs this binary as a helper inside ns. -test.run=^$ is a safety net: should TestMain not
// call RunHelper, the helper runs no test (rather than the whole suite) and the lab reports why.
func (l *Lab) helperCmd(ns, role string) *exec.Cmd {
	cmd := l.nsCmd(ns, l.exe, "-test.run=^$")
	// Under -race a Go program sleeps 1 s on exit (atexit_sleep_ms) to catch late reports: that would add
	// a second to every Probe and make stopping listeners overrun the grace period.
	gorace := strings.TrimSpace(os.Getenv("GORACE") + " atexit_sleep_ms=0")
	cmd.Env = append(os.Environ(), envRole+"="+role, envLab+"="+l.prefix, "GORACE="+gorace)
	return cmd
}

// nsCmd runs name inside ns. `ip netns exec` execs it directly (no fork), so the process started is the
// program itself and killing it by PID is enough.
func (l *Lab) nsCmd(ns, name string, args ...string) *exec.Cmd {
	return exec.Command(l.ip, append([]string{"netns", "exec", ns, name}, args...)...)
}

// run runs cmd as a tracked process with stdin and returns its stdout; the error carries its stderr.
func (l *Lab) run(desc string, cmd *exec.Cmd, stdin []byte) ([]byte, error) {
	var out bytes.Buffer
	cmd.Stdout = &out
	p, err := l.spawn(desc, cmd, stdin, false)
	if err != nil {
		return nil, err
	}
	defer l.forget(p)
	if err := p.waitFor(cmdTimeout); err != nil {
		return out.Bytes(), fmt.Errorf("netlab: %w", err) // err names desc
	}
	return out.Bytes(), nil
}

var errClosed = errors.New("netlab: lab is closed")

// proc is a process started by the lab.
type proc struct {
	desc      string
	cmd       *exec.Cmd
	stdin     *os.File // the lab's end; closing it tells a listener to exit
	stdinOnce sync.Once
	stderr    *tailBuffer
	done      chan struct{} // closed once the process is reaped; err is then set
	err       error
}

// spawn starts cmd (Stdout already set) with input on its stdin and registers it, so Close can stop it.
// keepStdin leaves stdin open after input (listeners exit on EOF).
func (l *Lab) spawn(desc string, cmd *exec.Cmd, input []byte, keepStdin bool) (*proc, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	p := &proc{desc: desc, cmd: cmd, stdin: w, stderr: &tailBuffer{max: 8 << 10}, done: make(chan struct{})}
	cmd.Stdin = r
	cmd.Stderr = p.stderr
	cmd.WaitDelay = waitDelay
	l.mu.Lock()
	if l.closed {
		err = errClosed
	} else if err = cmd.Start(); err == nil {
		l.procs[p] = struct{}{}
	}
	l.mu.Unlock()
	r.Close()
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("%s: %w", desc, err)
	}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	go func() {
		// A process that exits without reading makes this fail (EPIPE), which is fine: its exit
		// status tells why.
		if len(input) > 0 {
			w.Write(input)
		}
		if !keepStdin {
			p.closeStdin()
		}
	}()
	return p, nil
}

// forget drops a reaped (or stopped) process from the lab's books.
func (l *Lab) forget(p *proc) {
	p.stop(0)
	l.mu.Lock()
	delete(l.procs, p)
	delete(l.listeners, p)
	l.mu.Unlock()
}

func (p *proc) closeStdin() { p.stdinOnce.Do(func() { p.stdin.Close() }) }

// waitFor waits up to d for the process to exit, kills it if it does not, and returns an error unless it
// exited with status 0.
func (p *proc) waitFor(d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-p.done:
	case <-t.C:
		p.stop(0)
		return fmt.Errorf("%s: still running after %v; killed", p.desc, d)
	}
	if p.err != nil {
		return fmt.Errorf("%s: %s", p.desc, p.status())
	}
	return nil
}

// stop closes stdin, gives the process grace to exit, then SIGKILLs and reaps it. os.Process.Kill uses a
// pidfd, so it can never hit a recycled PID.
func (p *proc) stop(grace time.Duration) error {
	p.closeStdin()
	if grace > 0 {
		t := time.NewTimer(grace)
		defer t.Stop()
		select {
		case <-p.done:
			return nil
		case <-t.C:
		}
	}
	select {
	case <-p.done:
		return nil
	default:
	}
	p.cmd.Process.Kill()
	t := time.NewTimer(killWait)
	defer t.Stop()
	select {
	case <-p.done:
		return nil
	case <-t.C:
		return fmt.Errorf("%s (pid %d) did not exit %v after SIGKILL", p.desc, p.cmd.Process.Pid, killWait)
	}
}

// status describes how the process ended, with the tail of its stderr.
func (p *proc) status() string {
	select {
	case <-p.done:
	default:
		return "still running"
	}
	s := "exit status 0"
	if p.err != nil {
		s = p.err.Error()
	}
	if e := strings.TrimSpace(string(p.stderr.Bytes())); e != "" {
		s += ": " + e
	}
	return s
}

// tailBuffer keeps the last max bytes written to it: enough of stderr to explain a failure, bounded
// whatever a process prints.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (b *tailBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf = append(b.buf, p...)
	if over := len(b.buf) - b.max; over > 0 {
		b.buf = append(b.buf[:0], b.buf[over:]...)
	}
	return len(p), nil
}

func (b *tailBuffer) Bytes() []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	return bytes.Clone(b.buf)
}
