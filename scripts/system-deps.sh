#!/usr/bin/env bash
# Install the Debian packages eoffice needs, once: quiet when nothing is missing.
#   scripts/system-deps.sh run    OCR (Tesseract with Hindi), Hindi PDFs (Pango, HarfBuzz, fonts),
#                                 ICU for PyICU (ISCII and other legacy encodings of emailed Hindi)
#   scripts/system-deps.sh test   the same, Debian's Chromium for the browser tests, nginx and
#                                 poppler-utils (pdftotext, pdfsig: checking our PDFs as others read them)
#                                 (the shipped site is tested in front of gunicorn), and a Java
#                                 runtime for the Nu HTML Checker (scripts/vnu.py), and Dovecot
#                                 (the mailroom's tests start it unprivileged on a local port),
#                                 and zbarimg (the tests read the QR codes of printed labels),
#                                 and Debian's PostgreSQL server with pgBackRest, Patroni and etcd
#                                 (the PITR and failover drills run clusters of their own; the
#                                 Debian services are not used)
#   scripts/system-deps.sh bench  the same as test, and wrk for the server benchmark
# As root it runs apt-get; otherwise sudo (asking for a password only on a terminal). When
# neither works it names the packages and how to install them, and fails.
set -euo pipefail

what="${1:-run}"
pkgs=(tesseract-ocr tesseract-ocr-hin tesseract-ocr-eng
      libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-core fonts-lohit-deva
      libicu-dev pkg-config)
case "$what" in
  run) ;;
  test) pkgs+=(chromium nginx poppler-utils default-jre-headless:java dovecot-imapd zbar-tools
              postgresql pgbackrest patroni etcd-server) ;;
  bench) pkgs+=(chromium nginx poppler-utils wrk) ;;
  *) echo "usage: $0 run|test|bench" >&2; exit 2 ;;
esac

if ! command -v dpkg-query >/dev/null 2>&1; then
  echo "system-deps: not a Debian/Ubuntu system; install these yourself: ${pkgs[*]}" >&2
  exit 0
fi

missing=()
for entry in "${pkgs[@]}"; do
  p="${entry%%:*}"
  # "package:command": any installed command of that name will do (a Java already there)
  if [ "$entry" != "$p" ] && command -v "${entry#*:}" >/dev/null 2>&1; then continue; fi
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [ "$status" = "install ok installed" ] || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "system-deps: installing ${missing[*]}"
if [ "$(id -u)" = 0 ]; then
  sudo=()
elif command -v sudo >/dev/null 2>&1 && { sudo -n true 2>/dev/null || [ -t 0 ]; }; then
  sudo=(sudo)
else
  echo "system-deps: these Debian packages are missing: ${missing[*]}" >&2
  echo "system-deps: install them as root:  apt-get install ${missing[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "system-deps: done"
