#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, jitsi-topology contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: prosody_step
short_description: Carry out a prosody account or roster step of the manifest, reporting a change only when there is one
version_added: 0.1.0
description:
  - Runs one C(register-account) or C(roster-subscribe) step of a host's manifest (from the C(steps) that
    M(jitsi_topology.deploy.host_config) returns) on the signalling host, but first reads what prosody has stored, so
    that the task reports C(changed) only when the stored data differs, and does nothing when it already matches.
  - "C(register-account): prosody's C(internal_hashed) authentication keeps SCRAM credentials, not the password: the
    account's salt, iteration count, C(stored_key) and C(server_key), in the C(accounts) store of its data folder
    (O(data_path)C(/<host>/accounts/<user>.dat), each name encoded as prosody's datamanager does: every character but
    ASCII letters and digits as C(%xx)). The module reads the password from the step's C(password_file) on the host,
    computes the SCRAM keys (SHA-1, or SHA-256 when the stored keys have that length) from it with the stored salt and
    iteration count, and compares. Equal: nothing runs. Missing account or a different password: the step's command
    runs (it sets the password through prosodyctl)."
  - "C(roster-subscribe): the step subscribes the focus component to the focus user's presence
    (C(prosodyctl mod_roster_command subscribe COMPONENT USER)); prosody's rostermanager records it in the user's
    C(roster) store as an item for the component with subscription C(from) or C(both). Present: nothing runs."
  - The password and the SCRAM keys are never part of the result, the log or an error.
options:
  step:
    description:
      - The manifest step, as M(jitsi_topology.deploy.host_config) returns it in RV(jitsi_topology.deploy.host_config#module:steps)
        (a dict with C(action) V(register-account) or V(roster-subscribe), C(command), and for accounts C(jid) and
        C(password_file)).
    type: dict
    required: true
  data_path:
    description:
      - Prosody's C(data_path) (Debian's prosody keeps its data in C(/var/lib/prosody), the compiled-in default).
    type: path
    default: /var/lib/prosody
  command:
    description:
      - The command to run instead of the step's C(command), as an argv list (for example with C(prosodyctl --config)
        for a prosody whose configuration is elsewhere). It must do what the step's command does.
    type: list
    elements: str
extends_documentation_fragment:
  - action_common_attributes
attributes:
  check_mode:
    support: full
    details: Reads prosody's stored data and reports whether the step would change it; runs nothing.
  diff_mode:
    support: none
  platform:
    platforms: posix
notes:
  - An account kept elsewhere than in prosody's file storage (an SQL C(storage), for example) is not found, so the step
    runs and reports a change every time; the module says so in RV(stored).
requirements:
  - prosody with file storage (its default) for the comparison; prosodyctl for the step's command
seealso:
  - module: jitsi_topology.deploy.host_config
author:
  - jitsi-topology contributors (@jitsi-topology)
"""

EXAMPLES = r"""
- name: Register the prosody accounts (changed only when the stored credential differs)
  jitsi_topology.deploy.prosody_step:
    step: "{{ item }}"
  loop: "{{ jitsi_files.steps | selectattr('action', '==', 'register-account') | list }}"
  loop_control:
    label: "{{ item.jid }}"

- name: Subscribe focus to its roster (changed only when the subscription is missing)
  jitsi_topology.deploy.prosody_step:
    step: "{{ item }}"
  loop: "{{ jitsi_files.steps | selectattr('action', '==', 'roster-subscribe') | list }}"
  loop_control:
    label: roster-subscribe
"""

RETURN = r"""
action:
  description: The step's action.
  returned: always
  type: str
  sample: register-account
stored:
  description:
    - What prosody had before the step - V(same) (nothing to do), V(missing) (no account, or no roster item),
      V(differs) (another password, or a roster item without the subscription), or V(unreadable) (the stored data
      could not be read or parsed; the step runs).
  returned: always
  type: str
  sample: same
path:
  description: The file of prosody's storage that was read.
  returned: always
  type: str
  sample: /var/lib/prosody/auth%2emeet%2eexample%2ecom/accounts/focus.dat
