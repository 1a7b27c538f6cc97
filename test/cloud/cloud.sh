#!/usr/bin/env bash
# vmha test cloud: a real OpenStack (Debian bookworm's Zed packages) on 127.0.0.1 only.
#
#   cloud.sh install        install the Debian packages (root + apt), no prompts, no daemons started
#   cloud.sh setup          first-time configuration (databases, keystone, catalog, schemas, seeds);
#                           leaves the cloud running
#   cloud.sh start          start every service on 127.0.0.1 and wait until all are ready
#   cloud.sh start NAME...  start single stopped services (e.g. compute-1) and wait for them;
#                           a disabled/forced-down compute is re-enabled, unless
#                           --keep-disabled comes first (then only its heartbeat is awaited)
#   cloud.sh stop [NAME...] stop exactly what start started (pid files / process groups)
#   cloud.sh kill NAME...   SIGKILL single services (simulate a crash, e.g. compute-2)
#   cloud.sh status         show what runs (exit 0 only if everything runs)
#   cloud.sh reset          stop and wipe the state (setup starts over)
#   cloud.sh env [CLOUD]    print export lines for OS_CLIENT_CONFIG_FILE / OS_CLOUD
#   cloud.sh up             install + setup (if not done) + start; each step idempotent
#   cloud.sh smoke          check the running cloud end to end (see lib/smoke.sh)
#
# See docs/test-cloud.md.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib/common.sh
. "$here/lib/common.sh"
# shellcheck source=lib/install.sh
. "$here/lib/install.sh"
# shellcheck source=lib/services.sh
. "$here/lib/services.sh"
# shellcheck source=lib/setup.sh
. "$here/lib/setup.sh"

usage() { sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; }

cmd=${1:-}
[ $# -gt 0 ] && shift
case "$cmd" in
  install) cmd_install "$@" ;;
  setup)   need_root setup; cmd_setup "$@" ;;
  start)   need_root start; cmd_start "$@" ;;
  stop)    need_root stop; cmd_stop "$@" ;;
  status)  cmd_status "$@" ;;
  reset)   need_root reset; cmd_reset "$@" ;;
  env)     cmd_env "$@" ;;
  kill)    need_root kill; cmd_kill "$@" ;;
  up)      cmd_install; need_root setup
           if [ -f "$STATE/setup.done" ]; then cmd_start; else cmd_setup; fi ;;
  smoke)   need_root smoke; . "$here/lib/smoke.sh"; cmd_smoke "$@" ;;
  -h|--help|help|"") usage ;;
  *) usage >&2; die "unknown command: $cmd" ;;
esac
