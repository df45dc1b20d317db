#!/usr/bin/env bash
# Installs mermaid-cli (npm @mermaid-js/mermaid-cli, the `mmdc` renderer) with Debian's chromium, for the test
# that renders every report's diagram and checks that no edge runs through a node it does not touch
# (emit/report/diagram_render_test.go). mermaid-cli goes into $IBCMC_MERMAID (default ~/.cache/ibcmc/mermaid),
# where the test looks for it, with a puppeteer-config.json that points puppeteer at /usr/bin/chromium.
# Versions are pinned; a rerun with everything in place does nothing. Needs Node.js 20 or later (installed
# from Debian when missing).
set -euo pipefail
# shellcheck source=.ci/lib.sh
. "$(dirname "$0")/lib.sh"

dir=${IBCMC_MERMAID:-$HOME/.cache/ibcmc/mermaid}
# name@version, one a line: the only place the versions are written. mermaid is pinned beside mermaid-cli so
# the layout the test checks does not move under it; puppeteer 24 is the last line that runs on Node.js 20.
pins=(
	@mermaid-js/mermaid-cli@11.17.0
	mermaid@11.17.2
	puppeteer@24.43.1
)

need=()
command -v node >/dev/null 2>&1 || need+=(nodejs)
command -v npm >/dev/null 2>&1 || need+=(npm)
[ -x /usr/bin/chromium ] || need+=(chromium)
# Labels are measured in the browser: without a font every label has the same width and the layout differs.
fc-list 2>/dev/null | grep -q . || need+=(fonts-dejavu-core)
apt_install "${need[@]}"
# Puppeteer would download its own Chrome; the Debian chromium is used instead.
PUPPETEER_SKIP_DOWNLOAD=1 npm_pins install-mermaid "$dir" "${pins[@]}"
# mermaid-cli must render with the pinned mermaid, not a copy of its own.
nested="$dir/node_modules/@mermaid-js/mermaid-cli/node_modules/mermaid"
if [ -e "$nested" ]; then
	echo "install-mermaid: mermaid-cli carries its own mermaid ($nested), not the pinned one" >&2
	exit 1
fi

# Chromium runs as root in CI containers, where its sandbox cannot start.
printf '{"executablePath": "/usr/bin/chromium", "args": ["--no-sandbox"]}\n' >"$dir/puppeteer-config.json"

# Fail here, not in a test, when the renderer does not run.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf 'flowchart LR\n  a --> b\n' >"$tmp/probe.mmd"
if ! "$dir/node_modules/.bin/mmdc" --quiet -p "$dir/puppeteer-config.json" -i "$tmp/probe.mmd" -o "$tmp/probe.svg" ||
	! grep -q '<svg' "$tmp/probe.svg"; then
	echo "install-mermaid: mmdc in $dir does not render a diagram with /usr/bin/chromium" >&2
	exit 1
fi
echo "install-mermaid: mermaid-cli $(node -p "require('$dir/node_modules/@mermaid-js/mermaid-cli/package.json').version") (mermaid ${pins[1]##*@}) is ready in $dir"