"""

import hashlib
import hmac
import os
import re
import stringprep
import unicodedata

from ansible.module_utils.basic import AnsibleModule

LUA_FIELD = re.compile(r'\[\s*"((?:[^"\\]|\\.)*)"\s*\]\s*=\s*("(?:[^"\\]|\\.)*"|-?[0-9]+|true|false)')
LUA_ESCAPES = {'n': '\n', 't': '\t', 'r': '\r', '\\': '\\', '"': '"', "'": "'", 'a': '\a', 'b': '\b', 'f': '\f', 'v': '\v'}


def encode(name):
    """A name as prosody's datamanager puts it in a path (util/datamanager.lua, encode: every
    character but ASCII letters and digits as %xx of its bytes)."""
    return ''.join(c if c.isascii() and c.isalnum() else ''.join('%%%02x' % b for b in c.encode('utf-8')) for c in name)


def lua_string(token):
    """The value of a Lua string literal as prosody's util.serialization writes it (text and
    value hold one character per byte, as read() gives them)."""
    body = token[1:-1]
    out, i = [], 0
    while i < len(body):
        c = body[i]
        if c != '\\':
            out.append(c)
            i += 1
            continue
        n = body[i + 1]
        if n.isdigit():
            digits = re.match(r'[0-9]{1,3}', body[i + 1:]).group(0)
            out.append(chr(int(digits)))
            i += 1 + len(digits)
        else:
            out.append(LUA_ESCAPES.get(n, n))
            i += 2
    return ''.join(out)


def lua_fields(text):
    """Every ["key"] = value of a prosody data file, as (key, value) in file order."""
    fields = []
    for key, value in LUA_FIELD.findall(text):
        if value.startswith('"'):
            value = lua_string(value)
        elif value in ('true', 'false'):
            value = value == 'true'
        else:
            value = int(value)
        fields.append((lua_string('"%s"' % key), value))
    return fields


def table_body(text, start):
    """The text of the Lua table whose "{" is just before ``start``, up to its matching "}"
    (strings skipped), or None when it does not close."""
    depth, i = 1, start
    while i < len(text):
        c = text[i]
        if c == '"':
            string = re.match(r'"(?:[^"\\]|\\.)*"', text[i:], re.S)
            if string is None:
                return None
            i += len(string.group(0))
            continue
        if c == '{':
            depth += 1
        elif c == '}':
            depth -= 1
            if depth == 0:
                return text[start:i]
        i += 1
    return None


def saslprep(password):
    """RFC 4013 as prosody applies it before hashing; None when prosody would refuse the password."""
    mapped = ''.join(' ' if stringprep.in_table_c12(c) else c for c in password if not stringprep.in_table_b1(c))
    mapped = unicodedata.ucd_3_2_0.normalize('NFKC', mapped)
    prohibited = (stringprep.in_table_c12, stringprep.in_table_c21_c22, stringprep.in_table_c3, stringprep.in_table_c4,
                  stringprep.in_table_c5, stringprep.in_table_c6, stringprep.in_table_c7, stringprep.in_table_c8,
                  stringprep.in_table_c9, stringprep.in_table_a1)
    if any(check(c) for c in mapped for check in prohibited):
        return None
    return mapped


def scram_keys(password, salt, iterations, name):
    """(stored_key, server_key) in hex, as prosody's util.sasl.scram computes them."""
    salted = hashlib.pbkdf2_hmac(name, password.encode('utf-8'), salt.encode('latin-1'), iterations)
    client = hmac.new(salted, b'Client Key', name).digest()
    return hashlib.new(name, client).hexdigest(), hmac.new(salted, b'Server Key', name).hexdigest()


def read(path):
    try:
        with open(path, 'rb') as f:
            return f.read().decode('latin-1'), None  # one character per byte: Lua's strings are bytes
    except FileNotFoundError:
        return None, 'missing'
    except (OSError, IOError):
        return None, 'unreadable'


def account_state(step, data_path):
    """(stored, path) for a register-account step."""
    user, dummy, host = step['jid'].partition('@')
    path = os.path.join(data_path, encode(host), 'accounts', encode(user) + '.dat')
    text, problem = read(path)
    if problem:
        return problem, path
    fields = dict(lua_fields(text))
    try:
        salt, iterations = fields['salt'], fields['iteration_count']
        stored_key, server_key = fields['stored_key'].lower(), fields['server_key'].lower()
    except KeyError:
        return 'unreadable', path
    name = {40: 'sha1', 64: 'sha256'}.get(len(stored_key))
    try:
        with open(step['password_file'], 'rb') as f:
            first = f.read().decode('utf-8').split('\n', 1)[0]
    except (OSError, IOError, UnicodeDecodeError):
        return 'unreadable', path  # the step's command reports what is wrong with the file
    password = saslprep(first)
    if name is None or password is None or not isinstance(iterations, int) or not isinstance(salt, str):
        return 'unreadable', path
    ours = scram_keys(password, salt, iterations, name)
    same = hmac.compare_digest(ours[0], stored_key) and hmac.compare_digest(ours[1], server_key)
    return ('same' if same else 'differs'), path


def roster_state(step, data_path):
    """(stored, path) for a roster-subscribe step: prosodyctl mod_roster_command subscribe COMPONENT USER."""
    component, contact = step['command'][-2], step['command'][-1]
    user, dummy, host = contact.partition('@')
    path = os.path.join(data_path, encode(host), 'roster', encode(user) + '.dat')
    text, problem = read(path)
    if problem:
        return problem, path
    # The item is a table under the component's JID; its subscription is one of its fields.
    start = re.search(r'\[\s*"%s"\s*\]\s*=\s*\{' % re.escape(component.encode('utf-8').decode('latin-1')), text)
    if start is None:
        return 'missing', path
    body = table_body(text, start.end())
    if body is None:
        return 'unreadable', path
    subscription = dict(lua_fields(body)).get('subscription')
    return ('same' if subscription in ('from', 'both') else 'differs'), path


def main():
    module = AnsibleModule(
        argument_spec=dict(
            step=dict(type='dict', required=True),
            data_path=dict(type='path', default='/var/lib/prosody'),
            command=dict(type='list', elements='str'),
        ),
        supports_check_mode=True,
    )
    step = module.params['step']
    action = step.get('action')
    try:
        if action == 'register-account':
            stored, path = account_state(step, module.params['data_path'])
        elif action == 'roster-subscribe':
            stored, path = roster_state(step, module.params['data_path'])
        else:
            module.fail_json(msg='step has action %r; prosody_step carries out register-account and roster-subscribe' % action)
    except (KeyError, IndexError, TypeError) as e:
        module.fail_json(msg='the %s step lacks %s (give the step as host_config returns it)' % (action, e))
    result = dict(changed=stored != 'same', action=action, stored=stored, path=path)
    if stored == 'same' or module.check_mode:
        module.exit_json(**result)
    command = module.params['command'] or step.get('command')
    if not command:
        module.fail_json(msg='the %s step has no command' % action, **result)
    rc, out, err = module.run_command(command)
    if rc != 0:
        module.fail_json(msg='%s failed (exit status %d): %s' % (action, rc, (err or out).strip()[-2000:]), rc=rc, **result)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
