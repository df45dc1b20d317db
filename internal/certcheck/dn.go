package certcheck

import (
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"slices"
	"strings"

	"github.com/ibcmc/ibcmc/internal/dn"
)

type asn1OID = asn1.ObjectIdentifier

// attr is one attribute of a distinguished name, normalised: a short type name (CN, O, DC, or a dotted
// OID) and its value.
type attr struct{ typ, value string }

// shortNames maps attribute OIDs to the names Windows and OpenSSL write.
var shortNames = map[string]string{
	"2.5.4.3":                    "CN",
	"2.5.4.4":                    "SN",
	"2.5.4.5":                    "SERIALNUMBER",
	"2.5.4.6":                    "C",
	"2.5.4.7":                    "L",
	"2.5.4.8":                    "ST",
	"2.5.4.9":                    "STREET",
	"2.5.4.10":                   "O",
	"2.5.4.11":                   "OU",
	"2.5.4.12":                   "T",
	"2.5.4.17":                   "POSTALCODE",
	"2.5.4.42":                   "G",
	"2.5.4.43":                   "I",
	"0.9.2342.19200300.100.1.25": "DC",
	"0.9.2342.19200300.100.1.1":  "UID",
	"1.2.840.113549.1.9.1":       "E",
}

// typeAliases are other spellings of the same attribute types in written distinguished names.
var typeAliases = map[string]string{
	"S": "ST", "EMAIL": "E", "EMAILADDRESS": "E", "TITLE": "T", "GN": "G", "GIVENNAME": "G",
	"SURNAME": "SN", "INITIALS": "I", "STATE": "ST", "STREETADDRESS": "STREET",
}

func normaliseType(t string) string {
	t = strings.ToUpper(strings.TrimSpace(t))
	t = strings.TrimPrefix(t, "OID.")
	if n, ok := shortNames[t]; ok {
		return n
	}
	if n, ok := typeAliases[t]; ok {
		return n
	}
	return t
}

// normaliseValue compares values as Windows does: case-insensitively, with runs of spaces folded.
func normaliseValue(v string) string {
	return strings.ToLower(strings.Join(strings.Fields(v), " "))
}

// parseDN reads a distinguished name a design writes ("CN=Contoso Root CA, DC=contoso, DC=local") into
// normalised attributes; nil when it is not a well-formed name (package dn says what it reads).
func parseDN(s string) []attr {
	parsed, err := dn.Parse(s)
	if err != nil {
		return nil
	}
	out := make([]attr, len(parsed))
	for i, a := range parsed {
		out[i] = attr{normaliseType(a.Type), normaliseValue(a.Value)}
	}
	return out
}

// issuedBy reports whether a certificate's issuer key (dnKey of nameAttributes) is the subject a design
// writes for an authority. A subject that is empty or not a well-formed name matches no certificate.
func issuedBy(issuerKey, subject string) bool {
	attrs := parseDN(subject)
	return len(attrs) > 0 && dnKey(attrs) == issuerKey
}

// nameAttributes reads the attributes of a certificate's name.
func nameAttributes(n pkix.Name) []attr {
	var out []attr
	for _, a := range n.Names {
		typ := a.Type.String()
		if s, ok := shortNames[typ]; ok {
			typ = s
		}
		out = append(out, attr{typ, normaliseValue(fmt.Sprint(a.Value))})
	}
	return out
}

// dnKey is a comparable form of a distinguished name that ignores attribute order, spacing and case:
// "CN=X, O=Y" written in a design equals the certificate's O=Y, CN=X.
func dnKey(attrs []attr) string {
	parts := make([]string, len(attrs))
	for i, a := range attrs {
		parts[i] = a.typ + "=" + a.value
	}
	slices.Sort(parts)
	return strings.Join(parts, "\x00")
}
