package probe_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/ibcmc/ibcmc/internal/probe"
	"github.com/ibcmc/ibcmc/internal/testdesign"
)

func TestParseOverride(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want probe.Override
		err  string
	}{
		{in: "IBCM.Contoso.com.:203.0.113.10", want: probe.Override{Host: "ibcm.contoso.com", Addr: "203.0.113.10"}},
		{in: "ibcm.contoso.com:443:127.0.0.1", want: probe.Override{Host: "ibcm.contoso.com", Port: 443, Addr: "127.0.0.1"}},
		{in: "ibcm.contoso.com:443:127.0.0.1:8443", want: probe.Override{Host: "ibcm.contoso.com", Port: 443, Addr: "127.0.0.1", TargetPort: 8443}},
		{in: "ibcm.contoso.com:443:[::1]:8443", want: probe.Override{Host: "ibcm.contoso.com", Port: 443, Addr: "::1", TargetPort: 8443}},
		{in: "ibcm.contoso.com:[2001:db8::1]", want: probe.Override{Host: "ibcm.contoso.com", Addr: "2001:db8::1"}},
		{in: "ibcm.contoso.com", err: `--resolve "ibcm.contoso.com": wrong number of fields; write HOST:ADDR, HOST:PORT:ADDR or HOST:PORT:ADDR:PORT`},
		{in: ":127.0.0.1", err: `--resolve ":127.0.0.1": no host name; write HOST:ADDR, HOST:PORT:ADDR or HOST:PORT:ADDR:PORT`},
		{in: "h:70000:127.0.0.1", err: `--resolve "h:70000:127.0.0.1": "70000" is not a port; write HOST:ADDR, HOST:PORT:ADDR or HOST:PORT:ADDR:PORT`},
		{in: "h:[::1", err: `--resolve "h:[::1": unclosed [ in an IPv6 address`},
		{in: "h:ibcm.example.com", err: `--resolve "h:ibcm.example.com": "ibcm.example.com" is not an IP address; write HOST:ADDR, HOST:PORT:ADDR or HOST:PORT:ADDR:PORT`},
	} {
		got, err := probe.ParseOverride(tc.in)
		if tc.err != "" {
			if err == nil || err.Error() != tc.err {
				t.Errorf("%q: error %v, want %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%q: %+v, %v; want %+v", tc.in, got, err, tc.want)
		}
	}
}

// endpoints lists the endpoints a probe selects, every name resolving to 127.0.0.1.
func endpoints(t *testing.T, example string, o probe.Options) ([]string, error) {
	t.Helper()
	p := testdesign.ExamplePlan(t, root, example)
	o.Lookup = func(context.Context, string) ([]string, error) { return []string{"127.0.0.1"}, nil }
	o.Timeout = time.Second
	rep, err := probe.Run(context.Background(), p, o)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range rep.Endpoints {
		out = append(out, fmt.Sprintf("%s %s %s", e.Endpoint, e.Via, strings.Join(e.Roles, "+")))
	}
	return out, nil
}

