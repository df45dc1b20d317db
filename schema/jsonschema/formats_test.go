package jsonschema_test

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"strings"
	"testing"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/cuecontext"
	"cuelang.org/go/cue/load"

	"github.com/ibcmc/ibcmc/schema"
	"github.com/ibcmc/ibcmc/schema/jsonschema"
)

// A kind of value the schema constrains with a regular expression or a builtin: the CUE definition that
// says what is valid, and where the generated JSON Schema holds its translation.
type valueKind struct {
	def, ref string
	gen      func(r *rand.Rand) string
}

var valueKinds = []valueKind{
	{"#IP", "#/$defs/ip", genAddress},
	{"#CIDR", "#/$defs/cidr", genCIDR},
	{"#FQDN", "#/properties/site/properties/server", genFQDN},
	{"#URL", "#/properties/pki/properties/authorities/additionalProperties/properties/crl/properties/http/items", genURL},
	{"#Text", "#/properties/systems/additionalProperties/properties/installAccount", genText},
}

var prefixLens = []string{"0", "8", "16", "24", "32", "0", "8", "16", "24", "32", "48", "64", "100", "128", "00", "08", "33", "99", "129", "-1", "+8", "1a", ""}

// genCIDR makes prefixes: mostly a well-formed address (the zone dropped) and a length in or out of range.
func genCIDR(r *rand.Rand) string {
	a := genAddress(r)
	if i := strings.IndexByte(a, '%'); i >= 0 && r.IntN(4) > 0 {
		a = a[:i]
	}
	return a + pick(r, "/", "/", "/", "/", "") + pick(r, prefixLens...)
}

func pick(r *rand.Rand, s ...string) string { return s[r.IntN(len(s))] }

// genAddress makes strings near the IP address grammar: real addresses in every spelling, and pieces of
// them recombined.
func genAddress(r *rand.Rand) string {
	switch r.IntN(4) {
	case 0:
		var b [16]byte
		for i := range b {
			b[i] = byte(r.IntN(256))
			if r.IntN(3) == 0 {
				b[i] = 0 // runs of zero groups, so :: appears in many places
			}
		}
		a := netip.AddrFrom16(b)
		switch r.IntN(5) {
		case 0:
			return a.StringExpanded()
		case 1:
			return netip.AddrFrom4([4]byte(b[:4])).String()
		case 2:
			return "::ffff:" + netip.AddrFrom4([4]byte(b[:4])).String()
		case 3:
			return a.String() + "%" + pick(r, "eth0", "1", "%", "a b", "é")
		}
		return a.String()
	case 1:
		return fmt.Sprintf("%d.%d.%d.%d", r.IntN(300), r.IntN(300), r.IntN(300), r.IntN(300))
	}
	pieces := []string{"", "0", "1", "00", "01", "9", "10", "99", "255", "256", "ffff", "FFFF", "fFfF", "12345", "db8",
		"2001", "g", ":", ":", "::", "::", ".", ".", "%", "eth0", "1.2.3.4", "0.0.0.0", "01.2.3.4", " "}
	var b strings.Builder
	for n := 1 + r.IntN(12); n > 0; n-- {
		b.WriteString(pick(r, pieces...))
	}
	return b.String()
}

func genFQDN(r *rand.Rand) string {
	good := []string{"a", "A", "0", "z9", "ab-c", "xn--bcher-kva", strings.Repeat("x", 63)}
	bad := []string{"-a", "a-", "--", strings.Repeat("y", 64), "é", "a_b", "a b", "", "*"}
	label := func() string {
		if r.IntN(12) == 0 {
			return pick(r, bad...)
		}
		return pick(r, good...)
	}
	var b strings.Builder
	for n := 1 + r.IntN(4); n > 0; n-- {
		if b.Len() > 0 || r.IntN(8) == 0 {
			b.WriteString(".")
		}
		b.WriteString(label())
	}
	if r.IntN(10) == 0 {
		b.WriteString(".")
	}
	if r.IntN(6) == 0 { // near the 253-character limit
		for b.Len() < 240 {
			b.WriteString("." + strings.Repeat("l", 1+r.IntN(63)))
		}
	}
	return b.String()
}

