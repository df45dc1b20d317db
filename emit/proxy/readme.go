package proxy

import (
	"fmt"
	"slices"
	"strings"

	"github.com/ibcmc/ibcmc/emit"
	"github.com/ibcmc/ibcmc/emit/certs"
	"github.com/ibcmc/ibcmc/internal/escape"
	"github.com/ibcmc/ibcmc/learn"
	"github.com/ibcmc/ibcmc/plan"
)

// deployNote writes proxy/<name>/README.md: what the entry publishes, which files its config reads and how
// to make them from the enterprise CA, how to check, reload and keep the CRLs current. Design values are
// escaped for Markdown in prose and tables, and quoted for sh inside command blocks.
func deployNote(p *plan.Plan, o emit.Options, pub *plan.Publishing, routes []*plan.ProxyRoute, config string) (string, error) {
	var words shWords
	sh := words.quote
	md, code := escape.Markdown, escape.MarkdownCode
	var b strings.Builder
	noteHeader(&b, p, o, pub, routes)

	var serverCert, clientCert string
	for _, r := range routes {
		if r.BackendTLS {
			serverCert, clientCert = r.ServerCert, r.ClientCert
			break
		}
	}
	crl := readsCRL(p, routes)
	b.WriteString("## Files\n\n")
	install := map[plan.PublishingProduct]string{plan.PublishingNginx: "/etc/nginx/nginx.conf", plan.PublishingHAProxy: "/etc/haproxy/haproxy.cfg"}[pub.Product]
	version := map[plan.PublishingProduct]string{plan.PublishingNginx: "nginx 1.22", plan.PublishingHAProxy: "HAProxy 2.6"}[pub.Product]
	if pub.Product == plan.PublishingNginx && pub.Mode != plan.ModeBridging && len(routes) > 0 {
		version += " with libnginx-mod-stream"
	}
	fmt.Fprintf(&b, "Install %s as %s (Debian 12, %s).", code(config), code(install), version)
	switch {
	case serverCert == "" && pub.Mode == plan.ModeBridging:
		b.WriteString(" It reads no certificate: every endpoint it publishes is plain HTTP.\n\n")
	case serverCert == "":
		b.WriteString(" It reads no certificate: connections pass through the proxy to the site systems, which hold their own certificates.\n\n")
	default:
		fmt.Fprintf(&b, " It reads these files from %s (`ibcmc build --cert-dir`):\n\n", code(certDir(o)))
		b.WriteString("| File | What |\n|---|---|\n")
		if pub.Product == plan.PublishingHAProxy {
			fmt.Fprintf(&b, "| %s | the proxy's server certificate for the published names, its intermediate CA certificates and its private key, PEM, in that order |\n", code(serverCert+".pem"))
			fmt.Fprintf(&b, "| %s | the proxy's client-authentication certificate, presented to the site systems, with its intermediates and private key |\n", code(clientCert+".pem"))
		} else {
			fmt.Fprintf(&b, "| %s, %s | the proxy's server certificate for the published names followed by its intermediate CA certificates, and its private key, PEM |\n", code(serverCert+".crt"), code(serverCert+".key"))
			fmt.Fprintf(&b, "| %s, %s | the proxy's client-authentication certificate, presented to the site systems, and its private key |\n", code(clientCert+".crt"), code(clientCert+".key"))
		}
		fmt.Fprintf(&b, "| %s | every CA certificate of the client certificate chain (%s), PEM: clients' and site systems' certificates must chain to them |\n",
			code(CAChainFile), md(chainNames(p)))
		if crl {
			fmt.Fprintf(&b, "| %s | the current CRL of every CA in that chain, PEM (OpenSSL checks revocation along the whole chain); %s keeps it current |\n", code(CRLChainFile), code("refresh-crl.sh"))
		}
		b.WriteString("\nKeep the private keys readable by root only (`chmod 600`).\n\n")

		b.WriteString("## Making the certificates\n\n")
		chain := p.ClientChain() // issuing CA first
		var all, inter []string
		b.WriteString("First the CA chain. Export each CA certificate of the chain Base64-encoded to the file named here " +
			"(on the CA, `certutil -ca.cert <file>` writes DER: convert it with `openssl x509 -inform DER -in <file> -out <name>.pem`):\n\n")
		b.WriteString("| File | CA |\n|---|---|\n")
		for i, a := range chain {
			f := caPEM(i, len(chain))
			all = append(all, f)
			if i < len(chain)-1 {
				inter = append(inter, f)
			}
			fmt.Fprintf(&b, "| %s | %s |\n", code(f), md(a.Name))
		}
		b.WriteString("\n")
		if len(inter) > 0 {
			fmt.Fprintf(&b, "The intermediate CAs (every CA but the root) travel with the proxy's certificates in %s; all of them go in %s:\n\n", code(intermediates(o)), code(certFile(o, CAChainFile)))
		} else {
			fmt.Fprintf(&b, "The issuing CA is the root, so %s stays empty; the root goes in %s:\n\n", code(intermediates(o)), code(certFile(o, CAChainFile)))
		}
		b.WriteString("```sh\n")
		if len(inter) > 0 {
			fmt.Fprintf(&b, "cat %s > %s\n", strings.Join(inter, " "), sh(intermediates(o)))
		} else {
			fmt.Fprintf(&b, ": > %s\n", sh(intermediates(o)))
		}
		fmt.Fprintf(&b, "cat %s > %s\n", strings.Join(all, " "), sh(certFile(o, CAChainFile)))
		b.WriteString("```\n\n")
		fmt.Fprintf(&b, "Then the proxy's certificates: ibcmc wrote the requests under %s (%s and %s). certreq saves the issued certificate Base64-encoded (PEM), which OpenSSL reads as it is. On the proxy, in a copy of the %s directory, for each request:\n\n", code("certs/"), code(serverCert), code(clientCert), code("certs/"))
		b.WriteString("```sh\n")
		for i, id := range []string{serverCert, clientCert} {
			if i > 0 {
				b.WriteString("\n")
			}
			req := certRequest(p, id)
			bits, template := 2048, ""
			if req != nil {
				bits, template = req.KeyLength, certs.SubmitTemplate(req)
			}
			key, crt := certFile(o, id+".key"), certFile(o, id+".crt")
			fmt.Fprintf(&b, "openssl req -new -config %s -newkey rsa:%d -nodes -keyout %s -out %s\n", sh(id+".cnf"), bits, sh(key), sh(id+".csr"))
			if template != "" {
				fmt.Fprintf(&b, "# on a Windows machine that can reach the enterprise CA:\n")
				fmt.Fprintf(&b, "#   certreq -submit -config \"<CA host>\\<CA name>\" -attrib \"CertificateTemplate:%s\" %s.csr %s.cer\n", template, id, id)
			} else {
				fmt.Fprintf(&b, "# submit %s.csr to the issuing CA and save the issued certificate as %s.cer\n", id, id)
			}
			fmt.Fprintf(&b, "openssl x509 -in %s -out %s\n", sh(id+".cer"), sh(crt))
			if pub.Product == plan.PublishingHAProxy {
				fmt.Fprintf(&b, "cat %s %s %s > %s\n", sh(crt), sh(intermediates(o)), sh(key), sh(certFile(o, id+".pem")))
			} else {
				fmt.Fprintf(&b, "cat %s >> %s\n", sh(intermediates(o)), sh(crt))
			}
			fmt.Fprintf(&b, "chmod 600 %s\n", sh(key))
		}
		b.WriteString("```\n\n")
		fmt.Fprintf(&b, "Certificate requirements: %s\n\n", learn.PKICertificates)
	}

	if crl {
		b.WriteString("## Revocation lists\n\n")
		fmt.Fprintf(&b, "The configuration reads %s at start and reload only; when a CRL in it passes its next update, the proxy refuses every client. "+
			"%s fetches the CRL of each CA from its HTTP distribution point (below), checks that a CA of the chain signed it and that it has not expired, "+
			"swaps the file atomically, runs the configuration check and reloads the proxy, only when the content changed. On any failure it leaves the file as it was and exits non-zero. "+
			"Install it and run it once, then hourly from cron:\n\n", code(certFile(o, CRLChainFile)), code("refresh-crl.sh"))
		script := "/usr/local/sbin/ibcmc-refresh-crl-" + pub.Name + ".sh"
		b.WriteString("```sh\n")
		fmt.Fprintf(&b, "install -m 755 refresh-crl.sh %s\n", sh(script))
		fmt.Fprintf(&b, "%s=: %s   # first run, before the proxy starts\n", EnvReload, sh(script))
		fmt.Fprintf(&b, "echo %s > /etc/cron.d/ibcmc-refresh-crl-%s\n", sh("17 * * * * root "+script), pub.Name)
		b.WriteString("```\n\n")
		fmt.Fprintf(&b, "It runs %s as the configuration check and %s to reload; set %s and %s to change them.\n\n",
			code(checkCommand(pub.Product)), code(reloadCommand(pub.Product)), code(EnvCheck), code(EnvReload))
		b.WriteString("| CA | Distribution points |\n|---|---|\n")
		for _, s := range crlSources(p) {
			urls := "none over HTTP: refresh-crl.sh fails until the CA publishes one"
			if len(s.urls) > 0 {
				var c []string
				for _, u := range s.urls {
					c = append(c, code(u))
				}
				urls = strings.Join(c, ", ")
			} else {
				urls = md(urls)
			}
			fmt.Fprintf(&b, "| %s | %s |\n", md(s.name), urls)
		}
		fmt.Fprintf(&b, "\nThe proxy reads full CRLs only, not delta CRLs, so a revocation reaches it when the CA publishes its next full CRL. "+
			"Computers that check revocation and cannot find a current CRL behave as if every certificate of the chain were revoked: %s\n\n", learn.PlanCertificates)
	}

	b.WriteString("## Check and reload\n\n```sh\n")
	if pub.Product == plan.PublishingHAProxy {
		b.WriteString("haproxy -c -f /etc/haproxy/haproxy.cfg\nsystemctl reload haproxy\n")
	} else {
		b.WriteString("nginx -t\nsystemctl reload nginx\n")
	}
	b.WriteString("```\n\n")

	if pub.Mode == plan.ModeBridging && hasManagementPoint(routes) {
		b.WriteString("## User policy (Windows authentication)\n\n")
		b.WriteString("Internet clients get user policy only when the management point authenticates the user with Windows authentication (Kerberos, or NTLM when Kerberos fails, as it does for a client on the internet that reaches no domain controller). NTLM " +
			"authenticates the connection, not each request, so the proxy must pass the `Authorization` header and keep one connection to the management point for each client connection once the handshake starts. ")
		if pub.Product == plan.PublishingHAProxy {
			b.WriteString("This configuration passes `Authorization` to management points, and HAProxy marks a connection to a server private, never shared with another client, " +
				"when a 401 response carries `WWW-Authenticate: NTLM` or `Negotiate`.\n\n")
		} else {
			b.WriteString("nginx shares its connections to a site system between clients and cannot do that, so this configuration drops `Authorization` " +
				"(a connection the management point authenticated for one user must never serve another client): users on internet clients get device policy only through this proxy (rule IB409). " +
				"Publish the management point with HAProxy, or with SSL tunneling, if they need user policy.\n\n")
		}
	}
	fmt.Fprintf(&b, "Proxy requirements (verbs, headers, SSL bridging and tunneling): %s\n", learn.PlanIBCM)
	if words.err != nil {
		return "", words.err
	}
	return b.String(), nil
}

