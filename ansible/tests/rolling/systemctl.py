"""STAND-IN for systemctl on a test host of test_rolling.py (no systemd runs here): keeps each
unit's enabled and active state in the host's folder, records every call with its time in
calls.log, and runs a process for the two services the test watches: jitsi-videobridge2 (the
stand-in bridge, jvb_standin.py) and jicofo (the stand-in jicofo REST API, jicofo_standin.py),
started in the host's network and mount namespaces like the real units would be."""

import json
import os
import signal
import subprocess
import sys
import time

HOST = open('/etc/jt-standin-host').read().strip()
STATE = os.path.join(HOST, 'units')
CONFIG = json.load(open(os.path.join(HOST, 'standin.json')))
PROGRAMS = {
    'jitsi-videobridge2': ['jvb_standin.py', '/etc/jitsi/videobridge/jvb.conf'],
    'jicofo': ['jicofo_standin.py', '/etc/jitsi/jicofo/jicofo.conf'],
}


def log(words):
    with open(os.path.join(HOST, 'calls.log'), 'a') as f:
        f.write('%.3f systemctl %s\n' % (time.time(), ' '.join(words)))


def unit_name(u):
    return u[:-len('.service')] if u.endswith('.service') else u


def state(u):
    try:
        with open(os.path.join(STATE, u + '.json')) as f:
            return json.load(f)
    except OSError:
        return {'enabled': False, 'active': False, 'pid': None}


def save(u, s):
    os.makedirs(STATE, exist_ok=True)
    with open(os.path.join(STATE, u + '.json'), 'w') as f:
        json.dump(s, f)


def alive(pid):
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    try:
        with open('/proc/%d/stat' % pid) as f:
            return f.read().split()[2] != 'Z'
    except OSError:
        return False


def active(u):
    s = state(u)
    if u in PROGRAMS:
        return alive(s.get('pid'))
    return s['active']


def stop(u):
    s = state(u)
    pid = s.get('pid')
    if alive(pid):
        os.kill(pid, signal.SIGTERM)
        for dummy in range(100):
            if not alive(pid):
                break
            time.sleep(0.05)
    s.update(active=False, pid=None)
    save(u, s)


def start(u):
    s = state(u)
    if u in PROGRAMS and not alive(s.get('pid')):
        script, conf = PROGRAMS[u]
        out = open(os.path.join(HOST, u + '.log'), 'a')
        p = subprocess.Popen([CONFIG['python'], os.path.join(CONFIG['standins'], script), conf, CONFIG['brewery']],
                             stdin=subprocess.DEVNULL, stdout=out, stderr=out, start_new_session=True, close_fds=True)
        s['pid'] = p.pid
    s['active'] = True
    save(u, s)


def show(u):
    s = state(u)
    print('Id=%s.service' % u)
    print('Names=%s.service' % u)
    print('LoadState=loaded')
    print('ActiveState=%s' % ('active' if active(u) else 'inactive'))
    print('SubState=%s' % ('running' if active(u) else 'dead'))
    print('UnitFileState=%s' % ('enabled' if s['enabled'] else 'disabled'))
    print('Description=%s (stand-in)' % u)


def main(argv):
    log(argv)
    words = [w for w in argv if not w.startswith('-')]
    quiet = '--quiet' in argv or '-q' in argv
    if not words:
        return 0
    verb, units = words[0], [unit_name(u) for u in words[1:]]
    if verb in ('daemon-reload', 'daemon-reexec', 'reset-failed'):
        return 0
    if verb == 'show':
        for u in units:
            show(u)
        return 0
    if verb == 'is-active':
        ok = all(active(u) for u in units)
        if not quiet:
            print('active' if ok else 'inactive')
        return 0 if ok else 3
    if verb == 'is-enabled':
        ok = all(state(u)['enabled'] for u in units)
        if not quiet:
            print('enabled' if ok else 'disabled')
        return 0 if ok else 1
    for u in units:
        s = state(u)
        if verb in ('enable', 'disable'):
            s['enabled'] = verb == 'enable'
            save(u, s)
        elif verb == 'start':
            start(u)
        elif verb == 'stop':
            stop(u)
        elif verb in ('restart', 'reload-or-restart', 'try-restart', 'reload'):
            if u in PROGRAMS or verb != 'reload':
                if verb == 'try-restart' and not active(u):
                    continue
                stop(u)
                start(u)
        else:
            print('systemctl stand-in: %s is not supported' % verb, file=sys.stderr)
            return 1
    return 0


sys.exit(main(sys.argv[1:]))
