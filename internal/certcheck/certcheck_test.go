package certcheck

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
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

const (
	fabrikamRoot    = "CN=Fabrikam Root CA, O=Fabrikam, C=US"
	fabrikamIssuing = "CN=Fabrikam Issuing CA 01, O=Fabrikam, C=US"
	httpCDP         = "http://pki.fabrikam.com/crl/Fabrikam%20Issuing%20CA%2001.crl"
	ldapCDP         = "ldap:///CN=Fabrikam%20Issuing%20CA%2001,CN=pki01,CN=CDP,CN=Public%20Key%20Services,CN=Services,CN=Configuration,DC=corp,DC=fabrikam,DC=com?certificateRevocationList?base"
)

func fabrikam(t *testing.T) *plan.Plan {
	t.Helper()
	res := testdesign.Example(t, "../..", "fabrikam-perimeter")
	if res.Plan == nil {
		t.Fatal(res.Diagnostics)
	}
	return res.Plan
}

var ekus = map[string]x509.ExtKeyUsage{plan.EKUServerAuth: x509.ExtKeyUsageServerAuth, plan.EKUClientAuth: x509.ExtKeyUsageClientAuth}

// leafFor is the certificate a CA should issue for a request.
func leafFor(r *plan.CertRequest) labca.Leaf {
	l := labca.Leaf{CommonName: r.CommonName, DNSNames: r.DNSNames, KeyBits: r.KeyLength, CDP: []string{httpCDP}}
	for _, oid := range r.EKUs {
		l.EKUs = append(l.EKUs, ekus[oid])
	}
	return l
}

type lab struct {
	root, issuing *labca.CA
	certs         map[string]*Cert // by request ID
	chain         []*Cert
}

func newLab(t *testing.T, p *plan.Plan) *lab {
	t.Helper()
	root := labca.NewRoot(t, fabrikamRoot)
	issuing := root.NewCA(t, fabrikamIssuing, []string{"http://pki.fabrikam.com/crl/Fabrikam%20Root%20CA.crl"})
	l := &lab{root: root, issuing: issuing, certs: map[string]*Cert{},
		chain: []*Cert{{Source: "chain.pem#1", X509: issuing.Cert}, {Source: "chain.pem#2", X509: root.Cert}}}
	for _, r := range p.CertRequests {
		l.certs[r.ID] = &Cert{Source: r.ID + ".pem", X509: issuing.Issue(t, leafFor(r))}
	}
	return l
}

// set is the supplied certificates: the good ones with some replaced, and the chain.
func (l *lab) set(replace map[string]*x509.Certificate) []*Cert {
	var out []*Cert
	for id, c := range l.certs {
		if r, ok := replace[id]; ok {
			if r == nil {
				continue
			}
			c = &Cert{Source: id + ".pem", X509: r}
		}
		out = append(out, c)
	}
	// Map order must not matter: sort by source.
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j].Source < out[j-1].Source; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return append(out, l.chain...)
}

func byID(results []Result) map[string]Result {
	m := map[string]Result{}
	for _, r := range results {
		m[r.Request.ID] = r
	}
	return m
}

func TestCorrectSetPasses(t *testing.T) {
	p := fabrikam(t)
	l := newLab(t, p)
	results := Check(p, l.set(nil), time.Now())
	if len(results) != len(p.CertRequests) || len(results) != 8 {
		t.Fatalf("%d results for %d requests", len(results), len(p.CertRequests))
	}
	for _, r := range results {
		if r.Status != OK || len(r.Warnings) > 0 {
			t.Errorf("%s: %s %v %v", r.Request.ID, r.Status, r.Problems, r.Warnings)
		}
		// Each request gets its own certificate, although a machine's certificates name the same host.
		if r.Cert == nil || r.Cert.Source != r.Request.ID+".pem" {
			t.Errorf("%s satisfied by %v", r.Request.ID, r.Cert)
		}
	}
}

