// Package labca issues throwaway certificates for tests of certificate checking: CAs with the exact
// distinguished names a design writes, and leaves with chosen names, usages, key sizes, signature
// algorithms, validity and CRL distribution points. Never for real use: keys are shared and cached.
package labca

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"fmt"
	"math/big"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

var (
	keysMu sync.Mutex
	keys   = map[string]*rsa.PrivateKey{}
)

// Key returns a cached RSA key of the given size; name keeps distinct keys apart (a CA and an impostor).
func Key(t testing.TB, bits int, name string) *rsa.PrivateKey {
	t.Helper()
	keysMu.Lock()
	defer keysMu.Unlock()
	id := fmt.Sprintf("%d/%s", bits, name)
	if k, ok := keys[id]; ok {
		return k
	}
	k, err := rsa.GenerateKey(rand.Reader, bits)
	if err != nil {
		t.Fatal(err)
	}
	keys[id] = k
	return k
}

// attributeOIDs are the attribute types a test DN may use.
var attributeOIDs = map[string]asn1.ObjectIdentifier{
	"CN": {2, 5, 4, 3}, "C": {2, 5, 4, 6}, "L": {2, 5, 4, 7}, "ST": {2, 5, 4, 8}, "O": {2, 5, 4, 10},
	"OU": {2, 5, 4, 11}, "DC": {0, 9, 2342, 19200300, 100, 1, 25},
}

// RawName encodes a DN written most specific first ("CN=Root, O=Org, C=US", as Windows and designs write
// it) as the DER name a certificate carries (least specific first).
func RawName(t testing.TB, dn string) []byte {
	t.Helper()
	var seq pkix.RDNSequence
	for _, part := range strings.Split(dn, ",") {
		typ, value, ok := strings.Cut(strings.TrimSpace(part), "=")
		oid, known := attributeOIDs[strings.ToUpper(typ)]
		if !ok || !known {
			t.Fatalf("labca: cannot encode %q in %q", part, dn)
		}
		seq = append(pkix.RDNSequence{{{Type: oid, Value: value}}}, seq...)
	}
	der, err := asn1.Marshal(seq)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

// CA is a certification authority that can issue certificates.
type CA struct {
	Cert *x509.Certificate
	Key  *rsa.PrivateKey
}

var serial = struct {
	sync.Mutex
	n int64
}{}

func nextSerial() *big.Int {
	serial.Lock()
	defer serial.Unlock()
	serial.n++
	return big.NewInt(serial.n)
}

// NewRoot makes a self-signed root CA with the given DN.
func NewRoot(t testing.TB, dn string) *CA {
	t.Helper()
	return newRoot(t, dn, dn)
}

// Impostor makes a self-signed CA with the given DN and a key of its own: what it issues claims a real
// CA's name but does not verify against the real CA's certificate.
func Impostor(t testing.TB, dn string) *CA {
	t.Helper()
	return newRoot(t, dn, "impostor "+dn)
}

func newRoot(t testing.TB, dn, keyName string) *CA {
	t.Helper()
	key := Key(t, 2048, keyName)
	tmpl := caTemplate(t, dn, nil)
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return &CA{Cert: parse(t, der), Key: key}
}

// NewCA makes a subordinate CA with the given DN and CRL distribution points.
func (ca *CA) NewCA(t testing.TB, dn string, cdp []string) *CA {
	t.Helper()
	key := Key(t, 2048, dn)
	der, err := x509.CreateCertificate(rand.Reader, caTemplate(t, dn, cdp), ca.Cert, &key.PublicKey, ca.Key)
	if err != nil {
		t.Fatal(err)
	}
	return &CA{Cert: parse(t, der), Key: key}
}

func caTemplate(t testing.TB, dn string, cdp []string) *x509.Certificate {
	now := time.Now()
	return &x509.Certificate{
		SerialNumber: nextSerial(), RawSubject: RawName(t, dn),
		NotBefore: now.Add(-24 * time.Hour), NotAfter: now.Add(5 * 365 * 24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		CRLDistributionPoints: cdp,
	}
}

// Leaf describes an end-entity certificate. Zero values mean: 2048-bit key, SHA-256 signature, valid
// from yesterday for a year, key usage digital signature + key encipherment.
type Leaf struct {
	CommonName string
	DNSNames   []string
	EKUs       []x509.ExtKeyUsage
	KeyBits    int
	Signature  x509.SignatureAlgorithm
	NotBefore  time.Time
	NotAfter   time.Time
	CDP        []string
	KeyName    string // a distinct key name gives a distinct key
}

// Issue signs a leaf certificate.
func (ca *CA) Issue(t testing.TB, l Leaf) *x509.Certificate {
	t.Helper()
	bits := l.KeyBits
	if bits == 0 {
		bits = 2048
	}
	now := time.Now()
	if l.NotBefore.IsZero() {
		l.NotBefore = now.Add(-24 * time.Hour)
	}
	if l.NotAfter.IsZero() {
		l.NotAfter = now.Add(365 * 24 * time.Hour)
	}
	key := Key(t, bits, "leaf"+l.KeyName)
	tmpl := &x509.Certificate{
		SerialNumber: nextSerial(), Subject: pkix.Name{CommonName: l.CommonName}, DNSNames: l.DNSNames,
		NotBefore: l.NotBefore, NotAfter: l.NotAfter, ExtKeyUsage: l.EKUs, SignatureAlgorithm: l.Signature,
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment, BasicConstraintsValid: true,
		CRLDistributionPoints: l.CDP,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.Cert, &key.PublicKey, ca.Key)
	if err != nil {
		t.Fatal(err)
	}
	return parse(t, der)
}

// PEM encodes certificates as one PEM file.
func PEM(certs ...*x509.Certificate) []byte {
	var b []byte
	for _, c := range certs {
		b = append(b, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})...)
	}
	return b
}

