#!/usr/bin/env bash
# Installs what the build needs and is missing: Debian packages, then the npm
# packages pinned in js/package-lock.json. Idempotent; fast when all present.
#   .ci/deps.sh [--no-npm] DEBIAN-PACKAGE...   (--no-npm: no Node, no npm: make demo)
set -euo pipefail
npm=1
if [[ ${1:-} == --no-npm ]]; then npm=0; shift; fi
missing=()
for p in "$@"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
# Node may come from elsewhere (with its own npm); only install Debian's if absent.
if ((npm)); then
  command -v node >/dev/null 2>&1 || missing+=(nodejs)
  command -v npm >/dev/null 2>&1 || missing+=(npm)
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "deps: installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
((npm)) || exit 0
cd "$(dirname "$0")/../js"
if [ -f package-lock.json ] && { [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; }; then
  # `npm ci` rejects this lockfile on npm 11 (it lists platform-specific
  # optional packages it never recorded); `install --no-save` installs the
  # locked versions and leaves the lockfile as committed.
  echo "deps: npm install --no-save (js/, versions from package-lock.json)"
  npm install --no-save --no-audit --no-fund --loglevel=error
fi
