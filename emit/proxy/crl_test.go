package proxy_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ibcmc/ibcmc/emit"
	"github.com/ibcmc/ibcmc/emit/labpki"
	"github.com/ibcmc/ibcmc/emit/proxy"
	"github.com/ibcmc/ibcmc/internal/testdesign"
	"github.com/ibcmc/ibcmc/internal/testtool"
)

// crlDesign bridges a management point on nginx with revocation checked; both CAs of the client chain
// publish their CRL over HTTP on 127.0.0.1 (the root at two URLs, the first of which is down).
const crlDesign = `
site: {code: "CRL", server: "cm01.corp.contoso.com", forest: "corp.contoso.com", environment: "lab", communication: checkCRL: true}
forests: "corp.contoso.com": {}
zones: {
	intranet: {kind: "intranet", cidrs: ["10.0.0.0/16"]}
	dmz: {kind: "perimeter", cidrs: ["127.0.0.0/8"]}
}
pki: {
	authorities: {
		"Contoso Root CA": {subject: "CN=Contoso Root CA", kind: "standalone", crl: {ldap: false, internet: true,
			http: ["http://127.0.0.1:%[1]d/root.crl", "http://127.0.0.1:%[2]d/root.crl"]}}
		"Contoso Issuing CA": {subject: "CN=Contoso Issuing CA", parent: "Contoso Root CA", crl: {http: ["http://127.0.0.1:%[2]d/issuing$(touch%%20pwned)[1]&x;.crl"], internet: true}}
	}
	issuer: "Contoso Issuing CA"
}
systems: mp01: {fqdn: {intranet: "mp01.corp.contoso.com", internet: "ibcm.contoso.com"}, zone: "dmz", address: "127.0.0.1", forest: "corp.contoso.com"
	roles: managementPoint: allow: "internet"}
publishing: edge: {product: "nginx", mode: "sslBridging", zone: "dmz", address: "127.0.0.1", systems: ["mp01"]}
clients: laptops: {join: "domain", forest: "corp.contoso.com", install: mp: "mp01"}
`

// issuingPath is where the issuing CA publishes, in crlDesign: shell syntax and a curl glob that must stay
// literal.
const issuingPath = "/issuing$(touch pwned)[1]&x;.crl"

// cdp serves DER CRLs by URL path; a path without a CRL gets 404.
type cdp struct {
	mu   sync.Mutex
	crls map[string][]byte
}

func (c *cdp) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c.mu.Lock()
	der, ok := c.crls[r.URL.Path]
	c.mu.Unlock()
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/pkix-crl")
	_, _ = w.Write(der)
}

func (c *cdp) set(path string, der []byte) {
	c.mu.Lock()
	c.crls[path] = der
	c.mu.Unlock()
}

// crlRun is the emitted script with its environment: what the check and the reload do is recorded.
type crlRun struct {
	t                   *testing.T
	script, target, dir string
	check, reload       string
}

// run runs the script with sh and returns its exit status and standard error.
func (c *crlRun) run() (int, string) {
	c.t.Helper()
	cmd := exec.Command("sh", c.script)
	cmd.Dir = c.dir
	cmd.Env = append(os.Environ(), "http_proxy=", "HTTP_PROXY=", "no_proxy=127.0.0.1",
		proxy.EnvCheck+"="+c.check, proxy.EnvReload+"="+c.reload)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	code := 0
	if err != nil {
		exit, ok := err.(*exec.ExitError)
		if !ok {
			c.t.Fatalf("sh: %v", err)
		}
		code = exit.ExitCode()
	}
	return code, stderr.String()
}

func (c *crlRun) reloads() int {
	data, err := os.ReadFile(filepath.Join(c.dir, "reloads"))
	if os.IsNotExist(err) {
		return 0
	}
	if err != nil {
		c.t.Fatal(err)
	}
	return strings.Count(string(data), "reload\n")
}

func (c *crlRun) content() []byte {
	c.t.Helper()
	data, err := os.ReadFile(c.target)
	if err != nil {
		c.t.Fatal(err)
	}
	return data
}

