# shellcheck shell=bash
# `cloud.sh smoke`: end-to-end check of a running test cloud with Debian's
# /usr/bin/openstack and curl.  Creates servers, a Gnocchi resource and Aodh
# alarms named smoke-*, and deletes them again.  Prints "smoke: N passed, N failed".
#
#   VMHA_SMOKE_PORT   loopback port of the alarm-action listener (default 18080)
#   VMHA_SMOKE_KEEP=1 keep the created objects

SMOKE_PASS=0 SMOKE_FAIL=0

sm_ok()   { SMOKE_PASS=$((SMOKE_PASS + 1)); printf '  ok   %-44s %s\n' "$1" "${2:-}"; }
sm_fail() { SMOKE_FAIL=$((SMOKE_FAIL + 1)); printf '  FAIL %-44s %s\n' "$1" "${2:-}"; }
now_s()   { date +%s.%N; }
since()   { printf '%.1f s' "$(echo "$(now_s) - $1" | bc)"; }

os() { /usr/bin/openstack "$@"; }

# wait_server SERVER STATUS TIMEOUT [HOST]: until the server has STATUS (on HOST)
wait_server() {
  local srv=$1 want=$2 timeout=$3 host=${4:-} t0=$SECONDS st h
  while (( SECONDS - t0 < timeout )); do
    read -r st h < <(os server show "$srv" -f json 2>/dev/null | "$PY" -c \
      'import json,sys; d=json.load(sys.stdin); print(d["status"], d.get("OS-EXT-SRV-ATTR:host") or "-")') || true
    if [ "$st" = "$want" ] && { [ -z "$host" ] || [ "$h" = "$host" ]; }; then return 0; fi
    [ "$st" = ERROR ] && return 1
    sleep 1
  done
  return 1
}

server_host() { os server show "$1" -f value -c OS-EXT-SRV-ATTR:host; }
other_host() { if [ "$1" = "${COMPUTE_HOSTS[0]}" ]; then echo "${COMPUTE_HOSTS[1]}"; else echo "${COMPUTE_HOSTS[0]}"; fi; }

nova_rest() { # METHOD PATH [BODY]
  curl -s -X "$1" "http://$HOST:$PORT_NOVA/v2.1$2" -H "X-Auth-Token: $TOKEN" \
    -H 'OpenStack-API-Version: compute 2.93' -H 'Content-Type: application/json' ${3:+-d "$3"} \
    -w '\n%{http_code}'
}

