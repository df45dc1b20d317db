package escape

import "testing"

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
