package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// build --lab-pki writes the lab PKI, points the proxy configs at it by absolute path, and says LAB ONLY; a
// normal build writes no key and no lab section.
func TestBuildLabPKI(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	if code, _, errb := run(t, "build", "examples/fabrikam-perimeter/site.cue", "-o", out, "--lab-pki"); code != 0 {
		t.Fatalf("exit %d: %s", code, errb)
	}
	tree := readTree(t, out)
	for _, f := range []string{"lab-pki/ca-chain.pem", "lab-pki/crl-chain.pem", "lab-pki/edge-proxy-server.key",
		"lab-pki/edge-proxy-client.pem", "lab-pki/lab-client.key", "lab-pki/lab-client-revoked.crt", "proxy/edge/nginx.conf"} {
		if _, ok := tree[f]; !ok {
			t.Errorf("%s not written", f)
		}
	}
	abs, err := filepath.Abs(filepath.Join(out, "lab-pki"))
	if err != nil {
		t.Fatal(err)
	}
	if want := `        ssl_certificate "` + abs + `/edge-proxy-server.crt";` + "\n"; !strings.Contains(tree["proxy/edge/nginx.conf"], want) {
		t.Errorf("nginx.conf does not point at the lab PKI: want line %q", want)
	}
	if !strings.Contains(tree["report.md"], "\n## LAB ONLY: throwaway PKI\n") {
		t.Errorf("report.md does not say LAB ONLY")
	}

	plain := filepath.Join(t.TempDir(), "out")
	if code, _, errb := run(t, "build", "examples/fabrikam-perimeter/site.cue", "-o", plain); code != 0 {
		t.Fatalf("exit %d: %s", code, errb)
	}
	for path, content := range readTree(t, plain) {
		if strings.HasPrefix(path, "lab-pki/") || strings.Contains(content, "PRIVATE KEY") || strings.Contains(content, "LAB ONLY") {
			t.Errorf("a build without --lab-pki wrote lab material: %s", path)
		}
	}
	if !strings.Contains(readTree(t, plain)["proxy/edge/nginx.conf"], `        ssl_certificate "/etc/ibcmc/pki/edge-proxy-server.crt";`+"\n") {
		t.Errorf("without --lab-pki the config does not use the default --cert-dir")
	}

	if code, _, errb := run(t, "build", "examples/fabrikam-perimeter/site.cue", "-o", out, "--lab-pki", "--check"); code != 2 ||
		!strings.Contains(errb, "--check cannot be combined with --lab-pki") {
		t.Errorf("--check --lab-pki: exit %d, %q; want exit 2 and an explanation", code, errb)
	}
}
