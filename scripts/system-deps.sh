#!/usr/bin/env bash
# Install the Debian packages chengguan needs outside the virtualenv.
#
#   scripts/system-deps.sh [--browser] [--pdf-tools] [--postgres] [--check]
#
#   --browser    chromium (Playwright browser tests drive /usr/bin/chromium; `playwright install` cannot
#                download a browser on the closed network) and fonts-wqy-microhei (Chinese in screenshots)
#   --pdf-tools  poppler-utils (tests read generated PDFs back with pdftotext / pdffonts) and
#                libharfbuzz-subset0: WeasyPrint subsets the embedded fonts with it in ~0.02 s per PDF;
#                without it WeasyPrint falls back to fontTools (~0.4 s per PDF, and deprecated)
#   --postgres   postgresql server (scripts/pg-throwaway.sh runs a throwaway cluster; PostGIS is not used)
#   --bench      wrk (the HTTP load generator of bench/bench_intake.py and friends)
#   --check      only report what is missing; exit 1 if anything is
#   no flag      same as --browser --pdf-tools
#
# The CJK fonts are vendored (src/chengguan/assets/fonts); the only run-time package is the optional,
# but ~10x faster, libharfbuzz-subset0.
# Idempotent: when everything asked for is present it never touches apt, so a second run is instant.
set -euo pipefail

want_browser=0 want_pdf=0 want_pg=0 want_bench=0 check_only=0
for arg in "$@"; do
  case "$arg" in
    --browser) want_browser=1 ;;
    --pdf-tools) want_pdf=1 ;;
    --postgres) want_pg=1 ;;
    --bench) want_bench=1 ;;
    --check) check_only=1 ;;
    -h|--help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "system-deps: unknown option: $arg (see --help)" >&2; exit 2 ;;
  esac
done
if (( want_browser + want_pdf + want_pg + want_bench == 0 )); then
  want_browser=1 want_pdf=1
fi

# True when the Debian package is installed (not merely known, half-removed or config-only).
pkg_installed() {
  [[ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null || true)" == "installed" ]]
}

missing=()
if (( want_browser )); then
  # The Debian wrapper lives at /usr/bin/chromium; Playwright is pointed at exactly that path.
  if ! [[ -x /usr/bin/chromium ]] || ! pkg_installed chromium; then missing+=(chromium); fi
  # A CJK font for the browser: without one, screenshots of the consoles show empty boxes for Chinese.
  pkg_installed fonts-wqy-microhei || missing+=(fonts-wqy-microhei)
fi
if (( want_pdf )); then
  if ! command -v pdftotext >/dev/null 2>&1 || ! command -v pdffonts >/dev/null 2>&1; then
    missing+=(poppler-utils)
  fi
  pkg_installed libharfbuzz-subset0 || missing+=(libharfbuzz-subset0)
fi
if (( want_pg )); then
  # Any installed major is fine: pg-throwaway.sh picks the newest /usr/lib/postgresql/*/bin/initdb.
  if ! compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null; then missing+=(postgresql); fi
fi
if (( want_bench )); then
  command -v wrk >/dev/null 2>&1 || missing+=(wrk)
fi

if (( ${#missing[@]} == 0 )); then
  echo "system-deps: everything requested is already installed"
  exit 0
fi
if (( check_only )); then
  echo "system-deps: missing Debian packages: ${missing[*]}"
  exit 1
fi

if [[ "$(id -u)" == 0 ]]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  as_root=(sudo -n)
else
  echo "system-deps: not root and no password-less sudo; please install as root:" >&2
  echo "  apt-get update && apt-get install -y --no-install-recommends ${missing[*]}" >&2
  exit 1
fi

echo "system-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -qq
# --no-install-recommends keeps chromium from pulling in desktop services the tests never use.
"${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"

# Verify instead of trusting apt's exit code alone.
for p in "${missing[@]}"; do
  if ! pkg_installed "$p"; then echo "system-deps: $p is still not installed" >&2; exit 1; fi
done
echo "system-deps: done"