// TestEachFaultFails: every documented certificate fault turns the verdict to wrong with its own message.
func TestEachFaultFails(t *testing.T) {
	p := fabrikam(t)
	l := newLab(t, p)
	web := func(edit func(*labca.Leaf)) labca.Leaf {
		for _, r := range p.CertRequests {
			if r.ID == "cmibcm01-webserver" {
				leaf := leafFor(r)
				edit(&leaf)
				return leaf
			}
		}
		t.Fatal("no cmibcm01-webserver request")
		return labca.Leaf{}
	}
	evil := labca.NewRoot(t, "CN=Evil CA, O=Evil")
	// Same name as the issuing CA, different key: only the supplied chain can tell.
	impostor := labca.Impostor(t, fabrikamIssuing)
	cases := []struct {
		name string
		cert *x509.Certificate
		want string
	}{
		{"missing internet FQDN", l.issuing.Issue(t, web(func(x *labca.Leaf) { x.DNSNames = x.DNSNames[:1] })),
			"does not name ibcm.fabrikam.com (it names cmibcm01.dmz.fabrikam.com)"},
		{"client EKU only", l.issuing.Issue(t, web(func(x *labca.Leaf) { x.EKUs = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth} })),
			"lacks the Server Authentication extended key usage (it has Client Authentication)"},
		{"1024-bit key", l.issuing.Issue(t, web(func(x *labca.Leaf) { x.KeyBits = 1024 })),
			"RSA key is 1024 bits; the design needs at least 2048"},
		{"SHA-1 signature", l.issuing.Issue(t, web(func(x *labca.Leaf) { x.Signature = x509.SHA1WithRSA })),
			"signed with SHA1-RSA; Windows does not trust SHA-1 (or weaker) signatures: reissue it with SHA-256 or better"},
		{"expired", l.issuing.Issue(t, web(func(x *labca.Leaf) {
			x.NotBefore, x.NotAfter = time.Now().AddDate(-2, 0, 0), time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
		})), "expired on 2025-03-01"},
		{"foreign CA", evil.Issue(t, web(func(*labca.Leaf) {})),
			`issued by "CN=Evil CA,O=Evil"; it must chain to Fabrikam Issuing CA 01 (CN=Fabrikam Issuing CA 01, O=Fabrikam, C=US) or Fabrikam Root CA (CN=Fabrikam Root CA, O=Fabrikam, C=US)`},
		{"LDAP-only CDP", l.issuing.Issue(t, web(func(x *labca.Leaf) { x.CDP = []string{ldapCDP} })),
			"it has CRL distribution points " + ldapCDP + " (no HTTP URL); internet clients check its revocation and need an HTTP CRL distribution point"},
		{"no CDP", l.issuing.Issue(t, web(func(x *labca.Leaf) { x.CDP = nil })),
			"it has no CRL distribution point; internet clients check its revocation and need an HTTP CRL distribution point"},
		{"forged issuer", impostor.Issue(t, web(func(*labca.Leaf) {})),
			"its signature does not verify with the supplied CA certificate chain.pem#1: crypto/rsa: verification error"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := byID(Check(p, l.set(map[string]*x509.Certificate{"cmibcm01-webserver": tc.cert}), time.Now()))
			r := got["cmibcm01-webserver"]
			if r.Status != Wrong || r.Cert == nil || r.Cert.Source != "cmibcm01-webserver.pem" {
				t.Fatalf("status %s (%v), want wrong for cmibcm01-webserver.pem", r.Status, r.Problems)
			}
			if len(r.Problems) != 1 || r.Problems[0] != tc.want {
				t.Errorf("problems:\n%q\nwant exactly:\n%q", r.Problems, tc.want)
			}
			for id, other := range got {
				if id != "cmibcm01-webserver" && other.Status != OK {
					t.Errorf("%s: %s %v", id, other.Status, other.Problems)
				}
			}
		})
	}
}

