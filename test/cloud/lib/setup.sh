# shellcheck shell=bash
# `cloud.sh setup`: idempotent first-time configuration of the test cloud.
# Leaves the cloud running.

# generated file -> standard path the service reads it from
ETC_TARGETS=(
  "keystone/keystone.conf:/etc/keystone/keystone.conf"
  "glance/glance-api.conf:/etc/glance/glance-api.conf"
  "placement/placement.conf:/etc/placement/placement.conf"
  "neutron/neutron.conf:/etc/neutron/neutron.conf"
  "neutron/ml2_conf.ini:/etc/neutron/plugins/ml2/ml2_conf.ini"
  "nova/nova.conf:/etc/nova/nova.conf"
  "gnocchi/gnocchi.conf:/etc/gnocchi/gnocchi.conf"
  "aodh/aodh.conf:/etc/aodh/aodh.conf"
)

# name:port:app-key:app:processes:threads
UWSGI_APPS=(
  "keystone:$PORT_KEYSTONE:wsgi-file:/usr/bin/keystone-wsgi-public:1:8"
  "placement-api:$PORT_PLACEMENT:wsgi-file:/usr/bin/placement-api:1:4"
  "nova-api:$PORT_NOVA:wsgi-file:/usr/bin/nova-api-wsgi:2:1"
  "gnocchi-api:$PORT_GNOCCHI:module:gnocchi.rest.wsgi:1:4"
  "aodh-api:$PORT_AODH:wsgi-file:/usr/share/aodh-common/app.wsgi:1:4"
)

DATABASES=(keystone glance placement neutron nova_api nova nova_cell0 gnocchi aodh)
db_user() { case "$1" in nova_api|nova|nova_cell0) echo nova ;; *) echo "$1" ;; esac; }

config_stamp() {
  { find "$TEMPLATES" -type f -print0 | sort -z | xargs -0 cat
    cat "$CLOUD_DIR/lib/common.sh" "$CLOUD_DIR/lib/setup.sh"; echo "$STATE"
  } | md5sum | cut -d' ' -f1
}

