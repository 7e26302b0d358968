#!/usr/bin/env python3
"""A STAND-IN for jibri's Chrome (issue 20): the recorder's login through nginx, and its join.

  recorder_login.py --root DIR --conf JIBRI_CONF --dropin PATH --address ADDR --cafile CA
                    --room ROOM --result FILE

jibri hands Chrome the call-login of the environment the recording request came from as the web
app's credentials: localStorage `xmpp_username_override` = "<call-login.username>@<call-login.domain>"
and `xmpp_password_override` = its password (jitsi/jibri 82e70339,
src/main/kotlin/org/jitsi/jibri/selenium/JibriSelenium.kt l.360-372), and opens the room at
https://<xmpp-domain>/<room>. The web app then logs in on the recorder domain over its WebSocket
(config.js `websocket`, through nginx) with those credentials and joins the room of the conference
MUC. This stand-in does the same from the jibri host's network namespace: call-login and
xmpp-domain come from the rendered jibri.conf (Typesafe syntax read with pyhocon, the password
through the rendered drop-in's secret-env, as the service gets it); TLS to nginx on ADDR:443 is
verified for xmpp-domain against CA (the jibri host's trust bundle) only; RFC 7395 framing on
/xmpp-websocket?room=ROOM; SASL PLAIN; resource binding; then presence to
ROOM@conference.<xmpp-domain>/<nick>, waiting for the room's self-presence (status 110).
Writes one JSON result: status joined / auth-refused / join-refused / error, with the bound JID.
"""

import argparse
import base64
import json
import os
import re
import socket
import ssl
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import xmpp_agent  # noqa: E402 - the drop-in and HOCON readers the other agents use
from token_login import ws_recv, ws_send  # noqa: E402 - RFC 6455 framing


def read_until(s, buf, pattern, deadline):
    seen = ""
    while not re.search(pattern, seen, re.S):
        if time.monotonic() > deadline:
            raise TimeoutError(f"no {pattern!r} before the deadline (got {seen[-300:]!r})")
        text, buf = ws_recv(s, buf)
        seen += text
    return seen, buf


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--root", required=True)
    p.add_argument("--conf", required=True)
    p.add_argument("--dropin", required=True)
    p.add_argument("--address", required=True, help="where nginx listens (the signalling host)")
    p.add_argument("--cafile", required=True)
    p.add_argument("--room", default="liveroom")
    p.add_argument("--result", required=True)
    p.add_argument("--timeout", type=float, default=30)
    a = p.parse_args()
    deadline = time.monotonic() + a.timeout
    result = {"role": "recorder (a STAND-IN for jibri's Chrome)", "status": "error"}
    try:
        env, notes = xmpp_agent.service_env(a.root, a.dropin)
        conf = xmpp_agent.load_hocon(a.root, a.conf, env)
        e = conf.get_list("jibri.api.xmpp.environments")[0]
        domain = e.get_string("xmpp-domain")
        strip = e.get_string("strip-from-room-domain")
        login = e.get_config("call-login")
        user, host = login.get_string("username"), login.get_string("domain")
        password = str(login.get("password", "") or "")
        if not password:
            raise RuntimeError("call-login.password is unset after the drop-in's environment")
        muc = f"{strip}{domain}"  # the room's domain jibri strips to build the URL, put back
        result.update({"domain": domain, "login": f"{user}@{host}", "muc": muc, "service": notes})
        ctx = ssl.create_default_context(cafile=a.cafile)
        s = ctx.wrap_socket(socket.create_connection((a.address, 443), timeout=10), server_hostname=domain)
        key = base64.b64encode(os.urandom(16)).decode()
        s.sendall((f"GET /xmpp-websocket?room={a.room} HTTP/1.1\r\nHost: {domain}\r\nUpgrade: websocket\r\n"
                   f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
                   "Sec-WebSocket-Protocol: xmpp\r\n\r\n").encode())
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = s.recv(4096)
            if not chunk:
                raise RuntimeError("the WebSocket upgrade was closed")
            data += chunk
        head, _, buf = data.partition(b"\r\n\r\n")
        if b" 101 " not in head.split(b"\r\n")[0]:
            raise RuntimeError(f"no WebSocket upgrade: {head.splitlines()[0].decode()}")
        result["tls"] = {"version": s.version(), "verified_for": domain}
        open_ = f"<open xmlns='urn:ietf:params:xml:ns:xmpp-framing' to='{host}' version='1.0'/>"
        ws_send(s, open_)
        features, buf = read_until(s, buf, r"</(stream:)?features>", deadline)
        if "PLAIN" not in features:
            raise RuntimeError(f"prosody offers no SASL PLAIN on {host}: {features[:300]}")
        token = base64.b64encode(f"\0{user}\0{password}".encode()).decode()
        ws_send(s, f"<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>{token}</auth>")
        answer, buf = read_until(s, buf, r"<success|<failure", deadline)
        if "<success" not in answer:
            result["status"], result["detail"] = "auth-refused", answer[:300]
            raise SystemExit
        ws_send(s, open_)
        _, buf = read_until(s, buf, r"</(stream:)?features>", deadline)
        ws_send(s, "<iq type='set' id='bind1' xmlns='jabber:client'>"
                   "<bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></iq>")
        bound, buf = read_until(s, buf, r"id=['\"]bind1['\"].*?</iq>", deadline)
        m = re.search(r"<jid>([^<]+)</jid>", bound)
        if not m:
            raise RuntimeError(f"no bound JID: {bound[:300]}")
        result["jid"] = m.group(1)
        room = f"{a.room}@{muc}/recorder-{os.urandom(3).hex()}"
        ws_send(s, f"<presence to='{room}' xmlns='jabber:client'><x xmlns='http://jabber.org/protocol/muc'/></presence>")
        seen, buf = read_until(s, buf, r"<presence[^>]*from=['\"]" + re.escape(room) + r"['\"].*?</presence>", deadline)
        pres = re.search(r"<presence[^>]*from=['\"]" + re.escape(room) + r"['\"].*?</presence>", seen, re.S).group(0)
        if "type='error'" in pres or 'type="error"' in pres:
            result["status"], result["detail"] = "join-refused", pres[:300]
        elif re.search(r"code=['\"]110['\"]", pres):
            result["status"], result["room"] = "joined", room.split("/")[0]
        else:
            result["status"], result["detail"] = "join-unclear", pres[:300]
        ws_send(s, "<close xmlns='urn:ietf:params:xml:ns:xmpp-framing'/>")
        s.close()
    except SystemExit:
        pass
    except Exception as e:  # noqa: BLE001 - the driver reads the result file
        result["detail"] = f"{type(e).__name__}: {e}"
    with open(a.result, "w") as f:
        json.dump(result, f, indent=1, sort_keys=True)


if __name__ == "__main__":
    main()
