# shellcheck shell=bash
# Process management for the vmha test cloud: start / stop / status / env.
#
# Every service runs in its own session and process group (setsid), with its
# pid (= process-group id) in $RUN/<name>.pid and its output in $LOGS/<name>.log.
# stop signals exactly those process groups, nothing found by name.

INFRA_SERVICES=(mariadb epmd rabbitmq)
API_SERVICES=(keystone glance-api placement-api neutron-server nova-api gnocchi-api aodh-api)
WORKER_SERVICES=(nova-conductor nova-scheduler gnocchi-metricd aodh-evaluator aodh-notifier)
# aodh-listener only serves event alarms, fed by notifications that nothing
# here sends: off unless VMHA_CLOUD_AODH_LISTENER=1.
if [ "${VMHA_CLOUD_AODH_LISTENER:-0}" = 1 ]; then WORKER_SERVICES+=(aodh-listener); fi
COMPUTE_SERVICES=("${COMPUTE_HOSTS[@]}")
STOP_GRACE=${VMHA_CLOUD_STOP_GRACE:-20}
START_TIMEOUT=${VMHA_CLOUD_START_TIMEOUT:-240}

all_services() {
  printf '%s\n' "${INFRA_SERVICES[@]}" "${API_SERVICES[@]}" "${WORKER_SERVICES[@]}" "${COMPUTE_SERVICES[@]}"
}

uwsgi_ini() { echo "$GEN/uwsgi/$1.ini"; }

# Sets CMD=(...) for a service.
service_cmd() {
  local name=$1
  case "$name" in
    mariadb)        CMD=(/usr/sbin/mariadbd "--defaults-file=$GEN/mysql/my.cnf") ;;
    epmd)           CMD=(env ERL_EPMD_ADDRESS=127.0.0.1 /usr/bin/epmd -address 127.0.0.1 -port "$PORT_EPMD") ;;
    rabbitmq)       CMD=(env "${RABBIT_ENV[@]}" /usr/lib/rabbitmq/bin/rabbitmq-server) ;;
    keystone|placement-api|nova-api|gnocchi-api|aodh-api)
                    CMD=(/usr/bin/uwsgi --ini "$(uwsgi_ini "$name")") ;;
    glance-api)     CMD=(/usr/bin/glance-api --config-file /etc/glance/glance-api.conf) ;;
    neutron-server) CMD=(/usr/bin/neutron-server --config-file /etc/neutron/neutron.conf
                         --config-file /etc/neutron/plugins/ml2/ml2_conf.ini) ;;
    nova-conductor|nova-scheduler)
                    CMD=("/usr/bin/$name" --config-file /etc/nova/nova.conf) ;;
    gnocchi-metricd) CMD=(/usr/bin/gnocchi-metricd --config-file /etc/gnocchi/gnocchi.conf) ;;
    aodh-evaluator|aodh-notifier|aodh-listener)
                    CMD=("/usr/bin/$name" --config-file /etc/aodh/aodh.conf) ;;
    compute-*)
      # Debian's nova-compute package pulls in libvirt/QEMU: run the installed
      # Nova code's compute entry point with the fake driver instead.
      CMD=("$PY" -c 'import sys; sys.argv[0] = "nova-compute"; from nova.cmd.compute import main; sys.exit(main())'
           --config-file /etc/nova/nova.conf --config-file "$GEN/nova/$name.conf") ;;
    *) die "unknown service: $name" ;;
  esac
}

RABBIT_ENV=(
  "RABBITMQ_CONF_ENV_FILE=$GEN/rabbitmq/rabbitmq-env.conf"
  "HOME=$STATE/rabbitmq"
  "ERL_EPMD_ADDRESS=127.0.0.1"
  "ERL_EPMD_PORT=$PORT_EPMD"
)
rabbitmqctl() { env "${RABBIT_ENV[@]}" /usr/lib/rabbitmq/bin/rabbitmqctl -n rabbit@localhost "$@"; }
mysql_root() { /usr/bin/mariadb "--defaults-file=$GEN/mysql/my.cnf" "$@"; }

pid_of() {
  local f=$RUN/$1.pid pid
  [ -s "$f" ] || return 1
  pid=$(cat "$f")
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  echo "$pid"
}

# Is any process of the service's process group alive?  Zombies do not count:
# an exited leader is reaped by init, which may take a while.
group_alive() { ps -o stat= -g "$1" 2>/dev/null | grep -q '^[^Z]'; }

is_running() {
  local pid
  pid=$(pid_of "$1") || return 1
  group_alive "$pid"
}

