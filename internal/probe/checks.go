package probe

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ibcmc/ibcmc/internal/certcheck"
	"github.com/ibcmc/ibcmc/plan"
)

// Bounds on what the probe reads: an answer of a role is small; a CRL of a large CA may be tens of MiB.
const (
	maxBody     = 1 << 20
	maxCRLBytes = 64 << 20
)

type prober struct {
	p  *plan.Plan
	o  Options
	mu sync.Mutex
	// crls caches each CRL distribution point's answer: many endpoints share one CA.
	crls map[string]*crlFetch
}

type crlFetch struct {
	once sync.Once
	crl  *x509.RevocationList
	err  error
}

// state is what the checks of one endpoint learn as they go.
type state struct {
	t         *target
	addr      string // the address the checks connect to
	port      int    // the port they connect to
	peer      []*x509.Certificate
	version   uint16
	askedCert bool // the server sent a CertificateRequest
	refused   map[string]bool
	blocked   string // why the remaining checks do not run
}

func (pr *prober) endpoint(ctx context.Context, t *target) *EndpointReport {
	e := &EndpointReport{Endpoint: t.id(), FQDN: t.fqdn, Port: t.port, Protocol: t.scheme, Target: targetName(t),
		Roles: t.roles, Via: t.via}
	if e.Roles == nil {
		e.Roles = []string{}
	}
	s := &state{t: t, port: pr.connectPort(t.fqdn, t.port), refused: map[string]bool{}}
	steps := pr.steps(t)
	for _, st := range steps {
		var r Result
		if s.blocked != "" {
			r = Result{Status: Skip, Detail: s.blocked}
		} else {
			start := time.Now()
			r = st.run(ctx, s)
			if r.Millis < 0 {
				r.Millis = 0
			} else if r.Status != Skip {
				r.Millis = time.Since(start).Milliseconds()
			}
		}
		r.Check = st.name
		e.Checks = append(e.Checks, r)
	}
	return e
}

type step struct {
	name string
	run  func(context.Context, *state) Result
}

// steps are the checks an endpoint gets, in order: the wire and TLS for every endpoint, then what its
// roles answer.
func (pr *prober) steps(t *target) []step {
	steps := []step{{CheckResolve, pr.resolve}, {CheckConnect, pr.connect}}
	if t.scheme == "https" {
		steps = append(steps, step{CheckTLS, pr.handshake}, step{CheckCertificate, pr.certificate}, step{CheckCRL, pr.crl})
	}
	web := t.cmg == nil && (t.has(plan.RoleManagementPoint) || t.has(plan.RoleDistributionPoint))
	if web && t.scheme == "https" {
		steps = append(steps, step{CheckClientAuth, pr.clientAuth})
	}
	if t.has(plan.RoleManagementPoint) || t.cmg != nil {
		steps = append(steps, step{CheckMPList, pr.mplist})
	}
	if t.has(plan.RoleManagementPoint) {
		steps = append(steps, step{CheckMPCert, pr.mpcert})
	}
	if t.has(plan.RoleDistributionPoint) {
		steps = append(steps, step{CheckDP, pr.dp})
	}
	if t.has(plan.RoleSoftwareUpdatePoint) {
		steps = append(steps, step{CheckSUP, pr.sup})
	}
	if t.has(plan.RoleFallbackStatusPoint) {
		steps = append(steps, step{CheckFSP, pr.fsp})
	}
	if web {
		steps = append(steps, step{CheckVerbs, pr.verbs})
	}
	if web && t.has(plan.RoleManagementPoint) {
		steps = append(steps, step{CheckHeaders, pr.headers})
	}
	return steps
}

// ChecksFor names the checks a probe from the internet runs at an endpoint, for the report.
func ChecksFor(p *plan.Plan, e *plan.Endpoint) []string {
	pr := &prober{p: p}
	var out []string
	for _, st := range pr.steps(internetTarget(p, e)) {
		out = append(out, st.name)
	}
	return out
}

func targetName(t *target) string {
	switch {
	case t.cmg != nil:
		return t.cmg.Name
	case t.system != nil:
		return t.system.Name
	}
	return ""
}

func pass(format string, args ...any) Result {
	return Result{Status: Pass, Detail: fmt.Sprintf(format, args...)}
}

func skip(format string, args ...any) Result {
	return Result{Status: Skip, Detail: fmt.Sprintf(format, args...), Millis: -1}
}

func fail(field, fix, format string, args ...any) Result {
	return Result{Status: Fail, Detail: fmt.Sprintf(format, args...), Fix: fix, Field: field}
}

// component names what is deployed at an endpoint, for messages: the proxy, the gateway, or the system.
func component(t *target) string {
	switch {
	case t.route != nil && t.mode == string(plan.ModeBridging):
		return fmt.Sprintf("the proxy of publishing entry %s (proxy/%s/)", t.route.Publishing, t.route.Publishing)
	case t.cmg != nil:
		return "cloud management gateway " + t.cmg.Name
	case t.system != nil:
		return "IIS on " + t.system.Name
	}
	return t.fqdn
}

// componentPath is the design path of what is deployed at an endpoint.
func componentPath(p *plan.Plan, t *target) string {
	switch {
	case t.route != nil:
		if pub := p.PublishingEntry(t.route.Publishing); pub != nil {
			return pub.Path
		}
		return t.route.Path
	case t.cmg != nil:
		return t.cmg.Path
	case t.system != nil:
		return t.system.Path
	}
	return t.path
}

