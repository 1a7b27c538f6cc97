#!/usr/bin/python3
"""Wait until the vmha test cloud is ready (stdlib only; run with /usr/bin/python3).

Ready means: keystone issues a token; every API answers an authenticated
request with 2xx; nova-conductor, nova-scheduler and every fake compute report
"up" with a heartbeat newer than --since; each compute has its placement
resource provider; every started process group is still alive.  Compute
services left disabled or forced down (e.g. by an evacuation test) are
re-enabled.  On timeout or when a process dies, names what is missing and
prints the tail of its log.
"""
import argparse
import datetime
import json
import os
import sys
import time
import urllib.error
import urllib.request

API_CHECKS = {
    # service: (catalog type, path appended to the endpoint, extra headers)
    "glance-api": ("image", "/v2/images?limit=1", {}),
    "placement-api": ("placement", "/resource_providers", {}),
    "neutron-server": ("network", "/v2.0/networks?limit=1", {}),
    "nova-api": ("compute", "/os-services", {}),
    "gnocchi-api": ("metric", "/v1/archive_policy", {}),
    "aodh-api": ("alarming", "/v2/alarms", {}),
}


def http(method, url, token=None, body=None, headers=None, timeout=10):
    h = {"Accept": "application/json"}
    if token:
        h["X-Auth-Token"] = token
    if body is not None:
        h["Content-Type"] = "application/json"
        body = json.dumps(body).encode()
    h.update(headers or {})
    req = urllib.request.Request(url, data=body, method=method, headers=h)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def get_token(keystone, password):
    body = {"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "name": "admin", "domain": {"name": "Default"}, "password": password}}},
        "scope": {"project": {"name": "admin", "domain": {"name": "Default"}}}}}
    code, headers, data = http("POST", keystone + "/auth/tokens", body=body)
    if code != 201:
        raise RuntimeError("keystone answered %s: %s" % (code, data[:200]))
    catalog = {}
    for svc in json.loads(data)["token"]["catalog"]:
        for ep in svc["endpoints"]:
            if ep["interface"] == "public":
                catalog[svc["type"]] = ep["url"].rstrip("/")
    return headers.get("X-Subject-Token") or headers.get("x-subject-token"), catalog


def alive(run, name):
    """True/False, or None if the service has no pid file (not started yet)."""
    try:
        pgid = int(open(os.path.join(run, name + ".pid")).read().strip())
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        return False
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open("/proc/%s/stat" % d) as f:
                    st = f.read()
                fields = st[st.rindex(")") + 2:].split()
                if int(fields[2]) == pgid and fields[0] != "Z":
                    return True
            except (OSError, ValueError, IndexError):
                pass
    return False


