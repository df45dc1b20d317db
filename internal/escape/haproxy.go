package escape

import "fmt"

// HAProxy quotes a value as one HAProxy configuration word. Inside single quotes HAProxy takes every byte
// literally (no escapes, no environment expansion, `#` is not a comment), so the only value that cannot be
// written is one holding a single quote or a control character; those are refused.
func HAProxy(s string) (string, error) {
	if s == "" {
		return "", fmt.Errorf("empty value cannot be written to an HAProxy config")
	}
	for _, r := range s {
		if IsLineBreaking(r) {
			return "", fmt.Errorf("value %q holds a control character; HAProxy configs cannot carry it", s)
		}
		if r == '\'' {
			return "", fmt.Errorf("value %q holds a single quote; HAProxy cannot quote it", s)
		}
	}
	return "'" + s + "'", nil
}

// HAProxyStr writes a host name as the sample expression str(<name>), quoted as one word. Inside a sample
// expression `,`, `(`, `)` and quotes are syntax, so only DNS-name characters are accepted.
func HAProxyStr(name string) (string, error) {
	if err := dnsToken(name); err != nil {
		return "", err
	}
	return "'str(" + name + ")'", nil
}

// dnsToken accepts letters, digits, '.', '-' and '_': what a host name can hold.
func dnsToken(s string) error {
	if s == "" {
		return fmt.Errorf("empty host name")
	}
	for _, r := range s {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-' || r == '_'
		if !ok {
			return fmt.Errorf("host name %q holds %q; only letters, digits, '.', '-' and '_' are accepted", s, r)
		}
	}
	return nil
}