// noteHeader writes the title and what an entry publishes.
func noteHeader(b *strings.Builder, p *plan.Plan, o emit.Options, pub *plan.Publishing, routes []*plan.ProxyRoute) {
	md, code := escape.Markdown, escape.MarkdownCode
	product := map[plan.PublishingProduct]string{plan.PublishingNginx: "nginx", plan.PublishingHAProxy: "HAProxy"}[pub.Product]
	if product == "" {
		product = "a product ibcmc does not configure"
	}
	b.WriteString(emit.Provenance(emit.Markdown, p, o))
	fmt.Fprintf(b, "# Proxy %s: %s, %s\n\n", md(pub.Name), product, md(string(pub.Mode)))
	fmt.Fprintf(b, "Publishing entry %s (%s). %s\n\n", code(pub.Name), code(pub.Path), modeSummary(pub))
	b.WriteString("## What it publishes\n\n")
	if len(routes) == 0 {
		b.WriteString("Nothing: none of the entry's systems has an internet-facing endpoint.\n\n")
		return
	}
	b.WriteString("| Port | Internet name | Goes to | Roles |\n|---|---|---|---|\n")
	for _, r := range routes {
		fmt.Fprintf(b, "| %d %s | %s | %s (%s port %d) | %s |\n", r.ListenPort, md(r.Scheme), code(r.Host), md(r.Backend),
			code(r.BackendHost), r.BackendPort, md(strings.Join(r.Roles, ", ")))
	}
	b.WriteString("\n")
}

