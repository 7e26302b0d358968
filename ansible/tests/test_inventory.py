# -*- coding: utf-8 -*-
# Copyright: (c) 2026, jitsi-topology contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)

"""The inventory plugin jitsi_topology.deploy.model, run by the real ansible-inventory: the
graph and the host variables of every example, beside the user's own sources, an invalid
model, the canary secrets, and ansible-doc. Run by ansible/tests/run."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
import yaml

import jitsi_topology

from test_playbook import REPOSITORY, canary_cases

BIN = os.path.dirname(sys.executable)
EXAMPLES = os.path.join(REPOSITORY, 'examples')
# nat.yaml reads its secrets from the environment.
ENV_SECRETS = dict(JITSI_FOCUS_PASSWORD='focus-password-0123456789', JITSI_JVB_PASSWORD='jvb-password-0123456789',
                   JITSI_TURN_SECRET='turn-secret-0123456789')
ROLE_GROUPS = dict(signaling='signaling', bridge='bridges', turn='turn', jibri='jibris', jigasi='jigasis')
ROLE_GROUPS['front-door'] = 'front_door'


def example_names():
    return sorted(n for n in os.listdir(EXAMPLES) if n.endswith('.yaml'))


def inventory_env(home, **extra):
    env = dict(os.environ, ANSIBLE_HOME=home, ANSIBLE_NOCOLOR='1', ANSIBLE_FORCE_COLOR='0', **ENV_SECRETS)
    env.update(extra)
    return env


def write_config(folder, model, name='jitsi_topology.yml'):
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, name)
    with open(path, 'w') as f:
        f.write('plugin: jitsi_topology.deploy.model\ntopology_file: %s\n' % model)
    return path


def ansible_inventory(home, *args, **env):
    done = subprocess.run([os.path.join(BIN, 'ansible-inventory')] + list(args), env=inventory_env(home, **env),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, check=False)
    return done.returncode, done.stdout, done.stderr


def plain(value):
    """ansible-inventory's JSON without its markers of untrusted (unsafe) strings."""
    if isinstance(value, dict):
        if list(value) == ['__ansible_unsafe']:
            return value['__ansible_unsafe']
        return dict((k, plain(v)) for k, v in value.items())
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def listing(home, *sources):
    args = []
    for source in sources:
        args += ['-i', source]
    rc, out, err = ansible_inventory(home, '--list', *args)
    assert rc == 0, err
    data = plain(json.loads(out))
    groups = dict((name, sorted(value.get('hosts', []))) for name, value in data.items() if name != '_meta')
    return groups, data['_meta']['hostvars'], err


@pytest.fixture(scope='module')
def home(tmp_path_factory):
    return str(tmp_path_factory.mktemp('inventory-home'))


@pytest.mark.parametrize('example', example_names())
def test_every_example_yields_its_hosts_and_groups(home, tmp_path, example):
    model_path = os.path.join(EXAMPLES, example)
    config = write_config(str(tmp_path), model_path)
    groups, hostvars, err = listing(home, config)
    assert 'WARNING' not in err, err

    manifest = jitsi_topology.render(model_path, env=ENV_SECRETS)
    with open(model_path) as f:
        model = yaml.safe_load(f)
    entries = [model.get('signaling'), model.get('front_door'), model.get('turn')] + list(model.get('bridges') or [])
    entries += list(model.get('jibris') or [])
    entries += list(model.get('jigasis') or [])
    entries += [s['signaling'] for s in model.get('shards') or []]
    address = {}
    for entry in entries:
        if entry:
            address.setdefault(entry['host'], entry['address'])

    names = sorted(h['name'] for h in manifest['hosts'])
    assert groups['jitsi'] == names
    for role, group in ROLE_GROUPS.items():
        assert groups.get(group, []) == sorted(h['name'] for h in manifest['hosts'] if role in h['roles']), group
    for host in manifest['hosts']:
        assert hostvars[host['name']]['ansible_host'] == address[host['name']]
        assert hostvars[host['name']]['jitsi_topology_roles'] == host['roles']
        assert hostvars[host['name']]['jitsi_topology_file'] == model_path

    rc, graph, err = ansible_inventory(home, '-i', config, '--graph')
    assert rc == 0, err
    print('\n%s: %d hosts, groups %s' % (example, len(names), ', '.join(sorted(g for g in groups if g not in ('all', 'ungrouped')))))
    for name in names:
        assert '|--%s\n' % name in graph
    for group in groups:
        if group != 'all' and groups[group]:
            assert '@%s:' % group in graph


