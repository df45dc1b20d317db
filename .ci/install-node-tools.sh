#!/usr/bin/env bash
# Installs the npm tools the tests check ibcmc's outputs with:
#   ajv-cli + ajv                          validate the JSON Schema and the examples against it (schema/jsonschema)
#   tree-sitter + tree-sitter-powershell   parse every emitted .ps1 (emit/firewall)
# into $IBCMC_NODE_TOOLS (default ~/.cache/ibcmc/node-tools), where the tests look for them. Versions are
# pinned; a rerun with everything in place does nothing. Needs Node.js 20 or later (installed from Debian
# when missing).
set -euo pipefail
# shellcheck source=.ci/lib.sh
. "$(dirname "$0")/lib.sh"

dir=${IBCMC_NODE_TOOLS:-$HOME/.cache/ibcmc/node-tools}
# name@version, one a line: the only place the versions are written.
pins=(
	ajv-cli@5.0.0
	ajv@8.20.0
	tree-sitter@0.25.1
	tree-sitter-powershell@0.26.4
)

need=()
command -v node >/dev/null 2>&1 || need+=(nodejs)
command -v npm >/dev/null 2>&1 || need+=(npm)
apt_install "${need[@]}"
# tree-sitter and tree-sitter-powershell ship prebuilt native bindings for linux-x64; node-gyp-build loads
# them at run time.
npm_pins install-node-tools "$dir" "${pins[@]}"

# Fail here, not in a test, when a tool does not load.
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
