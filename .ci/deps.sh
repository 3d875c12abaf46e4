#!/usr/bin/env bash
# Installs what the build needs and is missing: Debian packages, then the npm
# packages pinned in js/package-lock.json. Idempotent; fast when all present.
#   .ci/deps.sh [--no-npm] DEBIAN-PACKAGE...   (--no-npm: no Node, no npm: make demo)
#   .ci/deps.sh --check DEBIAN-PACKAGE...      install nothing: name what is
#       missing and the command that installs it, exit 1 (compile rules use it)
set -euo pipefail
npm=1 check=0
if [[ ${1:-} == --check ]]; then check=1 npm=0; shift; fi
if [[ ${1:-} == --no-npm ]]; then npm=0; shift; fi
missing=()
if ((check)) && ! command -v dpkg >/dev/null 2>&1; then
  exit 0 # not Debian: the compiler names what it cannot find
fi
for p in "$@"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if ((check)); then
  ((${#missing[@]} == 0)) && exit 0
  echo "wasyncio: missing build dependencies: ${missing[*]}" >&2
  echo "wasyncio: run 'make deps' (everything) or 'make deps-demo' (the native library) first;" \
       "compiling installs nothing" >&2
  exit 1
fi
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
