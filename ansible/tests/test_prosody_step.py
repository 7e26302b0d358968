# -*- coding: utf-8 -*-
# Copyright: (c) 2026, jitsi-topology contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)

"""jitsi_topology.deploy.prosody_step against Debian's real prosody (prosodyctl, its storage
and rostermanager), run by the real ansible-core on this machine (``-c local``): the
handbook's register-account and roster-subscribe steps report ``changed`` only when what
prosody stored differs, check mode writes nothing, and a password never shows.

prosodyctl runs with a configuration of the test's own (``--config``: its data in a temporary
folder, the auth domain with internal_hashed as the rendered one has it). The roster step
needs Jitsi's mod_roster_command, which comes with jitsi-meet-prosody and is not installed
here: a STAND-IN (written below, in the test) makes the calls into prosody's own rostermanager
that Jitsi's makes for ``subscribe`` (jitsi/jitsi-meet, resources/prosody-plugins/
mod_roster_command.lua, function subscribe, at commit 1c8216eb59e84c56f13c1918ee0efbf691315b95:
set_contact_pending_in, then subscribed, on the contact's host), so the roster file is the one
prosody writes. Run by ansible/tests/run."""

from __future__ import annotations

import grp
import json
import os
import pwd
import re
import shutil
import subprocess
import sys
import tempfile

import pytest

import jitsi_topology

HERE = os.path.dirname(os.path.abspath(__file__))
MODEL = os.path.join(os.path.dirname(HERE), 'examples', 'handbook', 'handbook.yaml')
BIN = os.path.dirname(sys.executable)
PASSWORDS = dict(focus='Focus password 1', jvb='jvb-Pa55word')

ROSTER_STANDIN = '''-- STAND-IN for Jitsi's mod_roster_command (jitsi-meet-prosody, not installed here): for
-- "subscribe USER CONTACT" it makes the calls Jitsi's makes into prosody's own rostermanager
-- (resources/prosody-plugins/mod_roster_command.lua at 1c8216eb, function subscribe).
local rostermanager = require "core.rostermanager";
local storagemanager = require "core.storagemanager";
local usermanager = require "core.usermanager";
local jid = require "util.jid";
prosody.bare_sessions = prosody.bare_sessions or {};
_G.bare_sessions = _G.bare_sessions or prosody.bare_sessions;
function module.command(arg)
    if arg[1] ~= "subscribe" then return 1; end
    local user_jid, contact_jid = arg[2], arg[3];
    local contact_username, contact_host = jid.split(contact_jid);
    if prosody.hosts[contact_host].users.name == "null" then
        storagemanager.initialize_host(contact_host);
        usermanager.initialize_host(contact_host);
    end
    rostermanager.set_contact_pending_in(contact_username, contact_host, user_jid);
    rostermanager.subscribed(contact_username, contact_host, user_jid);
    return 0;
end
'''


@pytest.fixture(scope='module')
def prosody():
    if shutil.which('prosodyctl') is None:
        pytest.fail("prosodyctl is missing: scripts/install-test-deps installs Debian's prosody")
    if os.geteuid() != 0:
        pytest.skip('prosodyctl switches to the prosody user: needs root')
    # prosodyctl drops to the user prosody, which must reach the configuration and the data.
    base = tempfile.mkdtemp(prefix='jitsi-topology-prosody-step.')
    os.chmod(base, 0o755)
    data, plugins, secrets = (os.path.join(base, n) for n in ('data', 'plugins', 'secrets'))
    for folder in (data, plugins, secrets):
        os.mkdir(folder, 0o755)
    os.chown(data, pwd.getpwnam('prosody').pw_uid, grp.getgrnam('prosody').gr_gid)
    with open(os.path.join(plugins, 'mod_roster_command.lua'), 'w') as f:
        f.write(ROSTER_STANDIN)
    config = os.path.join(base, 'prosody.cfg.lua')
    with open(config, 'w') as f:
        f.write('data_path = "%s"\npidfile = "%s/prosody.pid"\nlog = { error = "%s/error.log" }\n'
                'plugin_paths = { "%s" }\ncertificates = "%s"\n'
                'VirtualHost "auth.meet.example.com"\n    authentication = "internal_hashed"\n'
                'Component "focus.meet.example.com"\n    component_secret = "unused"\n'
                % (data, base, base, plugins, base))
    yield dict(base=base, data=data, secrets=secrets, config=config)
    shutil.rmtree(base, ignore_errors=True)


def steps(prosody):
    """The signalling host's register-account and roster-subscribe steps as host_config returns
    them, with their commands pointed at the test's prosody and password files."""
    manifest = jitsi_topology.render(MODEL)
    meet = [h for h in manifest['hosts'] if h['name'] == 'meet.example.com'][0]
    out = []
    for step in meet['steps']:
        if step['action'] not in ('register-account', 'roster-subscribe'):
            continue
        step = dict(step)
        if 'password_file' in step:
            ours = os.path.join(prosody['secrets'], os.path.basename(step['password_file']))
            step['command'] = [part.replace(step['password_file'], ours) for part in step['command']]
            step['password_file'] = ours
        step['command'] = [re.sub(r'\bprosodyctl\b', 'prosodyctl --config %s' % prosody['config'], part)
                           if part.startswith('set -e') else part for part in step['command']]
        if step['command'][0] == 'prosodyctl':
            step['command'] = ['prosodyctl', '--config', prosody['config']] + step['command'][1:]
        out.append(step)
    assert [s['action'] for s in out] == ['register-account', 'register-account', 'roster-subscribe'], out
    return out