// The vantage and the population select the endpoints: the internet endpoints of the design, those of the
// population's way in, or the intranet names of the roles that accept intranet clients.
func TestSelection(t *testing.T) {
	for _, tc := range []struct {
		example string
		o       probe.Options
		want    string
	}{
		{"fabrikam-perimeter", probe.Options{}, "fsp.fabrikam.com:80 edge (sslBridging) fallbackStatusPoint; ibcm.fabrikam.com:443 edge (sslBridging) distributionPoint+managementPoint; ibcm.fabrikam.com:8530 edge (sslBridging) softwareUpdatePoint; ibcm.fabrikam.com:8531 edge (sslBridging) softwareUpdatePoint"},
		{"fabrikam-perimeter", probe.Options{From: probe.FromIntranet}, "cmfsp01.dmz.fabrikam.com:80 direct fallbackStatusPoint; cmmp01.corp.fabrikam.com:443 direct distributionPoint+managementPoint"},
		{"woodgrove-cmg", probe.Options{Population: "cloud-laptops"}, "cmg.woodgrovebank.com:443 cloud management gateway cloudManagementGateway"},
		{"woodgrove-cmg", probe.Options{From: probe.FromIntranet, Population: "cloud-laptops"}, "cmmp01.woodgrove.local:443 direct managementPoint; cmmp01.woodgrove.local:8530 direct softwareUpdatePoint; cmmp01.woodgrove.local:8531 direct softwareUpdatePoint"},
	} {
		got, err := endpoints(t, tc.example, tc.o)
		if err != nil || strings.Join(got, "; ") != tc.want {
			t.Errorf("%s %+v:\n got %q, %v\nwant %q", tc.example, tc.o, strings.Join(got, "; "), err, tc.want)
		}
	}
	// A population without the softwareUpdates feature, whose install names no fallback status point, needs
	// neither role.
	src := strings.Replace(fmt.Sprintf(e2eDesign, "nginx", "sslBridging"), `roles: {managementPoint: allow: "internet", distributionPoint: allow: "internet"}`,
		`roles: {managementPoint: allow: "internet", distributionPoint: allow: "internet", softwareUpdatePoint: allow: "internet"}`, 1)
	src = strings.Replace(src, `install: {mp: "mp01", fallbackStatusPoint: "fsp01"}`, `install: mp: "mp01"`, 1)
	res := testdesign.CompileOne(t, src)
	if res.Plan == nil || len(res.Plan.Endpoints) != 4 {
		t.Fatalf("the design does not compile to four endpoints: %v", res.Diagnostics)
	}
	rep, err := probe.Run(context.Background(), res.Plan, probe.Options{Population: "laptops", Timeout: time.Second,
		Lookup: func(context.Context, string) ([]string, error) { return []string{"127.0.0.1"}, nil }})
	if err != nil || len(rep.Endpoints) != 1 || rep.Endpoints[0].Endpoint != "ibcm.contoso.com:443" {
		t.Errorf("population laptops: %v, %+v", err, rep)
	}
	for _, tc := range []struct {
		example string
		o       probe.Options
		err     string
	}{
		{"woodgrove-cmg", probe.Options{Population: "nobody"}, `the design has no client population "nobody" (it has branch-servers, cloud-laptops, lobby-kiosks)`},
		{"woodgrove-cmg", probe.Options{From: probe.FromIntranet, Population: "lobby-kiosks"}, `client population "lobby-kiosks" is managed on the internet only (clients."lobby-kiosks".management); probe it --from internet`},
		{"fabrikam-perimeter", probe.Options{From: "moon"}, `--from must be internet or intranet, not "moon"`},
	} {
		_, err := endpoints(t, tc.example, tc.o)
		var ue *probe.UsageError
		if !errors.As(err, &ue) || ue.Msg != tc.err {
			t.Errorf("%s %+v: %v; want %q", tc.example, tc.o, err, tc.err)
		}
	}
}

// When DNS answers another address than the design's, the resolve check says so and the other checks go to
// the design's address, so what is deployed there is still checked.
func TestResolveElsewhereByDNS(t *testing.T) {
	res := testdesign.CompileOne(t, fmt.Sprintf(e2eDesign, "nginx", "sslBridging"))
	o := probe.Options{Timeout: time.Second, Lookup: func(_ context.Context, host string) ([]string, error) {
		if host == "fsp.contoso.com" {
			return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
		}
		return []string{"127.0.0.9"}, nil
	}}
	rep, err := probe.Run(context.Background(), res.Plan, o)
	if err != nil {
		t.Fatal(err)
	}
	if got := find(rep, "ibcm.contoso.com:443", probe.CheckResolve); got.Status != probe.Fail || got.Detail != "ibcm.contoso.com resolves to 127.0.0.9, but publishing.edge.public is 127.0.0.1; the other checks use 127.0.0.1" ||
		got.Fix != "point the DNS record of ibcm.contoso.com at 127.0.0.1, or correct publishing.edge.public" || got.Field != "publishing.edge.public" {
		t.Errorf("resolve: %+v", got)
	}
	if got := find(rep, "ibcm.contoso.com:443", probe.CheckConnect); !strings.Contains(got.Detail, "127.0.0.1:443") {
		t.Errorf("connect does not go to the design's address: %+v", got)
	}
	if got := find(rep, "fsp.contoso.com:80", probe.CheckResolve); got.Status != probe.Fail || got.Detail != "fsp.contoso.com does not resolve: lookup fsp.contoso.com: no such host; the other checks use 127.0.0.1 from publishing.edge.public" ||
		got.Fix != "publish an A record for fsp.contoso.com in the DNS internet clients use (to 127.0.0.1)" {
		t.Errorf("resolve: %+v", got)
	}
}
