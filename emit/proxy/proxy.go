// Package proxy writes reverse-proxy configurations for the publishing entries whose product is nginx or
// HAProxy: proxy/<name>/nginx.conf or proxy/<name>/haproxy.cfg, a complete main configuration file for the
// Debian 12 packages (nginx 1.22 with libnginx-mod-stream, HAProxy 2.6, OpenSSL 3.0) built only from the
// plan's proxy routes; proxy/<name>/README.md, the deploy note (for any product); and
// proxy/<name>/refresh-crl.sh when the config reads CRLs.
package proxy

import (
	"fmt"
	"net"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/ibcmc/ibcmc/emit"
	"github.com/ibcmc/ibcmc/plan"
)

// DefaultCertDir is where configs expect certificates when the build does not say (build --cert-dir).
const DefaultCertDir = "/etc/ibcmc/pki"

// File names under the certificate directory that are not per certificate request.
const (
	CAChainFile  = "ca-chain.pem"  // the client certificate chain's CA certificates: trusted for clients and backends
	CRLChainFile = "crl-chain.pem" // the CRL of every CA in that chain (OpenSSL checks the whole chain)
)

// Emit writes the files of each publishing entry: for product nginx or haproxy its config, deploy note and
// CRL refresh script; for any other product a note saying what to configure.
func Emit(p *plan.Plan, o emit.Options) ([]emit.File, error) {
	var files []emit.File
	for _, pub := range p.Publishing {
		var routes []*plan.ProxyRoute
		for _, r := range p.ProxyRoutes {
			if r.Publishing == pub.Name {
				routes = append(routes, r)
			}
		}
		var (
			name    string
			content string
			err     error
		)
		switch pub.Product {
		case plan.PublishingNginx:
			name = "nginx.conf"
			content, err = nginxConfig(p, o, pub, routes)
		case plan.PublishingHAProxy:
			name = "haproxy.cfg"
			content, err = haproxyConfig(p, o, pub, routes)
		default:
			// No configuration for a product ibcmc does not know; the note says what to configure.
			files = append(files, emit.File{Path: "proxy/" + pub.Name + "/README.md", Content: []byte(otherNote(p, o, pub, routes))})
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("publishing entry %q: %w", pub.Name, err)
		}
		dir := "proxy/" + pub.Name + "/"
		crl := readsCRL(p, routes)
		note, err := deployNote(p, o, pub, routes, name)
		if err != nil {
			return nil, fmt.Errorf("publishing entry %q: deploy note: %w", pub.Name, err)
		}
		files = append(files, emit.File{Path: dir + "README.md", Content: []byte(note)},
			emit.File{Path: dir + name, Content: []byte(content)})
		if crl {
			script, err := refreshCRLScript(p, o, pub)
			if err != nil {
				return nil, fmt.Errorf("publishing entry %q: refresh-crl.sh: %w", pub.Name, err)
			}
			files = append(files, emit.File{Path: dir + "refresh-crl.sh", Content: []byte(script), Executable: true})
		}
	}
	return files, nil
}

// TLS profiles: Mozilla Server-Side TLS guideline 6.0 "intermediate", without X25519MLKEM768, which
// OpenSSL 3.0 cannot set (nginx -t and haproxy -c refuse it).
const (
	tlsCiphers       = "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305"
	tlsCiphersuites  = "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256"
	tlsCurves        = "X25519:prime256v1:secp384r1"
	legacyAdditional = "ECDHE-RSA-AES256-SHA384:ECDHE-RSA-AES128-SHA256:DHE-RSA-AES256-GCM-SHA384:DHE-RSA-AES128-GCM-SHA256"
)

// upstreamCiphers are the TLS 1.2 ciphers offered to backends. Windows Server 2012 R2 (SChannel, KB2919355
// list) has no ECDHE cipher with GCM for RSA certificates, so "legacy" adds its CBC and DHE-GCM suites.
func upstreamCiphers(profile plan.UpstreamTLS) string {
	if profile == plan.UpstreamLegacy {
		return tlsCiphers + ":" + legacyAdditional
	}
	return tlsCiphers
}

func certDir(o emit.Options) string {
	if o.CertDir == "" {
		return DefaultCertDir
	}
	return o.CertDir
}

func certFile(o emit.Options, name string) string { return path.Join(certDir(o), name) }

// hostPort is where the proxy connects: the backend's address when the design gives one, else its name.
func hostPort(r *plan.ProxyRoute) string {
	h := r.BackendHost
	if r.BackendAddress != "" {
		h = r.BackendAddress
	}
	return net.JoinHostPort(h, strconv.Itoa(r.BackendPort))
}

