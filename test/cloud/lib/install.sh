# shellcheck shell=bash
# `cloud.sh install`: install Debian bookworm's OpenStack (Zed) packages without
# prompts and without letting their init scripts start anything.

preseed_debconf() {
  local p sel=""
  # openstack-pkg-tools questions: answer "no" to every "configure it for me".
  for p in keystone glance nova novaapi neutron gnocchi aodh placement; do
    for q in configure_db configure_rabbit configure_ksat configure_api-endpoint \
             configure_neutron configure_placement register-endpoint create-admin-tenant; do
      sel+="$p $p/$q boolean false"$'\n'
    done
  done
  sel+="nova-common nova/configure_api-endpoint boolean false"$'\n'
  # dbconfig-common: configure no database for any package.
  for p in keystone glance-common glance-api nova-common nova-api neutron-common neutron-server \
           gnocchi-common aodh-common placement-common; do
    sel+="$p $p/dbconfig-install boolean false"$'\n'
    sel+="$p $p/dbconfig-reinstall boolean false"$'\n'
    sel+="$p $p/dbconfig-upgrade boolean false"$'\n'
    sel+="$p $p/dbconfig-remove boolean false"$'\n'
  done
  sel+="dbconfig-common dbconfig-common/dbconfig-install boolean false"$'\n'
  printf '%s' "$sel" | debconf-set-selections
}

cmd_install() {
  local missing
  missing=$(packages_missing)
  if [ -z "$missing" ]; then
    log "install: all packages already installed"
    return 0
  fi
  if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
    die "install: missing Debian packages (need root and apt-get to install them): $(echo $missing)"
  fi
  log "install: installing $(echo "$missing" | wc -l) missing packages: $(echo $missing)"
  local t0=$SECONDS created_policy=0
  # Keep the packages' init scripts from starting daemons on all interfaces.
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\n# vmha test cloud: no daemon starts during package installation\nexit 101\n' \
      >/usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    created_policy=1
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  preseed_debconf
  export DEBIAN_FRONTEND=noninteractive DEBCONF_NONINTERACTIVE_SEEN=true
  # Lists are needed on a fresh machine; refresh if they are missing or old.
  if [ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*_Packages*' -mmin -1440 2>/dev/null | head -1)" ]; then
    apt-get update -q
  fi
  # shellcheck disable=SC2086
  apt-get install -y -q --no-install-recommends \
    -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold $missing
  if [ "$created_policy" = 1 ]; then rm -f /usr/sbin/policy-rc.d; trap - EXIT; fi
  log "install: done in $((SECONDS - t0)) s"
}

