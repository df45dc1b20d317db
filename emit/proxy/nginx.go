package proxy

import (
	"fmt"
	"strings"

	"github.com/ibcmc/ibcmc/emit"
	"github.com/ibcmc/ibcmc/internal/escape"
	"github.com/ibcmc/ibcmc/plan"
)

// nginxStreamModule is loaded by absolute path: a relative load_module resolves against the -p prefix, and
// Debian ships the stream module separately (libnginx-mod-stream).
const nginxStreamModule = "/usr/lib/nginx/modules/ngx_stream_module.so"

// ngx accumulates an nginx config; the first quoting error stops it.
type ngx struct{ configWriter }

// q quotes a value as one nginx string.
func (n *ngx) q(s string) string {
	v, err := escape.Nginx(s)
	n.keep(err)
	return v
}

func nginxConfig(p *plan.Plan, o emit.Options, pub *plan.Publishing, routes []*plan.ProxyRoute) (string, error) {
	groups, err := groupByPort(routes)
	if err != nil {
		return "", err
	}
	var httpGroups, streamGroups []*listenGroup
	for _, g := range groups {
		if g.scheme == "tcp" {
			streamGroups = append(streamGroups, g)
		} else {
			httpGroups = append(httpGroups, g)
		}
	}
	n := &ngx{}
	n.b.WriteString(emit.Provenance(emit.Hash, p, o))
	n.comment(0, fmt.Sprintf("Publishing entry %s (%s): nginx, %s. %s", pub.Name, pub.Path, pub.Mode, modeSummary(pub)))
	n.comment(0, fmt.Sprintf("Install as /etc/nginx/nginx.conf on Debian 12 (nginx 1.22%s) and check with nginx -t. "+
		"Certificates and keys are read from %s (ibcmc build --cert-dir).", map[bool]string{true: " and libnginx-mod-stream", false: ""}[len(streamGroups) > 0], certDir(o)))
	if len(routes) == 0 {
		n.comment(0, "This entry publishes no internet-facing endpoint, so nothing listens.")
	}
	n.line(0, "")
	n.line(0, "user www-data;")
	n.line(0, "worker_processes auto;")
	n.line(0, "pid /run/nginx.pid;")
	n.line(0, "error_log /var/log/nginx/error.log warn;")
	if len(streamGroups) > 0 {
		n.line(0, "load_module %s;", nginxStreamModule)
	}
	n.line(0, "")
	n.line(0, "events {")
	n.line(1, "worker_connections 1024;")
	n.line(0, "}")
	ids := map[*plan.ProxyRoute]int{}
	for i, r := range routes {
		ids[r] = i + 1
	}
	if len(httpGroups) > 0 {
		n.line(0, "")
		nginxHTTP(n, p, o, httpGroups, ids)
	}
	if len(streamGroups) > 0 {
		n.line(0, "")
		nginxStream(n, streamGroups, ids)
	}
	if n.err != nil {
		return "", n.err
	}
	return n.b.String(), nil
}

func nginxHTTP(n *ngx, p *plan.Plan, o emit.Options, groups []*listenGroup, ids map[*plan.ProxyRoute]int) {
	n.line(0, "http {")
	n.line(1, "access_log /var/log/nginx/access.log;")
	n.line(1, "client_body_temp_path /var/lib/nginx/body;")
	n.line(1, "proxy_temp_path /var/lib/nginx/proxy;")
	n.line(1, "fastcgi_temp_path /var/lib/nginx/fastcgi;")
	n.line(1, "uwsgi_temp_path /var/lib/nginx/uwsgi;")
	n.line(1, "scgi_temp_path /var/lib/nginx/scgi;")
	n.line(1, "server_tokens off;")
	if size := hashBucketSize(groups); size > 0 {
		n.comment(1, "Long published names need larger hash buckets than the default 64 bytes, or nginx refuses to start.")
		n.line(1, "server_names_hash_bucket_size %d;", size)
	}
	tls := false
	for _, g := range groups {
		tls = tls || g.scheme == "https"
	}
	if tls {
		n.line(0, "")
		n.comment(1, "TLS toward clients: Mozilla intermediate (TLS 1.2 and 1.3; no post-quantum group, which OpenSSL 3.0 lacks).")
		n.line(1, "ssl_protocols TLSv1.2 TLSv1.3;")
		n.line(1, "ssl_ecdh_curve %s;", tlsCurves)
		n.line(1, "ssl_ciphers %s;", tlsCiphers)
		n.line(1, "ssl_prefer_server_ciphers off;")
		n.line(1, "ssl_session_timeout 1d;")
		n.line(1, "ssl_session_cache shared:ibcmc_tls:10m;")
		n.line(1, "ssl_session_tickets off;")
	}
	n.line(0, "")
	n.comment(1, "Verbs each published host accepts; anything else gets 405. A map, because limit_except rejects CCM_POST and BITS_POST.")
	for _, g := range groups {
		for _, r := range g.routes {
			var entries []string
			for _, m := range r.Methods {
				entries = append(entries, m+" 1;")
			}
			n.line(1, "map $request_method $ibcmc_verbs_%d { default 0; %s }", ids[r], strings.Join(entries, " "))
		}
	}
	for _, g := range groups {
		for _, r := range g.routes {
			n.line(0, "")
			n.line(1, "upstream ibcmc_backend_%d {", ids[r])
			n.comment(2, fmt.Sprintf("%s (%s) port %d", r.Backend, r.BackendHost, r.BackendPort))
			n.line(2, "server %s;", n.q(hostPort(r)))
			n.line(2, "keepalive 16;")
			n.line(1, "}")
		}
	}
	for _, g := range groups {
		n.line(0, "")
		if g.scheme == "https" {
			n.comment(1, fmt.Sprintf("Port %d: a name this entry does not publish gets no TLS handshake.", g.port))
			n.line(1, "server {")
			n.line(2, "listen %d ssl default_server;", g.port)
			n.line(2, "ssl_reject_handshake on;")
			n.line(1, "}")
		} else {
			n.comment(1, fmt.Sprintf("Port %d: a name this entry does not publish gets 404.", g.port))
			n.line(1, "server {")
			n.line(2, "listen %d default_server;", g.port)
			n.line(2, "return 404;")
			n.line(1, "}")
		}
		for _, r := range g.routes {
			n.line(0, "")
			nginxServer(n, p, o, r, ids[r])
		}
	}
	n.line(0, "}")
}

