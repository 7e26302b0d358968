#!/usr/bin/env python3
"""Helpers of the live deployment test (tests/live/run); standard library only (jicofo-facts: pyhocon).

Subcommands (all output is for the bash driver):
  model        write a test topology (YAML) and a bash-sourceable description of its hosts
  steps-sh     a host's manifest steps (and file locations) as bash assignments
  write-files  carry out a host's write-files step into a root folder (modes, owners, sha256)
  prosody-cfg  copy Debian's prosody.cfg.lua, changing only data_path, pidfile and log
  config-js-check  config.js (JSON from node, on stdin) against prosody's host list
  debconf-verify  a selections file against a private debconf database
  xmpp-verdict the XMPP agents' results as ok/bad lines
  ws-upgrade   a WebSocket upgrade through nginx (status line and headers)
  jicofo-facts print "HOST PORT VERIFIES" from the rendered jicofo.conf: REST API, certificate check
"""

import argparse
import grp
import hashlib
import ipaddress
import json
import os
import pwd
import re
import shlex
import sys


def fail(msg):
    print(f"jtlive: {msg}", file=sys.stderr)
    sys.exit(1)


# --------------------------------------------------------------------------------------- model

def cmd_model(a):
    """A topology of N bridges on 198.18.0.0/24 (RFC 2544 benchmark range, never routed)."""
    if a.shards:
        return model_shards(a)
    domain = a.domain
    base = ipaddress.ip_address("198.18.0.10")
    sig_addr = base
    bridges = []
    for i in range(1, a.bridges + 1):
        bridges.append({
            "host": f"jvb{i}.{domain}",
            "address": str(base + i),
            # the handbook shape: each bridge behind 1:1 NAT (the public side is never used here)
            # (TEST-NET-3: the documentation range, which validation accepts as public; the
            # benchmarking range is not globally reachable, so not a public address)
            "public_address": str(ipaddress.ip_address("203.0.113.10") + i) if a.handbook else None,
            "nickname": f"jvb{i}.{domain}",  # the default the model documents (the host name)
        })
    first, last = ipaddress.ip_address(bridges[0]["address"]), ipaddress.ip_address(bridges[-1]["address"])
    # exactly the bridges: the outsider (and the signalling host) stay outside
    bridge_networks = [str(n) for n in ipaddress.summarize_address_range(first, last)]
    # issue 20: jibris (198.18.0.31...), inside the networks allowed to reach prosody too
    jibris = [{"host": f"jibri{i}.{domain}", "address": str(ipaddress.ip_address("198.18.0.30") + i),
               "nickname": f"jibri{i}.{domain}"} for i in range(1, a.jibris + 1)]
    bridge_networks += [f"{j['address']}/32" for j in jibris]
    # issue 20: jigasis (198.18.0.41...), likewise
    jigasis = [{"host": f"sip{i}.{domain}", "address": str(ipaddress.ip_address("198.18.0.40") + i),
                "nickname": f"sip{i}.{domain}"} for i in range(1, a.jigasis + 1)]
    bridge_networks += [f"{j['address']}/32" for j in jigasis]
    outsider = "198.18.0.200"
    admin = "198.18.0.250"
    pki, sec = a.pki, a.secrets
    lines = [
        "# Written by tests/live/jtlive.py model: the live test's own topology.",
        f"release: {a.release}",
        f'platform: {{ prosody: "{a.prosody}" }}',
        f"domain: {domain}",
        "tls:",
        "  mode: own",
        f"  certificate: {pki}/web.crt",
        f"  key: {pki}/web.key",
        "secrets:",
        f"  focus: {{ file: {sec}/focus }}",
        f"  jvb: {{ file: {sec}/jvb }}",
    ]
    if jibris:
        lines += [f"  jibri: {{ file: {sec}/jibri }}", f"  recorder: {{ file: {sec}/recorder }}"]
    if jigasis:
        lines += [f"  jigasi: {{ file: {sec}/jigasi }}"]
    if a.auth_internal:
        # issue 19: a secure domain with one account and guests
        lines += [
            f"  accounts: {{ alice: {{ file: {sec}/alice }} }}",
            "auth: { mode: internal, guests: true }",
        ]
    if a.auth_jwt:
        # issue 19: tokens signed with the shared secret in --auth-jwt's file (inline in the model:
        # the test's prosody starts without our systemd drop-in)
        with open(a.auth_jwt, encoding="utf-8") as f:
            jwt_secret = f.readline().rstrip("\n")
        lines += [
            f"  jwt: {{ value: {json.dumps(jwt_secret)} }}",
            "auth: { mode: jwt, app_id: my_web_app, issuers: [my_web_app], audiences: [jitsi], guests: true }",
        ]
    if a.auth_ldap:
        # issue 19: LDAP on the signalling host's loopback (no TLS there: the warning is acknowledged)
        lines += [
            "auth:",
            "  mode: ldap",
            f"  url: {a.auth_ldap}",
            "  base: ou=people,dc=jitsi-test,dc=example",
            "  filter: (&(objectClass=inetOrgPerson)(uid=$user))",
            "acknowledge:",
            "  - { code: ldap-cleartext, reason: the live test's slapd listens on the signalling host's loopback }",
        ]
    lines += [
        "signaling:",
        f"  host: signal.{domain}",
        f"  address: {sig_addr}",
        "bridges:",
    ]
    for b in bridges:
        extra = f", public_address: {b['public_address']}, jvm_max_memory: 8g" if b["public_address"] else ""
        lines.append(f"  - {{ host: {b['host']}, address: {b['address']}{extra} }}")
    if jibris:
        lines.append("jibris:")
        lines += [f"  - {{ host: {j['host']}, address: {j['address']} }}" for j in jibris]
        lines.append("recording: { file: true, streaming: true }")
    if jigasis:
        lines.append("jigasis:")
        lines += [f"  - {{ host: {j['host']}, address: {j['address']}, "
                  f"sip: {{ user: jitsi@sip.example.net, password: {{ file: {sec}/sip }} }} }}" for j in jigasis]
    lines += [
        f"bridge_networks: [{', '.join(bridge_networks)}]",
        "trust:",
        "  mode: ca",
        f"  ca_certificate: {pki}/ca.crt",
        f"  certificate: {pki}/auth.crt",
        f"  key: {pki}/auth.key",
        "firewall:",
        f"  default_drop: {'true' if a.default_drop else 'false'}",
        f"  admin_networks: [{admin}/32]",
    ]
    monitor = "198.18.0.240"
    if a.monitoring:
        lines.append(f"  monitoring_networks: [{monitor}/32]")
    with open(a.out, "w") as f:
        f.write("\n".join(lines) + "\n")
    env = {
        "DOMAIN": domain,
        "AUTH_DOMAIN": f"auth.{domain}",
        "SIG_HOST": f"signal.{domain}",
        "SIG_ADDR": str(sig_addr),
        "OUT_ADDR": outsider,
        "ADM_ADDR": admin,
        "MON_ADDR": monitor,
        "BRIDGE_NETWORKS": " ".join(bridge_networks),
        "RELEASE": a.release,
        "GUEST_DOMAIN": f"guest.{domain}",
    }
    out = [f"{k}={shlex.quote(v)}" for k, v in env.items()]
    out.append("BRIDGE_HOSTS=(" + " ".join(shlex.quote(b["host"]) for b in bridges) + ")")
    out.append("BRIDGE_ADDRS=(" + " ".join(shlex.quote(b["address"]) for b in bridges) + ")")
    out.append("BRIDGE_NICKS=(" + " ".join(shlex.quote(b["nickname"]) for b in bridges) + ")")
    for key, field in (("JIBRI_HOSTS", "host"), ("JIBRI_ADDRS", "address"), ("JIBRI_NICKS", "nickname")):
        out.append(f"{key}=(" + " ".join(shlex.quote(j[field]) for j in jibris) + ")")
    for key, field in (("JIGASI_HOSTS", "host"), ("JIGASI_ADDRS", "address"), ("JIGASI_NICKS", "nickname")):
        out.append(f"{key}=(" + " ".join(shlex.quote(j[field]) for j in jigasis) + ")")
    with open(a.env, "w") as f:
        f.write("\n".join(out) + "\n")


