#!/usr/bin/env python3
# -*- coding: utf-8 -*-
"""The Ansible benchmark at fleet size (issue 17, item 7), run by benches/ansible/run.

In one run, over the local connection (``-c local``) with the same forks, against N hosts of
one model (a signalling host and N-1 bridges, read through the inventory plugin), each host's
files under its own root:

  ping     ``ansible all -m ansible.builtin.ping``: the floor, one module per host;
  first    host_config as the role jitsi_topology.deploy.host runs it with the apply path off
           (its two tasks: Jitsi's apt source and pins and the debconf answers, then every
           file, here with check_packages: the packages checked with dpkg-query, a stand-in, in
           the same transfer), into empty roots;
  rerun    the same again, which must change nothing;
  role     the whole role with the apply path off, re-run (its apply tasks are skipped, and
           each skipped task still costs a worker process per host): for information;
  copy     a play writing the same files the way the popular roles do, one
           ``ansible.builtin.copy`` per file (with the file's mode; missing folders created),
           into empty roots.

Prints a table (wall time of each ansible process, the median of --rounds) and the two ratios
of the issue: (a) rerun / ping (target: at most 1x) and (b) copy / first (target: at least 3x).
Each phase's per-task times (callback_plugins/jt_timing.py: wall time and time summed over
hosts) go to standard error and --json. Times are read, not asserted; the checks that matter (the first run wrote what the manifest
says, the re-run changed nothing, the copy play wrote the same bytes) are asserted.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time

import jitsi_topology

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
BIN = os.path.dirname(sys.executable)
RECAP = re.compile(r'^(\S+)\s+: ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)', re.M)


def model(hosts):
    """The handbook with hosts - 1 bridges (documentation addresses, 1:1 NAT as in the handbook)."""
    with open(os.path.join(ROOT, 'examples', 'handbook.yaml')) as f:
        text = f.read()
    head = text[:text.index('bridges:\n')]
    tail = text[text.index('bridge_networks:'):]
    lines = ['bridges:']
    for i in range(1, hosts):
        public = '198.51.100.%d' % i if i < 255 else '203.0.113.%d' % (i - 254)
        lines.append('  - { host: jvb%d.meet.example.com, address: 10.0.%d.%d, public_address: %s, jvm_max_memory: 8g }'
                     % (i, 1 + i // 250, i % 250 + 2, public))
    return head + '\n'.join(lines) + '\n' + tail.replace('[10.0.0.0/24]', '[10.0.0.0/16]')


def tree(root):
    found = {}
    for folder, dummy, names in os.walk(root):
        for name in names:
            path = os.path.join(folder, name)
            with open(path, 'rb') as f:
                found[os.path.relpath(path, root)] = (hashlib.sha256(f.read()).hexdigest(), '%04o' % (os.stat(path).st_mode & 0o7777))
    return found


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--hosts', type=int, default=100)
    parser.add_argument('--forks', type=int, default=5)
    parser.add_argument('--rounds', type=int, default=1, help='runs of each phase; the table has the medians')
    parser.add_argument('--dir', default=os.path.join(ROOT, 'target', 'ansible-bench'))
    parser.add_argument('--pipelining', action='store_true', help='ANSIBLE_PIPELINING=true for every phase')
    parser.add_argument('--json', help='write the raw times here')
    opts = parser.parse_args()

    work = os.path.abspath(opts.dir)
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(os.path.join(work, 'inventory'))
    model_path = os.path.join(work, 'model.yaml')
    with open(model_path, 'w') as f:
        f.write(model(opts.hosts))
    with open(os.path.join(work, 'inventory', 'jitsi_topology.yml'), 'w') as f:
        f.write('plugin: jitsi_topology.deploy.model\ntopology_file: ../model.yaml\n')
    manifest = jitsi_topology.render(model_path)
    hosts = manifest['hosts']
    assert len(hosts) == opts.hosts, len(hosts)
    files = sum(len(h['files']) for h in hosts)

    # The copy play's sources: each host's rendered files, as a role would keep its templates' output.
    sources = os.path.join(work, 'sources')
    host_vars = os.path.join(work, 'inventory', 'host_vars')
    os.makedirs(host_vars)
    for h in hosts:
        for f in h['files']:
            path = os.path.join(sources, h['name'], f['path'].lstrip('/'))
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, 'w') as out:
                out.write(f['content'])
        with open(os.path.join(host_vars, h['name'] + '.json'), 'w') as out:
            json.dump(dict(bench_files=[dict(path=f['path'], mode=f['mode']) for f in h['files']]), out)

    # The check-packages steps ask dpkg-query, which here knows no Jitsi package: a STAND-IN first
    # on the PATH of every phase answers as dpkg-query -W -f='${Status} ${Version}' does for
    # each package at its release's version (from the manifest's check-packages steps).
    versions = {}
    for h in hosts:
        for step in h['steps']:
            if step['action'] == 'check-packages':
                versions.update((p['package'], p['version']) for p in step['packages'])
    bin_dir = os.path.join(work, 'bin')
    os.makedirs(bin_dir)
    with open(os.path.join(bin_dir, 'dpkg-query'), 'w') as f:
        f.write('#!/bin/sh\n# STAND-IN for dpkg-query -W -f=\'${Status} ${Version}\' PACKAGE (benches/ansible/bench.py)\n'
                'for p; do :; done\ncase "$p" in\n%s\n*) exit 1;;\nesac\n' % '\n'.join(
                    "%s) printf 'install ok installed %s';;" % (name, version) for name, version in sorted(versions.items())))
    os.chmod(os.path.join(bin_dir, 'dpkg-query'), 0o755)

    role_play = os.path.join(work, 'role.yml')
    with open(role_play, 'w') as f:
        json.dump([dict(name='The role with the apply path off', hosts='all', gather_facts=False,
                        roles=['jitsi_topology.deploy.host'])], f)
    # The role's two host_config tasks, with the role's arguments (roles/host/tasks/main.yml).
    write = dict(topology_file='{{ jitsi_topology_file }}', dest='{{ jitsi_topology_dest }}',
                 ownership='{{ jitsi_topology_ownership }}')
    hc_play = os.path.join(work, 'host_config.yml')
    with open(hc_play, 'w') as f:
        json.dump([dict(name='host_config as the role runs it, apply path off', hosts='all', gather_facts=False, tasks=[
            dict(name='Write the debconf answers', **{'jitsi_topology.deploy.host_config': dict(
                write, kinds=['apt-source', 'apt-preferences', 'debconf'])}),
            dict(name="Write the host's files, check the packages",
                 **{'jitsi_topology.deploy.host_config': dict(write, check_packages=True)}),
        ])], f)
    copy_play = os.path.join(work, 'copy.yml')
    with open(copy_play, 'w') as f:
        json.dump([dict(name='One ansible.builtin.copy per file', hosts='all', gather_facts=False, tasks=[dict(
            name='Write the file',
            loop='{{ bench_files }}',
            loop_control=dict(label='{{ item.path }}'),
            **{'ansible.builtin.copy': dict(
                src='%s/{{ inventory_hostname }}{{ item.path }}' % sources,
                dest='{{ bench_dest }}/{{ inventory_hostname }}{{ item.path | dirname }}/',
                mode='{{ item.mode }}')})])], f)

    env = dict(os.environ, PATH=bin_dir + ':' + os.environ['PATH'],
               ANSIBLE_HOME=os.path.join(work, 'ansible-home'), ANSIBLE_NOCOLOR='1',
               ANSIBLE_FORCE_COLOR='0', ANSIBLE_RETRY_FILES_ENABLED='0', ANSIBLE_STDOUT_CALLBACK='default',
               ANSIBLE_HOST_KEY_CHECKING='0', ANSIBLE_PIPELINING='true' if opts.pipelining else 'false',
               ANSIBLE_REMOTE_TMP=os.path.join(work, 'remote-tmp'),
               # per-task times (callback_plugins/jt_timing.py), printed on standard error
               ANSIBLE_CALLBACK_PLUGINS=os.path.join(HERE, 'callback_plugins'), ANSIBLE_CALLBACKS_ENABLED='jt_timing',
               JT_TIMING_FILE=os.path.join(work, 'timing.json'))
    tasks = {}
    common = ['-i', os.path.join(work, 'inventory'), '-c', 'local', '-f', str(opts.forks)]
    interpreter = {'ansible_python_interpreter': sys.executable}

    def run(name, command, dest=None):
        if dest is not None:
            shutil.rmtree(dest, ignore_errors=True)
        start = time.monotonic()
        done = subprocess.run(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              universal_newlines=True, check=False)
        took = time.monotonic() - start
        recap = [(m.group(1), int(m.group(3)), int(m.group(5))) for m in RECAP.finditer(done.stdout)]
        if done.returncode != 0:
            sys.exit('%s failed (%d):\n%s' % (name, done.returncode, done.stdout[-5000:]))
        print('  %-6s %8.1f s' % (name, took), file=sys.stderr)
        if os.path.exists(env['JT_TIMING_FILE']):
            with open(env['JT_TIMING_FILE']) as f:
                tasks.setdefault(name, []).append(json.load(f))
            os.remove(env['JT_TIMING_FILE'])
            for row in tasks[name][-1]:
                print('         %7.1f s wall, %7.1f s summed over %d hosts (%d skipped): %s' % (
                    row['wall'], row['summed'], row['hosts'], row['skipped'], row['task']), file=sys.stderr)
        return took, done.stdout, recap

    def role(dest, play):
        variables = dict(interpreter, jitsi_topology_dest=dest + '/{{ inventory_hostname }}',
                         jitsi_topology_apply=False, jitsi_topology_ownership=False)
        return [os.path.join(BIN, 'ansible-playbook')] + common + ['-e', json.dumps(variables), play]

    times = dict(ping=[], first=[], rerun=[], role=[], copy=[])
    load_start, started = os.getloadavg()[0], time.monotonic()
    print('benches/ansible: %d hosts, %d files, forks %d, %d round(s)%s' % (
        opts.hosts, files, opts.forks, opts.rounds, ', pipelining' if opts.pipelining else ''), file=sys.stderr)
    for r in range(opts.rounds):
        role_dest, copy_dest = os.path.join(work, 'role-roots'), os.path.join(work, 'copy-roots')
        took, out, recap = run('ping', [os.path.join(BIN, 'ansible'), 'all'] + common + [
            '-e', json.dumps(interpreter), '-m', 'ansible.builtin.ping'])
        assert out.count('"ping": "pong"') == opts.hosts, out[-3000:]
        times['ping'].append(took)
        took, out, recap = run('first', role(role_dest, hc_play), dest=role_dest)
        assert len(recap) == opts.hosts and all(c == 2 and f == 0 for dummy, c, f in recap), recap[:5]
        times['first'].append(took)
        took, out, recap = run('rerun', role(role_dest, hc_play))
        assert len(recap) == opts.hosts and all(c == 0 and f == 0 for dummy, c, f in recap), recap[:5]
        times['rerun'].append(took)
        took, out, recap = run('role', role(role_dest, role_play))
        assert len(recap) == opts.hosts and all(c == 0 and f == 0 for dummy, c, f in recap), recap[:5]
        times['role'].append(took)
        took, out, recap = run('copy', [os.path.join(BIN, 'ansible-playbook')] + common + [
            '-e', json.dumps(dict(interpreter, bench_dest=copy_dest)), copy_play], dest=copy_dest)
        assert len(recap) == opts.hosts and all(c == 1 and f == 0 for dummy, c, f in recap), recap[:5]
        times['copy'].append(took)
        if r == 0:
            assert tree(role_dest) == tree(copy_dest), 'the copy play wrote other files'

    median = dict((k, statistics.median(v)) for k, v in times.items())
    rows = [
        ('ping', '`ansible all -m ping` (the floor)', 'ping'),
        ('first', "host_config, the role's two tasks, apply path off (files, debconf answers, packages checked): first run",
         'first'),
        ('rerun', 'the same, re-run: no change', 'rerun'),
        ('role', 'the whole role, apply path off, re-run (its apply-path tasks skipped)', 'role'),
        ('copy', 'one `ansible.builtin.copy` per file: first run', 'copy'),
    ]
    print('| phase | what | time | per host |')
    print('|-------|------|-----:|---------:|')
    for key, what, dummy in rows:
        print('| %s | %s | %.1f s | %.0f ms |' % (key, what, median[key], 1000 * median[key] / opts.hosts))
    a = median['rerun'] / median['ping']
    b = median['copy'] / median['first']
    print()
    print('(a) re-run / ping floor: %.2fx (target: at most 1x) %s' % (a, 'met' if a <= 1 else 'NOT MET'))
    print('(b) copy play / first run: %.2fx faster (target: at least 3x) %s' % (b, 'met' if b >= 3 else 'NOT MET'))
    print('%d hosts (1 signalling host, %d bridges), %d files, forks %d, -c local, %s, median of %d round(s); '
          'load average %.1f at the start, %.1f at the end; %.0f minutes' % (
              opts.hosts, opts.hosts - 1, files, opts.forks,
              'pipelining on' if opts.pipelining else 'pipelining off (the default)', opts.rounds,
              load_start, os.getloadavg()[0], (time.monotonic() - started) / 60))
    if opts.json:
        with open(opts.json, 'w') as f:
            json.dump(dict(times=times, tasks=tasks, hosts=opts.hosts, files=files, forks=opts.forks), f, indent=1)


if __name__ == '__main__':
    main()