func (pr *prober) resolve(ctx context.Context, s *state) Result {
	t := s.t
	addrs, given, err := pr.lookup(ctx, t.fqdn, t.port)
	how := ""
	if given {
		how = " (--resolve)"
	}
	if err != nil || len(addrs) == 0 {
		if err == nil {
			err = errors.New("no address")
		}
		fix := fmt.Sprintf("publish an A record for %s in the DNS %s clients use", t.fqdn, pr.o.From)
		if t.want != "" {
			s.addr = t.want
			return fail(t.path, fix+" (to "+t.want+")", "%s does not resolve: %v; the other checks use %s from %s", t.fqdn, err, t.want, t.wantFrom)
		}
		s.blocked = "the name does not resolve"
		return fail(t.path, fix, "%s does not resolve: %v", t.fqdn, err)
	}
	if t.want != "" {
		want := net.ParseIP(t.want)
		if !slices.ContainsFunc(addrs, func(a string) bool { return net.ParseIP(a).Equal(want) }) {
			// DNS that answers wrong should not hide what is right at the design's address; an address given
			// with --resolve is where the user wants the checks to go (a lab, a proxy before cutover).
			s.addr = t.want
			if given {
				s.addr = addrs[0]
			}
			return fail(t.wantFrom, fmt.Sprintf("point the DNS record of %s at %s, or correct %s", t.fqdn, t.want, t.wantFrom),
				"%s resolves to %s%s, but %s is %s; the other checks use %s", t.fqdn, strings.Join(addrs, ", "), how, t.wantFrom, t.want, s.addr)
		}
		s.addr = t.want
		return pass("%s resolves to %s%s, the address %s gives", t.fqdn, strings.Join(addrs, ", "), how, t.wantFrom)
	}
	s.addr = addrs[0]
	return pass("%s resolves to %s%s", t.fqdn, strings.Join(addrs, ", "), how)
}

func (s *state) hostport() string { return net.JoinHostPort(s.addr, strconv.Itoa(s.port)) }

func (pr *prober) connect(ctx context.Context, s *state) Result {
	t := s.t
	d := net.Dialer{Timeout: pr.o.Timeout}
	start := time.Now()
	c, err := d.DialContext(ctx, "tcp", s.hostport())
	took := time.Since(start)
	if err != nil {
		s.blocked = fmt.Sprintf("port %d does not accept connections", t.port)
		who := component(t)
		if t.route != nil {
			who = fmt.Sprintf("publishing entry %s (proxy/%s/)", t.route.Publishing, t.route.Publishing)
		}
		return fail(componentPath(pr.p, t),
			fmt.Sprintf("make %s listen on %d/tcp and let %d/tcp in from the %s on every firewall on the way (firewall/flows.csv)", who, t.port, t.port, pr.o.From),
			"cannot connect to %s for %s: %s", s.hostport(), t.id(), pr.why(err))
	}
	c.Close()
	return pass("connected to %s in %d ms", s.hostport(), took.Milliseconds())
}

