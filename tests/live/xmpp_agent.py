#!/usr/bin/env python3
"""The XMPP side of the live test: a videobridge's login or jicofo's, from the rendered files.

  xmpp_agent.py bridge --host NAME --root DIR --conf PATH --dropin PATH --result FILE --release FILE
                       [--probe-password PW --probe-password-result FILE] [--probe-ca CA --probe-ca-result FILE]
  xmpp_agent.py focus  --root DIR --conf PATH --dropin PATH --expect NICK... --result FILE --release FILE
  xmpp_agent.py intruder --root DIR --conf JICOFO_CONF --domain DOMAIN --server ADDR --result FILE --release FILE
  xmpp_agent.py login --root / --conf - --domain DOMAIN [--user USER --password-file FILE] --server ADDR --result FILE --release FILE
  xmpp_agent.py jibri --host NAME --root DIR --conf JIBRI_CONF --dropin PATH --result FILE --release FILE

A jibri (issue 20) is a STAND-IN for jibri's XMPP side: every environment of the rendered
jibri.conf (jibri.api.xmpp.environments, read with the keys jibri's JibriConfig.kt
toXmppEnvironment reads, jitsi/jibri 82e70339 l.137-162) is one connection, as XmppApi.kt
l.147-193 makes them: to each of xmpp-server-hosts, logged in with control-login (domain,
username, password, port), certificate verified unless trust-all-xmpp-certs, joining
control-muc's room-name@domain as its nickname. (Its status presence and its IQs are not
modelled: jicofo's brewery only needs the occupant.)

  xmpp_agent.py jigasi --host NAME --root DIR --conf - --dropin PATH --result FILE --release FILE

A jigasi (issue 20) is a STAND-IN (run_jigasi): it reads the rendered sip-communicator.properties with
Java's own java.util.Properties, after carrying out jigasi's drop-in, and joins the brewery of
every account there.

A login (issue 19) is a web user's login on DOMAIN: with --user, SCRAM-SHA-1 or PLAIN with the
password from --password-file (as the web app offers them), else SASL ANONYMOUS; status
session (with the bound JID) or auth-refused. Over STARTTLS when prosody offers it for DOMAIN
(trusting --cafile), else on the plain stream, as the web app's BOSH behind nginx would be.

An intruder is a user of the anonymous DOMAIN (SASL ANONYMOUS, as a browser logs in) that tries
to join the brewery jicofo.conf names: status joined, or refused (an error) or no-answer (its
presence dropped) within --timeout.

Run each agent inside its host's network namespace, so its traffic starts there. An agent:
  1. carries out the service's systemd drop-in the way systemd would: runs its ExecStartPre
     (our secret-env script, which turns the model's secret file into an environment file) and
     reads its EnvironmentFile= lines (systemd's quoting rules), paths mapped into the host's
     root folder (DIR; "/" for the signalling host, which runs in a private mount namespace);
  2. parses jvb.conf or jicofo.conf as HOCON (pyhocon) with that environment, so that
     ${?JITSI_TOPOLOGY_..._PASSWORD} resolves exactly as in the service;
  3. logs in with slixmpp, STARTTLS verified against the CA bundle given (check_hostname on,
     CERT_REQUIRED, nothing else trusted), for the account's DOMAIN;
  4. a bridge joins MUC_JIDS as MUC_NICKNAME; focus joins brewery-jid and watches the occupants.
It writes one JSON result (status joined / auth-refused / tls-refused / connect-failed /
config-error / timeout) and, once the result is in, stays online until the release file exists.
"""

import argparse
import asyncio
import json
import logging
import os
import shlex
import ssl
import subprocess
import sys
import time

T0 = time.monotonic()

# ------------------------------------------------------------------------------ systemd drop-in

SHELL_NEED_ESCAPE = '"\\`$'