SHARD_NAMES = ("shard-a", "shard-b", "shard-c", "shard-d")


def model_shards(a):
    """The sharded form: shards on 198.18.0.10, .20, ..., bridges from .11 on (each serving the
    shards --serve names: "all" leaves `shards` out, which means every shard), a front door on
    .2 with HAProxy. No `bridge_networks` anywhere: each shard's firewall then admits exactly the
    addresses of the bridges that serve it (the model's documented default)."""
    domain = a.domain
    serve = a.serve.split(",") if a.serve else ["all"] * a.bridges
    if len(serve) != a.bridges:
        fail(f"--serve names {len(serve)} bridges, --bridges says {a.bridges}")
    names = list(SHARD_NAMES[:a.shards])
    shards = [{"name": n, "host": f"{n}.{domain}", "address": str(ipaddress.ip_address("198.18.0.10") + 10 * i)}
              for i, n in enumerate(names)]
    bridges = []
    for i in range(1, a.bridges + 1):
        want = serve[i - 1]
        listed = None if want == "all" else want.split("+")
        for n in listed or []:
            if n not in names:
                fail(f"--serve: unknown shard {n}")
        bridges.append({"host": f"jvb{i}.{domain}", "address": str(ipaddress.ip_address("198.18.0.10") + i),
                        "nickname": f"jvb{i}.{domain}", "listed": listed, "serves": listed or names})
    door = {"host": f"door.{domain}", "address": "198.18.0.2", "certificate": f"/etc/haproxy/certs/{domain}.pem"}
    pki, sec = a.pki, a.secrets
    lines = [
        "# Written by tests/live/jtlive.py model --shards: the live test's sharded topology.",
        f"release: {a.release}",
        'platform: { prosody: "0.12" }',
        f"domain: {domain}",
        "tls:",
        "  mode: own",
        f"  certificate: {pki}/web.crt",
        f"  key: {pki}/web.key",
        "secrets:",
        f"  focus: {{ file: {sec}/focus }}",
        f"  jvb: {{ file: {sec}/jvb }}",
        "front_door:",
        f"  host: {door['host']}",
        f"  address: {door['address']}",
        f"  certificate: {door['certificate']}",
        "shards:",
    ]
    for s in shards:
        lines.append(f"  - name: {s['name']}")
        lines.append(f"    signaling: {{ host: {s['host']}, address: {s['address']} }}")
    lines.append("bridges:")
    for b in bridges:
        extra = f", shards: [{', '.join(b['listed'])}]" if b["listed"] else ""
        lines.append(f"  - {{ host: {b['host']}, address: {b['address']}{extra} }}")
    lines += [
        "trust:",
        "  mode: ca",
        f"  ca_certificate: {pki}/ca.crt",
        f"  certificate: {pki}/auth.crt",
        f"  key: {pki}/auth.key",
        "firewall:",
        f"  default_drop: {'true' if a.default_drop else 'false'}",
        "  admin_networks: [198.18.0.250/32]",
        "# issue 21: the admin host plays the edge that names participants' regions",
        "participant_regions: { header: X-Proxy-Region, trusted_networks: [198.18.0.250/32] }",
    ]
    with open(a.out, "w") as f:
        f.write("\n".join(lines) + "\n")
    q = shlex.quote
    out = [f"DOMAIN={q(domain)}", f"AUTH_DOMAIN={q('auth.' + domain)}", f"RELEASE={q(a.release)}", "OUT_ADDR=198.18.0.200", "ADM_ADDR=198.18.0.250",
           f"DOOR_HOST={q(door['host'])}", f"DOOR_ADDR={q(door['address'])}", f"DOOR_CERT={q(door['certificate'])}",
           # no jibri in the sharded model (issue 20's functions read these under set -u)
           "JIBRI_HOSTS=()", "JIBRI_ADDRS=()", "JIBRI_NICKS=()",
           "JIGASI_HOSTS=()", "JIGASI_ADDRS=()", "JIGASI_NICKS=()"]
    for key, vals in (("SHARD_NAMES", [s["name"] for s in shards]), ("SHARD_HOSTS", [s["host"] for s in shards]),
                      ("SHARD_ADDRS", [s["address"] for s in shards]),
                      ("BRIDGE_HOSTS", [b["host"] for b in bridges]), ("BRIDGE_ADDRS", [b["address"] for b in bridges]),
                      ("BRIDGE_NICKS", [b["nickname"] for b in bridges]),
                      ("BRIDGE_SHARDS", [" ".join(b["serves"]) for b in bridges])):
        out.append(f"{key}=(" + " ".join(q(v) for v in vals) + ")")
    with open(a.env, "w") as f:
        f.write("\n".join(out) + "\n")
    # what the checks expect, from the model (never from the rendered files)
    spec = {"domain": domain, "door": door, "shards": shards,
            "bridges": [{k: b[k] for k in ("host", "address", "nickname", "serves")} for b in bridges]}
    with open(os.path.splitext(a.out)[0] + ".json", "w") as f:
        json.dump(spec, f, indent=1)


