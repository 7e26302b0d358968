# -*- coding: utf-8 -*-
# Copyright: (c) 2026, jitsi-topology contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)

"""The example playbook (the collection's playbook jitsi_topology.deploy.site, with the role
jitsi_topology.deploy.host), run by the real ansible-core against the handbook's four hosts
from the inventory plugin as local test hosts (``-c local``, each host's files under its own
``dest`` root).

The tests run in file order and share the roots: a first run renders every host, a second
run changes nothing, ``--check --diff`` after a model change reports the change without
showing a secret and writes nothing, and an invalid model fails with its paths and touches
no host. Run by ansible/tests/run, which installs ansible-core and the wheel into a venv and
sets ANSIBLE_COLLECTIONS_PATH to a copy of this collection.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys

import pytest
import yaml

import jitsi_topology

HERE = os.path.dirname(os.path.abspath(__file__))
COLLECTION = os.path.dirname(HERE)
EXAMPLE = os.path.join(COLLECTION, 'examples', 'handbook')
REPOSITORY = os.environ.get('JT_ROOT', os.path.dirname(COLLECTION))
BIN = os.path.dirname(sys.executable)
HOSTS = ['meet.example.com', 'jvb1.meet.example.com', 'jvb2.meet.example.com', 'jvb3.meet.example.com']
SECRET = 'Xk4sQ9vLmW2pR7tYb8nC3dZe'
RECAP = re.compile(r'^(\S+)\s+: ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)\s+skipped=(\d+)', re.M)


@pytest.fixture(scope='module')
def work(tmp_path_factory):
    base = tmp_path_factory.mktemp('ansible')
    return dict(
        base=str(base),
        roots=str(base / 'roots'),
        home=str(base / 'ansible-home'),
        models=str(base / 'models'),
    )


def playbook(work, *args, roots=None, extra=None, env=None):
    """Runs the example playbook on the example inventory; returns (rc, output, recap, results)
    where results are the host_config results by (task name, host)."""
    variables = {
        'ansible_python_interpreter': sys.executable,
        'jitsi_topology_dest': (roots or work['roots']) + '/{{ inventory_hostname }}',
        'jitsi_topology_apply': False,
        'jitsi_topology_ownership': False,
    }
    variables.update(extra or {})
    run_env = dict(os.environ)
    run_env.update(
        ANSIBLE_HOME=work['home'],
        ANSIBLE_NOCOLOR='1',
        ANSIBLE_FORCE_COLOR='0',
        ANSIBLE_RETRY_FILES_ENABLED='0',
        ANSIBLE_STDOUT_CALLBACK='default',
        ANSIBLE_CALLBACK_PLUGINS=os.path.join(HERE, 'callback_plugins'),
        ANSIBLE_CALLBACKS_ENABLED='jt_results',
        JT_RESULTS_FILE=os.path.join(work['base'], 'results.json'),
    )
    if os.path.exists(run_env['JT_RESULTS_FILE']):
        os.remove(run_env['JT_RESULTS_FILE'])
    run_env.update(env or {})
    command = [
        os.path.join(BIN, 'ansible-playbook'),
        '-i', os.path.join(EXAMPLE, 'inventory'),
        '-c', 'local',
        '-e', json.dumps(variables),
    ] + list(args) + [os.path.join(EXAMPLE, 'site.yml')]
    done = subprocess.run(command, env=run_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          universal_newlines=True, check=False)
    recap = dict((m.group(1), dict(ok=int(m.group(2)), changed=int(m.group(3)), failed=int(m.group(5))))
                 for m in RECAP.finditer(done.stdout))
    results = {}
    if os.path.exists(run_env['JT_RESULTS_FILE']):
        with open(run_env['JT_RESULTS_FILE']) as f:
            for r in json.load(f):
                results[(r['task'], r['host'])] = r['result']
    return done.returncode, done.stdout, recap, results


ROLE = 'jitsi_topology.deploy.host : '
FILES_TASK = ROLE + "Write the host's files"
VALIDATE_TASK = ROLE + 'Validate the model'
BRIDGES_PLAY = 'PLAY [Bridges, jitsi_topology_serial at a time]'
PRESEED_TASK = ROLE + 'Write the debconf answers (the preseed step reads them before the packages install)'


def recap_lines(output):
    return [line for line in output.splitlines() if RECAP.match(line)]


def tree(root):
    """Every file under ``root``: (sha256, mode, inode, mtime) by relative path."""
    found = {}
    for folder, dummy, names in os.walk(root):
        for name in names:
            path = os.path.join(folder, name)
            st = os.stat(path)
            with open(path, 'rb') as f:
                digest = hashlib.sha256(f.read()).hexdigest()
            found[os.path.relpath(path, root)] = (digest, '%04o' % (st.st_mode & 0o7777), st.st_ino, st.st_mtime_ns)
    return found


def model_b(work):
    """The handbook with a change: jvb1's heap, and the bridges' password from the environment
    (so jvb.conf and a secret file on the signalling host hold it); and a warning that changes
    no file (a relay id without regions), which the model acknowledges."""
    os.makedirs(work['models'], exist_ok=True)
    with open(os.path.join(EXAMPLE, 'handbook.yaml')) as f:
        text = f.read()
    text = text.replace('jvb: { file: /etc/jitsi-topology/secrets/jvb }', 'jvb: { env: JT_TEST_JVB_PASSWORD }')
    text = text.replace('public_address: 198.51.100.11, jvm_max_memory: 8g',
                        'public_address: 198.51.100.11, jvm_max_memory: 6g, relay_id: r1')
    text += 'acknowledge:\n  - { code: relay-id-unused, reason: relays come with the second region }\n'
    path = os.path.join(work['models'], 'changed.yaml')
    with open(path, 'w') as f:
        f.write(text)
    return path


def test_the_example_model_is_the_repositorys_handbook():
    with open(os.path.join(EXAMPLE, 'handbook.yaml')) as f:
        ours = f.read().splitlines()[1:]  # the first line points editors at the schema
    with open(os.path.join(REPOSITORY, 'examples', 'handbook.yaml')) as f:
        theirs = f.read().splitlines()[1:]
    assert ours == theirs


def test_the_first_run_renders_every_host(work):
    rc, output, recap, results = playbook(work)
    print('\nfirst run:\n  ' + '\n  '.join(recap_lines(output)))
    assert rc == 0, output
    assert sorted(recap) == sorted(HOSTS)
    assert all(r['changed'] == 2 and r['failed'] == 0 for r in recap.values()), recap
    # The plays: every host checked first, the signalling host, then the bridges one at a time,
    # then jibri and jigasi hosts one at a time (none in this model: their plays match no host),
    # TURN, and the front door last.
    plays = re.findall(r'^PLAY \[([^\]]*)\]', output, re.M)
    assert plays == ['Check the model and the variables on every host, before any host is touched', 'Signalling hosts'] + [
        'Bridges, jitsi_topology_serial at a time'] * 3 + [
        'Jibri hosts, one at a time (each lets its recording end before jibri restarts)',
        'Jigasis, one at a time', 'TURN', 'Front door'], plays
    # The handlers were notified by the files; they act only with jitsi_topology_apply.
    for handler in ('Reload or restart prosody', 'Restart jicofo', 'Reload nginx'):
        assert 'RUNNING HANDLER [%s%s]' % (ROLE, handler) in output

    # One render for the whole run, shared by every host_config task of every host.
    assert len(results) == 12
    assert sorted(r['render_cached'] for r in results.values()) == [False] + [True] * 11
    assert all(results[(VALIDATE_TASK, h)]['changed_files'] == [] for h in HOSTS)
    assert len(set(r['topology_sha256'] for r in results.values())) == 1
    # The handbook draws no warning but a note (browsers contact upstream's STUN server): every
    # result carries it as data, and the run shows it once, as the CLI prints it.
    checked = jitsi_topology.check(os.path.join(EXAMPLE, 'handbook.yaml'))
    assert [(d['severity'], d['code']) for d in checked['diagnostics']] == [('info', 'public-stun')]
    for r in results.values():
        assert (r['diagnostics'], r['acknowledged']) == (checked['diagnostics'], [])
    assert output.count('info[public-stun]: /public_stun: ') == 1, output
    meet = results[(FILES_TASK, 'meet.example.com')]
    assert [(s['name'], s['action']) for s in meet['services']] == [
        ('jitsi-topology-firewall', 'restart'), ('prosody', 'restart'), ('jicofo', 'restart'), ('nginx', 'reload')]
    assert meet['services'][0]['command'] == ['systemctl', 'restart', 'jitsi-topology-firewall.service']
    # a first deployment restarts prosody (the package's prosody runs with its own listeners)
    assert meet['services'][1]['command'] == ['systemctl', 'restart', 'prosody.service']
    jvb1 = results[(FILES_TASK, 'jvb1.meet.example.com')]
    assert [(s['name'], s['action']) for s in jvb1['services']] == [
        ('jitsi-topology-firewall', 'restart'), ('jitsi-videobridge2', 'drain')]
    assert jvb1['services'][1]['command'] == ['/usr/local/libexec/jitsi-topology/drain-videobridge']
    assert jvb1['packages'] == ['jitsi-videobridge2', 'curl', 'nftables']
    assert jvb1['firewall']['table'] == 'inet jitsi_topology'
    assert [a['jid'] for a in meet['accounts']] == ['focus@auth.meet.example.com', 'jvb@auth.meet.example.com']
    actions = [s['action'] for s in meet['steps']]
    last_write = len(actions) - 1 - actions[::-1].index('write-files')  # the debconf answers may come first
    order = [actions.index('preseed'), actions.index('install-packages'), last_write] + [
        actions.index(a) for a in ('register-account', 'roster-subscribe', 'trust-export', 'service')]
    assert order == sorted(order), actions

    manifest = jitsi_topology.render(os.path.join(EXAMPLE, 'handbook.yaml'))
    for host in manifest['hosts']:
        # The debconf answers (and Jitsi's apt source and pins on hosts with Jitsi packages) were
        # written by the first task, before the packages.
        written_first = [f['path'] for f in host['files'] if f['kind'] in ('debconf', 'apt-source', 'apt-preferences')]
        assert '/etc/jitsi-topology/debconf.selections' in written_first
        assert results[(PRESEED_TASK, host['name'])]['changed_files'] == written_first
        assert results[(FILES_TASK, host['name'])]['changed_files'] == [
            f['path'] for f in host['files'] if f['path'] not in written_first]
        root = os.path.join(work['roots'], host['name'])
        on_disk = tree(root)
        assert sorted(on_disk) == sorted(f['path'].lstrip('/') for f in host['files'])
        for f in host['files']:
            digest, mode, dummy, dummy = on_disk[f['path'].lstrip('/')]
            # A file flagged secret has no sha256 in the manifest (a guess oracle).
            assert digest == f.get('sha256', digest), f['path']
            assert mode == f['mode'], f['path']


def test_the_second_run_changes_nothing(work):
    before = tree(work['roots'])
    rc, output, recap, results = playbook(work, extra={'jitsi_topology_serial': 2})
    print('\nsecond run:\n  ' + '\n  '.join(recap_lines(output)))
    assert rc == 0, output
    assert all(r['changed'] == 0 and r['failed'] == 0 for r in recap.values()), recap
    assert 'RUNNING HANDLER' not in output
    assert output.count(BRIDGES_PLAY) == 2, 'three bridges, two at a time'
    assert all(r['changed_files'] == [] and r['services'] == [] for r in results.values())
    assert tree(work['roots']) == before


def test_check_diff_shows_a_model_change_hides_secrets_and_writes_nothing(work):
    before = tree(work['roots'])
    rc, output, recap, results = playbook(
        work, '--check', '--diff', extra={'jitsi_topology_file': model_b(work)}, env={'JT_TEST_JVB_PASSWORD': SECRET})
    print('\ncheck and diff after a model change:\n  ' + '\n  '.join(recap_lines(output)))
    assert rc == 0, output
    assert all(recap[h]['changed'] >= 1 for h in HOSTS), recap
    assert '-VIDEOBRIDGE_MAX_MEMORY=8g' in output and '+VIDEOBRIDGE_MAX_MEMORY=6g' in output
    assert 'jvb.conf changed; its diff is withheld' in output
    assert 'secrets/jvb changed; its diff is withheld (flagged secret)' in output
    assert SECRET not in output
    assert tree(work['roots']) == before, 'check mode wrote something'

    meet, jvb1 = results[(FILES_TASK, 'meet.example.com')], results[(FILES_TASK, 'jvb1.meet.example.com')]
    assert meet['changed_files'] == ['/etc/jitsi-topology/secrets/jvb']
    assert sorted(jvb1['changed_files']) == sorted([
        '/etc/jitsi-topology/videobridge.env',
        '/etc/jitsi/videobridge/jvb.conf',
        '/etc/systemd/system/jitsi-videobridge2.service.d/jitsi-topology.conf',
    ])
    assert [(s['name'], s['action']) for s in jvb1['services']] == [('jitsi-videobridge2', 'drain')]
    secret_files = [f for f in meet['files'] if f['secret']]
    assert secret_files and all(f['diff_withheld'] for f in secret_files)
    # The acknowledged warning is no warning, but every result lists it with its reason, and
    # the run shows it once.
    for r in results.values():
        assert [(a['code'], a['path'], a['acknowledged_by'], a['reason']) for a in r['acknowledged']] == [
            ('relay-id-unused', '/bridges/0/relay_id', '/acknowledge/0', 'relays come with the second region')]
        assert [d['code'] for d in r['diagnostics']] == ['public-stun']
    assert 'warning[relay-id-unused]: /bridges/0/relay_id' not in output.replace(
        'acknowledged (/acknowledge/0: relays come with the second region): warning[relay-id-unused]', '')
    assert output.count('acknowledged (/acknowledge/0: relays come with the second region): warning[relay-id-unused]') == 1, output
    assert SECRET not in json.dumps(list(results.values()))


def test_an_invalid_model_fails_with_its_paths_and_touches_no_host(work):
    with open(os.path.join(EXAMPLE, 'handbook.yaml')) as f:
        text = f.read()
    broken = os.path.join(work['models'], 'broken.yaml')
    with open(broken, 'w') as f:
        f.write(text.replace('address: 10.0.0.12', 'address: 10.0.0.11').replace('bridge_networks', 'brige_networks'))
    fresh = os.path.join(work['base'], 'untouched')
    rc, output, recap, results = playbook(work, roots=fresh, extra={'jitsi_topology_file': broken})
    print('\ninvalid model:\n  ' + '\n  '.join(recap_lines(output)))
    assert rc != 0
    assert all(recap[h]['failed'] == 1 and recap[h]['changed'] == 0 for h in HOSTS), recap
    assert '/bridges/1/address' in output and 'duplicate-address' in output
    assert '/brige_networks' in output and 'did you mean `bridge_networks`?' in output
    assert not os.path.exists(fresh), 'a host was touched'
    assert 'PLAY [Signalling hosts]' not in output
    assert len(results) == 4
    for result in results.values():
        assert result['kind'] == 'invalid-model'
        assert ('duplicate-address', '/bridges/1/address') in [(d['code'], d['path']) for d in result['diagnostics']]


def test_a_variable_of_the_wrong_type_fails_every_host_before_anything_runs(work):
    fresh = os.path.join(work['base'], 'wrong-type')
    rc, output, recap, results = playbook(work, roots=fresh, extra={'jitsi_topology_apply': 'sometimes'})
    print('\nwrong type:\n  ' + '\n  '.join(recap_lines(output)))
    assert rc != 0
    assert all(recap[h]['failed'] == 1 and recap[h]['changed'] == 0 for h in HOSTS), recap
    assert "argument 'jitsi_topology_apply' is of type str and we were unable to convert to bool" in output
    assert all('fatal: [%s]: FAILED! => {"argument_errors": ["argument \'jitsi_topology_apply\'' % h in output for h in HOSTS), output
    assert 'PLAY [Signalling hosts]' not in output
    assert results == {} and not os.path.exists(fresh), 'a task ran'


def test_ansible_doc_renders_the_role(work):
    env = dict(os.environ, ANSIBLE_HOME=work['home'], ANSIBLE_NOCOLOR='1')
    done = subprocess.run([os.path.join(BIN, 'ansible-doc'), '-t', 'role', 'jitsi_topology.deploy.host'], env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, check=True)
    for option in ('jitsi_topology_file', 'jitsi_topology_dest', 'jitsi_topology_apply', 'jitsi_topology_ownership',
                   'jitsi_topology_trust_dir'):
        assert option in done.stdout
    assert 'ENTRY POINT: *main*' in done.stdout and 'ENTRY POINT: *validate*' in done.stdout
    assert not done.stderr.strip(), done.stderr


def test_ansible_doc_renders_the_module(work):
    env = dict(os.environ, ANSIBLE_HOME=work['home'], ANSIBLE_NOCOLOR='1')
    doc = os.path.join(BIN, 'ansible-doc')
    text = subprocess.run([doc, 'jitsi_topology.deploy.host_config'], env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, universal_newlines=True, check=True)
    assert 'topology_file' in text.stdout and 'check_mode' in text.stdout and 'RETURN VALUES' in text.stdout
    assert not text.stderr.strip(), text.stderr
    data = json.loads(subprocess.run([doc, '--json', 'jitsi_topology.deploy.host_config'], env=env,
                                     stdout=subprocess.PIPE, universal_newlines=True, check=True).stdout)
    module = data['jitsi_topology.deploy.host_config']
    assert set(module['doc']['options']) == {'topology', 'topology_file', 'host', 'dest', 'backup', 'kinds', 'ownership', 'check_packages'}
    assert module['doc']['attributes']['check_mode']['support'] == 'full'
    assert module['doc']['attributes']['diff_mode']['support'] == 'full'
    assert {'changed_files', 'services', 'packages', 'accounts', 'firewall', 'steps'} <= set(module['return'])
    listed = subprocess.run([doc, '-l', 'jitsi_topology.deploy'], env=env, stdout=subprocess.PIPE,
                            universal_newlines=True, check=True).stdout
    assert 'jitsi_topology.deploy.host_config' in listed


def canary_cases():
    """The shared canary fixture (tests/canaries/secrets.yaml in the repository): its canaries
    and each case as (name, model text), built as the fixture's header says."""
    with open(os.path.join(REPOSITORY, 'tests', 'canaries', 'secrets.yaml')) as f:
        fixture = yaml.safe_load(f)
    cases = []
    for case in fixture['cases']:
        text = case.get('model') or (
            fixture['base']
            .replace('@SECRETS@\n', case.get('secrets', fixture['valid_secrets']))
            .replace('@EXTRA@\n', case.get('extra', '')))
        cases.append((case['name'], text))
    return fixture['canaries'], cases


