#!/usr/bin/env bash
# Installs Debian's prometheus and chromium (headless) for the operator tests: the dashboard's
# PromQL queries run against a real Prometheus, the status page is loaded in a real browser.
# Idempotent; needs apt (root, or sudo). The tests fail with a clear reason when these are missing.
set -euo pipefail
need=()
command -v prometheus >/dev/null 2>&1 || [ -x /usr/bin/prometheus ] || need+=(prometheus)
[ -x /usr/bin/chromium ] || need+=(chromium)
if [ ${#need[@]} -eq 0 ]; then echo "operator tools: prometheus and chromium already installed"; exit 0; fi
if ! command -v apt-get >/dev/null 2>&1; then echo "operator tools: no apt-get to install ${need[*]}" >&2; exit 1; fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "operator tools: not root and no sudo to install ${need[*]}" >&2; exit 1; }
  sudo="sudo -n"
fi
export DEBIAN_FRONTEND=noninteractive
# a package's postinst must not start services (prometheus would take port 9090)
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' | $sudo tee /usr/sbin/policy-rc.d >/dev/null && $sudo chmod +x /usr/sbin/policy-rc.d && added_policy=1
fi
$sudo apt-get update -qq || true
$sudo apt-get install -y -qq --no-install-recommends "${need[@]}" fonts-dejavu-core >/dev/null
[ "${added_policy:-0}" = 1 ] && $sudo rm -f /usr/sbin/policy-rc.d
echo "operator tools: installed ${need[*]}"
