# -*- coding: utf-8 -*-
# Copyright: (c) 2026, jitsi-topology contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)

"""The host half of jitsi_topology.deploy.host_config: applies all of a host's files at once.

The action plugin sends this file's source to the host's Python as ``python -c`` and the
host's files as one JSON payload (on standard input, or in a file named by the first argument
when the connection cannot pass standard input), so a host costs one round trip whatever its
number of files. Standard library only; runs on the managed host's Python (3.8 or newer).

For each file: compare the content (SHA-1), the mode and, with ownership, the owner and group
with what is on the host; a file that matches is left alone. Then, unless in check mode, in two
phases, so that the host's files are replaced together or not at all:

1. stage: each file whose content differs is written to a temporary file beside its target
   (created owner-only, then given the manifest's owner, group and mode before it holds its
   final name), missing folders are created, a backup is kept when asked; any error removes
   every staged file and replaces nothing;
2. apply: each staged file is renamed over its target (atomic for readers), and the mode or
   owner of the files whose content already matched is set.

Then, unless in check mode, it runs the read-only checks the payload names (the host's
check-packages commands, which ask dpkg-query), in the same round trip.

Prints one JSON object: per file whether it changed, what differed, each check's exit status
and error output, and, in diff mode for the
files the controller allows (``diff``), the old content; ``failed`` names the file and the
error otherwise. The payload's contents are never printed.
"""

from __future__ import annotations

import errno
import grp
import hashlib
import json
import os
import pwd
import shutil
import stat
import subprocess
import sys
import tempfile
import time


def _owner_ids(f):
    """(uid, gid) of the file's owner and group on this host, or raises LookupError."""
    try:
        uid = pwd.getpwnam(f['owner']).pw_uid
    except KeyError:
        raise LookupError('user %s does not exist on the host (install the packages that create it first, '
                          'or set ownership: false)' % f['owner'])
    try:
        gid = grp.getgrnam(f['group']).gr_gid
    except KeyError:
        raise LookupError('group %s does not exist on the host (install the packages that create it first, '
                          'or set ownership: false)' % f['group'])
    return uid, gid


def _name(uid, lookup):
    try:
        return lookup(uid)[0]
    except KeyError:
        return str(uid)


def _present(path):
    """What the host has at ``path``: None when nothing, else a dict (kind, sha1, mode, owner, group)."""
    try:
        st = os.lstat(path)
    except OSError as e:
        if e.errno in (errno.ENOENT, errno.ENOTDIR):
            return None
        raise
    present = dict(
        mode='%04o' % stat.S_IMODE(st.st_mode),
        owner=_name(st.st_uid, pwd.getpwuid),
        group=_name(st.st_gid, grp.getgrgid),
        size=st.st_size,
        kind='file' if stat.S_ISREG(st.st_mode) else 'directory' if stat.S_ISDIR(st.st_mode) else
        'link' if stat.S_ISLNK(st.st_mode) else 'other',
        sha1=None,
    )
    if present['kind'] == 'file':
        h = hashlib.sha1()
        with open(path, 'rb') as stream:
            for chunk in iter(lambda: stream.read(65536), b''):
                h.update(chunk)
        present['sha1'] = h.hexdigest()
    return present


def _old_text(path, present, limit):
    """The old content for a diff: (text, None) or (None, why it is not shown)."""
    if present is None:
        return '', None
    if present['kind'] != 'file':
        return None, 'the target is a %s' % present['kind']
    if present['size'] > limit:
        return None, 'the file on the host is larger than %d bytes' % limit
    with open(path, 'rb') as stream:
        data = stream.read()
    if b'\0' in data:
        return None, 'the file on the host appears to be binary'
    return data.decode('utf-8', 'replace'), None


def compare(payload):
    """Each file's state and what differs, without writing anything."""
    plans = []
    for f in payload['files']:
        dest = f['dest']
        content = f['content'].encode('utf-8')
        present = _present(dest)
        if present is not None and present['kind'] == 'directory':
            raise OSError('%s is a directory on the host; a file of the manifest must go there' % dest)
        plan = dict(dest=dest, data=content, content=present is None or present['sha1'] != hashlib.sha1(content).hexdigest(),
                    mode=present is None or present['mode'] != f['mode'], owner=False, present=present, file=f)
        if payload['ownership'] and present is not None:
            plan['owner'] = (present['owner'], present['group']) != (f['owner'], f['group'])
        plan['changed'] = plan['content'] or plan['mode'] or plan['owner']
        plans.append(plan)
    return plans


