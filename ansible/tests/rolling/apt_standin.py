"""STAND-IN for apt-get install on a test host of test_rolling.py (Jitsi's repository is not
reachable here):  python3 apt_standin.py NAME[=VERSION]...

Each package that dpkg's status database (/var/lib/dpkg/status, the host's own overlay) does not
list as installed at that version gets a status entry at it, as an install or upgrade would
leave, so the real dpkg-query of the check-packages step reads it; then what the package's
installer does to the services the test watches: jitsi-videobridge2's postinst stops the bridge
on every configure (../shared/reference/upstream/README.md, jitsi-videobridge debian/postinst at
stable-11146), jitsi-meet-prosody's makes the self-signed certificate of auth.<domain> on a first
install and restarts prosody (jitsi-meet debian/jitsi-meet-prosody.postinst l.228-251, l.264).
Prints "installed NAME=VERSION" per package it changed."""

import os
import re
import subprocess
import sys
import time

STATUS = '/var/lib/dpkg/status'
host = open('/etc/jt-standin-host').read().strip()
with open(STATUS) as f:
    stanzas = f.read().strip('\n').split('\n\n')
by_name = {}
for i, s in enumerate(stanzas):
    m = re.search(r'^Package: (\S+)$', s, re.M)
    if m:
        by_name[m.group(1)] = i
changed = []
for word in sys.argv[1:]:
    name, pinned, version = word.partition('=')
    version = version or '1.0-standin'
    i = by_name.get(name)
    if i is not None and 'Status: install ok installed' in stanzas[i]:
        have = re.search(r'^Version: (\S+)$', stanzas[i], re.M)
        if not pinned or (have and have.group(1) == version):
            continue
    entry = ('Package: %s\nStatus: install ok installed\nPriority: optional\nSection: net\n'
             'Maintainer: stand-in <stand-in@invalid>\nArchitecture: all\nVersion: %s\n'
             'Description: stand-in entry of test_rolling.py') % (name, version)
    if i is None:
        by_name[name] = len(stanzas)
        stanzas.append(entry)
    else:
        stanzas[i] = entry
    changed.append((name, version))
with open(STATUS + '.tmp', 'w') as f:
    f.write('\n\n'.join(stanzas) + '\n')
os.replace(STATUS + '.tmp', STATUS)
with open(os.path.join(host, 'calls.log'), 'a') as log:
    for name, version in changed:
        log.write('%.3f apt install %s=%s\n' % (time.time(), name, version))
for name, version in changed:
    print('installed %s=%s' % (name, version))
    if name == 'jitsi-videobridge2':
        subprocess.run(['systemctl', 'stop', 'jitsi-videobridge2'], check=True)
    if name == 'jitsi-meet-prosody':
        domain = open(os.path.join(host, 'domain')).read().strip()
        os.makedirs('/etc/prosody/certs', exist_ok=True)
        crt = '/etc/prosody/certs/auth.%s.crt' % domain
        if not os.path.exists(crt):
            subprocess.run(['openssl', 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '30',
                            '-subj', '/CN=auth.%s' % domain, '-keyout', '/etc/prosody/certs/auth.%s.key' % domain,
                            '-out', crt], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        subprocess.run(['systemctl', 'restart', 'prosody'], check=True)
