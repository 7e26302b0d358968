"""STAND-IN for jitsi-videobridge (the real bridge cannot run here), started by the systemctl
stand-in on a test host of test_rolling.py:  jvb_standin.py JVB_CONF BREWERY_DIR

It reads the rendered jvb.conf with pyhocon and answers on videobridge.http-servers.private
(host, port) the drain API exactly when the videobridge would (videobridge.rest.drain.enabled,
default true; jitsi/jitsi-videobridge 4bb0aead jvb/src/main/resources/reference.conf l.138-161,
rest/root/colibri/drain/Drain.java: GET /colibri/drain -> {"drain": bool}, POST /enable and
/disable) and /metrics (jitsi_jvb_conferences; VideobridgeMetrics.kt, namespace jitsi_jvb), as
tests/live/JvbRestStandin.java does with Typesafe Config. It starts out of drain mode
(videobridge.initial-drain-mode, default false) with the conferences its host's conferences file
says (default 1), which end CONFERENCE_END seconds after drain mode is turned on.

Its presence in the brewery: for each xmpp-client config of jvb.conf it writes
BREWERY_DIR/<MUC_JIDS>/<MUC_NICKNAME>.json (what its presence in that MUC tells jicofo: its
region from videobridge.relay.region, drain mode), one second after start (joining takes a
moment), updates it when drain mode changes and removes it when it stops, for
jicofo_standin.py to list."""

import json
import os
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from pyhocon import ConfigFactory

CONFERENCE_END = 2.0

conf = ConfigFactory.parse_file(sys.argv[1], resolve=False)
brewery = sys.argv[2]
host_dir = open('/etc/jt-standin-host').read().strip()


def get(path, default):
    try:
        v = conf.get(path)
        return default if v is None else v
    except Exception:  # pylint: disable=broad-except
        return default


api_host = get('videobridge.http-servers.private.host', '127.0.0.1')
api_port = int(get('videobridge.http-servers.private.port', 8080))
drain_api = bool(get('videobridge.rest.drain.enabled', True))
region = get('videobridge.relay.region', None)
presences = []
for name, c in get('videobridge.apis.xmpp-client.configs', {}).items():
    presences.append(os.path.join(brewery, str(c.get('MUC_JIDS')), str(c.get('MUC_NICKNAME')) + '.json'))

lock = threading.Lock()
drain = bool(get('videobridge.initial-drain-mode', False))
drain_since = None
try:
    with open(os.path.join(host_dir, 'conferences')) as f:
        conferences = int(f.read().strip())
except OSError:
    conferences = 1
joined = False


def publish():
    if not joined:
        return
    for p in presences:
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p + '.tmp', 'w') as f:
            json.dump({'region': region, 'drain': drain, 'pid': os.getpid()}, f)
        os.replace(p + '.tmp', p)


def running_conferences():
    global conferences
    with lock:
        if drain and drain_since is not None and time.time() - drain_since >= CONFERENCE_END:
            conferences = 0
        return conferences


class Handler(BaseHTTPRequestHandler):
    def answer(self, status, body='', kind='application/json'):
        data = body.encode()
        self.send_response(status)
        self.send_header('Content-Type', kind)
        self.send_header('Content-Length', str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):  # pylint: disable=invalid-name
        if self.path == '/colibri/drain' and drain_api:
            self.answer(200, json.dumps({'drain': drain}))
        elif self.path == '/metrics':
            self.answer(200, '# TYPE jitsi_jvb_conferences gauge\njitsi_jvb_conferences %d\n' % running_conferences(),
                        'text/plain')
        else:
            self.answer(404)

    def do_POST(self):  # pylint: disable=invalid-name
        global drain, drain_since
        if self.path in ('/colibri/drain/enable', '/colibri/drain/disable') and drain_api:
            with lock:
                drain = self.path.endswith('enable')
                drain_since = time.time() if drain else None
                publish()
            with open(os.path.join(host_dir, 'calls.log'), 'a') as f:
                f.write('%.3f jvb %s\n' % (time.time(), self.path))
            self.answer(200)
        else:
            self.answer(404)

    def log_message(self, *args):
        pass


def leave(*_):
    for p in presences:
        try:
            os.remove(p)
        except OSError:
            pass
    os._exit(0)


signal.signal(signal.SIGTERM, leave)
server = ThreadingHTTPServer((api_host, api_port), Handler)
threading.Thread(target=server.serve_forever, daemon=True).start()
time.sleep(1)
with lock:
    joined = True
    publish()
while True:
    time.sleep(3600)
