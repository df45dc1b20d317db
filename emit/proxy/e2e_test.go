package proxy_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ibcmc/ibcmc/emit"
	"github.com/ibcmc/ibcmc/emit/labpki"
	"github.com/ibcmc/ibcmc/internal/testdesign"
	"github.com/ibcmc/ibcmc/internal/testtool"
	"github.com/ibcmc/ibcmc/plan"
)

// e2eDesign publishes a management point + distribution point (mp01) and a fallback status point (fsp01)
// through one proxy; the test fills in product, mode and free client ports.
const e2eDesign = `
site: {
	code: "E2E", server: "cm01.corp.contoso.com", forest: "corp.contoso.com", environment: "lab"
	ports: {http: %d, https: %d}
}
forests: "corp.contoso.com": {}
zones: {
	intranet: {kind: "intranet", cidrs: ["10.0.0.0/16"]}
	dmz: {kind: "perimeter", cidrs: ["127.0.0.0/8"]}
}
pki: {
	authorities: {
		"Contoso Root CA": {subject: "CN=Contoso Root CA", kind: "standalone", crl: {ldap: false, http: ["http://pki.contoso.com/root.crl"], internet: true}}
		"Contoso Issuing CA": {subject: "CN=Contoso Issuing CA", parent: "Contoso Root CA", crl: {http: ["http://pki.contoso.com/issuing.crl"], internet: true}}
	}
	issuer: "Contoso Issuing CA"
}
systems: {
	mp01: {fqdn: {intranet: "mp01.corp.contoso.com", internet: "ibcm.contoso.com"}, zone: "dmz", address: "127.0.0.1", forest: "corp.contoso.com"
		roles: {managementPoint: allow: "internet", distributionPoint: allow: "internet"}}
	fsp01: {fqdn: {intranet: "fsp01.corp.contoso.com", internet: "fsp.contoso.com"}, zone: "dmz", address: "127.0.0.1", forest: "corp.contoso.com"
		roles: fallbackStatusPoint: allow: "internet"}
}
publishing: edge: {product: %q, mode: %q, zone: "dmz", address: "127.0.0.1", systems: ["mp01", "fsp01"]}
clients: laptops: {join: "domain", forest: "corp.contoso.com", install: {mp: "mp01", fallbackStatusPoint: "fsp01"}}
`

// The lab PKI is the same for every product and mode (the bridging design requests a superset of the
// certificates), so it is built once: RSA key generation dominates the run time.
var (
	labOnce  sync.Once
	labFiles []emit.File
	labErr   error
)

func e2ePlan(t *testing.T, product plan.PublishingProduct, mode plan.PublishingMode, httpPort, httpsPort int) *plan.Plan {
	t.Helper()
	res := testdesign.CompileOne(t, fmt.Sprintf(e2eDesign, httpPort, httpsPort, product, mode))
	// Findings of other rules do not matter here: the routes are what the proxies are built from.
	if res.Plan == nil || len(res.Plan.ProxyRoutes) != 2 {
		t.Fatalf("e2e design does not compile to two proxy routes: %v", res.Diagnostics)
	}
	return res.Plan
}

func labPKI(t *testing.T) []emit.File {
	labOnce.Do(func() {
		p := e2ePlan(t, "nginx", plan.ModeBridging, 80, 443)
		labFiles, labErr = labpki.Emit(p, emit.Options{ToolVersion: "test", LabPKI: true})
	})
	if labErr != nil {
		t.Fatal(labErr)
	}
	return labFiles
}

// backend is a fake site system on 127.0.0.1 that reports what reached it in response headers.
type backend struct {
	addr     *net.TCPAddr
	requests atomic.Int64
}

var content = bytes.Repeat([]byte("0123456789abcdef"), 65536) // 1 MiB "package"

func (b *backend) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b.requests.Add(1)
	h := w.Header()
	h.Set("X-Seen-Method", r.Method)
	h.Set("X-Seen-Host", r.Host)
	h.Set("X-Seen-Proto", r.Proto)
	if r.TLS != nil {
		h.Set("X-Seen-SNI", r.TLS.ServerName)
		if len(r.TLS.PeerCertificates) > 0 {
			h.Set("X-Seen-Client", r.TLS.PeerCertificates[0].Subject.CommonName)
		}
	}
	var names []string
	for k := range r.Header {
		names = append(names, strings.ToLower(k))
	}
	sort.Strings(names)
	h.Set("X-Seen-Headers", strings.Join(names, ","))
	h.Set("X-Seen-Chunked", strconv.FormatBool(len(r.TransferEncoding) > 0 && r.TransferEncoding[0] == "chunked"))
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		http.ServeContent(w, r, "package.bin", time.Time{}, bytes.NewReader(content))
		return
	}
	n, _ := io.Copy(io.Discard, r.Body)
	h.Set("X-Seen-Body", strconv.FormatInt(n, 10))
	w.WriteHeader(http.StatusOK)
}

