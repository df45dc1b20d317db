#!/usr/bin/env bash
# Installs Microsoft's SARIF Multitool (npm @microsoft/sarif-multitool-linux) as `sarif-multitool` on PATH,
# for the test that validates every example's `ibcmc vet --format sarif` with the GitHub rule set
# (cmd/ibcmc/sarif_multitool_test.go). Idempotent: does nothing when the pinned version is installed.
set -euo pipefail

version=5.7.0
prefix=/usr/local/lib/ibcmc-tools/sarif-multitool
link=/usr/local/bin/sarif-multitool
tool=$prefix/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool

# A self-contained .NET program: globalization-invariant mode spares it libicu (the test sets it too).
export DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1

sudo=""
[ "$(id -u)" = 0 ] || sudo="sudo"

# The tool prints its version on stderr.
runs() { case "$("$1" --version 2>&1)" in "SARIF Multitool $version"*) return 0 ;; *) return 1 ;; esac; }

installed() {
	[ -x "$tool" ] && [ "$(readlink "$link" 2>/dev/null)" = "$tool" ] && runs "$tool"
}

if ! installed; then
	command -v npm >/dev/null 2>&1 || { echo "install-sarif-multitool: npm is required" >&2; exit 1; }
	$sudo mkdir -p "$prefix"
	# The package's postinstall only marks the binary executable; npm may skip install scripts, so chmod
	# below does it either way.
	$sudo npm install --prefix "$prefix" --no-audit --no-fund --no-save "@microsoft/sarif-multitool-linux@$version"
	$sudo chmod +x "$tool"
	$sudo ln -sfn "$tool" "$link"
fi

# Fail loudly now rather than in the test when the binary cannot run here.
runs "$link" || { echo "install-sarif-multitool: $link does not run" >&2; exit 1; }
echo "sarif-multitool $version: $link"
