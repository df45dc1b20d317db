// Package certs writes the design's certificate requests twice: certs/<id>.inf for certreq on Windows and
// certs/<id>.cnf for openssl req, with the same subject, names, key usage and extended key usage.
package certs

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/ibcmc/ibcmc/emit"
	"github.com/ibcmc/ibcmc/internal/escape"
	"github.com/ibcmc/ibcmc/internal/textbuf"
	"github.com/ibcmc/ibcmc/learn"
	"github.com/ibcmc/ibcmc/plan"
)

// Emit writes one .inf and one .cnf per certificate request.
func Emit(p *plan.Plan, o emit.Options) ([]emit.File, error) {
	w := newWriter(p, o)
	w.Size = 256 << 10
	files := make([]emit.File, 0, 2*len(p.CertRequests))
	for _, r := range p.CertRequests {
		inf, err := w.inf(r)
		if err != nil {
			return nil, err
		}
		cnf, err := w.cnf(r)
		if err != nil {
			return nil, err
		}
		files = append(files,
			emit.File{Path: "certs/" + r.ID + ".inf", Content: inf},
			emit.File{Path: "certs/" + r.ID + ".cnf", Content: cnf})
	}
	return files, nil
}

// INF is the certreq request file of one request (see writer.inf).
func INF(p *plan.Plan, o emit.Options, r *plan.CertRequest) (string, error) {
	b, err := newWriter(p, o).inf(r)
	return string(b), err
}

// CNF is the OpenSSL req configuration of one request (see writer.cnf).
func CNF(p *plan.Plan, o emit.Options, r *plan.CertRequest) (string, error) {
	b, err := newWriter(p, o).cnf(r)
	return string(b), err
}

// opensslEKU are the extended key usages as OpenSSL spells them (plan.EKUName gives Windows' names).
var opensslEKU = map[string]string{
	plan.EKUServerAuth: "serverAuth",
	plan.EKUClientAuth: "clientAuth",
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

// writer writes the request files of a build; every file starts with the same provenance line.
type writer struct {
	textbuf.Blocks
	provINF, provCNF string
	clientTemplate   string // pki.templates.client, the template domain computers autoenroll
}

func newWriter(p *plan.Plan, o emit.Options) *writer {
	return &writer{
		provINF:        strings.TrimSuffix(emit.Provenance(emit.INF, p, o), "\n"),
		provCNF:        emit.Provenance(emit.Hash, p, o),
		clientTemplate: p.PKI.Templates.Client,
	}
}

// about writes the comment lines every request file starts with: what the certificate is for, where it
// goes, the page listing its requirements and, from an enterprise CA, how its template is set up.
func (w *writer) about(t *textbuf.Text, prefix string, r *plan.CertRequest) {
	t.Comment(prefix, r.ID, ": ", r.Description, ".")
	t.Comment(prefix, "Install: ", r.InstallOn, ".")
	t.Comment(prefix, "Requirements: ", requirements(r))
	if g := guidance(r, w.clientTemplate); len(g) > 0 {
		for _, sentence := range g {
			t.Comment(prefix, sentence)
		}
		t.Comment(prefix, "Templates as in Microsoft's example deployment: ", learn.ExamplePKIDeployment)
	}
}

// inf writes the certreq request file. Syntax: Microsoft's certreq reference ("certreq -new"); the SAN
// uses the "{text}" form with one dns= entry per _continue_ line, '&' between entries, the delimiter
// Microsoft's PKI certificate requirements give for two names. Windows tools get CRLF line endings.
func (w *writer) inf(r *plan.CertRequest) ([]byte, error) {
	if err := check(r); err != nil {
		return nil, err
	}
	t := w.Start("\r\n")
	t.Line(w.provINF)
	w.about(&t, "; ", r)
	// The certreq commands run where the certificate is used, or on any Windows server when the certificate
	// is exported from there.
	switch r.Purpose {
	case plan.PurposeCMGServer:
		t.Comment("; ", "Create the key and the request on a Windows server, as an administrator:")
	case plan.PurposeProxyServer, plan.PurposeProxyClient:
		t.Comment("; ", "Create the key and the request on proxy ", r.Subject, " if it runs Windows (otherwise use ", r.ID, ".cnf), as an administrator:")
	default:
		t.Comment("; ", "Create the key and the request on ", r.Subject, ", as an administrator:")
	}
	t.Comment("; ", "  certreq -new -machine ", r.ID, ".inf ", r.ID, ".req")
	switch tmpl := RequestTemplate(r); {
	case tmpl != "":
		t.Comment("; ", `  certreq -submit -config "<CA host>\<CA name>" `, r.ID, ".req ", r.ID, ".cer")
	case r.Template != "":
		t.Comment("; ", `  certreq -submit -config "<CA host>\<CA name>" -attrib "CertificateTemplate:`, separateTemplate, `" `,
			r.ID, ".req ", r.ID, ".cer")
	default:
		t.Comment("; ", "  submit ", r.ID, ".req to ", r.Authority, " (it issues without a certificate template) and save the answer as ", r.ID, ".cer")
	}
	t.Comment("; ", "  certreq -accept -machine ", r.ID, ".cer")
	if r.Exportable {
		t.Comment("; ", `  certutil -exportPFX -p "<password>" My <serial number> `, r.ID, ".pfx")
	}
	t.Line()
	t.Line("[Version]")
	t.Line(`Signature = "$Windows NT$"`)
	t.Line()
	t.Line("[NewRequest]")
	var err error
	t.B = append(t.B, "Subject = "...)
	if t.B, err = escape.AppendINF(t.B, "CN="+r.CommonName); err != nil {
		return nil, fmt.Errorf("%s: subject: %w", r.ID, err)
	}
	t.Line()
	t.Line("KeyAlgorithm = RSA")
	t.B = append(t.B, "KeyLength = "...)
	t.B = strconv.AppendInt(t.B, int64(r.KeyLength), 10)
	t.Line()
	t.Line("KeyUsage = 0xa0 ; digital signature, key encipherment")
	t.Line("MachineKeySet = TRUE")
	t.Line("Exportable = ", upperBool(r.Exportable))
	t.B = append(t.B, "ProviderName = "...)
	if t.B, err = escape.AppendINF(t.B, r.Provider); err != nil {
		return nil, fmt.Errorf("%s: provider: %w", r.ID, err)
	}
	t.Line()
	// A legacy CSP needs its type and the key exchange key spec; a CNG key storage provider sets both itself.
	if r.Provider == plan.ProviderCSP {
		t.Line("ProviderType = 12")
		t.Line("KeySpec = 1 ; AT_KEYEXCHANGE")
	}
	t.Line("HashAlgorithm = ", r.Hash)
	t.Line("RequestType = PKCS10")
	t.Line("SMIME = FALSE")
	t.Line()
	t.Line("[EnhancedKeyUsageExtension]")
	for _, oid := range r.EKUs {
		name := plan.EKUName(oid)
		if name == "" {
			t.Line("OID = ", oid)
			continue
		}
		t.Line("OID = ", oid, " ; ", name)
	}
	t.Line()
	t.Line("[Extensions]")
	t.Line("; Subject alternative names")
	t.Line(`2.5.29.17 = "{text}"`)
	for i, name := range r.DNSNames {
		v, err := escape.INFSANValue(name)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", r.ID, err)
		}
		sep := "&"
		if i == len(r.DNSNames)-1 {
			sep = ""
		}
		t.Line(`_continue_ = "dns=`, v, sep, `"`)
	}
	if tmpl := RequestTemplate(r); tmpl != "" {
		t.Line()
		t.Line("[RequestAttributes]")
		t.Line("; The template's name (General tab, Template name), which can differ from its display name.")
		t.B = append(t.B, "CertificateTemplate = "...)
		if t.B, err = escape.AppendINF(t.B, tmpl); err != nil {
			return nil, fmt.Errorf("%s: template: %w", r.ID, err)
		}
		t.Line()
	}
	return w.End(&t), nil
}