// startBackend serves HTTPS requiring a client certificate of the lab chain (as IIS on an HTTPS management
// point does), or plain HTTP when cert is nil.
func startBackend(t *testing.T, cert *tls.Certificate, cas *x509.CertPool) *backend {
	t.Helper()
	b := &backend{}
	b.addr = serve(t, cert, cas, b, nil)
	return b
}

// serve runs a handler as startBackend does; setup, when given, adjusts the server before it starts.
func serve(t *testing.T, cert *tls.Certificate, cas *x509.CertPool, h http.Handler, setup func(*http.Server)) *net.TCPAddr {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().(*net.TCPAddr)
	// The readiness probe of a forwarding proxy reaches the backend as an empty connection; its log line is noise.
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second, ErrorLog: log.New(io.Discard, "", 0)}
	if setup != nil {
		setup(srv)
	}
	if cert != nil {
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{*cert}, ClientAuth: tls.RequireAndVerifyClientCert,
			ClientCAs: cas, MinVersion: tls.VersionTLS12}
		ln = tls.NewListener(ln, srv.TLSConfig)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return addr
}

// freePort finds a free loopback port. Another process could take it before the proxy binds; the proxy's
// start then fails loudly rather than silently testing something else.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// startProxy runs the real proxy on a config in the foreground, in its own process group, until the test
// ends; it returns once every port accepts connections.
func startProxy(t *testing.T, product plan.PublishingProduct, cfg []byte, ports ...int) {
	t.Helper()
	dir := t.TempDir()
	var cmd *exec.Cmd
	switch product {
	case "nginx":
		bin := testtool.RequireProxy(t, "nginx")
		path := nginxRuntime(t, cfg, dir)
		cmd = exec.Command(bin, "-p", dir, "-c", path, "-g", "daemon off;")
	default:
		bin := testtool.RequireProxy(t, "haproxy")
		path := haproxyRuntime(t, cfg, dir)
		cmd = exec.Command(bin, "-db", "-f", path)
	}
	testtool.StartServer(t, string(product), cmd, "127.0.0.1", ports, 5*time.Second, func() {
		if logs, err := os.ReadFile(filepath.Join(dir, "logs", "error.log")); err == nil {
			t.Logf("nginx error.log:\n%s", logs)
		}
	})
}

// writeLab writes the shared lab PKI under dir and returns its certificate directory.
func writeLab(t *testing.T, dir string) string {
	t.Helper()
	for _, f := range labPKI(t) {
		dst := filepath.Join(dir, filepath.FromSlash(f.Path))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dst, f.Content, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return filepath.Join(dir, labpki.Dir)
}

// lab holds the test's view of the lab PKI.
type lab struct {
	dir   string
	pool  *x509.CertPool
	certs map[string]tls.Certificate
}

func loadLab(t *testing.T, dir string) *lab {
	t.Helper()
	l := &lab{dir: dir, pool: x509.NewCertPool(), certs: map[string]tls.Certificate{}}
	chain, err := os.ReadFile(filepath.Join(dir, labpki.CAChainFile))
	if err != nil {
		t.Fatal(err)
	}
	if !l.pool.AppendCertsFromPEM(chain) {
		t.Fatal("lab CA chain holds no certificate")
	}
	for _, id := range []string{"mp01-webserver", "edge-proxy-client", labpki.GoodClient, labpki.RevokedClient} {
		c, err := tls.LoadX509KeyPair(filepath.Join(dir, id+".crt"), filepath.Join(dir, id+".key"))
		if err != nil {
			t.Fatalf("lab certificate %s: %v", id, err)
		}
		l.certs[id] = c
	}
	return l
}

func (l *lab) cn(t *testing.T, id string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(l.dir, id+".crt"))
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(data)
	c, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return c.Subject.CommonName
}

// client reaches host:port through 127.0.0.1 with the right SNI and Host, presenting the named lab
// certificate (none when id is empty).
func (l *lab) client(id string) *http.Client {
	cfg := &tls.Config{RootCAs: l.pool, MinVersion: tls.VersionTLS12}
	if id != "" {
		cfg.Certificates = []tls.Certificate{l.certs[id]}
	}
	dialer := &net.Dialer{Timeout: 2 * time.Second}
	return &http.Client{
		Timeout: 10 * time.Second,
		Transport: &http.Transport{
			TLSClientConfig: cfg,
			DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
				_, port, _ := net.SplitHostPort(addr)
				return dialer.DialContext(ctx, network, net.JoinHostPort("127.0.0.1", port))
			},
			ForceAttemptHTTP2: false,
			TLSNextProto:      map[string]func(string, *tls.Conn) http.RoundTripper{},
		},
	}
}

