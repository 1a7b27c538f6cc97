#!/usr/bin/python3
"""Idempotent seeding of the vmha test cloud (run with /usr/bin/python3).

  seed.py identity   projects, users, roles, services and endpoints (needs keystone)
  seed.py resources  flavor, image, gnocchi archive policy/rule/resource type,
                     the vmha application credential and clouds.yaml (needs all APIs)

Settings come from the environment (see lib/setup.sh).
"""
import json
import os
import sys
import time

from keystoneauth1 import exceptions as ks_exc
from keystoneauth1 import session as ks_session
from keystoneauth1.identity import v3

E = os.environ
HOST = E["HOST"]
KEYSTONE = "http://%s:%s/v3" % (HOST, E["PORT_KEYSTONE"])
REGION = E["REGION"]
STATE = E["STATE"]

SERVICES = [
    # (name, type, url, user)
    ("nova", "compute", "http://%s:%s/v2.1" % (HOST, E["PORT_NOVA"]), "nova"),
    ("placement", "placement", "http://%s:%s" % (HOST, E["PORT_PLACEMENT"]), "placement"),
    ("glance", "image", "http://%s:%s" % (HOST, E["PORT_GLANCE"]), "glance"),
    ("neutron", "network", "http://%s:%s" % (HOST, E["PORT_NEUTRON"]), "neutron"),
    ("aodh", "alarming", "http://%s:%s" % (HOST, E["PORT_AODH"]), "aodh"),
    ("gnocchi", "metric", "http://%s:%s" % (HOST, E["PORT_GNOCCHI"]), "gnocchi"),
]

# Ceilometer's definition of Gnocchi's "instance" resource type.
INSTANCE_TYPE = {
    "name": "instance",
    "attributes": {
        "display_name": {"type": "string", "required": True, "min_length": 0, "max_length": 255},
        "flavor_id": {"type": "string", "required": True, "min_length": 0, "max_length": 255},
        "host": {"type": "string", "required": True, "min_length": 0, "max_length": 255},
        "image_ref": {"type": "string", "required": False, "min_length": 0, "max_length": 255},
        "server_group": {"type": "string", "required": False, "min_length": 0, "max_length": 255},
        "flavor_name": {"type": "string", "required": False, "min_length": 0, "max_length": 255},
        "launched_at": {"type": "datetime", "required": False},
        "created_at": {"type": "datetime", "required": False},
        "deleted_at": {"type": "datetime", "required": False},
    },
}


def say(msg):
    print("[seed] %s" % msg, file=sys.stderr, flush=True)


def session(user, password, project):
    auth = v3.Password(auth_url=KEYSTONE, username=user, password=password,
                       user_domain_name="Default", project_name=project,
                       project_domain_name="Default")
    return ks_session.Session(auth=auth)


def admin_session():
    return session("admin", E["ADMIN_PASSWORD"], "admin")


def req(sess, method, path, service_type="identity", json_body=None, ok=(200, 201, 202, 204),
        headers=None, data=None, **kw):
    r = sess.request(path, method, endpoint_filter={"service_type": service_type,
                                                    "interface": "public", "region_name": REGION},
                     json=json_body, data=data, headers=headers or {}, raise_exc=False, **kw)
    if r.status_code not in ok:
        raise SystemExit("[seed] %s %s (%s) -> %s %s" % (method, path, service_type, r.status_code, r.text[:400]))
    return r


def kreq(sess, method, path, **kw):
    """Identity request against the fixed keystone URL (works before the catalog exists)."""
    r = sess.request(KEYSTONE + path, method, raise_exc=False, **kw)
    if r.status_code >= 300:
        raise SystemExit("[seed] %s %s -> %s %s" % (method, path, r.status_code, r.text[:400]))
    return r.json() if r.text else {}


def find_one(sess, collection, **query):
    qs = "&".join("%s=%s" % kv for kv in query.items())
    items = kreq(sess, "GET", "/%s?%s" % (collection, qs))[collection]
    return items[0] if items else None


def ensure(sess, collection, singular, body, **query):
    found = find_one(sess, collection, **query)
    if found:
        return found, False
    return kreq(sess, "POST", "/" + collection, json={singular: body})[singular], True


def ensure_role_assignment(sess, project_id, user_id, role_id):
    kreq(sess, "PUT", "/projects/%s/users/%s/roles/%s" % (project_id, user_id, role_id))


