package proxy_test

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/ibcmc/ibcmc/emit"
	"github.com/ibcmc/ibcmc/emit/labpki"
	"github.com/ibcmc/ibcmc/emit/proxy"
	"github.com/ibcmc/ibcmc/internal/testtool"
	"github.com/ibcmc/ibcmc/plan"
)

// built is an output directory holding the lab PKI and the proxy configs of a plan.
type built struct {
	dir   string
	files map[string][]byte
}

// build writes the lab PKI and the proxy configs of p into a temporary directory, the configs pointing at
// its lab-pki/, as build --lab-pki does.
// A lab PKI already made for the same certificate requests may be passed in; key generation is slow.
func build(t *testing.T, p *plan.Plan, pki ...emit.File) *built {
	t.Helper()
	dir := t.TempDir()
	o := emit.Options{ToolVersion: "test", CertDir: filepath.Join(dir, labpki.Dir), LabPKI: true}
	if len(pki) == 0 {
		var err error
		if pki, err = labpki.Emit(p, o); err != nil {
			t.Fatal(err)
		}
	}
	cfgs, err := proxy.Emit(p, o)
	if err != nil {
		t.Fatal(err)
	}
	b := &built{dir: dir, files: map[string][]byte{}}
	for _, f := range append(pki, cfgs...) {
		if err := emit.CheckPath(f.Path); err != nil {
			t.Fatal(err)
		}
		dst := filepath.Join(dir, filepath.FromSlash(f.Path))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dst, f.Content, 0o600); err != nil {
			t.Fatal(err)
		}
		b.files[f.Path] = f.Content
	}
	return b
}

// relocate rewrites the runtime paths of an emitted config (pid, logs, temp directories, privilege drop)
// into a private directory, so a test never touches /run, /var/log or /var/lib. Every line it replaces must
// be present exactly once: the test fails if the emitted config stops writing them.
func relocate(t *testing.T, cfg []byte, dir string, repl map[string]string) []byte {
	t.Helper()
	for from, to := range repl {
		if n := bytes.Count(cfg, []byte(from+"\n")); n != 1 {
			t.Fatalf("config has %q %d times, want once", from, n)
		}
		cfg = bytes.Replace(cfg, []byte(from+"\n"), []byte(to+"\n"), 1)
	}
	return cfg
}

// nginxRuntime writes the relocated nginx config into dir and returns its path.
func nginxRuntime(t *testing.T, cfg []byte, dir string) string {
	t.Helper()
	for _, d := range []string{"logs", "tmp"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	repl := map[string]string{
		"pid /run/nginx.pid;":                      "pid " + dir + "/logs/nginx.pid;",
		"error_log /var/log/nginx/error.log warn;": "error_log " + dir + "/logs/error.log info;",
	}
	if bytes.Contains(cfg, []byte("\nhttp {\n")) {
		repl["    access_log /var/log/nginx/access.log;"] = "    access_log " + dir + "/logs/access.log;"
		for directive, sub := range map[string]string{"client_body": "body", "proxy": "proxy", "fastcgi": "fastcgi", "uwsgi": "uwsgi", "scgi": "scgi"} {
			repl["    "+directive+"_temp_path /var/lib/nginx/"+sub+";"] = "    " + directive + "_temp_path " + dir + "/tmp/" + sub + ";"
		}
	}
	cfg = loopback(t, cfg, nginxListen, "listen 127.0.0.1:")
	if os.Geteuid() != 0 {
		repl["user www-data;"] = "# user www-data; (not root: nginx keeps the caller's identity)"
	}
	out := relocate(t, cfg, dir, repl)
	path := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(path, out, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// haproxyRuntime writes the relocated HAProxy config into dir and returns its path.
func haproxyRuntime(t *testing.T, cfg []byte, dir string) string {
	t.Helper()
	cfg = loopback(t, cfg, haproxyBind, "bind 127.0.0.1:")
	repl := map[string]string{"    log /dev/log local0": "    log stderr format short local0 notice"}
	if os.Geteuid() != 0 {
		repl["    user haproxy"] = "    # user haproxy (not root)"
		repl["    group haproxy"] = "    # group haproxy (not root)"
	}
	out := relocate(t, cfg, dir, repl)
	path := filepath.Join(dir, "haproxy.cfg")
	if err := os.WriteFile(path, out, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

var (
	nginxListen = regexp.MustCompile(`(?m)^(\s+)listen (\d+)`)
	haproxyBind = regexp.MustCompile(`(?m)^(\s+)bind :(\d+)`)
)

// loopback makes every listener of a config bind 127.0.0.1 only (the emitted configs listen on every
// address, as a proxy in production does).
func loopback(t *testing.T, cfg []byte, re *regexp.Regexp, to string) []byte {
	t.Helper()
	if !re.Match(cfg) {
		t.Fatalf("config has no listener matching %s", re)
	}
	return re.ReplaceAll(cfg, []byte("${1}"+to+"${2}"))
}

// checkNginx runs nginx -t on a config; it fails the test with nginx's own words.
func checkNginx(t *testing.T, cfg []byte) {
	t.Helper()
	bin := testtool.RequireProxy(t, "nginx")
	dir := t.TempDir()
	path := nginxRuntime(t, cfg, dir)
	out, err := exec.Command(bin, "-t", "-q", "-p", dir, "-c", path).CombinedOutput()
	if err != nil {
		t.Fatalf("nginx -t: %v\n%s\n--- config ---\n%s", err, out, numbered(cfg))
	}
}

// checkHAProxy runs haproxy -c on a config.
func checkHAProxy(t *testing.T, cfg []byte) {
	t.Helper()
	bin := testtool.RequireProxy(t, "haproxy")
	dir := t.TempDir()
	path := haproxyRuntime(t, cfg, dir)
	out, err := exec.Command(bin, "-c", "-q", "-f", path).CombinedOutput()
	if err != nil || len(bytes.TrimSpace(out)) > 0 {
		t.Fatalf("haproxy -c: %v\n%s\n--- config ---\n%s", err, out, numbered(cfg))
	}
}

func numbered(b []byte) string {
	var s strings.Builder
	for i, l := range strings.Split(string(b), "\n") {
		fmt.Fprintf(&s, "%4d  %s\n", i+1, l)
	}
	return s.String()
}

// emitProxy runs the proxy emitter with configs pointing at certDir and returns the files by path.
func emitProxy(p *plan.Plan, certDir string) (map[string][]byte, error) {
	files, err := proxy.Emit(p, emit.Options{ToolVersion: "test", CertDir: certDir})
	if err != nil {
		return nil, err
	}
	out := map[string][]byte{}
	for _, f := range files {
		out[f.Path] = f.Content
	}
	return out, nil
}