spawn() {
  local name=$1 pidf logf
  pidf=$RUN/$name.pid
  logf=$LOGS/$name.log
  if is_running "$name"; then
    [ "${SPAWN_QUIET:-0}" = 1 ] || log "start: $name already running (process group $(pid_of "$name"))"
    return 0
  fi
  service_cmd "$name"
  mkdir -p "$RUN" "$LOGS"
  rm -f "$pidf"
  printf '\n==== %s vmha-cloud start: %s\n' "$(date -Is)" "${CMD[*]}" >>"$logf"
  # setsid: own session and process group; the child records its own pid
  # (= pgid) before exec'ing the service.  A plain PATH: the services and
  # their helper scripts must find Debian's python3 and erl, not PATH's.
  PATH=/usr/sbin:/usr/bin:/sbin:/bin \
  setsid /bin/bash -c 'echo $$ >"$0.tmp" && mv "$0.tmp" "$0" && exec "$@"' "$pidf" "${CMD[@]}" \
    </dev/null >>"$logf" 2>&1 &
  local i
  for i in $(seq 1 50); do [ -s "$pidf" ] && break; sleep 0.1; done
  [ -s "$pidf" ] || die "start: $name did not start (no pid file); see $logf"
}

log_tail() {
  local f=$LOGS/$1.log
  [ -f "$f" ] && { echo "---- last lines of $f:"; tail -n "${2:-25}" "$f"; echo "----"; }
}

# wait_port NAME PORT TIMEOUT: wait for 127.0.0.1:PORT to accept, failing early
# if the service's processes are gone.
wait_port() {
  local name=$1 port=$2 timeout=$3 t0=$SECONDS
  while ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
    if ! is_running "$name"; then
      log_tail "$name" >&2
      die "start: $name exited before listening on 127.0.0.1:$port"
    fi
    if (( SECONDS - t0 > timeout )); then
      log_tail "$name" >&2
      die "start: $name not listening on 127.0.0.1:$port after ${timeout}s"
    fi
    sleep 0.3
  done
}

# wait_log NAME OFFSET PATTERN TIMEOUT: wait for PATTERN in the service's log
# past byte OFFSET; returns early if the service exits (wait_ready reports it).
wait_log() {
  local name=$1 off=$2 pat=$3 timeout=$4 t0=$SECONDS
  until tail -c "+$((off + 1))" "$LOGS/$name.log" 2>/dev/null | grep -q -- "$pat"; do
    is_running "$name" || return 0
    if (( SECONDS - t0 > timeout )); then
      log "start: WARNING: no '$pat' in $name's log after ${timeout}s, going on"
      return 0
    fi
    sleep 0.5
  done
}

start_infra() {
  [ -d "$STATE/mysql/mysql" ] || die "no database in $STATE/mysql: run '$0 setup' first"
  mkdir -p "$STATE/mysqld"; chown mysql:mysql "$STATE/mysqld"
  spawn mariadb
  spawn epmd
  wait_port epmd "$PORT_EPMD" 30
  spawn rabbitmq
  wait_port mariadb "$PORT_MYSQL" 60
  wait_port rabbitmq "$PORT_RABBIT" 90
}

known_service() { all_services | grep -qx -- "$1" || [ "$1" = aodh-listener ]; }

