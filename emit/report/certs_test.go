package report_test

import (
	"strings"
	"testing"

	"github.com/ibcmc/ibcmc/emit"
	"github.com/ibcmc/ibcmc/emit/report"
	"github.com/ibcmc/ibcmc/plan"
)

// certSection returns the "## Certificates" section of a report.
func certSection(t *testing.T, text string) string {
	t.Helper()
	start := strings.Index(text, "\n## Certificates\n")
	if start < 0 {
		t.Fatalf("no certificates section:\n%s", text)
	}
	rest := text[start+1:]
	if end := strings.Index(rest[3:], "\n## "); end >= 0 {
		rest = rest[:end+4]
	}
	return rest
}

func TestCertificatesSectionFabrikam(t *testing.T) {
	sec := certSection(t, reportOf(t, "fabrikam-perimeter"))
	for _, want := range []string{
		"| Request | For | Subject | SANs | EKU | Template | Key | Exportable | Install on |",
		"| `cmibcm01-webserver` | web server certificate of cmibcm01 (management point, distribution point, software update point) | `CN=cmibcm01.dmz.fabrikam.com` | `cmibcm01.dmz.fabrikam.com`, `ibcm.fabrikam.com` | Server Authentication (1.3.6.1.5.5.7.3.1) | ConfigMgr Web Server Certificate | RSA 2048, sha256, KSP | no | cmibcm01: Local Computer\\\\Personal store; IIS bindings: Default Web Site https 443; WSUS Administration https 8531 |",
		"| `cmibcm01-dp-client` | client certificate of distribution point cmibcm01 | `CN=cmibcm01.dmz.fabrikam.com` | `cmibcm01.dmz.fabrikam.com` | Client Authentication (1.3.6.1.5.5.7.3.2) | ConfigMgr Client Distribution Point Certificate | RSA 2048 (at most 2048), sha256, KSP | yes | Configuration Manager console: export as .pfx with its private key and import it in the properties of distribution point cmibcm01 |",
		"| `edge-proxy-server` | server certificate of bridging proxy edge | `CN=ibcm.fabrikam.com` | `ibcm.fabrikam.com` | Server Authentication (1.3.6.1.5.5.7.3.1) | ConfigMgr Web Server Certificate | RSA 2048, sha256, KSP | no | proxy edge (nginx): TLS server certificate for the published names |",
		"Key providers: KSP: Microsoft Software Key Storage Provider.",
		"Internet clients check the revocation of `cmibcm01-webserver`, `edge-proxy-server`: each must carry an HTTP CRL distribution point that internet clients can reach (an LDAP-only CDP fails).",
	} {
		if !containsLine(sec, want) {
			t.Errorf("certificates section lacks the line\n%s\nin:\n%s", want, sec)
		}
	}
	if n := strings.Count(sec, "\n| `"); n != 8 {
		t.Errorf("%d request rows, want 8", n)
	}
}

// TestCertificatesSectionEscapes: a template name cannot add a cell or a row.
func TestCertificatesSectionEscapes(t *testing.T) {
	p := &plan.Plan{Sources: []string{"site.cue"}, CertRequests: []*plan.CertRequest{{
		ID: "mp1-client", CommonName: "mp1.example.com", DNSNames: []string{"mp1.example.com"},
		EKUs: []string{plan.EKUClientAuth}, Template: "Evil | cell\n| row |", KeyLength: 2048, Hash: "sha256",
		Provider: plan.ProviderCSP, Description: "x", InstallOn: "<b>here</b>",
	}}}
	files, err := report.Emit(p, emit.Options{ToolVersion: "test"})
	if err != nil {
		t.Fatal(err)
	}
	sec := certSection(t, string(files[0].Content))
	want := "| `mp1-client` | x | `CN=mp1.example.com` | `mp1.example.com` | Client Authentication (1.3.6.1.5.5.7.3.2) | Evil \\| cell \\| row \\| | RSA 2048, sha256, CSP | no | &lt;b&gt;here&lt;/b&gt; |"
	if !containsLine(sec, want) {
		t.Errorf("row not escaped; want\n%s\nin:\n%s", want, sec)
	}
	if !containsLine(sec, "Key providers: CSP: Microsoft RSA SChannel Cryptographic Provider.") {
		t.Errorf("no provider legend:\n%s", sec)
	}
}

func containsLine(text, line string) bool {
	for _, l := range strings.Split(text, "\n") {
		if l == line {
			return true
		}
	}
	return false
}
