package escape

import (
	"fmt"
	"strings"
)

// INF quotes a value for a Windows INF file such as a certreq request: double quotes, an embedded quote
// doubled and '%' doubled (INF string substitution reads %name%), so ';', '=', '[' and ']' stay literal.
// An INF value cannot span lines, so a control character is refused.
func INF(s string) (string, error) {
	b, err := AppendINF(nil, s)
	return string(b), err
}

// AppendINF appends INF(s) to dst, for a file written into a buffer.
func AppendINF(dst []byte, s string) ([]byte, error) {
	for _, r := range s {
		if IsLineBreaking(r) {
			return dst, fmt.Errorf("value %q holds a control character; an INF file cannot carry it", s)
		}
	}
	dst = append(dst, '"')
	for {
		// '"' and '%' are ASCII: no byte of a multi-byte character can be one.
		i := strings.IndexAny(s, `"%`)
		if i < 0 {
			break
		}
		dst = append(dst, s[:i+1]...)
		dst = append(dst, s[i]) // doubled
		s = s[i+1:]
	}
	dst = append(dst, s...)
	return append(dst, '"'), nil
}

// INFSANValue checks one value of certreq's "{text}" subject alternative name list (dns=value&dns=value):
// '&' separates entries and '=' separates the type from the value, so a value may hold neither, nor
// anything else a DNS name cannot hold.
func INFSANValue(s string) (string, error) {
	if err := dnsName(s); err != nil {
		return "", fmt.Errorf("subject alternative name %q: %w", s, err)
	}
	return s, nil
}

// dnsName accepts a DNS name as certificates carry it: letters, digits, '-', '_', '.' and a leading "*."
// wildcard label.
func dnsName(s string) error {
	if s == "" {
		return fmt.Errorf("empty name")
	}
	for i, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
		case r == '*' && i == 0 && strings.HasPrefix(s, "*."):
		default:
			return fmt.Errorf("%q is not allowed in a DNS name", r)
		}
	}
	return nil
}
