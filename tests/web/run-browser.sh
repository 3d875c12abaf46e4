#!/usr/bin/env bash
# run-browser.sh ENGINE: runs tests/web/browser.test.mjs on one engine
# (chromium, firefox, webkit) so that every browser process dies with it, on
# success, failure or timeout. The test is a helper of tests/procs.sh (its
# own process group, killed when this script ends) under `timeout`; where
# the kernel allows (root) it also gets a PID namespace, so the kernel kills
# every process in it as soon as the test ends, browsers that made process
# groups of their own included. One browser suite runs at a time (a lock),
# even under make -j: their timing checks need the CPU they measure.
set -u
engine=${1:?usage: tests/web/run-browser.sh chromium|firefox|webkit}
cd "$(dirname "$0")/../.."
source tests/procs.sh
limit=${BROWSER_TEST_TIMEOUT:-300}
mkdir -p build/web
exec 9> build/web/.browser-suite.lock
flock 9

isolate=()
if unshare --pid --fork --kill-child true 2>/dev/null; then
  isolate=(unshare --pid --fork --kill-child --)
fi
procs_start timeout -k 5 "$limit" "${isolate[@]}" node tests/web/browser.test.mjs "$engine"
wait "$procs_last"
rc=$?
if [[ $rc -eq 124 || $rc -eq 137 ]]; then
  echo "web-$engine: timed out after ${limit} s"
  echo "web-$engine: 0 passed, 1 failed"
fi
exit $rc
