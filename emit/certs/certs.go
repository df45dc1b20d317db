// Package certs writes the design's certificate requests twice: certs/<id>.inf for certreq on Windows and
// certs/<id>.cnf for openssl req, with the same subject, names, key usage and extended key usage.
package certs

import (
	"fmt"
	"strings"

	"github.com/ibcmc/ibcmc/emit"
	"github.com/ibcmc/ibcmc/internal/escape"
	"github.com/ibcmc/ibcmc/plan"
)

// Emit writes one .inf and one .cnf per certificate request.
func Emit(p *plan.Plan, o emit.Options) ([]emit.File, error) {
	var files []emit.File
	for _, r := range p.CertRequests {
		inf, err := INF(p, o, r)
		if err != nil {
			return nil, err
		}
		cnf, err := CNF(p, o, r)
		if err != nil {
			return nil, err
		}
		files = append(files,
			emit.File{Path: "certs/" + r.ID + ".inf", Content: []byte(inf)},
			emit.File{Path: "certs/" + r.ID + ".cnf", Content: []byte(cnf)})
	}
	return files, nil
}

// ekuNames are the extended key usages' names, as Windows shows them and as OpenSSL spells them.
var ekuNames = map[string]struct{ windows, openssl string }{
	plan.EKUServerAuth: {"Server Authentication", "serverAuth"},
	plan.EKUClientAuth: {"Client Authentication", "clientAuth"},
}

// hashes are the request signature hashes both certreq and OpenSSL know by these names.
var hashes = map[string]bool{"sha1": true, "sha256": true, "sha384": true, "sha512": true}

