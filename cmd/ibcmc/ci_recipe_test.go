package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/ibcmc/ibcmc/internal/testtool"
)

// actionlintVersion is the actionlint release the CI recipe is checked with (.ci/install-actionlint.sh
// reads it from here).
const actionlintVersion = "v1.7.12"

const recipe = "docs/ci/github-actions.yml"

// actionlint builds the pinned actionlint into a cache directory (go install of the module version, so no
// dependency enters go.mod) and returns its path. Without the module (offline, empty module cache) the
// test skips, or fails under IBCMC_REQUIRE_TOOLS=1.
func actionlint(t *testing.T) string {
	t.Helper()
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = t.TempDir()
	}
	dir := filepath.Join(cache, "ibcmc-test-tools", "actionlint-"+actionlintVersion)
	bin := filepath.Join(dir, "actionlint")
	if _, err := os.Stat(bin); err == nil {
		return bin
	}
	cmd := exec.Command("go", "install", "github.com/rhysd/actionlint/cmd/actionlint@"+actionlintVersion)
	cmd.Dir = t.TempDir() // outside this module: the pinned version, not go.mod, decides
	cmd.Env = append(os.Environ(), "GOBIN="+dir, "GOFLAGS=")
	if out, err := cmd.CombinedOutput(); err != nil {
		testtool.Missing(t, "cannot build actionlint "+actionlintVersion+" (run .ci/install-actionlint.sh): "+err.Error()+"\n"+string(out))
	}
	return bin
}

// TestCIRecipeActionlint lints the GitHub Actions recipe with actionlint, which also runs shellcheck over
// every run: script (required under IBCMC_REQUIRE_TOOLS=1, so the scripts are never left unchecked).
func TestCIRecipeActionlint(t *testing.T) {
	testtool.Require(t, "shellcheck")
	bin := actionlint(t)
	out, err := exec.Command(bin, "-no-color", recipe).CombinedOutput()
	if err != nil {
		t.Fatalf("actionlint %s: %v\n%s", recipe, err, out)
	}
}

// ibcmcLine finds the ibcmc command lines of the recipe's run: scripts (not comments, not step names).
var ibcmcLine = regexp.MustCompile(`(?m)^[ \t]*(?:run: )?ibcmc ((?:vet|build|diff) [^>|\n]*)`)

// TestCIRecipeCommandsParse runs every ibcmc command of the recipe against the homelab example, with the
// workflow's variables set, so a renamed flag or command breaks this test rather than users' CI. Exit 2
// (usage) is the failure; 0, 1 (findings, stale files) and 3 are outcomes of the design.
func TestCIRecipeCommandsParse(t *testing.T) {
	src, err := os.ReadFile(recipe)
	if err != nil {
		t.Fatal(err)
	}
	vars := strings.NewReplacer(
		"$DESIGN", "examples/homelab/site.cue",
		"$OUT", filepath.Join(t.TempDir(), "out"),
		"$BASE:", "HEAD:",
		`"`, "",
	)
	matches := ibcmcLine.FindAllStringSubmatch(string(src), -1)
	seen := map[string]bool{}
	for _, m := range matches {
		line := strings.TrimSpace(m[1])
		args := strings.Fields(vars.Replace(line))
		seen[args[0]] = true
		code, _, errb := run(t, args...)
		if code == exitUsage {
			t.Errorf("ibcmc %s: exit 2\n%s", line, errb)
		}
	}
	for _, cmd := range []string{"vet", "build", "diff"} {
		if !seen[cmd] {
			t.Errorf("the recipe runs no ibcmc %s", cmd)
		}
	}
}