type reply struct {
	status int
	header http.Header
	body   []byte
}

func do(t *testing.T, c *http.Client, method, url string, body io.Reader, hdr map[string]string) (*reply, error) {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	return &reply{status: resp.StatusCode, header: resp.Header, body: data}, nil
}

func mustDo(t *testing.T, c *http.Client, method, url string, body io.Reader, hdr map[string]string) *reply {
	t.Helper()
	r, err := do(t, c, method, url, body, hdr)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	return r
}

// chunked is a body of unknown length, so the client sends it with Transfer-Encoding: chunked.
func chunked(n int) io.Reader {
	pr, pw := io.Pipe()
	go func() {
		chunk := bytes.Repeat([]byte("B"), 64*1024)
		for sent := 0; sent < n; sent += len(chunk) {
			if _, err := pw.Write(chunk[:min(len(chunk), n-sent)]); err != nil {
				return
			}
		}
		pw.Close()
	}()
	return io.NopCloser(pr)
}

// e2e is one product × mode running: proxy, fake backends, lab PKI.
type e2e struct {
	lab           *lab
	httpsPort     int
	httpPort      int
	mp, fsp       *backend
	mpURL, fspURL string
	dpURL         string
	proxyClientCN string
	clientCN      string
	product       plan.PublishingProduct
	mode          plan.PublishingMode
}

func startE2E(t *testing.T, product plan.PublishingProduct, mode plan.PublishingMode) *e2e {
	return startE2EWith(t, product, mode, startBackend, nil)
}

// startE2EWith is startE2E with another management point behind the proxy: mp starts it with the
// management point's web server certificate and the lab chain its clients' certificates must chain to.
// edit, when given, changes the emitted config before the proxy checks and runs it.
func startE2EWith(t *testing.T, product plan.PublishingProduct, mode plan.PublishingMode, mp func(t *testing.T, cert *tls.Certificate, cas *x509.CertPool) *backend, edit func([]byte) []byte) *e2e {
	httpsPort, httpPort := freePort(t), freePort(t)
	p := e2ePlan(t, product, mode, httpPort, httpsPort)
	certDir := writeLab(t, t.TempDir())
	l := loadLab(t, certDir)
	web := l.certs["mp01-webserver"]
	e := &e2e{lab: l, httpsPort: httpsPort, httpPort: httpPort, product: product, mode: mode,
		mp: mp(t, &web, l.pool), fsp: startBackend(t, nil, nil),
		proxyClientCN: l.cn(t, "edge-proxy-client"), clientCN: l.cn(t, labpki.GoodClient)}
	// The backends listen on ports of their own next to the proxy on the same loopback address.
	for _, r := range p.ProxyRoutes {
		r.BackendAddress = "127.0.0.1"
		if r.ListenPort == httpPort {
			r.BackendPort = e.fsp.addr.Port
		} else {
			r.BackendPort = e.mp.addr.Port
		}
	}
	files, err := emitProxy(p, certDir)
	if err != nil {
		t.Fatal(err)
	}
	name := map[plan.PublishingProduct]string{"nginx": "nginx.conf", "haproxy": "haproxy.cfg"}[product]
	cfg, ok := files["proxy/edge/"+name]
	if !ok {
		t.Fatalf("proxy/edge/%s not emitted", name)
	}
	if edit != nil {
		cfg = edit(cfg)
	}
	if product == "nginx" {
		checkNginx(t, cfg)
	} else {
		checkHAProxy(t, cfg)
	}
	startProxy(t, product, cfg, httpsPort, httpPort)
	e.mpURL = fmt.Sprintf("https://ibcm.contoso.com:%d/ccm_system/request", httpsPort)
	e.dpURL = fmt.Sprintf("https://ibcm.contoso.com:%d/SMS_DP_SMSPKG$/ABC00001/package.bin", httpsPort)
	e.fspURL = fmt.Sprintf("http://fsp.contoso.com:%d/SMS_FSP/.sms_fsp", httpPort)
	return e
}