def test_shard_and_region_groups(home, tmp_path):
    groups, hostvars, dummy = listing(home, write_config(str(tmp_path / 'shards'), os.path.join(EXAMPLES, 'shards.yaml')))
    assert groups['shard_shard_a'] == ['jvb1.meet.example.com', 'jvb2.meet.example.com', 'shard-a.meet.example.com']
    assert groups['shard_shard_b'] == ['jvb1.meet.example.com', 'jvb2.meet.example.com', 'jvb3.meet.example.com',
                                       'shard-b.meet.example.com']
    assert groups['front_door'] == ['door.meet.example.com']
    assert hostvars['jvb3.meet.example.com']['jitsi_topology_shards'] == ['shard-b']
    assert hostvars['jvb1.meet.example.com']['jitsi_topology_shards'] == ['shard-a', 'shard-b']

    groups, hostvars, dummy = listing(home, write_config(str(tmp_path / 'regions'), os.path.join(EXAMPLES, 'regions.yaml')))
    assert groups['region_eu_central'] == ['fra1.example.eu', 'fra2.example.eu', 'meet.example.eu']
    assert groups['region_us_east'] == ['nyc1.example.eu', 'nyc2.example.eu']
    assert hostvars['nyc1.example.eu']['jitsi_topology_region'] == 'us-east'
    assert not [g for g in groups if g.startswith('shard_')]


def test_the_users_own_sources_win_for_connection_details(home, tmp_path):
    """A folder of sources: one read before the model (00-before.ini), the model, one read
    after it (zz-after.ini), and host_vars/: the user's ansible_host wins in every case, the
    user's other variables are kept, and no host is added twice."""
    folder = str(tmp_path / 'inventory')
    write_config(folder, '../handbook.yaml', name='50-jitsi_topology.yml')
    with open(os.path.join(EXAMPLES, 'handbook.yaml')) as f, open(str(tmp_path / 'handbook.yaml'), 'w') as out:
        out.write(f.read())
    with open(os.path.join(folder, '00-before.ini'), 'w') as f:
        f.write('[bridges]\njvb1.meet.example.com ansible_host=192.0.2.101 ansible_port=2201\n'
                '[jitsi]\n[jitsi:vars]\nansible_user=deploy\n')
    with open(os.path.join(folder, 'zz-after.ini'), 'w') as f:
        f.write('jvb2.meet.example.com ansible_host=192.0.2.102\n')
    os.makedirs(os.path.join(folder, 'host_vars'))
    with open(os.path.join(folder, 'host_vars', 'jvb3.meet.example.com.yml'), 'w') as f:
        f.write('ansible_host: 192.0.2.103\n')
    rc, out, err = ansible_inventory(home, '-i', folder, '--list', '--export')
    assert rc == 0, err
    rc, out, err = ansible_inventory(home, '-i', folder, '--host', 'jvb1.meet.example.com')
    assert rc == 0, err
    assert plain(json.loads(out))['ansible_host'] == '192.0.2.101' and plain(json.loads(out))['ansible_port'] == 2201
    assert plain(json.loads(out))['ansible_user'] == 'deploy'
    for host, expected in (('jvb2.meet.example.com', '192.0.2.102'), ('jvb3.meet.example.com', '192.0.2.103'),
                           ('meet.example.com', '10.0.0.10')):
        rc, out, err = ansible_inventory(home, '-i', folder, '--host', host)
        assert rc == 0, err
        assert plain(json.loads(out))['ansible_host'] == expected, host
    groups, dummy, dummy = listing(home, folder)
    assert groups['bridges'] == ['jvb1.meet.example.com', 'jvb2.meet.example.com', 'jvb3.meet.example.com']
    assert groups['jitsi'] == ['jvb1.meet.example.com', 'jvb2.meet.example.com', 'jvb3.meet.example.com', 'meet.example.com']