// why says why a network wait ended: a timeout in the words of the option that bounds it, else the reason
// without Go's "dial tcp ...:" and "Get \"url\":" prefixes.
func (pr *prober) why(err error) string {
	var ne net.Error
	if errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout() {
		return fmt.Sprintf("no answer within %v (--wait)", pr.o.Timeout)
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return trimErr(err)
}

// trimErr drops the "dial tcp 127.0.0.1:1234: " prefix Go puts before the reason.
func trimErr(err error) string {
	var op *net.OpError
	if errors.As(err, &op) && op.Err != nil {
		return op.Err.Error()
	}
	return err.Error()
}

// tlsConfig is the client's TLS: SNI, TLS 1.2 or later, HTTP/1.1 (ConfigMgr clients speak nothing else),
// and the client certificate when given. Verification is the certificate check's job, so the other checks
// still run behind a certificate it rejects.
func (pr *prober) tlsConfig(s *state, withCert bool, seen func(tls.ConnectionState)) *tls.Config {
	return &tls.Config{
		ServerName:         s.t.fqdn,
		MinVersion:         tls.VersionTLS12,
		NextProtos:         []string{"http/1.1"},
		InsecureSkipVerify: true,
		VerifyConnection: func(cs tls.ConnectionState) error {
			if seen != nil {
				seen(cs)
			}
			return nil
		},
		GetClientCertificate: func(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
			s.askedCert = true
			if withCert && pr.o.ClientCert != nil {
				return pr.o.ClientCert, nil
			}
			return &tls.Certificate{}, nil
		},
	}
}

func (pr *prober) handshake(ctx context.Context, s *state) Result {
	t := s.t
	cfg := pr.tlsConfig(s, true, func(cs tls.ConnectionState) {
		s.peer, s.version = cs.PeerCertificates, cs.Version
	})
	d := tls.Dialer{NetDialer: &net.Dialer{Timeout: pr.o.Timeout}, Config: cfg}
	ctx, cancel := context.WithTimeout(ctx, pr.o.Timeout)
	defer cancel()
	c, err := d.DialContext(ctx, "tcp", s.hostport())
	if c != nil {
		c.Close()
	}
	if len(s.peer) == 0 {
		s.blocked = "no TLS session"
		return fail(componentPath(pr.p, t),
			fmt.Sprintf("make %s offer TLS 1.2 or later with a certificate for %s (SNI)", component(t), t.fqdn),
			"TLS handshake with %s as %s failed: %s", s.hostport(), t.fqdn, pr.why(err))
	}
	detail := fmt.Sprintf("%s, certificate %q", tls.VersionName(s.version), s.peer[0].Subject.String())
	if s.askedCert {
		detail += "; the server asks for a client certificate"
	}
	if err != nil {
		detail += fmt.Sprintf(" (it ended the handshake: %s)", pr.why(err))
	}
	return pass("%s", detail)
}

// request sends one request to the endpoint over a fresh connection, reading at most maxBody of the answer.
func (pr *prober) request(ctx context.Context, s *state, method, path string, hdr map[string]string, body []byte, withCert bool) (*http.Response, []byte, error) {
	t := s.t
	tr := &http.Transport{
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			d := net.Dialer{Timeout: pr.o.Timeout}
			return d.DialContext(ctx, network, s.hostport())
		},
		TLSClientConfig:       pr.tlsConfig(s, withCert, nil),
		TLSHandshakeTimeout:   pr.o.Timeout,
		ResponseHeaderTimeout: pr.o.Timeout,
		DisableKeepAlives:     true,
		ForceAttemptHTTP2:     false,
		TLSNextProto:          map[string]func(string, *tls.Conn) http.RoundTripper{},
		Proxy:                 nil,
	}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: pr.o.Timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	host := t.fqdn
	if !(t.scheme == "https" && t.port == 443 || t.scheme == "http" && t.port == 80) {
		host = net.JoinHostPort(t.fqdn, strconv.Itoa(t.port))
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, t.scheme+"://"+host+path, rd)
	if err != nil {
		return nil, nil, err
	}
	req.Header.Set("User-Agent", "ibcmc probe")
	for k, v := range hdr {
		req.Header[k] = []string{v} // as written: ConfigMgr header names are not canonical MIME names
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	return resp, data, err
}

// needsCert reports why a request to the endpoint would fail for want of a client certificate, or "".
func (pr *prober) needsCert(s *state) string {
	if pr.o.ClientCert != nil || s.t.scheme != "https" || s.t.cmg != nil {
		return ""
	}
	if s.askedCert {
		return fmt.Sprintf("%s asks for a client certificate: give one with --client-cert and --client-key", component(s.t))
	}
	return ""
}

func (pr *prober) certificate(_ context.Context, s *state) Result {
	t := s.t
	now := pr.o.Now()
	leaf := s.peer[0]
	var supplied []*certcheck.Cert
	for i, c := range s.peer {
		supplied = append(supplied, &certcheck.Cert{Source: fmt.Sprintf("%s#%d", t.id(), i+1), X509: c})
	}
	for i, c := range pr.o.CAs {
		supplied = append(supplied, &certcheck.Cert{Source: fmt.Sprintf("--ca#%d", i+1), X509: c})
	}
	req := pr.request0(t)
	// Revocation is the crl check's: it fetches the CRL the distribution point names.
	req.NeedsHTTPCDP = false
	q := *pr.p
	q.CertRequests = []*plan.CertRequest{&req}
	res := certcheck.Check(&q, supplied, now)[0]
	var problems []string
	if leaf.VerifyHostname(t.fqdn) != nil {
		problems = append(problems, fmt.Sprintf("does not name %s (it names %s)", t.fqdn, strings.Join(names(leaf), ", ")))
	}
	switch res.Status {
	case certcheck.Missing:
		if len(problems) == 0 {
			problems = append(problems, fmt.Sprintf("does not name %s (it names %s)", strings.Join(req.DNSNames, ", "), strings.Join(names(leaf), ", ")))
		}
	case certcheck.Wrong:
		for _, msg := range res.Problems {
			if !slices.Contains(problems, msg) && !(strings.HasPrefix(msg, "does not name ") && len(problems) > 0) {
				problems = append(problems, msg)
			}
		}
	case certcheck.OK:
		problems = append(problems, res.Warnings...) // under 30 days left is too little for a deployment check
	}
	verified := ""
	if len(pr.o.CAs) > 0 {
		if err := verifyChain(s.peer, pr.o.CAs, now); err != nil {
			problems = append(problems, fmt.Sprintf("does not chain to the --ca certificates: %v", err))
		} else {
			verified = ", chains to the --ca certificates"
		}
	} else {
		verified = "; chain not verified: give the design's CA certificates with --ca"
	}
	field := t.path
	if t.request != nil {
		field = t.request.Path
	}
	if len(problems) > 0 {
		fix := fmt.Sprintf("install on %s a certificate that satisfies the request", component(t))
		if t.request != nil {
			fix += fmt.Sprintf(" certs/%s.inf (%s)", t.request.ID, t.request.Description)
		}
		return fail(field, fix, "the certificate %q %s", leaf.Subject.String(), strings.Join(problems, "; "))
	}
	return pass("%q names %s, %s, valid until %s%s", leaf.Subject.String(), t.fqdn, keyDesc(leaf), leaf.NotAfter.UTC().Format("2006-01-02"), verified)
}

// request0 is the certificate request the endpoint's certificate must satisfy, or what any server
// certificate of the design must when there is none.
func (pr *prober) request0(t *target) plan.CertRequest {
	if t.request != nil {
		return *t.request
	}
	return plan.CertRequest{ID: t.id(), Subject: targetName(t), Purpose: plan.PurposeWebServer, CommonName: t.fqdn,
		DNSNames: []string{t.fqdn}, EKUs: []string{plan.EKUServerAuth}, KeyLength: pr.p.PKI.KeyLength,
		Authority: pr.p.PKI.Issuer, Path: t.path, Description: "server certificate of " + t.fqdn}
}

func names(c *x509.Certificate) []string {
	if len(c.DNSNames) > 0 {
		return c.DNSNames
	}
	return []string{c.Subject.CommonName}
}

func keyDesc(c *x509.Certificate) string {
	return fmt.Sprintf("%s key, %s", c.PublicKeyAlgorithm, c.SignatureAlgorithm)
}

// verifyChain builds a path from the presented certificates to a self-signed --ca certificate. An expired
// (or not yet valid) leaf is the certificate check's own finding, so then only the signatures of the path are
// verified.
func verifyChain(peer, cas []*x509.Certificate, now time.Time) error {
	roots, inter := x509.NewCertPool(), x509.NewCertPool()
	for _, c := range cas {
		if bytes.Equal(c.RawIssuer, c.RawSubject) {
			roots.AddCert(c)
		} else {
			inter.AddCert(c)
		}
	}
	for _, c := range peer[1:] {
		inter.AddCert(c)
	}
	leaf := peer[0]
	_, err := leaf.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, CurrentTime: now,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}})
	var invalid x509.CertificateInvalidError
	if err != nil && errors.As(err, &invalid) && invalid.Reason == x509.Expired && (now.After(leaf.NotAfter) || now.Before(leaf.NotBefore)) {
		return signedPath(leaf, append(slices.Clone(peer[1:]), cas...), cas)
	}
	return err
}

