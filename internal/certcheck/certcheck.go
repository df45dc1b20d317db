// Package certcheck compares issued certificates with the certificates a design needs: names, extended key
// usage, RSA key length, signature hash, validity, issuing authority and, where internet clients check
// revocation, an HTTP CRL distribution point. It turns the most common IBCM failures (a certificate
// without the internet name, the wrong usage, an unreachable CRL) into a check that runs before anything is
// installed.
package certcheck

import (
	"bytes"
	"crypto/rsa"
	"crypto/x509"
	"encoding/asn1"
	"encoding/pem"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ibcmc/ibcmc/plan"
)

// ExpiryWarning is how close to its end a certificate's validity draws a warning.
const ExpiryWarning = 30 * 24 * time.Hour

// Cert is one supplied certificate and where it came from.
type Cert struct {
	Source string // file name, with "#n" for the n-th certificate of a file holding several
	X509   *x509.Certificate
}

// Parse reads the certificates of one file: PEM (CERTIFICATE blocks, and PKCS7 blocks holding a chain;
// other blocks such as private keys are skipped unread), DER (one certificate or a concatenated chain), or a
// DER PKCS #7 bundle (.p7b, as Windows CAs hand out chains).
func Parse(name string, data []byte) ([]*Cert, error) {
	var certs []*x509.Certificate
	if bytes.Contains(data, []byte("-----BEGIN ")) {
		rest := data
		for {
			var block *pem.Block
			block, rest = pem.Decode(rest)
			if block == nil {
				break
			}
			switch block.Type {
			case "CERTIFICATE":
				c, err := x509.ParseCertificate(block.Bytes)
				if err != nil {
					return nil, fmt.Errorf("%s: certificate %d: %w", name, len(certs)+1, err)
				}
				certs = append(certs, c)
			case "PKCS7":
				bundle, err := pkcs7Certificates(block.Bytes)
				if err != nil {
					return nil, fmt.Errorf("%s: %w", name, err)
				}
				certs = append(certs, bundle...)
			}
		}
		if len(certs) == 0 {
			return nil, fmt.Errorf("%s: no CERTIFICATE or PKCS7 block in the PEM file", name)
		}
	} else if bundle, err := pkcs7Certificates(data); err == nil {
		certs = bundle
	} else {
		parsed, err := x509.ParseCertificates(data)
		if err != nil {
			// A .pfx also holds the private key, which certs check never needs to see.
			return nil, fmt.Errorf("%s: neither PEM, DER nor PKCS #7 certificates (%v); for a .pfx, give the "+
				"certificate alone: openssl pkcs12 -in FILE.pfx -nokeys -out FILE.pem", name, err)
		}
		certs = parsed
	}
	if len(certs) == 0 {
		return nil, fmt.Errorf("%s: no certificate", name)
	}
	out := make([]*Cert, len(certs))
	for i, c := range certs {
		src := name
		if len(certs) > 1 {
			src = fmt.Sprintf("%s#%d", name, i+1)
		}
		out[i] = &Cert{Source: src, X509: c}
	}
	return out, nil
}

var oidSignedData = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2}

// pkcs7Certificates reads the certificates of a PKCS #7 SignedData bundle (RFC 5652 §5.1), the
// "certificates-only" .p7b that CAs and certutil write.
func pkcs7Certificates(der []byte) ([]*x509.Certificate, error) {
	var ci struct {
		ContentType asn1.ObjectIdentifier
		Content     asn1.RawValue `asn1:"explicit,tag:0"`
	}
	if rest, err := asn1.Unmarshal(der, &ci); err != nil || len(rest) > 0 || !ci.ContentType.Equal(oidSignedData) {
		return nil, fmt.Errorf("not a PKCS #7 SignedData bundle")
	}
	var sd struct {
		Version          int
		DigestAlgorithms asn1.RawValue
		EncapContentInfo asn1.RawValue
		Certificates     asn1.RawValue `asn1:"optional,tag:0"`
		CRLs             asn1.RawValue `asn1:"optional,tag:1"`
		SignerInfos      asn1.RawValue
	}
	if _, err := asn1.Unmarshal(ci.Content.Bytes, &sd); err != nil {
		return nil, fmt.Errorf("PKCS #7 bundle: %w", err)
	}
	if len(sd.Certificates.Bytes) == 0 {
		return nil, fmt.Errorf("PKCS #7 bundle holds no certificate")
	}
	certs, err := x509.ParseCertificates(sd.Certificates.Bytes)
	if err != nil {
		return nil, fmt.Errorf("PKCS #7 bundle: %w", err)
	}
	return certs, nil
}