def test_no_mistyped_secret_reaches_the_task_output_at_vvvv(work):
    """Every case of the canary fixture, as topology_file and as inline topology text, in one
    play at -vvvv: every task fails on the invalid model, and neither the output nor any
    task result shows 12 characters in a row of a canary."""
    canaries, cases = canary_cases()
    folder = os.path.join(work['base'], 'canaries')
    os.makedirs(folder, exist_ok=True)
    tasks = []
    for i, (name, text) in enumerate(cases):
        path = os.path.join(folder, 'case-%d.yaml' % i)
        with open(path, 'w') as f:
            f.write(text)
        for form, args in (('file', dict(topology_file=path)),
                           ('text', dict(topology="{{ lookup('file', '%s') }}" % path))):
            tasks.append(dict(name='case %d (%s)' % (i, form), ignore_errors=True,
                              **{'jitsi_topology.deploy.host_config': dict(host='meet.example.com', dest=folder, **args)}))
    play = os.path.join(folder, 'canaries.yml')
    with open(play, 'w') as f:
        json.dump([dict(name='Canary secrets', hosts='localhost', gather_facts=False, tasks=tasks)], f)
    results_file = os.path.join(work['base'], 'canary-results.json')
    env = dict(os.environ, ANSIBLE_HOME=work['home'], ANSIBLE_NOCOLOR='1', ANSIBLE_STDOUT_CALLBACK='default',
               ANSIBLE_CALLBACK_PLUGINS=os.path.join(HERE, 'callback_plugins'), ANSIBLE_CALLBACKS_ENABLED='jt_results',
               JT_RESULTS_FILE=results_file, ANSIBLE_LOCALHOST_WARNING='0', ANSIBLE_INVENTORY_UNPARSED_WARNING='0')
    done = subprocess.run([os.path.join(BIN, 'ansible-playbook'), '-vvvv', '-c', 'local', '-i', 'localhost,',
                           '-e', json.dumps({'ansible_python_interpreter': sys.executable}), play],
                          env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, check=False)
    with open(results_file) as f:
        results = json.load(f)
    print('\ncanary secrets: %d tasks at -vvvv, %d characters of output' % (len(results), len(done.stdout)))
    assert len(results) == 2 * len(cases), done.stdout[-3000:]
    refused = [r for r in results if r['result'].get('kind') == 'invalid-model' and r['result'].get('diagnostics')]
    assert len(refused) == len(results), [r['task'] for r in results if r not in refused]
    assert done.stdout.count('...ignoring') == len(results), done.stdout[-3000:]
    # The search is not blind: the diagnostics are in the output, at their paths.
    assert 'error[unknown-key]: the focus secret has a key other than' in done.stdout
    shown = done.stdout + json.dumps(results)
    leaked = [c for c in canaries if any(c[i:i + 12] in shown for i in range(len(c) - 11))]
    assert not leaked, [line for line in shown.splitlines() if any(c[:12] in line for c in canaries)][:20]
    assert not os.path.exists(os.path.join(folder, 'etc')), 'a host was touched'
