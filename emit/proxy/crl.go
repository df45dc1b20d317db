package proxy

import (
	"fmt"
	"strings"

	"github.com/ibcmc/ibcmc/emit"
	"github.com/ibcmc/ibcmc/internal/escape"
	"github.com/ibcmc/ibcmc/plan"
)

// Environment variables of refresh-crl.sh; the defaults suit the Debian 12 packages under systemd.
const (
	EnvCheck  = "IBCMC_PROXY_CHECK"  // the configuration check run with the new CRLs in place
	EnvReload = "IBCMC_PROXY_RELOAD" // the reload run after a change passed the check
)

// checkCommand and reloadCommand are the defaults of EnvCheck and EnvReload for a product.
func checkCommand(product plan.PublishingProduct) string {
	if product == plan.PublishingHAProxy {
		return "haproxy -c -q -f /etc/haproxy/haproxy.cfg"
	}
	return "nginx -t -q"
}

func reloadCommand(product plan.PublishingProduct) string {
	return "systemctl reload " + string(product)
}

// readsCRL reports whether an entry's config reads the CRL file: bridging with revocation checking and at
// least one TLS route (the FSP alone is plain HTTP).
func readsCRL(p *plan.Plan, routes []*plan.ProxyRoute) bool {
	if !p.Site.Communication.CheckCRL {
		return false
	}
	for _, r := range routes {
		if r.BackendTLS {
			return true
		}
	}
	return false
}

// shWords quotes design values for sh while a text is composed and keeps the first value it had to refuse,
// which fails the artifact once the text is done.
type shWords struct{ err error }

func (w *shWords) quote(s string) string {
	v, err := escape.Sh(s)
	if err != nil && w.err == nil {
		w.err = err
	}
	return v
}

// crlSource is one authority of the client certificate chain and the HTTP URLs its CRL is published at.
type crlSource struct {
	name string
	urls []string
}

func crlSources(p *plan.Plan) []crlSource {
	var out []crlSource
	for _, a := range p.ClientChain() {
		// The name only labels messages, so a line break in it becomes a space rather than failing the build.
		out = append(out, crlSource{name: escape.OneLine(a.Name), urls: a.CRL.HTTP})
	}
	return out
}

// refreshCRLScript writes proxy/<name>/refresh-crl.sh: it rebuilds the CRL file the config reads from the
// CDPs of the client certificate chain and reloads the proxy only when the content changed. nginx and
// HAProxy read the file at start and reload only, and refuse every client once a CRL in it expires, so a
// file that is stale, incomplete or not signed by the chain is never installed.
func refreshCRLScript(p *plan.Plan, o emit.Options, pub *plan.Publishing) (string, error) {
	var words shWords
	q := words.quote
	var b strings.Builder
	b.WriteString("#!/bin/sh\n")
	b.WriteString(emit.Provenance(emit.Hash, p, o))
	b.WriteString(wrap("", fmt.Sprintf("Refreshes %s, the CRLs proxy %s (%s) checks client and site system certificates against, from the HTTP CRL distribution points of the client certificate chain. "+
		"Each CRL must be signed by a CA of %s and valid past now; on any failure the file is left as it was and the script exits non-zero, because a stale or missing CRL makes the proxy refuse every client. "+
		"A changed file is swapped in atomically, checked with the proxy's configuration check, and the proxy reloaded; an unchanged file reloads nothing.",
		certFile(o, CRLChainFile), pub.Name, pub.Product, certFile(o, CAChainFile)), 100))
	b.WriteString(wrap("", "Run it as root once before the proxy starts, then from cron more often than the CAs publish (hourly); README.md next to it says how.", 100))
	b.WriteString(wrap("", fmt.Sprintf("Environment: %s is the configuration check (default: %s); %s the reload (default: %s). curl or wget fetches; http_proxy is honoured.",
		EnvCheck, checkCommand(pub.Product), EnvReload, reloadCommand(pub.Product)), 100))
	b.WriteString("set -u\numask 022\n\n")
	fmt.Fprintf(&b, "cert_dir=%s\n", q(certDir(o)))
	fmt.Fprintf(&b, "chain=%s\n", q(certFile(o, CAChainFile)))
	fmt.Fprintf(&b, "target=%s\n", q(certFile(o, CRLChainFile)))
	fmt.Fprintf(&b, "check_cmd=${%s-%s}\n", EnvCheck, q(checkCommand(pub.Product)))
	fmt.Fprintf(&b, "reload_cmd=${%s-%s}\n", EnvReload, q(reloadCommand(pub.Product)))
	b.WriteString(crlScriptBody)
	b.WriteString("\n# One CRL per CA of the client certificate chain, issuing CA first; each is tried at its URLs in order.\n")
	for _, s := range crlSources(p) {
		if len(s.urls) == 0 {
			fmt.Fprintf(&b, "fail %s\n", q(fmt.Sprintf("authority %s publishes no HTTP CRL (pki.authorities.%s.crl.http); the proxy needs its CRL and cannot fetch it", s.name, s.name)))
			continue
		}
		fmt.Fprintf(&b, "get_crl %s", q(s.name))
		for _, u := range s.urls {
			fmt.Fprintf(&b, " \\\n\t%s", q(u))
		}
		b.WriteString("\n")
	}
	b.WriteString(crlScriptInstall)
	if words.err != nil {
		return "", words.err
	}
	return b.String(), nil
}