// signedPath follows issuers by name and signature from c to a self-signed certificate among cas.
func signedPath(c *x509.Certificate, pool, cas []*x509.Certificate) error {
	for depth := 0; depth < 8; depth++ {
		var issuer *x509.Certificate
		for _, ca := range pool {
			if bytes.Equal(ca.RawSubject, c.RawIssuer) && c.CheckSignatureFrom(ca) == nil {
				issuer = ca
				break
			}
		}
		if issuer == nil {
			return fmt.Errorf("no --ca certificate signed %q", c.Subject.String())
		}
		if bytes.Equal(issuer.RawIssuer, issuer.RawSubject) {
			if slices.ContainsFunc(cas, issuer.Equal) {
				return nil
			}
			return fmt.Errorf("its root %q is not among the --ca certificates", issuer.Subject.String())
		}
		c = issuer
	}
	return errors.New("the chain is longer than 8 certificates")
}

// needsRevocation reports whether clients check the revocation of the endpoint's certificate.
func (pr *prober) needsRevocation(t *target) bool {
	if t.request != nil {
		return t.request.NeedsHTTPCDP
	}
	return pr.p.Site.Communication.CheckCRL
}

type finding struct{ problem, fix, field string }

func (pr *prober) crl(ctx context.Context, s *state) Result {
	t := s.t
	if !pr.needsRevocation(t) {
		return skip("clients do not check the revocation of this certificate (site.communication.checkCRL is false)")
	}
	now := pr.o.Now()
	pool := append(slices.Clone(s.peer[1:]), pr.o.CAs...)
	issuerOf := func(c *x509.Certificate) *x509.Certificate {
		for _, ca := range pool {
			if bytes.Equal(ca.RawSubject, c.RawIssuer) && c.CheckSignatureFrom(ca) == nil {
				return ca
			}
		}
		return nil
	}
	authorityField := func() string {
		if a := pr.p.Authority(pr.request0(t).Authority); a != nil {
			return plan.Join(a.Path, "crl", "http")
		}
		return "pki.authorities"
	}()
	var bad []finding
	var seen []string
	cur := s.peer[0]
	for depth := 0; depth < 8 && !bytes.Equal(cur.RawIssuer, cur.RawSubject); depth++ {
		who := "the server certificate"
		if depth > 0 {
			who = fmt.Sprintf("the CA certificate %q", cur.Subject.String())
		}
		issuer := issuerOf(cur)
		var cdp string
		for _, u := range cur.CRLDistributionPoints {
			if strings.HasPrefix(strings.ToLower(u), "http://") {
				cdp = u
				break
			}
		}
		if cdp == "" {
			what := "no CRL distribution point"
			if len(cur.CRLDistributionPoints) > 0 {
				what = "CRL distribution points only at " + strings.Join(cur.CRLDistributionPoints, ", ")
			}
			bad = append(bad, finding{fmt.Sprintf("%s has %s: clients on the internet check revocation over HTTP and cannot reach it", who, what),
				"add an HTTP CRL distribution point to the issuing CA (and reissue the certificate)", authorityField})
		} else {
			f := pr.fetchCRL(ctx, cdp)
			switch {
			case f.err != nil:
				bad = append(bad, finding{fmt.Sprintf("the CRL of %s at %s does not answer from the %s: %s", who, cdp, pr.o.From, pr.why(f.err)),
					fmt.Sprintf("publish the CRL at %s and let %s clients reach it over HTTP", cdp, pr.o.From), authorityField})
			default:
				crl := f.crl
				if issuer != nil {
					if err := crl.CheckSignatureFrom(issuer); err != nil {
						bad = append(bad, finding{fmt.Sprintf("the CRL at %s is not signed by %q, the issuer of %s: %v", cdp, issuer.Subject.String(), who, err),
							fmt.Sprintf("publish the CRL of %q at %s", issuer.Subject.String(), cdp), authorityField})
					}
				}
				if !crl.NextUpdate.IsZero() && now.After(crl.NextUpdate) {
					bad = append(bad, finding{fmt.Sprintf("the CRL at %s is stale: its next update was due %s", cdp, crl.NextUpdate.UTC().Format(time.RFC3339)),
						fmt.Sprintf("publish a current CRL at %s (and keep publishing it before its next update)", cdp), authorityField})
				}
				for _, e := range crl.RevokedCertificateEntries {
					if e.SerialNumber.Cmp(cur.SerialNumber) == 0 {
						fix := fmt.Sprintf("install a certificate that is not revoked on %s", component(t))
						field := componentPath(pr.p, t)
						if depth > 0 {
							fix, field = fmt.Sprintf("renew the CA certificate %q and reissue what it signed", cur.Subject.String()), authorityField
						}
						bad = append(bad, finding{fmt.Sprintf("the CRL at %s lists %s (serial %X) as revoked on %s", cdp, who, cur.SerialNumber, e.RevocationTime.UTC().Format("2006-01-02")), fix, field})
					}
				}
				seen = append(seen, cdp)
			}
		}
		if issuer == nil {
			break
		}
		cur = issuer
	}
	if len(bad) > 0 {
		var msgs []string
		for _, b := range bad {
			msgs = append(msgs, b.problem)
		}
		return fail(bad[0].field, bad[0].fix, "%s", strings.Join(msgs, "; "))
	}
	if len(seen) == 0 {
		return pass("no CRL to check")
	}
	return pass("CRLs current, signed by their issuers and not listing the chain: %s", strings.Join(seen, ", "))
}

