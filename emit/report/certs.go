package report

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/ibcmc/ibcmc/emit"
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
			writeMD(b, ekuName(oid))
		}
		nextCell(b)
		if r.Template != "" {
			writeMD(b, r.Template)
		} else {
			b.WriteString("— (")
			writeMD(b, r.Authority)
			b.WriteString(" issues without templates)")
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
	if slices.ContainsFunc(p.CertRequests, func(r *plan.CertRequest) bool { return r.Template != "" }) {
		b.WriteString("\nThe requests carry the subject and the alternative names, so each template must allow them to be " +
			"supplied in the request (Subject Name tab: Supply in the request); `CertificateTemplate` takes the " +
			"template's name, which can differ from its display name.\n")
	}
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

func ekuName(oid string) string {
	switch oid {
	case plan.EKUServerAuth:
		return "Server Authentication (" + plan.EKUServerAuth + ")" // a constant: no string made per row
	case plan.EKUClientAuth:
		return "Client Authentication (" + plan.EKUClientAuth + ")"
	}
	return oid
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