// listenGroup is every route on one listening port, in route order.
type listenGroup struct {
	port   int
	scheme string // https | http | tcp
	routes []*plan.ProxyRoute
}

// groupByPort groups routes by listening port. Two routes on one port with different schemes cannot share a
// listener (a TLS and a plain-HTTP endpoint on the same port); that is refused.
func groupByPort(routes []*plan.ProxyRoute) ([]*listenGroup, error) {
	var groups []*listenGroup
	byPort := map[int]*listenGroup{}
	for _, r := range routes {
		g := byPort[r.ListenPort]
		if g == nil {
			g = &listenGroup{port: r.ListenPort, scheme: r.Scheme}
			byPort[r.ListenPort] = g
			groups = append(groups, g)
		}
		if g.scheme != r.Scheme {
			return nil, fmt.Errorf("port %d carries both %s (%s) and %s (%s); one listener cannot serve both",
				r.ListenPort, g.scheme, g.routes[0].Host, r.Scheme, r.Host)
		}
		g.routes = append(g.routes, r)
	}
	return groups, nil
}

// forwardTarget is the single backend a port-forwarded port goes to. TCP forwarding has no host name to
// route on, so two different backends on one port cannot be published this way.
func forwardTarget(g *listenGroup) (*plan.ProxyRoute, error) {
	first := g.routes[0]
	for _, r := range g.routes[1:] {
		if hostPort(r) != hostPort(first) {
			return nil, fmt.Errorf("port forwarding sends port %d to one backend, but %s and %s both need it; use sslTunneling to route by name",
				g.port, first.Backend, r.Backend)
		}
	}
	return first, nil
}

func requiresSNIRouting(g *listenGroup) bool {
	return g.scheme == "tcp" && g.routes[0].Mode == plan.ModeTunneling
}

// headerPolicy explains a route's header policy in a comment.
func headerPolicy(r *plan.ProxyRoute) string {
	s := "Header policy: only these request headers reach the backend (the CCM headers and Range that Configuration Manager clients need; BITS upload and WebDAV headers; conditional requests): " +
		strings.Join(r.Headers, ", ") + ". Content-Length and Transfer-Encoding are regenerated by the proxy; "
	switch {
	case slices.Contains(r.Headers, "Authorization"):
		return s + "Authorization carries the management point's Windows authentication (NTLM, for user policy); cookies and anything else are dropped."
	case r.Product == plan.PublishingNginx && slices.Contains(r.Roles, plan.RoleManagementPoint) && r.BackendTLS:
		return s + "cookies, credentials and anything else are dropped. Authorization is dropped because nginx shares backend connections between clients: " +
			"a connection the management point authenticated with NTLM would serve the next client as that user. User policy from the internet needs HAProxy or SSL tunneling (rule IB409)."
	}
	return s + "cookies, credentials and anything else are dropped."
}

// wrap writes a long comment over several lines of at most width characters.
// configWriter accumulates a proxy config as indented lines and comments, and keeps the first error a
// value's quoting reported (the emitter then refuses the config rather than write it).
type configWriter struct {
	b   strings.Builder
	err error
}

func (w *configWriter) line(indent int, format string, args ...any) {
	w.b.WriteString(strings.Repeat("    ", indent))
	fmt.Fprintf(&w.b, format, args...)
	w.b.WriteByte('\n')
}

func (w *configWriter) comment(indent int, s string) {
	w.b.WriteString(wrap(strings.Repeat("    ", indent), s, 100))
}

func (w *configWriter) keep(err error) {
	if err != nil && w.err == nil {
		w.err = err
	}
}

func wrap(prefix, s string, width int) string {
	var b strings.Builder
	line := ""
	for _, w := range strings.Fields(emit.SanitizeComment(s)) {
		if line != "" && len(line)+1+len(w) > width {
			b.WriteString(prefix + "# " + line + "\n")
			line = ""
		}
		if line != "" {
			line += " "
		}
		line += w
	}
	if line != "" {
		b.WriteString(prefix + "# " + line + "\n")
	}
	return b.String()
}

func modeSummary(pub *plan.Publishing) string {
	switch pub.Mode {
	case plan.ModeBridging:
		return "SSL bridging: TLS from clients ends here (client certificate required and verified); a new TLS connection to each backend presents this proxy's client-authentication certificate and verifies the backend's certificate and name."
	case plan.ModeTunneling:
		return "SSL tunneling: TLS passes through untouched, routed by the SNI name; the proxy holds no certificate and sees no traffic."
	default:
		return "Port forwarding: each published port is forwarded as TCP to its system; no inspection, no routing by name (IB403)."
	}
}