def identity():
    s = admin_session()
    roles = {r["name"]: r["id"] for r in kreq(s, "GET", "/roles")["roles"]}
    for name in ("member", "reader", "service"):
        if name not in roles:
            roles[name] = kreq(s, "POST", "/roles", json={"role": {"name": name}})["role"]["id"]
    projects = {}
    for name, desc in (("service", "OpenStack services"), ("vmha", "vmha test project")):
        p, _ = ensure(s, "projects", "project", {"name": name, "domain_id": "default",
                                                  "description": desc}, name=name, domain_id="default")
        projects[name] = p["id"]
    # Service users (admin in the service project).  aodh is also the trustee of
    # trust+http:// alarm actions.
    for _, _, _, user in SERVICES:
        u, created = ensure(s, "users", "user", {"name": user, "domain_id": "default",
                                                   "password": E["SERVICE_PASSWORD"]},
                            name=user, domain_id="default")
        if not created:
            kreq(s, "PATCH", "/users/%s" % u["id"], json={"user": {"password": E["SERVICE_PASSWORD"]}})
        ensure_role_assignment(s, projects["service"], u["id"], roles["admin"])
        ensure_role_assignment(s, projects["service"], u["id"], roles["service"])
    # The vmha user: admin (cloud-wide under the legacy policies) + member in project vmha.
    u, created = ensure(s, "users", "user", {"name": E["VMHA_USER"], "domain_id": "default",
                                               "password": E["VMHA_PASSWORD"],
                                               "default_project_id": projects["vmha"]},
                        name=E["VMHA_USER"], domain_id="default")
    if not created:
        kreq(s, "PATCH", "/users/%s" % u["id"], json={"user": {"password": E["VMHA_PASSWORD"]}})
    for role in ("admin", "member", "reader"):
        ensure_role_assignment(s, projects["vmha"], u["id"], roles[role])
    # Catalog.
    for name, stype, url, _ in SERVICES:
        svc, _ = ensure(s, "services", "service", {"name": name, "type": stype, "enabled": True}, type=stype)
        eps = kreq(s, "GET", "/endpoints?service_id=%s" % svc["id"])["endpoints"]
        for iface in ("public", "internal", "admin"):
            mine = [e for e in eps if e["interface"] == iface]
            if mine and mine[0]["url"] == url and mine[0].get("region_id") == REGION:
                continue
            for e in mine:
                kreq(s, "DELETE", "/endpoints/%s" % e["id"])
            kreq(s, "POST", "/endpoints", json={"endpoint": {
                "service_id": svc["id"], "interface": iface, "url": url, "region_id": REGION}})
    say("identity: projects service+vmha, users %s, vmha, catalog of %d services" % (
        ", ".join(u for *_, u in SERVICES), len(SERVICES) + 1))