func TestEndToEnd(t *testing.T) {
	for _, product := range []plan.PublishingProduct{plan.PublishingNginx, plan.PublishingHAProxy} {
		for _, mode := range []plan.PublishingMode{plan.ModeBridging, plan.ModeTunneling, plan.ModePortForwarding} {
			t.Run(string(product)+"/"+string(mode), func(t *testing.T) {
				testtool.RequireProxy(t, string(product))
				e := startE2E(t, product, mode)
				start := time.Now()
				e.verbs(t)
				e.rangeAndUpload(t)
				e.identity(t)
				e.fallbackStatusPoint(t)
				if mode == plan.ModeBridging {
					e.refused(t)
					e.headerPolicy(t)
				}
				if mode == plan.ModeTunneling {
					e.unknownName(t)
				}
				t.Logf("probes took %v", time.Since(start).Round(time.Millisecond))
			})
		}
	}
}

// verbs: the management point's and distribution point's verbs reach the backend; through a bridging proxy,
// every other verb is answered 405 without reaching it.
func (e *e2e) verbs(t *testing.T) {
	c := e.lab.client(labpki.GoodClient)
	for _, m := range []string{"CCM_POST", "BITS_POST", "GET", "PROPFIND", "HEAD"} {
		r := mustDo(t, c, m, e.mpURL, nil, nil)
		if r.status != http.StatusOK || r.header.Get("X-Seen-Method") != m {
			t.Errorf("%s: status %d, backend saw method %q; want 200 and %s", m, r.status, r.header.Get("X-Seen-Method"), m)
		}
	}
	if e.mode != plan.ModeBridging {
		return
	}
	for _, m := range []string{"POST", "PUT", "DELETE", "OPTIONS", "MKCOL", "PATCH"} {
		before := e.mp.requests.Load()
		r := mustDo(t, c, m, e.mpURL, strings.NewReader("x"), nil)
		if r.status != http.StatusMethodNotAllowed {
			t.Errorf("%s: status %d, want 405", m, r.status)
		}
		if e.mp.requests.Load() != before {
			t.Errorf("%s reached the backend", m)
		}
	}
}

// rangeAndUpload: Range gets 206 with exactly the range; a large chunked BITS_POST streams through whole.
func (e *e2e) rangeAndUpload(t *testing.T) {
	c := e.lab.client(labpki.GoodClient)
	r := mustDo(t, c, "GET", e.dpURL, nil, map[string]string{"Range": "bytes=100-199"})
	if r.status != http.StatusPartialContent || !bytes.Equal(r.body, content[100:200]) ||
		r.header.Get("Content-Range") != fmt.Sprintf("bytes 100-199/%d", len(content)) {
		t.Errorf("Range: status %d, %d bytes, Content-Range %q; want 206, 100 bytes, bytes 100-199/%d",
			r.status, len(r.body), r.header.Get("Content-Range"), len(content))
	}
	const size = 32 << 20
	start := time.Now()
	r = mustDo(t, c, "BITS_POST", e.mpURL, chunked(size), map[string]string{
		"BITS-Packet-Type": "Fragment", "Content-Type": "application/octet-stream", "Content-Range": fmt.Sprintf("bytes 0-%d/%d", size-1, size)})
	if r.status != http.StatusOK || r.header.Get("X-Seen-Body") != strconv.Itoa(size) {
		t.Errorf("chunked BITS_POST of %d bytes: status %d, backend received %q bytes", size, r.status, r.header.Get("X-Seen-Body"))
	}
	if r.header.Get("X-Seen-Chunked") != "true" {
		t.Errorf("the backend received the upload with Transfer-Encoding %q chunked=%s; want it streamed chunked, not buffered",
			r.header.Get("Transfer-Encoding"), r.header.Get("X-Seen-Chunked"))
	}
	t.Logf("32 MiB chunked BITS_POST in %v", time.Since(start).Round(time.Millisecond))
}

// identity: bridging presents the proxy's own certificate to the backend over HTTP/1.1 with the backend's
// name; tunneling and port forwarding hand the client's own TLS session to it.
func (e *e2e) identity(t *testing.T) {
	r := mustDo(t, e.lab.client(labpki.GoodClient), "CCM_POST", e.mpURL, strings.NewReader("<Msg/>"),
		map[string]string{"CCMClientID": "GUID:1234", "Content-Type": "multipart/mixed; boundary=aAbBcCdDv1234567890VxXyYzZ"})
	want := map[string]string{"X-Seen-Client": e.clientCN, "X-Seen-SNI": "ibcm.contoso.com", "X-Seen-Host": fmt.Sprintf("ibcm.contoso.com:%d", e.httpsPort), "X-Seen-Proto": "HTTP/1.1", "X-Seen-Body": "6"}
	if e.mode == plan.ModeBridging {
		want["X-Seen-Client"] = e.proxyClientCN
		want["X-Seen-SNI"] = "mp01.corp.contoso.com"
		want["X-Seen-Host"] = "mp01.corp.contoso.com"
	}
	if r.status != http.StatusOK {
		t.Fatalf("CCM_POST: status %d", r.status)
	}
	for k, v := range want {
		if got := r.header.Get(k); got != v {
			t.Errorf("backend %s = %q, want %q", strings.TrimPrefix(k, "X-Seen-"), got, v)
		}
	}
}

