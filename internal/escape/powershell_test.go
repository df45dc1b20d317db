package escape

import (
	"strings"
	"testing"
)

func TestPowerShell(t *testing.T) {
	cases := []struct{ in, want string }{
		{"ibcmc FAB", `'ibcmc FAB'`},
		{"it's", `'it''s'`},
		{"x'; Remove-Item C:\\ -Recurse; '", `'x''; Remove-Item C:\ -Recurse; '''`},
		{"\u2019; calc; \u2018", "'\u2019\u2019; calc; \u2018\u2018'"},
		{"$env:PATH `n @(1) $(calc)", "'$env:PATH `n @(1) $(calc)'"},
		{"line\r\nNew-Item x", "'line  New-Item x'"},
		{"nul\x00", "'nul '"},
		{"", "''"},
	}
	for _, c := range cases {
		if got := PowerShell(c.in); got != c.want {
			t.Errorf("PowerShell(%q) = %s, want %s", c.in, got, c.want)
		}
	}
	if got := PowerShellList([]string{"10.20.0.5", "a'b"}); got != `'10.20.0.5','a''b'` {
		t.Errorf("PowerShellList = %s", got)
	}
}

// TestPowerShellMatchesReplacer pins PowerShell to the strings.Replacer it replaced.
func TestPowerShellMatchesReplacer(t *testing.T) {
	quotes := strings.NewReplacer(
		"'", "''", "\u2018", "\u2018\u2018", "\u2019", "\u2019\u2019", "\u201a", "\u201a\u201a", "\u201b", "\u201b\u201b",
	)
	values := []string{"", "plain", "it's", "''", "\u2018a\u2019 \u201ab\u201b", "\u201c\u201d\u2017\u201f", "\xe2\x80", "a\xe2\x80\x98",
		"\xe2\x80\x98\xe2\x80", "x\ny", "caf\xc3\xa9 \xff'"}
	for c := 0; c < 256; c++ {
		s := string([]byte{byte(c)})
		values = append(values, s, "a"+s+"b", s+s, "\xe2\x80"+s, "\xe2"+s+"\x98")
	}
	for _, v := range values {
		if got, want := PowerShell(v), "'"+quotes.Replace(OneLine(v))+"'"; got != want {
			t.Errorf("PowerShell(%q) = %q, want %q", v, got, want)
		}
	}
	if got := PowerShellList([]string{"a", "b'c"}); got != `'a','b''c'` {
		t.Errorf("PowerShellList = %q", got)
	}
}
