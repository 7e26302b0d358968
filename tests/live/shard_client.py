#!/usr/bin/env python3
"""The web client's shard-move rule, against the real front door and shards (issue 21).

  shard_client.py connect   --address DOOR --domain DOMAIN --cafile CA --state FILE --room ROOM
                            --home SHARD [--page-shard SHARD]
  shard_client.py keepalive --address DOOR --domain DOMAIN --cafile CA --state FILE
                            --home SHARD --moved-to SHARD

lib-jitsi-meet is in no registry this test reaches, so this script carries out its rule, as
read at jitsi/lib-jitsi-meet tag jitsi-meet_11146 (f9c1a43681196819f566a98f56280975cb767564):
  - the shard a client compares with starts as config.js's deploymentInfo.shard (xmpp.ts l.350,
    passed to XmppConnection as `shard`) and becomes the name of the server identity of type
    "shard" the XMPP server announces after connecting (xmpp.ts l.674-675: deploymentInfo.shard
    and connection.shard), which jitsi-meet's mod_jiconop sends after resource binding;
  - the keep-alive is a GET of websocketKeepAliveUrl (XmppConnection.ts l.569-574), to which
    jitsi-meet appends ?room=<room> (react/features/base/connection/actions.any.ts l.149-151 at
    Pie-D/jitsi-meet@abf901a);
  - with no shard known it checks nothing (l.578-580); it reads the answer's x-jitsi-shard
    (l.582), ignores an answer without one (l.584-587), and when it differs from the shard it
    knows it emits CONN_SHARD_CHANGED (l.587-591), which makes the web app reload
    (xmpp.ts l.359-...: a connection failure with shard_changed).

connect: GETs /config.js through the door until one comes from --page-shard (when given; the door
sends page requests, which carry no room, to any shard), logs in anonymously over BOSH with
?room=ROOM (as lib-jitsi-meet's serviceUrl), binds, reads the announced identities, then runs one
keep-alive and applies the rule. keepalive: one more keep-alive with the state connect saved.
Each prints one line, ok or bad, a tab and what happened; connect saves the state.
"""

import argparse
import json
import re
import socket
import ssl
import sys


def request(a, method, path, headers=None, body=None):
    ctx = ssl.create_default_context(cafile=a.cafile)
    raw = socket.create_connection((a.address, 443), timeout=10)
    s = ctx.wrap_socket(raw, server_hostname=a.domain)
    data = body.encode() if body is not None else b""
    head = [f"{method} {path} HTTP/1.1", f"Host: {a.domain}", "Connection: close"]
    for k, v in (headers or {}).items():
        head.append(f"{k}: {v}")
    if body is not None:
        head.append(f"Content-Length: {len(data)}")
    s.sendall(("\r\n".join(head) + "\r\n\r\n").encode() + data)
    buf = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        buf += chunk
    s.close()
    top, _, rest = buf.partition(b"\r\n\r\n")
    lines = top.decode(errors="replace").split("\r\n")
    status = int(lines[0].split()[1])
    hdrs = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        hdrs[k.strip().lower()] = v.strip()
    if hdrs.get("transfer-encoding") == "chunked":
        out = b""
        while rest:
            size, _, rest = rest.partition(b"\r\n")
            n = int(size, 16)
            if n == 0:
                break
            out, rest = out + rest[:n], rest[n + 2:]
        rest = out
    return status, hdrs, rest.decode(errors="replace")


def page_shard(text):
    m = re.search(r"deploymentInfo:\s*\{\s*shard:\s*'([^']*)'", text)
    return m.group(1) if m else None


def bosh_login(a, room):
    """SASL ANONYMOUS, stream restart and resource binding over BOSH through the door, every
    request with ?room= (so the door sends each to the room's shard). Returns the announced
    identities {type: name} and the shard (X-Jitsi-Shard) that answered."""
    path = f"/http-bind?room={room}"
    ct = {"Content-Type": "text/xml; charset=utf-8"}
    ns = "xmlns='http://jabber.org/protocol/httpbind'"
    _, h, text = request(a, "POST", path, ct,
                         f"<body content='text/xml; charset=utf-8' hold='1' rid='2000' to='{a.domain}' ver='1.6' "
                         f"wait='2' xml:lang='en' xmpp:version='1.0' {ns} xmlns:xmpp='urn:xmpp:xbosh'/>")
    m = re.search(r"sid=['\"]([^'\"]+)", text)
    if not m:
        raise RuntimeError(f"no BOSH session: {text[:200]}")
    sid, rid, seen = m.group(1), 2001, text
    answered_by = {h.get("x-jitsi-shard")}

    def post(inner, extra=""):
        nonlocal rid
        _, h, t = request(a, "POST", path, ct, f"<body rid='{rid}' sid='{sid}' {ns}{extra}>{inner}</body>")
        rid += 1
        answered_by.add(h.get("x-jitsi-shard"))
        return t

    if "<success" not in (t := post("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='ANONYMOUS'/>")):
        raise RuntimeError(f"no SASL success: {t[:200]}")
    seen += post("", f" to='{a.domain}' xml:lang='en' xmpp:restart='true' xmlns:xmpp='urn:xmpp:xbosh'")
    seen += post("<iq type='set' id='bind1' xmlns='jabber:client'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></iq>")
    identities = {}
    for _ in range(3):
        for tag in re.findall(r"<identity\b[^>]*>", seen):
            t, n = re.search(r"type=['\"]([^'\"]*)", tag), re.search(r"name=['\"]([^'\"]*)", tag)
            if t and n:
                identities[t.group(1)] = n.group(1)
        if "shard" in identities:
            break
        seen += post("")
    post("", " type='terminate'")
    return identities, sorted(map(str, answered_by))