def parse_env_file(text):
    """systemd's EnvironmentFile= syntax (src/basic/env-file.c): KEY=VALUE lines, # and ;
    comments, '...' literal, "..." where a backslash escapes only " \\ ` $ (other backslashes stay)."""
    env = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        if "=" not in line:
            continue
        key, rest = line.split("=", 1)
        key = key.strip()
        rest = rest.lstrip()
        value, i, n = [], 0, len(rest)
        while i < n:
            c = rest[i]
            if c == "'":
                j = rest.find("'", i + 1)
                j = n if j < 0 else j
                value.append(rest[i + 1:j])
                i = j + 1
            elif c == '"':
                i += 1
                while i < n and rest[i] != '"':
                    if rest[i] == "\\" and i + 1 < n:
                        nxt = rest[i + 1]
                        value.append(nxt if nxt in SHELL_NEED_ESCAPE else "\\" + nxt)
                        i += 2
                    else:
                        value.append(rest[i])
                        i += 1
                i += 1
            elif c == "\\" and i + 1 < n:
                value.append(rest[i + 1])
                i += 2
            else:
                value.append(c)
                i += 1
        env[key] = "".join(value)
    return env


def under(root, path):
    return path if root == "/" else os.path.join(root, path.lstrip("/"))


def service_env(root, dropin):
    """Run the drop-in's ExecStartPre= and read its EnvironmentFile=s, paths under ROOT."""
    env, notes = {}, []
    with open(under(root, dropin)) as f:
        lines = f.read().splitlines()
    for line in lines:
        if line.startswith("ExecStartPre="):
            words = shlex.split(line.split("=", 1)[1])
            if not words:
                continue  # `ExecStartPre=` empties the package's list: nothing to run
            if os.path.basename(words[0]) != "secret-env":
                # host setup (jibri's modprobe, its recordings folder): not this test's subject
                notes.append(f"did not run ExecStartPre {os.path.basename(words[0])} (host setup)")
                continue
            words[0] = words[0].lstrip("+-@!:")
            argv = [under(root, w) if w.startswith("/") else w for w in words]
            r = subprocess.run(argv, capture_output=True, text=True, timeout=10)
            if r.returncode != 0:
                raise RuntimeError(f"ExecStartPre {' '.join(words)} failed: {r.stderr.strip()}")
            notes.append(f"ran ExecStartPre {os.path.basename(words[0])}")
    for line in lines:
        if line.startswith("EnvironmentFile="):
            path = line.split("=", 1)[1].strip()
            optional = path.startswith("-")
            path = path.lstrip("-")
            try:
                with open(under(root, path)) as f:
                    env.update(parse_env_file(f.read()))
            except FileNotFoundError:
                if not optional:
                    raise RuntimeError(f"EnvironmentFile {path} is missing")
    return env, notes


def load_hocon(root, conf, env):
    from pyhocon import ConfigFactory
    # the service sees only what its drop-in gives it: nothing of ours may leak in from the caller
    for k in [k for k in os.environ if k.startswith("JITSI_TOPOLOGY_")]:
        del os.environ[k]
    os.environ.update(env)
    return ConfigFactory.parse_file(under(root, conf), resolve=True)


# -------------------------------------------------------------------------------------- client

def tls_context(cafiles):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # check_hostname=True, CERT_REQUIRED
    assert ctx.check_hostname and ctx.verify_mode == ssl.CERT_REQUIRED
    for cafile in cafiles:
        ctx.load_verify_locations(cafile=cafile)
    return ctx


def make_client(jid, password, cafiles, result):
    import slixmpp

    result.setdefault("import_done_s", round(time.monotonic() - T0, 2))
    c = slixmpp.ClientXMPP(jid, password)
    c.ssl_context = tls_context(cafiles)
    c.ca_certs = None
    # like jvb and jicofo on port 5222: STARTTLS only (no direct TLS, no plaintext stream)
    c.enable_direct_tls = False
    c.enable_starttls = True
    c.enable_plaintext = False
    c.register_plugin("xep_0030")
    c.register_plugin("xep_0045")
    c.register_plugin("xep_0199")
    done = asyncio.get_event_loop().create_future()

    def finish(status, detail=""):
        if not done.done():
            result["status"] = status
            if detail:
                result["detail"] = detail
            done.set_result(status)

    def on_invalid_chain(err):
        finish("tls-refused", f"certificate not trusted for {c.boundjid.domain}: {err}")
        c.disconnect()

    def on_failed_auth(*_):
        finish("auth-refused", "SASL authentication failed")
        c.disconnect()

    def on_conn_failed(err):
        finish("connect-failed", str(err))

    def on_disconnected(reason=None):
        # a failed TLS handshake first drops the connection, then reports ssl_invalid_chain: wait for it
        asyncio.get_event_loop().call_later(
            0.5, finish, "disconnected", f"the connection closed before the session started ({reason!r})")

    c.add_event_handler("ssl_invalid_chain", on_invalid_chain)
    c.add_event_handler("failed_all_auth", on_failed_auth)
    c.add_event_handler("failed_auth", on_failed_auth)
    c.add_event_handler("connection_failed", on_conn_failed)
    c.add_event_handler("disconnected", on_disconnected)
    return c, done, finish


