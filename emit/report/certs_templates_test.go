package report_test

import (
	"strings"
	"testing"

	"github.com/ibcmc/ibcmc/emit"
	"github.com/ibcmc/ibcmc/emit/report"
	"github.com/ibcmc/ibcmc/plan"
)

const (
	learnExample = "https://learn.microsoft.com/mem/configmgr/core/plan-design/network/example-deployment-of-pki-certificates"
	learnPKI     = "https://learn.microsoft.com/mem/configmgr/core/plan-design/network/pki-certificate-requirements"
)

// TestCertificateTemplatesFabrikam pins the template advice for every kind of certificate, as Microsoft's
// example deployment sets the templates up: only web server certificates are requested with the subject
// supplied; the client template is autoenrolled and never switched to Supply in the request.
func TestCertificateTemplatesFabrikam(t *testing.T) {
	sec := certSection(t, reportOf(t, "fabrikam-perimeter"))
	for _, want := range []string{
		"Templates of the enterprise CA, set up as in Microsoft's [example deployment of PKI certificates](" + learnExample + ") " +
			"(what each certificate must contain: [PKI certificate requirements](" + learnPKI + ")):",
		"- `cmibcm01-webserver`, `cmmp01-webserver`, `edge-proxy-server`: \"ConfigMgr Web Server Certificate\", a duplicate of " +
			"Web Server with Subject Name: Supply in the request. Submit these requests; the account that submits needs Enroll.",
		"- `cmibcm01-client`, `cmmp01-client`: \"ConfigMgr Client Certificate\", a duplicate of Workstation Authentication that " +
			"Domain Computers may Read, Enroll and Autoenroll: a domain member gets its certificate by Group Policy " +
			"autoenrollment, like every client, so don't submit these requests. Submit one only for a server that cannot " +
			"autoenroll, through a separate duplicate of \"ConfigMgr Client Certificate\" with Subject Name: Supply in the " +
			"request; switching \"ConfigMgr Client Certificate\" itself to Supply in the request stops its autoenrollment on " +
			"every client.",
		"- `cmibcm01-dp-client`, `cmmp01-dp-client`: \"ConfigMgr Client Distribution Point Certificate\", a duplicate of " +
			"Workstation Authentication with Request Handling: Allow private key to be exported: enroll it on the distribution " +
			"point in the Certificates snap-in and export it with its key. To submit these requests instead, give " +
			"\"ConfigMgr Client Distribution Point Certificate\" Subject Name: Supply in the request.",
		"- `edge-proxy-client`: a proxy is not a domain member, so it cannot autoenroll \"ConfigMgr Client Certificate\": " +
			"submit this request through a separate duplicate of \"ConfigMgr Client Certificate\" with Subject Name: Supply " +
			"in the request, named when submitting (`-attrib \"CertificateTemplate:<name>\"`).",
		"Requests and commands name a template by its template name (General tab), which can differ from its display name.",
		// The Template column says how each certificate is obtained.
		"| `cmibcm01-client` | client certificate of management point cmibcm01 (site system monitoring) | `CN=cmibcm01.dmz.fabrikam.com` | " +
			"`cmibcm01.dmz.fabrikam.com` | Client Authentication (1.3.6.1.5.5.7.3.2) | ConfigMgr Client Certificate (autoenrollment) | " +
			"RSA 2048 (at most 2048), sha256, KSP | no | cmibcm01: Local Computer\\\\Personal store |",
		"| `edge-proxy-client` | client certificate of bridging proxy edge | `CN=ibcm.fabrikam.com` | `ibcm.fabrikam.com` | " +
			"Client Authentication (1.3.6.1.5.5.7.3.2) | a duplicate of ConfigMgr Client Certificate with Supply in the request | " +
			"RSA 2048, sha256, KSP | no | proxy edge (nginx): client certificate presented to the site systems it publishes |",
	} {
		if !containsLine(sec, want) {
			t.Errorf("certificates section lacks the line\n%s\nin:\n%s", want, sec)
		}
	}
	// The old advice switched every template, the autoenrolled client template too, to Supply in the request.
	if strings.Contains(sec, "each template must allow them to be supplied in the request") {
		t.Errorf("the section still tells the admin to let every template take the subject from the request:\n%s", sec)
	}
}

// TestCertificateTemplatesOnlyWhatApplies: a design whose certificates all come from a CA without templates
// gets no template advice; one with a single autoenrolled certificate gets that bullet alone, in the singular.
func TestCertificateTemplatesOnlyWhatApplies(t *testing.T) {
	req := func(id, purpose, template string) *plan.CertRequest {
		return &plan.CertRequest{ID: id, Purpose: purpose, CommonName: "a.example.com", DNSNames: []string{"a.example.com"},
			EKUs: []string{plan.EKUClientAuth}, Template: template, Authority: "Public CA", KeyLength: 2048, Hash: "sha256",
			Provider: plan.ProviderKSP, Description: "x", InstallOn: "y"}
	}
	section := func(rs ...*plan.CertRequest) string {
		p := &plan.Plan{Sources: []string{"site.cue"}, CertRequests: rs}
		p.PKI.Templates.Client = "Corp Client"
		files, err := report.Emit(p, emit.Options{ToolVersion: "test"})
		if err != nil {
			t.Fatal(err)
		}
		return certSection(t, string(files[0].Content))
	}
	if sec := section(req("gw-cmg-server", plan.PurposeCMGServer, "")); strings.Contains(sec, "Templates of the enterprise CA") ||
		strings.Contains(sec, "template name") {
		t.Errorf("template advice without templates:\n%s", sec)
	}
	sec := section(req("mp1-client", plan.PurposeClient, "Corp Client"))
	if n := strings.Count(sec, "\n- "); n != 1 {
		t.Errorf("%d template bullets, want 1:\n%s", n, sec)
	}
	if !strings.Contains(sec, "\n- `mp1-client`: \"Corp Client\", a duplicate of Workstation Authentication that Domain Computers "+
		"may Read, Enroll and Autoenroll: a domain member gets its certificate by Group Policy autoenrollment, like every "+
		"client, so don't submit this request.") {
		t.Errorf("no singular autoenrollment bullet:\n%s", sec)
	}
}
