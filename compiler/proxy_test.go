package compiler_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/ibcmc/ibcmc/internal/testdesign"
	"github.com/ibcmc/ibcmc/plan"
)

// routeLine is a route as one comparable line.
func routeLine(r *plan.ProxyRoute) string {
	return fmt.Sprintf("%s %s %s %s listen=%d -> %s %s(%s):%d tls=%v methods=%s certs=%s,%s",
		r.ID, r.Product, r.Mode, r.Scheme, r.ListenPort, r.Backend, r.BackendHost, r.BackendAddress, r.BackendPort,
		r.BackendTLS, strings.Join(r.Methods, ","), r.ServerCert, r.ClientCert)
}

func TestProxyRoutesFabrikamBridging(t *testing.T) {
	res := testdesign.Example(t, "..", "fabrikam-perimeter")
	if res.Plan == nil {
		t.Fatalf("no plan: %v", res.Diagnostics)
	}
	want := []string{
		"edge/fsp.fabrikam.com:80 nginx sslBridging http listen=80 -> cmfsp01 cmfsp01.dmz.fabrikam.com(172.16.50.22):80 tls=false methods=POST certs=,",
		"edge/ibcm.fabrikam.com:443 nginx sslBridging https listen=443 -> cmibcm01 cmibcm01.dmz.fabrikam.com(172.16.50.21):443 tls=true methods=HEAD,CCM_POST,BITS_POST,GET,PROPFIND certs=edge-proxy-server,edge-proxy-client",
		// WSUS's HTTP port is published too (EULAs and update content), as plain HTTP on both sides.
		"edge/ibcm.fabrikam.com:8530 nginx sslBridging http listen=8530 -> cmibcm01 cmibcm01.dmz.fabrikam.com(172.16.50.21):8530 tls=false methods=HEAD,GET,POST certs=,",
		"edge/ibcm.fabrikam.com:8531 nginx sslBridging https listen=8531 -> cmibcm01 cmibcm01.dmz.fabrikam.com(172.16.50.21):8531 tls=true methods=HEAD,GET,POST certs=edge-proxy-server,edge-proxy-client",
	}
	var got []string
	for _, r := range res.Plan.ProxyRoutes {
		got = append(got, routeLine(r))
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("routes:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	mp := res.Plan.ProxyRoutes[1]
	for _, h := range []string{"CCMClientID", "CCMClientIDSignature", "CCMClientTimestamp", "CCMClientTimestampsSignature",
		"Range", "BITS-Packet-Type", "BITS-Session-Id", "Content-Name", "Content-Range", "Depth", "Content-Type"} {
		if !contains(mp.Headers, h) {
			t.Errorf("MP+DP route does not pass header %s: %v", h, mp.Headers)
		}
	}
	if contains(mp.Headers, "Cookie") || contains(mp.Headers, "Authorization") {
		t.Errorf("MP+DP route passes headers outside the policy: %v", mp.Headers)
	}
	if strings.Join(res.Plan.ProxyRoutes[0].Roles, ",") != "fallbackStatusPoint" {
		t.Errorf("FSP route roles = %v", res.Plan.ProxyRoutes[0].Roles)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

const tunnelDesign = `
site: {code: "TUN", server: "cm01.corp.example.com", forest: "corp.example.com", communication: checkCRL: false}
forests: "corp.example.com": {}
zones: {
	intranet: {kind: "intranet", cidrs: ["10.0.0.0/16"]}
	dmz: {kind: "perimeter", cidrs: ["172.16.0.0/24"]}
}
pki: {authorities: "Root": {subject: "CN=Root"}, issuer: "Root"}
systems: {
	dp01: {fqdn: {intranet: "dp01.corp.example.com", internet: "dp.example.com"}, address: "10.0.0.12", forest: "corp.example.com"
		roles: distributionPoint: allow: "internet"}
	mp01: {fqdn: {intranet: "mp01.corp.example.com", internet: "mp.example.com"}, forest: "corp.example.com"
		roles: {managementPoint: allow: "internet", fallbackStatusPoint: allow: "internet"}}
}
publishing: front: {product: "haproxy", mode: "sslTunneling", zone: "dmz", systems: ["mp01", "dp01"]}
clients: laptops: {join: "domain", forest: "corp.example.com", install: mp: "mp01"}
`

func TestProxyRoutesTunnelingPassesTLSAndProxiesFSP(t *testing.T) {
	res := testdesign.CompileOne(t, tunnelDesign)
	if res.Plan == nil {
		t.Fatalf("no plan: %v", res.Diagnostics)
	}
	want := []string{
		"front/mp.example.com:80 haproxy sslTunneling http listen=80 -> mp01 mp01.corp.example.com():80 tls=false methods=POST certs=,",
		"front/dp.example.com:443 haproxy sslTunneling tcp listen=443 -> dp01 dp01.corp.example.com(10.0.0.12):443 tls=false methods= certs=,",
		"front/mp.example.com:443 haproxy sslTunneling tcp listen=443 -> mp01 mp01.corp.example.com():443 tls=false methods= certs=,",
	}
	var got []string
	for _, r := range res.Plan.ProxyRoutes {
		got = append(got, routeLine(r))
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("routes:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestProxyRoutesPortForwardingIsTCP(t *testing.T) {
	res := testdesign.CompileOne(t, strings.Replace(tunnelDesign, `mode: "sslTunneling"`, `mode: "portForwarding"`, 1))
	if res.Plan == nil {
		t.Fatalf("no plan: %v", res.Diagnostics)
	}
	for _, r := range res.Plan.ProxyRoutes {
		if r.Scheme != "tcp" || r.BackendTLS || len(r.Methods) != 0 || r.BackendPort != r.ListenPort {
			t.Errorf("port forwarding route %s", routeLine(r))
		}
	}
	if len(res.Plan.ProxyRoutes) != 3 {
		t.Errorf("got %d routes, want 3", len(res.Plan.ProxyRoutes))
	}
}
