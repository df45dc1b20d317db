#!/usr/bin/env bash
# Installs zsh and fish from Debian: cmd/ibcmc's completion tests load `ibcmc completion zsh` and
# `ibcmc completion fish` into them (bash is always there). Idempotent.
set -euo pipefail

need=()
command -v zsh >/dev/null 2>&1 || need+=(zsh)
command -v fish >/dev/null 2>&1 || need+=(fish)
if [ ${#need[@]} -gt 0 ]; then
	sudo=""
	[ "$(id -u)" = 0 ] || sudo="sudo"
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}"
fi
zsh --version
fish --version