def tls_facts(c):
    obj = c.transport.get_extra_info("ssl_object") if c.transport else None
    if obj is None:
        return None
    cert = obj.getpeercert()
    subj = dict(x[0] for x in cert.get("subject", ()))
    iss = dict(x[0] for x in cert.get("issuer", ()))
    sans = [v for k, v in cert.get("subjectAltName", ()) if k == "DNS"]
    return {"version": obj.version(), "subject_cn": subj.get("commonName"), "issuer_cn": iss.get("commonName"),
            "dns_names": sans}


async def wait_release(path, deadline):
    while not os.path.exists(path) and time.monotonic() < deadline:
        await asyncio.sleep(0.05)


def write_json(path, data):
    if isinstance(data, dict):
        data.setdefault("elapsed_s", round(time.monotonic() - T0, 2))  # since the agent started
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(data, f, indent=1, sort_keys=True)
    os.replace(tmp, path)


BRIDGE_KEYS = ("HOSTNAME", "PORT", "DOMAIN", "USERNAME", "PASSWORD", "MUC_JIDS", "MUC_NICKNAME",
               "DISABLE_CERTIFICATE_VERIFICATION")


def bridge_settings(cfg):
    """One xmpp-client config's settings, or (None, why) when it cannot be used."""
    s = {k: cfg.get(k, None) for k in BRIDGE_KEYS}
    for k in ("HOSTNAME", "PORT", "DOMAIN", "USERNAME", "MUC_JIDS", "MUC_NICKNAME"):
        if s[k] in (None, ""):
            return s, f"jvb.conf sets no {k}"
    if s["PASSWORD"] in (None, ""):
        return s, "PASSWORD is unset after the drop-in's environment (does ${?VAR} name the variable the drop-in sets?)"
    if str(s["DISABLE_CERTIFICATE_VERIFICATION"]).lower() == "true":
        return s, "jvb.conf disables certificate verification although the model's trust mode verifies"
    return s, None


async def run_bridge(a, result):
    """Every xmpp-client config of jvb.conf is one connection (one per shard): each logs in to
    its own HOSTNAME and joins its MUC_JIDS, all at once, as jvb does. With one config the result
    also keeps its settings at the top level; each config's are under configs.<name>, and the top-level
    status is joined only when every config joined (else the first failure's)."""
    env, notes = service_env(a.root, a.dropin)
    result["service"] = notes
    conf = load_hocon(a.root, a.conf, env)
    configs = conf.get_config("videobridge.apis.xmpp-client.configs")
    names = list(configs.keys())
    if not names:
        raise RuntimeError("jvb.conf has no xmpp-client config")
    if a.configs is not None and a.configs != 0 and len(names) != a.configs:
        raise RuntimeError(f"expected {a.configs} xmpp-client config(s), found {names}")
    per = {}
    jobs = []
    first = None
    for name in names:
        s, why = bridge_settings(configs.get_config(name))
        r = {"settings": {k: v for k, v in s.items() if k != "PASSWORD"}, "status": "error"}
        per[name] = r
        if why:
            r["status"], r["detail"], r["_done"] = "config-error", why, True
            continue
        first = first or s
        rooms = [x.strip() for x in str(s["MUC_JIDS"]).split(",") if x.strip()]
        jid = f"{s['USERNAME']}@{s['DOMAIN']}"
        jobs.append(attempt(a, s, jid, str(s["PASSWORD"]), a.cafile, None, r, rooms, str(s["MUC_NICKNAME"])))
    # probes from the same namespace (and process), against the first config: they must fail
    # before any session starts
    if first is not None:
        jid = f"{first['USERNAME']}@{first['DOMAIN']}"
        if a.probe_password_result:
            r = {"host": f"{a.host} (wrong password)", "role": "probe", "status": "error"}
            jobs.append(attempt(a, first, jid, a.probe_password, a.cafile, a.probe_password_result, r, [], None))
        if a.probe_ca_result:
            r = {"host": f"{a.host} (trusts only {a.probe_ca})", "role": "probe", "status": "error"}
            jobs.append(attempt(a, first, jid, str(first["PASSWORD"]), [a.probe_ca], a.probe_ca_result, r, [], None))
    await asyncio.gather(*jobs, all_configs_in(a, names, per, result))


