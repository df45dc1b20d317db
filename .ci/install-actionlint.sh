#!/usr/bin/env bash
# Installs what the CI recipe's test (cmd/ibcmc/ci_recipe_test.go) lints docs/ci/github-actions.yml with:
# actionlint at the version the test pins (a Go module, fetched into the module cache here so the test
# only builds it) and shellcheck, which actionlint runs on every `run:` script. Idempotent.
set -euo pipefail
# shellcheck source=.ci/lib.sh
. "$(dirname "$0")/lib.sh"
cd "$(dirname "$0")/.."

version=$(sed -n 's/^const actionlintVersion = "\(v[0-9.]*\)"$/\1/p' cmd/ibcmc/ci_recipe_test.go)
[ -n "$version" ] || { echo "install-actionlint: no actionlintVersion in cmd/ibcmc/ci_recipe_test.go" >&2; exit 1; }

command -v shellcheck >/dev/null 2>&1 || apt_install shellcheck
shellcheck --version >/dev/null

# Build it once into a throwaway directory: this downloads the module and warms the build cache.
bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT
GOBIN=$bin go install "github.com/rhysd/actionlint/cmd/actionlint@$version"
"$bin/actionlint" -version | head -n 1