func TestRequestRules(t *testing.T) {
	p := fabrikam(t)
	l := newLab(t, p)
	// A key above the request's maximum (2048 for DP certificates) is wrong. A 4096-bit key is slow to make,
	// so the request's limits are lowered instead.
	dpReq := *testdesign.CertRequest(t, p, "cmmp01-dp-client")
	dpReq.KeyLength, dpReq.MaxKeyLength = 1024, 1024
	small := &plan.Plan{CertRequests: []*plan.CertRequest{&dpReq}, Authorities: p.Authorities}
	small.Reindex()
	got := byID(Check(small, l.set(nil), time.Now()))
	if r := got["cmmp01-dp-client"]; r.Status != Wrong || strings.Join(r.Problems, "|") != "RSA key is 2048 bits; Configuration Manager accepts at most 1024 for this certificate" {
		t.Errorf("DP certificate above the maximum: %s %q", r.Status, r.Problems)
	}

	// Nothing names the intranet MP at all: its web server and client certificates are missing. A DP
	// certificate has no name requirement and may serve several DPs: the other DP's certificate does.
	got = byID(Check(p, l.set(map[string]*x509.Certificate{"cmmp01-dp-client": nil, "cmmp01-client": nil, "cmmp01-webserver": nil}), time.Now()))
	for _, id := range []string{"cmmp01-client", "cmmp01-webserver"} {
		if r := got[id]; r.Status != Missing || strings.Join(r.Problems, "|") != "no supplied certificate names cmmp01.corp.fabrikam.com" {
			t.Errorf("%s: %s %q", id, r.Status, r.Problems)
		}
	}
	if r := got["cmmp01-dp-client"]; r.Status != OK || r.Cert.Source != "cmibcm01-dp-client.pem" {
		t.Errorf("cmmp01-dp-client: %s %v %q", r.Status, r.Cert, r.Problems)
	}

	// One DP certificate named for no host serves both DPs; the MP client certificates are still their own.
	shared := leafFor(&dpReq)
	shared.CommonName, shared.DNSNames = "ConfigMgr DP", nil
	sharedCert := l.issuing.Issue(t, shared)
	got = byID(Check(p, l.set(map[string]*x509.Certificate{"cmmp01-dp-client": sharedCert, "cmibcm01-dp-client": nil}), time.Now()))
	for _, id := range []string{"cmmp01-dp-client", "cmibcm01-dp-client"} {
		if r := got[id]; r.Status != OK {
			t.Errorf("%s: %s %q", id, r.Status, r.Problems)
		}
	}
	if r := got["cmmp01-client"]; r.Cert.Source != "cmmp01-client.pem" {
		t.Errorf("cmmp01-client satisfied by %s", r.Cert.Source)
	}
	if r := byID(Check(p, l.chain, time.Now()))["cmmp01-dp-client"]; r.Status != Missing ||
		r.Problems[0] != "no supplied client authentication certificate (any of the design's CA will do; one per distribution point is best)" {
		t.Errorf("no leaf at all: %s %q", r.Status, r.Problems)
	}

	// Expiring in ten days: still ok, with a warning.
	soon := leafFor(testdesign.CertRequest(t, p, "cmibcm01-webserver"))
	soon.NotAfter = time.Now().Add(10*24*time.Hour + time.Hour)
	got = byID(Check(p, l.set(map[string]*x509.Certificate{"cmibcm01-webserver": l.issuing.Issue(t, soon)}), time.Now()))
	if r := got["cmibcm01-webserver"]; r.Status != OK || len(r.Warnings) != 1 || !strings.HasPrefix(r.Warnings[0], "expires in 10 day(s), on ") {
		t.Errorf("expiring soon: %s %q %q", r.Status, r.Problems, r.Warnings)
	}

	// The issuing CA's own certificate must carry an HTTP CDP too when clients check revocation.
	ldapIssuing := l.root.NewCA(t, fabrikamIssuing, []string{ldapCDP})
	good := ldapIssuing.Issue(t, leafFor(testdesign.CertRequest(t, p, "cmibcm01-webserver")))
	set := l.set(map[string]*x509.Certificate{"cmibcm01-webserver": good})
	set[len(set)-2] = &Cert{Source: "chain.pem#1", X509: ldapIssuing.Cert}
	got = byID(Check(p, set, time.Now()))
	if r := got["cmibcm01-webserver"]; r.Status != Wrong || len(r.Problems) != 1 ||
		r.Problems[0] != "its issuing CA certificate chain.pem#1 (CN=Fabrikam Issuing CA 01,O=Fabrikam,C=US) has CRL distribution points "+ldapCDP+" (no HTTP URL); internet clients need an HTTP CRL distribution point for it as well" {
		t.Errorf("LDAP-only issuing CA: %s %q", r.Status, r.Problems)
	}
}

// TestCMGNameIsTheCN: the gateway reads its service name from the CN; a wildcard CN covers it.
func TestCMGNameIsTheCN(t *testing.T) {
	res := testdesign.Example(t, "../..", "woodgrove-cmg")
	p := res.Plan
	public := labca.NewRoot(t, "CN=Example Public TLS CA, O=Example Trust Services, C=US")
	r := testdesign.CertRequest(t, p, "wgb-cmg-cmg-server")
	for _, tc := range []struct {
		cn, want string
	}{
		{"cmg.woodgrovebank.com", ""},
		{"*.woodgrovebank.com", ""},
		{"www.woodgrovebank.com", `CN is "www.woodgrovebank.com", but the gateway takes its service name from the CN, which must be cmg.woodgrovebank.com`},
	} {
		leaf := leafFor(r)
		leaf.CommonName = tc.cn
		leaf.CDP = []string{"http://crl.example-trust.com/tls.crl"}
		c := &Cert{Source: "cmg.pem", X509: public.Issue(t, leaf)}
		got := byID(Check(p, []*Cert{c}, time.Now()))[r.ID]
		if strings.Join(got.Problems, "|") != tc.want {
			t.Errorf("CN %s: %s %q, want %q", tc.cn, got.Status, got.Problems, tc.want)
		}
	}
}