async def all_configs_in(a, names, per, result):
    """Once every config has its result: the bridge's result file (then the attempts stay online
    until the release file exists)."""
    while not all(per[n].get("_done") for n in names) and time.monotonic() < a.deadline + 1:
        await asyncio.sleep(0.05)
    for n in names:
        per[n].pop("_done", None)
    result["configs"] = per
    if len(names) == 1:
        r = per[names[0]]
        result.update({k: v for k, v in r.items() if k in ("settings", "tls", "nick", "joined", "status", "detail")})
    else:
        bad = [n for n in names if per[n]["status"] != "joined"]
        result["status"] = "joined" if not bad else per[bad[0]]["status"]
        if bad:
            result["detail"] = "; ".join(f"{n}: {per[n]['status']} {per[n].get('detail', '')}".strip() for n in bad)
    write_json(a.result, result)


async def attempt(a, s, jid, password, cafiles, result_path, result, rooms, nick):
    """One login; with a NICK it joins ROOMS and stays until released, without one it only logs in."""
    from slixmpp import JID

    c, done, finish = make_client(jid, password, cafiles, result)

    async def on_session(_):
        result["tls"] = tls_facts(c)
        if result["tls"] is None:
            finish("tls-missing", "the session started without TLS")
            return
        if nick is None:
            finish("logged-in", "the session started")
            return
        c.send_presence()
        try:
            for room in rooms:
                await c.plugin["xep_0045"].join_muc_wait(JID(room), nick, maxstanzas=0, timeout=10)
            result["joined"] = rooms
            result["nick"] = nick
            finish("joined")
        except Exception as e:  # noqa: BLE001 - reported, not raised
            finish("join-failed", f"{type(e).__name__}: {e}")

    c.add_event_handler("session_start", on_session)
    c.connect(str(s["HOSTNAME"]), int(s["PORT"]))
    await wait_done(done, a.deadline, finish)
    if result_path:
        write_json(result_path, result)
    else:
        result["_done"] = True  # run_bridge's all_configs_in writes the bridge's result
    if result["status"] == "joined":
        await wait_release(a.release, a.deadline)
    c.disconnect()
    await asyncio.sleep(0.05)


async def wait_done(done, deadline, finish):
    try:
        await asyncio.wait_for(asyncio.shield(done), max(0.1, deadline - time.monotonic()))
    except asyncio.TimeoutError:
        finish("timeout", "no result before the deadline")


async def run_jibri(a, result):
    """Every environment of jibri.conf: one login and one join of its control MUC, all at once."""
    env, notes = service_env(a.root, a.dropin)
    result["service"] = notes
    conf = load_hocon(a.root, a.conf, env)
    envs = conf.get_list("jibri.api.xmpp.environments")
    if not envs:
        raise RuntimeError("jibri.conf has no XMPP environment")
    per, jobs = {}, []
    for e in envs:
        name = e.get_string("name")
        login = e.get_config("control-login")
        muc = e.get_config("control-muc")
        trust_all = e.get_bool("trust-all-xmpp-certs")
        s = {"HOSTNAME": e.get_list("xmpp-server-hosts")[0], "PORT": login.get("port", 5222)}
        r = {"settings": {"xmpp-server-hosts": e.get_list("xmpp-server-hosts"), "domain": login.get_string("domain"),
                          "username": login.get_string("username"), "control-muc": dict(muc),
                          "trust-all-xmpp-certs": trust_all}, "status": "error"}
        per[name] = r
        password = login.get("password", None)
        if password in (None, ""):
            r["status"], r["detail"], r["_done"] = "config-error", "control-login.password is unset after the drop-in's environment", True
            continue
        if trust_all:
            r["status"], r["detail"], r["_done"] = "config-error", "trust-all-xmpp-certs is true although the model's trust verifies", True
            continue
        room = f"{muc.get_string('room-name')}@{muc.get_string('domain')}"
        jid = f"{login.get_string('username')}@{login.get_string('domain')}"
        jobs.append(attempt(a, s, jid, str(password), a.cafile, None, r, [room], muc.get_string("nickname")))
    await asyncio.gather(*jobs, all_configs_in(a, list(per), per, result))