# ------------------------------------------------------------------------------------ manifest

def load_host(manifest, host):
    with open(manifest) as f:
        m = json.load(f)
    for h in m["hosts"]:
        if h["name"] == host:
            return h
    fail(f"host {host} is not in {manifest}")


def sh_name(s):
    return re.sub(r"\W", "_", s)


def sh_value(v):
    if isinstance(v, list):
        return "(" + " ".join(shlex.quote(str(x)) for x in v) + ")"
    if v is None:
        return "''"
    if isinstance(v, bool):
        return "true" if v else "false"
    return shlex.quote(str(v))


def unit_exec(path, key):
    """Exec<KEY>= of a unit file as argv (systemd's prefixes such as + removed)."""
    with open(path) as f:
        for line in f.read().splitlines():
            if line.startswith(key + "="):
                words = shlex.split(line.split("=", 1)[1])
                words[0] = words[0].lstrip("+-@!:")
                return words
    return None


def cmd_steps_sh(a):
    """A host's steps (and where its files are), as bash assignments for eval:
    ST_N; ST_<i>_<field> (arrays for lists); for service steps whose unit we render,
    ST_<i>_unit_ExecStart / _ExecStop (argv); FILE_<kind> (paths); DROPIN_<service>."""
    h = load_host(a.manifest, a.host)
    out = [f"ST_N={len(h['steps'])}"]
    for i, s in enumerate(h["steps"]):
        for k, v in s.items():
            out.append(f"ST_{i}_{sh_name(k)}={sh_value(v)}")
        if s["action"] == "service":
            unit = os.path.join(a.out, a.host, "etc/systemd/system", s["service"] + ".service")
            if os.path.exists(unit):
                for key in ("ExecStart", "ExecStop"):
                    argv = unit_exec(unit, key)
                    if argv:
                        out.append(f"ST_{i}_unit_{key}={sh_value(argv)}")
    kinds = {}
    for f in h["files"]:
        kinds.setdefault(f["kind"], []).append(f["path"])
        m = re.fullmatch(r"/etc/systemd/system/([^/]+)\.service\.d/[^/]+\.conf", f["path"])
        if m:
            out.append(f"DROPIN_{sh_name(m.group(1))}={sh_value(f['path'])}")
    for k, paths in kinds.items():
        out.append(f"FILE_{sh_name(k)}={sh_value(paths)}")
    print("\n".join(out))


def under(root, path):
    """PATH (absolute, on the host) inside ROOT (the host's root folder)."""
    if not path.startswith("/"):
        fail(f"not an absolute path: {path}")
    return path if root == "/" else os.path.join(root, path.lstrip("/"))


def cmd_write_files(a):
    """The write-files step: each listed file, from the rendered tree, with its mode and owner."""
    h = load_host(a.manifest, a.host)
    files = {f["path"]: f for f in h["files"]}
    if a.step is not None:
        step = h["steps"][a.step] if 0 <= a.step < len(h["steps"]) else None
        if step is None or step["action"] != "write-files":
            fail(f"{a.host}'s step {a.step} is not a write-files step")
    else:
        step = next((s for s in h["steps"] if s["action"] == "write-files"), None)
    if step is None:
        fail(f"{a.host} has no write-files step")
    missing_ids = set()
    for path in step["files"]:
        meta = files.get(path)
        if meta is None:
            fail(f"write-files names {path}, which is not among {a.host}'s files")
        src = os.path.join(a.out, a.host, path.lstrip("/"))
        with open(src, "rb") as f:
            data = f.read()
        # A file flagged secret carries no sha256 (a hash of a secret would be a guess oracle).
        if "sha256" in meta and hashlib.sha256(data).hexdigest() != meta["sha256"]:
            fail(f"{a.host}:{path}: the file on disk does not match the manifest's sha256")
        dst = under(a.root, path)
        os.makedirs(os.path.dirname(dst), mode=0o755, exist_ok=True)
        tmp = dst + ".jt-tmp"
        with open(tmp, "wb") as f:
            f.write(data)
        os.chmod(tmp, int(meta["mode"], 8))
        try:
            uid = pwd.getpwnam(meta["owner"]).pw_uid
        except KeyError:
            uid = 0
            missing_ids.add(f"user {meta['owner']}")
        try:
            gid = grp.getgrnam(meta["group"]).gr_gid
        except KeyError:
            gid = 0
            missing_ids.add(f"group {meta['group']}")
        os.chown(tmp, uid, gid)
        os.replace(tmp, dst)
    note = f" (not on this machine, root used instead: {', '.join(sorted(missing_ids))})" if missing_ids else ""
    print(f"{len(step['files'])} files, sha256 as in the manifest{note}")


# ------------------------------------------------------------------------------------- prosody

def cmd_prosody_cfg(a):
    """Debian's main config, changed only where the test must: data, pid and log paths."""
    with open(a.src) as f:
        text = f.read()
    changes = [
        (r'(?m)^pidfile = "[^"]*";?', f'pidfile = "{a.pid}";'),
        (r'(?ms)^log = \{.*?^\}', f'log = {{\n\tinfo = "{a.log}";\n\terror = "{a.err}";\n}}'),
    ]
    for pattern, repl in changes:
        text, n = re.subn(pattern, lambda _m, r=repl: r, text, count=1)
        if n != 1:
            fail(f"Debian's prosody.cfg.lua changed: no match for {pattern}")
    if 'Include "conf.d/*.cfg.lua"' not in text:
        fail("Debian's prosody.cfg.lua has no Include \"conf.d/*.cfg.lua\"")
    # data_path is not in Debian's file (the compiled-in default is /var/lib/prosody): add it up top
    header = (f"-- jitsi-topology live test: Debian's {a.src}, with data_path, pidfile and log moved\n"
              f"-- into the test's temporary folder.\n"
              f'data_path = "{a.data}"\n')
    with open(a.dst, "w") as f:
        f.write(header + text)


def cmd_jicofo_facts(a):
    """jicofo.conf (HOCON): its REST host and port, and whether it verifies prosody's certificate."""
    from pyhocon import ConfigFactory
    c = ConfigFactory.parse_file(a.conf, resolve=False)
    off = c.get("jicofo.xmpp.client.disable-certificate-verification", False)
    verifies = "false" if str(off).lower() == "true" else "true"  # jicofo's default: it verifies
    print(c.get_string("jicofo.rest.host", "127.0.0.1"), c.get_int("jicofo.rest.port", 8888), verifies)