def test_an_invalid_model_fails_with_its_paths_and_no_traceback(home, tmp_path):
    with open(os.path.join(EXAMPLES, 'handbook.yaml')) as f:
        text = f.read()
    broken = str(tmp_path / 'broken.yaml')
    with open(broken, 'w') as f:
        f.write(text.replace('address: 10.0.0.12', 'address: 10.0.0.11').replace('bridge_networks', 'brige_networks'))
    config = write_config(str(tmp_path), broken)
    rc, out, err = ansible_inventory(home, '-i', config, '--graph', ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED='true')
    print('\ninvalid model, any_unparsed_is_failed: rc %d\n%s' % (rc, err))
    assert rc != 0
    assert 'error[duplicate-address]' in err and '/bridges/1/address' in err
    assert 'error[unknown-key]' in err and '/brige_networks' in err and 'did you mean `bridge_networks`?' in err
    assert 'Traceback' not in out + err
    assert 'jvb1.meet.example.com' not in out
    # Without the setting, Ansible goes on without the source, with the report as a warning.
    rc, out, err = ansible_inventory(home, '-i', config, '--graph')
    assert 'error[duplicate-address]' in err and '/bridges/1/address' in err and 'Traceback' not in out + err


def test_no_mistyped_secret_reaches_the_inventory_output_at_vvvv(home, tmp_path):
    """Every case of the canary fixture as the model of one source, all in one ansible-inventory
    run at -vvvv: every source fails with its diagnostic, and neither standard output nor
    standard error shows 12 characters in a row of a canary."""
    canaries, cases = canary_cases()
    sources = []
    for i, (dummy, text) in enumerate(cases):
        model = str(tmp_path / ('case-%d.yaml' % i))
        with open(model, 'w') as f:
            f.write(text)
        sources += ['-i', write_config(str(tmp_path), model, name='case-%d.jitsi_topology.yml' % i)]
    rc, out, err = ansible_inventory(home, '-vvvv', '--list', *sources)
    shown = out + err
    print('\ncanary secrets: %d sources at -vvvv, %d characters of output' % (len(cases), len(shown)))
    assert rc == 0, err[-3000:]
    refused = [i for i in range(len(cases)) if '/case-%d.yaml: invalid jitsi-topology model' % i in shown]
    assert refused == list(range(len(cases))), err[-3000:]
    assert 'error[unknown-key]: the focus secret has a key other than' in shown and '/secrets/focus' in shown
    leaked = [c for c in canaries if any(c[i:i + 12] in shown for i in range(len(c) - 11))]
    assert not leaked, [line for line in shown.splitlines() if any(c[:12] in line for c in canaries)][:20]


def test_ansible_doc_shows_the_inventory_plugin(home):
    env = inventory_env(home)
    doc = os.path.join(BIN, 'ansible-doc')
    text = subprocess.run([doc, '-t', 'inventory', 'jitsi_topology.deploy.model'], env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, universal_newlines=True, check=True)
    assert 'topology_file' in text.stdout and 'shard_<name>' in text.stdout and 'EXAMPLES' in text.stdout
    assert not text.stderr.strip(), text.stderr
    listed = subprocess.run([doc, '-t', 'inventory', '-l', 'jitsi_topology.deploy'], env=env, stdout=subprocess.PIPE,
                            universal_newlines=True, check=True).stdout
    assert 'jitsi_topology.deploy.model' in listed
