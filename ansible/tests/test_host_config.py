# -*- coding: utf-8 -*-
# Copyright: (c) 2026, jitsi-topology contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)

"""host_config's one transfer per host, with the real ansible-core (``-c local``): all of a
host's files go to the host's Python at once, which rewrites only what differs (content, mode,
owner), replaces every file or none, keeps backups, and in check mode writes nothing.

Run by ansible/tests/run (ANSIBLE_COLLECTIONS_PATH is a copy of this collection)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

import jitsi_topology

HERE = os.path.dirname(os.path.abspath(__file__))
MODEL = os.path.join(os.path.dirname(HERE), 'examples', 'handbook', 'handbook.yaml')
BIN = os.path.dirname(sys.executable)
HOST = 'jvb1.meet.example.com'
DEBCONF = 'etc/jitsi-topology/debconf.selections'
JVB_CONF = 'etc/jitsi/videobridge/jvb.conf'
DRAIN = 'usr/local/libexec/jitsi-topology/drain-videobridge'


def host_config(tmp_path, root, *flags, interpreter=sys.executable, path=None, **options):
    """Runs one host_config task for jvb1 into ``root``; returns (rc, output, result)."""
    args = dict(topology_file=MODEL, host=HOST, dest=str(root), ownership=False)
    args.update(options)
    play = tmp_path / 'play.json'
    play.write_text(json.dumps([dict(name='host_config', hosts='localhost', gather_facts=False, tasks=[
        dict(name='Write the files', register='written', **{'jitsi_topology.deploy.host_config': args}),
        dict(name='Save the result', check_mode=False, diff=False, **{'ansible.builtin.copy': dict(
            content='{{ written | to_json }}', dest=str(tmp_path / 'result.json'), mode='0600')}),
    ])]))
    env = dict(os.environ, ANSIBLE_HOME=str(tmp_path / 'home'), ANSIBLE_NOCOLOR='1', ANSIBLE_STDOUT_CALLBACK='default',
               ANSIBLE_LOCALHOST_WARNING='0', ANSIBLE_INVENTORY_UNPARSED_WARNING='0')
    if path is not None:
        env['PATH'] = path
    done = subprocess.run([os.path.join(BIN, 'ansible-playbook'), '-c', 'local', '-i', 'localhost,',
                           '-e', json.dumps({'ansible_python_interpreter': interpreter} if interpreter else {})]
                          + list(flags) + [str(play)],
                          env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, check=False)
    result = None
    if (tmp_path / 'result.json').exists():
        result = json.loads((tmp_path / 'result.json').read_text())
        (tmp_path / 'result.json').unlink()
    return done.returncode, done.stdout, result


def state(root):
    found = {}
    for folder, dummy, names in os.walk(str(root)):
        for name in names:
            path = os.path.join(folder, name)
            st = os.lstat(path)
            with open(path, 'rb') as f:
                found[os.path.relpath(path, str(root))] = (f.read(), '%04o' % (st.st_mode & 0o7777), st.st_ino, st.st_uid)
    return found


@pytest.fixture
def written(tmp_path):
    root = tmp_path / 'root'
    rc, output, result = host_config(tmp_path, root)
    assert rc == 0, output
    manifest = dict((h['name'], h) for h in jitsi_topology.render(MODEL)['hosts'])[HOST]
    assert sorted(result['changed_files']) == sorted(f['path'] for f in manifest['files'])
    return root, manifest


def test_only_what_differs_is_rewritten_content_or_mode(tmp_path, written):
    root, manifest = written
    with open(str(root / DEBCONF), 'a') as f:
        f.write('# an edit on the host\n')
    os.chmod(str(root / DRAIN), 0o700)
    before = state(root)
    rc, output, result = host_config(tmp_path, root, '--diff')
    assert rc == 0, output
    assert sorted(result['changed_files']) == sorted(['/' + DEBCONF, '/' + DRAIN])
    after = state(root)
    for f in manifest['files']:
        path = f['path'].lstrip('/')
        assert after[path][0] == f['content'].encode(), path
        assert after[path][1] == f['mode'], path
        if path not in (DEBCONF,):
            assert after[path][2] == before[path][2], '%s was rewritten although only its mode differed, or nothing' % path
    assert after[DEBCONF][2] != before[DEBCONF][2], 'the new content is renamed into place'
    assert '-# an edit on the host' in output
    assert '-    "mode": "0700"' in output and '+    "mode": "0755"' in output, output
    assert not [n for n in os.listdir(str(root / 'etc/jitsi-topology')) if n.endswith('.jitsi-topology')], 'a staged file was left'
    rc, output, result = host_config(tmp_path, root)
    assert rc == 0 and result['changed'] is False and result['changed_files'] == [], output


def test_check_mode_reports_and_writes_nothing(tmp_path, written):
    root, manifest = written
    os.chmod(str(root / JVB_CONF), 0o644)
    os.remove(str(root / DEBCONF))
    before = state(root)
    rc, output, result = host_config(tmp_path, root, '--check', '--diff')
    assert rc == 0, output
    assert sorted(result['changed_files']) == sorted(['/' + JVB_CONF, '/' + DEBCONF])
    assert state(root) == before


@pytest.mark.skipif(os.geteuid() != 0, reason='sets owners: needs root')
def test_the_files_are_replaced_together_or_not_at_all(tmp_path, written):
    """With ownership, jvb.conf belongs to the user jvb, which this machine does not have (no
    jitsi-videobridge2 package): the debconf answers, earlier in the manifest and owned by
    root, must not be replaced either, and nothing staged is left behind."""
    root, manifest = written
    import pwd
    try:
        pwd.getpwnam('jvb')
        pytest.skip('this machine has a user jvb')
    except KeyError:
        pass
    with open(str(root / DEBCONF), 'a') as f:
        f.write('# an edit on the host\n')
    with open(str(root / JVB_CONF), 'a') as f:
        f.write('# an edit on the host\n')
    before = state(root)
    rc, output, result = host_config(tmp_path, root, ownership=True)
    assert rc != 0
    assert 'user jvb does not exist on the host' in output and JVB_CONF in output, output
    assert state(root) == before, 'a file was replaced although another could not be'


def test_backup_keeps_the_replaced_file_and_a_directory_in_the_way_fails(tmp_path, written):
    root, manifest = written
    with open(str(root / DEBCONF), 'w') as f:
        f.write('old answers\n')
    rc, output, result = host_config(tmp_path, root, backup=True)
    assert rc == 0, output
    [entry] = [f for f in result['files'] if f['changed']]
    with open(entry['backup_file']) as f:
        assert f.read() == 'old answers\n'
    assert os.path.dirname(entry['backup_file']) == str(root / 'etc/jitsi-topology')

    os.remove(str(root / JVB_CONF))
    os.mkdir(str(root / JVB_CONF))
    with open(str(root / DEBCONF), 'w') as f:
        f.write('old answers\n')
    before = state(root)
    rc, output, result = host_config(tmp_path, root)
    assert rc != 0
    assert '%s is a directory on the host' % (root / JVB_CONF) in output, output
    assert state(root) == before


def test_without_an_interpreter_ansible_discovers_one(tmp_path):
    """No ansible_python_interpreter: host_config asks Ansible's interpreter discovery (as any
    module would) for the Python that runs its host half, and keeps the fact for later tasks.
    The "host" sees the system's PATH only: discovery takes the first python3.N on it, and a
    developer's PATH may start with a version manager's shims that cannot run anything."""
    root = tmp_path / 'root'
    rc, output, result = host_config(tmp_path, root, interpreter=None, path='/usr/sbin:/usr/bin:/sbin:/bin')
    assert rc == 0, output
    assert result['changed'] and os.path.exists(str(root / JVB_CONF))
    assert os.path.exists(result['ansible_facts']['discovered_interpreter_python']), result.get('ansible_facts')


def test_check_packages_asks_dpkg_query_in_the_same_transfer(tmp_path):
    """check_packages: the host's check-packages command runs on the host after the files, in
    the same round trip. A STAND-IN dpkg-query first on the PATH answers as dpkg-query -W
    -f='${Status} ${Version}' does for an installed package, with the version given to it."""
    manifest = dict((h['name'], h) for h in jitsi_topology.render(MODEL)['hosts'])[HOST]
    [step] = [s for s in manifest['steps'] if s['action'] == 'check-packages']
    [package] = step['packages']
    bin_dir = tmp_path / 'bin'
    bin_dir.mkdir()
    standin = bin_dir / 'dpkg-query'
    standin.write_text('#!/bin/sh\n# STAND-IN for dpkg-query -W -f=\'${Status} ${Version}\' PACKAGE\nprintf \'install ok installed %%s\' "$(cat %s)"\n'
                       % (tmp_path / 'version',))
    standin.chmod(0o755)
    path = '%s:%s' % (bin_dir, os.environ['PATH'])
    root = tmp_path / 'root'

    (tmp_path / 'version').write_text(package['version'])
    rc, output, result = host_config(tmp_path, root, path=path, check_packages=True)
    assert rc == 0 and result['changed'], output

    (tmp_path / 'version').write_text('2.1-0-old')
    rc, output, result = host_config(tmp_path, root, path=path, check_packages=True)
    assert rc != 0
    assert 'check-packages failed (exit status 1): jitsi-topology: %s is 2.1-0-old on this host, but release %s needs %s' % (
        package['package'], step['release'], package['version']) in output, output
    rc, output, result = host_config(tmp_path, root, '--check', path=path, check_packages=True)
    assert rc == 0, 'check mode ran the check: %s' % output
