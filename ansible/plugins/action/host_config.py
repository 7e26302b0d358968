# -*- coding: utf-8 -*-
# Copyright: (c) 2026, jitsi-topology contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)

"""Action plugin of jitsi_topology.deploy.host_config (the documentation is in
plugins/modules/host_config.py).

Built the way ansible.builtin.template is: it runs on the controller, where the
``jitsi_topology`` wheel is installed, renders the model there, and hands each file of the
host to Ansible's own ``copy`` action, which compares checksums, writes atomically only
when the content or the attributes differ, honours check mode and produces the diff. The
managed hosts need nothing but Python.

The model is rendered once per run and model content: the first task to need it renders it
under a lock into a private cache in the run's local temporary folder
(``DEFAULT_LOCAL_TMP``, removed when ansible-playbook exits), and every other host's task
(each runs in its own worker process) reads it from there.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shlex
import shutil
import tempfile
import warnings

from ansible import constants as C
from ansible.module_utils.common.text.converters import to_bytes, to_native, to_text
from ansible.module_utils.six import string_types
from ansible.plugins.action import ActionBase
from ansible.utils.display import Display
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
        entry, cached = _render_once(key, text)
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

        name = args['host'] or task_vars.get('inventory_hostname')
        hosts = dict((h['name'], h) for h in entry['manifest']['hosts'])
        if name not in hosts:
            result.update(failed=True, msg=(
                'host %s is not in the model; its hosts are %s (set the option host to the '
                "host's name in the model)" % (name, ', '.join(sorted(hosts)))))
            return result
        host = hosts[name]

        files = host['files']
        if args['kinds'] is not None:
            files = [f for f in files if f['kind'] in args['kinds']]

        written, diffs, failure = self._write_files(files, args, task_vars)
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
        if isinstance(topology, string_types):
            # Always text here (never a path): topology_file is the option for paths.
            return to_bytes(topology)
        raise TypeError('topology must be a dict or YAML text, not %s' % type(topology).__name__)

    def _write_files(self, files, args, task_vars):
        """Hands each file to Ansible's copy action. Returns (files, diffs, failure)."""
        written, diffs = [], []
        targets = [self._connection._shell.join_path(args['dest'], f['path'].lstrip('/')) for f in files]
        present = self._remote_state(targets, task_vars)
        local_tempdir = tempfile.mkdtemp(dir=C.DEFAULT_LOCAL_TMP)
        try:
            for index, (f, target) in enumerate(zip(files, targets)):
                withheld = _withhold_diff(f)
                entry = dict(
                    path=f['path'], dest=target, kind=f['kind'], mode=f['mode'],
                    owner=f['owner'], group=f['group'], secret=f['secret'],
                    changed=False, diff_withheld=withheld is not None,
                )
                if _up_to_date(present.get(target), f, args['ownership']):
                    written.append(entry)
                    continue
                # The local copy has the target's name, and copy gets the target's folder with a
                # trailing slash: that way the copy module creates missing folders, as it does
                # for a recursive copy.
                folder = os.path.join(local_tempdir, str(index))
                os.mkdir(folder, 0o700)
                source = os.path.join(folder, os.path.basename(f['path']))
                fd = os.open(source, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(fd, 'wb') as out:
                    out.write(to_bytes(f['content']))

                copied = self._copy(source, target, f, args, task_vars, show_diff=withheld is None)
                entry['changed'] = bool(copied.get('changed'))
                if copied.get('failed'):
                    return written, diffs, 'writing %s failed: %s' % (
                        target, to_text(copied.get('msg', 'unknown error')))
                written.append(entry)
                if entry['changed'] and withheld is not None:
                    diffs.append(dict(prepared=WITHHELD_DIFF % (target, withheld)))
                elif copied.get('diff'):
                    diff = copied['diff']
                    for d in diff if isinstance(diff, list) else [diff]:
                        if isinstance(d, dict) and 'after_header' in d:
                            # Not the controller's temporary copy: what the model renders.
                            d['after_header'] = '%s (rendered)' % target
                        diffs.append(d)
        finally:
            shutil.rmtree(to_bytes(local_tempdir, errors='surrogate_or_strict'), ignore_errors=True)
        return written, diffs, None

    def _remote_state(self, targets, task_vars):
        """What the host has at ``targets`` (SHA-1, mode, owner, group of regular files), in
        one command run by the host's Python; {} when that cannot be had (then every file
        goes through copy, which finds out by itself).

        Only a shortcut: a file whose content, mode and (with ownership) owner and group
        already match is left alone without a copy round trip per file, which is what copy
        would conclude too; every other file is handed to copy."""
        python = task_vars.get('ansible_python_interpreter') or \
            task_vars.get('ansible_facts', {}).get('discovered_interpreter_python')
        if not python or not targets:
            return {}
        try:
            python = self._templar.template(python)
            command = ' '.join(shlex.quote(part) for part in (
                to_text(python), '-c', REMOTE_STATE, json.dumps(targets)))
            done = self._low_level_execute_command(command, sudoable=True)
            if done.get('rc') != 0:
                return {}
            state = json.loads(done.get('stdout', ''))
        except Exception as e:  # pylint: disable=broad-except
            display.vvv('host_config: no remote state (%s); every file goes through copy' % to_text(e))
            return {}
        return state if isinstance(state, dict) else {}

    def _copy(self, source, target, f, args, task_vars, show_diff):
        folder = self._connection._shell.join_path(os.path.dirname(target), '')
        copy_args = dict(src=source, dest=folder, mode=f['mode'], backup=args['backup'],
                         force=True, follow=False)
        if args['ownership']:
            copy_args.update(owner=f['owner'], group=f['group'])
        task = self._task.copy()
        task.args.clear()
        task.args.update(copy_args)
        if not show_diff:
            task.diff = False  # the old content is never read back for a diff
        copy_action = self._shared_loader_obj.action_loader.get(
            'ansible.legacy.copy',
            task=task,
            connection=self._connection,
            play_context=self._play_context,
            loader=self._loader,
            templar=self._templar,
            shared_loader_obj=self._shared_loader_obj,
        )
        return copy_action.run(task_vars=task_vars)


# Run by the host's Python with the target paths as JSON: prints, per path, null (missing
# or unreadable) or its SHA-1 (copy's checksum), mode, owner and group (regular files only).
REMOTE_STATE = '''
import grp, hashlib, json, os, pwd, stat, sys
out = {}
for p in json.loads(sys.argv[1]):
    try:
        st = os.lstat(p)
        if not stat.S_ISREG(st.st_mode):
            raise OSError()
        h = hashlib.sha1()
        with open(p, 'rb') as f:
            for chunk in iter(lambda: f.read(65536), b''):
                h.update(chunk)
    except (OSError, IOError):
        out[p] = None
        continue
    try:
        owner = pwd.getpwuid(st.st_uid).pw_name
    except KeyError:
        owner = str(st.st_uid)
    try:
        group = grp.getgrgid(st.st_gid).gr_name
    except KeyError:
        group = str(st.st_gid)
    out[p] = dict(sha1=h.hexdigest(), mode='%04o' % stat.S_IMODE(st.st_mode), owner=owner, group=group)
print(json.dumps(out))
'''


def _up_to_date(present, f, ownership):
    """Whether the host's file (as _remote_state saw it) already is manifest file ``f``."""
    if not isinstance(present, dict):
        return False
    if present.get('sha1') != hashlib.sha1(to_bytes(f['content'])).hexdigest():
        return False
    if present.get('mode') != f['mode']:
        return False
    return not ownership or (present.get('owner'), present.get('group')) == (f['owner'], f['group'])


def _render_once(key, text):
    """Renders ``text`` once per run: (entry, cached)."""
    cache = os.path.join(C.DEFAULT_LOCAL_TMP, 'jitsi_topology')
    try:
        os.mkdir(cache, 0o700)
    except FileExistsError:
        pass
    path = os.path.join(cache, key + '.json')
    lock = os.open(path + '.lock', os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            with open(path, 'rb') as f:
                return json.loads(f.read()), True
        except FileNotFoundError:
            pass
        entry = _render(text)
        # The cache may hold {value}/{env} secrets: owner-only, and gone when the run ends.
        staging = path + '.new'
        fd = os.open(staging, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, 'wb') as out:
            out.write(to_bytes(json.dumps(entry)))
        os.rename(staging, path)
        return entry, False
    finally:
        os.close(lock)


def _render(text):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always', jitsi_topology.TopologyWarning)
        try:
            manifest = jitsi_topology.render(text)
        except jitsi_topology.TopologyError as e:
            return dict(error=dict(report=str(e), document=e.document()))
    return dict(
        manifest=manifest,
        warnings=[str(w.message) for w in caught if issubclass(w.category, jitsi_topology.TopologyWarning)],
    )
