package report

import (
	"fmt"
	"slices"
	"strings"

	"github.com/ibcmc/ibcmc/emit"
	"github.com/ibcmc/ibcmc/plan"
)

// certificates is the table of every certificate the design needs, with what the request files say.
func certificates(b *strings.Builder, p *plan.Plan, _ emit.Options) {
	b.WriteString("## Certificates\n\n")
	if len(p.CertRequests) == 0 {
		b.WriteString("None: no site system, proxy or gateway needs a PKI certificate.\n")
		return
	}
	fmt.Fprintf(b, "%d certificate(s). Each has a certreq request `certs/<request>.inf` (Windows) and an OpenSSL "+
		"request `certs/<request>.cnf` with the same names and usages; key usage is digital signature and key "+
		"encipherment. `ibcmc certs check` verifies the certificates the CA issued.\n\n", len(p.CertRequests))
	var rows [][]string
	var cdp []string
	providers := map[string]bool{}
	for _, r := range p.CertRequests {
		sans := make([]string, len(r.DNSNames))
		for i, n := range r.DNSNames {
			sans[i] = code(n)
		}
		ekus := make([]string, len(r.EKUs))
		for i, oid := range r.EKUs {
			ekus[i] = md(ekuName(oid))
		}
		template := "— (" + md(r.Authority) + " issues without templates)"
		if r.Template != "" {
			template = md(r.Template)
		}
		key := fmt.Sprintf("RSA %d", r.KeyLength)
		if r.MaxKeyLength > 0 {
			key += fmt.Sprintf(" (at most %d)", r.MaxKeyLength)
		}
		key += fmt.Sprintf(", %s, %s", md(r.Hash), md(providerShort(r.Provider)))
		providers[r.Provider] = true
		rows = append(rows, []string{code(r.ID), md(r.Description), code("CN=" + r.CommonName), strings.Join(sans, ", "),
			strings.Join(ekus, ", "), template, key, yesNo(r.Exportable), md(r.InstallOn)})
		if r.NeedsHTTPCDP {
			cdp = append(cdp, code(r.ID))
		}
	}
	table(b, []string{"Request", "For", "Subject", "SANs", "EKU", "Template", "Key", "Exportable", "Install on"}, rows)
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
		return "Server Authentication (" + oid + ")"
	case plan.EKUClientAuth:
		return "Client Authentication (" + oid + ")"
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
