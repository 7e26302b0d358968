# -*- coding: utf-8 -*-
# Copyright: (c) 2026, jitsi-topology contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)

"""The collection as a user gets it: built with ``ansible-galaxy collection build``, installed
from the tarball, its README's quick start run as written (in a fresh home folder, without the
test's collections path), and its execution-environment requirements checked with
ansible-builder (``introspect`` on the installed collection, pip resolving the introspected
requirements from the wheel's folder alone, ``create`` of the example definition).

Run by ansible/tests/run, which installs ansible-core, ansible-builder and the wheel into the
venv running this file and sets JT_WHEEL to the wheel's path."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys

import pytest
import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
COLLECTION = os.path.dirname(HERE)
BIN = os.path.dirname(sys.executable)


def sh(command, cwd, env=None, check=True):
    done = subprocess.run(command, cwd=cwd, env=env, shell=isinstance(command, str), executable='/bin/bash' if isinstance(command, str) else None,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, check=False)
    if check:
        assert done.returncode == 0, '%s failed:\n%s' % (command, done.stdout[-5000:])
    return done


@pytest.fixture(scope='module')
def built(tmp_path_factory):
    """The tarball and the wheel in a folder of their own, as the quick start expects them."""
    folder = tmp_path_factory.mktemp('install')
    with open(os.path.join(COLLECTION, 'galaxy.yml')) as f:
        version = yaml.safe_load(f)['version']
    sh([os.path.join(BIN, 'ansible-galaxy'), 'collection', 'build', COLLECTION, '--output-path', str(folder)], str(folder))
    tarball = 'jitsi_topology-deploy-%s.tar.gz' % version
    assert os.path.exists(str(folder / tarball))
    wheel = os.environ['JT_WHEEL']
    shutil.copy(wheel, str(folder))
    return dict(folder=folder, tarball=tarball, wheel=os.path.basename(wheel), version=version)


def quick_start():
    with open(os.path.join(COLLECTION, 'README.md')) as f:
        text = f.read()
    section = text[text.index('## Quick start'):]
    return re.search(r'```sh\n(.*?)```', section, re.S).group(1)


def test_the_readme_quick_start_works_from_the_built_tarball(built):
    block = quick_start()
    assert built['tarball'] in block, 'the quick start names another version than galaxy.yml'
    home = built['folder'] / 'home'
    home.mkdir(exist_ok=True)
    env = dict((k, v) for k, v in os.environ.items() if not k.startswith('ANSIBLE_'))
    env.update(HOME=str(home), PATH=BIN + ':' + os.environ['PATH'], ANSIBLE_NOCOLOR='1')
    done = sh('set -euo pipefail\n' + block, str(built['folder']), env=env)
    print('\nquick start from %s: %d lines of output' % (built['tarball'], len(done.stdout.splitlines())))
    installed = home / '.ansible/collections/ansible_collections/jitsi_topology/deploy'
    assert (installed / 'MANIFEST.json').exists(), done.stdout
    for name in ('plugins/action/host_config.py', 'plugins/module_utils/host_files.py', 'plugins/modules/prosody_step.py',
                 'roles/host/tasks/main.yml', 'playbooks/site.yml', 'meta/execution-environment.yml', 'requirements.txt',
                 'bindep.txt'):
        assert (installed / name).exists(), name
    assert '@signaling:' in done.stdout and '|  |--jvb1.meet.example.com' in done.stdout, done.stdout
    for host, path in (('meet.example.com', 'etc/jitsi/jicofo/jicofo.conf'), ('jvb2.meet.example.com', 'etc/jitsi/videobridge/jvb.conf')):
        assert (built['folder'] / 'staging' / host / path).exists(), done.stdout[-3000:]
    assert re.search(r'meet\.example\.com\s+: ok=\d+\s+changed=[1-9]', done.stdout), done.stdout[-3000:]


def test_ansible_builder_finds_the_requirements_and_pip_finds_the_wheel(built):
    collections = built['folder'] / 'ee-collections'
    env = dict((k, v) for k, v in os.environ.items() if not k.startswith('ANSIBLE_'))
    env.update(HOME=str(built['folder'] / 'home'), ANSIBLE_NOCOLOR='1')
    sh([os.path.join(BIN, 'ansible-galaxy'), 'collection', 'install', '--force', '-p', str(collections), built['tarball']],
       str(built['folder']), env=env)
    assert (collections / 'ansible_collections/jitsi_topology/deploy/meta/execution-environment.yml').exists()
    done = sh([os.path.join(BIN, 'ansible-builder'), 'introspect', str(collections),
               '--write-pip', str(built['folder'] / 'ee-requirements.txt'),
               '--write-bindep', str(built['folder'] / 'ee-bindep.txt')], str(built['folder']))
    print('\nansible-builder introspect:\n' + done.stdout)
    data = yaml.safe_load(done.stdout.split('\n', 1)[1])
    assert data['python'] == ['jitsi-topology>=0.1.0,<0.2.0  # from collection jitsi_topology.deploy'], data
    assert 'openssh-client [platform:dpkg]  # from collection jitsi_topology.deploy' in data['system'], data
    # What the builder stage's pip does with PIP_FIND_LINKS: the requirement resolves to the wheel,
    # with no index at all.
    wheels = built['folder'] / 'wheels'
    wheels.mkdir()
    shutil.copy(str(built['folder'] / built['wheel']), str(wheels))
    done = sh([os.path.join(BIN, 'pip'), 'install', '--dry-run', '--ignore-installed', '--no-deps', '--no-index',
               '--disable-pip-version-check', '--find-links', str(wheels), '-r', str(built['folder'] / 'ee-requirements.txt')],
              str(built['folder']))
    assert 'Would install jitsi-topology-' in done.stdout, done.stdout

    # The example definition: ansible-builder accepts it and puts the tarball and the wheel in the context.
    source = built['folder'] / 'ee'
    source.mkdir()
    shutil.copy(os.path.join(COLLECTION, 'examples', 'execution-environment', 'execution-environment.yml'), str(source))
    shutil.copy(str(built['folder'] / built['tarball']), str(source))
    shutil.copytree(str(wheels), str(source / 'wheels'))
    with open(str(source / 'execution-environment.yml')) as f:
        definition = yaml.safe_load(f)
    assert definition['dependencies']['galaxy']['collections'][0]['name'] == 'collections/' + built['tarball']
    context = built['folder'] / 'ee-context'
    sh([os.path.join(BIN, 'ansible-builder'), 'create', '-f', 'execution-environment.yml', '--context', str(context)], str(source))
    assert (context / '_build' / 'collections' / built['tarball']).exists()
    assert (context / '_build' / 'wheels' / built['wheel']).exists()
    with open(str(context / 'Dockerfile')) as f:
        containerfile = f.read()
    builder = containerfile[containerfile.index('AS builder'):containerfile.index('AS final')]
    assert 'ENV PIP_FIND_LINKS=/build/wheels' in builder and builder.index('PIP_FIND_LINKS') < builder.index('/output/scripts/assemble')
