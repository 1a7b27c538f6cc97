# shellcheck shell=bash
# Common settings and helpers for the vmha test cloud (sourced by cloud.sh).

# Everything the test cloud writes at run time lives under $STATE; `reset` wipes it.
STATE=${VMHA_CLOUD_STATE:-/var/lib/vmha-testcloud}
CLOUD_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TEMPLATES=$CLOUD_DIR/etc
RUN=$STATE/run         # pid files
LOGS=$STATE/log        # one log per process
GEN=$STATE/etc         # generated configuration (copied to /etc/<service>/ where needed)

# Only loopback, ever.
HOST=127.0.0.1
REGION=RegionOne

# Fixed, documented test credentials: this cloud only ever listens on 127.0.0.1.
ADMIN_PASSWORD=${VMHA_CLOUD_ADMIN_PASSWORD:-vmha-admin-pass}
VMHA_USER=vmha
VMHA_PASSWORD=${VMHA_CLOUD_VMHA_PASSWORD:-vmha-pass}
SERVICE_PASSWORD=service-pass
DB_PASSWORD=db-pass
RABBIT_USER=openstack
RABBIT_PASSWORD=rabbit-pass

# Ports (upstream defaults, all on 127.0.0.1).
PORT_KEYSTONE=5000
PORT_GLANCE=9292
PORT_PLACEMENT=8778
PORT_NEUTRON=9696
PORT_NOVA=8774
PORT_GNOCCHI=8041
PORT_AODH=8042
PORT_MYSQL=3306
PORT_RABBIT=5672
PORT_EPMD=4369
PORT_RABBIT_DIST=25672

COMPUTE_HOSTS=(compute-1 compute-2)
FLAVOR=vmha-tiny
IMAGE=vmha-raw-1m
ARCHIVE_POLICY=vmha-10s

# python3 on PATH may not be Debian's; OpenStack code needs Debian's.
PY=/usr/bin/python3
OPENSTACK=/usr/bin/openstack

PACKAGES=(
  mariadb-server rabbitmq-server
  keystone glance-api placement-api neutron-server
  nova-api nova-conductor nova-scheduler
  gnocchi-api gnocchi-metricd
  aodh-api aodh-evaluator aodh-notifier aodh-listener
  uwsgi-plugin-python3 python3-pymysql
  python3-openstackclient python3-gnocchiclient python3-aodhclient
  curl iproute2
)

log()  { printf '[vmha-cloud %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die()  { printf '[vmha-cloud] ERROR: %s\n' "$*" >&2; exit 1; }

need_root() {
  [ "$(id -u)" -eq 0 ] || die "'$1' must run as root (it manages system services and /etc/<service>/ configs)"
}

packages_missing() {
  local p missing=()
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' || missing+=("$p")
  done
  printf '%s\n' "${missing[@]}"
}

# Admin environment for /usr/bin/openstack during setup.
admin_env() {
  export OS_AUTH_URL=http://$HOST:$PORT_KEYSTONE/v3
  export OS_USERNAME=admin OS_PASSWORD=$ADMIN_PASSWORD OS_PROJECT_NAME=admin
  export OS_USER_DOMAIN_NAME=Default OS_PROJECT_DOMAIN_NAME=Default
  export OS_IDENTITY_API_VERSION=3 OS_REGION_NAME=$REGION
  unset OS_CLOUD OS_CLIENT_CONFIG_FILE
}

osc() { "$OPENSTACK" "$@"; }

# Render a template: replaces @NAME@ with the value of shell variable NAME.
render() {
  local src=$1 dst=$2
  mkdir -p "$(dirname "$dst")"
  "$PY" - "$src" "$dst" <<'PYEOF'
import os, re, sys
src, dst = sys.argv[1], sys.argv[2]
text = open(src).read()
def sub(m):
    name = m.group(1)
    if name not in os.environ:
        sys.exit("render: %s: variable %s is not set" % (src, name))
    return os.environ[name]
text = re.sub(r"@([A-Z][A-Z0-9_]*)@", sub, text)
tmp = dst + ".tmp"
with open(tmp, "w") as f:
    f.write(text)
os.replace(tmp, dst)
PYEOF
}

# Variables that templates may use.
export_template_vars() {
  export STATE RUN LOGS GEN HOST REGION ADMIN_PASSWORD SERVICE_PASSWORD DB_PASSWORD \
    RABBIT_USER RABBIT_PASSWORD PORT_KEYSTONE PORT_GLANCE PORT_PLACEMENT PORT_NEUTRON \
    PORT_NOVA PORT_GNOCCHI PORT_AODH PORT_MYSQL PORT_RABBIT PORT_EPMD PORT_RABBIT_DIST \
    ARCHIVE_POLICY
}
