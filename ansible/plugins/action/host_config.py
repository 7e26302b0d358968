# -*- coding: utf-8 -*-
# Copyright: (c) 2026, jitsi-topology contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)

"""Action plugin of jitsi_topology.deploy.host_config (the documentation is in
plugins/modules/host_config.py).

Built the way ansible.builtin.template is: it runs on the controller, where the
``jitsi_topology`` wheel is installed, and renders the model there. Then it hands all of the
host's files to the host's Python in one transfer (module_utils/host_files.py, with the files
as one JSON payload), which compares each file's checksum, mode and owner, and unless in check
mode writes those that differ: each one staged beside its target with its final attributes,
then all renamed into place. One round trip per host and task whatever the number of files,
where ansible.builtin.copy costs several per file. The managed hosts need nothing but Python.

The model is rendered once per run and model content: the first task to need it renders it
under a lock into a private cache in the run's local temporary folder
(``DEFAULT_LOCAL_TMP``, removed when ansible-playbook exits), and every other host's task
(each runs in its own worker process) reads it from there.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import shlex
import warnings

from ansible import constants as C
from ansible.errors import AnsibleError
from ansible.module_utils.common.text.converters import to_bytes, to_native, to_text
from ansible.plugins.action import ActionBase
from ansible.utils.display import Display
from ansible_collections.jitsi_topology.deploy.plugins.module_utils import host_files
from ansible_collections.jitsi_topology.deploy.plugins.module_utils.host_config import (
    ARGUMENT_SPEC,
    MUTUALLY_EXCLUSIVE,
    REQUIRED_ONE_OF,
)

try:
    import jitsi_topology
except ImportError as e:  # reported when the task runs, not when the plugin loads
    jitsi_topology = None
    JITSI_TOPOLOGY_IMPORT_ERROR = e
else:
    JITSI_TOPOLOGY_IMPORT_ERROR = None

display = Display()

WITHHELD_DIFF = 'jitsi_topology: %s changed; its diff is withheld (%s)\n'


def _withhold_diff(f):
    """Why the diff of manifest file ``f`` is not shown, or None. A file flagged secret holds
    a password now; a file that is not world-readable may have held one under an earlier
    model (a {value} secret later moved to a {file}), and its diff would show the old one."""
    if f['secret']:
        return 'flagged secret'
    if not int(f['mode'], 8) & 0o004:
        return 'mode %s: it may hold a secret' % f['mode']
    return None


class ActionModule(ActionBase):
    """Renders the topology on the controller and writes this host's files."""

    TRANSFERS_FILES = True
    _supports_check_mode = True
    _supports_async = False

    def run(self, tmp=None, task_vars=None):
        if task_vars is None:
            task_vars = {}
        result = super(ActionModule, self).run(tmp, task_vars)
        del tmp  # tmp no longer has any effect

        dummy, args = self.validate_argument_spec(
            argument_spec=ARGUMENT_SPEC,
            mutually_exclusive=MUTUALLY_EXCLUSIVE,
            required_one_of=REQUIRED_ONE_OF,
        )
        if jitsi_topology is None:
            result.update(failed=True, msg=(
                'host_config needs the Python package jitsi_topology on the controller '
                '(pip install jitsi-topology, in the Python that runs ansible): %s'
                % to_native(JITSI_TOPOLOGY_IMPORT_ERROR)))
            return result

        try:
            text = self._model_text(args)
        except (OSError, ValueError, TypeError) as e:
            result.update(failed=True, msg=to_native(e))
            return result
        key = hashlib.sha256(
            to_bytes('jitsi-topology %s\0' % jitsi_topology.__version__) + text).hexdigest()
        name = args['host'] or task_vars.get('inventory_hostname')
        entry, cached = _render_once(key, text, name)
        result['topology_sha256'] = hashlib.sha256(text).hexdigest()
        result['render_cached'] = cached

        if 'error' in entry:
            # Invalid model: every host's task fails here, before anything touches a host.
            document = entry['error']['document']
            result.update(
                failed=True,
                msg=entry['error']['report'],
                kind=document['kind'],
                diagnostics=document['diagnostics'],
            )
            return result

        for warning in entry['warnings']:
            display.warning(warning)
        if not cached:
            # Notes and acknowledged warnings are no warnings: shown once a run, by the task
            # that rendered, as the CLI prints them.
            for line in entry['notes']:
                display.display(line)
        result.update(diagnostics=entry['diagnostics'], acknowledged=entry['acknowledged'])

        host = entry['host']
        if host is None:
            result.update(failed=True, msg=(
                'host %s is not in the model; its hosts are %s (set the option host to the '
                "host's name in the model)" % (name, ', '.join(sorted(entry['hosts'])))))
            return result

        files = host['files']
        if args['kinds'] is not None:
            files = [f for f in files if f['kind'] in args['kinds']]

        written, diffs, failure, facts = self._write_files(files, host['steps'], args, task_vars)
        if facts:
            result['ansible_facts'] = facts
        changed = [w for w in written if w['changed']]
        result.update(
            changed=bool(changed),
            host=host['name'],
            roles=host['roles'],
            dest=args['dest'],
            files=written,
            changed_files=[w['path'] for w in changed],
            services=jitsi_topology.service_actions(host, [w['path'] for w in changed]),
            packages=host['packages'],
            accounts=host['accounts'],
            firewall=host['firewall'],
            steps=host['steps'],
        )
        if diffs and self._task.diff:
            result['diff'] = diffs
        if failure is not None:
            result.update(failed=True, msg=failure)
        return result

    def _model_text(self, args):
        """The model as bytes of YAML or JSON text."""
        if args['topology_file'] is not None:
            path = self._find_needle('files', args['topology_file'])
            real = self._loader.get_real_file(path, decrypt=True)  # a vaulted model works too
            try:
                with open(to_bytes(real, errors='surrogate_or_strict'), 'rb') as f:
                    return f.read()
            finally:
                self._loader.cleanup_tmp_file(real)
        topology = args['topology']
        if isinstance(topology, dict):
            return to_bytes(json.dumps(topology, sort_keys=True, ensure_ascii=False))
        if isinstance(topology, str):
            # Always text here (never a path): topology_file is the option for paths.
            return to_bytes(topology)
        raise TypeError('topology must be a dict or YAML text, not %s' % type(topology).__name__)

    def _write_files(self, files, steps, args, task_vars):
        """Hands all of the host's files to the host's Python in one transfer (host_files):
        it compares, and unless in check mode writes the files that differ, all staged before
        any is renamed into place. Returns (result, diffs, failure, facts)."""
        written, diffs = [], []
        targets = [self._connection._shell.join_path(args['dest'], f['path'].lstrip('/')) for f in files]
        for f, target in zip(files, targets):
            withheld = _withhold_diff(f)
            written.append(dict(
                path=f['path'], dest=target, kind=f['kind'], mode=f['mode'],
                owner=f['owner'], group=f['group'], secret=f['secret'],
                changed=False, diff_withheld=withheld is not None,
            ))
        checks = [step['command'] for step in steps if step['action'] == 'check-packages'] if args['check_packages'] else []
        if not files and not checks:
            return written, diffs, None, {}
        want_diff = bool(self._task.diff)
        payload = dict(
            check=bool(self._task.check_mode),
            diff=want_diff,
            backup=bool(args['backup']),
            ownership=bool(args['ownership']),
            max_diff=C.MAX_FILE_SIZE_FOR_DIFF,
            files=[dict(dest=target, content=f['content'], mode=f['mode'], owner=f['owner'], group=f['group'],
                        diff=w['diff_withheld'] is False)
                   for f, target, w in zip(files, targets, written)],
            checks=checks,
        )
        try:
            done, facts = self._run_host_files(to_bytes(json.dumps(payload)), task_vars)
        except AnsibleError as e:
            return written, diffs, 'writing the files failed: %s' % to_text(e), {}
        reported = done.get('files')
        if not isinstance(reported, list) or len(reported) != len(written):
            return written, diffs, 'writing the files failed: %s' % to_text(done.get('failed', 'no result from the host')), facts
        for f, entry, state in zip(files, written, reported):
            entry['changed'] = bool(state.get('changed'))
            if state.get('backup_file'):
                entry['backup_file'] = state['backup_file']
            if not entry['changed'] or not want_diff:
                continue
            target = entry['dest']
            if entry['diff_withheld']:
                diffs.append(dict(prepared=WITHHELD_DIFF % (target, _withhold_diff(f))))
                continue
            if state.get('content'):
                if state.get('old') is None:
                    diffs.append(dict(prepared='jitsi_topology: %s changed; no diff (%s)\n' % (
                        target, state.get('diff_skipped') or 'unknown')))
                else:
                    diffs.append(dict(before_header=target, after_header='%s (rendered)' % target,
                                      before=state['old'], after=f['content']))
            before = state.get('before') or {}
            attributes = [k for k in ('mode', 'owner', 'group')
                          if before and before.get(k) != f[k] and (k == 'mode' or args['ownership'])]
            if attributes and before.get('kind') == 'file':
                diffs.append(dict(before_header=target, after_header=target,
                                  before=dict((k, before[k]) for k in attributes),
                                  after=dict((k, f[k]) for k in attributes)))
        if done.get('failed'):
            return written, diffs, to_text(done['failed']), facts
        failed_checks = [c for c in done.get('checks', []) if c.get('rc') != 0]
        if failed_checks:
            return written, diffs, 'check-packages failed (exit status %s): %s' % (
                failed_checks[0].get('rc'), to_text(failed_checks[0].get('stderr', ''))), facts
        return written, diffs, None, facts

    def _python(self, task_vars):
        """The host's Python as an argv list, and the facts interpreter discovery found (to keep).

        Ansible's own rules: ansible_python_interpreter, else the configured interpreter or
        its discovery, which _configure_module carries out as for any module."""
        facts = {}
        python = task_vars.get('ansible_python_interpreter')
        if python:
            return shlex.split(to_text(self._templar.template(python))), facts
        module_bits, dummy = self._configure_module('ansible.legacy.ping', {}, task_vars)
        if self._discovered_interpreter_key:
            facts[self._discovered_interpreter_key] = self._discovered_interpreter
        shebang = to_text(module_bits.shebang or '#!/usr/bin/python3')
        return shlex.split(shebang[2:] if shebang.startswith('#!') else shebang), facts

    def _run_host_files(self, payload, task_vars):
        """Runs module_utils/host_files.py on the host with ``payload``: one command, the payload on
        standard input where the connection passes it (as for pipelining), else in a temporary
        file on the host. Returns (its JSON result, facts)."""
        python, facts = self._python(task_vars)
        command = python + ['-c', _host_files_source()]
        become = self._connection.become
        stdin_works = getattr(self._connection, 'has_pipelining', False) and (
            self._connection.is_pipelining_enabled() or not (become and become.expect_prompt()))
        tmpdir = None
        try:
            if stdin_works:
                done = self._low_level_execute_command(' '.join(shlex.quote(part) for part in command),
                                                       sudoable=True, in_data=payload)
            else:
                tmpdir = self._make_tmp_path()
                remote = self._connection._shell.join_path(tmpdir, 'files.json')
                self._transfer_data(remote, payload)
                self._fixup_perms2([tmpdir, remote], execute=False)
                done = self._low_level_execute_command(' '.join(shlex.quote(part) for part in command + [remote]),
                                                       sudoable=True)
        finally:
            if tmpdir is not None:
                self._remove_tmp_path(tmpdir, force=True)
        try:
            state = json.loads(done.get('stdout', ''))
        except ValueError:
            state = None
        if done.get('rc') != 0 or not isinstance(state, dict):
            raise AnsibleError('the host\'s Python %s exited with %s: %s' % (
                python[0], done.get('rc'), to_text(done.get('stderr') or done.get('stdout') or '').strip()[-2000:]))
        return state, facts


