package escape

import "testing"

var hostile = []string{
	"a\nserver { listen 81; }", "a\rb", "nul\x00byte", "tab\tbad", "del\x7f", "ls\u2028x",
}

func TestNginxQuotesSyntax(t *testing.T) {
	cases := map[string]string{
		"ibcm.contoso.com":          `"ibcm.contoso.com"`,
		`a;b{c}#d`:                  `"a;b{c}#d"`,
		`say "hi"`:                  `"say \"hi\""`,
		`C:\pki\proxy.pem`:          `"C:\\pki\\proxy.pem"`,
		`/etc/ibcmc/pki dir/ca.pem`: `"/etc/ibcmc/pki dir/ca.pem"`,
		`%&|<>^'`:                   `"%&|<>^'"`,
	}
	for in, want := range cases {
		got, err := Nginx(in)
		if err != nil || got != want {
			t.Errorf("Nginx(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

func TestNginxRefusesWhatCannotBeQuoted(t *testing.T) {
	for _, in := range append(hostile, "", "$host", "cost: 5$") {
		if got, err := Nginx(in); err == nil {
			t.Errorf("Nginx(%q) = %q, want an error", in, got)
		}
	}
}

func TestHAProxyQuotesSyntax(t *testing.T) {
	cases := map[string]string{
		"/etc/ibcmc/pki/edge-proxy-server.pem": `'/etc/ibcmc/pki/edge-proxy-server.pem'`,
		`a b#c"d\e$f${HOME}`:                   `'a b#c"d\e$f${HOME}'`,
		`;{}%&|<>^`:                            `';{}%&|<>^'`,
	}
	for in, want := range cases {
		got, err := HAProxy(in)
		if err != nil || got != want {
			t.Errorf("HAProxy(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

func TestHAProxyRefusesWhatCannotBeQuoted(t *testing.T) {
	for _, in := range append(hostile, "", "it's") {
		if got, err := HAProxy(in); err == nil {
			t.Errorf("HAProxy(%q) = %q, want an error", in, got)
		}
	}
}

func TestHAProxyStr(t *testing.T) {
	got, err := HAProxyStr("cmibcm01.dmz.fabrikam.com")
	if err != nil || got != "'str(cmibcm01.dmz.fabrikam.com)'" {
		t.Errorf("HAProxyStr = %q, %v", got, err)
	}
	for _, in := range append(hostile, "", "a,b", "a)b", "a(b", "a'b", `a"b`, "a b", "a;b") {
		if got, err := HAProxyStr(in); err == nil {
			t.Errorf("HAProxyStr(%q) = %q, want an error", in, got)
		}
	}
}
