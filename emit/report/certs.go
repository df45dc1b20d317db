package report

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/ibcmc/ibcmc/emit"
	"github.com/ibcmc/ibcmc/emit/certs"
	"github.com/ibcmc/ibcmc/learn"
	"github.com/ibcmc/ibcmc/plan"
)

// certificates is the table of every certificate the design needs, with what the request files say.
func certificates(b out, p *plan.Plan, _ emit.Options) {
	b.WriteString("## Certificates\n\n")
	if len(p.CertRequests) == 0 {
		b.WriteString("None: no site system, proxy or gateway needs a PKI certificate.\n")
		return
	}
	fmt.Fprintf(b, "%d certificate(s). Each has a certreq request `certs/<request>.inf` (Windows) and an OpenSSL "+
		"request `certs/<request>.cnf` with the same names and usages; key usage is digital signature and key "+
		"encipherment. `ibcmc certs check` verifies the certificates the CA issued.\n\n", len(p.CertRequests))
	var cdp []string
	providers := map[string]bool{}
	tableHeader(b, "Request", "For", "Subject", "SANs", "EKU", "Template", "Key", "Exportable", "Install on")
	for _, r := range p.CertRequests {
		// A row per certificate, escaped straight into the report.
		startRow(b)
		writeCode(b, r.ID)
		nextCell(b)
		writeMD(b, r.Description)
		nextCell(b)
		writeCode(b, "CN="+r.CommonName)
		nextCell(b)
		for i, n := range r.DNSNames {
			if i > 0 {
				b.WriteString(", ")
			}
			writeCode(b, n)
		}
		nextCell(b)
		for i, oid := range r.EKUs {
			if i > 0 {
				b.WriteString(", ")
			}
			writeMD(b, plan.EKULabel(oid))
		}
		nextCell(b)
		switch certs.EnrollmentOf(r) {
		case certs.Autoenroll:
			writeMD(b, r.Template)
			b.WriteString(" (autoenrollment)")
		case certs.SeparateTemplate:
			b.WriteString("a duplicate of ")
			writeMD(b, r.Template)
			b.WriteString(" with Supply in the request")
		case certs.NoTemplate:
			b.WriteString("— (")
			writeMD(b, r.Authority)
			b.WriteString(" issues without templates)")
		default:
			writeMD(b, r.Template)
		}
		nextCell(b)
		b.WriteString("RSA ")
		b.WriteString(strconv.Itoa(r.KeyLength))
		if r.MaxKeyLength > 0 {
			b.WriteString(" (at most ")
			b.WriteString(strconv.Itoa(r.MaxKeyLength))
			b.WriteString(")")
		}
		b.WriteString(", ")
		writeMD(b, r.Hash)
		b.WriteString(", ")
		writeMD(b, providerShort(r.Provider))
		nextCell(b)
		b.WriteString(yesNo(r.Exportable))
		nextCell(b)
		writeMD(b, r.InstallOn)
		endRow(b)
		providers[r.Provider] = true
		if r.NeedsHTTPCDP {
			cdp = append(cdp, code(r.ID))
		}
	}
	certTemplates(b, p)
	var legend []string
	for _, prov := range []string{plan.ProviderKSP, plan.ProviderCSP} {
		if providers[prov] {
			legend = append(legend, md(providerShort(prov))+": "+md(prov))
		}
	}
	if len(legend) > 0 {
		fmt.Fprintf(b, "\nKey providers: %s.\n", strings.Join(legend, "; "))
	}
	if len(cdp) > 0 {
		fmt.Fprintf(b, "\nInternet clients check the revocation of %s: each must carry an HTTP CRL distribution point "+
			"that internet clients can reach (an LDAP-only CDP fails).\n", strings.Join(cdp, ", "))
	}
}

// certTemplates says, per kind of certificate, how the enterprise CA's templates are set up and whether the request
// is submitted at all, as Microsoft's example deployment does it: only web server certificates are requested
// with the subject supplied; domain members autoenroll the client template.
func certTemplates(b out, p *plan.Plan) {
	ids := map[certs.Enrollment][]string{}
	tmpl := map[certs.Enrollment]string{}
	for _, r := range p.CertRequests {
		e := certs.EnrollmentOf(r)
		ids[e] = append(ids[e], code(r.ID))
		tmpl[e] = cmp.Or(tmpl[e], r.Template)
	}
	kinds := []certs.Enrollment{certs.SupplyInRequest, certs.Autoenroll, certs.EnrollOnServer, certs.SeparateTemplate}
	if !slices.ContainsFunc(kinds, func(e certs.Enrollment) bool { return len(ids[e]) > 0 }) {
		return
	}
	fmt.Fprintf(b, "\nTemplates of the enterprise CA, set up as in Microsoft's [example deployment of PKI certificates](%s) "+
		"(what each certificate must contain: [PKI certificate requirements](%s)):\n\n", learn.ExamplePKIDeployment,
		learn.PKICertificates)
	for _, e := range kinds {
		l := ids[e]
		if len(l) == 0 {
			continue
		}
		these := "this request"
		if len(l) > 1 {
			these = "these requests"
		}
		name := "\"" + md(tmpl[e]) + "\""
		fmt.Fprintf(b, "- %s: ", strings.Join(l, ", "))
		switch e {
		case certs.SupplyInRequest:
			fmt.Fprintf(b, "%s, a duplicate of Web Server with Subject Name: Supply in the request. Submit %s; the "+
				"account that submits needs Enroll.\n", name, these)
		case certs.Autoenroll:
			fmt.Fprintf(b, "%s, a duplicate of Workstation Authentication that Domain Computers may Read, Enroll and "+
				"Autoenroll: a domain member gets its certificate by Group Policy autoenrollment, like every client, so don't "+
				"submit %s. Submit one only for a server that cannot autoenroll, through a separate duplicate "+
				"of %s with Subject Name: Supply in the request; switching %s itself to Supply in the request stops "+
				"its autoenrollment on every client.\n", name, these, name, name)
		case certs.EnrollOnServer:
			fmt.Fprintf(b, "%s, a duplicate of Workstation Authentication with Request Handling: Allow private key to be "+
				"exported: enroll it on the distribution point in the Certificates snap-in and export it with its key. "+
				"To submit %s instead, give %s Subject Name: Supply in the request.\n", name, these, name)
		case certs.SeparateTemplate:
			fmt.Fprintf(b, "a proxy is not a domain member, so it cannot autoenroll %s: submit %s through a separate "+
				"duplicate of %s with Subject Name: Supply in the request, named when submitting "+
				"(`-attrib \"CertificateTemplate:<name>\"`).\n", name, these, name)
		}
	}
	b.WriteString("\nRequests and commands name a template by its template name (General tab), which can differ from " +
		"its display name.\n")
}

func providerShort(provider string) string {
	switch provider {
	case plan.ProviderKSP:
		return "KSP"
	case plan.ProviderCSP:
		return "CSP"
	}
	return provider
}
