// Package labpki writes a throwaway lab PKI under lab-pki/ when the build asks for it (build --lab-pki):
// CAs mirroring the design's client certificate chain, each with an HTTP CDP and a CRL, every certificate the
// design requests, the proxies' certificates, a good client certificate and a revoked one for negative
// tests. It is the only emitter that writes private keys.
//
// Keys come from crypto/rand, so lab-pki content differs on every build: it is LAB ONLY and never
// golden-tested. Everything else ibcmc writes stays byte-identical for the same design.
package labpki

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"time"

	"github.com/ibcmc/ibcmc/emit"
	"github.com/ibcmc/ibcmc/plan"
)

// Dir is the output subdirectory.
const Dir = "lab-pki"

// Names of the files every lab PKI has (besides one set per certificate).
const (
	CAChainFile  = "ca-chain.pem"  // every lab CA certificate
	CRLChainFile = "crl-chain.pem" // the CRL of every lab CA
	// GoodClient and RevokedClient are the client certificates for tests: same issuer, the second revoked.
	GoodClient    = "lab-client"
	RevokedClient = "lab-client-revoked"
)

const validity = 365 * 24 * time.Hour

// Emit writes the lab PKI, or nothing unless o.LabPKI.
func Emit(p *plan.Plan, o emit.Options) ([]emit.File, error) {
	if !o.LabPKI {
		return nil, nil
	}
	lab, err := Build(p, time.Now())
	if err != nil {
		return nil, err
	}
	return lab.Files(p, o), nil
}

// CA is one lab certification authority.
type CA struct {
	Name string // the design authority it stands in for
	File string // file stem
	Cert *x509.Certificate
	Key  crypto.Signer
	CDP  string // where its CRL is to be published
	CRL  []byte // DER
}

// Leaf is one issued end-entity certificate.
type Leaf struct {
	ID      string // file stem: the certificate request ID, or lab-client / lab-client-revoked
	Cert    *x509.Certificate
	Key     crypto.Signer
	Revoked bool
	Note    string
}

// Lab is a built lab PKI: CAs root first, leaves sorted by ID.
type Lab struct {
	CAs    []*CA
	Leaves []*Leaf
}

