// Package certs writes the design's certificate requests twice: certs/<id>.inf for certreq on Windows and
// certs/<id>.cnf for openssl req, with the same subject, names, key usage and extended key usage.
package certs

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/ibcmc/ibcmc/emit"
	"github.com/ibcmc/ibcmc/internal/escape"
	"github.com/ibcmc/ibcmc/plan"
)

// Emit writes one .inf and one .cnf per certificate request.
func Emit(p *plan.Plan, o emit.Options) ([]emit.File, error) {
	w := newWriter(p, o)
	w.block = 256 << 10
	files := make([]emit.File, 0, 2*len(p.CertRequests))
	for _, r := range p.CertRequests {
		if err := w.inf(r); err != nil {
			return nil, err
		}
		inf := w.content()
		if err := w.cnf(r); err != nil {
			return nil, err
		}
		files = append(files,
			emit.File{Path: "certs/" + r.ID + ".inf", Content: inf},
			emit.File{Path: "certs/" + r.ID + ".cnf", Content: w.content()})
	}
	return files, nil
}

// INF is the certreq request file of one request (see writer.inf).
func INF(p *plan.Plan, o emit.Options, r *plan.CertRequest) (string, error) {
	w := newWriter(p, o)
	if err := w.inf(r); err != nil {
		return "", err
	}
	return string(w.b), nil
}

