#!/usr/bin/env bash
# Runs the real-cloud suite (test/real/*.real.ts) against the test cloud of
# test/cloud/cloud.sh: brings it up, runs mocha, always stops it again.
# Needs root and apt (cloud.sh install names and installs the Debian packages).
set -uo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "test-real: the real-cloud suite needs root and apt (Debian 12): it installs and runs" >&2
  echo "test-real: an OpenStack on 127.0.0.1 with test/cloud/cloud.sh ('cloud.sh install' names the packages)." >&2
  exit 1
fi

now() { date +%s; }
T0=$(now)
UP_S=- TESTS_S=- STOP_S=-
finish() {
  local rc=$?
  local t=$(now)
  bash test/cloud/cloud.sh stop || rc=1
  STOP_S=$(( $(now) - t ))
  echo "test-real: timings: up ${UP_S}s, tests ${TESTS_S}s, stop ${STOP_S}s, total $(( $(now) - T0 ))s (exit $rc)"
  exit "$rc"
}
trap finish EXIT

t=$(now)
if ! bash test/cloud/cloud.sh up; then
  UP_S=$(( $(now) - t ))
  echo "test-real: cloud.sh up failed" >&2
  exit 1
fi
UP_S=$(( $(now) - t ))
echo "test-real: cloud up in ${UP_S}s"

export OS_CLIENT_CONFIG_FILE="${OS_CLIENT_CONFIG_FILE:-/var/lib/vmha-testcloud/clouds.yaml}"
t=$(now)
npx mocha --no-config --import=tsx --timeout 300000 --exit 'test/real/*.real.ts'
MOCHA_RC=$?
TESTS_S=$(( $(now) - t ))
echo "test-real: tests took ${TESTS_S}s (mocha exit $MOCHA_RC)"
exit "$MOCHA_RC"