def keepalive(a, state):
    """One keep-alive and the client's verdict on it (XmppConnection.ts l.569-597)."""
    status, h, _ = request(a, "GET", f"/_unlock?room={state['room']}")
    header = h.get("x-jitsi-shard")
    known = state["shard"]
    if not known:
        verdict = "no check (the client knows no shard)"
        reload = False
    elif not header:
        verdict = "no check (no x-jitsi-shard on the keep-alive answer)"
        reload = False
    else:
        reload = header != known
        verdict = f"CONN_SHARD_CHANGED ({known} -> {header}): reload" if reload else f"same shard ({header}): stays"
    return {"status": status, "x-jitsi-shard": header, "reload": reload, "verdict": verdict}


def connect_verdict(o, home, page):
    f, w = o["first"], o["without_announcement"]
    good = (o["page_shard"] == page and o["announced"] == home and f["x-jitsi-shard"] == home
            and not f["reload"] and w["reload"] and o["bosh_answered_by"] == [home])
    text = (f"page (config.js) from {o['page_shard']}, BOSH ?room= answered by {','.join(o['bosh_answered_by'])}, "
            f"the shard announced after login: {o['announced']}; keep-alive /_unlock?room= through the door: "
            f"{f['status']}, X-Jitsi-Shard {f['x-jitsi-shard']}: {f['verdict']} (with config.js's shard alone: "
            f"{w['verdict']})")
    return ("ok" if good else "bad"), text


def keepalive_verdict(o, old, new):
    a = o["after"]
    good = o["shard"] == old and a["x-jitsi-shard"] == new and a["reload"]
    return ("ok" if good else "bad"), (f"keep-alive /_unlock?room={o['room']}: {a['status']}, "
                                       f"X-Jitsi-Shard {a['x-jitsi-shard']}: {a['verdict']}")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("command", choices=["connect", "keepalive"])
    p.add_argument("--address", required=True)
    p.add_argument("--domain", required=True)
    p.add_argument("--cafile", required=True)
    p.add_argument("--state", required=True)
    p.add_argument("--room")
    p.add_argument("--page-shard", help="connect: load the page until it comes from this shard")
    p.add_argument("--home", help="connect: the room's shard; keepalive: the shard the client knows")
    p.add_argument("--moved-to", help="keepalive: the shard the room moved to")
    a = p.parse_args()
    try:
        if a.command == "connect":
            config_shard = None
            for _ in range(8):
                _, _, text = request(a, "GET", "/config.js")
                config_shard = page_shard(text)
                if not a.page_shard or config_shard == a.page_shard:
                    break
            if a.page_shard and config_shard != a.page_shard:
                raise RuntimeError(f"8 page loads through the door, none from {a.page_shard} (last: {config_shard})")
            identities, answered_by = bosh_login(a, a.room)
            state = {"room": a.room, "page_shard": config_shard, "announced": identities.get("shard"),
                     "bosh_answered_by": answered_by,
                     # xmpp.ts l.674-675: the announced shard replaces config.js's
                     "shard": identities.get("shard") or config_shard}
            out = dict(state, first=keepalive(a, state),
                       without_announcement=keepalive(a, dict(state, shard=config_shard)))
            kind, text = connect_verdict(out, a.home, a.page_shard)
        else:
            with open(a.state) as f:
                state = json.load(f)
            out = dict(state, after=keepalive(a, state))
            kind, text = keepalive_verdict(out, a.home, a.moved_to)
        with open(a.state, "w") as f:
            json.dump(state, f)
        print(f"{kind}\t{text}")
    except Exception as e:  # noqa: BLE001 - reported as the result
        print(f"bad\t{type(e).__name__}: {e}")


if __name__ == "__main__":
    main()
