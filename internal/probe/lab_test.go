package probe_test

// The lab: the proxy configs ibcmc emits, run by the real nginx or HAProxy on 127.0.0.1, in front of fake
// site systems that answer like the roles, with the lab PKI of `build --lab-pki` and its CRLs served over
// HTTP. The harness follows emit/proxy's end-to-end tests: free ports, bounded waits, every process
// stopped by its PID.

import (
	"bytes"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ibcmc/ibcmc/emit"
	"github.com/ibcmc/ibcmc/emit/labpki"
	"github.com/ibcmc/ibcmc/emit/proxy"
	"github.com/ibcmc/ibcmc/internal/probe"
	"github.com/ibcmc/ibcmc/internal/testtool"
	"github.com/ibcmc/ibcmc/plan"
)

// A lab PKI is built once per design (and mode): RSA key generation dominates the run time. The fault
// cases issue their own certificates from its CAs.
var (
	labCount atomic.Int32
	labMu    sync.Mutex
	labByID  = map[string]*labpki.Lab{}
)

func sharedLab(t *testing.T, id string, p *plan.Plan) *labpki.Lab {
	t.Helper()
	labMu.Lock()
	defer labMu.Unlock()
	if l := labByID[id]; l != nil {
		return l
	}
	l, err := labpki.Build(p, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	labByID[id] = l
	return l
}

// fault changes one thing in a correct lab deployment.
type fault struct {
	// serverCert, when set, replaces the certificate of the request with this ID (the proxy's own under
	// bridging, else the site system's web server certificate).
	serverCert string
	edit       func(*x509.Certificate) // changes the template of the replacement certificate
	// crl changes the issuing CA's CRL served over HTTP: stale, or revoking the replacement certificate.
	staleCRL, revokeServer bool
	// config edits the emitted proxy config.
	config func(t *testing.T, cfg []byte) []byte
	// closed names a published port that nothing listens on (the client's connection is refused).
	closed int
	// public replaces the design's public address of every publishing entry (the name then resolves
	// elsewhere than the design says).
	public string
}

// lab is a running deployment of a plan.
type lab struct {
	p       *plan.Plan
	addr    string // the loopback address of this lab's proxy: its own, so parallel labs never race for ports
	dir     string
	pki     *labpki.Lab
	opts    probe.Options
	ports   map[int]int // published port → the free port the proxy (or system) listens on
	server  *x509.Certificate
	crlPort int
}

// startLab deploys p on 127.0.0.1: fake site systems, the emitted proxy (when the design publishes through
// one), and the CDP web server; it returns probe options that reach them as a client would.
func startLab(t *testing.T, id string, p *plan.Plan, f fault) *lab {
	t.Helper()
	l := &lab{p: p, dir: t.TempDir(), ports: map[int]int{}, addr: fmt.Sprintf("127.0.1.%d", labCount.Add(1))}
	l.pki = sharedLab(t, id, p)
	pool := x509.NewCertPool()
	for _, ca := range l.pki.CAs {
		pool.AddCert(ca.Cert)
		l.opts.CAs = append(l.opts.CAs, ca.Cert)
		// The lab CAs stand in for the design's authorities under their own names.
		if a := p.Authority(ca.Name); a != nil {
			a.Subject = ca.Cert.Subject.String()
		}
	}
	// The lab issues the gateways' certificates from its issuing CA, which so stands in for their
	// authorities (a public CA in production).
	for _, g := range p.CMGs {
		if a := p.Authority(g.CertificateAuthority); a != nil {
			a.Subject = l.pki.CAs[len(l.pki.CAs)-1].Cert.Subject.String()
		}
	}
	leaves := map[string]*labpki.Leaf{}
	for _, lf := range l.pki.Leaves {
		leaves[lf.ID] = lf
	}
	if f.serverCert != "" {
		leaves[f.serverCert] = reissue(t, l.pki, leaves[f.serverCert], f.edit)
		l.server = leaves[f.serverCert].Cert
	}
	certDir := filepath.Join(l.dir, labpki.Dir)
	writeLab(t, l.pki, leaves, p, certDir)
	client := leaves[labpki.GoodClient]
	l.opts.ClientCert = &tls.Certificate{Certificate: [][]byte{client.Cert.Raw}, PrivateKey: client.Key, Leaf: client.Cert}
	l.opts.FSPPost = true
	l.opts.Timeout = 3 * time.Second

	// The CDP web server answers every lab CA's CRL at the path of its distribution point.
	crls := map[string][]byte{}
	var cdps []probe.Override
	for _, ca := range l.pki.CAs {
		u, err := url.Parse(ca.CDP)
		if err != nil {
			t.Fatal(err)
		}
		der := ca.CRL
		if ca == l.pki.CAs[len(l.pki.CAs)-1] && (f.staleCRL || f.revokeServer) {
			der = issueCRL(t, ca, f.staleCRL, l.server)
		}
		crls[u.EscapedPath()] = der
		port := u.Port()
		if port == "" {
			port = "80"
		}
		n, _ := strconv.Atoi(port)
		cdps = append(cdps, probe.Override{Host: strings.ToLower(u.Hostname()), Port: n, Addr: "127.0.0.1"})
	}
	l.crlPort = serve(t, nil, nil, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		der, ok := crls[r.URL.EscapedPath()]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/pkix-crl")
		w.Write(der)
	}))
	for _, o := range cdps {
		o.TargetPort = l.crlPort
		l.opts.Resolve = append(l.opts.Resolve, o)
	}

	// Fake site systems: one listener per backend of each route (or per endpoint when nothing is in between).
	https := map[string]bool{}
	for _, e := range p.Endpoints {
		https[fmt.Sprintf("%s:%d", strings.ToLower(e.FQDN), e.Port)] = e.Protocol == "https"
	}
	for _, r := range p.ProxyRoutes {
		tlsOn := r.BackendTLS || r.Mode != plan.ModeBridging && https[fmt.Sprintf("%s:%d", strings.ToLower(r.Host), r.ListenPort)]
		r.BackendAddress = "127.0.0.1"
		r.BackendPort = startSystem(t, p, leaves, r.Backend, r.Roles, tlsOn, pool)
	}
	if f.public != "" {
		for _, pub := range p.Publishing {
			pub.Public = f.public
		}
	} else {
		for _, pub := range p.Publishing {
			pub.Public = l.addr
		}
	}
	for _, e := range p.Endpoints {
		e.Public = ""
		if pub := p.PublishingEntry(e.Publishing); pub != nil {
			e.Public = pub.Public
		}
	}
	// Systems reached directly listen themselves.
	for _, e := range p.Endpoints {
		if e.Publishing != "" || e.Mode == "cmg" {
			continue
		}
		s := p.System(e.Target)
		s.Address = "127.0.0.1"
		l.ports[e.Port] = startSystem(t, p, leaves, s.Name, e.Roles, e.Protocol == "https", pool)
	}
	// A gateway answers for the management point behind it under /CCM_Proxy_ServerAuth/<roleID>/.
	for _, e := range p.Endpoints {
		if e.Mode != "cmg" {
			continue
		}
		g := p.CMG(e.Target)
		mp := p.System(g.ManagementPoint)
		lf := leaves[g.Name+"-"+plan.PurposeCMGServer]
		if mp == nil || lf == nil {
			t.Fatalf("gateway %s: no management point or no lab certificate", g.Name)
		}
		prefix := fmt.Sprintf("/CCM_Proxy_ServerAuth/%d", mp.Roles.ManagementPoint.RoleID)
		h := http.StripPrefix(prefix, &siteSystem{fqdn: mp.PrimaryFQDN(), site: p.Site.Code, signing: leaves[labpki.GoodClient].Cert.Raw})
		l.ports[e.Port] = serve(t, &tls.Certificate{Certificate: [][]byte{lf.Cert.Raw}, PrivateKey: lf.Key, Leaf: lf.Cert}, nil, h)
	}
	for _, pub := range p.Publishing {
		l.startProxy(t, pub, certDir, f)
	}
	for _, e := range p.Endpoints {
		to, addr := l.ports[e.Port], l.addr
		if e.Publishing == "" {
			addr = "127.0.0.1"
		}
		if e.Port == f.closed {
			to = freePort(t, addr)
		}
		l.opts.Resolve = append(l.opts.Resolve, probe.Override{Host: strings.ToLower(e.FQDN), Port: e.Port, Addr: addr, TargetPort: to})
	}
	return l
}