# start NAME...: (re)start single services of a running cloud and wait for them.
start_some() {
  local s since keep=()
  if [ "${1:-}" = --keep-disabled ]; then keep=(--keep-disabled); shift; fi
  [ $# -gt 0 ] || die "start --keep-disabled: name the services (e.g. compute-1)"
  for s in "$@"; do known_service "$s" || die "start: unknown service '$s' (see '$0 status')"; done
  if ! is_running mariadb || ! is_running rabbitmq; then
    die "start: start the whole cloud first ('$0 start')"
  fi
  since=$(date -u +%Y-%m-%dT%H:%M:%S)
  for s in "$@"; do spawn "$s"; done
  local args=()
  for s in "$@"; do case "$s" in mariadb|epmd|rabbitmq) ;; *) args+=("$s") ;; esac; done
  [ ${#args[@]} -eq 0 ] || WAIT_READY_OPTS="${keep[*]}" wait_ready "$since" "${args[@]}"
  log "start: $* running"
}

# kill NAME...: SIGKILL single services (simulates a crash, e.g. of a compute host).
cmd_kill() {
  [ $# -gt 0 ] || die "kill: name the services to kill (e.g. compute-1)"
  local s pid
  for s in "$@"; do
    known_service "$s" || die "kill: unknown service '$s'"
    if pid=$(pid_of "$s") && group_alive "$pid"; then
      kill -KILL -- "-$pid" 2>/dev/null || true
      local i; for i in $(seq 1 50); do group_alive "$pid" || break; sleep 0.1; done
      rm -f "$RUN/$s.pid"
      log "kill: $s killed (process group $pid)"
    else
      log "kill: $s was not running"
    fi
  done
}

cmd_start() {
  if [ $# -gt 0 ]; then start_some "$@"; return; fi
  [ -f "$STATE/setup.done" ] || [ "${_IN_SETUP:-0}" = 1 ] || die "start: the test cloud is not set up: run '$0 setup' first"
  local t0=$SECONDS since
  since=$(date -u +%Y-%m-%dT%H:%M:%S)
  # Configs always follow the templates in test/cloud/etc/ (cheap to redo).
  [ "${_IN_SETUP:-0}" = 1 ] || generate_configs --if-changed
  local s running=0
  while read -r s; do is_running "$s" && running=$((running + 1)); done < <(all_services)
  [ "$running" -eq 0 ] || log "start: $running services already running"
  export SPAWN_QUIET=1
  local cond_off=-1
  if ! is_running nova-conductor; then
    cond_off=$(stat -c %s "$LOGS/nova-conductor.log" 2>/dev/null || echo 0)
  fi
  # MariaDB and RabbitMQ first (~6-10 s): started beside the Python services,
  # RabbitMQ takes 20-40 s on 2 cores and nothing is gained.
  start_infra
  log "start: mariadb + rabbitmq up after $((SECONDS - t0)) s"
  for s in "${API_SERVICES[@]}" "${WORKER_SERVICES[@]}"; do spawn "$s"; done
  # A compute that starts before nova-conductor consumes its queue loses its
  # first "ping" and waits 10 s for the RPC timeout: start the computes once
  # the conductor has logged its start (they take a few seconds to import).
  # Readiness polling starts now (a service without pid file counts as "not
  # started yet"), while the computes wait for the conductor.
  wait_ready_cmd "$since" &
  local wr=$!
  # shellcheck disable=SC2064
  trap "kill $wr 2>/dev/null || true" EXIT
  [ "$cond_off" -lt 0 ] || wait_log nova-conductor "$cond_off" 'Starting conductor node' 90
  for s in "${COMPUTE_SERVICES[@]}"; do spawn "$s"; done
  wait "$wr" || die "start: the test cloud did not become ready (see above); '$0 stop' stops what was started"
  trap - EXIT
  log "start: test cloud ready after $((SECONDS - t0)) s (keystone http://$HOST:$PORT_KEYSTONE/v3)"
  [ -f "$STATE/clouds.yaml" ] && log "start: clouds.yaml: $STATE/clouds.yaml (clouds: vmha-test, vmha-test-admin$(grep -q 'vmha-test-appcred:' "$STATE/clouds.yaml" && echo ', vmha-test-appcred'))"
  return 0
}

# wait_ready_cmd SINCE [SERVICE...]: exec the readiness poller (all services
# by default); see lib/wait_ready.py.
wait_ready_cmd() {
  local since=$1 args=() s
  shift
  if [ $# -gt 0 ]; then args=("$@"); else
    for s in "${API_SERVICES[@]}" "${WORKER_SERVICES[@]}" "${COMPUTE_SERVICES[@]}"; do args+=("$s"); done
  fi
  VMHA_CLOUD_ADMIN_PASSWORD=$ADMIN_PASSWORD exec "$PY" "$CLOUD_DIR/lib/wait_ready.py" \
    --run "$RUN" --logs "$LOGS" --since "$since" --timeout "$START_TIMEOUT" \
    --keystone "http://$HOST:$PORT_KEYSTONE/v3" --computes "${COMPUTE_HOSTS[*]}" ${WAIT_READY_OPTS:-} "${args[@]}"
}

wait_ready() {
  ( wait_ready_cmd "$@" ) || die "start: not ready (see above); '$0 stop' stops what was started"
}

# stop_groups NAME...: SIGTERM the process groups, wait, SIGKILL after the grace period.
stop_groups() {
  local name pid pids=() names=()
  for name in "$@"; do
    pid=$(pid_of "$name") || continue
    if group_alive "$pid"; then
      kill -TERM -- "-$pid" 2>/dev/null || true
      pids+=("$pid"); names+=("$name")
    else
      rm -f "$RUN/$name.pid"
    fi
  done
  [ ${#pids[@]} -gt 0 ] || return 0
  local t0=$SECONDS i alive
  while :; do
    alive=0
    for i in "${!pids[@]}"; do
      if [ -n "${pids[$i]}" ]; then
        if group_alive "${pids[$i]}"; then alive=1
        else
          [ "${VMHA_CLOUD_DEBUG:-0}" = 1 ] && log "stop: ${names[$i]} gone after $((SECONDS - t0)) s"
          rm -f "$RUN/${names[$i]}.pid"; pids[$i]=""
        fi
      fi
    done
    [ $alive = 0 ] && break
    if (( SECONDS - t0 >= STOP_GRACE )); then
      for i in "${!pids[@]}"; do
        if [ -n "${pids[$i]}" ] && group_alive "${pids[$i]}"; then
          log "stop: ${names[$i]} still running after ${STOP_GRACE}s: SIGKILL"
          kill -KILL -- "-${pids[$i]}" 2>/dev/null || true
        fi
      done
      local k
      for k in $(seq 1 25); do
        alive=0
        for i in "${!pids[@]}"; do [ -n "${pids[$i]}" ] && group_alive "${pids[$i]}" && alive=1; done
        [ $alive = 0 ] && break
        sleep 0.2
      done
      break
    fi
    sleep 0.2
  done
  for i in "${!pids[@]}"; do
    [ -n "${pids[$i]}" ] || continue
    if group_alive "${pids[$i]}"; then
      log "stop: WARNING: process group ${pids[$i]} (${names[$i]}) survived SIGKILL"
    else
      rm -f "$RUN/${names[$i]}.pid"
    fi
  done
}

cmd_stop() {
  local t0=$SECONDS s
  mkdir -p "$RUN"
  if [ $# -gt 0 ]; then
    for s in "$@"; do known_service "$s" || die "stop: unknown service '$s'"; done
    stop_groups "$@"
    log "stop: $* stopped in $((SECONDS - t0)) s"
    return 0
  fi
  # OpenStack services first (all at once), then the message bus, epmd, the database.
  local os=()
  for s in "${COMPUTE_SERVICES[@]}" "${WORKER_SERVICES[@]}" aodh-listener "${API_SERVICES[@]}"; do os+=("$s"); done
  stop_groups "${os[@]}"
  stop_groups rabbitmq
  stop_groups epmd
  stop_groups mariadb
  local left=()
  while read -r s; do is_running "$s" && left+=("$s"); done < <(all_services; echo aodh-listener)
  [ ${#left[@]} -eq 0 ] || die "stop: still running: ${left[*]}"
  log "stop: stopped in $((SECONDS - t0)) s"
}

# Proportional set size (MiB) of a process group: shared pages counted once.
group_pss() {
  local p sum=0 v
  for p in $(ps -o pid= -g "$1" 2>/dev/null); do
    v=$(awk '/^Pss:/ {print $2}' "/proc/$p/smaps_rollup" 2>/dev/null || true)
    sum=$((sum + ${v:-0}))
  done
  echo $((sum / 1024))
}

cmd_status() {
  local s pid n=0 total=0 pss mem=0
  printf '%-16s %-8s %-8s %s\n' SERVICE STATE PGID PSS_MiB
  while read -r s; do
    total=$((total + 1))
    if is_running "$s"; then
      pid=$(pid_of "$s"); n=$((n + 1))
      pss=$(group_pss "$pid"); mem=$((mem + pss))
      printf '%-16s %-8s %-8s %s\n' "$s" running "$pid" "$pss"
    else
      printf '%-16s %-8s\n' "$s" stopped
    fi
  done < <(all_services)
  echo "$n/$total running, ${mem} MiB (PSS) in all"
  echo "state: $STATE ($( [ -f "$STATE/setup.done" ] && echo 'set up' || echo 'not set up'))"
  [ -f "$STATE/clouds.yaml" ] && echo "clouds.yaml: $STATE/clouds.yaml"
  [ "$n" -eq "$total" ]
}

cmd_env() {
  [ -f "$STATE/clouds.yaml" ] || die "env: no $STATE/clouds.yaml: run setup first"
  echo "export OS_CLIENT_CONFIG_FILE=$STATE/clouds.yaml"
  echo "export OS_CLOUD=${1:-vmha-test}"
}

cmd_reset() {
  cmd_stop
  log "reset: wiping $STATE"
  rm -rf "$STATE"
  # The generated configs in /etc/<service>/ stay; setup rewrites them.
}