generate_configs() {
  local stamp pair uptodate=1
  stamp=$(config_stamp)
  if [ "${1:-}" = --if-changed ] && [ "$(cat "$GEN/.stamp" 2>/dev/null)" = "$stamp" ]; then
    for pair in "${ETC_TARGETS[@]}"; do
      cmp -s "$GEN/${pair%%:*}" "${pair#*:}" || uptodate=0
    done
    [ $uptodate = 0 ] || return 0
  fi
  export_template_vars
  local t
  mkdir -p "$GEN"
  for t in mysql/my.cnf rabbitmq/rabbitmq-env.conf rabbitmq/rabbitmq.conf rabbitmq/enabled_plugins \
           keystone/keystone.conf glance/glance-api.conf placement/placement.conf neutron/neutron.conf \
           neutron/ml2_conf.ini nova/nova.conf gnocchi/gnocchi.conf aodh/aodh.conf; do
    render "$TEMPLATES/$t" "$GEN/$t"
  done
  local h
  for h in "${COMPUTE_HOSTS[@]}"; do
    NOVA_HOST=$h render "$TEMPLATES/nova/compute.conf" "$GEN/nova/$h.conf"
    mkdir -p "$STATE/nova/$h/lock"
  done
  local app name port key val procs threads
  for app in "${UWSGI_APPS[@]}"; do
    IFS=: read -r name port key val procs threads <<<"$app"
    UWSGI_NAME=$name UWSGI_PORT=$port UWSGI_APP_KEY=$key UWSGI_APP=$val \
      UWSGI_PROCESSES=$procs UWSGI_THREADS=$threads render "$TEMPLATES/uwsgi/service.ini" "$GEN/uwsgi/$name.ini"
  done
  # The services (and their *-manage tools) read the standard paths.
  local pair src dst grp
  for pair in "${ETC_TARGETS[@]}"; do
    src=$GEN/${pair%%:*}; dst=${pair#*:}
    mkdir -p "$(dirname "$dst")"
    if [ -f "$dst" ] && ! grep -q '^# vmha test cloud' "$dst" && [ ! -f "$dst.vmha-orig" ]; then
      cp -p "$dst" "$dst.vmha-orig"   # keep the package's file once
    fi
    grp=$(stat -c %G "$(dirname "$dst")")
    install -m 640 -o root -g "$grp" "$src" "$dst"
  done
  echo "$stamp" >"$GEN/.stamp"
  log "configs: generated in $GEN and installed to /etc/<service>/"
}

init_mariadb() {
  mkdir -p "$STATE/mysql" "$STATE/mysqld" "$LOGS"
  chown mysql:mysql "$STATE/mysql" "$STATE/mysqld"
  if [ ! -d "$STATE/mysql/mysql" ]; then
    log "setup: initialising MariaDB data directory $STATE/mysql"
    /usr/bin/mariadb-install-db "--defaults-file=$GEN/mysql/my.cnf" --user=mysql \
      --auth-root-authentication-method=socket --skip-test-db >"$LOGS/mariadb-install-db.log" 2>&1 \
      || { tail -20 "$LOGS/mariadb-install-db.log" >&2; die "setup: mariadb-install-db failed"; }
  fi
}

create_databases() {
  local db user sql=""
  for db in "${DATABASES[@]}"; do
    user=$(db_user "$db")
    sql+="CREATE DATABASE IF NOT EXISTS \`$db\` CHARACTER SET utf8mb4;"
    sql+="CREATE USER IF NOT EXISTS '$user'@'127.0.0.1' IDENTIFIED BY '$DB_PASSWORD';"
    sql+="CREATE USER IF NOT EXISTS '$user'@'localhost' IDENTIFIED BY '$DB_PASSWORD';"
    sql+="GRANT ALL PRIVILEGES ON \`$db\`.* TO '$user'@'127.0.0.1';"
    sql+="GRANT ALL PRIVILEGES ON \`$db\`.* TO '$user'@'localhost';"
  done
  sql+="FLUSH PRIVILEGES;"
  local i
  for i in $(seq 1 60); do mysql_root -e 'SELECT 1' >/dev/null 2>&1 && break; sleep 0.5; done
  mysql_root -e "$sql" || die "setup: creating databases failed"
  log "setup: databases ${DATABASES[*]}"
}

setup_rabbit() {
  rabbitmqctl await_startup >/dev/null 2>&1 || { log_tail rabbitmq >&2; die "setup: rabbitmq did not start"; }
  if ! rabbitmqctl list_users -q 2>/dev/null | awk '{print $1}' | grep -qx "$RABBIT_USER"; then
    rabbitmqctl add_user "$RABBIT_USER" "$RABBIT_PASSWORD" >/dev/null
  else
    rabbitmqctl change_password "$RABBIT_USER" "$RABBIT_PASSWORD" >/dev/null
  fi
  rabbitmqctl set_permissions -p / "$RABBIT_USER" '.*' '.*' '.*' >/dev/null
  # The default guest user is not needed.
  rabbitmqctl delete_user guest >/dev/null 2>&1 || true
  log "setup: rabbitmq user $RABBIT_USER"
}

# run_logged NAME CMD...: run a one-shot command, output to $LOGS/setup-NAME.log
run_logged() {
  local name=$1; shift
  local f=$LOGS/setup-$name.log t0=$SECONDS
  if ! "$@" >"$f" 2>&1; then
    echo "---- $f:" >&2; tail -n 30 "$f" >&2
    die "setup: '$*' failed"
  fi
  log "setup: $name ($((SECONDS - t0)) s)"
}

setup_keystone() {
  mkdir -p "$STATE/keystone/fernet-keys" "$STATE/keystone/credential-keys"
  chmod 700 "$STATE/keystone/fernet-keys" "$STATE/keystone/credential-keys"
  run_logged keystone-db-sync keystone-manage db_sync
  if [ -z "$(ls -A "$STATE/keystone/fernet-keys")" ]; then
    run_logged keystone-fernet keystone-manage fernet_setup --keystone-user root --keystone-group root
  fi
  if [ -z "$(ls -A "$STATE/keystone/credential-keys")" ]; then
    run_logged keystone-credential keystone-manage credential_setup --keystone-user root --keystone-group root
  fi
  local url=http://$HOST:$PORT_KEYSTONE/v3
  run_logged keystone-bootstrap keystone-manage bootstrap --bootstrap-password "$ADMIN_PASSWORD" \
    --bootstrap-username admin --bootstrap-project-name admin --bootstrap-role-name admin \
    --bootstrap-service-name keystone --bootstrap-region-id "$REGION" \
    --bootstrap-admin-url "$url" --bootstrap-public-url "$url" --bootstrap-internal-url "$url"
  spawn keystone
  wait_port keystone "$PORT_KEYSTONE" 60
}

seed() {
  export HOST REGION STATE ADMIN_PASSWORD SERVICE_PASSWORD VMHA_USER VMHA_PASSWORD \
    PORT_KEYSTONE PORT_NOVA PORT_PLACEMENT PORT_GLANCE PORT_NEUTRON PORT_AODH PORT_GNOCCHI \
    FLAVOR IMAGE ARCHIVE_POLICY
  local i
  for i in $(seq 1 5); do
    "$PY" "$CLOUD_DIR/lib/seed.py" "$1" && return 0
    log "setup: seed $1 failed (try $i), retrying"
    sleep 3
  done
  die "setup: seeding ($1) failed"
}

nova_cells() {
  run_logged nova-api-db-sync nova-manage api_db sync
  local cells
  cells=$(nova-manage cell_v2 list_cells 2>/dev/null || true)
  grep -q ' cell0 ' <<<"$cells" || run_logged nova-map-cell0 nova-manage cell_v2 map_cell0
  grep -q ' cell1 ' <<<"$cells" || run_logged nova-create-cell1 nova-manage cell_v2 create_cell --name cell1
  run_logged nova-db-sync nova-manage db sync
}

sync_schemas() {
  # Nova's chain runs beside the others (the machine has 2 cores).
  ( nova_cells ) &
  local nova_pid=$!
  run_logged glance-db-sync glance-manage --config-file /etc/glance/glance-api.conf db_sync
  run_logged placement-db-sync placement-manage db sync
  run_logged neutron-db-sync neutron-db-manage --config-file /etc/neutron/neutron.conf \
    --config-file /etc/neutron/plugins/ml2/ml2_conf.ini upgrade heads
  # Gnocchi's file incoming driver writes its sack settings into <basepath>/tmp
  # without creating it.
  mkdir -p "$STATE/gnocchi/storage/tmp" "$STATE/gnocchi/incoming/tmp"
  run_logged gnocchi-upgrade gnocchi-upgrade --config-file /etc/gnocchi/gnocchi.conf \
    --skip-archive-policies-creation --sacks-number 8
  run_logged aodh-dbsync aodh-dbsync --config-file /etc/aodh/aodh.conf
  wait "$nova_pid" || die "setup: nova database setup failed"
}

cmd_setup() {
  local t0=$SECONDS missing
  missing=$(packages_missing)
  [ -z "$missing" ] || die "setup: packages missing ($(echo $missing)): run '$0 install' first"
  mkdir -p "$STATE" "$RUN" "$LOGS" "$STATE/glance"/{images,staging,tasks,image-cache,lock} \
    "$STATE/neutron/lock" "$STATE/nova/lock" "$STATE/rabbitmq"
  chmod 700 "$STATE/rabbitmq"
  generate_configs
  init_mariadb
  start_infra
  create_databases
  setup_rabbit
  setup_keystone
  seed identity
  sync_schemas
  _IN_SETUP=1 cmd_start
  run_logged nova-discover-hosts nova-manage cell_v2 discover_hosts --verbose
  seed resources
  touch "$STATE/setup.done"
  log "setup: done in $((SECONDS - t0)) s; the test cloud is running"
  log "setup: clouds.yaml: $STATE/clouds.yaml  (eval \"\$($0 env)\")"
}
