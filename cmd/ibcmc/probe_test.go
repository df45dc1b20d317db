package main

import (
	"encoding/json"
	"fmt"
	"net"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ibcmc/ibcmc/internal/testdesign"
)

func TestProbeUsage(t *testing.T) {
	const design = "examples/homelab/site.cue"
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--resolve", "nonsense"}, `ibcmc: --resolve "nonsense": wrong number of fields; write HOST:ADDR, HOST:PORT:ADDR or HOST:PORT:ADDR:PORT`},
		{[]string{"--resolve", "cm.example.org:somewhere"}, `ibcmc: --resolve "cm.example.org:somewhere": "somewhere" is not an IP address; write HOST:ADDR, HOST:PORT:ADDR or HOST:PORT:ADDR:PORT`},
		{[]string{"--resolve", "cm.example.org:443:127.0.0.1:0"}, `ibcmc: --resolve "cm.example.org:443:127.0.0.1:0": "0" is not a port; write HOST:ADDR, HOST:PORT:ADDR or HOST:PORT:ADDR:PORT`},
		{[]string{"--population", "nobody"}, `ibcmc: the design has no client population "nobody" (it has lab-vms)`},
		{[]string{"--client-cert", "client.pem"}, "ibcmc: --client-cert and --client-key go together"},
		{[]string{"--format", "yaml"}, `ibcmc: --format must be one of "text","json","markdown" but got "yaml"`},
		{[]string{"--from", "moon"}, `ibcmc: --from must be one of "internet","intranet" but got "moon"`},
	} {
		code, out, errb := run(t, append([]string{"probe", design}, tc.args...)...)
		if code != 2 || out != "" || !strings.Contains(errb, tc.want+"\n") {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 2 and %q", tc.args, code, out, errb, tc.want)
		}
	}
}

// silent accepts connections and never answers, like a host whose service hangs; it holds them until the
// test ends.
func silent(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return ln.Addr().(*net.TCPAddr).Port
}

// With the default wait, a probe of every example whose endpoints accept connections and never answer
// ends well within 30 s, failing the checks that waited and skipping what depends on them.
func TestProbeNothingAnswers(t *testing.T) {
	for _, name := range exampleNames {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			port := silent(t)
			args := []string{"probe", "examples/" + name + "/site.cue"}
			for _, e := range testdesign.ExamplePlan(t, ".", name).Endpoints {
				args = append(args, "--resolve", fmt.Sprintf("%s:%d:127.0.0.1:%d", e.FQDN, e.Port, port))
			}
			start := time.Now()
			code, out, errb := run(t, args...)
			took := time.Since(start)
			if took > 30*time.Second {
				t.Errorf("took %v, want under 30s", took)
			}
			if code != 1 || !strings.Contains(errb, "ibcmc: ") || !strings.Contains(errb, " failed, ") {
				t.Errorf("exit %d, stderr %q; want exit 1 and the summary", code, errb)
			}
			if !strings.Contains(out, "  fail     tls          TLS handshake with 127.0.0.1:") || !strings.Contains(out, "failed: no answer within 5s (--wait)") {
				t.Errorf("no TLS timeout reported:\n%s", out)
			}
			if strings.Contains(out, "  fail     mplist") || !strings.Contains(out, "  skipped  mplist       no TLS session\n") {
				t.Errorf("the management point checks ran without a TLS session:\n%s", out)
			}
			t.Logf("%s: %v", name, took.Round(time.Millisecond))
		})
	}
}

var portNumber = regexp.MustCompile(`127\.0\.0\.1:\d+`)

// The verdict in each format: the text users read, the JSON a script reads, the Markdown for a change
// record.
func TestProbeFormats(t *testing.T) {
	closed := func() int {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		return ln.Addr().(*net.TCPAddr).Port
	}()
	args := []string{"probe", "examples/homelab/site.cue", "--population", "lab-vms"}
	for _, p := range []int{443, 8530, 8531} {
		args = append(args, "--resolve", fmt.Sprintf("cm.example.org:%d:127.0.0.1:%d", p, closed))
	}
	code, out, errb := run(t, args...)
	if code != 1 {
		t.Fatalf("exit %d: %s", code, errb)
	}
	const wantHTTPS = `cm.example.org:443  https via router (portForwarding) (distributionPoint, managementPoint)
  fail     resolve      cm.example.org resolves to 127.0.0.1 (--resolve), but publishing.router.public is 198.51.100.7; the other checks use 127.0.0.1
           fix: point the DNS record of cm.example.org at 198.51.100.7, or correct publishing.router.public
           at: publishing.router.public
  fail     connect      cannot connect to ADDR for cm.example.org:443: connect: connection refused
           fix: make publishing entry router (proxy/router/) listen on 443/tcp and let 443/tcp in from the internet on every firewall on the way (firewall/flows.csv)
           at: publishing.router
  skipped  tls          port 443 does not accept connections
  skipped  certificate  port 443 does not accept connections
  skipped  crl          port 443 does not accept connections
  skipped  client-auth  port 443 does not accept connections
  skipped  mplist       port 443 does not accept connections
  skipped  mpcert       port 443 does not accept connections
  skipped  dp           port 443 does not accept connections
  skipped  verbs        port 443 does not accept connections
  skipped  headers      port 443 does not accept connections
`
	if got := portNumber.ReplaceAllString(out, "ADDR"); !strings.HasPrefix(got, wantHTTPS) {
		t.Errorf("text output:\n%s\nwant it to start with:\n%s", got, wantHTTPS)
	}
	if !strings.HasSuffix(out, "3 endpoint(s) from the internet: 0 check(s) passed, 6 failed, 14 skipped\n") {
		t.Errorf("text output does not end with the summary:\n%s", out)
	}
	if errb != "ibcmc: 3 endpoint(s) from the internet: 0 check(s) passed, 6 failed, 14 skipped\n" {
		t.Errorf("stderr %q", errb)
	}

	code, out, _ = run(t, append(args, "--format", "json")...)
	var rep struct {
		From, Population        string
		Passed, Failed, Skipped int
		Endpoints               []struct {
			Endpoint, FQDN, Protocol, Target, Via string
			Port                                  int
			Roles                                 []string
			Checks                                []struct{ Check, Status, Detail, Fix, Field string }
		}
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil || code != 1 {
		t.Fatalf("exit %d, %v:\n%s", code, err, out)
	}
	if rep.From != "internet" || rep.Population != "lab-vms" || rep.Failed != 6 || len(rep.Endpoints) != 3 {
		t.Errorf("json: %+v", rep)
	}
	if e := rep.Endpoints[0]; e.Endpoint != "cm.example.org:443" || e.Port != 443 || e.Target != "cm" || e.Via != "router (portForwarding)" ||
		e.Checks[1].Check != "connect" || e.Checks[1].Status != "fail" || e.Checks[1].Field != "publishing.router" {
		t.Errorf("json endpoint: %+v", e)
	}

	code, out, _ = run(t, append(args, "--format", "markdown")...)
	for _, want := range []string{"## ibcmc probe from the internet\n",
		"\n### `cm.example.org:443`\n\nhttps via router (portForwarding) (distributionPoint, managementPoint)\n\n| check | status | detail | fix | design field |\n|---|---|---|---|---|\n",
		"| connect | **fail** | cannot connect to "} {
		if code != 1 || !strings.Contains(out, want) {
			t.Errorf("markdown (exit %d) lacks %q:\n%s", code, want, out)
		}
	}
}
