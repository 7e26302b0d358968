#!/usr/bin/env python3
"""Tiny HTTP listeners for the live test (standard library only).

  standin_http.py --serve NAME=HOST:PORT [--serve ...] --log FILE --ready FILE

Each listener answers every GET/POST with 200 and a JSON body naming itself and the request path,
and appends "NAME METHOD PATH" to the log. Used as the stand-in for jicofo's REST API (which nginx
proxies /conference-request/v1 to) and as the "other port" service the admin host must reach
through the firewall.
"""

import argparse
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def handler_for(name, log_path, lock):
    class H(BaseHTTPRequestHandler):
        def _answer(self):
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(length)
            with lock, open(log_path, "a") as f:
                f.write(f"{name} {self.command} {self.path} from {self.client_address[0]}\n")
            body = json.dumps({"standin": name, "method": self.command, "path": self.path}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = _answer
        do_POST = _answer

        def log_message(self, *args):
            pass

    return H


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--serve", action="append", required=True, help="NAME=HOST:PORT")
    p.add_argument("--log", required=True)
    p.add_argument("--ready", required=True)
    a = p.parse_args()
    lock = threading.Lock()
    servers = []
    for spec in a.serve:
        name, addr = spec.split("=", 1)
        host, port = addr.rsplit(":", 1)
        servers.append(ThreadingHTTPServer((host, int(port)), handler_for(name, a.log, lock)))
    for s in servers[1:]:
        threading.Thread(target=s.serve_forever, daemon=True).start()
    with open(a.ready, "w") as f:
        f.write("ready\n")
    servers[0].serve_forever()


if __name__ == "__main__":
    main()
