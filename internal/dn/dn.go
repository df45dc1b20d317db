// Package dn reads distinguished names as designs, certreq and Active Directory write them ("CN=Contoso
// Root CA, O=Contoso\, Ltd, DC=contoso, DC=local"). It is the one reader of written names in ibcmc: the
// certificate checks compare a design's authority subjects with certificates' issuers through it, and the
// CCMCERTISSUERS property of a ccmsetup line is rebuilt from its attributes.
package dn

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Attr is one attribute of a distinguished name.
type Attr struct {
	Type  string // as written, without surrounding spaces: "CN", "dc", "OID.2.5.4.3", "2.5.4.3"
	Value string // with escapes and quotes resolved and unescaped surrounding spaces removed
	// Multi marks an attribute joined to the one before it by "+": both belong to one multi-valued RDN.
	Multi bool
}

// Parse reads a distinguished name in the string form of RFC 4514, in the order written, with the
// tolerance of the older forms Windows accepts and writes (RFC 1779 and 2253): ";" separates RDNs like
// ",", spaces around separators and "=" are ignored, and a value may be enclosed in double quotes. A
// backslash followed by two hex digits is one byte of the value's UTF-8; followed by any other character,
// that character. A value starting with "#" is read as text, not as RFC 4514's hex-encoded BER: no design
// or certreq subject uses that form.
//
// Empty or blank input is a name without attributes. Parse fails on an attribute without "=" or type, an
// empty RDN, an unterminated quote or escape, text after a closing quote, an unescaped quote inside a value,
// and escaped bytes that are not UTF-8.
func Parse(s string) ([]Attr, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	var out []Attr
	multi := false
	i := 0
	for {
		// The attribute type: everything up to "=", which a separator must not come before.
		start := i
		for i < len(s) && s[i] != '=' {
			if strings.IndexByte(",;+", s[i]) >= 0 {
				return nil, fmt.Errorf("%q has no \"=\": each attribute is written TYPE=value", strings.TrimSpace(s[start:i]))
			}
			i++
		}
		typ := strings.TrimSpace(s[start:i])
		if i == len(s) {
			return nil, fmt.Errorf("%q has no \"=\": each attribute is written TYPE=value", typ)
		}
		if typ == "" {
			return nil, errors.New(`an attribute has no type before "="`)
		}
		if strings.ContainsAny(typ, "\\\" ") {
			return nil, fmt.Errorf("attribute type %q is not a name or an OID", typ)
		}
		i++ // past '='
		value, next, err := readValue(s, i)
		if err != nil {
			return nil, fmt.Errorf("value of %s: %w", typ, err)
		}
		out = append(out, Attr{Type: typ, Value: value, Multi: multi})
		i = next
		if i == len(s) {
			return out, nil
		}
		multi = s[i] == '+'
		i++ // past the separator
		if strings.TrimSpace(s[i:]) == "" {
			return nil, fmt.Errorf("%q ends with a separator and no attribute after it", s)
		}
	}
}

// readValue reads one attribute value from s[i:], up to an unescaped separator (",", ";" or "+") or the
// end. It returns the value and the index of the separator, or len(s).
func readValue(s string, i int) (string, int, error) {
	for i < len(s) && s[i] == ' ' {
		i++
	}
	var b strings.Builder
	keep := 0 // the length of b up to its last character that is not an unescaped space
	quoted := i < len(s) && s[i] == '"'
	if quoted {
		i++
	}
	escapedBytes := false
	for ; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\':
			if i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
				b.WriteByte(unhex(s[i+1])<<4 | unhex(s[i+2]))
				escapedBytes = true
				i += 2
			} else if i+1 < len(s) {
				r, size := utf8.DecodeRuneInString(s[i+1:])
				b.WriteRune(r)
				i += size
			} else {
				return "", 0, errors.New(`ends with "\", which escapes nothing`)
			}
			keep = b.Len()
		case quoted && c == '"':
			i++
			for i < len(s) && s[i] == ' ' {
				i++
			}
			if i < len(s) && strings.IndexByte(",;+", s[i]) < 0 {
				return "", 0, fmt.Errorf("text %q follows the closing quote", s[i:])
			}
			return checkUTF8(b.String(), escapedBytes, i)
		case quoted:
			b.WriteByte(c)
			keep = b.Len()
		case c == ',' || c == ';' || c == '+':
			return checkUTF8(b.String()[:keep], escapedBytes, i)
		case c == '"':
			return "", 0, errors.New(`a double quote inside a value must be escaped as \"`)
		default:
			b.WriteByte(c)
			if c != ' ' {
				keep = b.Len()
			}
		}
	}
	if quoted {
		return "", 0, errors.New("the quoted value has no closing quote")
	}
	return checkUTF8(b.String()[:keep], escapedBytes, i)
}

func checkUTF8(v string, escapedBytes bool, next int) (string, int, error) {
	if escapedBytes && !utf8.ValidString(v) {
		return "", 0, fmt.Errorf("the escaped bytes of %q are not UTF-8", v)
	}
	return v, next, nil
}

func isHex(c byte) bool { return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }

func unhex(c byte) byte {
	switch {
	case c >= 'a':
		return c - 'a' + 10
	case c >= 'A':
		return c - 'A' + 10
	}
	return c - '0'
}
