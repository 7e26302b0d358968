"""STAND-IN for jicofo's REST API (the real jicofo cannot run here), started by the systemctl
stand-in on the signalling test host of test_rolling.py:  jicofo_standin.py JICOFO_CONF BREWERY_DIR

It reads the rendered jicofo.conf with pyhocon, listens on jicofo.rest (host, port; upstream
defaults 127.0.0.1:8888, jitsi/jicofo a595d0bc jicofo/src/main/resources/reference.conf l.148-151)
and serves GET /debug when jicofo.rest.debug.enabled (default true, l.165-167) in the shape of
jicofo's debug state: {"bridge_selector": {"strategy": ..., "bridge": {<bridge JID>: {...}}}}
(ktor/Application.kt l.244-250, JicofoServices.kt l.243-245, jicofo-selector
bridge/BridgeSelector.kt l.236-245, keyed by the brewery occupant JID, BridgeMucDetector.kt
l.49-50; each bridge's fields from Bridge.kt l.338-353). The bridges are those present in its
brewery (jicofo.bridge.brewery-jid): the presence files jvb_standin.py writes under
BREWERY_DIR/<brewery JID>/, in place of their XMPP presence. GET /about/health answers 200."""

import json
import os
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from pyhocon import ConfigFactory

conf = ConfigFactory.parse_file(sys.argv[1], resolve=False)
brewery_root = sys.argv[2]


def get(path, default):
    try:
        v = conf.get(path)
        return default if v is None else v
    except Exception:  # pylint: disable=broad-except
        return default


host = get('jicofo.rest.host', '127.0.0.1')
port = int(get('jicofo.rest.port', 8888))
debug = bool(get('jicofo.rest.debug.enabled', True))
brewery = str(get('jicofo.bridge.brewery-jid', ''))


def bridges():
    out = {}
    folder = os.path.join(brewery_root, brewery)
    for name in sorted(os.listdir(folder)) if os.path.isdir(folder) else []:
        if not name.endswith('.json'):
            continue
        try:
            with open(os.path.join(folder, name)) as f:
                p = json.load(f)
        except (OSError, ValueError):
            continue
        out['%s/%s' % (brewery, name[:-len('.json')])] = {
            'corrected-stress': 0.0, 'drain': p['drain'], 'endpoints': 0,
            'endpoint-restart-requests': 0, 'failing-ice': False, 'graceful-shutdown': False,
            'healthy': True, 'operational': True, 'overloaded': False, 'region': p['region'],
            'relay-id': None, 'release': None, 'shutting-down': False, 'stress': 0.0, 'version': 'stand-in',
        }
    return out


class Handler(BaseHTTPRequestHandler):
    def answer(self, status, body=''):
        data = body.encode()
        self.send_response(status)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):  # pylint: disable=invalid-name
        if self.path.split('?')[0] == '/debug' and debug:
            self.answer(200, json.dumps({'focus_manager': {}, 'bridge_selector': {
                'strategy': 'RegionBasedBridgeSelectionStrategy', 'bridge': bridges()}}))
        elif self.path == '/about/health':
            self.answer(200, '{}')
        else:
            self.answer(404)

    def log_message(self, *args):
        pass


ThreadingHTTPServer((host, port), Handler).serve_forever()
