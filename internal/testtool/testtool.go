// Package testtool finds the external programs tests check emitted configs with (nginx, haproxy, nft,
// openssl, and the npm and shell tools of .ci/install-*.sh). Without one the test is skipped, except under IBCMC_REQUIRE_TOOLS=1 (set by .ci/run), where a
// missing tool fails it: CI must never pass by skipping.
package testtool

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// Require returns the path of the named program, looking in PATH and then in /usr/sbin and /sbin (where
// Debian installs nft, nginx and haproxy, often outside a user's PATH).
func Require(t testing.TB, name string) string {
	t.Helper()
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	for _, dir := range []string{"/usr/sbin", "/sbin"} {
		p := filepath.Join(dir, name)
		if st, err := os.Stat(p); err == nil && !st.IsDir() && st.Mode()&0o111 != 0 {
			return p
		}
	}
	Missing(t, name+" is not installed")
	return ""
}

// Missing reports a missing tool or module: a failure under IBCMC_REQUIRE_TOOLS=1, a skip otherwise.
func Missing(t testing.TB, what string) {
	t.Helper()
	if os.Getenv("IBCMC_REQUIRE_TOOLS") == "1" {
		t.Fatalf("%s (IBCMC_REQUIRE_TOOLS=1; .ci/run installs the Debian tools and runs .ci/install-*.sh for the rest)", what)
	}
	t.Skip(what)
}

// RequireProxy is Require for a reverse proxy, plus nginx's stream module, which the tunneling and
// port-forwarding configs load.
func RequireProxy(t testing.TB, name string) string {
	t.Helper()
	path := Require(t, name)
	if name == "nginx" {
		if _, err := os.Stat("/usr/lib/nginx/modules/ngx_stream_module.so"); err != nil {
			Missing(t, "nginx's stream module is not installed (libnginx-mod-stream)")
		}
	}
	return path
}

// NodeTools is the directory .ci/install-node-tools.sh installs the npm tools into
// ($IBCMC_NODE_TOOLS, default ~/.cache/ibcmc/node-tools), after checking the named modules are there.
func NodeTools(t testing.TB, modules ...string) string {
	t.Helper()
	dir := os.Getenv("IBCMC_NODE_TOOLS")
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			Missing(t, "no home directory to find the npm tools in (set IBCMC_NODE_TOOLS)")
		}
		dir = filepath.Join(home, ".cache", "ibcmc", "node-tools")
	}
	for _, m := range modules {
		if _, err := os.Stat(filepath.Join(dir, "node_modules", m, "package.json")); err != nil {
			Missing(t, "npm module "+m+" is not installed in "+dir+" (run .ci/install-node-tools.sh)")
		}
	}
	return dir
}
