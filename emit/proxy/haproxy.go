package proxy

import (
	"fmt"
	"strings"

	"github.com/ibcmc/ibcmc/emit"
	"github.com/ibcmc/ibcmc/internal/escape"
	"github.com/ibcmc/ibcmc/plan"
)

// hap accumulates an HAProxy config; the first quoting error stops it.
type hap struct{ configWriter }

func (h *hap) q(s string) string {
	v, err := escape.HAProxy(s)
	h.keep(err)
	return v
}

func (h *hap) str(s string) string {
	v, err := escape.HAProxyStr(s)
	h.keep(err)
	return v
}

func haproxyConfig(p *plan.Plan, o emit.Options, pub *plan.Publishing, routes []*plan.ProxyRoute) (string, error) {
	groups, err := groupByPort(routes)
	if err != nil {
		return "", err
	}
	h := &hap{}
	h.b.WriteString(emit.Provenance(emit.Hash, p, o))
	h.comment(0, fmt.Sprintf("Publishing entry %s (%s): HAProxy, %s. %s", pub.Name, pub.Path, pub.Mode, modeSummary(pub)))
	h.comment(0, fmt.Sprintf("Install as /etc/haproxy/haproxy.cfg on Debian 12 (HAProxy 2.6) and check with haproxy -c -f. "+
		"Certificates and keys are read from %s (ibcmc build --cert-dir); each crt file holds certificate, chain and key.", certDir(o)))
	if len(routes) == 0 {
		h.comment(0, "This entry publishes no internet-facing endpoint, so nothing listens.")
	}
	h.line(0, "")
	h.line(0, "global")
	h.line(1, "log /dev/log local0")
	h.line(1, "user haproxy")
	h.line(1, "group haproxy")
	h.comment(1, "TLS toward clients: Mozilla intermediate (TLS 1.2 and 1.3; no post-quantum group, which OpenSSL 3.0 lacks).")
	h.line(1, "ssl-default-bind-curves %s", tlsCurves)
	h.line(1, "ssl-default-bind-ciphers %s", tlsCiphers)
	h.line(1, "ssl-default-bind-ciphersuites %s", tlsCiphersuites)
	h.line(1, "ssl-default-bind-options prefer-client-ciphers ssl-min-ver TLSv1.2 no-tls-tickets")
	h.comment(1, fmt.Sprintf("TLS toward backends: %s ciphers.", pub.UpstreamTLS))
	h.line(1, "ssl-default-server-ciphers %s", upstreamCiphers(pub.UpstreamTLS))
	h.line(1, "ssl-default-server-ciphersuites %s", tlsCiphersuites)
	h.line(1, "ssl-default-server-options ssl-min-ver TLSv1.2 no-tls-tickets")
	h.line(0, "")
	h.line(0, "defaults")
	h.line(1, "log global")
	h.line(1, "timeout connect 5s")
	h.line(1, "timeout client 300s")
	h.line(1, "timeout server 300s")
	h.line(1, "timeout http-request 30s")
	h.line(1, "timeout http-keep-alive 10s")
	ids := map[*plan.ProxyRoute]int{}
	for i, r := range routes {
		ids[r] = i + 1
	}
	for _, g := range groups {
		h.line(0, "")
		switch {
		case g.scheme == "tcp" && requiresSNIRouting(g):
			haproxyTunnel(h, g, ids)
		case g.scheme == "tcp":
			r, err := forwardTarget(g)
			if err != nil {
				return "", err
			}
			var hosts []string
			for _, x := range g.routes {
				hosts = append(hosts, x.Host)
			}
			h.comment(0, fmt.Sprintf("Port %d (%s): forwarded as TCP to %s (%s).", g.port, strings.Join(hosts, ", "), r.Backend, r.BackendHost))
			h.line(0, "frontend ibcmc_port_%d", g.port)
			h.line(1, "mode tcp")
			h.line(1, "bind :%d", g.port)
			h.line(1, "default_backend ibcmc_backend_%d", ids[r])
			h.line(0, "")
			h.line(0, "backend ibcmc_backend_%d", ids[r])
			h.line(1, "mode tcp")
			h.line(1, "server ibcmc_%d %s", ids[r], h.q(hostPort(r)))
		default:
			haproxyHTTP(h, p, o, g, ids)
		}
	}
	if h.err != nil {
		return "", h.err
	}
	return h.b.String(), nil
}

func haproxyTunnel(h *hap, g *listenGroup, ids map[*plan.ProxyRoute]int) {
	h.comment(0, fmt.Sprintf("Port %d: TLS passes through, routed by the SNI name the client sends; an unpublished or missing name is closed.", g.port))
	h.line(0, "frontend ibcmc_port_%d", g.port)
	h.line(1, "mode tcp")
	h.line(1, "bind :%d", g.port)
	h.line(1, "tcp-request inspect-delay 5s")
	h.line(1, "tcp-request content accept if { req.ssl_hello_type 1 }")
	for _, r := range g.routes {
		h.line(1, "use_backend ibcmc_backend_%d if { req.ssl_sni -i %s }", ids[r], h.q(strings.ToLower(r.Host)))
	}
	for _, r := range g.routes {
		h.line(0, "")
		h.comment(0, fmt.Sprintf("%s (%s) port %d: %s", r.Backend, r.BackendHost, r.BackendPort, strings.Join(r.Roles, ", ")))
		h.line(0, "backend ibcmc_backend_%d", ids[r])
		h.line(1, "mode tcp")
		h.line(1, "server ibcmc_%d %s", ids[r], h.q(hostPort(r)))
	}
}