// fetchCRL gets a CRL once per probe, however many endpoints name it.
func (pr *prober) fetchCRL(ctx context.Context, cdp string) *crlFetch {
	pr.mu.Lock()
	f := pr.crls[cdp]
	if f == nil {
		f = &crlFetch{}
		pr.crls[cdp] = f
	}
	pr.mu.Unlock()
	f.once.Do(func() { f.crl, f.err = pr.getCRL(ctx, cdp) })
	return f
}

func (pr *prober) getCRL(ctx context.Context, cdp string) (*x509.RevocationList, error) {
	tr := &http.Transport{DialContext: pr.dialAny, ResponseHeaderTimeout: pr.o.Timeout, DisableKeepAlives: true, Proxy: nil}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: pr.o.Timeout}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, cdp, nil)
	if err != nil {
		return nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		var ue interface{ Unwrap() error }
		if errors.As(err, &ue) && ue.Unwrap() != nil {
			return nil, errors.New(trimErr(ue.Unwrap()))
		}
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxCRLBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxCRLBytes {
		return nil, fmt.Errorf("over %d bytes", maxCRLBytes)
	}
	if block, _ := pem.Decode(data); block != nil && block.Type == "X509 CRL" {
		data = block.Bytes
	}
	crl, err := x509.ParseRevocationList(data)
	if err != nil {
		return nil, fmt.Errorf("not a CRL: %v", err)
	}
	return crl, nil
}

// refusedStatus is an answer that means the path in between (or the role) turned a request away rather
// than serving it.
func refusedStatus(code int) bool {
	return code == http.StatusMethodNotAllowed || code == http.StatusNotImplemented
}

// The client's first, anonymous requests (Microsoft Learn: "Plan for communications": management point
// location requests).
const (
	pathMPList   = "/SMS_MP/.sms_aut?MPLIST"
	pathMPCert   = "/SMS_MP/.sms_aut?MPCERT"
	pathRequest  = "/ccm_system/request"
	pathIncoming = "/CCM_Incoming/"
	pathDP       = "/SMS_DP_SMSPKG$/"
	pathWUIdent  = "/selfupdate/wuident.cab"
	pathClient   = "/ClientWebService/client.asmx"
	pathFSP      = "/SMS_FSP/.sms_fsp"
)