async def run_focus(a, result):
    from slixmpp import JID

    env, notes = service_env(a.root, a.dropin)
    result["service"] = notes
    conf = load_hocon(a.root, a.conf, env)
    x = conf.get_config("jicofo.xmpp.client")
    s = {k: x.get(k, None) for k in ("hostname", "port", "domain", "xmpp-domain", "username", "password",
                                      "client-proxy", "disable-certificate-verification")}
    brewery = conf.get_string("jicofo.bridge.brewery-jid")
    # issue 20: jicofo watches the jibri brewery too, when jicofo.conf names one
    jibri_brewery = conf.get_string("jicofo.jibri.brewery-jid", None)
    # and the jigasi brewery, when jicofo.conf names one
    jigasi_brewery = conf.get_string("jicofo.jigasi.brewery-jid", None)
    result["settings"] = {k: v for k, v in s.items() if k != "password"}
    result["settings"]["brewery-jid"] = brewery
    result["settings"]["jibri-brewery-jid"] = jibri_brewery
    result["settings"]["jigasi-brewery-jid"] = jigasi_brewery
    if s["password"] in (None, ""):
        result["status"] = "config-error"
        result["detail"] = "password is unset after the drop-in's environment"
        write_json(a.result, result)
        return
    c, done, finish = make_client(f"{s['username']}@{s['domain']}", str(s["password"]), a.cafile, result)
    expected = set(a.expect)
    nick = "focus"
    seen_path = a.result + ".seen"

    def others():
        return set(c.plugin["xep_0045"].get_roster(JID(brewery)) or []) - {nick}

    def jibris():
        return set(c.plugin["xep_0045"].get_roster(JID(jibri_brewery)) or []) - {nick} if jibri_brewery else set()

    expected_jibris = set(a.expect_jibri)

    def jigasis():
        return set(c.plugin["xep_0045"].get_roster(JID(jigasi_brewery)) or []) - {nick} if jigasi_brewery else set()

    expected_jigasis = set(a.expect_jigasi)

    async def on_session(_):
        result["tls"] = tls_facts(c)
        if result["tls"] is None:
            finish("tls-missing", "the session started without TLS")
            return
        try:
            await c.get_roster()
            proxy = s["client-proxy"]
            item = c.client_roster[proxy] if proxy and proxy in c.client_roster else None
            result["roster"] = {str(j): c.client_roster[j]["subscription"] for j in c.client_roster}
            result["client_proxy_subscription"] = item["subscription"] if item is not None else None
            c.send_presence()
            await c.plugin["xep_0045"].join_muc_wait(JID(brewery), nick, maxstanzas=0, timeout=10)
            if jibri_brewery:
                await c.plugin["xep_0045"].join_muc_wait(JID(jibri_brewery), nick, maxstanzas=0, timeout=10)
            if jigasi_brewery:
                await c.plugin["xep_0045"].join_muc_wait(JID(jigasi_brewery), nick, maxstanzas=0, timeout=10)
            if a.create_room:
                # jicofo creates each conference room (the conference MUC restricts creation to
                # its admins); a recorder joins it afterwards
                await c.plugin["xep_0045"].join_muc_wait(JID(a.create_room), nick, maxstanzas=0, timeout=10)
                result["room"] = a.create_room
            finish("joined")
        except Exception as e:  # noqa: BLE001
            finish("join-failed", f"{type(e).__name__}: {e}")

    c.add_event_handler("session_start", on_session)
    c.connect(str(s["hostname"]), int(s["port"]))
    await wait_done(done, a.deadline, finish)
    write_json(a.result + ".ready", {"status": result["status"]})
    if result["status"] == "joined":
        t0 = time.monotonic()
        while (others() != expected or jibris() != expected_jibris or jigasis() != expected_jigasis) \
                and time.monotonic() < a.deadline and not os.path.exists(a.release):
            await asyncio.sleep(0.05)
        if others() == expected and jibris() == expected_jibris and jigasis() == expected_jigasis:
            result["all_seen_after_s"] = round(time.monotonic() - t0, 2)
            write_json(seen_path, sorted(others()))
        await wait_release(a.release, a.deadline)
        await asyncio.sleep(0.3)  # late joiners would show up now: "exactly" is checked at the end
        result["occupants"] = sorted(others())
        if jibri_brewery:
            result["jibri_occupants"] = sorted(jibris())
        if jigasi_brewery:
            result["jigasi_occupants"] = sorted(jigasis())
        if a.create_room:
            result["room_occupants"] = sorted(
                str(c.plugin["xep_0045"].get_jid_property(JID(a.create_room), n, "jid") or n)
                for n in (c.plugin["xep_0045"].get_roster(JID(a.create_room)) or []) if n != nick)
    write_json(a.result, result)
    c.disconnect()
    await asyncio.sleep(0.05)


