package derive

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/ibcmc/ibcmc/plan"
)

// Verbs each role needs through a proxy (plan-internet-based-client-management, "Client communication
// requirements"). The software update point (WSUS web services: SOAP POST, content GET) and the enrollment
// proxy point are not in that table; their verbs are what their IIS applications serve.
var roleMethods = map[string][]string{
	plan.RoleManagementPoint:      {"HEAD", "CCM_POST", "BITS_POST", "GET", "PROPFIND"},
	plan.RoleDistributionPoint:    {"HEAD", "GET", "PROPFIND"},
	plan.RoleFallbackStatusPoint:  {"POST"},
	plan.RoleSoftwareUpdatePoint:  {"HEAD", "GET", "POST"},
	plan.RoleEnrollmentProxyPoint: {"HEAD", "GET", "POST"},
}

// commonHeaders pass for every role: content negotiation, conditional and partial requests. Range is what
// Microsoft requires for both MP and DP.
var commonHeaders = []string{
	"Accept", "Accept-Encoding", "Accept-Language", "Cache-Control", "Content-Encoding", "Content-Type",
	"If-Match", "If-Modified-Since", "If-None-Match", "If-Range", "If-Unmodified-Since", "Pragma", "Range",
	"User-Agent",
}

// roleHeaders are the non-standard headers a role needs: the CCM headers (Microsoft's list), what BITS uploads
// send (Create-Session and Fragment packets) and WebDAV's Depth and Translate for PROPFIND, SOAPAction for WSUS.
var roleHeaders = map[string][]string{
	plan.RoleManagementPoint: {"CCMClientID", "CCMClientIDSignature", "CCMClientTimestamp", "CCMClientTimestampsSignature",
		"BITS-Packet-Type", "BITS-Session-Id", "BITS-Supported-Protocols", "Content-Name", "Content-Range", "Depth", "Translate"},
	plan.RoleDistributionPoint:   {"Depth", "Translate"},
	plan.RoleSoftwareUpdatePoint: {"SOAPAction"},
}

// ProxyRoutes lists, per publishing entry, each published host and port and where it goes: one route
// per internet endpoint reached through the entry. Bridging terminates TLS and opens a new TLS connection;
// tunneling passes TLS through by SNI; port forwarding passes TCP. Plain-HTTP endpoints (the fallback
// status point) are proxied as HTTP with their verbs allow-listed, except under port forwarding, which
// forwards every port as TCP.
func ProxyRoutes(p *plan.Plan) {
	for _, e := range p.Endpoints {
		pub := p.PublishingEntry(e.Publishing)
		if pub == nil {
			continue
		}
		sys := p.System(e.Target)
		if sys == nil {
			continue
		}
		r := &plan.ProxyRoute{
			ID:             fmt.Sprintf("%s/%s:%d", pub.Name, strings.ToLower(e.FQDN), e.Port),
			Publishing:     pub.Name,
			Product:        pub.Product,
			Mode:           pub.Mode,
			ListenPort:     e.Port,
			Host:           e.FQDN,
			Backend:        sys.Name,
			BackendHost:    sys.PrimaryFQDN(),
			BackendAddress: sys.Address,
			BackendPort:    e.Port,
			Roles:          slices.Clone(e.Roles),
			UpstreamTLS:    pub.UpstreamTLS,
			Path:           pub.Path,
		}
		switch {
		case pub.Mode == plan.ModePortForwarding:
			r.Scheme = "tcp"
		case e.Protocol == "http":
			r.Scheme = "http"
		case pub.Mode == plan.ModeBridging:
			r.Scheme = "https"
			r.BackendTLS = true
			r.ServerCert = pub.Name + "-" + plan.PurposeProxyServer
			r.ClientCert = pub.Name + "-" + plan.PurposeProxyClient
			r.RequireClientCert = slices.Contains(e.Roles, plan.RoleManagementPoint) || slices.Contains(e.Roles, plan.RoleDistributionPoint)
		default:
			r.Scheme = "tcp"
		}
		if r.Scheme != "tcp" {
			r.Methods, r.Headers = routePolicy(e.Roles, r.Scheme == "https" && bindsBackendConnections(pub.Product))
		}
		p.ProxyRoutes = append(p.ProxyRoutes, r)
	}
	slices.SortFunc(p.ProxyRoutes, func(a, b *plan.ProxyRoute) int {
		return cmp.Or(cmp.Compare(a.Publishing, b.Publishing), cmp.Compare(a.ListenPort, b.ListenPort),
			cmp.Compare(strings.ToLower(a.Host), strings.ToLower(b.Host)), cmp.Compare(a.Backend, b.Backend))
	})
}

// bindsBackendConnections: the Authorization header passes where Windows authentication can work through
// the proxy (plan.PublishingProduct.BindsBackendConnections), and through a product ibcmc does not configure
// ("other"), which is described by what the management point needs (rule IB409 says what to check). Never
// through nginx, which would serve the next client as the user a pooled connection was authenticated for.
func bindsBackendConnections(product plan.PublishingProduct) bool {
	binds, known := product.BindsBackendConnections()
	return binds || !known
}

// routePolicy is the union of the verbs and headers of the roles served on one host and port, in a fixed
// order: verbs as Microsoft lists them, headers sorted. windowsAuth adds the Authorization header the
// management point's Windows authentication (user policy) needs; the 401 challenges and Persistent-Auth
// come back as response headers, which proxies pass anyway.
func routePolicy(roles []string, windowsAuth bool) (methods, headers []string) {
	order := []string{"HEAD", "CCM_POST", "BITS_POST", "GET", "PROPFIND", "POST"}
	want := map[string]bool{}
	hdr := map[string]bool{}
	for _, h := range commonHeaders {
		hdr[h] = true
	}
	for _, role := range roles {
		for _, m := range roleMethods[role] {
			want[m] = true
		}
		for _, h := range roleHeaders[role] {
			hdr[h] = true
		}
		if windowsAuth && role == plan.RoleManagementPoint {
			hdr["Authorization"] = true
		}
	}
	for _, m := range order {
		if want[m] {
			methods = append(methods, m)
		}
	}
	for h := range hdr {
		headers = append(headers, h)
	}
	slices.SortFunc(headers, func(a, b string) int { return strings.Compare(strings.ToLower(a), strings.ToLower(b)) })
	return methods, headers
}
