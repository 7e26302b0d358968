"""The same templates, rendered with the same resolved data, by Python's Jinja2.

This is the Jinja2 side of `benches/run`'s comparison: what an Ansible role templating each file
would do. It reads `jitsi-topology resolve MODEL` (the resolved deployment as JSON), builds for
every file the context that the Rust renderers in src/render/*.rs build, with equivalent
filters (src/escape.rs), and renders templates/*.j2 with Jinja2. `render_all` returns
{host: {path: content}}; bench.py checks it equals the CLI's output tree byte for byte, so both
sides do the same work. Like src/render/mod.rs, it renders what is the same on every bridge
(debconf answers, drop-in, helper, firewall unit) once per deployment and each distinct list of
firewall rules once, so that the comparison is of the two template engines on equal work.

Covered: the forms the benchmark models use (single shard or shards behind a front door,
relays, NAT, `{file}` secrets, any release). Not covered (they raise): TURN and `{value}` /
`{env}` secrets, whose values `resolve` never prints.
"""

from __future__ import annotations

import hashlib
import json
import os
from typing import Any, Dict, List, Optional

import jinja2

RUNTIME_DIR = "/run/jitsi-topology"
SECRET_ENV_HELPER = "/usr/local/libexec/jitsi-topology/secret-env"
WEB_ROOT = "/usr/share/jitsi-meet"
FIREWALL_SERVICE = "jitsi-topology-firewall"

# --- filters (src/escape.rs) -------------------------------------------------------------

def f_lua(s: str) -> str:
    out = ['"']
    for c in s:
        o = ord(c)
        if c == '"':
            out.append('\\"')
        elif c == "\\":
            out.append("\\\\")
        elif c == "\n":
            out.append("\\n")
        elif o < 0x20 or o == 0x7F:
            out.append("\\%03d" % o)
        else:
            out.append(c)
    out.append('"')
    return "".join(out)


def f_hocon(s: str) -> str:
    # serde_json::to_string: JSON string, non-ASCII kept.
    return json.dumps(s, ensure_ascii=False)


def f_hocon_key(s: str) -> str:
    if s and all(c.isascii() and (c.isalnum() or c in "_-") for c in s):
        return s
    return f_hocon(s)


def f_js(s: str) -> str:
    out = ["'"]
    for c in s:
        o = ord(c)
        if c == "'":
            out.append("\\'")
        elif c == "\\":
            out.append("\\\\")
        elif c == "\n":
            out.append("\\n")
        elif c == "\r":
            out.append("\\r")
        elif c == "<":
            out.append("\\x3c")
        elif c == ">":
            out.append("\\x3e")
        elif o < 0x20 or c in "\u2028\u2029\x7f":
            out.append("\\u%04x" % o)
        else:
            out.append(c)
    out.append("'")
    return "".join(out)


_TOKEN_OK = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._/:+@-[]")


def f_token(s: str) -> str:
    if s and all(c in _TOKEN_OK for c in s):
        return s
    raise ValueError("%r cannot be written into an nginx, HAProxy or coturn config without quoting" % s)


def _has_control(s: str) -> bool:
    # Rust's char::is_control: Unicode Cc (U+0000-U+001F, U+007F-U+009F).
    return any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in s)


def f_debconf(s: str) -> str:
    if "\n" in s or "\r" in s or s.endswith("\\") or _has_control(s):
        raise ValueError("a debconf value cannot contain a line break or control character")
    return s


def f_line(s: str) -> str:
    if _has_control(s):
        raise ValueError("a one-line setting cannot contain a control character")
    return s


def f_systemd(s: str) -> str:
    if _has_control(s):
        raise ValueError("a systemd setting cannot contain control characters")
    return s.replace("%", "%%").replace("$", "$$")


