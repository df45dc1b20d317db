#!/usr/bin/env bash
# Installs the npm tools the tests check ibcmc's outputs with:
#   ajv-cli + ajv                          validate the JSON Schema and the examples against it (schema/jsonschema)
#   tree-sitter + tree-sitter-powershell   parse every emitted .ps1 (emit/firewall)
# into $IBCMC_NODE_TOOLS (default ~/.cache/ibcmc/node-tools), where the tests look for them. Versions are
# pinned; a rerun with everything in place does nothing. Needs Node.js 20 or later (installed from Debian
# when missing).
set -euo pipefail

dir=${IBCMC_NODE_TOOLS:-$HOME/.cache/ibcmc/node-tools}
# name@version, one a line: the only place the versions are written.
pins=(
	ajv-cli@5.0.0
	ajv@8.20.0
	tree-sitter@0.25.1
	tree-sitter-powershell@0.26.4
)

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
	sudo=""
	[ "$(id -u)" = 0 ] || sudo="sudo"
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends nodejs npm
fi
major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$major" -lt 20 ]; then
	echo "install-node-tools: Node.js $(node --version) is too old; the tests need Node.js 20 or later" >&2
	exit 1
fi

installed() { # name version: is exactly that version installed?
	local pj="$dir/node_modules/$1/package.json"
	[ -f "$pj" ] && [ "$(node -p "require('$pj').version")" = "$2" ]
}
missing=0
for pin in "${pins[@]}"; do
	installed "${pin%@*}" "${pin##*@}" || missing=1
done
if [ "$missing" = 1 ]; then
	mkdir -p "$dir"
	# A private package keeps the tools out of the repository and out of any global prefix. tree-sitter and
	# tree-sitter-powershell ship prebuilt native bindings for linux-x64; node-gyp-build loads them at run time.
	printf '{"name":"ibcmc-node-tools","private":true}\n' >"$dir/package.json"
	npm install --prefix "$dir" --save-exact --no-audit --no-fund --loglevel=error "${pins[@]}"
fi

# Fail here, not in a test, when a tool does not load.
for pin in "${pins[@]}"; do
	if ! installed "${pin%@*}" "${pin##*@}"; then
		echo "install-node-tools: $pin did not install into $dir" >&2
		exit 1
	fi
done
"$dir/node_modules/.bin/ajv" help >/dev/null
# tree-sitter-powershell is an ES module (with top-level await): import it, do not require it.
(cd "$dir" && node --no-deprecation --input-type=module -e '
import Parser from "tree-sitter";
import PowerShell from "tree-sitter-powershell";
const parser = new Parser();
parser.setLanguage(PowerShell);
if (parser.parse("Write-Output 1\n").rootNode.hasError) { console.error("tree-sitter-powershell parses a trivial script with errors"); process.exit(1); }
')
echo "install-node-tools: ajv-cli, ajv, tree-sitter and tree-sitter-powershell are ready in $dir"
