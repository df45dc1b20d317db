package certcheck

import (
	"crypto/x509/pkix"
	"encoding/asn1"
	"testing"

	"github.com/ibcmc/ibcmc/internal/certcheck/labca"
)

// A design's authority subject matches a certificate's issuer when it names the same attributes (RFC 4514,
// read by package dn); a subject that is not a distinguished name matches nothing, rather than whatever
// its readable parts happen to name.
func TestIssuedBy(t *testing.T) {
	var seq pkix.RDNSequence
	if _, err := asn1.Unmarshal(labca.RawName(t, "CN=Contoso Root CA, O=Contoso, C=US"), &seq); err != nil {
		t.Fatal(err)
	}
	var name pkix.Name
	name.FillFromRDNSequence(&seq)
	issuer := dnKey(nameAttributes(name))
	for subject, want := range map[string]bool{
		"CN=Contoso Root CA, O=Contoso, C=US":        true,
		`CN=Contoso\20Root\20CA;O=Contoso;C=US`:      true,
		"C=US,O=Contoso,CN=Contoso Root CA":          true,
		"CN=Contoso Root CA, bogus, O=Contoso, C=US": false,
		`CN="Contoso Root CA, O=Contoso, C=US`:       false,
		"":                                           false,
		"CN=Contoso Root CA, O=Contoso":              false,
	} {
		if got := issuedBy(issuer, subject); got != want {
			t.Errorf("issuedBy(%q) = %v, want %v", subject, got, want)
		}
	}
}