// Build issues the lab PKI for a plan at a moment (the certificates' and CRLs' validity start an hour before).
func Build(p *plan.Plan, now time.Time) (*Lab, error) {
	lab := &Lab{}
	chain := p.ClientChain()
	slices.Reverse(chain) // root first
	if len(chain) == 0 {
		chain = []*plan.Authority{{Name: "ibcmc Lab Root CA"}}
	}
	notBefore := now.Add(-time.Hour)
	for i, a := range chain {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return nil, err
		}
		ca := &CA{Name: a.Name, Key: key, File: caFile(i, len(chain)), CDP: cdpURL(a, caFile(i, len(chain)))}
		tmpl := &x509.Certificate{
			SerialNumber:          serial(),
			Subject:               pkix.Name{CommonName: a.Name + " (LAB ONLY)", Organization: []string{"ibcmc lab PKI"}},
			NotBefore:             notBefore,
			NotAfter:              now.Add(validity),
			KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
			BasicConstraintsValid: true,
			IsCA:                  true,
			MaxPathLen:            len(chain) - 1 - i,
			MaxPathLenZero:        i == len(chain)-1,
		}
		parent, signer := tmpl, crypto.Signer(key)
		if i > 0 {
			up := lab.CAs[i-1]
			parent, signer = up.Cert, up.Key
			tmpl.CRLDistributionPoints = []string{up.CDP}
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, key.Public(), signer)
		if err != nil {
			return nil, fmt.Errorf("lab CA %s: %w", a.Name, err)
		}
		if ca.Cert, err = x509.ParseCertificate(der); err != nil {
			return nil, err
		}
		lab.CAs = append(lab.CAs, ca)
	}
	issuer := lab.CAs[len(lab.CAs)-1]

	type want struct {
		id, cn, note string
		dns          []string
		ekus         []string
		revoked      bool
	}
	var wants []want
	for _, r := range p.CertRequests {
		if r.ID == GoodClient || r.ID == RevokedClient {
			return nil, fmt.Errorf("certificate request %s has the name of a lab test client; rename the system or publishing entry", r.ID)
		}
		cn := r.CommonName
		if cn == "" {
			cn = r.Subject
		}
		wants = append(wants, want{id: r.ID, cn: cn, dns: r.DNSNames, ekus: r.EKUs, note: r.Description})
	}
	clientName := "lab-client." + siteDomain(p)
	wants = append(wants,
		want{id: GoodClient, cn: clientName, dns: []string{clientName}, ekus: []string{plan.EKUClientAuth},
			note: "a client certificate for tests (Client Authentication)"},
		want{id: RevokedClient, cn: "revoked." + clientName, dns: []string{"revoked." + clientName}, ekus: []string{plan.EKUClientAuth},
			revoked: true, note: "a REVOKED client certificate for negative tests: proxies and site systems must refuse it"},
	)
	for _, w := range wants {
		key, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			return nil, err
		}
		tmpl := &x509.Certificate{
			SerialNumber:          serial(),
			Subject:               pkix.Name{CommonName: w.cn, Organization: []string{"ibcmc lab PKI"}},
			DNSNames:              w.dns,
			NotBefore:             notBefore,
			NotAfter:              now.Add(validity),
			KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
			BasicConstraintsValid: true,
			CRLDistributionPoints: []string{issuer.CDP},
		}
		for _, oid := range w.ekus {
			switch oid {
			case plan.EKUServerAuth:
				tmpl.ExtKeyUsage = append(tmpl.ExtKeyUsage, x509.ExtKeyUsageServerAuth)
			case plan.EKUClientAuth:
				tmpl.ExtKeyUsage = append(tmpl.ExtKeyUsage, x509.ExtKeyUsageClientAuth)
			default:
				id, err := parseOID(oid)
				if err != nil {
					return nil, fmt.Errorf("certificate %s: %w", w.id, err)
				}
				tmpl.UnknownExtKeyUsage = append(tmpl.UnknownExtKeyUsage, id)
			}
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, issuer.Cert, key.Public(), issuer.Key)
		if err != nil {
			return nil, fmt.Errorf("certificate %s: %w", w.id, err)
		}
		cert, err := x509.ParseCertificate(der)
		if err != nil {
			return nil, err
		}
		lab.Leaves = append(lab.Leaves, &Leaf{ID: w.id, Cert: cert, Key: key, Revoked: w.revoked, Note: w.note})
	}
	slices.SortFunc(lab.Leaves, func(a, b *Leaf) int { return strings.Compare(a.ID, b.ID) })

	// Each CA's CRL lists what it revoked: the lab's issuer revokes the negative-test client.
	for i, ca := range lab.CAs {
		var revoked []x509.RevocationListEntry
		if ca == issuer {
			for _, l := range lab.Leaves {
				if l.Revoked {
					revoked = append(revoked, x509.RevocationListEntry{SerialNumber: l.Cert.SerialNumber, RevocationTime: notBefore, ReasonCode: 1})
				}
			}
		}
		der, err := x509.CreateRevocationList(rand.Reader, &x509.RevocationList{
			Number:                    big.NewInt(int64(i + 1)),
			ThisUpdate:                notBefore,
			NextUpdate:                now.Add(validity),
			RevokedCertificateEntries: revoked,
		}, ca.Cert, ca.Key)
		if err != nil {
			return nil, fmt.Errorf("CRL of %s: %w", ca.Name, err)
		}
		ca.CRL = der
	}
	return lab, nil
}

// caFile names CA files by position: root, intermediates, issuing.
func caFile(i, n int) string {
	switch {
	case i == 0:
		return "root-ca"
	case i == n-1:
		return "issuing-ca"
	default:
		return fmt.Sprintf("intermediate-ca-%d", i)
	}
}

// cdpURL is the design's first HTTP CDP of the authority, so lab certificates look like production ones;
// without one, a name under .invalid, which never resolves.
func cdpURL(a *plan.Authority, file string) string {
	for _, u := range a.CRL.HTTP {
		if strings.HasPrefix(u, "http://") {
			return u
		}
	}
	return "http://pki.lab.invalid/crl/" + file + ".crl"
}