def cmd_jicofo_may_start(a):
    """STAND-IN for jicofo's decision whether a participant may start a conference, applied to
    the rendered jicofo.conf (pyhocon) by the rule in jicofo's code at stable/jitsi-meet_11146
    (jitsi/jicofo a595d0bc): authentication's type is NONE unless `jicofo.authentication.enabled`
    (AuthConfig.kt l.27-33, 58); XMPP and JWT make an authority for the domain `login-url`
    (JicofoServices.kt l.187-200), which knows a participant whose JID's domain is that domain
    (XMPPDomainAuthAuthority.java l.63-66, 83; ExternalJWTAuthority extends it); a room that does
    not exist yet is created only for a participant the authority knows, else `not-authorized`
    (ConferenceIqHandler.kt l.212-219). Prints, per JID, `start` or `not-authorized`."""
    from pyhocon import ConfigFactory
    c = ConfigFactory.parse_file(a.conf, resolve=False)
    enabled = str(c.get("jicofo.authentication.enabled", False)).lower() == "true"
    kind = str(c.get("jicofo.authentication.type", "NONE")) if enabled else "NONE"
    login = c.get("jicofo.authentication.login-url", None)
    for jid in a.jids:
        if kind == "NONE":
            verdict = "start"
        elif kind in ("XMPP", "JWT"):
            domain = jid.split("/", 1)[0].rsplit("@", 1)[-1]
            verdict = "start" if login is not None and domain == str(login) else "not-authorized"
        else:
            verdict = f"unknown-type-{kind}"
        print(f"{jid}\t{verdict}\t{kind}\t{login}")


def cmd_config_js_check(a):
    """config.js (as JSON on stdin, from node) against prosody's `host:list()` output."""
    cfg = json.load(sys.stdin)
    served = {}
    with open(a.hosts) as f:
        for line in f:
            m = re.fullmatch(r"([a-z0-9.-]+)(?: \((\S+) component\))?\s*", line)
            if m:
                served[m.group(1)] = m.group(2) or "VirtualHost"
    want = {"domain": "VirtualHost", "muc": "muc", "focus": "client_proxy"}
    bad, good = [], []
    for key, value in cfg["hosts"].items():
        kind = served.get(value)
        if kind is None:
            bad.append(f"hosts.{key}={value} is not served by prosody")
        elif key in want and kind != want[key]:
            bad.append(f"hosts.{key}={value} is a {kind} on prosody, expected {want[key]}")
        else:
            good.append(f"{key}={value} ({kind})")
    bosh, ws = cfg.get("bosh"), cfg.get("websocket")
    if bosh != f"https://{a.domain}/http-bind" or ws != f"wss://{a.domain}/xmpp-websocket":
        bad.append(f"bosh/websocket URLs: {bosh} {ws}")
    if cfg.get("subdir") != "" or cfg.get("subdomain") != "":
        bad.append(f"subdir/subdomain not empty: {cfg.get('subdir')!r} {cfg.get('subdomain')!r}")
    if a.shard:
        got = (cfg.get("deploymentInfo") or {}).get("shard")
        if got != a.shard:
            bad.append(f"deploymentInfo.shard is {got!r}, expected {a.shard!r} (the shard this nginx serves)")
        else:
            good.append(f"deploymentInfo.shard={got}")
    # the web app appends ?room= to it (jitsi-meet b0591ed9, 2023), so with shards too the front
    # door routes it by room
    crq = cfg.get("conferenceRequestUrl")
    if crq != f"https://{a.domain}/conference-request/v1":
        bad.append(f"conferenceRequestUrl is {crq!r}, expected https://{a.domain}/conference-request/v1")
    else:
        good.append(f"conferenceRequestUrl={crq}")
    print(("BAD " + "; ".join(bad)) if bad else ("OK " + ", ".join(good)))


def cmd_debconf_verify(a):
    """Every answer of a debconf-set-selections file, found with its value in a File-driver database."""
    with open(a.selections) as f:
        wanted = {}
        for line in f:
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            owner, question, _type, value = (line.rstrip("\n").split(None, 3) + [""])[:4]
            wanted[question] = value
    db, name = {}, None
    with open(a.db) as f:
        for line in f:
            if line.startswith("Name: "):
                name = line[6:].rstrip("\n")
            elif line.startswith("Value: ") and name:
                db[name] = line[7:].rstrip("\n")
    bad = [f"{q}={v!r} (database: {db.get(q)!r})" for q, v in wanted.items() if db.get(q) != v]
    print(("BAD " + "; ".join(bad)) if bad else f"OK {len(wanted)} answers")


