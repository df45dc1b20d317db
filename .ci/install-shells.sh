#!/usr/bin/env bash
# Installs zsh and fish from Debian: cmd/ibcmc's completion tests load `ibcmc completion zsh` and
# `ibcmc completion fish` into them (bash is always there). Idempotent.
set -euo pipefail
# shellcheck source=.ci/lib.sh
. "$(dirname "$0")/lib.sh"

need=()
command -v zsh >/dev/null 2>&1 || need+=(zsh)
command -v fish >/dev/null 2>&1 || need+=(fish)
apt_install "${need[@]}"
zsh --version
fish --version
