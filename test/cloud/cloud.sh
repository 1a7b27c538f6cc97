#!/usr/bin/env bash
# vmha test cloud: a real OpenStack (Debian bookworm's Zed packages) on 127.0.0.1 only.
#
#   cloud.sh install   install the Debian packages (root + apt), no prompts, no daemons started
#   cloud.sh setup     first-time configuration (databases, keystone, catalog, schemas, seeds)
#   cloud.sh start     start every service on 127.0.0.1 and wait until all are ready
#   cloud.sh stop      stop exactly what start started (pid files / process groups)
#   cloud.sh status    show what runs
#   cloud.sh reset     stop and wipe the state (setup starts over)
#   cloud.sh env       print export lines for OS_CLIENT_CONFIG_FILE / OS_CLOUD
#   cloud.sh up        install + setup + start (each step idempotent)
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

usage() { sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; }

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
  up)      cmd_install; need_root setup; cmd_setup; cmd_start ;;
  -h|--help|help|"") usage ;;
  *) usage >&2; die "unknown command: $cmd" ;;
esac
