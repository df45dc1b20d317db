package escape

import (
	"fmt"
	"strings"
)

// OpenSSL writes a value for an OpenSSL configuration file (openssl req -config). Plain values are written
// as they are; any other value is double-quoted with '\' and '"' escaped, because outside quotes OpenSSL
// expands '$var', ends the value at '#', drops '\' and trims surrounding spaces. A control character would
// end the line and is refused, as is an empty value (OpenSSL would drop the field).
func OpenSSL(s string) (string, error) {
	if s == "" {
		return "", fmt.Errorf("empty value cannot be written to an OpenSSL config")
	}
	plain := true
	for _, r := range s {
		if IsLineBreaking(r) {
			return "", fmt.Errorf("value %q holds a control character; an OpenSSL config cannot carry it", s)
		}
		if !opensslPlain(r) {
			plain = false
		}
	}
	if plain && !strings.HasPrefix(s, " ") && !strings.HasSuffix(s, " ") {
		return s, nil
	}
	return `"` + opensslQuote.Replace(s) + `"`, nil
}

// OpenSSLDNSName checks a DNS name for a subjectAltName section entry (DNS.n = name).
func OpenSSLDNSName(s string) (string, error) {
	if err := dnsName(s); err != nil {
		return "", fmt.Errorf("subject alternative name %q: %w", s, err)
	}
	return s, nil
}

func opensslPlain(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune(" .-_*@:/+,=", r)
}

// opensslQuote is built once: a strings.Replacer is costly to construct and safe for concurrent use.
var opensslQuote = strings.NewReplacer(`\`, `\\`, `"`, `\"`)
