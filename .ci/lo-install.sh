#!/usr/bin/env bash
# Install every Debian package the tests need on Debian 12 (bookworm), as root: headless LibreOffice for the
# real-spreadsheet tests (pytest -m libreoffice) and Debian's chromium for the real-browser test of the web page
# (pytest -m browser).  One list, one script: the README's test command runs it.
#
# Idempotent: when every package is already installed it only checks them and exits, without touching the
# network (no apt-get update), so it is cheap to call at the start of every CI job.  --force reinstalls nothing
# but runs apt-get update + install anyway (to pick up security updates).
#
#   libreoffice-calc-nogui  headless Calc (no X11/GTK dependencies)
#   libreoffice-writer-nogui  headless Writer: `export --to pdf` converts the docx (Calc alone cannot open it)
#   python3-uno             the Python-UNO bridge; it belongs to Debian's python3 (3.11 on bookworm), so the
#                           tests must run under a Python 3.11 (juesuan_xlsx.libreoffice checks and says so)
#   fonts-noto-cjk          Chinese glyphs in PDF/PNG exports (otherwise empty boxes)
#   poppler-utils           pdftoppm, for PNG pictures of exported pages
#   chromium, chromium-driver  the browser Selenium drives in tests/test_serve_browser.py (Debian's own, matched
#                           to each other; nothing is downloaded at run time)
#
# --no-install-recommends keeps the install to what is needed; the tests pass on such an install.
set -euo pipefail

PACKAGES=(libreoffice-calc-nogui libreoffice-writer-nogui python3-uno fonts-noto-cjk poppler-utils
          chromium chromium-driver)

if [[ "${EUID}" -ne 0 ]]; then
    echo "lo-install.sh: run as root (apt-get needs it)" >&2
    exit 1
fi
if ! command -v apt-get >/dev/null; then
    echo "lo-install.sh: apt-get not found; this script is for Debian 12 / Ubuntu" >&2
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
    echo "lo-install.sh: already installed: ${PACKAGES[*]}"
else
    echo "lo-install.sh: installing ${missing[*]:-${PACKAGES[*]}}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get install -y -q --no-install-recommends -o Dpkg::Use-Pty=0 "${PACKAGES[@]}"
fi

# Verify what the tests rely on, so a broken install fails here and not as a skipped test.
# /usr/bin/python3 explicitly: a pyenv or virtualenv python3 earlier in PATH cannot import uno on its own.
soffice --version
pdftoppm -v 2>&1 | sed -n 1p  # sed, not head: head would close the pipe and pipefail would see SIGPIPE
/usr/bin/python3 -c 'import sys, uno; print("uno OK for Debian python", sys.version.split()[0])'
chromium --version 2>/dev/null | sed -n 1p
chromedriver --version | sed -n 1p
