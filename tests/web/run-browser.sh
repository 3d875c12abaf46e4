#!/usr/bin/env bash
# run-browser.sh ENGINE: runs tests/web/browser.test.mjs on one engine
# (chromium, firefox, webkit) so that every browser process dies with it, on
# success, failure or timeout. `timeout` makes its own process group and
# signals all of it on expiry; where the kernel allows (root) the test also
# gets a PID namespace, so the kernel kills every process in it, browsers
# that made groups of their own included, as soon as the test ends. The trap
# passes an interruption of this script on to that group. One browser suite
# runs at a time (a lock), even under make -j: their timing checks need the
# CPU they measure.
set -u
engine=${1:?usage: tests/web/run-browser.sh chromium|firefox|webkit}
cd "$(dirname "$0")/../.."
limit=${BROWSER_TEST_TIMEOUT:-300}
mkdir -p build/web
exec 9> build/web/.browser-suite.lock
flock 9

isolate=()
if unshare --pid --fork --kill-child true 2>/dev/null; then
  isolate=(unshare --pid --fork --kill-child --)
fi
timeout -k 5 "$limit" "${isolate[@]}" node tests/web/browser.test.mjs "$engine" &
pid=$!
trap 'kill -TERM $pid 2>/dev/null' EXIT
trap 'exit 130' INT TERM
wait $pid
rc=$?
if [[ $rc -eq 124 || $rc -eq 137 ]]; then
  echo "web-$engine: timed out after ${limit} s"
  echo "web-$engine: 0 passed, 1 failed"
fi
exit $rc
