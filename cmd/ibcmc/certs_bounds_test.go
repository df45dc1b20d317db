package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// manyCerts writes n small certificates (one CA, n leaves named hostN.example.com) into one PEM file.
func manyCerts(t *testing.T, n int) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ca := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Bulk CA"}, IsCA: true,
		BasicConstraintsValid: true, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), KeyUsage: x509.KeyUsageCertSign}
	var b strings.Builder
	for i := 0; i < n; i++ {
		leaf := &x509.Certificate{SerialNumber: big.NewInt(int64(i + 2)), Subject: pkix.Name{CommonName: fmt.Sprintf("host%d.example.com", i)},
			DNSNames: []string{fmt.Sprintf("host%d.example.com", i)}, NotBefore: ca.NotBefore, NotAfter: ca.NotAfter,
			ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}}
		der, err := x509.CreateCertificate(rand.Reader, leaf, ca, &key.PublicKey, key)
		if err != nil {
			t.Fatal(err)
		}
		pem.Encode(&b, &pem.Block{Type: "CERTIFICATE", Bytes: der})
	}
	p := filepath.Join(t.TempDir(), "bulk.pem")
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// certs check reads bounded input and matches by name: 20,000 certificates (none of the design's) took more
// than 300 s; they are now checked in seconds, one more is refused, and /dev/zero is refused at once.
func TestCertsCheckBoundedAndScales(t *testing.T) {
	bulk := manyCerts(t, maxCertificates)
	start := time.Now()
	code, stdout, stderr := run(t, "certs", "check", "examples/woodgrove-cmg/site.cue", "--cert", bulk)
	if code != 1 || !strings.Contains(stdout, "missing") {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	if d := time.Since(start); d > 30*time.Second {
		t.Errorf("checking %d certificates took %s", maxCertificates, d)
	}

	code, _, stderr = run(t, "certs", "check", "examples/woodgrove-cmg/site.cue", "--cert", bulk, "--cert", manyCerts(t, 1))
	if want := fmt.Sprintf("more than %d certificates supplied", maxCertificates); code != 2 || !strings.Contains(stderr, want) {
		t.Errorf("too many certificates: exit %d, %q", code, stderr)
	}

	link := filepath.Join(t.TempDir(), "zero.pem")
	if err := os.Symlink("/dev/zero", link); err != nil {
		t.Fatal(err)
	}
	code, _, stderr = run(t, "certs", "check", "examples/woodgrove-cmg/site.cue", "--cert", link)
	if code != 2 || !strings.Contains(stderr, "zero.pem: not a regular file (a character device)") {
		t.Errorf("/dev/zero: exit %d, %q", code, stderr)
	}
}
