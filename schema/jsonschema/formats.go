package jsonschema

import (
	"net/netip"
	"strings"
)

// A format is a CUE builtin validator written as a pattern. JSON Schema's "format": "ipv4"/"ipv6" are
// annotations that most validators do not enforce, and no format names a CIDR prefix; a pattern is
// enforced everywhere.
type format struct {
	description string
	pattern     string
	valid       func(string) bool // what CUE's validator accepts, for the tests and for redundancy checks
}

var formats = map[string]format{
	"ip": {
		description: "An IPv4 or IPv6 address (CUE net.IP), such as 192.0.2.10 or 2001:db8::10.",
		pattern:     "^(?:" + ipv4 + "|" + ipv6 + `(?:%[\s\S]+)?)$`,
		valid: func(s string) bool {
			_, err := netip.ParseAddr(s)
			return err == nil
		},
	},
	"cidr": {
		description: "An IPv4 or IPv6 address and prefix length (CUE net.IPCIDR), such as 192.0.2.0/24 or 2001:db8::/48.",
		pattern:     "^(?:" + ipv4 + "/(?:3[0-2]|[12]?[0-9])|" + ipv6 + "/(?:12[0-8]|1[01][0-9]|[1-9]?[0-9]))$",
		valid: func(s string) bool {
			_, err := netip.ParsePrefix(s)
			return err == nil
		},
	},
}

// The address grammar of RFC 3986 section 3.2.2, which is what net/netip parses (CUE's net.IP is
// netip.ParseAddr): dotted decimal without leading zeros, IPv6 with at most one "::" standing for at
// least one group, and an embedded IPv4 address in place of the last two groups. ParseAddr also takes an
// IPv6 zone (%eth0); ParsePrefix does not.
var (
	decOctet = "(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
	ipv4     = "(?:" + decOctet + `\.){3}` + decOctet
	ipv6     = ipv6Pattern()
)

func ipv6Pattern() string {
	const h16 = "[0-9A-Fa-f]{1,4}"
	ls32 := "(?:" + h16 + ":" + h16 + "|" + ipv4 + ")"
	// n groups "h16:" in a row, written as a repetition.
	groups := func(n int) string {
		switch n {
		case 0:
			return ""
		case 1:
			return h16 + ":"
		}
		return "(?:" + h16 + ":){" + itoa(n) + "}"
	}
	// Up to n groups before "::": nothing, or up to n-1 "h16:" and a last h16.
	before := func(n int) string {
		switch n {
		case 0:
			return ""
		case 1:
			return "(?:" + h16 + ")?"
		}
		return "(?:(?:" + h16 + ":){0," + itoa(n-1) + "}" + h16 + ")?"
	}
	alts := []string{
		groups(6) + ls32,
		"::" + groups(5) + ls32,
		before(1) + "::" + groups(4) + ls32,
		before(2) + "::" + groups(3) + ls32,
		before(3) + "::" + groups(2) + ls32,
		before(4) + "::" + groups(1) + ls32,
		before(5) + "::" + ls32,
		before(6) + "::" + h16,
		before(7) + "::",
	}
	return "(?:" + strings.Join(alts, "|") + ")"
}

func itoa(n int) string { return string(rune('0' + n)) } // single digits only