func nginxServer(n *ngx, p *plan.Plan, o emit.Options, r *plan.ProxyRoute, id int) {
	n.comment(1, fmt.Sprintf("%s:%d -> %s (%s): %s", r.Host, r.ListenPort, r.Backend, strings.Join(r.Roles, ", "), r.Scheme))
	n.line(1, "server {")
	if r.Scheme == "https" {
		n.line(2, "listen %d ssl;", r.ListenPort)
	} else {
		n.line(2, "listen %d;", r.ListenPort)
	}
	n.line(2, "server_name %s;", n.q(strings.ToLower(r.Host)))
	if r.Scheme == "https" {
		n.line(2, "ssl_certificate %s;", n.q(certFile(o, r.ServerCert+".crt")))
		n.line(2, "ssl_certificate_key %s;", n.q(certFile(o, r.ServerCert+".key")))
		if r.RequireClientCert {
			n.comment(2, "Clients must present a certificate issued by the client certificate chain.")
			n.line(2, "ssl_verify_client on;")
			n.line(2, "ssl_client_certificate %s;", n.q(certFile(o, CAChainFile)))
			n.line(2, "ssl_verify_depth %d;", verifyDepth(p))
			if p.Site.Communication.CheckCRL {
				n.comment(2, "Revocation: the CRL of every CA in the chain, read at start and reload only; refresh-crl.sh (next to this file) keeps it current, or every client is refused once a CRL expires.")
				n.line(2, "ssl_crl %s;", n.q(certFile(o, CRLChainFile)))
			}
		} else {
			n.comment(2, "Windows Update agents present no client certificate to a software update point.")
			n.line(2, "ssl_verify_client off;")
		}
	}
	n.comment(2, "Request bodies of any size (BITS uploads, inventory) stream through unbuffered; responses too, so Range requests get their 206.")
	n.line(2, "client_max_body_size 0;")
	n.line(2, "proxy_request_buffering off;")
	n.line(2, "proxy_buffering off;")
	n.line(2, "proxy_read_timeout 300s;")
	n.line(2, "proxy_send_timeout 300s;")
	n.line(0, "")
	n.line(2, "location / {")
	n.line(3, "if ($ibcmc_verbs_%d = 0) { return 405; }", id)
	scheme := "http"
	if r.BackendTLS {
		scheme = "https"
	}
	n.line(3, "proxy_pass %s://ibcmc_backend_%d;", scheme, id)
	n.comment(3, "HTTP/1.1 with keepalive to the backend, as ConfigMgr requires.")
	n.line(3, "proxy_http_version 1.1;")
	n.line(3, "proxy_set_header Connection \"\";")
	n.line(3, "proxy_set_header Host %s;", n.q(r.BackendHost))
	n.comment(3, headerPolicy(r)+" Content types are not filtered: multipart/mixed and application/octet-stream always pass.")
	n.line(3, "proxy_pass_request_headers off;")
	for _, h := range r.Headers {
		n.line(3, "proxy_set_header %s $http_%s;", h, strings.ReplaceAll(strings.ToLower(h), "-", "_"))
	}
	if r.BackendTLS {
		n.comment(3, fmt.Sprintf("TLS to the backend (%s ciphers): present this proxy's client-authentication certificate, verify the backend's certificate and name.", r.UpstreamTLS))
		n.line(3, "proxy_ssl_certificate %s;", n.q(certFile(o, r.ClientCert+".crt")))
		n.line(3, "proxy_ssl_certificate_key %s;", n.q(certFile(o, r.ClientCert+".key")))
		n.line(3, "proxy_ssl_trusted_certificate %s;", n.q(certFile(o, CAChainFile)))
		if p.Site.Communication.CheckCRL {
			n.line(3, "proxy_ssl_crl %s;", n.q(certFile(o, CRLChainFile)))
		}
		n.line(3, "proxy_ssl_verify on;")
		n.line(3, "proxy_ssl_verify_depth %d;", verifyDepth(p))
		n.line(3, "proxy_ssl_name %s;", n.q(r.BackendHost))
		n.line(3, "proxy_ssl_server_name on;")
		n.line(3, "proxy_ssl_protocols TLSv1.2 TLSv1.3;")
		n.line(3, "proxy_ssl_ciphers %s;", upstreamCiphers(r.UpstreamTLS))
		n.line(3, "proxy_ssl_session_reuse on;")
	}
	n.line(2, "}")
	n.line(1, "}")
}