# jigasi (a stand-in: jigasi cannot run here). It acts on exactly the keys jitsi/jigasi reads at
# 6fbf4f2769bd686d24ebab86cda6906a7c7dde68 (facts/jigasi/sip-communicator.tsv): jitsi's account
# manager loads every net.java.sip.communicator.impl.protocol.jabber.acc* account
# (jitsi/jitsi AccountManager.java l.150 at 129b23b8), decodes its base64 PASSWORD (l.193);
# jigasi's CallControlMucActivator keeps the accounts with a BREWERY (l.226), logs them in and
# joins the brewery with the connection's resource as nickname (l.316).
JIGASI_PROPERTIES = "/etc/jitsi/jigasi/sip-communicator.properties"  # debian/jigasi.service l.15
JABBER = "net.java.sip.communicator.impl.protocol.jabber."


def jigasi_properties(a):
    """Carries out jigasi's drop-in as systemd would (its ExecStartPre completes a copy of the
    properties with the passwords kept in files; its ExecStart names the copy's folder and its
    Environment= the locale), then reads the file jigasi reads with Java's own
    java.util.Properties (tests/consumers/JavaProperties.java). The helper's group argument
    becomes this process's group: the test machine has no `jitsi` group."""
    import grp
    with open(under(a.root, a.dropin)) as f:
        lines = f.read().splitlines()
    path, env, notes, files = JIGASI_PROPERTIES, dict(os.environ), [], {}
    for line in lines:
        if line.startswith("Environment="):
            k, v = line.split("=", 1)[1].split("=", 1)
            env[k] = v
        elif line.startswith("ExecStartPre="):
            words = shlex.split(line.split("=", 1)[1])
            words[0] = words[0].lstrip("+-@!:")
            words[3] = grp.getgrgid(os.getgid()).gr_name
            files.update(zip(words[4::2], words[5::2]))
            argv = [under(a.root, w) if w.startswith("/") else w for w in words]
            r = subprocess.run(["sh"] + argv, capture_output=True, text=True, timeout=10)
            if r.returncode != 0:
                raise RuntimeError(f"ExecStartPre {os.path.basename(words[0])} failed: {r.stderr.strip()}")
            notes.append(f"ran ExecStartPre {os.path.basename(words[0])}")
        elif line.startswith("ExecStart=") and "--configdir=" in line:
            words = dict(w.split("=", 1) for w in shlex.split(line.split("=", 1)[1])[-1].split()
                         if w.startswith("--configdir"))
            path = f"{words['--configdir']}/{words['--configdirname']}/sip-communicator.properties"
    program = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "consumers", "JavaProperties.java")
    r = subprocess.run(["java", program, under(a.root, path)], capture_output=True, text=True, env=env, timeout=60)
    if r.returncode != 0:
        raise RuntimeError(f"java.util.Properties refused {path}: {r.stderr.strip()}")
    parsed = json.loads(r.stdout)[under(a.root, path)]
    notes.append(f"read {path} with java.util.Properties (LC_ALL={env.get('LC_ALL', '')})")
    # every password as jigasi decodes it equals the first line of the file it came from
    for key, secret in files.items():
        with open(under(a.root, secret), encoding="utf-8") as f:
            if parsed["passwords"].get(key) != f.readline().rstrip("\n"):
                raise RuntimeError(f"{key} does not decode to the first line of {secret}")
    if files:
        notes.append(f"{len(files)} password(s) decode to their files' first lines")
    return parsed["properties"], parsed["passwords"], notes