func TestDistinguishedNamesCompareLikeWindows(t *testing.T) {
	var seq pkix.RDNSequence
	if _, err := asn1.Unmarshal(labca.RawName(t, "CN=Contoso Root CA, DC=contoso, DC=local"), &seq); err != nil {
		t.Fatal(err)
	}
	var cert pkix.Name
	cert.FillFromRDNSequence(&seq)
	for _, written := range []string{
		"CN=Contoso Root CA, DC=contoso, DC=local",
		"DC=local,DC=contoso,CN=Contoso Root CA",
		"cn=contoso  root ca; dc=CONTOSO; dc=local",
		`CN="Contoso Root CA", DC=contoso, DC=local`,
		"OID.2.5.4.3=Contoso Root CA, DC=contoso, DC=local",
	} {
		if dnKey(parseDN(written)) != dnKey(nameAttributes(cert)) {
			t.Errorf("%q does not match the certificate's %s", written, cert)
		}
	}
	for _, other := range []string{"CN=Contoso Root CA, DC=contoso", "CN=Contoso Root CA 2, DC=contoso, DC=local", "O=Contoso Root CA, DC=contoso, DC=local"} {
		if dnKey(parseDN(other)) == dnKey(nameAttributes(cert)) {
			t.Errorf("%q matches %s", other, cert)
		}
	}
	if got := parseDN(`CN=Fabrikam\, Inc. CA, O="A, B", C=US`); len(got) != 3 || got[0].value != "fabrikam, inc. ca" || got[1].value != "a, b" {
		t.Errorf("escaped and quoted values: %+v", got)
	}
}

func TestParseReadsPEMChainsAndDER(t *testing.T) {
	p := fabrikam(t)
	l := newLab(t, p)
	leaf := l.certs["edge-proxy-server"].X509
	pemChain := append(labca.PEM(leaf, l.issuing.Cert), []byte("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")...)
	got, err := Parse("proxy.pem", pemChain)
	if err != nil || len(got) != 2 || got[0].Source != "proxy.pem#1" || got[1].Source != "proxy.pem#2" || !got[0].X509.Equal(leaf) {
		t.Fatalf("PEM chain: %v %v", got, err)
	}
	got, err = Parse("proxy.cer", leaf.Raw)
	if err != nil || len(got) != 1 || got[0].Source != "proxy.cer" || !got[0].X509.Equal(leaf) {
		t.Fatalf("DER: %v %v", got, err)
	}
	got, err = Parse("chain.der", append(append([]byte{}, leaf.Raw...), l.issuing.Cert.Raw...))
	if err != nil || len(got) != 2 {
		t.Fatalf("DER chain: %v %v", got, err)
	}
	for name, data := range map[string][]byte{
		"key.pem":   []byte("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"),
		"notes.txt": []byte("hello"),
		"empty":     nil,
	} {
		if _, err := Parse(name, data); err == nil || !strings.HasPrefix(err.Error(), name+": ") {
			t.Errorf("%s: err %v", name, err)
		}
	}
}

// TestParseReadsPKCS7 reads the .p7b chains Windows CAs hand out, as openssl writes them in DER and PEM.
func TestParseReadsPKCS7(t *testing.T) {
	openssl := testtool.Require(t, "openssl")
	p := fabrikam(t)
	l := newLab(t, p)
	leaf := l.certs["cmibcm01-webserver"].X509
	dir := t.TempDir()
	chain := filepath.Join(dir, "chain.pem")
	if err := os.WriteFile(chain, labca.PEM(leaf, l.issuing.Cert, l.root.Cert), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, form := range []string{"DER", "PEM"} {
		p7b := filepath.Join(dir, "chain-"+form+".p7b")
		if out, err := exec.Command(openssl, "crl2pkcs7", "-nocrl", "-certfile", chain, "-outform", form, "-out", p7b).CombinedOutput(); err != nil {
			t.Fatalf("crl2pkcs7: %v\n%s", err, out)
		}
		data, err := os.ReadFile(p7b)
		if err != nil {
			t.Fatal(err)
		}
		got, err := Parse("chain.p7b", data)
		if err != nil || len(got) != 3 {
			t.Fatalf("%s: %d certificates, %v", form, len(got), err)
		}
		if !got[0].X509.Equal(leaf) || !got[1].X509.Equal(l.issuing.Cert) || !got[2].X509.Equal(l.root.Cert) || got[0].Source != "chain.p7b#1" {
			t.Errorf("%s: wrong certificates or order: %s, %s, %s", form, got[0].X509.Subject, got[1].X509.Subject, got[2].X509.Subject)
		}
	}
}