// Status of a needed certificate.
const (
	OK      = "ok"
	Missing = "missing"
	Wrong   = "wrong"
)

// Result is the verdict on one needed certificate.
type Result struct {
	Request  *plan.CertRequest
	Status   string
	Cert     *Cert    // the certificate that satisfies it, or the closest one when wrong
	Problems []string // why Cert does not satisfy it (Wrong), or what nothing names (Missing)
	Warnings []string // OK but worth acting on (expiring soon)
}

// Check finds, for each certificate request of the plan, a supplied certificate that satisfies it. Every
// end-entity certificate naming one of the request's names is a candidate. A satisfying candidate wins,
// preferably one not yet used for another request (a machine's web server and client certificates name the
// same host); otherwise the closest candidate is reported: the one meant for this purpose (right names and
// extended key usage) with the fewest problems. CA certificates are the chain.
func Check(p *plan.Plan, supplied []*Cert, now time.Time) []Result {
	var leaves, cas []*Cert
	for _, c := range supplied {
		if c.X509.IsCA {
			cas = append(cas, c)
		} else {
			leaves = append(leaves, c)
		}
	}
	ck := newChecker(p, cas, now)
	// Candidates by name: a request looks only at the certificates that name one of its hosts (exactly or
	// by a one-label wildcard), so matching scales with the certificates supplied, not their product.
	byName := map[string][]int{}
	for i, c := range leaves {
		names := append(slices.Clone(certNames(c.X509)), c.X509.Subject.CommonName)
		for _, n := range names {
			n = strings.ToLower(strings.TrimSuffix(n, "."))
			if k := byName[n]; len(k) == 0 || k[len(k)-1] != i {
				byName[n] = append(k, i)
			}
		}
	}
	candidates := func(r *plan.CertRequest) []*Cert {
		if !namesRequired(r) {
			return leaves
		}
		seen := map[int]bool{}
		var idx []int
		for _, want := range append([]string{r.CommonName}, r.DNSNames...) {
			want = strings.ToLower(strings.TrimSuffix(want, "."))
			keys := []string{want}
			if _, rest, ok := strings.Cut(want, "."); ok {
				keys = append(keys, "*."+rest)
			}
			for _, k := range keys {
				for _, i := range byName[k] {
					if !seen[i] {
						seen[i] = true
						idx = append(idx, i)
					}
				}
			}
		}
		slices.Sort(idx) // the order certificates were supplied in breaks ties, as before
		out := make([]*Cert, len(idx))
		for j, i := range idx {
			out[j] = leaves[i]
		}
		return out
	}
	usedFor := map[*Cert]map[string]bool{} // purposes a certificate already serves
	var out []Result
	for _, r := range p.CertRequests {
		res := Result{Request: r, Status: Missing}
		var best []int
		for _, c := range candidates(r) {
			if namesRequired(r) && !namesAny(c.X509, r) {
				continue
			}
			problems, warnings, mismatches := ck.evaluate(r, c.X509)
			// Compared in order, lower is closer: satisfying; meant for this purpose (names, extended key
			// usage); fewer problems; naming the machine; not serving another purpose already; serving this
			// purpose already (one DP certificate for several DPs); naming exactly the requested names.
			rank := []int{min(len(problems), 1), mismatches, len(problems), flag(!namesAny(c.X509, r)),
				flag(servesOther(usedFor[c], r.Purpose)),
				flag(!usedFor[c][r.Purpose]), flag(!sameNames(certNames(c.X509), r.DNSNames))}
			if best != nil && slices.Compare(rank, best) >= 0 {
				continue
			}
			best = rank
			if len(problems) == 0 {
				res = Result{Request: r, Status: OK, Cert: c, Warnings: warnings}
			} else {
				res = Result{Request: r, Status: Wrong, Cert: c, Problems: problems}
			}
		}
		if res.Cert != nil {
			if usedFor[res.Cert] == nil {
				usedFor[res.Cert] = map[string]bool{}
			}
			usedFor[res.Cert][r.Purpose] = true
		} else {
			res.Problems = []string{"no supplied certificate names " + strings.Join(r.DNSNames, " or ")}
			if !namesRequired(r) {
				res.Problems = []string{"no supplied client authentication certificate (any of the design's CA will do; one per distribution point is best)"}
			}
		}
		out = append(out, res)
	}
	return out
}