func parse(t testing.TB, der []byte) *x509.Certificate {
	t.Helper()
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// IssueFor signs what a certificate request asks for: its subject, public key, DNS names and extended key
// usages (read from the request's extension), with the given CRL distribution points.
func (ca *CA) IssueFor(t testing.TB, csr *x509.CertificateRequest, cdp []string) *x509.Certificate {
	t.Helper()
	if err := csr.CheckSignature(); err != nil {
		t.Fatalf("labca: request signature: %v", err)
	}
	var ekus []x509.ExtKeyUsage
	for _, ext := range csr.Extensions {
		if !ext.Id.Equal(asn1.ObjectIdentifier{2, 5, 29, 37}) {
			continue
		}
		var oids []asn1.ObjectIdentifier
		if _, err := asn1.Unmarshal(ext.Value, &oids); err != nil {
			t.Fatal(err)
		}
		for _, o := range oids {
			switch {
			case o.Equal(asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 1}):
				ekus = append(ekus, x509.ExtKeyUsageServerAuth)
			case o.Equal(asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 2}):
				ekus = append(ekus, x509.ExtKeyUsageClientAuth)
			default:
				t.Fatalf("labca: unexpected EKU %s", o)
			}
		}
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: nextSerial(), RawSubject: csr.RawSubject, DNSNames: csr.DNSNames,
		NotBefore: now.Add(-24 * time.Hour), NotAfter: now.Add(365 * 24 * time.Hour), ExtKeyUsage: ekus,
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment, BasicConstraintsValid: true,
		CRLDistributionPoints: cdp,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.Cert, csr.PublicKey, ca.Key)
	if err != nil {
		t.Fatal(err)
	}
	return parse(t, der)
}

// ReadCSR reads and parses the PEM certificate request openssl wrote to path.
func ReadCSR(t testing.TB, path string) *x509.CertificateRequest {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(data)
	if block == nil || block.Type != "CERTIFICATE REQUEST" {
		t.Fatalf("%s: no PEM certificate request", path)
	}
	csr, err := x509.ParseCertificateRequest(block.Bytes)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return csr
}
