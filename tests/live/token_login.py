#!/usr/bin/env python3
"""A web user's token login through nginx (issue 19): what the web app does with ?jwt=.

  token_login.py --address 127.0.0.1 --domain DOMAIN --cafile CA --transport bosh|websocket
                 (--token TOKEN | --secret-file FILE --iss ISS --aud AUD) [--room ROOM]

Connects to nginx on ADDRESS:443 over TLS (verified against CA, for DOMAIN), and logs in with
SASL ANONYMOUS as lib-jitsi-meet does with a token: over BOSH (POST /http-bind?room=&token=, a
session request, then <auth mechanism='ANONYMOUS'/>) or over WebSocket (GET /xmpp-websocket?
room=&token=, RFC 7395 framing). Prints `success`, or `failure CONDITION`, or `error DETAIL`.
With --secret-file it first signs an HS256 token (iss, aud, room "*", exp in an hour).
"""

import argparse
import base64
import hashlib
import hmac
import json
import os
import re
import socket
import ssl
import struct
import sys
import time
import urllib.parse


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def sign(secret, iss, aud):
    header = b64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    claims = b64url(json.dumps({"iss": iss, "aud": aud, "room": "*", "sub": "*",
                                "exp": int(time.time()) + 3600}).encode())
    sig = hmac.new(secret.encode(), f"{header}.{claims}".encode(), hashlib.sha256).digest()
    return f"{header}.{claims}.{b64url(sig)}"


def connect(a):
    ctx = ssl.create_default_context(cafile=a.cafile)
    raw = socket.create_connection((a.address, 443), timeout=10)
    return ctx.wrap_socket(raw, server_hostname=a.domain)


def http(sock, request):
    sock.sendall(request)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    m = re.search(rb"content-length:\s*(\d+)", head, re.I)
    if m:
        while len(body) < int(m.group(1)):
            chunk = sock.recv(65536)
            if not chunk:
                break
            body += chunk
    return head.decode(errors="replace"), body.decode(errors="replace")


def bosh(a, query):
    def post(body):
        s = connect(a)
        req = (f"POST /http-bind?{query} HTTP/1.1\r\nHost: {a.domain}\r\nContent-Type: text/xml; charset=utf-8\r\n"
               f"Content-Length: {len(body.encode())}\r\nConnection: close\r\n\r\n{body}").encode()
        head, text = http(s, req)
        s.close()
        return head, text
    head, text = post(f"<body content='text/xml; charset=utf-8' hold='1' rid='1000' to='{a.domain}' ver='1.6' "
                      "wait='10' xml:lang='en' xmpp:version='1.0' xmlns='http://jabber.org/protocol/httpbind' "
                      "xmlns:xmpp='urn:xmpp:xbosh'/>")
    m = re.search(r"sid=['\"]([^'\"]+)", text)
    if not m:
        return f"error no BOSH session: {head.splitlines()[0] if head else ''} {text[:200]}"
    sid = m.group(1)
    _, text = post(f"<body rid='1001' sid='{sid}' xmlns='http://jabber.org/protocol/httpbind'>"
                   "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='ANONYMOUS'/></body>")
    return verdict(text)


def verdict(text):
    if "<success" in text:
        return "success"
    m = re.search(r"<failure[^>]*>\s*<([a-z-]+)", text)
    if m:
        return f"failure {m.group(1)}"
    return f"error no SASL answer: {text[:200]}"


def ws_send(s, text):
    data = text.encode()
    mask = os.urandom(4)
    n = len(data)
    head = bytes([0x81]) + (bytes([0x80 | n]) if n < 126 else bytes([0x80 | 126]) + struct.pack(">H", n))
    s.sendall(head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data)))


def ws_recv(s, buf):
    def need(k):
        nonlocal buf
        while len(buf) < k:
            chunk = s.recv(65536)
            if not chunk:
                raise EOFError("closed")
            buf += chunk
    need(2)
    n = buf[1] & 0x7F
    off = 2
    if n == 126:
        need(4)
        n, off = struct.unpack(">H", buf[2:4])[0], 4
    elif n == 127:
        need(10)
        n, off = struct.unpack(">Q", buf[2:10])[0], 10
    need(off + n)
    frame, buf = buf[off:off + n], buf[off + n:]
    return frame.decode(errors="replace"), buf


def websocket(a, query):
    s = connect(a)
    key = base64.b64encode(os.urandom(16)).decode()
    req = (f"GET /xmpp-websocket?{query} HTTP/1.1\r\nHost: {a.domain}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
           f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: xmpp\r\n\r\n").encode()
    s.sendall(req)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(4096)
        if not chunk:
            return "error the WebSocket upgrade was closed"
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    if b" 101 " not in head.split(b"\r\n")[0]:
        return f"error no WebSocket upgrade: {head.splitlines()[0].decode()}"
    buf = rest
    ws_send(s, f"<open xmlns='urn:ietf:params:xml:ns:xmpp-framing' to='{a.domain}' version='1.0'/>")
    seen = ""
    while "</stream:features>" not in seen and "<features" not in seen:
        text, buf = ws_recv(s, buf)
        seen += text
    ws_send(s, "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='ANONYMOUS'/>")
    while True:
        text, buf = ws_recv(s, buf)
        if "success" in text or "failure" in text:
            s.close()
            return verdict(text)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--address", required=True)
    p.add_argument("--domain", required=True)
    p.add_argument("--cafile", required=True)
    p.add_argument("--transport", choices=("bosh", "websocket"), required=True)
    p.add_argument("--token", default=None)
    p.add_argument("--secret-file")
    p.add_argument("--iss", default="")
    p.add_argument("--aud", default="")
    p.add_argument("--room", default="liveroom")
    a = p.parse_args()
    token = a.token
    if token is None and a.secret_file:
        with open(a.secret_file, encoding="utf-8") as f:
            token = sign(f.readline().rstrip("\n"), a.iss, a.aud)
    params = {"room": a.room}
    if token:
        params["token"] = token
    query = urllib.parse.urlencode(params)
    try:
        print(bosh(a, query) if a.transport == "bosh" else websocket(a, query))
    except Exception as e:  # noqa: BLE001 - the driver reads the verdict
        print(f"error {type(e).__name__}: {e}")


if __name__ == "__main__":
    main()
