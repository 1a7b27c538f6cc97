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
RUN_DIR="${VMHA_CLOUD_STATE:-/var/lib/vmha-testcloud}/run"
# The process groups of the running test cloud (cloud.sh keeps one pid file per service).
cloud_pgids() { cat "$RUN_DIR"/*.pid 2>/dev/null | tr -d ' ' | sort -u; }
# Every socket a process of the test cloud listens on must be on loopback.
check_loopback() {
  local pgids=" $(cloud_pgids | tr '\n' ' ') " bad="" line addr lpid pg
  while read -r line; do
    addr=$(awk '{print $5}' <<<"$line")
    for lpid in $(grep -o 'pid=[0-9]*' <<<"$line" | cut -d= -f2 | sort -u); do
      pg=$(ps -o pgid= -p "$lpid" 2>/dev/null | tr -d ' ')
      if [[ "$pgids" == *" $pg "* ]] && ! [[ $addr =~ ^(127\.[0-9.]+|\[::1\]):[0-9]+$ ]]; then bad+="$addr "; fi
    done
  done < <(ss -Hltnup)
  if [ -n "$bad" ]; then echo "test-real: FAIL: the test cloud listens beyond loopback: $bad" >&2; return 1; fi
  echo "test-real: every listening socket of the test cloud is on loopback"
}
finish() {
  local rc=$?
  local t=$(now) pgids left pg
  pgids=$(cloud_pgids)
  [ -n "$pgids" ] && { check_loopback || rc=1; }
  bash test/cloud/cloud.sh stop || rc=1
  # Give exiting processes (a database flushing, an Erlang VM) a moment to be gone.
  for _ in $(seq 1 30); do
    left=""
    for pg in $pgids; do pgrep -g "$pg" >/dev/null 2>&1 && left+="$pg "; done
    [ -z "$left" ] && break
    sleep 1
  done
  if [ -n "$left" ]; then echo "test-real: FAIL: processes of the test cloud left in groups: $left" >&2; rc=1
  else echo "test-real: no process of the test cloud is left"; fi
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