func (pr *prober) clientAuth(ctx context.Context, s *state) Result {
	t := s.t
	path := pathMPList
	if !t.has(plan.RoleManagementPoint) {
		path = pathDP
	}
	if t.route != nil && t.route.RequireClientCert {
		resp, _, err := pr.request(ctx, s, http.MethodGet, path, nil, nil, false)
		if err == nil && !certRefused(resp.StatusCode) {
			return fail(componentPath(pr.p, t),
				fmt.Sprintf("make %s require and verify client certificates (nginx: ssl_verify_client on; HAProxy: verify required), as the config ibcmc wrote does", component(t)),
				"a client without a certificate got HTTP %d for GET %s: the proxy lets clients through that the management and distribution points behind it would refuse", resp.StatusCode, path)
		}
		how := "the handshake is refused"
		if err == nil {
			how = fmt.Sprintf("HTTP %d", resp.StatusCode)
		}
		if pr.o.ClientCert == nil {
			return pass("a client without a certificate is refused (%s); give --client-cert to check one is accepted", how)
		}
		resp, _, err = pr.request(ctx, s, http.MethodGet, path, nil, nil, true)
		if err != nil || certRefused(resp.StatusCode) {
			return fail(componentPath(pr.p, t), fmt.Sprintf("make %s trust the design's client certificate chain (ca-chain.pem) and its current CRLs", component(t)),
				"the proxy refuses the --client-cert certificate: %s", pr.answer(resp, err))
		}
		return pass("without a certificate refused (%s); with --client-cert accepted (HTTP %d)", how, resp.StatusCode)
	}
	if !s.askedCert {
		return fail(componentPath(pr.p, t),
			fmt.Sprintf("require client certificates on %s (IIS SSL settings of the site: Require), as HTTPS management and distribution points do", component(t)),
			"the server did not ask for a client certificate")
	}
	if pr.o.ClientCert == nil {
		return pass("the server asks for a client certificate; give --client-cert to check one is accepted")
	}
	resp, _, err := pr.request(ctx, s, http.MethodGet, path, nil, nil, true)
	if err != nil || certRefused(resp.StatusCode) {
		return fail(componentPath(pr.p, t), fmt.Sprintf("make %s trust the design's client certificate chain", component(t)),
			"the server refuses the --client-cert certificate: %s", pr.answer(resp, err))
	}
	return pass("the server asks for a client certificate and accepts the --client-cert one (HTTP %d)", resp.StatusCode)
}

// certRefused: nginx completes the handshake and answers 400 (or 495/496) to a client without a valid
// certificate; IIS answers 403.
func certRefused(code int) bool {
	return code == http.StatusBadRequest || code == http.StatusForbidden || code == 495 || code == 496
}

func (pr *prober) answer(resp *http.Response, err error) string {
	if err != nil {
		return pr.why(err)
	}
	return "HTTP " + strconv.Itoa(resp.StatusCode)
}

// mpList is the management point list a management point answers its location request with:
// <MPList><MP Name=".." FQDN=".." SiteCode=".."><Version>..</Version></MP></MPList>.
type mpList struct {
	XMLName xml.Name `xml:"MPList"`
	MPs     []struct {
		Name     string `xml:"Name,attr"`
		FQDN     string `xml:"FQDN,attr"`
		SiteCode string `xml:"SiteCode,attr"`
		Version  string `xml:"Version"`
	} `xml:"MP"`
}

func (pr *prober) mplist(ctx context.Context, s *state) Result {
	t := s.t
	path, field := pathMPList, componentPath(pr.p, t)
	mpName := targetName(t)
	if t.cmg != nil {
		mp := pr.p.System(t.cmg.ManagementPoint)
		if mp == nil || mp.Roles.ManagementPoint == nil || mp.Roles.ManagementPoint.RoleID == 0 {
			return skip("the gateway's management point has no roleID in the design, so its CCM_Proxy_ServerAuth path is unknown")
		}
		path = fmt.Sprintf("/CCM_Proxy_ServerAuth/%d%s", mp.Roles.ManagementPoint.RoleID, pathMPList)
		field, mpName = plan.Join(mp.Roles.ManagementPoint.Path, "roleID"), mp.Name
	}
	if why := pr.needsCert(s); why != "" {
		return skip("%s", why)
	}
	resp, body, err := pr.request(ctx, s, http.MethodGet, path, nil, nil, true)
	fix := fmt.Sprintf("check the management point %s (IIS, SMS_MP, MP_Location.log) and that %s passes GET %s to it", mpName, component(t), path)
	if err != nil {
		return fail(field, fix, "GET %s: %s", path, pr.why(err))
	}
	if resp.StatusCode != http.StatusOK {
		extra := ""
		if resp.StatusCode == http.StatusInternalServerError {
			extra = " (a management point answers 500 when it cannot reach the site database)"
		}
		return fail(field, fix, "GET %s answered HTTP %d%s, not the management point list", path, resp.StatusCode, extra)
	}
	var l mpList
	if err := xml.Unmarshal(body, &l); err != nil || len(l.MPs) == 0 {
		return fail(field, fix, "GET %s answered HTTP 200 but not a management point list (<MPList><MP .../></MPList>): %s", path, snippet(body))
	}
	var mps []string
	for _, m := range l.MPs {
		name := m.FQDN
		if name == "" {
			name = m.Name
		}
		if m.SiteCode != "" {
			name += " (site " + m.SiteCode + ")"
		}
		mps = append(mps, name)
	}
	return pass("%s over %s lists %s", path, resp.Proto, strings.Join(mps, ", "))
}

func snippet(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 80 {
		s = s[:80] + "…"
	}
	return strconv.Quote(s)
}