// checker evaluates certificates against requests, remembering what does not depend on the request: the
// issuer of a certificate and whether its signature verifies, and, for requests that ask for no names (one
// distribution point certificate may serve them all), the whole evaluation.
type checker struct {
	p         *plan.Plan
	now       time.Time
	bySubject map[string]*Cert
	sigErr    map[*x509.Certificate]error
	memo      map[evalKey]evalResult
}

type evalKey struct {
	cert  *x509.Certificate
	shape string
}

type evalResult struct {
	problems, warnings []string
	mismatches         int
}

func newChecker(p *plan.Plan, cas []*Cert, now time.Time) *checker {
	ck := &checker{p: p, now: now, bySubject: map[string]*Cert{}, sigErr: map[*x509.Certificate]error{}, memo: map[evalKey]evalResult{}}
	for _, ca := range cas {
		if _, dup := ck.bySubject[string(ca.X509.RawSubject)]; !dup {
			ck.bySubject[string(ca.X509.RawSubject)] = ca // the first one supplied, as before
		}
	}
	return ck
}

func (ck *checker) evaluate(r *plan.CertRequest, c *x509.Certificate) ([]string, []string, int) {
	if namesRequired(r) {
		return evaluate(ck, r, c)
	}
	key := evalKey{c, fmt.Sprint(r.Purpose, r.Authority, r.EKUs, r.KeyLength, r.MaxKeyLength, r.NeedsHTTPCDP, r.DNSNames, r.CommonName)}
	if m, ok := ck.memo[key]; ok {
		return m.problems, m.warnings, m.mismatches
	}
	problems, warnings, mismatches := evaluate(ck, r, c)
	ck.memo[key] = evalResult{problems, warnings, mismatches}
	return problems, warnings, mismatches
}

func (ck *checker) issuerOf(c *x509.Certificate) *Cert { return ck.bySubject[string(c.RawIssuer)] }

// signatureError verifies a certificate's signature with its supplied issuer once.
func (ck *checker) signatureError(c *x509.Certificate, ca *Cert) error {
	if err, ok := ck.sigErr[c]; ok {
		return err
	}
	err := c.CheckSignatureFrom(ca.X509)
	ck.sigErr[c] = err
	return err
}

// servesOther reports whether a certificate already serves a purpose other than this one.
func servesOther(purposes map[string]bool, purpose string) bool {
	for p := range purposes {
		if p != purpose {
			return true
		}
	}
	return false
}

func flag(b bool) int {
	if b {
		return 1
	}
	return 0
}

// namesRequired reports whether a certificate must name the request's hosts. A distribution point's client
// certificate has no subject requirement, and one certificate may serve several distribution points
// (Microsoft's PKI certificate requirements).
func namesRequired(r *plan.CertRequest) bool { return r.Purpose != plan.PurposeDPClient }

// certNames are the DNS names a TLS client matches: the SAN's DNS names, or the CN when there is no SAN.
func certNames(c *x509.Certificate) []string {
	if len(c.DNSNames) > 0 {
		return c.DNSNames
	}
	if c.Subject.CommonName != "" {
		return []string{c.Subject.CommonName}
	}
	return nil
}

// covers reports whether a certificate name matches a host name: case-insensitively, with a "*." wildcard
// standing for exactly one label.
func covers(pattern, host string) bool {
	pattern, host = strings.ToLower(strings.TrimSuffix(pattern, ".")), strings.ToLower(strings.TrimSuffix(host, "."))
	if pattern == host {
		return true
	}
	if suffix, ok := strings.CutPrefix(pattern, "*."); ok {
		label, rest, found := strings.Cut(host, ".")
		return found && label != "" && rest == suffix
	}
	return false
}

