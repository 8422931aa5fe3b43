#!/usr/bin/env bash
# Install the system packages reportgen needs, when they are missing.
#
#   scripts/system-deps.sh build   what `reportgen build` needs
#   scripts/system-deps.sh test    that, plus what the test suite needs
#
# Uses apt-get only when a package is missing and apt-get can run (root, or sudo
# without a password); otherwise prints the exact command to run and fails.
set -euo pipefail

profile=${1:-build}

# WeasyPrint's libraries; libharfbuzz-subset0 makes font subsetting ~10x faster than
# WeasyPrint's silent fontTools fallback. fonts-noto-cjk ships static .ttc fonts, which
# lay out ~4x faster than the variable Noto Sans SC .ttf on PyPI (see README).
# fonts-noto-core: Noto Sans, the Latin face of Latin text (its quotes and dashes are Latin).
build_pkgs=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fontconfig fonts-noto-cjk fonts-noto-core)
# pdftotext/pdffonts/pdftoppm and qpdf check the PDFs; Chromium, a Java runtime and
# Node.js run the HTML edition through a real browser, axe-core and the Nu Html Checker.
# libatomic1: the Node.js binary inside Playwright's Python driver links against it, and a
# minimal Debian does not have it (ldd .venv/lib/python3*/site-packages/playwright/driver/node).
test_pkgs=(poppler-utils qpdf chromium default-jre-headless libatomic1)

pkgs=("${build_pkgs[@]}")
[ "$profile" = test ] && pkgs+=("${test_pkgs[@]}")

missing=()
for p in "${pkgs[@]}"; do
    status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
    [ "$status" = "install ok installed" ] || missing+=("$p")
done
# Node.js may come from elsewhere than Debian; only the commands matter.
if [ "$profile" = test ] && ! { command -v node && command -v npm; } >/dev/null 2>&1; then
    missing+=(nodejs npm)
fi

[ ${#missing[@]} -eq 0 ] && exit 0

if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
    echo "reportgen needs these Debian/Ubuntu packages (or your system's equivalents): ${missing[*]}" >&2
    exit 1
fi

sudo=()
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        sudo=(sudo -n)
    else
        echo "Missing system packages: ${missing[*]}" >&2
        echo "Install them with:  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
        exit 1
    fi
fi

echo "Installing system packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
