package main

import (
	"crypto/x509"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ibcmc/ibcmc/internal/certcheck/labca"
	"github.com/ibcmc/ibcmc/internal/testdesign"
	"github.com/ibcmc/ibcmc/internal/testtool"
	"github.com/ibcmc/ibcmc/plan"
)

// fabrikamCerts issues, from CAs named as the fabrikam design names them, a correct certificate for every
// request of the design, writes each to <dir>/<request>.pem and the chain to chain.pem, and returns the
// --cert arguments. edit may change a request's certificate.
func fabrikamCerts(t *testing.T, edit func(id string, l *labca.Leaf)) (dir string, args []string) {
	t.Helper()
	res := testdesign.Example(t, ".", "fabrikam-perimeter")
	if res.Plan == nil {
		t.Fatal(res.Diagnostics)
	}
	root := labca.NewRoot(t, "CN=Fabrikam Root CA, O=Fabrikam, C=US")
	issuing := root.NewCA(t, "CN=Fabrikam Issuing CA 01, O=Fabrikam, C=US", []string{"http://pki.fabrikam.com/crl/root.crl"})
	dir = t.TempDir()
	write := func(name string, data []byte) {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		args = append(args, "--cert", p)
	}
	for _, r := range res.Plan.CertRequests {
		l := labca.Leaf{CommonName: r.CommonName, DNSNames: r.DNSNames, KeyBits: r.KeyLength,
			CDP: []string{"http://pki.fabrikam.com/crl/issuing.crl"}}
		for _, oid := range r.EKUs {
			l.EKUs = append(l.EKUs, map[string]x509.ExtKeyUsage{plan.EKUServerAuth: x509.ExtKeyUsageServerAuth,
				plan.EKUClientAuth: x509.ExtKeyUsageClientAuth}[oid])
		}
		if edit != nil {
			edit(r.ID, &l)
		}
		write(r.ID+".pem", labca.PEM(issuing.Issue(t, l)))
	}
	write("chain.pem", labca.PEM(issuing.Cert, root.Cert))
	return dir, args
}

func TestCertsCheckCorrectSet(t *testing.T) {
	dir, certs := fabrikamCerts(t, nil)
	code, out, errb := run(t, append([]string{"certs", "check", "examples/fabrikam-perimeter/site.cue"}, certs...)...)
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, errb)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 8 {
		t.Fatalf("%d lines, want one per needed certificate (8):\n%s", len(lines), out)
	}
	for _, l := range lines {
		if !strings.HasPrefix(l, "ok       ") {
			t.Errorf("not ok: %s", l)
		}
	}
	validUntil := time.Now().Add(365 * 24 * time.Hour).UTC().Format("2006-01-02")
	want := "ok       cmibcm01-webserver  " + filepath.Join(dir, "cmibcm01-webserver.pem") + " (CN=cmibcm01.dmz.fabrikam.com), valid until " + validUntil
	if lines[2] != want {
		t.Errorf("line 3:\n%s\nwant:\n%s", lines[2], want)
	}
	if !strings.Contains(errb, "8 certificate(s) needed: 8 ok, 0 missing, 0 wrong") {
		t.Errorf("summary: %q", errb)
	}
}

func TestCertsCheckReportsFaultsAndExits1(t *testing.T) {
	_, certs := fabrikamCerts(t, func(id string, l *labca.Leaf) {
		switch id {
		case "cmibcm01-webserver":
			l.DNSNames = l.DNSNames[:1] // the internet FQDN is missing
		case "edge-proxy-server":
			l.CDP = []string{"ldap:///CN=Fabrikam%20Issuing%20CA%2001,CN=CDP?certificateRevocationList"}
		case "cmmp01-webserver":
			l.NotAfter = time.Now().Add(5*24*time.Hour + time.Hour)
		}
	})
	code, out, errb := run(t, append([]string{"certs", "check", "examples/fabrikam-perimeter/site.cue"}, certs...)...)
	if code != 1 {
		t.Fatalf("exit %d, want 1\n%s%s", code, out, errb)
	}
	for _, want := range []string{
		"wrong    cmibcm01-webserver  ",
		"cmibcm01-webserver.pem (CN=cmibcm01.dmz.fabrikam.com): does not name ibcm.fabrikam.com (it names cmibcm01.dmz.fabrikam.com)\n",
		"wrong    edge-proxy-server   ",
		"edge-proxy-server.pem (CN=ibcm.fabrikam.com): it has CRL distribution points ldap:///CN=Fabrikam%20Issuing%20CA%2001,CN=CDP?certificateRevocationList (no HTTP URL); internet clients check its revocation and need an HTTP CRL distribution point\n",
		"ok       cmmp01-webserver    ",
		"; warning: expires in 5 day(s), on ",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(errb, "ibcmc: 8 certificate(s) needed: 6 ok (1 with warnings), 0 missing, 2 wrong") {
		t.Errorf("summary: %q", errb)
	}
}

func TestCertsCheckMissingAndDER(t *testing.T) {
	dir, _ := fabrikamCerts(t, nil)
	// Only the internet server's web certificate, as DER, and the chain.
	pemData, err := os.ReadFile(filepath.Join(dir, "cmibcm01-webserver.pem"))
	if err != nil {
		t.Fatal(err)
	}
	der := filepath.Join(dir, "web.cer")
	block, _ := pem.Decode(pemData)
	if block == nil {
		t.Fatal("no PEM block")
	}
	if err := os.WriteFile(der, block.Bytes, 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, _ := run(t, "certs", "check", "examples/fabrikam-perimeter/site.cue", "--cert", der, "--cert", filepath.Join(dir, "chain.pem"))
	if code != 1 {
		t.Fatalf("exit %d, want 1:\n%s", code, out)
	}
	if !strings.Contains(out, "ok       cmibcm01-webserver  "+der+" (CN=cmibcm01.dmz.fabrikam.com)") {
		t.Errorf("the DER certificate was not used:\n%s", out)
	}
	if !strings.Contains(out, "missing  cmmp01-webserver    no supplied certificate names cmmp01.corp.fabrikam.com\n") {
		t.Errorf("no missing line for cmmp01-webserver:\n%s", out)
	}
}

func TestCertsCheckUsageErrors(t *testing.T) {
	dir := t.TempDir()
	garbage := filepath.Join(dir, "garbage.pem")
	if err := os.WriteFile(garbage, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"certs", "check", "examples/fabrikam-perimeter/site.cue"}, "missing flags: --cert=FILE"},
		{[]string{"certs", "check", "examples/fabrikam-perimeter/site.cue", "--cert", filepath.Join(dir, "absent.pem")}, "no such file or directory"},
		{[]string{"certs", "check", "examples/fabrikam-perimeter/site.cue", "--cert", garbage}, garbage + ": neither PEM, DER nor PKCS #7 certificates"},
	} {
		code, _, errb := run(t, tc.args...)
		if code != 2 || !strings.Contains(errb, tc.want) {
			t.Errorf("%v: exit %d, %q; want 2 and %q", tc.args[3:], code, errb, tc.want)
		}
	}
}