// sameNames reports whether two name lists hold the same names, ignoring case and order.
func sameNames(a, b []string) bool {
	norm := func(l []string) []string {
		out := make([]string, len(l))
		for i, n := range l {
			out[i] = strings.ToLower(n)
		}
		slices.Sort(out)
		return slices.Compact(out)
	}
	return slices.Equal(norm(a), norm(b))
}

func coveredBy(names []string, host string) bool {
	return slices.ContainsFunc(names, func(n string) bool { return covers(n, host) })
}

func namesAny(c *x509.Certificate, r *plan.CertRequest) bool {
	names := append(slices.Clone(certNames(c)), c.Subject.CommonName)
	for _, want := range append([]string{r.CommonName}, r.DNSNames...) {
		if coveredBy(names, want) {
			return true
		}
	}
	return false
}

var ekuByOID = map[string]x509.ExtKeyUsage{
	plan.EKUServerAuth: x509.ExtKeyUsageServerAuth,
	plan.EKUClientAuth: x509.ExtKeyUsageClientAuth,
}

var ekuNames = map[x509.ExtKeyUsage]string{
	x509.ExtKeyUsageServerAuth:      "Server Authentication",
	x509.ExtKeyUsageClientAuth:      "Client Authentication",
	x509.ExtKeyUsageCodeSigning:     "Code Signing",
	x509.ExtKeyUsageEmailProtection: "Secure Email",
	x509.ExtKeyUsageAny:             "Any Purpose",
	x509.ExtKeyUsageOCSPSigning:     "OCSP Signing",
	x509.ExtKeyUsageTimeStamping:    "Time Stamping",
}

func ekuName(u x509.ExtKeyUsage) string {
	if n, ok := ekuNames[u]; ok {
		return n
	}
	return fmt.Sprintf("EKU %d", u)
}

func hasEKU(c *x509.Certificate, oid string) bool {
	if u, ok := ekuByOID[oid]; ok && slices.Contains(c.ExtKeyUsage, u) {
		return true
	}
	return slices.ContainsFunc(c.UnknownExtKeyUsage, func(o asn1OID) bool { return o.String() == oid })
}

var weakSignatures = map[x509.SignatureAlgorithm]bool{
	x509.MD2WithRSA: true, x509.MD5WithRSA: true, x509.SHA1WithRSA: true, x509.DSAWithSHA1: true,
	x509.ECDSAWithSHA1: true,
}