func (pr *prober) mpcert(ctx context.Context, s *state) Result {
	t := s.t
	if why := pr.needsCert(s); why != "" {
		return skip("%s", why)
	}
	resp, body, err := pr.request(ctx, s, http.MethodGet, pathMPCert, nil, nil, true)
	fix := fmt.Sprintf("check the management point %s (IIS, SMS_MP) and that %s passes GET %s to it", targetName(t), component(t), pathMPCert)
	field := componentPath(pr.p, t)
	if err != nil {
		return fail(field, fix, "GET %s: %s", pathMPCert, pr.why(err))
	}
	if resp.StatusCode != http.StatusOK {
		return fail(field, fix, "GET %s answered HTTP %d, not the management point's certificates", pathMPCert, resp.StatusCode)
	}
	if !mpCertShape(body) {
		return fail(field, fix, "GET %s answered HTTP 200 but not the management point's certificates (<MPCERT> XML or hex): %s", pathMPCert, snippet(body))
	}
	return pass("%s answers the management point's certificates (%d bytes)", pathMPCert, len(body))
}

// mpCertShape accepts the <MPCERT> document, or the hex-encoded certificate blob some versions answer.
func mpCertShape(body []byte) bool {
	b := bytes.TrimSpace(body)
	var root struct{ XMLName xml.Name }
	if xml.Unmarshal(b, &root) == nil {
		return strings.EqualFold(root.XMLName.Local, "MPCERT")
	}
	_, err := hex.DecodeString(string(b))
	return err == nil && len(b) >= 64
}

func (pr *prober) dp(ctx context.Context, s *state) Result {
	t := s.t
	if why := pr.needsCert(s); why != "" {
		return skip("%s", why)
	}
	resp, _, err := pr.request(ctx, s, "PROPFIND", pathDP, map[string]string{"Depth": "0"}, nil, true)
	fix := fmt.Sprintf("check the distribution point %s (IIS, SMS_DP_SMSPKG$ virtual directory, WebDAV) and that %s passes PROPFIND to it", targetName(t), component(t))
	field := componentPath(pr.p, t)
	if err != nil {
		return fail(field, fix, "PROPFIND %s: %s", pathDP, pr.why(err))
	}
	if resp.StatusCode != http.StatusMultiStatus {
		return fail(field, fix, "PROPFIND %s answered HTTP %d, not 207 Multi-Status: the content library is not browsable as a client browses it", pathDP, resp.StatusCode)
	}
	return pass("PROPFIND %s answers 207 Multi-Status", pathDP)
}

func (pr *prober) sup(ctx context.Context, s *state) Result {
	t := s.t
	var u *plan.SoftwareUpdatePoint
	if t.system != nil {
		u = t.system.Roles.SoftwareUpdatePoint
	}
	field := componentPath(pr.p, t)
	var done []string
	if t.scheme == "http" {
		resp, body, err := pr.request(ctx, s, http.MethodGet, pathWUIdent, nil, nil, false)
		fix := fmt.Sprintf("check WSUS on %s (the selfupdate virtual directory on its HTTP port, which Windows Update agents use even with SSL) and that %s passes it", targetName(t), component(t))
		if err != nil {
			return fail(field, fix, "GET %s: %s", pathWUIdent, pr.why(err))
		}
		if resp.StatusCode != http.StatusOK || !bytes.HasPrefix(body, []byte("MSCF")) {
			return fail(field, fix, "GET %s answered HTTP %d, not a cabinet file", pathWUIdent, resp.StatusCode)
		}
		done = append(done, "GET "+pathWUIdent+" answers a cabinet")
	}
	if t.scheme == "https" || u == nil || !u.SSL {
		resp, _, err := pr.request(ctx, s, http.MethodGet, pathClient, nil, nil, pr.o.ClientCert != nil)
		fix := fmt.Sprintf("check WSUS on %s (ClientWebService) and that %s passes it", targetName(t), component(t))
		if err != nil {
			return fail(field, fix, "GET %s: %s", pathClient, pr.why(err))
		}
		if resp.StatusCode != http.StatusOK {
			return fail(field, fix, "GET %s answered HTTP %d, not the WSUS client web service", pathClient, resp.StatusCode)
		}
		done = append(done, "GET "+pathClient+" answers")
	}
	return pass("%s", strings.Join(done, "; "))
}

func (pr *prober) fsp(ctx context.Context, s *state) Result {
	t := s.t
	if !pr.o.FSPPost {
		return skip("POST %s sends a state message to the site; give --fsp-post to send an empty one", pathFSP)
	}
	resp, _, err := pr.request(ctx, s, http.MethodPost, pathFSP, map[string]string{"Content-Type": "text/xml"}, []byte{}, false)
	fix := fmt.Sprintf("check the fallback status point %s (IIS, SMS_FSP) and that %s passes POST %s", targetName(t), component(t), pathFSP)
	field := componentPath(pr.p, t)
	if err != nil {
		return fail(field, fix, "POST %s: %s", pathFSP, pr.why(err))
	}
	if resp.StatusCode != http.StatusOK {
		return fail(field, fix, "POST %s answered HTTP %d", pathFSP, resp.StatusCode)
	}
	return pass("POST %s answers HTTP 200", pathFSP)
}

// verbProbe is one read-only request carrying a verb a role needs.
type verbProbe struct {
	method, path string
	hdr          map[string]string
}