// verifyCRLFile requires one CRL per lab CA in the file, each signed by its CA and current.
func verifyCRLFile(t *testing.T, data []byte, lab *labpki.Lab) {
	t.Helper()
	var crls []*x509.RevocationList
	for rest := data; ; {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		if block.Type != "X509 CRL" {
			t.Fatalf("CRL file holds a %s block", block.Type)
		}
		rl, err := x509.ParseRevocationList(block.Bytes)
		if err != nil {
			t.Fatal(err)
		}
		crls = append(crls, rl)
	}
	if len(crls) != len(lab.CAs) {
		t.Fatalf("CRL file holds %d CRLs, want %d (one per CA)", len(crls), len(lab.CAs))
	}
	// The script writes the issuing CA's CRL first, then its parents'.
	for i, rl := range crls {
		ca := lab.CAs[len(lab.CAs)-1-i]
		if err := rl.CheckSignatureFrom(ca.Cert); err != nil {
			t.Errorf("CRL %d is not signed by %s: %v", i, ca.Name, err)
		}
		if !rl.NextUpdate.After(time.Now()) {
			t.Errorf("CRL %d expired at %v", i, rl.NextUpdate)
		}
	}
}

func newCRL(t *testing.T, ca *labpki.CA, number int64, thisUpdate, nextUpdate time.Time) []byte {
	t.Helper()
	der, err := x509.CreateRevocationList(rand.Reader, &x509.RevocationList{
		Number: big.NewInt(number), ThisUpdate: thisUpdate, NextUpdate: nextUpdate,
	}, ca.Cert, ca.Key)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

// forgedCRL is a CRL naming ca as its issuer (subject and key identifier) but signed by another key.
func forgedCRL(t *testing.T, ca *labpki.CA) []byte {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: ca.Cert.Subject.CommonName, Organization: ca.Cert.Subject.Organization},
		SubjectKeyId: ca.Cert.SubjectKeyId, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign, BasicConstraintsValid: true, IsCA: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	impostor, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return newCRL(t, &labpki.CA{Cert: impostor, Key: key}, 99, time.Now().Add(-time.Hour), time.Now().Add(24*time.Hour))
}