// fallbackStatusPoint: plain HTTP POST reaches the FSP; where the proxy speaks HTTP, other verbs get 405.
func (e *e2e) fallbackStatusPoint(t *testing.T) {
	c := e.lab.client("")
	before := e.fsp.requests.Load()
	r := mustDo(t, c, "POST", e.fspURL, strings.NewReader("state"), nil)
	if r.status != http.StatusOK || r.header.Get("X-Seen-Method") != "POST" || r.header.Get("X-Seen-Body") != "5" {
		t.Errorf("FSP POST: status %d, backend saw %q with %q bytes", r.status, r.header.Get("X-Seen-Method"), r.header.Get("X-Seen-Body"))
	}
	if e.fsp.requests.Load() != before+1 {
		t.Errorf("FSP POST did not reach the fallback status point")
	}
	if e.mode == plan.ModePortForwarding {
		return
	}
	if r := mustDo(t, c, "GET", e.fspURL, nil, nil); r.status != http.StatusMethodNotAllowed {
		t.Errorf("FSP GET: status %d, want 405", r.status)
	}
}

// refused: a client without a certificate, or with the revoked one, never reaches the backend.
func (e *e2e) refused(t *testing.T) {
	for _, id := range []string{"", labpki.RevokedClient} {
		before := e.mp.requests.Load()
		r, err := do(t, e.lab.client(id), "CCM_POST", e.mpURL, strings.NewReader("x"), nil)
		switch {
		case err != nil:
			// HAProxy ends the handshake with an alert.
		case r.status == http.StatusBadRequest:
			// nginx completes the handshake and answers 400.
		default:
			t.Errorf("client %q: status %d, want 400 or a refused handshake", id, r.status)
		}
		if e.mp.requests.Load() != before {
			t.Errorf("client %q reached the backend", id)
		}
	}
}

// headerPolicy: the CCM headers and Range pass; anything outside the policy is dropped. Authorization passes
// to the management point through HAProxy, which binds the backend connection once NTLM starts, and never
// through nginx, which would share a connection NTLM authenticated with other clients.
func (e *e2e) headerPolicy(t *testing.T) {
	r := mustDo(t, e.lab.client(labpki.GoodClient), "CCM_POST", e.mpURL, strings.NewReader("x"), map[string]string{
		"CCMClientID": "GUID:1", "CCMClientIDSignature": "AB", "CCMClientTimestamp": "2026-01-01T00:00:00Z",
		"CCMClientTimestampsSignature": "CD", "Range": "bytes=0-1", "X-Evil": "1", "Cookie": "a=b", "Authorization": "Basic eDp5",
	})
	seen := "," + r.header.Get("X-Seen-Headers") + ","
	passes := []string{"ccmclientid", "ccmclientidsignature", "ccmclienttimestamp", "ccmclienttimestampssignature", "range"}
	dropped := []string{"x-evil", "cookie"}
	if e.product == "haproxy" {
		passes = append(passes, "authorization")
	} else {
		dropped = append(dropped, "authorization")
	}
	for _, h := range passes {
		if !strings.Contains(seen, ","+h+",") {
			t.Errorf("header %s did not reach the backend (it saw %s)", h, seen)
		}
	}
	for _, h := range dropped {
		if strings.Contains(seen, ","+h+",") {
			t.Errorf("header %s reached the backend (it saw %s)", h, seen)
		}
	}
}

// unknownName: a tunneling proxy closes a TLS connection whose SNI names nothing it publishes.
func (e *e2e) unknownName(t *testing.T) {
	before := e.mp.requests.Load()
	_, err := do(t, e.lab.client(labpki.GoodClient), "GET", fmt.Sprintf("https://other.contoso.com:%d/", e.httpsPort), nil, nil)
	if err == nil {
		t.Errorf("an unpublished SNI name got an answer")
	}
	var netErr net.Error
	if errors.As(err, &netErr) && netErr.Timeout() {
		t.Errorf("an unpublished SNI name timed out instead of being closed: %v", err)
	}
	if e.mp.requests.Load() != before {
		t.Errorf("an unpublished SNI name reached the backend")
	}
}