_HOST_FILES_SOURCE = []


def _host_files_source():
    """The source of module_utils/host_files.py, sent to the host's Python as ``-c`` (read once per process)."""
    if not _HOST_FILES_SOURCE:
        with open(host_files.__file__, 'rb') as f:
            _HOST_FILES_SOURCE.append(to_text(f.read()))
    return _HOST_FILES_SOURCE[0]


def _render_once(key, text, name):
    """Renders ``text`` once per run: (entry, cached), where entry has the render's ``error``,
    or its ``warnings``, the ``hosts``' names and ``host``, the manifest's entry for ``name``
    (None when the model has no such host).

    The first task renders under a lock and keeps each host's part in a file of its own, so
    that each other task reads its host's part, not the whole manifest."""
    cache = os.path.join(C.DEFAULT_LOCAL_TMP, 'jitsi_topology')
    for folder in (cache, os.path.join(cache, key)):
        try:
            os.mkdir(folder, 0o700)
        except FileExistsError:
            pass
    folder = os.path.join(cache, key)
    summary = os.path.join(folder, 'render.json')
    cached = True
    if not os.path.exists(summary):
        lock = os.open(folder + '.lock', os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not os.path.exists(summary):
                cached = False
                _store(folder, summary, _render(text))
        finally:
            os.close(lock)
    with open(summary, 'rb') as f:
        entry = json.loads(f.read())
    if 'error' in entry or name not in entry['hosts']:
        entry['host'] = None
        return entry, cached
    with open(_host_path(folder, name), 'rb') as f:
        entry['host'] = json.loads(f.read())
    return entry, cached


def _host_path(folder, name):
    return os.path.join(folder, hashlib.sha256(to_bytes(name)).hexdigest() + '.json')


def _store(folder, summary, entry):
    """Writes each host's part of a render, then the summary (last: its presence says the rest is there).
    The cache may hold {value}/{env} secrets: owner-only, and gone when the run ends."""
    def write(path, data):
        staging = path + '.new'
        fd = os.open(staging, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, 'wb') as out:
            out.write(to_bytes(json.dumps(data)))
        os.rename(staging, path)

    if 'error' not in entry:
        hosts = entry.pop('manifest')['hosts']
        for host in hosts:
            write(_host_path(folder, host['name']), host)
        entry['hosts'] = [host['name'] for host in hosts]
    write(summary, entry)


class _Lines(logging.Handler):
    """Collects what the jitsi_topology package logs (its notes and acknowledged warnings)."""

    def __init__(self):
        super(_Lines, self).__init__(logging.INFO)
        self.lines = []

    def emit(self, record):
        self.lines.append(record.getMessage())


def _render(text):
    try:
        # The data: warnings and notes, and the acknowledged warnings with their reasons.
        checked = jitsi_topology.check(text)
    except jitsi_topology.TopologyError as e:
        return dict(error=dict(report=str(e), document=e.document()))
    logger = logging.getLogger('jitsi_topology')
    lines, level = _Lines(), logger.level
    logger.addHandler(lines)
    logger.setLevel(logging.INFO)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter('always', jitsi_topology.TopologyWarning)
            manifest = jitsi_topology.render(text)
    finally:
        logger.removeHandler(lines)
        logger.setLevel(level)
    return dict(
        manifest=manifest,
        warnings=[str(w.message) for w in caught if issubclass(w.category, jitsi_topology.TopologyWarning)],
        notes=lines.lines,
        diagnostics=checked['diagnostics'],
        acknowledged=checked['acknowledged'],
    )