// refresh-crl.sh run against the lab PKI's CRLs served over HTTP: it builds the combined file nginx reads,
// reloads only on a change, and never installs an expired, forged, missing or unchecked CRL.
func TestRefreshCRLScript(t *testing.T) {
	nginx := testtool.RequireProxy(t, "nginx")
	testtool.Require(t, "openssl")
	testtool.Require(t, "curl")

	served := &cdp{crls: map[string][]byte{}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: served, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	res := testdesign.CompileOne(t, fmt.Sprintf(crlDesign, freePort(t), ln.Addr().(*net.TCPAddr).Port))
	if res.Plan == nil {
		t.Fatalf("no plan: %v", res.Diagnostics)
	}
	p := res.Plan

	// A certificate directory whose name needs quoting in sh (a quote, a space, a semicolon, braces, a hash).
	dir := t.TempDir()
	o := emit.Options{ToolVersion: "test", CertDir: filepath.Join(dir, `it's a pki;{x}#"q"`), LabPKI: true}
	lab, err := labpki.Build(p, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	files, err := proxy.Emit(p, o)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, f := range append(lab.Files(p, o), files...) {
		dst := filepath.Join(dir, filepath.FromSlash(f.Path))
		if f.Path == labpki.Dir+"/"+labpki.CRLChainFile {
			continue // the script makes it
		}
		if strings.HasPrefix(f.Path, labpki.Dir+"/") {
			dst = filepath.Join(o.CertDir, strings.TrimPrefix(f.Path, labpki.Dir+"/"))
		}
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dst, f.Content, 0o600); err != nil {
			t.Fatal(err)
		}
		out[f.Path] = f.Content
	}
	script, ok := out["proxy/edge/refresh-crl.sh"]
	if !ok {
		t.Fatal("proxy/edge/refresh-crl.sh not emitted")
	}
	if out, err := exec.Command("sh", "-n", filepath.Join(dir, "proxy", "edge", "refresh-crl.sh")).CombinedOutput(); err != nil {
		t.Fatalf("sh -n: %v\n%s\n%s", err, out, script)
	}
	issuing, root := lab.CAs[len(lab.CAs)-1], lab.CAs[0]
	served.set(issuingPath, issuing.CRL)
	served.set("/root.crl", root.CRL)

	// The configuration check is nginx's own, on the emitted config, so it reads the new CRL file.
	rundir := t.TempDir()
	cfg := nginxRuntime(t, out["proxy/edge/nginx.conf"], rundir)
	checkScript := filepath.Join(dir, "check.sh")
	if err := os.WriteFile(checkScript, []byte(fmt.Sprintf("exec %s -t -q -p '%s' -c '%s'\n", nginx, rundir, cfg)), 0o600); err != nil {
		t.Fatal(err)
	}
	c := &crlRun{t: t, script: filepath.Join(dir, "proxy", "edge", "refresh-crl.sh"), target: filepath.Join(o.CertDir, labpki.CRLChainFile), dir: dir,
		check: "sh '" + checkScript + "'", reload: "echo reload >> '" + filepath.Join(dir, "reloads") + "'"}

	// First run: no file yet. It is made from both CRLs (the root's first URL is down), checked, and nginx reloaded.
	code, stderr := c.run()
	if code != 0 || c.reloads() != 1 {
		t.Fatalf("first run: exit %d, %d reloads; want 0 and 1\n%s", code, c.reloads(), stderr)
	}
	if !strings.Contains(stderr, "Contoso Root CA: cannot fetch http://127.0.0.1:") {
		t.Errorf("the unreachable first root CDP is not reported:\n%s", stderr)
	}
	good := c.content()
	verifyCRLFile(t, good, lab)

	// Nothing changed: nothing is reloaded.
	if code, stderr := c.run(); code != 0 || c.reloads() != 1 || !bytes.Equal(c.content(), good) {
		t.Errorf("second run: exit %d, %d reloads, file changed %v; want 0, 1, false\n%s", code, c.reloads(), !bytes.Equal(c.content(), good), stderr)
	}

	// Expired, forged or missing CRLs never replace the file and fail the run.
	for _, tc := range []struct {
		name, path string
		der        []byte
		says       string
	}{
		{"expired", issuingPath, newCRL(t, issuing, 10, time.Now().Add(-48*time.Hour), time.Now().Add(-time.Hour)), "Contoso Issuing CA: the CRL at http://127.0.0.1:"},
		{"forged", issuingPath, forgedCRL(t, issuing), "is not signed by a CA of"},
		{"missing", issuingPath, nil, "Contoso Issuing CA: cannot fetch"},
		{"not a CRL", "/root.crl", []byte("<html>maintenance</html>"), "Contoso Root CA: http://127.0.0.1:"},
	} {
		if tc.der == nil {
			served.mu.Lock()
			delete(served.crls, tc.path)
			served.mu.Unlock()
		} else {
			served.set(tc.path, tc.der)
		}
		code, stderr := c.run()
		if code == 0 || c.reloads() != 1 || !bytes.Equal(c.content(), good) {
			t.Errorf("%s CRL: exit %d, %d reloads, file changed %v; want non-zero, 1, false\n%s", tc.name, code, c.reloads(), !bytes.Equal(c.content(), good), stderr)
		}
		if !strings.Contains(stderr, tc.says) || !strings.Contains(stderr, "no valid CRL at any of its distribution points") {
			t.Errorf("%s CRL: stderr does not say %q:\n%s", tc.name, tc.says, stderr)
		}
		served.set(issuingPath, issuing.CRL)
		served.set("/root.crl", root.CRL)
	}

	// A new CRL that the configuration check refuses is rolled back.
	fresh := newCRL(t, issuing, 20, time.Now().Add(-time.Minute), time.Now().Add(7*24*time.Hour))
	served.set(issuingPath, fresh)
	c.check = "false"
	if code, stderr := c.run(); code == 0 || c.reloads() != 1 || !bytes.Equal(c.content(), good) {
		t.Errorf("failing check: exit %d, %d reloads, file changed %v; want non-zero, 1, false\n%s", code, c.reloads(), !bytes.Equal(c.content(), good), stderr)
	}

	// A reload that fails keeps the checked new file and is retried by the next run, though nothing changed.
	c.check = "sh '" + checkScript + "'"
	c.reload = "false"
	if code, stderr := c.run(); code == 0 || bytes.Equal(c.content(), good) {
		t.Errorf("failing reload: exit %d, file changed %v; want non-zero, true\n%s", code, !bytes.Equal(c.content(), good), stderr)
	}
	updated := c.content()
	verifyCRLFile(t, updated, lab)
	c.reload = "echo reload >> '" + filepath.Join(dir, "reloads") + "'"
	if code, stderr := c.run(); code != 0 || c.reloads() != 2 || !bytes.Equal(c.content(), updated) {
		t.Errorf("run after a failed reload: exit %d, %d reloads; want 0 and 2\n%s", code, c.reloads(), stderr)
	}
	if code, _ := c.run(); code != 0 || c.reloads() != 2 {
		t.Errorf("run after the retried reload: exit %d, %d reloads; want 0 and 2", code, c.reloads())
	}

	if _, err := os.Stat(filepath.Join(dir, "pwned")); err == nil {
		t.Errorf("a CDP URL ran as a command")
	}

	// Nothing is left behind next to the file.
	entries, err := os.ReadDir(o.CertDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") || strings.HasSuffix(e.Name(), ".reload-pending") {
			t.Errorf("left behind in the certificate directory: %s", e.Name())
		}
	}
}