def resources():
    s = admin_session()
    # Flavor.
    flavor = E["FLAVOR"]
    r = req(s, "GET", "/flavors/%s" % flavor, "compute", ok=(200, 404))
    if r.status_code == 404:
        req(s, "POST", "/flavors", "compute", {"flavor": {
            "name": flavor, "id": flavor, "ram": 256, "vcpus": 1, "disk": 1, "os-flavor-access:is_public": True}})
        say("flavor %s created (1 vCPU, 256 MiB, 1 GiB)" % flavor)
    # Image: 1 MiB of zeros, raw, public.
    image = E["IMAGE"]
    imgs = req(s, "GET", "/v2/images?name=%s" % image, "image").json()["images"]
    imgs_ok = [i for i in imgs if i["status"] == "active"]
    for i in imgs:
        if i["status"] != "active":
            req(s, "DELETE", "/v2/images/%s" % i["id"], "image")
    if not imgs_ok:
        img = req(s, "POST", "/v2/images", "image", {
            "name": image, "disk_format": "raw", "container_format": "bare",
            "visibility": "public", "min_disk": 0, "min_ram": 0}).json()
        req(s, "PUT", "/v2/images/%s/file" % img["id"], "image", data=b"\0" * (1024 * 1024),
            headers={"Content-Type": "application/octet-stream"})
        for _ in range(60):
            st = req(s, "GET", "/v2/images/%s" % img["id"], "image").json()["status"]
            if st == "active":
                break
            time.sleep(0.5)
        else:
            raise SystemExit("[seed] image %s did not become active (status %s)" % (image, st))
        say("image %s uploaded (1 MiB raw)" % image)
    # Gnocchi: 10 s archive policy, used for every metric via a catch-all rule.
    ap = E["ARCHIVE_POLICY"]
    r = req(s, "GET", "/v1/archive_policy/%s" % ap, "metric", ok=(200, 404))
    if r.status_code == 404:
        req(s, "POST", "/v1/archive_policy", "metric", {
            "name": ap, "back_window": 0,
            "aggregation_methods": ["mean", "min", "max", "sum", "std", "count", "last"],
            "definition": [{"granularity": "10s", "timespan": "1 day"},
                           {"granularity": "1min", "timespan": "7 days"}]})
        say("gnocchi archive policy %s created (10 s for a day, 1 min for a week)" % ap)
    rules = req(s, "GET", "/v1/archive_policy_rule", "metric").json()
    if not any(x["name"] == "vmha-default" for x in rules):
        for x in rules:
            if x["metric_pattern"] == "*":
                req(s, "DELETE", "/v1/archive_policy_rule/%s" % x["name"], "metric")
        req(s, "POST", "/v1/archive_policy_rule", "metric", {
            "name": "vmha-default", "metric_pattern": "*", "archive_policy_name": ap})
        say("gnocchi archive policy rule vmha-default: * -> %s" % ap)
    r = req(s, "GET", "/v1/resource_type/instance", "metric", ok=(200, 404))
    if r.status_code == 404:
        req(s, "POST", "/v1/resource_type", "metric", INSTANCE_TYPE)
        say("gnocchi resource type instance created (Ceilometer's attributes)")
    # vmha's application credential.
    appcred = appcredential()
    write_clouds_yaml(appcred)


def appcredential():
    path = os.path.join(STATE, "appcred.json")
    vs = session(E["VMHA_USER"], E["VMHA_PASSWORD"], "vmha")
    try:
        uid = vs.get_user_id()
    except ks_exc.ClientException as e:
        raise SystemExit("[seed] cannot log in as %s: %s" % (E["VMHA_USER"], e))
    name = "vmha-test"
    existing = kreq(vs, "GET", "/users/%s/application_credentials?name=%s" % (uid, name))["application_credentials"]
    if os.path.exists(path):
        saved = json.load(open(path))
        if any(a["id"] == saved["id"] for a in existing):
            return saved
    for a in existing:
        kreq(vs, "DELETE", "/users/%s/application_credentials/%s" % (uid, a["id"]))
    ac = kreq(vs, "POST", "/users/%s/application_credentials" % uid, json={"application_credential": {
        "name": name, "description": "vmha test cloud (all of vmha's roles in project vmha)",
        "unrestricted": False}})["application_credential"]
    saved = {"id": ac["id"], "secret": ac["secret"], "name": name}
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(saved, f)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)
    say("application credential %s created for user %s" % (name, E["VMHA_USER"]))
    return saved


def write_clouds_yaml(appcred):
    def pw(user, password, project):
        return ("    auth:\n"
                "      auth_url: %s\n"
                "      username: %s\n"
                "      password: %s\n"
                "      project_name: %s\n"
                "      user_domain_name: Default\n"
                "      project_domain_name: Default\n" % (KEYSTONE, user, password, project))
    common = ("    region_name: %s\n"
              "    interface: public\n"
              "    identity_api_version: 3\n" % REGION)
    text = ("# vmha test cloud (written by test/cloud/cloud.sh setup); 127.0.0.1 only\n"
            "clouds:\n"
            "  vmha-test:\n" + pw(E["VMHA_USER"], E["VMHA_PASSWORD"], "vmha") + common +
            "  vmha-test-admin:\n" + pw("admin", E["ADMIN_PASSWORD"], "admin") + common)
    if appcred:
        text += ("  vmha-test-appcred:\n"
                 "    auth_type: v3applicationcredential\n"
                 "    auth:\n"
                 "      auth_url: %s\n"
                 "      application_credential_id: %s\n"
                 "      application_credential_secret: %s\n" % (KEYSTONE, appcred["id"], appcred["secret"])
                 + common)
    path = os.path.join(STATE, "clouds.yaml")
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)
    say("wrote %s (clouds: vmha-test, vmha-test-admin%s)" % (path, ", vmha-test-appcred" if appcred else ""))


if __name__ == "__main__":
    {"identity": identity, "resources": resources}[sys.argv[1]]()