// crlScriptBody is the part of refresh-crl.sh that depends on nothing in the design.
//
// openssl crl -CAfile exits 0 even when the signature does not verify (OpenSSL 3.0 prints "verify failure"),
// so the script requires the exact "verify OK" line. nextUpdate is compared as YYYYMMDDhhmmss numbers, which
// needs no GNU date.
const crlScriptBody = `
pending="$target.reload-pending"
log() { printf 'refresh-crl: %s\n' "$*" >&2; }
fail() {
	log "$*"
	log "$target was not changed"
	exit 1
}

command -v openssl >/dev/null 2>&1 || fail "openssl is not installed"
[ -r "$chain" ] || fail "cannot read the CA chain $chain"
work="$cert_dir/.refresh-crl.$$"
mkdir -m 700 "$work" || fail "cannot create $work"
trap 'rm -rf "$work"' EXIT
trap 'exit 1' HUP INT TERM
: >"$work/new"
now=$(date -u +%Y%m%d%H%M%S)

fetch() {
	if command -v curl >/dev/null 2>&1; then
		curl -fsSg --max-time 60 -o "$2" "$1"
	elif command -v wget >/dev/null 2>&1; then
		wget -q -T 60 -O "$2" "$1"
	else
		log "neither curl nor wget is installed"
		return 1
	fi
}

# stamp turns OpenSSL's "Nov 30 06:00:00 2027 GMT" into 20271130060000.
stamp() {
	set -f
	# shellcheck disable=SC2086
	set -- $1
	set +f
	[ $# -eq 5 ] && [ "$5" = GMT ] || return 1
	case $1 in
	Jan) m=01 ;; Feb) m=02 ;; Mar) m=03 ;; Apr) m=04 ;; May) m=05 ;; Jun) m=06 ;;
	Jul) m=07 ;; Aug) m=08 ;; Sep) m=09 ;; Oct) m=10 ;; Nov) m=11 ;; Dec) m=12 ;;
	*) return 1 ;;
	esac
	case $2 in ?) d=0$2 ;; ??) d=$2 ;; *) return 1 ;; esac
	case $3 in ??:??:??) ;; *) return 1 ;; esac
	printf '%s%s%s%s\n' "$4" "$m" "$d" "$(printf '%s' "$3" | tr -d :)"
}

# get_crl NAME URL...: appends NAME's CRL, in PEM, to the new file from the first URL whose CRL verifies.
get_crl() {
	name=$1
	shift
	for url in "$@"; do
		rm -f "$work/raw" "$work/crl"
		if ! fetch "$url" "$work/raw"; then
			log "$name: cannot fetch $url"
			continue
		fi
		if ! openssl crl -inform DER -in "$work/raw" -out "$work/crl" 2>/dev/null &&
			! openssl crl -inform PEM -in "$work/raw" -out "$work/crl" 2>/dev/null; then
			log "$name: $url is not a CRL"
			continue
		fi
		verified=$(openssl crl -in "$work/crl" -noout -CAfile "$chain" 2>&1)
		if [ "$verified" != "verify OK" ]; then
			log "$name: the CRL at $url is not signed by a CA of $chain: $verified"
			continue
		fi
		next=$(openssl crl -in "$work/crl" -noout -nextupdate 2>/dev/null)
		next=${next#nextUpdate=}
		if ! expires=$(stamp "$next"); then
			log "$name: the CRL at $url has no usable nextUpdate ($next)"
			continue
		fi
		if [ "$expires" -le "$now" ]; then
			log "$name: the CRL at $url expired at $next"
			continue
		fi
		cat "$work/crl" >>"$work/new" || fail "cannot write $work/new"
		return 0
	done
	fail "$name: no valid CRL at any of its distribution points"
}
`

// crlScriptInstall swaps the new file in and reloads. The configuration check reads the file at its real
// path, so the new file goes in first and the old one comes back if the check fails. A reload that fails
// leaves a marker, so the next run reloads even when the CRLs have not changed since.
const crlScriptInstall = `
if [ -f "$target" ] && cmp -s "$work/new" "$target"; then
	[ -e "$pending" ] || exit 0
	log "CRLs unchanged; reloading, as the last reload failed"
	if ! sh -c "$check_cmd"; then
		log "the configuration check ($check_cmd) failed; not reloading"
		exit 1
	fi
else
	tmp="$cert_dir/.crl-chain.$$"
	cp "$work/new" "$tmp" || fail "cannot write $tmp"
	if [ -f "$target" ]; then
		cp -p "$target" "$work/old" || fail "cannot keep a copy of $target"
	fi
	mv -f "$tmp" "$target" || fail "cannot replace $target"
	if ! sh -c "$check_cmd"; then
		if [ -f "$work/old" ]; then
			cp -p "$work/old" "$tmp" && mv -f "$tmp" "$target"
		else
			rm -f "$target"
		fi
		fail "the configuration check ($check_cmd) failed with the new CRLs"
	fi
	: >"$pending"
	log "CRLs updated"
fi
if ! sh -c "$reload_cmd"; then
	log "reload ($reload_cmd) failed; the new CRLs are in place and the next run reloads again"
	exit 1
fi
rm -f "$pending"
log "proxy reloaded"
`