func siteDomain(p *plan.Plan) string {
	if f := p.Forest(p.Site.Forest); f != nil && f.DNS != "" {
		return strings.ToLower(f.DNS)
	}
	return "lab.invalid"
}

func serial() *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		panic(err) // crypto/rand does not fail on Linux
	}
	return n.Add(n, big.NewInt(1))
}

func parseOID(s string) (asn1.ObjectIdentifier, error) {
	var id asn1.ObjectIdentifier
	for _, part := range strings.Split(s, ".") {
		var n int
		if _, err := fmt.Sscanf(part, "%d", &n); err != nil || fmt.Sprint(n) != part {
			return nil, fmt.Errorf("bad OID %q", s)
		}
		id = append(id, n)
	}
	return id, nil
}

// Files renders the lab PKI. Every text file starts with the provenance line and a LAB ONLY line; PEM
// readers (OpenSSL, Go) skip text before the first BEGIN line.
func (l *Lab) Files(p *plan.Plan, o emit.Options) []emit.File {
	header := emit.Provenance(emit.Hash, p, o) + "# LAB ONLY: throwaway test PKI made by ibcmc build --lab-pki. Never use it in production.\n"
	var files []emit.File
	add := func(name, body string) {
		files = append(files, emit.File{Path: Dir + "/" + name, Content: []byte(header + body), Private: strings.Contains(body, "PRIVATE KEY-----")})
	}
	var chain, crls strings.Builder
	for _, ca := range l.CAs {
		c := pemBlock("CERTIFICATE", ca.Cert.Raw)
		crl := pemBlock("X509 CRL", ca.CRL)
		add(ca.File+".crt", c)
		add(ca.File+".crl.pem", crl)
		chain.WriteString(c)
		crls.WriteString(crl)
	}
	add(CAChainFile, chain.String())
	add(CRLChainFile, crls.String())
	// Intermediates travel with each leaf (the root is what the peer trusts).
	var inter strings.Builder
	for i := len(l.CAs) - 1; i > 0; i-- {
		inter.WriteString(pemBlock("CERTIFICATE", l.CAs[i].Cert.Raw))
	}
	for _, leaf := range l.Leaves {
		keyDER, err := x509.MarshalPKCS8PrivateKey(leaf.Key)
		if err != nil {
			panic(err) // RSA keys always marshal
		}
		full := pemBlock("CERTIFICATE", leaf.Cert.Raw) + inter.String()
		key := pemBlock("PRIVATE KEY", keyDER)
		add(leaf.ID+".crt", full)
		add(leaf.ID+".key", key)
		add(leaf.ID+".pem", full+key) // HAProxy crt: certificate, chain and key in one file
	}
	add("README.txt", l.readme(p))
	return files
}

func (l *Lab) readme(p *plan.Plan) string {
	var b strings.Builder
	b.WriteString("#\n# Keys and certificates are random on every build; do not commit them or golden-test them.\n")
	b.WriteString("# Point proxies here with the configs ibcmc wrote alongside (they already reference this directory).\n#\n")
	b.WriteString("# Certification authorities (root first), each CRL to be served at its CDP:\n")
	for _, ca := range l.CAs {
		fmt.Fprintf(&b, "#   %s.crt  stands in for %s; CRL %s.crl.pem, CDP %s\n", ca.File, emit.SanitizeComment(ca.Name), ca.File, emit.SanitizeComment(ca.CDP))
	}
	fmt.Fprintf(&b, "#   %s  all CA certificates; %s  all CRLs (OpenSSL checks the CRL of every CA in the chain)\n#\n", CAChainFile, CRLChainFile)
	b.WriteString("# Certificates: <name>.crt (certificate and chain), <name>.key (private key), <name>.pem (both, for HAProxy):\n")
	for _, leaf := range l.Leaves {
		fmt.Fprintf(&b, "#   %s  %s\n", leaf.ID, emit.SanitizeComment(leaf.Note))
	}
	return b.String()
}

func pemBlock(kind string, der []byte) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: kind, Bytes: der}))
}
