# shellcheck shell=bash
# Shared by .ci/run and the .ci/install-*.sh scripts, which source it.

# apt_install PKG...: installs Debian packages without their recommends, as root or through sudo; nothing
# when no package is named.
apt_install() {
	[ $# -gt 0 ] || return 0
	local sudo=""
	[ "$(id -u)" = 0 ] || sudo="sudo"
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$@"
}

# npm_installed DIR NAME VERSION: is exactly that version of the package installed in DIR?
npm_installed() {
	local pj="$1/node_modules/$2/package.json"
	[ -f "$pj" ] && [ "$(node -p "require('$pj').version")" = "$3" ]
}

# npm_pins WHO DIR PIN...: installs the npm packages pinned as name@version into DIR, a private package that
# keeps them out of the repository and of any global prefix, unless exactly those versions are there; then
# checks each. Needs Node.js 20 or later. WHO names the calling script in messages.
npm_pins() {
	local who=$1 dir=$2 pin missing=0
	shift 2
	local major
	major=$(node -p 'process.versions.node.split(".")[0]')
	if [ "$major" -lt 20 ]; then
		echo "$who: Node.js $(node --version) is too old; the tests need Node.js 20 or later" >&2
		exit 1
	fi
	for pin in "$@"; do
		npm_installed "$dir" "${pin%@*}" "${pin##*@}" || missing=1
	done
	if [ "$missing" = 1 ]; then
		mkdir -p "$dir"
		printf '{"name":"ibcmc-%s","private":true}\n' "${who#install-}" >"$dir/package.json"
		npm install --prefix "$dir" --save-exact --no-audit --no-fund --loglevel=error "$@"
	fi
	for pin in "$@"; do
		if ! npm_installed "$dir" "${pin%@*}" "${pin##*@}"; then
			echo "$who: $pin did not install into $dir" >&2
			exit 1
		fi
	done
}
