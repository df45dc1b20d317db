package dn

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []Attr
	}{
		{"", nil},
		{"   ", nil},
		{"CN=Contoso Root CA, DC=contoso, DC=local", []Attr{{"CN", "Contoso Root CA", false}, {"DC", "contoso", false}, {"DC", "local", false}}},
		// RFC 4514 as written by Go and OpenSSL: no spaces.
		{"CN=Root,O=Contoso", []Attr{{"CN", "Root", false}, {"O", "Contoso", false}}},
		// ";" separates RDNs as in RFC 1779 and the Windows certificate UI; spaces around "=" are ignored.
		{"cn = Root ;  o=Contoso", []Attr{{"cn", "Root", false}, {"o", "Contoso", false}}},
		// Escaped separators stay in the value.
		{`CN=Contoso\, Ltd\; Root\+CA, O=X`, []Attr{{"CN", "Contoso, Ltd; Root+CA", false}, {"O", "X", false}}},
		// A quoted value holds separators as they are (RFC 1779, certreq).
		{`CN="Root, CA"; O="A+B" , C=US`, []Attr{{"CN", "Root, CA", false}, {"O", "A+B", false}, {"C", "US", false}}},
		{`CN="say \"hi\""`, []Attr{{"CN", `say "hi"`, false}}},
		// Hex pairs are UTF-8 bytes; other escapes are the character itself.
		{`CN=Caf\C3\A9 \23 1, O=\\share`, []Attr{{"CN", "Café # 1", false}, {"O", `\share`, false}}},
		{`CN=A\2CB`, []Attr{{"CN", "A,B", false}}},
		// Escaped spaces are kept; unescaped ones around the value are not.
		{`CN=\ padded\ ,O= x y `, []Attr{{"CN", " padded ", false}, {"O", "x y", false}}},
		// "+" joins attributes of one multi-valued RDN.
		{"CN=Root+OU=PKI, O=Contoso", []Attr{{"CN", "Root", false}, {"OU", "PKI", true}, {"O", "Contoso", false}}},
		{"OID.2.5.4.3=Root, 0.9.2342.19200300.100.1.25=local", []Attr{{"OID.2.5.4.3", "Root", false}, {"0.9.2342.19200300.100.1.25", "local", false}}},
		{"CN=", []Attr{{"CN", "", false}}},
		{"CN=#04024869", []Attr{{"CN", "#04024869", false}}},
		{"CN=a=b", []Attr{{"CN", "a=b", false}}},
		{"CN=Root | CN=Evil", []Attr{{"CN", "Root | CN=Evil", false}}},
	} {
		got, err := Parse(tc.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", tc.in, err)
			continue
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("Parse(%q) (-want +got):\n%s", tc.in, diff)
		}
	}
}

func TestParseRefusesMalformedNames(t *testing.T) {
	for in, want := range map[string]string{
		"Contoso Root CA":        `"Contoso Root CA" has no "=": each attribute is written TYPE=value`,
		"CN=Root, Contoso, O=X":  `"Contoso" has no "=": each attribute is written TYPE=value`,
		"=Root":                  `an attribute has no type before "="`,
		"CN=Root,,O=X":           `"" has no "=": each attribute is written TYPE=value`,
		"CN=Root,":               `"CN=Root," ends with a separator and no attribute after it`,
		`CN="Root`:               `value of CN: the quoted value has no closing quote`,
		`CN="Root" CA`:           `value of CN: text "CA" follows the closing quote`,
		`CN=Root "CA"`:           `value of CN: a double quote inside a value must be escaped as \"`,
		`CN=Root\`:               `value of CN: ends with "\", which escapes nothing`,
		`CN=\FF\FE`:              `value of CN: the escaped bytes of "\xff\xfe" are not UTF-8`,
		`Common Name=Root`:       `attribute type "Common Name" is not a name or an OID`,
		`CN=Root+`:               `"CN=Root+" ends with a separator and no attribute after it`,
		"CN=Root; O=X; =Contoso": `an attribute has no type before "="`,
	} {
		got, err := Parse(in)
		if err == nil {
			t.Errorf("Parse(%q) = %+v, want an error", in, got)
			continue
		}
		if err.Error() != want {
			t.Errorf("Parse(%q) error\n got: %s\nwant: %s", in, err, want)
		}
	}
}

// FuzzParse: Parse never panics, and what it accepts it accepts again when each value is written back
// escaped as RFC 4514 says.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"CN=Root, O=Contoso\\, Ltd", `CN="a;b"+OU=x; DC=local`, `CN=\C3\A9`, "cn = x ;", "CN=\"x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		attrs, err := Parse(s)
		if err != nil {
			return
		}
		var written string
		for i, a := range attrs {
			if i > 0 {
				written += map[bool]string{true: "+", false: ","}[a.Multi]
			}
			written += a.Type + "=" + escape(a.Value)
		}
		again, err := Parse(written)
		if err != nil {
			t.Fatalf("Parse(%q) = %+v, but its RFC 4514 form %q fails: %v", s, attrs, written, err)
		}
		if len(attrs) == 0 {
			attrs = nil
		}
		if diff := cmp.Diff(attrs, again); diff != "" {
			t.Fatalf("Parse(%q) and Parse(%q) differ (-first +second):\n%s", s, written, diff)
		}
	})
}

// escape writes a value as RFC 4514 does: separators, quotes and backslashes escaped, and a leading or
// trailing space escaped.
func escape(v string) string {
	var out []byte
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c == ',' || c == ';' || c == '+' || c == '"' || c == '\\' || (c == ' ' && (i == 0 || i == len(v)-1)) {
			out = append(out, '\\')
		}
		out = append(out, c)
	}
	return string(out)
}