// reissue issues a replacement for a lab leaf from the lab's issuing CA, with the same key, changed by edit.
func reissue(t *testing.T, pki *labpki.Lab, old *labpki.Leaf, edit func(*x509.Certificate)) *labpki.Leaf {
	t.Helper()
	issuer := pki.CAs[len(pki.CAs)-1]
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: old.Cert.Subject, DNSNames: old.Cert.DNSNames,
		NotBefore: old.Cert.NotBefore, NotAfter: old.Cert.NotAfter, KeyUsage: old.Cert.KeyUsage,
		ExtKeyUsage: old.Cert.ExtKeyUsage, BasicConstraintsValid: true, CRLDistributionPoints: old.Cert.CRLDistributionPoints,
	}
	if edit != nil {
		edit(tmpl)
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, issuer.Cert, old.Key.Public(), issuer.Key)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return &labpki.Leaf{ID: old.ID, Cert: c, Key: old.Key, Note: old.Note}
}

// issueCRL is the issuing CA's CRL, stale (its next update passed yesterday) or revoking cert.
func issueCRL(t *testing.T, ca *labpki.CA, stale bool, revoke *x509.Certificate) []byte {
	t.Helper()
	now := time.Now()
	rl := &x509.RevocationList{Number: big.NewInt(now.UnixNano()), ThisUpdate: now.Add(-time.Hour), NextUpdate: now.Add(7 * 24 * time.Hour)}
	if stale {
		rl.ThisUpdate, rl.NextUpdate = now.Add(-8*24*time.Hour), now.Add(-24*time.Hour)
	}
	if revoke != nil {
		rl.RevokedCertificateEntries = []x509.RevocationListEntry{{SerialNumber: revoke.SerialNumber, RevocationTime: now.Add(-time.Hour), ReasonCode: 1}}
	}
	der, err := x509.CreateRevocationList(rand.Reader, rl, ca.Cert, ca.Key)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

// writeLab writes the lab PKI as build --lab-pki does, with the leaves given (some replaced by a fault).
func writeLab(t *testing.T, pki *labpki.Lab, leaves map[string]*labpki.Leaf, p *plan.Plan, dir string) {
	t.Helper()
	copyLab := &labpki.Lab{CAs: pki.CAs}
	for _, lf := range pki.Leaves {
		copyLab.Leaves = append(copyLab.Leaves, leaves[lf.ID])
	}
	for _, f := range copyLab.Files(p, emit.Options{ToolVersion: "test", LabPKI: true}) {
		dst := filepath.Join(filepath.Dir(dir), filepath.FromSlash(f.Path))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dst, f.Content, 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

func serve(t *testing.T, cert *tls.Certificate, cas *x509.CertPool, h http.Handler) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second, ErrorLog: log.New(io.Discard, "", 0)}
	if cert != nil {
		cfg := &tls.Config{Certificates: []tls.Certificate{*cert}, MinVersion: tls.VersionTLS12}
		if cas != nil {
			// IIS on an HTTPS management or distribution point requires a client certificate of the chain.
			cfg.ClientAuth, cfg.ClientCAs = tls.RequireAndVerifyClientCert, cas
		}
		ln = tls.NewListener(ln, cfg)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return port
}

func freePort(t *testing.T, addr string) int {
	t.Helper()
	ln, err := net.Listen("tcp", net.JoinHostPort(addr, "0"))
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// startSystem runs a fake site system with the roles given, over TLS with its lab web server certificate
// when tlsOn; a management or distribution point then requires a client certificate of the lab chain.
func startSystem(t *testing.T, p *plan.Plan, leaves map[string]*labpki.Leaf, system string, roles []string, tlsOn bool, pool *x509.CertPool) int {
	t.Helper()
	s := p.System(system)
	h := &siteSystem{fqdn: s.PrimaryFQDN(), site: p.Site.Code, signing: leaves[labpki.GoodClient].Cert.Raw}
	if !tlsOn {
		return serve(t, nil, nil, h)
	}
	lf := leaves[system+"-webserver"]
	if lf == nil {
		t.Fatalf("the lab PKI has no web server certificate for %s", system)
	}
	cert := &tls.Certificate{Certificate: [][]byte{lf.Cert.Raw}, PrivateKey: lf.Key, Leaf: lf.Cert}
	var cas *x509.CertPool
	for _, r := range roles {
		if r == plan.RoleManagementPoint || r == plan.RoleDistributionPoint {
			cas = pool
		}
	}
	return serve(t, cert, cas, h)
}

// siteSystem answers like the roles of a ConfigMgr site system to the requests a client makes first.
type siteSystem struct {
	fqdn, site string
	signing    []byte
}

func (h *siteSystem) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := r.URL.Path
	switch {
	case strings.EqualFold(path, "/SMS_MP/.sms_aut") && (r.Method == "GET" || r.Method == "HEAD"):
		switch strings.ToUpper(r.URL.RawQuery) {
		case "MPLIST":
			w.Header().Set("Content-Type", "text/xml")
			fmt.Fprintf(w, `<MPList><MP Name=%q FQDN=%q SiteCode=%q><Version>9128</Version><Capabilities SchemaVersion="1.0"/></MP></MPList>`,
				strings.ToUpper(strings.Split(h.fqdn, ".")[0]), h.fqdn, h.site)
		case "MPCERT":
			w.Header().Set("Content-Type", "text/xml")
			fmt.Fprintf(w, `<MPCERT version="1.0"><Certificates><Certificate Type="Signing">%s</Certificate></Certificates></MPCERT>`,
				strings.ToUpper(hex.EncodeToString(h.signing)))
		default:
			http.NotFound(w, r)
		}
	case strings.EqualFold(path, "/ccm_system/request") && r.Method == "CCM_POST":
		// Refused as from no client without CCMClientID; with it, refused for want of a message.
		if r.Header.Get("CCMClientID") == "" {
			w.WriteHeader(http.StatusForbidden)
			return
		}
		w.WriteHeader(http.StatusBadRequest)
	case strings.EqualFold(path, "/CCM_Incoming/") && r.Method == "BITS_POST":
		if r.Header.Get("BITS-Packet-Type") != "Ping" {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		w.Header().Set("BITS-Packet-Type", "Ack")
		w.WriteHeader(http.StatusOK)
	case strings.EqualFold(path, "/SMS_DP_SMSPKG$/") && r.Method == "PROPFIND":
		w.Header().Set("Content-Type", "text/xml")
		w.WriteHeader(http.StatusMultiStatus)
		io.WriteString(w, `<?xml version="1.0"?><D:multistatus xmlns:D="DAV:"><D:response><D:href>/SMS_DP_SMSPKG$/</D:href></D:response></D:multistatus>`)
	case strings.EqualFold(path, "/SMS_DP_SMSPKG$/") && (r.Method == "GET" || r.Method == "HEAD"):
		w.WriteHeader(http.StatusOK)
	case strings.EqualFold(path, "/selfupdate/wuident.cab") && (r.Method == "GET" || r.Method == "HEAD"):
		w.Header().Set("Content-Type", "application/vnd.ms-cab-compressed")
		w.Write(append([]byte("MSCF\x00\x00\x00\x00"), bytes.Repeat([]byte{0}, 56)...))
	case strings.EqualFold(path, "/ClientWebService/client.asmx") && r.Method == "GET":
		w.Header().Set("Content-Type", "text/html")
		io.WriteString(w, "<html><body>Client Web Service</body></html>")
	case strings.EqualFold(path, "/SMS_FSP/.sms_fsp") && r.Method == "POST":
		io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusOK)
	case r.Method == "OPTIONS":
		w.Header().Set("Allow", "OPTIONS, TRACE, GET, HEAD, POST, PROPFIND")
		w.WriteHeader(http.StatusOK)
	default:
		http.NotFound(w, r)
	}
}

var (
	nginxListen = regexp.MustCompile(`(?m)^(\s+)listen (\d+)`)
	haproxyBind = regexp.MustCompile(`(?m)^(\s+)bind :(\d+)`)
)

// startProxy runs the emitted proxy of a publishing entry, every listener moved to a free loopback port.
func (l *lab) startProxy(t *testing.T, pub *plan.Publishing, certDir string, f fault) {
	t.Helper()
	files, err := proxy.Emit(l.p, emit.Options{ToolVersion: "test", CertDir: certDir})
	if err != nil {
		t.Fatal(err)
	}
	var cfg []byte
	name := map[plan.PublishingProduct]string{"nginx": "nginx.conf", "haproxy": "haproxy.cfg"}[pub.Product]
	for _, file := range files {
		if file.Path == "proxy/"+pub.Name+"/"+name {
			cfg = file.Content
		}
	}
	if cfg == nil {
		t.Fatalf("proxy/%s/%s not emitted", pub.Name, name)
	}
	if f.config != nil {
		cfg = f.config(t, cfg)
	}
	re, to := nginxListen, "listen "+l.addr+":"
	if pub.Product == "haproxy" {
		re, to = haproxyBind, "bind "+l.addr+":"
	}
	if !re.Match(cfg) {
		t.Fatalf("config has no listener matching %s", re)
	}
	var listens []int
	cfg = re.ReplaceAllFunc(cfg, func(m []byte) []byte {
		sub := re.FindSubmatch(m)
		port, _ := strconv.Atoi(string(sub[2]))
		if l.ports[port] == 0 {
			l.ports[port] = freePort(t, l.addr)
			listens = append(listens, l.ports[port])
		}
		return []byte(string(sub[1]) + to + strconv.Itoa(l.ports[port]))
	})
	dir := t.TempDir()
	var cmd *exec.Cmd
	if pub.Product == "nginx" {
		bin := testtool.RequireProxy(t, "nginx")
		for _, d := range []string{"logs", "tmp"} {
			if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
				t.Fatal(err)
			}
		}
		repl := map[string]string{
			"pid /run/nginx.pid;":                      "pid " + dir + "/logs/nginx.pid;",
			"error_log /var/log/nginx/error.log warn;": "error_log " + dir + "/logs/error.log info;",
		}
		if bytes.Contains(cfg, []byte("\nhttp {\n")) {
			repl["    access_log /var/log/nginx/access.log;"] = "    access_log " + dir + "/logs/access.log;"
			for directive, sub := range map[string]string{"client_body": "body", "proxy": "proxy", "fastcgi": "fastcgi", "uwsgi": "uwsgi", "scgi": "scgi"} {
				repl["    "+directive+"_temp_path /var/lib/nginx/"+sub+";"] = "    " + directive + "_temp_path " + dir + "/tmp/" + sub + ";"
			}
		}
		if os.Geteuid() != 0 {
			repl["user www-data;"] = "# user www-data; (not root: nginx keeps the caller's identity)"
		}
		path := filepath.Join(dir, "nginx.conf")
		writeFile(t, path, relocate(t, cfg, repl))
		cmd = exec.Command(bin, "-p", dir, "-c", path, "-g", "daemon off;")
	} else {
		bin := testtool.RequireProxy(t, "haproxy")
		repl := map[string]string{"    log /dev/log local0": "    log stderr format short local0 notice"}
		if os.Geteuid() != 0 {
			repl["    user haproxy"] = "    # user haproxy (not root)"
			repl["    group haproxy"] = "    # group haproxy (not root)"
		}
		path := filepath.Join(dir, "haproxy.cfg")
		writeFile(t, path, relocate(t, cfg, repl))
		cmd = exec.Command(bin, "-db", "-f", path)
	}
	testtool.StartServer(t, string(pub.Product), cmd, l.addr, listens, 10*time.Second, func() {
		if logs, err := os.ReadFile(filepath.Join(dir, "logs", "error.log")); err == nil {
			t.Logf("nginx error.log:\n%s", logs)
		}
	})
}

// relocate rewrites the runtime paths of an emitted config into a private directory; every line it replaces
// must be there exactly once.
func relocate(t *testing.T, cfg []byte, repl map[string]string) []byte {
	t.Helper()
	for from, to := range repl {
		if n := bytes.Count(cfg, []byte(from+"\n")); n != 1 {
			t.Fatalf("config has %q %d times, want once", from, n)
		}
		cfg = bytes.Replace(cfg, []byte(from+"\n"), []byte(to+"\n"), 1)
	}
	return cfg
}

func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

// mustReplace replaces old by new in a config, failing the test when the config does not have it (the fault
// would otherwise test nothing).
func mustReplace(t *testing.T, cfg []byte, old, new string) []byte {
	t.Helper()
	if !bytes.Contains(cfg, []byte(old)) {
		t.Fatalf("config has no %q", old)
	}
	return bytes.ReplaceAll(cfg, []byte(old), []byte(new))
}

// dropLines removes every line matching re.
func dropLines(t *testing.T, cfg []byte, re *regexp.Regexp) []byte {
	t.Helper()
	if !re.Match(cfg) {
		t.Fatalf("config has no line matching %s", re)
	}
	return re.ReplaceAll(cfg, nil)
}