async def run_jigasi(a, result):
    """Every brewery account of jigasi's properties is one connection: it logs in to its
    SERVER_ADDRESS:SERVER_PORT as USER_ID (STARTTLS verified: ALLOW_NON_SECURE must be false)
    with the resource RESOURCE and joins BREWERY as that resource, all at once."""
    props, passwords, notes = jigasi_properties(a)
    result["service"] = notes
    result["standin"] = ("a stand-in for jigasi: it acts on the keys jitsi/jigasi reads at 6fbf4f27 "
                         "(CallControlMucActivator.java l.226, l.316; jitsi AccountManager.java l.150, l.193)")
    accounts = sorted({k[len(JABBER):].split(".")[0] for k in props if k.startswith(JABBER + "acc")})
    per, jobs = {}, []
    for acc in accounts:
        s = {k: props.get(f"{JABBER}{acc}.{k}") for k in ("USER_ID", "SERVER_ADDRESS", "SERVER_PORT", "RESOURCE",
                                                           "AUTO_GENERATE_RESOURCE", "BREWERY", "ALLOW_NON_SECURE")}
        r = {"settings": s, "status": "error"}
        per[acc] = r
        password = passwords.get(f"{JABBER}{acc}.PASSWORD")
        why = ("no BREWERY" if not s["BREWERY"] else "no PASSWORD" if not password
               else "ALLOW_NON_SECURE is not false" if s["ALLOW_NON_SECURE"] != "false"
               else "AUTO_GENERATE_RESOURCE is not false" if s["AUTO_GENERATE_RESOURCE"] != "false" else None)
        if why:
            r["status"], r["detail"], r["_done"] = "config-error", why, True
            continue
        jid = f"{s['USER_ID']}/{s['RESOURCE']}"
        conn = {"HOSTNAME": s["SERVER_ADDRESS"], "PORT": s["SERVER_PORT"]}
        jobs.append(attempt(a, conn, jid, password, a.cafile, None, r, [s["BREWERY"]], s["RESOURCE"]))
    if not accounts:
        raise RuntimeError("jigasi's properties have no XMPP account")
    await asyncio.gather(*jobs, all_configs_in(a, accounts, per, result))


async def run_intruder(a, result):
    """Logs in anonymously on DOMAIN at --server:5222 and asks to join the brewery."""
    from slixmpp import JID
    from slixmpp.exceptions import PresenceError

    conf = load_hocon(a.root, a.conf, {})
    brewery = conf.get_string("jicofo.bridge.brewery-jid")
    result["brewery"] = brewery
    c, done, finish = make_client(a.domain, None, a.cafile, result)

    async def on_session(_):
        result["jid"] = str(c.boundjid)
        c.send_presence()
        try:
            await c.plugin["xep_0045"].join_muc_wait(JID(brewery), "intruder", maxstanzas=0, timeout=a.timeout / 2)
            finish("joined", f"{c.boundjid} joined {brewery}")
        except PresenceError as e:
            finish("refused", f"error presence: {e.condition} {e.text or ''}".strip())
        except (asyncio.TimeoutError, TimeoutError):
            finish("no-answer", f"no presence from {brewery} within {a.timeout / 2:g} s (the join was dropped)")
        except Exception as e:  # noqa: BLE001
            finish("join-failed", f"{type(e).__name__}: {e}")

    c.add_event_handler("session_start", on_session)
    c.connect(a.server, 5222)
    await wait_done(done, a.deadline, finish)
    write_json(a.result, result)
    c.disconnect()
    await asyncio.sleep(0.05)