// otherNote is the deploy note of an entry on a product ibcmc writes no configuration for: what the
// product must do for each published endpoint, and which certificates and CRLs it needs.
func otherNote(p *plan.Plan, o emit.Options, pub *plan.Publishing, routes []*plan.ProxyRoute) string {
	md, code := escape.Markdown, escape.MarkdownCode
	var b strings.Builder
	noteHeader(&b, p, o, pub, routes)
	if len(routes) == 0 {
		return b.String()
	}
	b.WriteString("## What to configure\n\n")
	b.WriteString("ibcmc writes no configuration for this product. Configure it to:\n\n")
	codes := func(list []string) string {
		var c []string
		for _, x := range list {
			c = append(c, code(x))
		}
		return strings.Join(c, ", ")
	}
	for _, r := range routes {
		fmt.Fprintf(&b, "- port %d, %s: ", r.ListenPort, code(r.Host))
		switch {
		case r.Scheme == "tcp" && r.Mode == plan.ModeTunneling:
			fmt.Fprintf(&b, "pass the TLS connection through untouched to %s port %d, chosen by the SNI name; hold no certificate.\n", code(r.BackendHost), r.BackendPort)
		case r.Scheme == "tcp":
			fmt.Fprintf(&b, "forward TCP to %s port %d.\n", code(r.BackendHost), r.BackendPort)
		case r.Scheme == "http":
			fmt.Fprintf(&b, "plain HTTP/1.1 to %s port %d (Host %s); allow only %s.\n", code(r.BackendHost), r.BackendPort, code(r.BackendHost), codes(r.Methods))
		default:
			fmt.Fprintf(&b, "terminate TLS 1.2 or 1.3 with the certificate of request %s", code(r.ServerCert))
			if r.RequireClientCert {
				b.WriteString(", require a client certificate that chains to the client certificate chain")
				if p.Site.Communication.CheckCRL {
					b.WriteString(" and is not revoked (the CRL of every CA of the chain, kept current)")
				}
			}
			fmt.Fprintf(&b, "; open HTTP/1.1 over TLS to %s port %d presenting the certificate of request %s and verifying the site system's certificate and name; "+
				"allow only %s, and pass only the request headers %s; stream request and response bodies of any size unbuffered.",
				code(r.BackendHost), r.BackendPort, code(r.ClientCert), codes(r.Methods), codes(r.Headers))
			if slices.Contains(r.Headers, "Authorization") {
				b.WriteString(" Once a 401 carries `WWW-Authenticate: NTLM` or `Negotiate`, keep that connection to the management point for this client connection alone: " +
					"NTLM authenticates the connection (user policy; rule IB409).")
			}
			b.WriteString("\n")
		}
	}
	b.WriteString("\n")
	if hasManagementPoint(routes) || slices.ContainsFunc(routes, func(r *plan.ProxyRoute) bool { return r.BackendTLS }) {
		fmt.Fprintf(&b, "The certificate requests are under %s; the client certificate chain is %s. Certificate requirements: %s\n\n",
			code("certs/"), md(chainNames(p)), learn.PKICertificates)
		if readsCRL(p, routes) {
			b.WriteString("| CA | CRL distribution points |\n|---|---|\n")
			for _, s := range crlSources(p) {
				urls := md("none over HTTP")
				if len(s.urls) > 0 {
					urls = codes(s.urls)
				}
				fmt.Fprintf(&b, "| %s | %s |\n", md(s.name), urls)
			}
			fmt.Fprintf(&b, "\nComputers that check revocation and cannot find a current CRL behave as if every certificate of the chain were revoked: %s\n\n", learn.PlanCertificates)
		}
	}
	fmt.Fprintf(&b, "Proxy requirements (verbs, headers, SSL bridging and tunneling): %s\n", learn.PlanIBCM)
	return b.String()
}

