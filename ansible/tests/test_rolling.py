# -*- coding: utf-8 -*-
# Copyright: (c) 2026, jitsi-topology contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)

"""The collection's playbook jitsi_topology.deploy.site, run by the real ansible-core over ssh
against six hosts read from the model through the inventory plugin: a signalling host, four
bridges in two regions and a TURN host, each a network namespace with its own sshd
(rolling/hosts.py), with the apply path on.

Real: ansible-core, ssh and sshd, the inventory plugin, host_config, debconf-set-selections,
dpkg-query (check-packages, on each host's own dpkg database), update-ca-certificates, the
rendered drain helper (drain-videobridge, with curl). Debian's prosodyctl runs with a configuration of the test (the rendered one needs Jitsi's
plugins) and test_prosody_step.py's stand-in mod_roster_command. STAND-INs (rolling/):
systemctl (no systemd runs here), apt (Jitsi's repository is not reachable), the videobridge
(its drain API and conference count, by the rendered jvb.conf) and jicofo's REST API (/debug in
jicofo's shape, listing the bridges present in its brewery).

The tests run in file order and share the hosts: a first run converges, a second changes
nothing, a change to every bridge rolls one bridge at a time (from the recorded start and end of
each task: no two drains overlap, and each drain begins only after jicofo listed the previous
bridge again), a package upgrade drains first, the last-bridge guard stops the play, and
--check --diff writes nothing. Needs root (namespaces, mounts) and sshd; ansible/tests/run runs it.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, 'rolling'))
from hosts import Hosts  # noqa: E402  pylint: disable=wrong-import-position
from test_prosody_step import ROSTER_STANDIN  # noqa: E402  pylint: disable=wrong-import-position

COLLECTION = os.path.dirname(HERE)
BIN = os.path.dirname(sys.executable)
DOMAIN = 'meet.jt-rolling.example'
NET = '198.19.17.'
HOSTS = {
    'meet.jt-rolling.example': NET + '10',
    'jvb1.jt-rolling.example': NET + '11',
    'jvb2.jt-rolling.example': NET + '12',
    'jvb3.jt-rolling.example': NET + '13',
    'jvb4.jt-rolling.example': NET + '14',
    'turn.jt-rolling.example': NET + '20',
}
BRIDGES = ['jvb1.jt-rolling.example', 'jvb2.jt-rolling.example', 'jvb3.jt-rolling.example', 'jvb4.jt-rolling.example']
SECRET = 'Rq7vTz2WbK9mLp4XsN8cYd3F'
RECAP = re.compile(r'^(\S+)\s+: ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)', re.M)
DRAIN_TASK = 'jitsi_topology.deploy.host : Drain the bridge (jicofo places no new conference on it; wait until it runs none)'
BACK_TASK = 'jitsi_topology.deploy.host : Wait until jicofo on every shard the bridge serves lists it as operational again'
INSTALL_TASK = 'jitsi_topology.deploy.host : Install the packages (STAND-IN for apt)'
# Runs that roll nothing take all bridges at once (the rolling runs keep the default, one).
PARALLEL = {'jitsi_topology_serial': 4}


def model(heap='2g'):
    bridges = []
    for i, name in enumerate(BRIDGES):
        region = 'eu' if i < 2 else 'us'
        bridges.append('  - { host: %s, address: %s, public_address: 203.0.113.%d, region: %s, jvm_max_memory: %s }'
                       % (name, HOSTS[name], 11 + i, region, heap))
    return '\n'.join([
        'domain: %s' % DOMAIN,
        'tls: { mode: own, certificate: /etc/ssl/%s.crt, key: /etc/ssl/%s.key }' % (DOMAIN, DOMAIN),
        'secrets:',
        '  focus: { file: /etc/jitsi-topology/secrets/focus }',
        '  jvb: { file: /etc/jitsi-topology/secrets/jvb }',
        '  turn: { file: /etc/jitsi-topology/secrets/turn }',
        'signaling: { host: meet.jt-rolling.example, address: %s, region: eu }' % HOSTS['meet.jt-rolling.example'],
        'bridges:',
    ] + bridges + [
        'bridge_networks: [%s0/24]' % NET,
        'public_stun: false',
        'turn: { host: turn.jt-rolling.example, address: %s, public_address: 203.0.113.20, domain: turn.jt-rolling.example }'
        % HOSTS['turn.jt-rolling.example'],
        '',
    ])


@pytest.fixture(scope='module')
def lab(tmp_path_factory):
    if os.geteuid() != 0 or not os.path.exists('/usr/sbin/sshd'):
        pytest.fail('the rolling test needs root and /usr/sbin/sshd (scripts/install-test-deps installs openssh-server)')
    base = str(tmp_path_factory.mktemp('rolling'))
    hosts = Hosts(base, HOSTS, 'jtr%d-' % (os.getpid() % 10000))
    brewery = os.path.join(base, 'brewery')
    os.makedirs(brewery)
    try:
        hosts.up()
        for name in HOSTS:
            h = hosts.host_dir(name)
            with open(os.path.join(h, 'standin.json'), 'w') as f:
                json.dump({'python': sys.executable, 'standins': os.path.join(HERE, 'rolling'), 'brewery': brewery}, f)
            with open(os.path.join(h, 'domain'), 'w') as f:
                f.write(DOMAIN + '\n')
            # prosodyctl's configuration on the host (see rolling/host-setup.sh): prosody's data
            # where Debian keeps it, the VirtualHost and component the steps name, and Jitsi's
            # mod_roster_command as test_prosody_step.py's STAND-IN.
            write(hosts, name, '/etc/prosody/jt-test-plugins/mod_roster_command.lua', ROSTER_STANDIN)
            write(hosts, name, '/etc/prosody/jt-test.cfg.lua', (
                'data_path = "/var/lib/prosody"\npidfile = "/run/jt-prosody.pid"\n'
                'log = { error = "/var/log/jt-prosody-error.log" }\n'
                'plugin_paths = { "/etc/prosody/jt-test-plugins" }\ncertificates = "/etc/prosody/certs"\n'
                'VirtualHost "auth.%s"\n    authentication = "internal_hashed"\n'
                'Component "focus.%s"\n    component_secret = "unused"\n' % (DOMAIN, DOMAIN)))
            # The {file} secrets, on every host (an operator's job before the first run).
            hosts.inside(name, 'sh', '-c', 'mkdir -p /etc/jitsi-topology/secrets && for s in focus jvb turn; do '
                         'echo %s-$s > /etc/jitsi-topology/secrets/$s; done && chmod 600 /etc/jitsi-topology/secrets/*' % SECRET)
        inventory = os.path.join(base, 'inventory')
        os.makedirs(inventory)
        with open(os.path.join(base, 'model.yaml'), 'w') as f:
            f.write(model())
        with open(os.path.join(inventory, 'jitsi_topology.yml'), 'w') as f:
            f.write('plugin: jitsi_topology.deploy.model\ntopology_file: ../model.yaml\n')
        with open(os.path.join(inventory, 'connection.ini'), 'w') as f:
            f.write('[jitsi]\n\n[jitsi:vars]\nansible_user=root\nansible_python_interpreter=/usr/bin/python3\n'
                    'ansible_ssh_private_key_file=%s\n'
                    'ansible_ssh_common_args=-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null\n' % hosts.key)
        print('\nrolling: six hosts, each a network namespace with its own sshd; STAND-INs: systemctl, mod_roster_command, '
              'apt, the videobridge (drain API by the rendered jvb.conf), jicofo\'s REST API (/debug)')
        yield dict(base=base, hosts=hosts, inventory=inventory, brewery=brewery)
    finally:
        hosts.down()


def write(hosts, name, path, text):
    """Writes a world-readable file at path on the host (its own overlay)."""
    hosts.inside(name, 'sh', '-c', 'mkdir -p "$(dirname "$1")" && cat > "$1" && chmod 644 "$1"', 'sh', path, stdin_text=text)


def playbook(lab, *args, extra=None):
    """Runs jitsi_topology.deploy.site from the controller namespace; returns (rc, output,
    recap, timeline)."""
    variables = {
        'jitsi_topology_ownership': False,  # the test hosts lack the packages' users (jicofo, jvb)
        'jitsi_topology_packages_tasks': os.path.join(HERE, 'rolling', 'packages.yml'),
        'jt_standins': os.path.join(HERE, 'rolling'),
        'jitsi_topology_drain_timeout': 30,
        'jitsi_topology_drain_poll': 1,
        'jitsi_topology_back_timeout': 60,
        'jitsi_topology_back_delay': 1,
    }
    variables.update(extra or {})
    timeline_file = os.path.join(lab['base'], 'timeline.json')
    if os.path.exists(timeline_file):
        os.remove(timeline_file)
    env = dict(os.environ)
    env.update(
        ANSIBLE_HOME=os.path.join(lab['base'], 'ansible-home'),
        ANSIBLE_NOCOLOR='1',
        ANSIBLE_FORCE_COLOR='0',
        ANSIBLE_RETRY_FILES_ENABLED='0',
        ANSIBLE_STDOUT_CALLBACK='default',
        ANSIBLE_PIPELINING='1',
        ANSIBLE_FORKS='10',
        ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED='1',
        ANSIBLE_SSH_CONTROL_PATH_DIR=os.path.join(lab['base'], 'cp'),
        ANSIBLE_CALLBACK_PLUGINS=os.path.join(HERE, 'callback_plugins'),
        ANSIBLE_CALLBACKS_ENABLED='jt_results',
        JT_TIMELINE_FILE=timeline_file,
    )
    command = ['ip', 'netns', 'exec', lab['hosts'].controller,
               os.path.join(BIN, 'ansible-playbook'), '-i', lab['inventory'], '-e', json.dumps(variables)] + list(args) + [
        'jitsi_topology.deploy.site']
    started = time.time()
    done = subprocess.run(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          universal_newlines=True, check=False)
    recap = dict((m.group(1), dict(ok=int(m.group(2)), changed=int(m.group(3)), failed=int(m.group(5))))
                 for m in RECAP.finditer(done.stdout))
    timeline = []
    if os.path.exists(timeline_file):
        with open(timeline_file) as f:
            timeline = json.load(f)
    print('\n%s (%.0f s):\n  %s' % (' '.join(args) or 'run', time.time() - started,
                                    '\n  '.join(line for line in done.stdout.splitlines() if RECAP.match(line))))
    assert SECRET not in done.stdout
    return done.returncode, done.stdout, recap, timeline


def calls(lab, name):
    with open(os.path.join(lab['hosts'].host_dir(name), 'calls.log')) as f:
        return f.read().splitlines()


def spans(timeline, task):
    """{host: (start, end)} of `task` where it ran (not skipped)."""
    return dict((t['host'], (t['start'], t['end'])) for t in timeline if t['task'] == task and t['status'] != 'skipped')


def test_the_first_run_converges(lab):
    rc, output, recap, dummy = playbook(lab, extra=PARALLEL)
    assert rc == 0, output
    assert sorted(recap) == sorted(HOSTS), recap
    assert all(r['failed'] == 0 for r in recap.values()), recap
    # Every bridge runs (its stand-in started by the service step) and jicofo lists all four.
    listed = sorted(os.listdir(os.path.join(lab['brewery'], 'jvbbrewery@internal.auth.' + DOMAIN)))
    assert listed == sorted(b + '.json' for b in BRIDGES), listed


def test_a_second_run_changes_nothing(lab):
    rc, output, recap, timeline = playbook(lab, extra=PARALLEL)
    assert rc == 0, output
    assert all(r['changed'] == 0 for r in recap.values()), (recap, [t for t in timeline if t['changed']])
    assert not spans(timeline, DRAIN_TASK)


def test_a_change_to_every_bridge_rolls_one_bridge_at_a_time(lab):
    # Every bridge's heap changes, and jvb3's jitsi-videobridge2 is older than the release's (the
    # next test reads the upgrade from this run).
    with open(os.path.join(lab['base'], 'model.yaml'), 'w') as f:
        f.write(model(heap='3g'))
    lab['hosts'].inside('jvb3.jt-rolling.example', 'sed', '-i',
                        '/^Package: jitsi-videobridge2$/,/^$/ s/^Version: .*/Version: 2.3-1-g0000000-1/', '/var/lib/dpkg/status')
    lab['calls_before'] = {b: len(calls(lab, b)) for b in BRIDGES}
    rc, output, recap, timeline = playbook(lab)
    lab['roll'] = timeline
    assert rc == 0, output
    drains = spans(timeline, DRAIN_TASK)
    backs = spans(timeline, BACK_TASK)
    assert sorted(drains) == BRIDGES and sorted(backs) == BRIDGES, (drains, backs)
    order = sorted(BRIDGES, key=lambda b: drains[b][0])
    t0 = drains[order[0]][0]
    print('drain timeline (seconds from the first drain: drain start-end, then listed by jicofo again):')
    for b in order:
        print('  %s: drain %.1f-%.1f, listed again at %.1f' % (b, drains[b][0] - t0, drains[b][1] - t0, backs[b][1] - t0))
    for prev, nxt in zip(order, order[1:]):
        # No two drains overlap: each next drain begins after jicofo listed the previous bridge again.
        assert drains[nxt][0] >= backs[prev][1], (prev, nxt, drains, backs)
    for b in BRIDGES:
        log = calls(lab, b)[lab['calls_before'][b]:]
        assert any('jvb /colibri/drain/enable' in line for line in log), log
        assert any(line.endswith('systemctl restart jitsi-videobridge2.service') for line in log), log


def test_a_package_upgrade_drains_the_bridge_first(lab):
    timeline = lab.get('roll')
    assert timeline, 'the rolling run did not run'
    drains = spans(timeline, DRAIN_TASK)
    installs = dict((t['host'], (t['start'], t['end'])) for t in timeline if t['task'] == INSTALL_TASK and t['changed'])
    assert list(installs) == ['jvb3.jt-rolling.example'], installs
    assert drains['jvb3.jt-rolling.example'][1] <= installs['jvb3.jt-rolling.example'][0]
    log = [line.split(' ', 1)[1] for line in calls(lab, 'jvb3.jt-rolling.example')[lab['calls_before']['jvb3.jt-rolling.example']:]]
    sequence = [line for line in log if line.startswith(('jvb /colibri/drain/enable', 'apt install jitsi-videobridge2',
                                                         'systemctl stop jitsi-videobridge2',
                                                         'systemctl restart jitsi-videobridge2'))]
    print('jvb3 upgrade: ' + ' -> '.join(sequence))
    assert [s.split('=')[0] for s in sequence] == [
        'jvb /colibri/drain/enable', 'apt install jitsi-videobridge2', 'systemctl stop jitsi-videobridge2',
        'systemctl restart jitsi-videobridge2.service'], sequence


def test_draining_the_last_bridge_of_a_region_stops_the_play(lab):
    hosts = lab['hosts']
    # jvb2 is out of service (drain mode): jvb1 is the last bridge jicofo uses in region eu.
    hosts.inside('jvb2.jt-rolling.example', 'curl', '-fsS', '-X', 'POST', 'http://127.0.0.1:8080/colibri/drain/enable')
    with open(os.path.join(lab['base'], 'model.yaml'), 'w') as f:
        f.write(model(heap='4g'))
    before = {b: len(calls(lab, b)) for b in BRIDGES}
    rc, output, recap, dummy = playbook(lab)
    assert rc != 0
    assert 'jvb1.jt-rolling.example is the last bridge of region eu that jicofo uses' in output, output
    assert 'jitsi_topology_drain_last_bridge=true' in output
    # Nothing was drained: not jvb1, and no bridge after it (the play stopped).
    for b in BRIDGES:
        new = calls(lab, b)[before[b]:]
        assert not any('/colibri/drain/enable' in line for line in new), (b, new)
    hosts.inside('jvb2.jt-rolling.example', 'curl', '-fsS', '-X', 'POST', 'http://127.0.0.1:8080/colibri/drain/disable')


def test_check_diff_writes_nothing_and_withholds_secrets(lab):
    def state():
        found = {}
        for name in HOSTS:
            up = os.path.join(lab['hosts'].host_dir(name), 'up')
            for folder, dummy, files in os.walk(up):
                if folder.startswith(os.path.join(up, 'root')):
                    continue  # Ansible's own temporary files on the host
                for f in files:
                    p = os.path.join(folder, f)
                    st = os.lstat(p)
                    found[p] = (st.st_size, st.st_mtime_ns, st.st_mode)
        return found
    before = state()
    calls_before = {b: len(calls(lab, b)) for b in BRIDGES}
    rc, output, recap, dummy = playbook(lab, '--check', '--diff', extra=PARALLEL)
    assert rc == 0, output
    assert 'VIDEOBRIDGE_MAX_MEMORY=4g' in output  # the pending change is shown
    assert state() == before
    for b in BRIDGES:
        assert not any('/colibri/drain' in line for line in calls(lab, b)[calls_before[b]:])