def read_json(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def tail(path, n=3):
    try:
        with open(path) as f:
            return " ".join(f.read().splitlines()[-n:])
    except OSError:
        return ""


def probe_verdicts(run):
    """The verdicts on the two probes every XMPP scenario runs: a bridge client with a wrong
    password and one that trusts only an unrelated CA must both be refused."""
    out = []
    for name, want_st, text in (("probe-password", "auth-refused", "a bridge client with a wrong password is refused (SASL failure)"),
                                ("probe-tls", "tls-refused", "a bridge client that trusts only an unrelated CA fails TLS "
                                                            "verification (so verification is on)")):
        r = read_json(os.path.join(run, name + ".json"))
        st = r.get("status") if r else None
        if st == want_st:
            out.append(("ok", f"xmpp: {text}"))
        else:
            out.append(("bad", f"xmpp: {name}: {st} {(r or {}).get('detail', tail(os.path.join(run, name + '.console')))}"))
    return out


def cmd_jibri_verdict(a):
    """Issue 20: one jibri stand-in's result (every environment of its jibri.conf), or the
    recorder stand-in's, as one line: its status first."""
    try:
        with open(a.result) as f:
            r = json.load(f)
    except (OSError, ValueError) as e:
        print(f"missing {e}")
        return
    if a.recorder:
        tls = (r.get("tls") or {}).get("version", "no TLS")
        print(r.get("status"), r.get("jid", "-"), "->", r.get("room", "-"), "over WebSocket through nginx,",
              tls, "verified for", r.get("domain"), r.get("detail", ""))
        return
    parts = []
    for name, c in sorted(r.get("configs", {}).items()):
        tls = (c.get("tls") or {}).get("version", "no TLS")
        parts.append(f"{name}: {c.get('status')} {','.join(c.get('joined', []))} as {c.get('nick')} "
                     f"({c['settings'].get('username')}@{c['settings'].get('domain')}, {tls}, verified)")
    print(r.get("status"), "; ".join(parts), r.get("detail", ""))


def cmd_jigasi_verdict(a):
    """Issue 20: one jigasi stand-in's result (every brewery account of its
    sip-communicator.properties, as Java's Properties loader read it), as one line: its status first."""
    try:
        with open(a.result) as f:
            r = json.load(f)
    except (OSError, ValueError) as e:
        print(f"missing {e}")
        return
    parts = []
    for name, c in sorted(r.get("configs", {}).items()):
        tls = (c.get("tls") or {}).get("version", "no TLS")
        s = c.get("settings") or {}
        parts.append(f"{name}: {c.get('status')} {','.join(c.get('joined', []))} as {c.get('nick')} "
                     f"({s.get('USER_ID')} at {s.get('SERVER_ADDRESS')}:{s.get('SERVER_PORT')}, {tls}, verified) "
                     f"{c.get('detail', '')}".strip())
    notes = "; ".join(r.get("service", []))
    print(r.get("status"), "; ".join(parts), f"[{notes}]" if notes else "", r.get("detail", ""))


def cmd_xmpp_verdict(a):
    """Every XMPP agent's result as lines KIND<TAB>TEXT for the driver (ok, bad, joined, focus_saw, refused)."""
    out = []
    joined = 0
    for host, addr in zip(a.bridges, a.addresses):
        res = read_json(os.path.join(a.run, f"bridge-{host}.json"))
        if res is None:
            out.append(("bad", f"xmpp: {host}: no result ({tail(os.path.join(a.run, f'bridge-{host}.console'))})"))
            continue
        st, detail = res.get("status"), res.get("detail", "")
        if host == a.bad:
            if st == "auth-refused":
                out.append(("ok", f"xmpp: {host} was REFUSED by prosody, as it must be: the password its jvb.conf resolves "
                                  f"(through its drop-in, from its own secret file) is not the one of jvb@{a.auth_domain}"))
                out.append(("refused", host))
            else:
                out.append(("bad", f"xmpp: {host} should have been refused (its password differs from prosody's account) "
                                   f"but: {st} {detail}"))
            continue
        if st == "joined":
            joined += 1
            s, t = res["settings"], res.get("tls") or {}
            out.append(("ok", f"xmpp: {host} from {addr}: {s['USERNAME']}@{s['DOMAIN']} at {s['HOSTNAME']}:{s['PORT']}, "
                              f"{t.get('version')}, verified {t.get('subject_cn')} (issuer {t.get('issuer_cn')}), "
                              f"joined {s['MUC_JIDS']} as {res.get('nick')}"))
        else:
            out.append(("bad", f"xmpp: {host} did not join: {st} {detail}"))
            out.append(("refused", host))
    out.append(("joined", str(joined)))
    f = read_json(os.path.join(a.run, "focus.json"))
    want = sorted(a.expect)
    if f is None:
        out.append(("bad", f"xmpp: focus: no result ({tail(os.path.join(a.run, 'focus.console'))})"))
    else:
        occ = f.get("occupants")
        s = f.get("settings", {})
        out.append(("focus_saw", str(len(occ)) if isinstance(occ, list) else "?"))
        if f.get("status") == "joined" and occ == want:
            out.append(("ok", f"xmpp: focus ({s.get('username')}@{s.get('domain')} from jicofo.conf, at "
                              f"{s.get('hostname')}:{s.get('port')}) in {s.get('brewery-jid')} sees exactly the "
                              f"{len(want)} expected nicknames"))
        else:
            out.append(("bad", f"xmpp: focus ({f.get('status')} {f.get('detail', '')}) sees {occ}, expected exactly {want}"))
        sub = f.get("client_proxy_subscription")
        if sub in ("from", "both"):
            out.append(("ok", f"xmpp: roster-subscribe took effect: focus's roster has {s.get('client-proxy')} "
                              f"with subscription {sub}"))
        else:
            out.append(("bad", f"xmpp: focus's roster lacks the client_proxy subscription: {f.get('roster')}"))
    out.extend(probe_verdicts(a.run))
    for kind, text in out:
        print(f"{kind}\t{text}")


def cmd_ws_upgrade(a):
    """A WebSocket upgrade request over TLS (verified): prints the status line and the headers."""
    import socket
    import ssl
    ctx = ssl.create_default_context(cafile=a.cafile)
    with socket.create_connection((a.address, 443), timeout=a.timeout) as raw:
        with ctx.wrap_socket(raw, server_hostname=a.host) as s:
            s.sendall((f"GET {a.path} HTTP/1.1\r\nHost: {a.host}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
                       "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                       "Sec-WebSocket-Protocol: xmpp\r\n\r\n").encode())
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = s.recv(4096)
                if not chunk:
                    break
                data += chunk
    print(data.split(b"\r\n\r\n")[0].decode(errors="replace").replace("\r", ""))


# -------------------------------------------------------------------------------------- shards

def cmd_shards_verdict(a):
    """The sharded scenario's XMPP results as KIND<TAB>TEXT lines: every bridge joined the brewery
    of exactly the shards the model says it serves (one xmpp-client config per shard, each at that
    shard's prosody, one nickname), and each shard's focus sees exactly the nicknames of the
    bridges serving that shard."""
    with open(a.spec) as f:
        spec = json.load(f)
    shard_addr = {s["name"]: s["address"] for s in spec["shards"]}
    out, joined, conns = [], 0, 0
    for b in spec["bridges"]:
        host = b["host"]
        res = read_json(os.path.join(a.run, f"bridge-{host}.json"))
        if res is None:
            out.append(("bad", f"xmpp: {host}: no result ({tail(os.path.join(a.run, f'bridge-{host}.console'))})"))
            continue
        configs = res.get("configs") or {}
        if res.get("status") != "joined":
            out.append(("bad", f"xmpp: {host} did not join every brewery: {res.get('status')} {res.get('detail', '')}"))
            continue
        problems, seen = [], []
        if sorted(configs) != sorted(b["serves"]):
            problems.append(f"jvb.conf's xmpp-client configs are {sorted(configs)}, the model says it serves {sorted(b['serves'])}")
        for name, r in sorted(configs.items()):
            st, t = r.get("settings", {}), r.get("tls") or {}
            if name in shard_addr and st.get("HOSTNAME") != shard_addr[name]:
                problems.append(f"config {name} logs in at {st.get('HOSTNAME')}, {name}'s prosody is at {shard_addr[name]}")
            if r.get("nick") != b["nickname"]:
                problems.append(f"config {name} joins as {r.get('nick')}, expected {b['nickname']}")
            seen.append(f"{name} ({st.get('HOSTNAME')}:{st.get('PORT')}, {t.get('version')}, verified {t.get('subject_cn')})")
        if problems:
            out.append(("bad", f"xmpp: {host}: " + "; ".join(problems)))
            continue
        joined += 1
        conns += len(configs)
        out.append(("ok", f"xmpp: {host} from {b['address']} as {b['nickname']}: one connection per shard it serves, each "
                          f"joined its shard's {next(iter(configs.values()))['settings'].get('MUC_JIDS')}: " + ", ".join(seen)))
    out.append(("joined", str(joined)))
    out.append(("connections", str(conns)))
    for sh in spec["shards"]:
        name = sh["name"]
        want = sorted(b["nickname"] for b in spec["bridges"] if name in b["serves"])
        f = read_json(os.path.join(a.scenario, name, "run", "focus.json"))
        if f is None:
            out.append(("bad", f"xmpp: {name}'s focus: no result ({tail(os.path.join(a.scenario, name, 'run', 'focus.console'))})"))
            out.append(("focus_saw", f"{name}=?/{len(want)}"))
            continue
        occ, s = f.get("occupants"), f.get("settings", {})
        out.append(("focus_saw", f"{name}={len(occ) if isinstance(occ, list) else '?'}/{len(want)}"))
        short = ", ".join(n.split(".")[0] for n in want)
        if f.get("status") == "joined" and occ == want:
            out.append(("ok", f"xmpp: {name}'s focus ({s.get('username')}@{s.get('domain')} from {name}'s jicofo.conf, at "
                              f"{s.get('hostname')}:{s.get('port')} in {name}'s namespace) in {s.get('brewery-jid')} sees exactly "
                              f"the {len(want)} bridges serving {name}: {short}"))
        else:
            out.append(("bad", f"xmpp: {name}'s focus ({f.get('status')} {f.get('detail', '')}) sees {occ}, expected exactly {want}"))
        if f.get("client_proxy_subscription") not in ("from", "both"):
            out.append(("bad", f"xmpp: {name}: focus's roster lacks the client_proxy subscription: {f.get('roster')}"))
    out.extend(probe_verdicts(a.run))
    for kind, text in out:
        print(f"{kind}\t{text}")


def cmd_syslog_sink(a):
    """rsyslog's stand-in for HAProxy: a datagram socket at SOCKET (Debian's rsyslog adds one in
    haproxy's chroot); every message is appended to FILE."""
    import socket
    try:
        os.unlink(a.socket)
    except FileNotFoundError:
        pass
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(a.socket)
    os.chmod(a.socket, 0o666)
    with open(a.file, "ab", buffering=0) as f:
        with open(a.ready, "w") as r:
            r.write("ready\n")
        while True:
            f.write(s.recv(65536).rstrip(b"\n") + b"\n")


def haproxy_servers(sock_path, backend):
    """`show stat` on HAProxy's stats socket: {server: row} of BACKEND."""
    import csv
    import socket
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(5)
    s.connect(sock_path)
    s.sendall(b"show stat\n")
    data = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    s.close()
    lines = data.decode().splitlines()
    rows = csv.DictReader([lines[0].lstrip("# ")] + lines[1:])
    return {r["svname"]: r for r in rows if r.get("pxname") == backend and r["svname"] not in ("FRONTEND", "BACKEND")}


def cmd_haproxy_wait(a):
    """Wait (bounded) until every server of BACKEND has STATUS and CHECK (e.g. UP L7OK), or the
    named ones: prints "OK|BAD server status check_status check_code check_desc;..."."""
    import time
    deadline = time.monotonic() + a.timeout
    want = dict(w.split("=", 1) for w in a.want)  # server=STATUS/CHECK
    last = {}
    while True:
        try:
            last = haproxy_servers(a.socket, a.backend)
        except OSError as e:
            last = {"?": {"status": f"stats socket: {e}", "check_status": "", "check_code": "", "check_desc": ""}}
        good = all(k in last and f"{last[k]['status']}/{last[k]['check_status']}" == v for k, v in want.items())
        if good or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    desc = "; ".join(f"{k} {r['status']} {r['check_status']} {r['check_code']} ({r['check_desc']})" for k, r in sorted(last.items()))
    print(("OK " if good else "BAD ") + desc)


def http_through(address, host, cafile, method, path, headers=None, body=None, timeout=3):
    """One HTTPS request to ADDRESS with SNI and Host HOST, certificate verified against CAFILE
    (for HOST): (status, headers dict lower-case, body)."""
    import http.client
    import socket
    import ssl
    ctx = ssl.create_default_context(cafile=cafile)
    c = http.client.HTTPConnection(host, 443, timeout=timeout)
    c.sock = ctx.wrap_socket(socket.create_connection((address, 443), timeout=timeout), server_hostname=host)
    h = {"Host": host}
    h.update(headers or {})
    try:
        c.request(method, path, body=body, headers=h)
        r = c.getresponse()
        data = r.read() if r.status != 101 else b""
        return r.status, {k.lower(): v for k, v in r.getheaders()}, data.decode(errors="replace")
    finally:
        c.close()


BOSH = ("<body rid='{rid}' to='{domain}' xml:lang='en' wait='10' hold='1' content='text/xml; charset=utf-8' ver='1.6' "
        "xmpp:version='1.0' xmlns='http://jabber.org/protocol/httpbind' xmlns:xmpp='urn:xmpp:xbosh'/>")


def cmd_standin_plugins(a):
    """Jitsi's prosody plugin folder for the release under test, from its facts table
    (facts/<release>/prosody-modules.tsv: the modules jitsi-meet's prosody-plugins of the release
    have): for each such module, the behaviour stand-in of --standins when there is one, nothing
    when prosody itself has the module (prosody's own serves, as it would beside Jitsi's copy),
    else a stand-in without behaviour (it reads no option and does nothing but say it loaded). A
    module the release does not have gets no file, so prosody cannot load it. Prints one line:
    what it wrote."""
    import shutil
    modules = []
    with open(a.facts) as f:
        header = None
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            cells = line.rstrip("\n").split("\t")
            if header is None:
                header = cells
                continue
            row = dict(zip(header, cells))
            if row.get("kind") == "module":
                modules.append(row["key"])
    if not modules:
        fail(f"{a.facts} names no module")
    os.makedirs(a.out, exist_ok=True)
    behaviour, core, empty = [], [], []
    for m in sorted(set(modules)):
        src = os.path.join(a.standins, f"mod_{m}.lua")
        dst = os.path.join(a.out, f"mod_{m}.lua")
        if os.path.exists(src):
            shutil.copyfile(src, dst)
            behaviour.append(m)
        elif any(os.path.exists(os.path.join(a.core, p)) for p in (f"mod_{m}.lua", f"mod_{m}/mod_{m}.lua")):
            core.append(m)
            continue
        else:
            with open(dst, "w") as f:
                f.write(f"-- TEST STAND-IN written by jitsi-topology's live test (tests/live/jtlive.py standin-plugins)\n"
                        f"-- from {a.facts}: jitsi-meet's mod_{m} exists in this release. It reads no option and\n"
                        f"-- does nothing but log that it loaded.\n"
                        f"module:log(\"info\", \"jitsi-topology live test: STAND-IN %s (no behaviour) loaded\", module.name);\n")
            empty.append(m)
        os.chmod(dst, 0o644)
    unused = sorted(f[4:-4] for f in os.listdir(a.standins)
                    if f.startswith("mod_") and f.endswith(".lua") and f[4:-4] not in modules)
    print(f"{len(modules)} modules of {a.facts}: behaviour stand-ins {' '.join(behaviour) or 'none'}; "
          f"prosody's own: {' '.join(core) or 'none'}; {len(empty)} stand-ins without behaviour"
          + (f"; behaviour stand-ins this release does not have (not installed): {' '.join(unused)}" if unused else ""))


def cmd_door_rooms(a):
    """Through the front door, for each room: two BOSH session requests (POST /http-bind?room=R)
    and a WebSocket upgrade (GET /xmpp-websocket?room=R). Writes JSON {room: [{kind, status,
    shard (X-Jitsi-Shard), sid}]}."""
    result = {}
    errors = 0
    for i, room in enumerate(a.rooms):
        got = []
        for kind in ("bosh", "bosh", "websocket"):
            if errors >= 3:  # the door does not answer: no need to wait for every request
                got.append({"kind": kind, "status": None, "error": "not tried (3 requests failed before)"})
                continue
            try:
                if kind == "bosh":
                    st, h, body = http_through(a.address, a.host, a.cafile, "POST", f"/http-bind?room={room}",
                                               {"Content-Type": "text/xml; charset=utf-8"},
                                               BOSH.format(rid=4242 + i, domain=a.host))
                    m = re.search(r"sid=['\"]([^'\"]+)['\"]", body)
                    got.append({"kind": kind, "status": st, "shard": h.get("x-jitsi-shard"), "sid": m.group(1) if m else None})
                else:
                    st, h, _ = http_through(a.address, a.host, a.cafile, "GET", f"/xmpp-websocket?room={room}",
                                            {"Connection": "Upgrade", "Upgrade": "websocket", "Sec-WebSocket-Version": "13",
                                             "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Protocol": "xmpp"})
                    got.append({"kind": kind, "status": st, "shard": h.get("x-jitsi-shard"),
                                "protocol": h.get("sec-websocket-protocol")})
            except Exception as e:  # noqa: BLE001 - reported
                errors += 1
                got.append({"kind": kind, "status": None, "error": f"{type(e).__name__}: {e}"})
        result[room] = got
    with open(a.out, "w") as f:
        json.dump(result, f, indent=1)


def cmd_door_verdict(a):
    """The rooms' answers (door-rooms JSON) as KIND<TAB>TEXT lines: every request of a room was
    answered by one shard (X-Jitsi-Shard), each BOSH request got a prosody session, each
    WebSocket upgrade a 101; HAProxy's log names the same server for each request, and only that
    shard's nginx logged the room. --expect SHARD: every room must be on that shard."""
    import time
    with open(a.rooms) as f:
        rooms = json.load(f)
    logs = dict(x.split("=", 1) for x in a.access_log)
    out, mapping, problems = [], {}, []
    for room, reqs in rooms.items():
        shards = {r.get("shard") for r in reqs}
        errs = [r for r in reqs if (r["kind"] == "bosh" and (r.get("status") != 200 or not r.get("sid")))
                or (r["kind"] == "websocket" and r.get("status") != 101)]
        if errs:
            problems.append(f"{room}: {errs}")
        if len(shards) != 1 or None in shards:
            problems.append(f"{room}: answered by {sorted(map(str, shards))}")
            continue
        mapping[room] = shards.pop()
    if a.expect:
        off = {r: s for r, s in mapping.items() if s != a.expect}
        if off:
            problems.append(f"expected every room on {a.expect}, but {off}")
    # HAProxy's own account (its log through the syslog stand-in, from byte --log-offset on)
    hap = {}
    if a.haproxy_log:
        deadline = time.monotonic() + 3
        # httplog's request line, or the redacting log-format's method and URI, each quoted
        pat = re.compile(r" shards/(\S+) .*\"(?:GET|POST)\"? \"?/(?:http-bind|xmpp-websocket)\?room=([^ &\"]+)")
        while True:
            hap = {}
            with open(a.haproxy_log, "rb") as f:
                f.seek(a.log_offset)
                for line in f.read().decode(errors="replace").splitlines():
                    m = pat.search(line)
                    if m and m.group(2) in mapping:
                        hap.setdefault(m.group(2), []).append(m.group(1))
            if sum(map(len, hap.values())) >= 3 * len(mapping) or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        n = sum(map(len, hap.values()))
        if n != 3 * len(mapping):
            problems.append(f"HAProxy logged {n} of the {3 * len(mapping)} room requests")
        for room, servers in hap.items():
            if any(x != mapping[room] for x in servers):
                problems.append(f"{room}: HAProxy logged servers {servers}, X-Jitsi-Shard said {mapping[room]}")
    per_shard = {}
    for room, shard in mapping.items():
        per_shard.setdefault(shard, []).append(room)
    if a.access_log and not a.expect:
        for shard, path in logs.items():
            with open(path, errors="replace") as f:
                text = f.read()
            for room, owner in mapping.items():
                here_ = f"room={room} " in text or f"room={room}&" in text
                if here_ != (owner == shard):
                    problems.append(f"{room}: {shard}'s nginx access log {'has' if here_ else 'lacks'} it, X-Jitsi-Shard said {owner}")
    split = ", ".join(f"{s}: {len(r)}" for s, r in sorted(per_shard.items()))
    out.append(("split", split))
    if problems:
        out.append(("bad", "front door: " + "; ".join(problems)))
    else:
        extra = (f"; HAProxy's log names the same server for all {sum(map(len, hap.values()))} requests"
                 if hap else "")
        out.append(("ok", f"front door: each of {len(mapping)} rooms went to one shard for all 3 requests (2 BOSH sessions "
                          f"from that shard's prosody, 1 WebSocket 101), by X-Jitsi-Shard ({split}){extra}"
                          + ("" if a.expect else "; each room is in its shard's nginx access log only")))
    if a.mapping:
        with open(a.mapping, "w") as f:
            json.dump(mapping, f)
    for kind, text in out:
        print(f"{kind}\t{text}")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    m = sub.add_parser("model")
    m.add_argument("--out", required=True)
    m.add_argument("--env", required=True)
    m.add_argument("--pki", required=True, help="folder of ca.crt, auth.{crt,key}, web.{crt,key}")
    m.add_argument("--secrets", required=True, help="folder of the focus and jvb secret files")
    m.add_argument("--domain", required=True)
    m.add_argument("--bridges", type=int, required=True)
    m.add_argument("--default-drop", action="store_true")
    m.add_argument("--jibris", type=int, default=0, help="issue 20: this many jibri hosts, recording and streaming on")
    m.add_argument("--jigasis", type=int, default=0, help="issue 20: this many jigasi hosts")
    m.add_argument("--release", default="stable-11146", help="the model's Jitsi Meet release")
    m.add_argument("--handbook", action="store_true", help="the handbook shape: public addresses, 8g heap")
    m.add_argument("--prosody", default="0.12", choices=("0.12", "13"), help="the model's platform.prosody")
    m.add_argument("--monitoring", action="store_true", help="a monitoring host (MON_ADDR) in firewall.monitoring_networks")
    m.add_argument("--shards", type=int, default=0, help="the sharded form with this many shards (2 to 4)")
    m.add_argument("--serve", default="", help="with --shards: per bridge, comma-separated, the shards it serves "
                                              "(shard-a+shard-b) or all (the default: `shards` left out)")
    m.add_argument("--auth-internal", action="store_true", help="auth: internal with guests and the account alice")
    m.add_argument("--auth-ldap", default="", help="auth: ldap with this URL (no guests)")
    m.add_argument("--auth-jwt", default="", help="auth: jwt with guests, signed with the secret in this file")
    m.set_defaults(f=cmd_model)
    js = sub.add_parser("jicofo-may-start")
    js.add_argument("conf")
    js.add_argument("jids", nargs="+")
    js.set_defaults(f=cmd_jicofo_may_start)
    s = sub.add_parser("steps-sh")
    s.add_argument("manifest")
    s.add_argument("out")
    s.add_argument("host")
    s.set_defaults(f=cmd_steps_sh)
    w = sub.add_parser("write-files")
    w.add_argument("manifest")
    w.add_argument("out")
    w.add_argument("host")
    w.add_argument("root")
    w.add_argument("--step", type=int, help="the index of the write-files step to carry out (default: the first)")
    w.set_defaults(f=cmd_write_files)
    c = sub.add_parser("prosody-cfg")
    for k in ("src", "dst", "data", "pid", "log", "err"):
        c.add_argument("--" + k, required=True)
    c.set_defaults(f=cmd_prosody_cfg)
    j = sub.add_parser("jicofo-facts")
    j.add_argument("conf")
    j.set_defaults(f=cmd_jicofo_facts)
    k = sub.add_parser("config-js-check")
    k.add_argument("hosts")
    k.add_argument("domain")
    k.add_argument("--shard", default="", help="the shard this config.js comes from (deploymentInfo.shard)")
    k.set_defaults(f=cmd_config_js_check)
    jv = sub.add_parser("jibri-verdict")
    jv.add_argument("result")
    jv.add_argument("--recorder", action="store_true")
    jv.set_defaults(f=cmd_jibri_verdict)
    gv = sub.add_parser("jigasi-verdict")
    gv.add_argument("result")
    gv.set_defaults(f=cmd_jigasi_verdict)
    x = sub.add_parser("xmpp-verdict")
    x.add_argument("--run", required=True)
    x.add_argument("--auth-domain", required=True)
    x.add_argument("--bad", default="")
    x.add_argument("--bridges", nargs="+", required=True)
    x.add_argument("--addresses", nargs="+", required=True)
    x.add_argument("--expect", nargs="*", default=[])
    x.set_defaults(f=cmd_xmpp_verdict)
    w = sub.add_parser("ws-upgrade")
    for k in ("address", "host", "path", "cafile"):
        w.add_argument("--" + k, required=True)
    w.add_argument("--timeout", type=float, default=5)
    w.set_defaults(f=cmd_ws_upgrade)
    d = sub.add_parser("debconf-verify")
    d.add_argument("selections")
    d.add_argument("db")
    d.set_defaults(f=cmd_debconf_verify)
    v = sub.add_parser("shards-verdict")
    v.add_argument("--spec", required=True, help="the model's JSON description (model --shards writes it)")
    v.add_argument("--run", required=True, help="the folder of the bridge agents' results")
    v.add_argument("--scenario", required=True, help="the scenario's folder (SHARD/run/focus.json)")
    v.set_defaults(f=cmd_shards_verdict)
    y = sub.add_parser("syslog-sink")
    for k in ("socket", "file", "ready"):
        y.add_argument("--" + k, required=True)
    y.set_defaults(f=cmd_syslog_sink)
    h = sub.add_parser("haproxy-wait")
    h.add_argument("--socket", required=True)
    h.add_argument("--backend", required=True)
    h.add_argument("--timeout", type=float, default=10)
    h.add_argument("want", nargs="+", help="SERVER=STATUS/CHECK_STATUS, e.g. shard-a=UP/L7OK")
    h.set_defaults(f=cmd_haproxy_wait)
    sp = sub.add_parser("standin-plugins")
    sp.add_argument("--facts", required=True, help="facts/<release>/prosody-modules.tsv")
    sp.add_argument("--standins", required=True, help="the behaviour stand-ins (mod_NAME.lua)")
    sp.add_argument("--core", default="/usr/lib/prosody/modules", help="prosody's own modules")
    sp.add_argument("--out", required=True)
    sp.set_defaults(f=cmd_standin_plugins)
    r = sub.add_parser("door-rooms")
    for k in ("address", "host", "cafile", "out"):
        r.add_argument("--" + k, required=True)
    r.add_argument("--rooms", nargs="+", required=True)
    r.set_defaults(f=cmd_door_rooms)
    dv = sub.add_parser("door-verdict")
    dv.add_argument("--rooms", required=True)
    dv.add_argument("--haproxy-log", default="")
    dv.add_argument("--log-offset", type=int, default=0, help="read HAProxy's log from this byte on")
    dv.add_argument("--access-log", action="append", default=[], help="SHARD=PATH of its nginx access log")
    dv.add_argument("--expect", default="", help="every room must be on this shard")
    dv.add_argument("--mapping", default="", help="write {room: shard} here")
    dv.set_defaults(f=cmd_door_verdict)
    a = p.parse_args()
    a.f(a)


if __name__ == "__main__":
    main()