func TestCertsCheckRefusesADesignWithErrors(t *testing.T) {
	_, certs := fabrikamCerts(t, nil)
	src, err := os.ReadFile("examples/fabrikam-perimeter/site.cue")
	if err != nil {
		t.Fatal(err)
	}
	bad := writeDesign(t, strings.Replace(string(src), `keyLength: 2048`, `keyLength: 1024`, 1))
	code, out, errb := run(t, append([]string{"certs", "check", bad}, certs...)...)
	if code != 1 || out != "" || !strings.Contains(errb, "IB303") || !strings.Contains(errb, "the design has errors; fix them first") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out, errb)
	}
}

// TestCertsCheckAcceptsWhatTheRequestsAskFor closes the loop: build the fabrikam design, make a CSR from
// every emitted .cnf with openssl, have a CA named as the design names it issue exactly what each CSR asks
// for (names and extended key usage copied from the CSR), and certs check finds every certificate ok.
func TestCertsCheckAcceptsWhatTheRequestsAskFor(t *testing.T) {
	openssl := testtool.Require(t, "openssl")
	out := filepath.Join(t.TempDir(), "out")
	if code, _, errb := run(t, "build", "examples/fabrikam-perimeter/site.cue", "-o", out); code != 0 {
		t.Fatalf("build: exit %d: %s", code, errb)
	}
	cnfs, err := filepath.Glob(filepath.Join(out, "certs", "*.cnf"))
	if err != nil || len(cnfs) != 8 {
		t.Fatalf("%d .cnf files (%v)", len(cnfs), err)
	}
	root := labca.NewRoot(t, "CN=Fabrikam Root CA, O=Fabrikam, C=US")
	issuing := root.NewCA(t, "CN=Fabrikam Issuing CA 01, O=Fabrikam, C=US", []string{"http://pki.fabrikam.com/crl/root.crl"})
	dir := t.TempDir()
	key := filepath.Join(dir, "shared.key")
	if b, err := exec.Command(openssl, "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", key).CombinedOutput(); err != nil {
		t.Fatalf("genpkey: %v\n%s", err, b)
	}
	args := []string{"certs", "check", "examples/fabrikam-perimeter/site.cue"}
	for _, cnf := range cnfs {
		csrPath := filepath.Join(dir, strings.TrimSuffix(filepath.Base(cnf), ".cnf")+".csr")
		if b, err := exec.Command(openssl, "req", "-new", "-config", cnf, "-key", key, "-out", csrPath).CombinedOutput(); err != nil {
			t.Fatalf("openssl req %s: %v\n%s", cnf, err, b)
		}
		csr := labca.ReadCSR(t, csrPath)
		cert := issuing.IssueFor(t, csr, []string{"http://pki.fabrikam.com/crl/issuing.crl"})
		certPath := strings.TrimSuffix(csrPath, ".csr") + ".pem"
		if err := os.WriteFile(certPath, labca.PEM(cert), 0o600); err != nil {
			t.Fatal(err)
		}
		args = append(args, "--cert", certPath)
	}
	chain := filepath.Join(dir, "chain.pem")
	if err := os.WriteFile(chain, labca.PEM(issuing.Cert, root.Cert), 0o600); err != nil {
		t.Fatal(err)
	}
	code, stdout, errb := run(t, append(args, "--cert", chain)...)
	lines := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
	if code != 0 || len(lines) != 8 {
		t.Fatalf("exit %d, %d lines:\n%s%s", code, len(lines), stdout, errb)
	}
	for _, l := range lines {
		if !strings.HasPrefix(l, "ok  ") {
			t.Errorf("not ok: %s", l)
		}
	}
}