// upperBool spells a boolean as INF files do.
func upperBool(v bool) string {
	if v {
		return "TRUE"
	}
	return "FALSE"
}

// cnf writes the OpenSSL req configuration: `openssl req -new -config X.cnf -newkey rsa:N -nodes -keyout
// X.key -out X.csr` makes a CSR with the same subject, names and usages as the .inf (TestOpenSSLMakesTheCSR
// runs it).
func (w *writer) cnf(r *plan.CertRequest) ([]byte, error) {
	if err := check(r); err != nil {
		return nil, err
	}
	t := w.Start("\n")
	t.B = append(t.B, w.provCNF...)
	keyLength := strconv.Itoa(r.KeyLength)
	w.about(&t, "# ", r)
	t.Comment("# ", "Create the key and the request:")
	t.Comment("# ", "  openssl req -new -config ", r.ID, ".cnf -newkey rsa:", keyLength, " -nodes -keyout ", r.ID, ".key -out ", r.ID, ".csr")
	if r.Template != "" {
		t.Comment("# ", "Submit it to the enterprise CA with its template, on a Windows machine:")
		t.Comment("# ", `  certreq -submit -config "<CA host>\<CA name>" -attrib "CertificateTemplate:`,
			SubmitTemplate(r), `" `, r.ID, ".csr ", r.ID, ".cer")
	} else {
		t.Comment("# ", "Submit ", r.ID, ".csr to ", r.Authority, " (it issues without a certificate template).")
	}
	if r.Exportable {
		t.Comment("# ", "The private key must be exportable: bundle it with the certificate as .pfx (openssl pkcs12 -export).")
	}
	cn, err := escape.OpenSSL(r.CommonName)
	if err != nil {
		return nil, fmt.Errorf("%s: common name: %w", r.ID, err)
	}
	t.Line()
	t.Line("[ req ]")
	t.Line("default_bits       = ", keyLength)
	t.Line("default_md         = ", r.Hash)
	t.Line("prompt             = no")
	t.Line("utf8               = yes")
	t.Line("string_mask        = utf8only")
	t.Line("distinguished_name = dn")
	t.Line("req_extensions     = v3_req")
	t.Line()
	t.Line("[ dn ]")
	t.Line("CN = ", cn)
	t.Line()
	t.Line("[ v3_req ]")
	t.Line("basicConstraints = critical, CA:FALSE")
	t.Line("keyUsage         = critical, digitalSignature, keyEncipherment")
	t.B = append(t.B, "extendedKeyUsage = "...)
	for i, oid := range r.EKUs {
		if i > 0 {
			t.B = append(t.B, ", "...)
		}
		t.B = append(t.B, cmpOr(opensslEKU[oid], oid)...)
	}
	t.Line()
	t.Line("subjectAltName   = @san")
	t.Line()
	t.Line("[ san ]")
	for i, name := range r.DNSNames {
		v, err := escape.OpenSSLDNSName(name)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", r.ID, err)
		}
		t.Line("DNS.", strconv.Itoa(i+1), " = ", v)
	}
	return w.End(&t), nil
}