def environment(templates_dir: str) -> jinja2.Environment:
    """Jinja2 configured as src/render/mod.rs configures minijinja."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(templates_dir),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
        cache_size=-1,
    )
    env.filters.update(
        lua=f_lua,
        hocon=f_hocon,
        hocon_key=f_hocon_key,
        js=f_js,
        token=f_token,
        debconf=f_debconf,
        systemd=f_systemd,
        line=f_line,
    )
    return env


class Renderer:
    """Renders every templated file of a resolved deployment."""

    NAMES = [
        "debconf.selections", "nginx-site.conf", "prosody.cfg.lua", "jicofo.conf", "jicofo-password.conf", "jvb.conf",
        "config.js", "firewall.nft", "firewall-rules.nft", "firewall.service",
        "service-dropin.conf", "secret-env.sh",
        "haproxy.cfg", "haproxy-monitoring.cfg", "sip-communicator.properties", "videobridge.env",
        "drain-videobridge.sh", "apt-source.sources", "apt-preferences.pref",
        "prosody-restart",
    ]

    def __init__(self, templates_dir: str):
        self.env = environment(templates_dir)
        # Compile every template once, outside the timed part (minijinja does it once too).
        self.t = {n: self.env.get_template(n + ".j2") for n in self.NAMES}

    def _tpl(self, name: str, **ctx: Any) -> str:
        return self.t[name].render(**ctx)

    def _once(self, key, render):
        """`render()`, computed once per render_all for each key (what Rust shares too)."""
        if key not in self._memo:
            self._memo[key] = render()
        return self._memo[key]

    # --- src/render/firewall.rs (the rules are resolve's: `hosts[].firewall`) ---

    @staticmethod
    def _view(r):
        items = [str(p) for p in r["ports"]] + ["%d-%d" % (a, b) for a, b in r["port_ranges"]]
        ports = "" if not items else items[0] if len(items) == 1 else "{ %s }" % ", ".join(items)
        proto = r["protocol"]
        if proto == "any":
            match = ""
        elif not ports:
            match = "meta l4proto %s " % proto
        else:
            match = "%s dport %s " % (proto, ports)
        nets = r["sources"] or []
        return {
            "description": r["description"], "action": r["action"], "match": match,
            "anywhere": r["sources"] is None,
            "v4": [n for n in nets if ":" not in n], "v6": [n for n in nets if ":" in n],
        }

    def _firewall_files(self, out, d, host, roles, plan):
        if plan is None:
            return
        paths, table = d["paths"], d["firewall"]["table"]
        path = paths["firewall_rules"]
        rules = self._once(
            ("firewall-rules", json.dumps(plan["rules"])),
            lambda: self._tpl("firewall-rules.nft", rules=[self._view(r) for r in plan["rules"]]))
        out[path] = self._tpl("firewall.nft", host=host, roles=roles, table=table,
                              policy=plan["policy"], rules=rules)
        out[paths["firewall_unit"]] = self._once(
            ("firewall.service", path),
            lambda: self._tpl("firewall.service", path=path, table=table, nft=paths["nft_binary"]))

    # --- src/render/systemd.rs, debconf.rs ---

    @staticmethod
    def _injection(service, variable, secret, config):
        if secret["source"] != "file":
            raise NotImplementedError("inline secrets are not in `resolve` output")
        return {"helper": SECRET_ENV_HELPER, "variable": variable, "file": secret["file"],
                "env_file": "%s/%s.env" % (RUNTIME_DIR, service), "config": config}

    def _dropin(self, out, service, environment, secret):
        if environment is None and secret is None:
            return out
        out["/etc/systemd/system/%s.service.d/jitsi-topology.conf" % service] = self._tpl(
            "service-dropin.conf", service=service, environment=environment, secret=secret)
        return out

    def _debconf(self, out, d, host, selections):
        path = d["paths"]["debconf"]
        out[path] = self._tpl("debconf.selections", host=host, release=d["release"], path=path,
                              selections=selections)
        return out

    def _apt(self, out, d):
        """src/render/apt.rs: Jitsi's apt source and pins, on hosts installing a Jitsi package
        (the signalling hosts and the bridges), the same on each."""
        apt = d["apt"]
        out.update(self._once("apt", lambda: {
            apt["source"]: self._tpl("apt-source.sources", release=d["release"], apt=apt),
            apt["preferences"]: self._tpl("apt-preferences.pref", release=d["release"], apt=apt),
        }))

    # --- hosts (src/render/mod.rs) ---

    def front_door(self, d, door):
        out: Dict[str, str] = {}
        out[d["paths"]["haproxy_config"]] = self._tpl(
            "haproxy.cfg", release=d["release"], names=d["names"], door=door, ports=d["ports"], auth=d["auth"], regions=d["participant_regions"])
        self._firewall_files(out, d, door["host"], "front door", self._plans[door["host"]])
        return out

    def signaling(self, d, shard):
        out: Dict[str, str] = {}
        names, web, secrets = d["names"], d["web"], d["secrets"]
        tls = web["web_tls"]
        self._debconf(out, d, shard["host"], d["debconf"]["signaling"])
        out[web["nginx_site"]] = self._tpl(
            "nginx-site.conf", release=d["release"], names=names, tls=tls,
            config_js=web["config_js"], web=web, regions=d["participant_regions"], shard=shard, ports=d["ports"], paths=d["paths"],
            web_root=d["paths"]["web_root"], auth=d["auth"], access_log=d["auth"]["access_log"])
        paths = d["paths"]

        def prosody(tls):
            auth_certificate, auth_key, domain_certificate, domain_key = tls
            return self._tpl(
                "prosody.cfg.lua", release=d["release"], prosody=d["prosody"], names=names, shard=shard, regions=d["participant_regions"],
                ports=d["ports"], plugin_paths=paths["prosody_plugins"],
                auth_certificate=auth_certificate, auth_key=auth_key,
                domain_certificate=domain_certificate, domain_key=domain_key,
                component_admins_as_room_owners=d["component_admins_as_room_owners"],
                polls_component=d["polls_component"], features_identity=d["features_identity"],
                turn=None, turn_secret=None, turn_secret_env=secrets["turn_env"],
                auth=d["auth"], jwt_secret=None, ldap_password=None)
        out[web["prosody_config"]] = prosody((web["auth_certificate"], web["auth_key"],
                                              paths["domain_certificate"], paths["domain_key"]))
        # src/render/prosody.rs restart_marker: the digest of the config without its TLS paths.
        digest = hashlib.sha256(prosody(("(TLS path)",) * 4).encode()).hexdigest()
        out[paths["prosody_restart_marker"]] = self._tpl(
            "prosody-restart", config=web["prosody_config"], digest=digest)
        focus = secrets["focus"]
        jicofo_conf = "/etc/jitsi/jicofo/jicofo.conf"
        out[jicofo_conf] = self._tpl(
            "jicofo.conf", release=d["release"], names=names, ports=d["ports"], password=None,
            password_env=secrets["focus_env"], password_file=focus["file"],
            password_include=d["paths"]["jicofo_password_include"],
            relays=d["relays"], region=shard["region"], sharded=shard["sharded"],
            authentication=d["auth"]["jicofo"])
        out[d["paths"]["jicofo_password_config"]] = self._tpl(
            "jicofo-password.conf", release=d["release"], names=names,
            password_env=secrets["focus_env"], password_file=focus["file"])
        out[web["config_js"]] = self._tpl("config.js", release=d["release"], names=names, shard=shard, regions=d["participant_regions"], regions=d["participant_regions"],
                                             colibri_websockets=d["colibri_websockets"],
                                             jaas=web["jaas_config"],
                                             stun_servers=web["p2p_stun_servers"],
                                             multistream_flags=web["multistream_flags"],
                                             auth=d["auth"])
        self._dropin(out, "jicofo", None,
                     self._injection("jicofo", secrets["focus_env"], focus, jicofo_conf))
        out[SECRET_ENV_HELPER] = self._tpl("secret-env.sh")
        self._firewall_files(out, d, shard["host"], "signalling host", self._plans[shard["host"]])
        self._apt(out, d)
        return out

    def bridge(self, d, b):
        out: Dict[str, str] = {}
        names, secrets = d["names"], d["secrets"]
        debconf = self._once("bridge-debconf",
                             lambda: self._debconf({}, d, "a bridge", d["debconf"]["bridge"]))
        out.update(debconf)
        jvb_conf = "/etc/jitsi/videobridge/jvb.conf"
        jvb = secrets["jvb"]
        out[jvb_conf] = self._tpl(
            "jvb.conf", release=d["release"], names=names, ports=d["ports"], bridge=b,
            api=d["bridge_api"], verify_certificate=d["trust"]["mode"] != "insecure", password=None,
            password_env=secrets["jvb_env"], password_file=jvb["file"])
        if d["sip_communicator_properties"]:
            out["/etc/jitsi/videobridge/sip-communicator.properties"] = self._tpl(
                "sip-communicator.properties", release=d["release"], bridge=b)
        env_path = None
        if b["jvm_max_memory"] is not None:
            env_path = d["paths"]["jvb_environment"]
            out[env_path] = self._tpl("videobridge.env", host=b["host"],
                                      max_memory=b["jvm_max_memory"])
        out.update(self._once(("bridge-dropin", env_path), lambda: self._dropin(
            {}, "jitsi-videobridge2", env_path,
            self._injection("jitsi-videobridge2", secrets["jvb_env"], jvb, jvb_conf))))
        out[d["paths"]["drain_helper"]] = self._once("drain-helper", lambda: self._tpl(
            "drain-videobridge.sh", unit=d["services"]["videobridge"]["name"], api=d["bridge_api"]))
        out[SECRET_ENV_HELPER] = self._once("secret-env", lambda: self._tpl("secret-env.sh"))
        if b["monitoring_proxy"] is not None:
            out[d["paths"]["haproxy_config"]] = self._tpl(
                "haproxy-monitoring.cfg", release=d["release"], bridge=b, api=d["bridge_api"])
        self._firewall_files(out, d, b["host"], "bridge", self._plans[b["host"]])
        self._apt(out, d)
        return out

    def render_all(self, d) -> Dict[str, Dict[str, str]]:
        """Every host's templated files: {host: {path: content}}."""
        if d["turn"] is not None:
            raise NotImplementedError("TURN is not covered by the Jinja2 port")
        self._memo: Dict[Any, Any] = {}
        # Each host's firewall, as resolve decided it (src/resolve/hosts.rs).
        self._plans = {}
        for plan in d["hosts"]:
            of = plan["of"]
            host = {
                "front-door": lambda: d["front_door"],
                "signaling": lambda: d["shards"][of["index"]],
                "bridge": lambda: d["bridges"][of["index"]],
            }[of["kind"]]()["host"]
            self._plans[host] = plan["firewall"]
        hosts: Dict[str, Dict[str, str]] = {}
        if d["front_door"] is not None:
            hosts[d["front_door"]["host"]] = self.front_door(d, d["front_door"])
        for shard in d["shards"]:
            hosts[shard["host"]] = self.signaling(d, shard)
        for b in d["bridges"]:
            hosts[b["host"]] = self.bridge(d, b)
        return hosts


def compare(hosts: Dict[str, Dict[str, str]], tree: str) -> List[str]:
    """Differences between Jinja2's files and the CLI's output tree (empty: identical)."""
    problems = []
    for host, files in hosts.items():
        for path, content in files.items():
            p = os.path.join(tree, host, path.lstrip("/"))
            try:
                with open(p, encoding="utf-8") as f:
                    ours = f.read()
            except OSError as e:
                problems.append("%s%s: %s" % (host, path, e))
                continue
            if ours != content:
                problems.append("%s%s: differs" % (host, path))
    with open(os.path.join(tree, "manifest.json"), encoding="utf-8") as f:
        manifest = json.load(f)
    ours_count = sum(len(h["files"]) for h in manifest["hosts"])
    theirs_count = sum(len(f) for f in hosts.values())
    if ours_count != theirs_count:
        problems.append("the tree has %d files, Jinja2 rendered %d" % (ours_count, theirs_count))
    return problems