// evaluate lists what keeps certificate c from satisfying request r; mismatches counts the problems that
// say c is meant for something else (names, extended key usage).
func evaluate(ck *checker, r *plan.CertRequest, c *x509.Certificate) (problems, warnings []string, mismatches int) {
	now := ck.now
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }

	names := certNames(c)
	var lacking []string
	for _, want := range r.DNSNames {
		if !coveredBy(names, want) {
			lacking = append(lacking, want)
		}
	}
	if len(lacking) > 0 && namesRequired(r) {
		mismatches++
		add("does not name %s (it names %s)", strings.Join(lacking, ", "), strings.Join(names, ", "))
	}
	if r.Purpose == plan.PurposeCMGServer && !covers(c.Subject.CommonName, r.CommonName) {
		add("CN is %q, but the gateway takes its service name from the CN, which must be %s", c.Subject.CommonName, r.CommonName)
	}

	for _, oid := range r.EKUs {
		if hasEKU(c, oid) {
			continue
		}
		mismatches++
		want := oid
		if u, ok := ekuByOID[oid]; ok {
			want = ekuName(u)
		}
		var has []string
		for _, u := range c.ExtKeyUsage {
			has = append(has, ekuName(u))
		}
		for _, o := range c.UnknownExtKeyUsage {
			has = append(has, o.String())
		}
		if len(has) == 0 {
			add("has no extended key usage; it needs %s", want)
		} else {
			add("lacks the %s extended key usage (it has %s)", want, strings.Join(has, ", "))
		}
	}
	if c.KeyUsage != 0 {
		if c.KeyUsage&x509.KeyUsageDigitalSignature == 0 {
			add("key usage lacks Digital Signature")
		}
		if c.KeyUsage&x509.KeyUsageKeyEncipherment == 0 {
			add("key usage lacks Key Encipherment")
		}
	}

	switch key := c.PublicKey.(type) {
	case *rsa.PublicKey:
		bits := key.N.BitLen()
		if bits < r.KeyLength {
			add("RSA key is %d bits; the design needs at least %d", bits, r.KeyLength)
		}
		if r.MaxKeyLength > 0 && bits > r.MaxKeyLength {
			add("RSA key is %d bits; Configuration Manager accepts at most %d for this certificate", bits, r.MaxKeyLength)
		}
	default:
		add("key is %s; Configuration Manager needs RSA", c.PublicKeyAlgorithm)
	}

	if weakSignatures[c.SignatureAlgorithm] {
		add("signed with %s; Windows does not trust SHA-1 (or weaker) signatures: reissue it with SHA-256 or better", c.SignatureAlgorithm)
	}

	switch {
	case now.After(c.NotAfter):
		add("expired on %s", day(c.NotAfter))
	case now.Before(c.NotBefore):
		add("not valid before %s", day(c.NotBefore))
	case c.NotAfter.Sub(now) < ExpiryWarning:
		warnings = append(warnings, fmt.Sprintf("expires in %d day(s), on %s", int(c.NotAfter.Sub(now).Hours()/24), day(c.NotAfter)))
	}

	problems = append(problems, chainProblems(ck, r, c)...)

	if r.NeedsHTTPCDP {
		if msg := cdpProblem(c.CRLDistributionPoints); msg != "" {
			add("it %s; internet clients check its revocation and need an HTTP CRL distribution point", msg)
		}
		// Clients check every certificate of the chain, so the issuing CA's own CDP matters as well.
		if ca := ck.issuerOf(c); ca != nil && !selfSigned(ca.X509) {
			if msg := cdpProblem(ca.X509.CRLDistributionPoints); msg != "" {
				add("its issuing CA certificate %s (%s) %s; internet clients need an HTTP CRL distribution point for it as well",
					ca.Source, ca.X509.Subject, msg)
			}
		}
	}
	return problems, warnings, mismatches
}

func day(t time.Time) string { return t.UTC().Format("2006-01-02") }

// cdpProblem describes CRL distribution points without an HTTP URL ("has ..."), or "" when one is there.
func cdpProblem(cdps []string) string {
	if slices.ContainsFunc(cdps, func(u string) bool { return strings.HasPrefix(strings.ToLower(u), "http://") }) {
		return ""
	}
	if len(cdps) == 0 {
		return "has no CRL distribution point"
	}
	return "has CRL distribution points " + strings.Join(cdps, ", ") + " (no HTTP URL)"
}

func selfSigned(c *x509.Certificate) bool { return bytes.Equal(c.RawIssuer, c.RawSubject) }

// chainProblems checks that the issuer is the request's authority (or one of its parents) by distinguished
// name, and, when the issuer's certificate is supplied, that it really signed the certificate.
func chainProblems(ck *checker, r *plan.CertRequest, c *x509.Certificate) []string {
	p := ck.p
	var out []string
	issuer := dnKey(nameAttributes(c.Issuer))
	chain := p.Chain(r.Authority)
	if len(chain) == 0 {
		chain = p.Authorities // unknown authority (IB211): any authority of the design will do
	}
	found := false
	for _, a := range chain {
		if issuedBy(issuer, a.Subject) {
			found = true
			break
		}
	}
	if !found {
		want := make([]string, len(chain))
		for i, a := range chain {
			want[i] = fmt.Sprintf("%s (%s)", a.Name, a.Subject)
		}
		other := ""
		for _, a := range p.Authorities {
			if issuedBy(issuer, a.Subject) {
				other = fmt.Sprintf(" (authority %s of the design, but not of this certificate)", a.Name)
			}
		}
		out = append(out, fmt.Sprintf("issued by %q%s; it must chain to %s", c.Issuer.String(), other, strings.Join(want, " or ")))
	}
	if ca := ck.issuerOf(c); ca != nil && !weakSignatures[c.SignatureAlgorithm] {
		if err := ck.signatureError(c, ca); err != nil {
			out = append(out, fmt.Sprintf("its signature does not verify with the supplied CA certificate %s: %v", ca.Source, err))
		}
	}
	return out
}
