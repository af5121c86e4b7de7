#!/usr/bin/env bash
# Install what the real-browser test of the web page (pytest -m browser, tests/test_serve_browser.py) needs on
# Debian 12 (bookworm), as root: Debian's chromium and its matching chromium-driver (Selenium drives it; no
# browser is downloaded at run time).
#
# Idempotent like lo-install.sh: when both packages are installed it only checks them and exits, without touching
# the network; --force runs apt-get update + install anyway.
set -euo pipefail

PACKAGES=(chromium chromium-driver fonts-noto-cjk)

if [[ "${EUID}" -ne 0 ]]; then
    echo "browser-install.sh: run as root (apt-get needs it)" >&2
    exit 1
fi
if ! command -v apt-get >/dev/null; then
    echo "browser-install.sh: apt-get not found; this script is for Debian 12 / Ubuntu" >&2
    exit 1
fi

missing=()
for package in "${PACKAGES[@]}"; do
    status="$(dpkg-query -W -f='${db:Status-Status}' "${package}" 2>/dev/null || true)"
    if [[ "${status}" != "installed" ]]; then
        missing+=("${package}")
    fi
done

if [[ ${#missing[@]} -eq 0 && "${1:-}" != "--force" ]]; then
    echo "browser-install.sh: already installed: ${PACKAGES[*]}"
else
    echo "browser-install.sh: installing ${missing[*]:-${PACKAGES[*]}}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get install -y -q --no-install-recommends -o Dpkg::Use-Pty=0 "${PACKAGES[@]}"
fi

# what the test relies on, so a broken install fails here and not as a skipped test
chromium --version 2>/dev/null | sed -n 1p
chromedriver --version | sed -n 1p