func (pr *prober) verbs(ctx context.Context, s *state) Result {
	t := s.t
	if why := pr.needsCert(s); why != "" {
		return skip("%s", why)
	}
	var probes []verbProbe
	if t.has(plan.RoleManagementPoint) {
		probes = append(probes,
			verbProbe{"GET", pathMPList, nil}, verbProbe{"HEAD", pathMPList, nil},
			// An empty CCM_POST carries no message: the management point refuses it and nothing changes.
			verbProbe{"CCM_POST", pathRequest, nil},
			// A BITS Ping asks the upload server what it supports; it opens no session.
			verbProbe{"BITS_POST", pathIncoming, map[string]string{"BITS-Packet-Type": "Ping", "BITS-Supported-Protocols": "{7df0354d-249b-430f-820d-3d2a9bef4931}"}})
	}
	if t.has(plan.RoleDistributionPoint) {
		probes = append(probes, verbProbe{"PROPFIND", pathDP, map[string]string{"Depth": "0"}})
		if !t.has(plan.RoleManagementPoint) {
			probes = append(probes, verbProbe{"GET", pathDP, nil}, verbProbe{"HEAD", pathDP, nil})
		}
	}
	field := componentPath(pr.p, t)
	if t.route != nil {
		field = t.route.Path
	}
	var refused, old, ok []string
	for _, v := range probes {
		resp, _, err := pr.request(ctx, s, v.method, v.path, v.hdr, nil, true)
		switch {
		case err != nil:
			refused = append(refused, fmt.Sprintf("%s %s: %s", v.method, v.path, pr.why(err)))
		case refusedStatus(resp.StatusCode):
			refused = append(refused, fmt.Sprintf("%s %s: HTTP %d", v.method, v.path, resp.StatusCode))
		case resp.ProtoMajor != 1 || resp.ProtoMinor != 1:
			old = append(old, fmt.Sprintf("%s answered over %s", v.method, resp.Proto))
		default:
			ok = append(ok, v.method)
		}
		if err != nil || refusedStatus(resp.StatusCode) {
			s.refused[v.method] = true
		}
	}
	if len(refused) > 0 {
		return fail(field, fmt.Sprintf("let %s through %s: the role needs every one of %s", verbList(refused), component(t), methodsOf(probes)),
			"refused: %s", strings.Join(refused, "; "))
	}
	if len(old) > 0 {
		return fail(field, fmt.Sprintf("make %s speak HTTP/1.1 to clients", component(t)), "%s", strings.Join(old, "; "))
	}
	detail := fmt.Sprintf("%s pass over HTTP/1.1", strings.Join(ok, ", "))
	if t.route != nil && t.mode == string(plan.ModeBridging) {
		resp, _, err := pr.request(ctx, s, http.MethodOptions, pathMPList, nil, nil, true)
		if err == nil && !refusedStatus(resp.StatusCode) && resp.StatusCode != http.StatusForbidden {
			return fail(field, fmt.Sprintf("make %s refuse the verbs the roles do not use (405), as the config ibcmc wrote does", component(t)),
				"OPTIONS, which no role uses, got HTTP %d: the bridging proxy passes verbs the roles do not need", resp.StatusCode)
		}
		detail += "; OPTIONS, which no role uses, is refused (" + pr.answer(resp, err) + ")"
	}
	return pass("%s", detail)
}

func verbList(refused []string) string {
	var out []string
	for _, r := range refused {
		m, _, _ := strings.Cut(r, " ")
		if !slices.Contains(out, m) {
			out = append(out, m)
		}
	}
	return strings.Join(out, ", ")
}

func methodsOf(probes []verbProbe) string {
	var out []string
	for _, v := range probes {
		if !slices.Contains(out, v.method) {
			out = append(out, v.method)
		}
	}
	return strings.Join(out, ", ")
}

// ccmHeaders are the headers a client signs its messages with; a management point that does not receive
// CCMClientID refuses the message as from no client (403) before it looks for one.
var ccmHeaders = map[string]string{
	"CCMClientID":                  "GUID:00000000-0000-0000-0000-000000000000",
	"CCMClientIDSignature":         "00",
	"CCMClientTimestamp":           "2000-01-01T00:00:00Z",
	"CCMClientTimestampsSignature": "00",
}

func (pr *prober) headers(ctx context.Context, s *state) Result {
	t := s.t
	if why := pr.needsCert(s); why != "" {
		return skip("%s", why)
	}
	if s.refused["CCM_POST"] {
		return skip("CCM_POST does not reach the management point (see verbs)")
	}
	field := componentPath(pr.p, t)
	if t.route != nil {
		field = t.route.Path
	}
	resp, _, err := pr.request(ctx, s, "CCM_POST", pathRequest, ccmHeaders, nil, true)
	if err != nil {
		return fail(field, fmt.Sprintf("check that %s passes CCM_POST with the CCMClient* headers", component(t)), "CCM_POST %s: %s", pathRequest, pr.why(err))
	}
	if resp.StatusCode == http.StatusForbidden {
		return fail(field, fmt.Sprintf("let the CCMClientID, CCMClientIDSignature, CCMClientTimestamp and CCMClientTimestampsSignature headers through %s", component(t)),
			"a CCM_POST with CCMClientID reached the management point without it (HTTP 403, refused as from no client): the path in between drops the CCM headers")
	}
	return pass("the CCMClient* headers reach the management point (HTTP %d for a CCM_POST without a message)", resp.StatusCode)
}
