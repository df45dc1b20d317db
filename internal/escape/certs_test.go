package escape

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ibcmc/ibcmc/internal/certcheck/labca"
	"github.com/ibcmc/ibcmc/internal/testtool"
)

var hostileCertValues = []string{
	`plain.example.com`,
	`Contoso "Web" Server`,
	`100% safe`,
	`a;b=c[d]{e}`,
	`$HOME and ${ENV::PATH}`,
	`back\slash\`,
	`# not a comment`,
	` leading and trailing `,
	`it's`,
	`&|<>^`,
	`Zürich`,
}

func TestINFQuotes(t *testing.T) {
	cases := map[string]string{
		`ConfigMgr Web Server Certificate`: `"ConfigMgr Web Server Certificate"`,
		`Contoso "Web" Server`:             `"Contoso ""Web"" Server"`,
		`100% safe`:                        `"100%% safe"`,
		`%szOID_PKIX_KP_SERVER_AUTH%`:      `"%%szOID_PKIX_KP_SERVER_AUTH%%"`,
		`a;b=c[d]`:                         `"a;b=c[d]"`,
		``:                                 `""`,
	}
	for in, want := range cases {
		got, err := INF(in)
		if err != nil || got != want {
			t.Errorf("INF(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

// TestINFRoundTrip: reading the quoted value back the way an INF parser does gives the original, on one line.
func TestINFRoundTrip(t *testing.T) {
	for _, in := range hostileCertValues {
		q, err := INF(in)
		if err != nil {
			t.Fatalf("INF(%q): %v", in, err)
		}
		if !strings.HasPrefix(q, `"`) || !strings.HasSuffix(q, `"`) {
			t.Fatalf("INF(%q) = %s is not quoted", in, q)
		}
		inner := q[1 : len(q)-1]
		if strings.Contains(strings.ReplaceAll(inner, `""`, ``), `"`) {
			t.Errorf("INF(%q) = %s has an unpaired quote that would end the value", in, q)
		}
		back := strings.NewReplacer(`""`, `"`, `%%`, `%`).Replace(inner)
		if back != in {
			t.Errorf("INF(%q) reads back as %q", in, back)
		}
	}
}

func TestINFRefusesLineBreaks(t *testing.T) {
	for _, in := range []string{"a\nb", "a\rb", "a\x00b", "a\u2028b", "tab\there"} {
		if got, err := INF(in); err == nil {
			t.Errorf("INF(%q) = %q, want an error", in, got)
		}
	}
}

func TestSANValuesRefuseSeparators(t *testing.T) {
	for _, ok := range []string{"IBCM-Internet.public.com", "*.contoso.com", "host_1.example.net"} {
		if got, err := INFSANValue(ok); err != nil || got != ok {
			t.Errorf("INFSANValue(%q) = %q, %v", ok, got, err)
		}
		if got, err := OpenSSLDNSName(ok); err != nil || got != ok {
			t.Errorf("OpenSSLDNSName(%q) = %q, %v", ok, got, err)
		}
	}
	for _, bad := range []string{"", "a&dns=evil.com", "a\"b", "a b", "a\nb", "%x%", "a*.b", "a,DNS:b", "a#b"} {
		if _, err := INFSANValue(bad); err == nil {
			t.Errorf("INFSANValue(%q) accepted", bad)
		}
		if _, err := OpenSSLDNSName(bad); err == nil {
			t.Errorf("OpenSSLDNSName(%q) accepted", bad)
		}
	}
}

func TestOpenSSLQuotesOnlyWhenNeeded(t *testing.T) {
	cases := map[string]string{
		"mp01.corp.contoso.com": "mp01.corp.contoso.com",
		"Contoso Ltd":           "Contoso Ltd",
		`$HOME`:                 `"$HOME"`,
		`a#b`:                   `"a#b"`,
		`back\slash`:            `"back\\slash"`,
		`say "hi"`:              `"say \"hi\""`,
		` padded `:              `" padded "`,
	}
	for in, want := range cases {
		got, err := OpenSSL(in)
		if err != nil || got != want {
			t.Errorf("OpenSSL(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "a\nb", "a\rb", "a\x00b", "a\x7fb"} {
		if got, err := OpenSSL(bad); err == nil {
			t.Errorf("OpenSSL(%q) = %q, want an error", bad, got)
		}
	}
}

// TestOpenSSLRoundTrip runs openssl req on a config holding each hostileCertValues value as the CN and checks the
// CSR's subject is exactly the value: nothing expanded, cut, or added.
func TestOpenSSLRoundTrip(t *testing.T) {
	openssl := testtool.Require(t, "openssl")
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("[ req ]\nprompt = no\nutf8 = yes\nstring_mask = utf8only\ndistinguished_name = dn\n[ dn ]\n")
	for i, in := range hostileCertValues {
		q, err := OpenSSL(in)
		if err != nil {
			t.Fatalf("OpenSSL(%q): %v", in, err)
		}
		// Distinct attributes keep the values apart in one request: CN, then OU per value.
		b.WriteString(string(rune('0'+i/10)) + string(rune('0'+i%10)) + ".OU = " + q + "\n")
	}
	cnf := filepath.Join(dir, "t.cnf")
	if err := os.WriteFile(cnf, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	csrPath := filepath.Join(dir, "t.csr")
	cmd := exec.Command(openssl, "req", "-new", "-config", cnf, "-newkey", "rsa:2048", "-nodes",
		"-keyout", filepath.Join(dir, "t.key"), "-out", csrPath)
	cmd.Env = append(os.Environ(), "HOME=/nonexistent", "PATH=/usr/bin:/bin")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("openssl req: %v\n%s\nconfig:\n%s", err, out, b.String())
	}
	csr := labca.ReadCSR(t, csrPath)
	got := csr.Subject.OrganizationalUnit
	if strings.Join(got, "\x00") != strings.Join(hostileCertValues, "\x00") {
		t.Errorf("CSR OUs:\n%q\nwant:\n%q", got, hostileCertValues)
	}
}