// CNF is the OpenSSL req configuration of one request (see writer.cnf).
func CNF(p *plan.Plan, o emit.Options, r *plan.CertRequest) (string, error) {
	w := newWriter(p, o)
	if err := w.cnf(r); err != nil {
		return "", err
	}
	return string(w.b), nil
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

// writer writes the request files by appending into shared blocks: a design has thousands of requests,
// and formatting each line through fmt and intermediate strings, then copying each file, was most of the
// build's time.
type writer struct {
	b []byte // the last file written; its capacity runs to the end of its block
	// block is the size of the blocks files are carved from; 0 writes each file on its own.
	block int
	// The provenance lines are the same in every file of a build.
	provINF, provCNF string
}

func newWriter(p *plan.Plan, o emit.Options) *writer {
	return &writer{
		provINF: strings.TrimSuffix(emit.Provenance(emit.INF, p, o), "\n"),
		provCNF: emit.Provenance(emit.Hash, p, o),
	}
}

// start begins a file with these line endings after the last one, or in a new block when little room is
// left. (A file that outgrows the room is moved by append, like any slice.) The caller keeps the text in
// a local variable while it writes, so that the stores of each append need no GC write barrier, and
// hands it back with end.
func (w *writer) start(eol string) text {
	b := w.b[len(w.b):]
	if cap(b) < 4<<10 {
		b = make([]byte, 0, w.block)
	}
	return text{b: b, eol: eol}
}

// end records the file t holds as the last one written.
func (w *writer) end(t *text) {
	w.b = t.b
}

// content is the last file written. Its capacity ends with it, so appending to one file's content can
// never write into the next file's.
func (w *writer) content() []byte {
	return w.b[:len(w.b):len(w.b)]
}

// text is one file being written.
type text struct {
	b   []byte
	eol string
}

// line writes the parts and a line ending.
func (t *text) line(parts ...string) {
	b := t.b
	for _, s := range parts {
		b = append(b, s...)
	}
	t.b = append(b, t.eol...)
}

// comment writes a comment line; the text is made single-line so no value can start a directive.
func (t *text) comment(prefix string, parts ...string) {
	b := append(t.b, prefix...)
	start := len(b)
	for _, s := range parts {
		b = append(b, s...)
	}
	b = escape.OneLineTail(b, start)
	t.b = append(b, t.eol...)
}

// inf writes the certreq request file. Syntax: Microsoft's certreq reference ("certreq -new"); the SAN
// uses the "{text}" form with one dns= entry per _continue_ line, '&' between entries (facts §4.2).
// Windows tools get CRLF line endings.
func (w *writer) inf(r *plan.CertRequest) error {
	if err := check(r); err != nil {
		return err
	}
	t := w.start("\r\n")
	t.line(w.provINF)
	t.comment("; ", r.ID, ": ", r.Description, ".")
	t.comment("; ", "Install: ", r.InstallOn, ".")
	// The certreq commands run where the certificate is used, or on any Windows server when the certificate
	// is exported from there.
	switch r.Purpose {
	case plan.PurposeCMGServer:
		t.comment("; ", "Create the key and the request on a Windows server, as an administrator:")
	case plan.PurposeProxyServer, plan.PurposeProxyClient:
		t.comment("; ", "Create the key and the request on proxy ", r.Subject, " if it runs Windows (otherwise use ", r.ID, ".cnf), as an administrator:")
	default:
		t.comment("; ", "Create the key and the request on ", r.Subject, ", as an administrator:")
	}
	t.comment("; ", "  certreq -new -machine ", r.ID, ".inf ", r.ID, ".req")
	if r.Template != "" {
		t.comment("; ", `  certreq -submit -config "<CA host>\<CA name>" `, r.ID, ".req ", r.ID, ".cer")
	} else {
		t.comment("; ", "  submit ", r.ID, ".req to ", r.Authority, " (it issues without a certificate template) and save the answer as ", r.ID, ".cer")
	}
	t.comment("; ", "  certreq -accept -machine ", r.ID, ".cer")
	if r.Exportable {
		t.comment("; ", `  certutil -exportPFX -p "<password>" My <serial number> `, r.ID, ".pfx")
	}
	t.line()
	t.line("[Version]")
	t.line(`Signature = "$Windows NT$"`)
	t.line()
	t.line("[NewRequest]")
	var err error
	t.b = append(t.b, "Subject = "...)
	if t.b, err = escape.AppendINF(t.b, "CN="+r.CommonName); err != nil {
		return fmt.Errorf("%s: subject: %w", r.ID, err)
	}
	t.line()
	t.line("KeyAlgorithm = RSA")
	t.b = append(t.b, "KeyLength = "...)
	t.b = strconv.AppendInt(t.b, int64(r.KeyLength), 10)
	t.line()
	t.line("KeyUsage = 0xa0 ; digital signature, key encipherment")
	t.line("MachineKeySet = TRUE")
	t.line("Exportable = ", upperBool(r.Exportable))
	t.b = append(t.b, "ProviderName = "...)
	if t.b, err = escape.AppendINF(t.b, r.Provider); err != nil {
		return fmt.Errorf("%s: provider: %w", r.ID, err)
	}
	t.line()
	// A legacy CSP needs its type and the key exchange key spec; a CNG key storage provider sets both itself.
	if r.Provider == plan.ProviderCSP {
		t.line("ProviderType = 12")
		t.line("KeySpec = 1 ; AT_KEYEXCHANGE")
	}
	t.line("HashAlgorithm = ", r.Hash)
	t.line("RequestType = PKCS10")
	t.line("SMIME = FALSE")
	t.line()
	t.line("[EnhancedKeyUsageExtension]")
	for _, oid := range r.EKUs {
		name := ekuNames[oid].windows
		if name == "" {
			t.line("OID = ", oid)
			continue
		}
		t.line("OID = ", oid, " ; ", name)
	}
	t.line()
	t.line("[Extensions]")
	t.line("; Subject alternative names")
	t.line(`2.5.29.17 = "{text}"`)
	for i, name := range r.DNSNames {
		v, err := escape.INFSANValue(name)
		if err != nil {
			return fmt.Errorf("%s: %w", r.ID, err)
		}
		sep := "&"
		if i == len(r.DNSNames)-1 {
			sep = ""
		}
		t.line(`_continue_ = "dns=`, v, sep, `"`)
	}
	if r.Template != "" {
		t.line()
		t.line("[RequestAttributes]")
		t.line("; The template's name (General tab, Template name), which can differ from its display name.")
		t.b = append(t.b, "CertificateTemplate = "...)
		if t.b, err = escape.AppendINF(t.b, r.Template); err != nil {
			return fmt.Errorf("%s: template: %w", r.ID, err)
		}
		t.line()
	}
	w.end(&t)
	return nil
}

// upperBool spells a boolean as INF files do.
func upperBool(v bool) string {
	if v {
		return "TRUE"
	}
	return "FALSE"
}

// cnf writes the OpenSSL req configuration: `openssl req -new -config X.cnf -newkey rsa:N -nodes -keyout
// X.key -out X.csr` makes a CSR with the same subject, names and usages as the .inf (facts §4.3, verified).
func (w *writer) cnf(r *plan.CertRequest) error {
	if err := check(r); err != nil {
		return err
	}
	t := w.start("\n")
	t.b = append(t.b, w.provCNF...)
	keyLength := strconv.Itoa(r.KeyLength)
	t.comment("# ", r.ID, ": ", r.Description, ".")
	t.comment("# ", "Install: ", r.InstallOn, ".")
	t.comment("# ", "Create the key and the request:")
	t.comment("# ", "  openssl req -new -config ", r.ID, ".cnf -newkey rsa:", keyLength, " -nodes -keyout ", r.ID, ".key -out ", r.ID, ".csr")
	if r.Template != "" {
		t.comment("# ", "Submit it to the enterprise CA with its template, on a Windows machine:")
		t.comment("# ", `  certreq -submit -attrib "CertificateTemplate:`, r.Template, `" `, r.ID, ".csr ", r.ID, ".cer")
	} else {
		t.comment("# ", "Submit ", r.ID, ".csr to ", r.Authority, " (it issues without a certificate template).")
	}
	if r.Exportable {
		t.comment("# ", "The private key must be exportable: bundle it with the certificate as .pfx (openssl pkcs12 -export).")
	}
	cn, err := escape.OpenSSL(r.CommonName)
	if err != nil {
		return fmt.Errorf("%s: common name: %w", r.ID, err)
	}
	t.line()
	t.line("[ req ]")
	t.line("default_bits       = ", keyLength)
	t.line("default_md         = ", r.Hash)
	t.line("prompt             = no")
	t.line("utf8               = yes")
	t.line("string_mask        = utf8only")
	t.line("distinguished_name = dn")
	t.line("req_extensions     = v3_req")
	t.line()
	t.line("[ dn ]")
	t.line("CN = ", cn)
	t.line()
	t.line("[ v3_req ]")
	t.line("basicConstraints = critical, CA:FALSE")
	t.line("keyUsage         = critical, digitalSignature, keyEncipherment")
	t.b = append(t.b, "extendedKeyUsage = "...)
	for i, oid := range r.EKUs {
		if i > 0 {
			t.b = append(t.b, ", "...)
		}
		t.b = append(t.b, cmpOr(ekuNames[oid].openssl, oid)...)
	}
	t.line()
	t.line("subjectAltName   = @san")
	t.line()
	t.line("[ san ]")
	for i, name := range r.DNSNames {
		v, err := escape.OpenSSLDNSName(name)
		if err != nil {
			return fmt.Errorf("%s: %w", r.ID, err)
		}
		t.line("DNS.", strconv.Itoa(i+1), " = ", v)
	}
	w.end(&t)
	return nil
}
