# -*- coding: utf-8 -*-
# Copyright: (c) 2026, jitsi-topology contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)

"""The options of jitsi_topology.deploy.host_config, shared by the action plugin (which
validates the task's arguments with them on the controller) and the module file (whose
DOCUMENTATION describes them; ansible-test's validate-modules checks that the two agree)."""

from __future__ import annotations

ARGUMENT_SPEC = dict(
    topology=dict(type='raw'),
    topology_file=dict(type='path'),
    host=dict(type='str'),
    dest=dict(type='path', default='/'),
    backup=dict(type='bool', default=False),
    kinds=dict(type='list', elements='str'),
    ownership=dict(type='bool', default=True),
    check_packages=dict(type='bool', default=False),
)

MUTUALLY_EXCLUSIVE = [('topology', 'topology_file')]

REQUIRED_ONE_OF = [('topology', 'topology_file')]