def tail(logs, name, n=30):
    path = os.path.join(logs, name + ".log")
    try:
        with open(path, errors="replace") as f:
            lines = f.readlines()[-n:]
    except OSError:
        return "(no log %s)" % path
    return "---- last lines of %s:\n%s----" % (path, "".join(lines))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--run", required=True)
    ap.add_argument("--logs", required=True)
    ap.add_argument("--since", required=True, help="UTC, YYYY-MM-DDTHH:MM:SS")
    ap.add_argument("--timeout", type=float, default=240)
    ap.add_argument("--keystone", required=True)
    ap.add_argument("--computes", required=True)
    ap.add_argument("--keep-disabled", action="store_true",
                    help="leave a disabled/forced-down compute so; only wait for its heartbeat")
    ap.add_argument("services", nargs="+")
    a = ap.parse_args()
    password = os.environ["VMHA_CLOUD_ADMIN_PASSWORD"]
    since = datetime.datetime.strptime(a.since, "%Y-%m-%dT%H:%M:%S") - datetime.timedelta(seconds=2)
    computes = a.computes.split()
    t0 = time.time()
    pending = {s: "not checked yet" for s in a.services}
    token = catalog = None
    token_time = 0
    last_report = t0
    apis_up = False
    while True:
        now = time.time()
        for s in a.services:
            if alive(a.run, s) is False:
                print("[wait_ready] %s is not running (its processes exited)" % s, file=sys.stderr)
                print(tail(a.logs, s), file=sys.stderr)
                return 1
        if token is None or now - token_time > 1800:
            try:
                token, catalog = get_token(a.keystone, password)
                token_time = now
                pending.pop("keystone", None)
            except Exception as e:  # noqa
                token = None
                pending["keystone"] = "token: %s" % e
        if token:
            for s, (stype, path, hdrs) in API_CHECKS.items():
                if s not in pending:
                    continue
                url = catalog.get(stype)
                if not url:
                    pending[s] = "no public %s endpoint in the catalog" % stype
                    continue
                try:
                    code, _, data = http("GET", url + path, token, headers=hdrs)
                    if 200 <= code < 300:
                        del pending[s]
                    else:
                        pending[s] = "GET %s -> %s %s" % (url + path, code, data[:150])
                except Exception as e:  # noqa
                    pending[s] = "GET %s -> %s" % (url + path, e)
            if "nova-api" not in pending and "compute" in catalog:
                check_nova(catalog["compute"], token, computes, since, pending, catalog.get("placement"),
                           a.keep_disabled)
        for s in ("gnocchi-metricd", "aodh-evaluator", "aodh-notifier", "aodh-listener"):
            pending.pop(s, None)  # no API: alive is all we can tell
        if not apis_up and any(s in a.services for s in API_CHECKS) and \
                not any(s in pending for s in list(API_CHECKS) + ["keystone"]):
            apis_up = True
            print("[wait_ready] every API answers after %.0f s" % (time.time() - t0), file=sys.stderr)
        if not pending:
            print("[wait_ready] ready after %.0f s" % (time.time() - t0), file=sys.stderr)
            return 0
        if time.time() - t0 > a.timeout:
            print("[wait_ready] NOT READY after %.0f s:" % a.timeout, file=sys.stderr)
            for s, why in sorted(pending.items()):
                print("  %s: %s" % (s, why), file=sys.stderr)
            for s in sorted(pending):
                name = s if s in a.services else None
                if name:
                    print(tail(a.logs, name), file=sys.stderr)
            return 1
        if time.time() - last_report > 15:
            last_report = time.time()
            print("[wait_ready] %.0f s, waiting for: %s" % (time.time() - t0, ", ".join(sorted(pending))),
                  file=sys.stderr)
        time.sleep(1)


def check_nova(compute_url, token, computes, since, pending, placement_url, keep_disabled=False):
    hdr = {"OpenStack-API-Version": "compute 2.53", "X-OpenStack-Nova-API-Version": "2.53"}
    code, _, data = http("GET", compute_url + "/os-services", token, headers=hdr)
    if code != 200:
        return
    by = {}
    for svc in json.loads(data)["services"]:
        by[(svc["binary"], svc["host"])] = svc
    wanted = [("nova-conductor", None), ("nova-scheduler", None)] + [("nova-compute", h) for h in computes]
    for binary, host in wanted:
        name = host or binary
        if name not in pending:
            continue
        cands = [s for (b, h), s in by.items() if b == binary and (host is None or h == host)]
        if not cands:
            pending[name] = "%s not registered in nova yet" % binary
            continue
        svc = max(cands, key=lambda s: s.get("updated_at") or "")
        upd = svc.get("updated_at")
        fresh = upd and datetime.datetime.strptime(upd[:19], "%Y-%m-%dT%H:%M:%S") >= since
        held = binary == "nova-compute" and (svc.get("forced_down") or svc.get("status") != "enabled")
        if held and keep_disabled:
            # A forced-down service reports "down" whatever its heartbeat: a fresh
            # heartbeat is all there is to wait for.
            if fresh:
                del pending[name]
            else:
                pending[name] = "%s (kept disabled/forced down): last heartbeat %s" % (name, upd)
            continue
        if held:
            # Nova refuses to force a host up while "done" evacuations remain:
            # the restarted compute cleans them up first, so retry.
            c, _, d = http("PUT", compute_url + "/os-services/%s" % svc["id"], token,
                           body={"status": "enabled", "forced_down": False}, headers=hdr)
            if c == 200:
                print("[wait_ready] %s was disabled/forced down: re-enabled it" % name, file=sys.stderr)
                pending[name] = "re-enabled, waiting for a heartbeat"
            else:
                pending[name] = "disabled/forced down, re-enabling: %s %s" % (c, d[:200])
            continue
        if svc.get("state") != "up" or not fresh:
            pending[name] = "%s on %s: state %s, last heartbeat %s" % (binary, svc["host"], svc.get("state"), upd)
            continue
        if binary == "nova-compute" and placement_url:
            c, _, d = http("GET", placement_url + "/resource_providers?name=%s" % host, token)
            if c != 200 or not json.loads(d).get("resource_providers"):
                pending[name] = "no placement resource provider %s yet" % host
                continue
        del pending[name]


if __name__ == "__main__":
    sys.exit(main())