async def run_login(a, result):
    """Logs in on DOMAIN as USER (or anonymously) and reports the JID prosody bound."""
    import slixmpp

    password = None
    jid = a.domain
    if a.user:
        with open(a.password_file, encoding="utf-8") as f:
            password = f.readline().rstrip("\n")
        jid = f"{a.user}@{a.domain}"
    result["jid_asked"] = jid
    c = slixmpp.ClientXMPP(jid, password)
    c.ssl_context = tls_context(a.cafile)
    if a.no_verify:
        # the guest host has no certificate of its own: prosody offers the domain's, and browsers
        # never see it (they come through nginx's TLS)
        c.ssl_context.check_hostname = False
        c.ssl_context.verify_mode = ssl.CERT_NONE
    c.enable_direct_tls = False
    c.enable_starttls = True
    c.enable_plaintext = True  # the guest host has no certificate of its own (nginx's TLS covers it)
    done = asyncio.get_event_loop().create_future()

    def finish(status, detail=""):
        if not done.done():
            result["status"] = status
            if detail:
                result["detail"] = detail
            done.set_result(status)

    async def on_session(_):
        result["jid"] = str(c.boundjid)
        result["tls"] = tls_facts(c) is not None
        finish("session")

    c.add_event_handler("session_start", on_session)
    c.add_event_handler("failed_all_auth", lambda *_: finish("auth-refused", "SASL authentication failed"))
    c.add_event_handler("failed_auth", lambda *_: finish("auth-refused", "SASL authentication failed"))
    c.add_event_handler("connection_failed", lambda e: finish("connect-failed", str(e)))
    c.add_event_handler("ssl_invalid_chain", lambda e: finish("tls-refused", str(e)))
    c.connect(a.server, 5222)
    await wait_done(done, a.deadline, finish)
    write_json(a.result, result)
    c.disconnect()
    await asyncio.sleep(0.05)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("role", choices=["bridge", "focus", "intruder", "login", "jibri", "jigasi"])
    p.add_argument("--host", default="")
    p.add_argument("--root", required=True)
    p.add_argument("--conf", required=True)
    p.add_argument("--dropin", default="")
    p.add_argument("--domain", default="", help="intruder: the anonymous domain it logs in to")
    p.add_argument("--server", default="127.0.0.1", help="intruder, login: prosody's address")
    p.add_argument("--user", default="", help="login: the user name (else an anonymous login)")
    p.add_argument("--password-file", default="", help="login: the file holding the password (first line)")
    p.add_argument("--no-verify", action="store_true", help="login: do not verify prosody's certificate")
    p.add_argument("--cafile", action="append", required=True, help="the only CA bundle(s) trusted")
    p.add_argument("--probe-password", default="", help="a wrong password for the probe")
    p.add_argument("--probe-password-result", help="also try the wrong password; its result file")
    p.add_argument("--probe-ca", help="a CA bundle that does not sign prosody's certificate")
    p.add_argument("--probe-ca-result", help="also try trusting only --probe-ca; its result file")
    p.add_argument("--configs", type=int, default=1,
                   help="bridge: how many xmpp-client configs jvb.conf must have (0: any number)")
    p.add_argument("--expect", nargs="*", default=[])
    p.add_argument("--expect-jibri", nargs="*", default=[], help="focus: the nicknames the jibri brewery must hold")
    p.add_argument("--expect-jigasi", nargs="*", default=[], help="focus: the nicknames the jigasi brewery must hold")
    p.add_argument("--create-room", default="", help="focus: also create and join this conference room")
    p.add_argument("--result", required=True)
    p.add_argument("--release", required=True)
    p.add_argument("--timeout", type=float, default=30)
    p.add_argument("--debug", action="store_true")
    a = p.parse_args()
    a.deadline = time.monotonic() + a.timeout
    logging.basicConfig(level=logging.DEBUG if a.debug else logging.CRITICAL)
    result = {"host": a.host, "role": a.role, "status": "error"}
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        run = {"bridge": run_bridge, "focus": run_focus, "intruder": run_intruder, "login": run_login,
               "jibri": run_jibri, "jigasi": run_jigasi}[a.role]
        loop.run_until_complete(run(a, result))
    except Exception as e:  # noqa: BLE001 - the driver reads the result file
        result["status"] = "config-error" if result.get("status") == "error" else result["status"]
        result["detail"] = f"{type(e).__name__}: {e}"
        write_json(a.result, result)
        print(f"xmpp_agent {a.role} {a.host}: {result['detail']}", file=sys.stderr)
        sys.exit(1)
    if not os.path.exists(a.result):
        write_json(a.result, result)


if __name__ == "__main__":
    main()