func genURL(r *rand.Rand) string {
	good := []string{"a", "Z", "0", ".", "_", "~", ":", "/", "?", "#", "[", "]", "@", "!", "$", "&", "'", "(", ")", "*",
		"+", ",", ";", "=", "%", "-"}
	bad := []string{" ", "\"", "<", ">", "\\", "^", "`", "{", "|", "}", "é", "\n", "\t"}
	var b strings.Builder
	b.WriteString(pick(r, "http://", "https://", "https://", "http://", "https://", "ftp://", "HTTP://", "http:/", ""))
	for n := r.IntN(12); n > 0; n-- {
		if r.IntN(25) == 0 {
			b.WriteString(pick(r, bad...))
		} else {
			b.WriteString(pick(r, good...))
		}
	}
	return b.String()
}

func genText(r *rand.Rand) string {
	chars := []string{"a", " ", "'", "\"", "é", "\t", "\n", "\r", "\x00", "\x1f", "\x7f", "\u0080", "\u0085", "\u0086",
		"\u2027", "\u2028", "\u2029", "\u202a", "😀", "$", "`", "%"}
	var b strings.Builder
	for n := r.IntN(8); n > 0; n-- {
		b.WriteString(pick(r, chars...))
	}
	return b.String()
}

// verdict is one value of a kind and whether CUE's schema accepts it.
type verdict struct {
	Ref   string `json:"ref"`
	Value string `json:"value"`
	Valid bool   `json:"valid"`
}

// corpus generates n values of each kind and judges each with the CUE schema: the truth both JSON Schema
// validators are compared with.
func corpus(t *testing.T, n int) []verdict {
	t.Helper()
	ctx := cuecontext.New()
	v := ctx.BuildInstance(load.Instances([]string{"."}, &load.Config{FS: schema.FS, Dir: "/"})[0])
	if err := v.Err(); err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(1, 2))
	var out []verdict
	for _, k := range valueKinds {
		def := v.LookupPath(cue.ParsePath(k.def))
		if !def.Exists() {
			t.Fatalf("the schema has no %s", k.def)
		}
		valid := 0
		for range n {
			s := k.gen(r)
			ok := def.Unify(ctx.Encode(s)).Validate(cue.Concrete(true)) == nil
			if ok {
				valid++
			}
			out = append(out, verdict{k.ref, s, ok})
		}
		// A corpus of only valid or only invalid values would prove little.
		if valid < n/10 || valid > n*9/10 {
			t.Fatalf("%s: %d of %d generated values are valid; the generator needs rebalancing", k.def, valid, n)
		}
	}
	return out
}

// TestPatternsAgreeWithCUE: for thousands of values near each grammar, the JSON Schema accepts exactly the
// values the CUE schema accepts (addresses as net/netip parses them, FQDNs, URLs and free text by their
// RE2 expressions).
func TestPatternsAgreeWithCUE(t *testing.T) {
	schemas := map[string]interface{ Validate(any) error }{}
	for _, k := range valueKinds {
		schemas[k.ref] = validator(t, k.ref)
	}
	bad := 0
	for _, c := range corpus(t, 3000) {
		if got := schemas[c.Ref].Validate(c.Value) == nil; got != c.Valid && bad < 20 {
			bad++
			t.Errorf("%s %q: JSON Schema says valid=%v, CUE says %v", c.Ref, c.Value, got, c.Valid)
		}
	}
}

func TestECMAScriptPattern(t *testing.T) {
	for _, c := range []struct{ re2, want string }{
		// RE2-only escapes become characters both engines read; classes keep their meaning.
		{`^[^\x00-\x1f\x7f\x{85}\x{2028}\x{2029}]*$`, "^[^\\x00-\\x1f\\x7f\u0085\u2028\u2029]*$"},
		{`\A.+\z`, `^[^\n]+$`},
		{`^a(b|cd)*e{2,}f{3}g{1,4}?$`, `^a(?:b|cd)*e{2,}f{3}g{1,4}?$`},
		{`^https?://[A-Za-z0-9.-]+$`, `^https?://[\-.0-9A-Za-z]+$`},
		{`[^"]`, `[^"]`},
		{`\.\$\(\[\{\|`, `\.\$\(\[\{\|`},
	} {
		got, err := jsonschema.ECMAScriptPattern(c.re2)
		if err != nil || got != c.want {
			t.Errorf("%s: got %q, %v; want %q", c.re2, got, err, c.want)
		}
	}
	for _, re2 := range []string{`(?i)abc`, `(?m)^a$`, `[a\x{10000}]`} {
		if got, err := jsonschema.ECMAScriptPattern(re2); err == nil {
			t.Errorf("%s: translated to %q; want an error (no portable spelling)", re2, got)
		}
	}
}