def _backup(path):
    """A copy of ``path`` beside it, named as ansible.builtin.copy's backup names it."""
    name = '%s.%s.%s' % (path, os.getpid(), time.strftime('%Y-%m-%d@%H:%M:%S~'))
    shutil.copy2(path, name)
    return name


def _stage(plan, ownership):
    """Writes the new content beside the target with its final attributes; returns the temporary path."""
    f = plan['file']
    folder = os.path.dirname(plan['dest'])
    if not os.path.isdir(folder):
        os.makedirs(folder)
    fd, staged = tempfile.mkstemp(prefix='.%s.' % os.path.basename(plan['dest']), suffix='.jitsi-topology', dir=folder)
    try:
        with os.fdopen(fd, 'wb') as out:
            out.write(plan['data'])
            out.flush()
            if ownership:
                os.fchown(out.fileno(), *_owner_ids(f))
            os.fchmod(out.fileno(), int(f['mode'], 8))
    except BaseException:
        os.unlink(staged)
        raise
    return staged


def apply(plans, payload):
    """Stages every changed content, then renames and sets attributes; returns per-plan backup paths."""
    ownership = payload['ownership']
    staged = {}
    try:
        for i, plan in enumerate(plans):
            if not plan['changed']:
                continue
            if ownership:
                _owner_ids(plan['file'])  # a missing user or group fails before anything is replaced
            if plan['content'] or plan['present']['kind'] != 'file':
                try:
                    staged[i] = _stage(plan, ownership)
                except (OSError, LookupError) as e:
                    raise OSError('%s: %s' % (plan['dest'], e))
    except BaseException:
        for path in staged.values():
            try:
                os.unlink(path)
            except OSError:
                pass
        raise
    backups = {}
    for i, plan in enumerate(plans):
        if not plan['changed']:
            continue
        f = plan['file']
        try:
            if payload['backup'] and plan['present'] is not None and plan['present']['kind'] == 'file':
                backups[i] = _backup(plan['dest'])
            if i in staged:
                os.rename(staged.pop(i), plan['dest'])
            else:
                if ownership:
                    os.lchown(plan['dest'], *_owner_ids(f))
                os.chmod(plan['dest'], int(f['mode'], 8))
        except (OSError, LookupError) as e:
            for path in staged.values():
                try:
                    os.unlink(path)
                except OSError:
                    pass
            raise OSError('%s: %s (the files before it in the manifest were replaced)' % (plan['dest'], e))
    return backups


def run(payload):
    """The result for ``payload`` as a dict."""
    try:
        plans = compare(payload)
    except OSError as e:
        return dict(failed='reading the host\'s files failed: %s' % e)
    out = []
    for plan in plans:
        entry = dict(changed=plan['changed'], content=plan['content'], mode=plan['mode'], owner=plan['owner'],
                     before=None if plan['present'] is None else dict(
                         (k, plan['present'][k]) for k in ('kind', 'mode', 'owner', 'group')))
        if plan['changed'] and payload['diff'] and plan['file'].get('diff') and plan['content']:
            try:
                entry['old'], entry['diff_skipped'] = _old_text(plan['dest'], plan['present'], payload['max_diff'])
            except (OSError, IOError) as e:
                entry['old'], entry['diff_skipped'] = None, 'the file on the host is unreadable: %s' % e
        out.append(entry)
    result = dict(files=out)
    if not payload['check'] and any(plan['changed'] for plan in plans):
        try:
            backups = apply(plans, payload)
        except OSError as e:
            result['failed'] = 'writing failed: %s' % e
            return result
        for i, name in backups.items():
            out[i]['backup_file'] = name
    if not payload['check']:
        result['checks'] = [check(command) for command in payload.get('checks', [])]
    return result


def check(command):
    """Runs a read-only check (a check-packages step's command): its exit status and the end of its error output."""
    try:
        done = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        out, err = done.communicate()
    except OSError as e:
        return dict(rc=127, stderr=str(e))
    text = (err or out).decode('utf-8', 'replace').strip()
    return dict(rc=done.returncode, stderr=text[-2000:])


def main():
    if len(sys.argv) > 1:
        with open(sys.argv[1], 'rb') as stream:
            data = stream.read()
    else:
        data = getattr(sys.stdin, 'buffer', sys.stdin).read()
    try:
        payload = json.loads(data.decode('utf-8'))
    except ValueError as e:
        result = dict(failed='the payload is not JSON (%s)' % e)
    else:
        result = run(payload)
    sys.stdout.write(json.dumps(result))
    sys.stdout.flush()


if __name__ == '__main__':
    main()