// verifyDepth allows a chain as long as the design's client certificate chain (leaf, issuer, ..., root).
func verifyDepth(p *plan.Plan) int {
	if d := len(p.ClientChain()); d > 0 {
		return d
	}
	return 1
}

func nginxStream(n *ngx, groups []*listenGroup, ids map[*plan.ProxyRoute]int) {
	n.line(0, "stream {")
	if size := hashBucketSize(groups); size > 0 {
		n.comment(1, "Long published names need larger hash buckets than the default 64 bytes, or nginx refuses to start.")
		n.line(1, "map_hash_bucket_size %d;", size)
	}
	for gi, g := range groups {
		if gi > 0 {
			n.line(0, "")
		}
		if requiresSNIRouting(g) {
			n.comment(1, fmt.Sprintf("Port %d: TLS passes through, routed by the SNI name the client sends; an unpublished or missing name is closed.", g.port))
			n.line(1, "map $ssl_preread_server_name $ibcmc_sni_%d {", g.port)
			n.line(2, "hostnames;")
			for _, r := range g.routes {
				n.line(2, "%s ibcmc_backend_%d;", n.q(strings.ToLower(r.Host)), ids[r])
			}
			n.line(2, "default ibcmc_unpublished;")
			n.line(1, "}")
			for _, r := range g.routes {
				n.line(1, "upstream ibcmc_backend_%d {", ids[r])
				n.comment(2, fmt.Sprintf("%s (%s) port %d: %s", r.Backend, r.BackendHost, r.BackendPort, strings.Join(r.Roles, ", ")))
				n.line(2, "server %s;", n.q(hostPort(r)))
				n.line(1, "}")
			}
			n.line(1, "server {")
			n.line(2, "listen %d;", g.port)
			n.line(2, "ssl_preread on;")
			n.line(2, "proxy_pass $ibcmc_sni_%d;", g.port)
			n.line(2, "proxy_connect_timeout 5s;")
			n.line(2, "proxy_timeout 300s;")
			n.line(1, "}")
			continue
		}
		r, err := forwardTarget(g)
		if err != nil {
			if n.err == nil {
				n.err = err
			}
			return
		}
		var hosts []string
		for _, x := range g.routes {
			hosts = append(hosts, x.Host)
		}
		n.comment(1, fmt.Sprintf("Port %d (%s): forwarded as TCP to %s (%s).", g.port, strings.Join(hosts, ", "), r.Backend, r.BackendHost))
		n.line(1, "server {")
		n.line(2, "listen %d;", g.port)
		n.line(2, "proxy_pass %s;", n.q(hostPort(r)))
		n.line(2, "proxy_connect_timeout 5s;")
		n.line(2, "proxy_timeout 300s;")
		n.line(1, "}")
	}
	if needsUnpublished(groups) {
		n.line(0, "")
		n.comment(1, "Marked down: connections for names not published here are closed without reaching any system.")
		n.line(1, "upstream ibcmc_unpublished {")
		n.line(2, "server 127.0.0.1:9 down;")
		n.line(1, "}")
	}
	n.line(0, "}")
}

func needsUnpublished(groups []*listenGroup) bool {
	for _, g := range groups {
		if requiresSNIRouting(g) {
			return true
		}
	}
	return false
}

// hashBucketSize is the hash bucket size nginx needs for the longest published name, or 0 when the default
// (64 bytes, one cache line) holds it. nginx stores a name as a pointer and the name (plus two bytes) aligned
// to a pointer, and a bucket also ends with a null pointer: a 47-character name already needs 72 bytes.
func hashBucketSize(groups []*listenGroup) int {
	longest := 0
	for _, g := range groups {
		for _, r := range g.routes {
			longest = max(longest, len(r.Host))
		}
	}
	need := 8 + (longest+2+7)/8*8 + 8
	if need <= 64 {
		return 0
	}
	size := 64
	for size < need {
		size *= 2
	}
	return size
}