// intermediatesFile holds the intermediate CA certificates appended to the proxy's own certificates.
const intermediatesFile = "intermediates.pem"

func intermediates(o emit.Options) string { return certFile(o, intermediatesFile) }

func certRequest(p *plan.Plan, id string) *plan.CertRequest {
	for _, r := range p.CertRequests {
		if r.ID == id {
			return r
		}
	}
	return nil
}

// caPEM names the exported certificate of the i-th CA of a chain of n, issuing CA first, by its position:
// CA names are free text, file names in commands are not.
func caPEM(i, n int) string {
	switch {
	case i == n-1:
		return "root-ca.pem"
	case i == 0:
		return "issuing-ca.pem"
	default:
		return fmt.Sprintf("intermediate-ca-%d.pem", n-1-i)
	}
}

// chainNames names the client certificate chain, issuing CA first.
func chainNames(p *plan.Plan) string {
	var names []string
	for _, a := range p.ClientChain() {
		names = append(names, a.Name)
	}
	return strings.Join(names, ", ")
}

func hasManagementPoint(routes []*plan.ProxyRoute) bool {
	return slices.ContainsFunc(routes, func(r *plan.ProxyRoute) bool {
		return r.BackendTLS && slices.Contains(r.Roles, plan.RoleManagementPoint)
	})
}
