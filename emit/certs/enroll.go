package certs

import (
	"strconv"
	"strings"
	"unicode"

	"github.com/ibcmc/ibcmc/learn"
	"github.com/ibcmc/ibcmc/plan"
)

// Enrollment is how a certificate from an enterprise CA reaches its machine. Microsoft's example deployment
// (learn.ExamplePKIDeployment) sets the templates up differently per certificate, and a request file is only
// right when the template takes the subject and names from the request.
type Enrollment int

const (
	// NoTemplate: the CA issues without templates (standalone or public); the request is the only way.
	NoTemplate Enrollment = iota
	// SupplyInRequest: a Web Server duplicate with Subject Name "Supply in the request" (the example's
	// "ConfigMgr Web Server Certificate"); the request names its template and is the way to get it.
	SupplyInRequest
	// Autoenroll: the client template every domain computer autoenrolls by Group Policy (the example's
	// "ConfigMgr Client Certificate", which also gives the management point its certificate). The request is
	// for a server that cannot autoenroll, through a separate template: the shared one builds the subject from
	// Active Directory, and switching it to "Supply in the request" would stop its autoenrollment.
	Autoenroll
	// EnrollOnServer: the distribution point's own exportable template, which the example enrolls on the
	// server in the Certificates snap-in; submitting the request needs that template to take the subject
	// from the request, which changes nothing for other computers.
	EnrollOnServer
	// SeparateTemplate: a client certificate for a machine outside the domain (the bridging proxy), which
	// cannot autoenroll: the request goes through a separate template that takes the subject from the request.
	SeparateTemplate
)

// EnrollmentOf says how the certificate of a request is obtained.
func EnrollmentOf(r *plan.CertRequest) Enrollment {
	if r.Template == "" {
		return NoTemplate
	}
	switch r.Purpose {
	case plan.PurposeClient, plan.PurposeConnectionPoint:
		return Autoenroll
	case plan.PurposeDPClient:
		return EnrollOnServer
	case plan.PurposeProxyClient:
		return SeparateTemplate
	}
	return SupplyInRequest
}

// RequestTemplate is the template the request names (the .inf's CertificateTemplate, the .cnf's submit
// command); empty when the admin names a separate template when submitting it, or the CA uses none.
func RequestTemplate(r *plan.CertRequest) string {
	switch EnrollmentOf(r) {
	case SupplyInRequest, EnrollOnServer:
		return r.Template
	}
	return ""
}

// separateTemplate is the placeholder the submit commands carry where the admin names the separate
// template; like "<CA name>", it is filled in when the command is typed, so the file itself stays unedited.
const separateTemplate = "<client template with Supply in the request>"

// SubmitTemplate is the template a suggested `certreq -submit -attrib "CertificateTemplate:…"` names for a
// request: its own template when the request is submitted with it and the name is safe to type, the
// placeholder for a separate Supply-in-the-request template otherwise, and "" when the CA uses none.
func SubmitTemplate(r *plan.CertRequest) string {
	if r.Template == "" {
		return ""
	}
	return cmpOr(typeableTemplate(RequestTemplate(r)), separateTemplate)
}

// typeableTemplate is a template name as it can stand inside the double quotes of a suggested command: as
// is when it holds only characters cmd.exe and PowerShell take literally there, otherwise a placeholder (a
// quote, %, !, ^, &, |, <, >, ` or $ in a design value must not turn a copied comment into another command).
func typeableTemplate(name string) string {
	if name == "" {
		return ""
	}
	for _, r := range name {
		if !(unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune(" -_.()+,@#{}[]~=", r)) {
			return "<template name: pki.templates in the design>"
		}
	}
	return name
}

// requirements is the Microsoft page that lists what the certificate must contain.
func requirements(r *plan.CertRequest) string {
	switch r.Purpose {
	case plan.PurposeCMGServer:
		return learn.CMGServerCert
	case plan.PurposeConnectionPoint:
		return learn.CMGAuth
	}
	return learn.PKICertificates
}

// guidance is what the request file says about the template and enrollment, sentence by sentence; each
// becomes a comment line. client is the design's shared client template (pki.templates.client).
func guidance(r *plan.CertRequest, client string) []string {
	q := func(s string) string { return `"` + s + `"` }
	switch EnrollmentOf(r) {
	case SupplyInRequest:
		return []string{
			"Template " + q(r.Template) + ": a duplicate of Web Server with Subject Name " + q("Supply in the request") +
				", which takes the subject and names from this request; the account that submits it needs Enroll.",
		}
	case Autoenroll:
		return []string{
			"A domain member gets this certificate from template " + q(client) + " (a duplicate of Workstation Authentication; " +
				"Security: Domain Computers Read, Enroll and Autoenroll) by Group Policy autoenrollment, like every client: " +
				"check that Local Computer\\Personal on " + r.Subject + " holds a Client Authentication certificate from that template" +
				maxKey(r) + ", and don't submit this request.",
			"Submit it only if " + r.Subject + " cannot autoenroll (for example, its forest has no enrollment from this CA), through a separate duplicate of " + q(client) +
				" with Subject Name " + q("Supply in the request") + " and Enroll for the account that submits; switching " +
				q(client) + " itself to " + q("Supply in the request") + " would stop its autoenrollment on every client.",
		}
	case EnrollOnServer:
		return []string{
			"Microsoft's example enrolls this certificate on " + r.Subject + " from template " + q(r.Template) +
				" (a duplicate of Workstation Authentication; Request Handling: Allow private key to be exported; " +
				"Security: Enroll for the distribution point servers) in the Certificates snap-in " +
				"(Computer account, Personal, Request New Certificate) and exports it with its key: then this request is not needed.",
			"To submit this request instead, that template needs Subject Name " + q("Supply in the request") +
				" and Enroll for the account that submits.",
		}
	case SeparateTemplate:
		return []string{
			"The proxy is not a domain member, so it cannot autoenroll " + q(client) + ", the template of domain clients: " +
				"submit this request through a separate duplicate of " + q(client) + " with Subject Name " +
				q("Supply in the request") + " and Enroll for the account that submits; switching " + q(client) +
				" itself to " + q("Supply in the request") + " would stop its autoenrollment on every client.",
		}
	}
	return nil
}

// maxKey notes the key length limit Configuration Manager puts on the certificate, for a template that
// sets the key length itself.
func maxKey(r *plan.CertRequest) string {
	if r.MaxKeyLength == 0 {
		return ""
	}
	return " with a key of at most " + strconv.Itoa(r.MaxKeyLength) + " bits"
}