def run(prosody, *flags):
    """One play: every step through prosody_step; returns (rc, output, results by step)."""
    tasks = [dict(name='Carry out %s' % (s.get('jid') or s['action']), register='step_%d' % i,
                  **{'jitsi_topology.deploy.prosody_step': dict(step=s, data_path=prosody['data'])})
             for i, s in enumerate(steps(prosody))]
    save = os.path.join(prosody['base'], 'results.json')
    tasks.append(dict(name='Save the results', check_mode=False, diff=False, **{'ansible.builtin.copy': dict(
        content='{{ [step_0, step_1, step_2] | to_json }}', dest=save, mode='0600')}))
    play = os.path.join(prosody['base'], 'play.json')
    with open(play, 'w') as f:
        json.dump([dict(name='prosody steps', hosts='localhost', gather_facts=False, tasks=tasks)], f)
    env = dict(os.environ, ANSIBLE_HOME=os.path.join(prosody['base'], 'home'), ANSIBLE_NOCOLOR='1',
               ANSIBLE_STDOUT_CALLBACK='default', ANSIBLE_LOCALHOST_WARNING='0', ANSIBLE_INVENTORY_UNPARSED_WARNING='0')
    done = subprocess.run([os.path.join(BIN, 'ansible-playbook'), '-c', 'local', '-i', 'localhost,', '-vvv',
                           '-e', json.dumps({'ansible_python_interpreter': sys.executable})] + list(flags) + [play],
                          env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, check=False)
    for password in PASSWORDS.values():
        assert password not in done.stdout, 'a password is in the output'
    results = []
    if os.path.exists(save):
        with open(save) as f:
            results = json.load(f)
        os.remove(save)
    return done.returncode, done.stdout, sum(1 for r in results if r['changed']), results


def stored(prosody):
    found = {}
    for folder, dummy, names in os.walk(prosody['data']):
        for name in names:
            with open(os.path.join(folder, name), 'rb') as f:
                found[os.path.relpath(os.path.join(folder, name), prosody['data'])] = f.read()
    return found


def write_password(prosody, user, password):
    with open(os.path.join(prosody['secrets'], user), 'w') as f:
        f.write(password + '\n')


def test_the_first_run_registers_and_subscribes(prosody):
    for user, password in PASSWORDS.items():
        write_password(prosody, user, password)
    rc, output, changed, results = run(prosody)
    print('\nfirst run: changed=%s, stored before: %s' % (changed, [r['stored'] for r in results]))
    assert rc == 0, output
    assert changed == 3 and [r['stored'] for r in results] == ['missing', 'missing', 'missing'], output
    files = stored(prosody)
    assert sorted(files) == ['auth%2emeet%2eexample%2ecom/accounts/focus.dat', 'auth%2emeet%2eexample%2ecom/accounts/jvb.dat',
                             'auth%2emeet%2eexample%2ecom/roster/focus.dat']
    assert b'["stored_key"]' in files['auth%2emeet%2eexample%2ecom/accounts/focus.dat']
    assert b'["subscription"] = "from"' in files['auth%2emeet%2eexample%2ecom/roster/focus.dat']


def test_the_second_run_compares_and_changes_nothing(prosody):
    before = stored(prosody)
    rc, output, changed, results = run(prosody)
    print('\nsecond run: changed=%s, stored: %s' % (changed, [r['stored'] for r in results]))
    assert rc == 0, output
    assert changed == 0 and [r['stored'] for r in results] == ['same', 'same', 'same'], output
    # prosodyctl register draws a new salt each time: the same bytes mean it did not run.
    assert stored(prosody) == before


def test_a_rotated_password_is_a_change_and_check_mode_writes_nothing(prosody):
    write_password(prosody, 'focus', 'Focus password 2')
    PASSWORDS['focus2'] = 'Focus password 2'
    before = stored(prosody)
    rc, output, changed, results = run(prosody, '--check')
    print('\nrotated focus password, --check: changed=%s, stored: %s' % (changed, [r['stored'] for r in results]))
    assert rc == 0, output
    assert changed == 1 and [r['stored'] for r in results] == ['differs', 'same', 'same'], output
    assert stored(prosody) == before, 'check mode changed prosody\'s data'
    rc, output, changed, results = run(prosody)
    assert rc == 0 and changed == 1, output
    rc, output, changed, results = run(prosody)
    print('rotated, applied, then again: changed=%s, stored: %s' % (changed, [r['stored'] for r in results]))
    assert rc == 0 and changed == 0 and [r['stored'] for r in results] == ['same', 'same', 'same'], output