cmd_smoke() {
  [ -f "$STATE/clouds.yaml" ] || die "smoke: not set up"
  export OS_CLIENT_CONFIG_FILE=$STATE/clouds.yaml OS_CLOUD=vmha-test OS_COMPUTE_API_VERSION=2.92
  local port=${VMHA_SMOKE_PORT:-18080} t sid sid2 src dst out code
  local hits=$STATE/smoke-alarms.jsonl
  echo "smoke: test cloud at http://$HOST:$PORT_KEYSTONE/v3 (cloud vmha-test)"

  t=$(now_s)
  if TOKEN=$(os token issue -f value -c id) && [ -n "$TOKEN" ]; then sm_ok "keystone token issue" "$(since "$t")"
  else sm_fail "keystone token issue"; echo "smoke: 0 passed, 1 failed"; return 1; fi

  # --- Nova -------------------------------------------------------------
  os server delete --wait smoke-a smoke-b >/dev/null 2>&1 || true
  t=$(now_s)
  if os server create --flavor "$FLAVOR" --image "$IMAGE" --nic none smoke-a -f value -c id >/dev/null \
     && wait_server smoke-a ACTIVE 120; then
    sm_ok "server create --nic none -> ACTIVE" "$(since "$t") on $(server_host smoke-a)"
  else sm_fail "server create --nic none -> ACTIVE" "$(os server show smoke-a -f value -c fault 2>&1 | head -c 300)"; fi
  src=$(server_host smoke-a); dst=$(other_host "$src")
  t=$(now_s)
  if os server migrate --live-migration smoke-a && wait_server smoke-a ACTIVE 120 "$dst"; then
    sm_ok "live migration $src -> $dst" "$(since "$t")"
  else sm_fail "live migration $src -> $dst" "$(os server show smoke-a -f value -c status -c OS-EXT-SRV-ATTR:host | paste -sd' ')"; fi
  t=$(now_s)
  if os server reboot --hard smoke-a && sleep 1 && wait_server smoke-a ACTIVE 60; then
    sm_ok "reboot --hard" "$(since "$t")"
  else sm_fail "reboot --hard"; fi
  t=$(now_s)
  if os server rebuild --image "$IMAGE" smoke-a >/dev/null && sleep 1 && wait_server smoke-a ACTIVE 60; then
    sm_ok "rebuild" "$(since "$t")"
  else sm_fail "rebuild"; fi

  # Evacuation: a fresh server (the fake driver of a live-migration source
  # still "holds" the guest), its compute forced down, evacuated to the other.
  t=$(now_s)
  os server create --flavor "$FLAVOR" --image "$IMAGE" --nic none smoke-b -f value -c id >/dev/null \
    && wait_server smoke-b ACTIVE 120 || sm_fail "server create smoke-b"
  sid2=$(os server show smoke-b -f value -c id)
  src=$(server_host smoke-b); dst=$(other_host "$src")
  os compute service set --down "$src" nova-compute
  out=$(nova_rest POST "/servers/$sid2/action" '{"evacuate": {}}'); code=${out##*$'\n'}
  if [ "$code" = 200 ] && wait_server smoke-b ACTIVE 120 "$dst"; then
    sm_ok "evacuate from forced-down $src -> $dst" "$(since "$t") (incl. create)"
  else sm_fail "evacuate from forced-down $src" "HTTP $code ${out%$'\n'*}"; fi
  # Nova refuses to force the host up while "done" evacuations remain: the
  # restarted compute cleans them up (and forgets its fake guests), then
  # `start` forces it up again.
  t=$(now_s)
  if cmd_stop "$src" >/dev/null 2>&1 && start_some "$src" >/dev/null 2>&1 \
     && [ "$(os compute service list --service nova-compute --host "$src" -f value -c State)" = up ]; then
    sm_ok "restart $src, forced up again" "$(since "$t")"
  else sm_fail "restart $src, forced up again"; fi

  # --- Gnocchi ----------------------------------------------------------
  sid=$(os server show smoke-a -f value -c id)
  local G=http://$HOST:$PORT_GNOCCHI/v1 pid
  curl -s -o /dev/null -X DELETE "$G/resource/instance/$sid" -H "X-Auth-Token: $TOKEN"
  code=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$G/resource/instance" -H "X-Auth-Token: $TOKEN" \
    -H 'Content-Type: application/json' \
    -d "{\"id\":\"$sid\",\"display_name\":\"smoke-a\",\"flavor_id\":\"$FLAVOR\",\"host\":\"$(server_host smoke-a)\",\"project_id\":\"$(os server show smoke-a -f value -c project_id)\",\"metrics\":{\"vmha.heartbeat\":{}}}")
  [ "$code" = 201 ] && sm_ok "gnocchi instance resource" || sm_fail "gnocchi instance resource" "HTTP $code"
  measures() { # VALUE... (one per 10 s, ending now)
    "$PY" - "$sid" "$@" <<'PYEOF'
import datetime, json, sys
sid, vals = sys.argv[1], [float(v) for v in sys.argv[2:]]
now = datetime.datetime.utcnow()
ms = [{"timestamp": (now - datetime.timedelta(seconds=10 * (len(vals) - 1 - i))).strftime("%Y-%m-%dT%H:%M:%S"),
       "value": v} for i, v in enumerate(vals)]
print(json.dumps({sid: {"vmha.heartbeat": ms}}))
PYEOF
  }
  t=$(now_s)
  code=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$G/batch/resources/metrics/measures" \
    -H "X-Auth-Token: $TOKEN" -H 'Content-Type: application/json' -d "$(measures 1 2 3)")
  local agg="" i
  for i in $(seq 1 30); do
    agg=$(curl -s "$G/resource/instance/$sid/metric/vmha.heartbeat/measures?granularity=10&aggregation=mean" -H "X-Auth-Token: $TOKEN")
    [ "$(echo "$agg" | "$PY" -c 'import json,sys; print(len(json.load(sys.stdin)))' 2>/dev/null)" -ge 3 ] 2>/dev/null && break
    sleep 1
  done
  if [ "$code" = 202 ] && [ "$(echo "$agg" | "$PY" -c 'import json,sys; print(len(json.load(sys.stdin)))' 2>/dev/null)" -ge 3 ] 2>/dev/null; then
    sm_ok "gnocchi batch measures -> 10 s aggregates" "$(since "$t") $agg"
  else sm_fail "gnocchi batch measures -> 10 s aggregates" "post HTTP $code, got: $agg"; fi

  # --- Aodh -------------------------------------------------------------
  rm -f "$hits"
  "$PY" - "$port" "$hits" >"$LOGS/smoke-listener.log" 2>&1 <<'PYEOF' &
import http.server, json, sys, time
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
        with open(sys.argv[2], "a") as f:
            f.write(json.dumps({"t": time.time(), "path": self.path,
                                "token": self.headers.get("X-Auth-Token"), "body": body}) + "\n")
        self.send_response(200); self.end_headers()
    def log_message(self, *a):
        pass
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
PYEOF
  pid=$!
  sleep 0.5
  for a in smoke-http smoke-trust; do os alarm delete "$a" >/dev/null 2>&1 || true; done
  local common=(--type gnocchi_resources_threshold --metric vmha.heartbeat --threshold 50
    --comparison-operator gt --aggregation-method mean --granularity 10 --evaluation-periods 1
    --resource-type instance --resource-id "$sid")
  os alarm create --name smoke-http "${common[@]}" --alarm-action "http://127.0.0.1:$port/alarm/http" >/dev/null \
    || sm_fail "aodh alarm create (http)"
  os alarm create --name smoke-trust "${common[@]}" --alarm-action "trust+http://127.0.0.1:$port/alarm/trust" >/dev/null \
    || sm_fail "aodh alarm create (trust+http)"
  t=$(now_s)
  curl -s -o /dev/null -X POST "$G/batch/resources/metrics/measures" -H "X-Auth-Token: $TOKEN" \
    -H 'Content-Type: application/json' -d "$(measures 100)"
  for i in $(seq 1 60); do
    [ -f "$hits" ] && grep -q '/alarm/http' "$hits" && grep -q '/alarm/trust' "$hits" && break
    [ $((i % 8)) = 0 ] && curl -s -o /dev/null -X POST "$G/batch/resources/metrics/measures" \
      -H "X-Auth-Token: $TOKEN" -H 'Content-Type: application/json' -d "$(measures 100)"
    sleep 1
  done
  if [ -f "$hits" ] && grep -q '"path": "/alarm/http"' "$hits"; then
    sm_ok "aodh http:// action POSTed on alarm" "$(since "$t") after the breaching measure"
  else sm_fail "aodh http:// action POSTed on alarm" "$(os alarm show smoke-http -f value -c state 2>&1)"; fi
  if [ -f "$hits" ] && grep '"path": "/alarm/trust"' "$hits" | grep -q '"token": "g'; then
    sm_ok "aodh trust+http:// action with X-Auth-Token" "$(since "$t")"
  else sm_fail "aodh trust+http:// action with X-Auth-Token" "$(grep trust "$hits" 2>/dev/null | head -c 200)"; fi
  kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true

  # --- loopback only ----------------------------------------------------
  # Every socket that a process of the test cloud listens on (the machine's
  # own agents are not ours and not checked).
  local ours="" line lpid pg f addr
  local pgids=" "
  for f in "$RUN"/*.pid; do pgids+="$(cat "$f") "; done
  while read -r line; do
    addr=$(awk '{print $5}' <<<"$line")
    for lpid in $(grep -o 'pid=[0-9]*' <<<"$line" | cut -d= -f2 | sort -u); do
      pg=$(ps -o pgid= -p "$lpid" 2>/dev/null | tr -d ' ')
      if [[ "$pgids" == *" $pg "* ]] && ! [[ $addr =~ ^(127\.[0-9.]+|\[::1\]):[0-9]+$ ]]; then ours+="$addr "; fi
    done
  done < <(ss -Hltnup)
  [ -z "$ours" ] && sm_ok "every listening socket is on loopback" || sm_fail "non-loopback listeners" "$ours"

  if [ "${VMHA_SMOKE_KEEP:-0}" != 1 ]; then
    os alarm delete smoke-http >/dev/null 2>&1 || true
    os alarm delete smoke-trust >/dev/null 2>&1 || true
    curl -s -o /dev/null -X DELETE "$G/resource/instance/$sid" -H "X-Auth-Token: $TOKEN"
    os server delete --wait smoke-a smoke-b >/dev/null 2>&1 || true
  fi
  echo "smoke: $SMOKE_PASS passed, $SMOKE_FAIL failed"
  [ "$SMOKE_FAIL" -eq 0 ]
}
