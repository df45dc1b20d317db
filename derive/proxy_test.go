package derive_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/ibcmc/ibcmc/plan"
)

func routeLines(p *plan.Plan) string {
	var out []string
	for _, r := range p.ProxyRoutes {
		out = append(out, fmt.Sprintf("%s %s %s listen=%d -> %s(%s %s):%d tls=%v clientcert=%v certs=%s,%s methods=%s",
			r.ID, r.Product, r.Scheme, r.ListenPort, r.Backend, r.BackendHost, r.BackendAddress, r.BackendPort, r.BackendTLS,
			r.RequireClientCert, r.ServerCert, r.ClientCert, strings.Join(r.Methods, ",")))
	}
	return strings.Join(out, "\n")
}

func TestProxyRoutesByMode(t *testing.T) {
	for _, tc := range []struct {
		product plan.PublishingProduct
		mode    plan.PublishingMode
		want    string
	}{
		{"nginx", plan.ModeBridging,
			"edge/ibcm.contoso.net:443 nginx https listen=443 -> ibcm1(ibcm1.contoso.com 192.0.2.20):443 tls=true clientcert=true certs=edge-proxy-server,edge-proxy-client methods=HEAD,CCM_POST,BITS_POST,GET,PROPFIND"},
		{"haproxy", plan.ModeTunneling,
			"edge/ibcm.contoso.net:443 haproxy tcp listen=443 -> ibcm1(ibcm1.contoso.com 192.0.2.20):443 tls=false clientcert=false certs=, methods="},
		{"other", plan.ModePortForwarding,
			"edge/ibcm.contoso.net:443 other tcp listen=443 -> ibcm1(ibcm1.contoso.com 192.0.2.20):443 tls=false clientcert=false certs=, methods="},
	} {
		p := site()
		p.Publishing[0].Product, p.Publishing[0].Mode = tc.product, tc.mode
		if got := routeLines(derived(p)); got != tc.want {
			t.Errorf("%s %s\n got: %s\nwant: %s", tc.product, tc.mode, got, tc.want)
		}
		// The certificates a bridging route names are requested.
		for _, r := range p.ProxyRoutes {
			for _, id := range []string{r.ServerCert, r.ClientCert} {
				if id != "" && !slices.ContainsFunc(p.CertRequests, func(c *plan.CertRequest) bool { return c.ID == id }) {
					t.Errorf("%s names certificate %s, which is not requested", r.ID, id)
				}
			}
		}
	}
}

// A plain-HTTP endpoint (the fallback status point) is proxied as HTTP with its verbs allow-listed.
func TestProxyRoutesPlainHTTPFallbackStatusPoint(t *testing.T) {
	p := site()
	p.Publishing[0].Mode = plan.ModeTunneling
	system(p, "ibcm1").Roles.FallbackStatusPoint = &plan.FallbackStatusPoint{Role: role(plan.RoleFallbackStatusPoint, "ibcm1", plan.AllowInternet)}
	got := routeLines(derived(p))
	want := strings.Join([]string{
		"edge/ibcm.contoso.net:80 nginx http listen=80 -> ibcm1(ibcm1.contoso.com 192.0.2.20):80 tls=false clientcert=false certs=, methods=POST",
		"edge/ibcm.contoso.net:443 nginx tcp listen=443 -> ibcm1(ibcm1.contoso.com 192.0.2.20):443 tls=false clientcert=false certs=, methods=",
	}, "\n")
	if got != want {
		t.Errorf("routes\n got:\n%s\nwant:\n%s", got, want)
	}
}

// The management point authenticates a connection, not a request: only a product that binds one backend
// connection to one client connection passes the Authorization header (nginx pools them, IB409).
func TestProxyRoutesAuthorizationOnlyWhereConnectionsAreBound(t *testing.T) {
	for product, want := range map[plan.PublishingProduct]bool{"nginx": false, "haproxy": true, "other": true} {
		p := site()
		p.Publishing[0].Product = product
		derived(p)
		if len(p.ProxyRoutes) != 1 {
			t.Fatalf("%s: %d routes", product, len(p.ProxyRoutes))
		}
		hs := p.ProxyRoutes[0].Headers
		has := false
		for _, h := range hs {
			has = has || h == "Authorization"
		}
		if has != want {
			t.Errorf("%s: Authorization passed = %v, want %v (headers %v)", product, has, want, hs)
		}
		for _, h := range []string{"CCMClientID", "BITS-Session-Id", "Range", "Translate"} {
			if !strings.Contains(" "+strings.Join(hs, " ")+" ", " "+h+" ") {
				t.Errorf("%s: header %s missing from %v", product, h, hs)
			}
		}
	}
}