// check refuses a request the files cannot express: a hash neither tool knows, or no name at all.
func check(r *plan.CertRequest) error {
	if !hashes[r.Hash] {
		return fmt.Errorf("%s: unknown hash algorithm %q", r.ID, r.Hash)
	}
	// The subject is written as an X.500 string: a DNS name cannot hold its separators (',', '+', '"').
	if _, err := escape.INFSANValue(r.CommonName); err != nil {
		return fmt.Errorf("%s: common name: %w", r.ID, err)
	}
	if len(r.DNSNames) == 0 {
		return fmt.Errorf("%s: a request needs at least one DNS name", r.ID)
	}
	if r.KeyLength < 1024 {
		return fmt.Errorf("%s: key length %d", r.ID, r.KeyLength)
	}
	return nil
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// lines joins lines with a line ending.
type lines struct {
	b   strings.Builder
	eol string
}

func (l *lines) add(format string, args ...any) {
	fmt.Fprintf(&l.b, format, args...)
	l.b.WriteString(l.eol)
}

// comment writes a comment line; the text is made single-line so no value can start a directive.
func (l *lines) comment(prefix, format string, args ...any) {
	l.b.WriteString(prefix)
	l.b.WriteString(emit.SanitizeComment(fmt.Sprintf(format, args...)))
	l.b.WriteString(l.eol)
}

// whereToRequest says where the certreq commands run: where the certificate is used, or any Windows
// server when the certificate is exported from there.
func whereToRequest(r *plan.CertRequest) string {
	switch r.Purpose {
	case plan.PurposeCMGServer:
		return "on a Windows server"
	case plan.PurposeProxyServer, plan.PurposeProxyClient:
		return fmt.Sprintf("on proxy %s if it runs Windows (otherwise use %s.cnf)", r.Subject, r.ID)
	}
	return "on " + r.Subject
}

// INF is the certreq request file. Syntax: Microsoft's certreq reference ("certreq -new"); the SAN uses the
// "{text}" form with one dns= entry per _continue_ line, '&' between entries (facts §4.2). Windows tools
// get CRLF line endings.
func INF(p *plan.Plan, o emit.Options, r *plan.CertRequest) (string, error) {
	if err := check(r); err != nil {
		return "", err
	}
	l := &lines{eol: "\r\n"}
	l.b.WriteString(strings.TrimSuffix(emit.Provenance(emit.INF, p, o), "\n"))
	l.b.WriteString(l.eol)
	l.comment("; ", "%s: %s.", r.ID, r.Description)
	l.comment("; ", "Install: %s.", r.InstallOn)
	l.comment("; ", "Create the key and the request %s, as an administrator:", whereToRequest(r))
	l.comment("; ", "  certreq -new -machine %s.inf %s.req", r.ID, r.ID)
	if r.Template != "" {
		l.comment("; ", "  certreq -submit -config \"<CA host>\\<CA name>\" %s.req %s.cer", r.ID, r.ID)
	} else {
		l.comment("; ", "  submit %s.req to %s (it issues without a certificate template) and save the answer as %s.cer", r.ID, r.Authority, r.ID)
	}
	l.comment("; ", "  certreq -accept -machine %s.cer", r.ID)
	if r.Exportable {
		l.comment("; ", "  certutil -exportPFX -p \"<password>\" My <serial number> %s.pfx", r.ID)
	}
	l.add("")
	l.add("[Version]")
	l.add(`Signature = "$Windows NT$"`)
	l.add("")
	subject, err := escape.INF("CN=" + r.CommonName)
	if err != nil {
		return "", fmt.Errorf("%s: subject: %w", r.ID, err)
	}
	provider, err := escape.INF(r.Provider)
	if err != nil {
		return "", fmt.Errorf("%s: provider: %w", r.ID, err)
	}
	l.add("[NewRequest]")
	l.add("Subject = %s", subject)
	l.add("KeyAlgorithm = RSA")
	l.add("KeyLength = %d", r.KeyLength)
	l.add("KeyUsage = 0xa0 ; digital signature, key encipherment")
	l.add("MachineKeySet = TRUE")
	l.add("Exportable = %s", strings.ToUpper(fmt.Sprint(r.Exportable)))
	l.add("ProviderName = %s", provider)
	// A legacy CSP needs its type and the key exchange key spec; a CNG key storage provider sets both itself.
	if r.Provider == plan.ProviderCSP {
		l.add("ProviderType = 12")
		l.add("KeySpec = 1 ; AT_KEYEXCHANGE")
	}
	l.add("HashAlgorithm = %s", r.Hash)
	l.add("RequestType = PKCS10")
	l.add("SMIME = FALSE")
	l.add("")
	l.add("[EnhancedKeyUsageExtension]")
	for _, oid := range r.EKUs {
		name := ekuNames[oid].windows
		if name == "" {
			l.add("OID = %s", oid)
			continue
		}
		l.add("OID = %s ; %s", oid, name)
	}
	l.add("")
	l.add("[Extensions]")
	l.add("; Subject alternative names")
	l.add(`2.5.29.17 = "{text}"`)
	for i, name := range r.DNSNames {
		v, err := escape.INFSANValue(name)
		if err != nil {
			return "", fmt.Errorf("%s: %w", r.ID, err)
		}
		sep := "&"
		if i == len(r.DNSNames)-1 {
			sep = ""
		}
		l.add(`_continue_ = "dns=%s%s"`, v, sep)
	}
	if r.Template != "" {
		tmpl, err := escape.INF(r.Template)
		if err != nil {
			return "", fmt.Errorf("%s: template: %w", r.ID, err)
		}
		l.add("")
		l.add("[RequestAttributes]")
		l.add("; The template's name (General tab, Template name), which can differ from its display name.")
		l.add("CertificateTemplate = %s", tmpl)
	}
	return l.b.String(), nil
}

// CNF is the OpenSSL req configuration: `openssl req -new -config X.cnf -newkey rsa:N -nodes -keyout X.key
// -out X.csr` makes a CSR with the same subject, names and usages as the .inf (facts §4.3, verified).
func CNF(p *plan.Plan, o emit.Options, r *plan.CertRequest) (string, error) {
	if err := check(r); err != nil {
		return "", err
	}
	l := &lines{eol: "\n"}
	l.b.WriteString(emit.Provenance(emit.Hash, p, o))
	l.comment("# ", "%s: %s.", r.ID, r.Description)
	l.comment("# ", "Install: %s.", r.InstallOn)
	l.comment("# ", "Create the key and the request:")
	l.comment("# ", "  openssl req -new -config %s.cnf -newkey rsa:%d -nodes -keyout %s.key -out %s.csr", r.ID, r.KeyLength, r.ID, r.ID)
	if r.Template != "" {
		l.comment("# ", "Submit it to the enterprise CA with its template, on a Windows machine:")
		l.comment("# ", "  certreq -submit -attrib \"CertificateTemplate:%s\" %s.csr %s.cer", r.Template, r.ID, r.ID)
	} else {
		l.comment("# ", "Submit %s.csr to %s (it issues without a certificate template).", r.ID, r.Authority)
	}
	if r.Exportable {
		l.comment("# ", "The private key must be exportable: bundle it with the certificate as .pfx (openssl pkcs12 -export).")
	}
	cn, err := escape.OpenSSL(r.CommonName)
	if err != nil {
		return "", fmt.Errorf("%s: common name: %w", r.ID, err)
	}
	var ekus []string
	for _, oid := range r.EKUs {
		ekus = append(ekus, cmpOr(ekuNames[oid].openssl, oid))
	}
	l.add("")
	l.add("[ req ]")
	l.add("default_bits       = %d", r.KeyLength)
	l.add("default_md         = %s", r.Hash)
	l.add("prompt             = no")
	l.add("utf8               = yes")
	l.add("string_mask        = utf8only")
	l.add("distinguished_name = dn")
	l.add("req_extensions     = v3_req")
	l.add("")
	l.add("[ dn ]")
	l.add("CN = %s", cn)
	l.add("")
	l.add("[ v3_req ]")
	l.add("basicConstraints = critical, CA:FALSE")
	l.add("keyUsage         = critical, digitalSignature, keyEncipherment")
	l.add("extendedKeyUsage = %s", strings.Join(ekus, ", "))
	l.add("subjectAltName   = @san")
	l.add("")
	l.add("[ san ]")
	for i, name := range r.DNSNames {
		v, err := escape.OpenSSLDNSName(name)
		if err != nil {
			return "", fmt.Errorf("%s: %w", r.ID, err)
		}
		l.add("DNS.%d = %s", i+1, v)
	}
	return l.b.String(), nil
}