// keepHeaders are the lower-case names (HAProxy's HTX lower-cases them) the header policy keeps besides the
// route's own list: the framing headers HAProxy needs, and Expect, which HAProxy leaves to the backend.
var keepHeaders = []string{"host", "content-length", "transfer-encoding", "expect"}

func haproxyHTTP(h *hap, p *plan.Plan, o emit.Options, g *listenGroup, ids map[*plan.ProxyRoute]int) {
	h.line(0, "frontend ibcmc_port_%d", g.port)
	h.line(1, "mode http")
	h.line(1, "option httplog")
	if g.scheme == "https" {
		bind := fmt.Sprintf("bind :%d ssl crt %s", g.port, h.q(certFile(o, g.routes[0].ServerCert+".pem")))
		require := false
		for _, r := range g.routes {
			require = require || r.RequireClientCert
		}
		if require {
			h.comment(1, "Clients must present a certificate issued by the client certificate chain; a missing or revoked one ends the handshake.")
			bind += " ca-file " + h.q(certFile(o, CAChainFile)) + " verify required"
			if p.Site.Communication.CheckCRL {
				h.comment(1, "Revocation: the CRL of every CA in the chain, read at start and reload only; refresh-crl.sh (next to this file) keeps it current, or every client is refused once a CRL expires.")
				bind += " crl-file " + h.q(certFile(o, CRLChainFile))
			}
		} else {
			h.comment(1, "Windows Update agents present no client certificate to a software update point.")
			bind += " verify none"
		}
		h.line(1, "%s alpn http/1.1", bind)
	} else {
		h.line(1, "bind :%d", g.port)
	}
	h.comment(1, "Routing by Host; a name this entry does not publish gets 404, a verb the host's roles do not use gets 405.")
	var notAny []string
	for _, r := range g.routes {
		id := ids[r]
		h.line(1, "acl ibcmc_host_%d req.hdr(host),field(1,:),lower -m str %s", id, h.q(strings.ToLower(r.Host)))
		h.line(1, "acl ibcmc_verbs_%d method %s", id, strings.Join(r.Methods, " "))
		notAny = append(notAny, fmt.Sprintf("!ibcmc_host_%d", id))
	}
	h.line(1, "http-request deny deny_status 404 if %s", strings.Join(notAny, " "))
	for _, r := range g.routes {
		h.line(1, "http-request deny deny_status 405 if ibcmc_host_%d !ibcmc_verbs_%d", ids[r], ids[r])
	}
	for _, r := range g.routes {
		id := ids[r]
		h.comment(1, fmt.Sprintf("%s:%d -> %s (%s). %s Content types are not filtered: multipart/mixed and application/octet-stream always pass; bodies stream unbuffered, whatever their size.",
			r.Host, r.ListenPort, r.Backend, strings.Join(r.Roles, ", "), headerPolicy(r)))
		names := append([]string{}, keepHeaders...)
		for _, x := range r.Headers {
			names = append(names, strings.ToLower(x))
		}
		h.line(1, "http-request del-header '^(?!(%s)$)' -m reg if ibcmc_host_%d", strings.Join(names, "|"), id)
		h.line(1, "use_backend ibcmc_backend_%d if ibcmc_host_%d", id, id)
	}
	for _, r := range g.routes {
		id := ids[r]
		h.line(0, "")
		h.comment(0, fmt.Sprintf("%s (%s) port %d", r.Backend, r.BackendHost, r.BackendPort))
		h.line(0, "backend ibcmc_backend_%d", id)
		h.line(1, "mode http")
		h.line(1, "http-request set-header Host %s", h.q(r.BackendHost))
		if r.BackendTLS {
			h.comment(1, "Every client is forwarded under this proxy's one identity, so backend connections may be shared; HTTP/1.1 keepalive. "+
				"http-reuse safe (HAProxy's default): a client's first request gets its own connection, later ones may reuse idle ones "+
				"(with \"always\", a GET through the proxy stalled under load in the end-to-end test, about once in 12 runs). "+
				"A connection on which Windows authentication starts (a 401 with WWW-Authenticate NTLM or Negotiate) is marked private by HAProxy: "+
				"it stays bound to its client connection and is never shared, as NTLM needs. An option that closes server connections after each response would break that.")
			h.line(1, "http-reuse safe")
			h.comment(1, fmt.Sprintf("TLS to the backend (%s ciphers): present this proxy's client-authentication certificate, verify the backend's certificate and name.", r.UpstreamTLS))
			srv := fmt.Sprintf("server ibcmc_%d %s ssl crt %s ca-file %s", id, h.q(hostPort(r)), h.q(certFile(o, r.ClientCert+".pem")), h.q(certFile(o, CAChainFile)))
			if p.Site.Communication.CheckCRL {
				srv += " crl-file " + h.q(certFile(o, CRLChainFile))
			}
			srv += fmt.Sprintf(" verify required sni %s verifyhost %s alpn http/1.1", h.str(r.BackendHost), h.q(r.BackendHost))
			h.line(1, "%s", srv)
		} else {
			h.line(1, "server ibcmc_%d %s", id, h.q(hostPort(r)))
		}
	}
}
