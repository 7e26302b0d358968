# -*- coding: utf-8 -*-
# Copyright: (c) 2026, jitsi-topology contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)

from __future__ import annotations

DOCUMENTATION = r"""
name: model
short_description: The hosts and groups of a jitsi-topology model
description:
  - Reads a jitsi-topology model (the YAML or JSON file that C(jitsi_topology.deploy.host_config)
    renders) and yields every host of it, so that the hosts are written once, in the model.
  - The model is validated and rendered with the C(jitsi_topology) Python package on the controller
    (the same render as C(host_config)); an invalid model fails this inventory source with the
    report of C(jitsi-topology validate) (each problem's code and JSON Pointer), and never shows a
    secret. Set C(ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED=true) (or C(any_unparsed_is_failed) in
    C([inventory]) of C(ansible.cfg)) so that such a failure stops ansible-playbook instead of
    being a warning that leaves the inventory empty.
  - Each host gets C(ansible_host) set to its C(address) in the model, unless a source read
    before this one already gave the host an C(ansible_host); a source read after this one, and
    C(host_vars/) files, override it anyway (Ansible's variable precedence). Connection details
    (C(ansible_user), C(ansible_port), C(ansible_python_interpreter)) belong in your own
    sources or C(group_vars/jitsi.yml).
  - "Groups: C(jitsi) (every host of the model), C(signaling), C(bridges), C(jibris), C(jigasis), C(front_door),
    C(turn) (by the host's roles in the manifest; a host with two roles is in both groups),
    C(shard_<name>) (a shard's signalling host and every bridge, jibri and jigasi that serves the shard) and
    C(region_<name>) (the signalling hosts and bridges with that C(region)). Shard and region
    names keep letters, digits and C(_); any other character becomes C(_) (shard C(shard-a) is
    group C(shard_shard_a)), so every group name is a valid Ansible group name."
  - "Host variables: C(ansible_host), C(jitsi_topology_roles) (the manifest's roles),
    C(jitsi_topology_shards) and C(jitsi_topology_region) (as spelled in the model; empty list
    or null when none), and C(jitsi_topology_file) (the model's absolute path, which the role
    C(jitsi_topology.deploy.host) and the playbook C(jitsi_topology.deploy.site) use)."
  - The configuration file's name must end in C(jitsi_topology.yml) or C(jitsi_topology.yaml).
author:
  - jitsi-topology contributors (@jitsi-topology)
requirements:
  - The C(jitsi_topology) Python package (the jitsi-topology wheel) in the Python that runs Ansible.
options:
  plugin:
    description: The name of this plugin; it makes the file a configuration of this plugin.
    required: true
    type: str
    choices: [jitsi_topology.deploy.model]
  topology_file:
    description:
      - The model, a YAML or JSON file (it may be encrypted with Ansible Vault).
      - A relative path is relative to the folder of this configuration file (not to the
        current folder), so an inventory folder can be moved with its model.
      - "C({env: NAME}) secrets of the model are read from the controller's environment, as
        C(host_config) reads them: an C({env}) secret whose variable is not set fails the
        source, with the variable's name."
    required: true
    type: str
"""

EXAMPLES = r"""
# inventory/jitsi_topology.yml, used as: ansible-playbook -i inventory/ jitsi_topology.deploy.site
plugin: jitsi_topology.deploy.model
topology_file: ../handbook.yaml

# inventory/connection.ini, beside it in the same folder (read in the order of the names):
# [jitsi]
# [jitsi:vars]
# ansible_user=root
# ansible_python_interpreter=/usr/bin/python3
# [bridges]
# jvb1.meet.example.com ansible_host=jvb1-via-bastion.example.net

# ansible-inventory -i inventory/ --graph
# @all:
#   |--@ungrouped:
#   |--@jitsi:
#   |  |--meet.example.com
#   |  |--jvb1.meet.example.com
#   ...
#   |--@signaling:
#   |  |--meet.example.com
#   |--@bridges:
#   |  |--jvb1.meet.example.com
#   ...
"""

import os
import re
import warnings

from ansible.errors import AnsibleParserError
from ansible.module_utils.common.text.converters import to_bytes, to_native, to_text
from ansible.plugins.inventory import BaseInventoryPlugin

try:
    import yaml
except ImportError:  # ansible-core requires PyYAML; reported when the source is parsed
    yaml = None

try:
    import jitsi_topology
except ImportError as e:  # reported when the source is parsed, not when the plugin loads
    jitsi_topology = None
    JITSI_TOPOLOGY_IMPORT_ERROR = e
else:
    JITSI_TOPOLOGY_IMPORT_ERROR = None

# The manifest's role names and the groups they make.
ROLE_GROUPS = (('signaling', 'signaling'), ('bridge', 'bridges'), ('front-door', 'front_door'), ('turn', 'turn'),
               ('jibri', 'jibris'), ('jigasi', 'jigasis'))


def group_suffix(name):
    """A shard's or region's name as the end of a group name: letters, digits and _ kept."""
    return re.sub(r'[^A-Za-z0-9_]', '_', name)


class InventoryModule(BaseInventoryPlugin):
    """The hosts and groups of a jitsi-topology model."""

    NAME = 'jitsi_topology.deploy.model'

    def verify_file(self, path):
        if not super(InventoryModule, self).verify_file(path):
            return False
        return path.endswith(('jitsi_topology.yml', 'jitsi_topology.yaml'))

    def parse(self, inventory, loader, path, cache=True):
        super(InventoryModule, self).parse(inventory, loader, path, cache)
        self._read_config_data(path)
        if jitsi_topology is None:
            raise AnsibleParserError(
                'the inventory plugin jitsi_topology.deploy.model needs the Python package jitsi_topology '
                'on the controller (pip install jitsi-topology, in the Python that runs ansible): %s'
                % to_native(JITSI_TOPOLOGY_IMPORT_ERROR))
        model_path = os.path.expanduser(self.get_option('topology_file'))
        if not os.path.isabs(model_path):
            model_path = os.path.join(os.path.dirname(os.path.abspath(path)), model_path)
        model_path = os.path.normpath(model_path)
        text = self._model_text(model_path)

        with warnings.catch_warnings():
            # The model's warnings are host_config's to show, once per run.
            warnings.simplefilter('ignore', jitsi_topology.TopologyWarning)
            try:
                manifest = jitsi_topology.render(text)
            except jitsi_topology.TopologyError as e:
                # The CLI's report: codes and JSON Pointers, never a secret.
                raise AnsibleParserError('%s: invalid jitsi-topology model:\n%s' % (model_path, to_native(e)))
        try:
            model = yaml.safe_load(text)
        except Exception:  # pylint: disable=broad-except
            # The render above read it; no parser message here (it could quote a secret).
            model = None
        if not isinstance(model, dict):
            raise AnsibleParserError('%s: the model could not be read back as a mapping' % model_path)
        self._populate(manifest, model, model_path)

    def _model_text(self, model_path):
        try:
            real = self.loader.get_real_file(model_path, decrypt=True)  # a vaulted model works too
        except Exception as e:  # pylint: disable=broad-except
            raise AnsibleParserError('%s: cannot read the model: %s' % (model_path, to_native(e)))
        try:
            with open(to_bytes(real, errors='surrogate_or_strict'), 'rb') as f:
                return f.read()
        except (IOError, OSError) as e:
            raise AnsibleParserError('%s: cannot read the model: %s' % (model_path, to_native(e.strerror)))
        finally:
            self.loader.cleanup_tmp_file(real)

    def _populate(self, manifest, model, model_path):
        addresses, shards, regions = _placement(model)
        self.inventory.add_group('jitsi')
        for role, group in ROLE_GROUPS:
            self.inventory.add_group(group)
        for host in manifest['hosts']:
            name = host['name']
            already = self.inventory.get_host(name)
            has_address = already is not None and 'ansible_host' in already.vars
            self.inventory.add_host(name, group='jitsi')
            for role, group in ROLE_GROUPS:
                if role in host['roles']:
                    self.inventory.add_child(group, name)
            for shard in shards.get(name, []):
                self.inventory.add_child(self.inventory.add_group('shard_' + group_suffix(shard)), name)
            if regions.get(name):
                self.inventory.add_child(self.inventory.add_group('region_' + group_suffix(regions[name])), name)
            if name in addresses and not has_address:
                self.inventory.set_variable(name, 'ansible_host', addresses[name])
            self.inventory.set_variable(name, 'jitsi_topology_roles', list(host['roles']))
            self.inventory.set_variable(name, 'jitsi_topology_shards', list(shards.get(name, [])))
            self.inventory.set_variable(name, 'jitsi_topology_region', regions.get(name))
            self.inventory.set_variable(name, 'jitsi_topology_file', model_path)


def _placement(model):
    """From a valid model: each host's address, the shards it serves and its region.

    The manifest names the hosts and their roles but not where they are; these are the
    model's own fields (host, address, region, shards), read as the model states them:
    a bridge without ``shards`` serves every shard."""
    addresses, shards, regions = {}, {}, {}

    def entry(value):
        return value if isinstance(value, dict) and isinstance(value.get('host'), str) else None

    def place(value, shard_names=(), region=True):
        value = entry(value)
        if value is None:
            return
        name = value['host']
        if value.get('address') is not None:
            addresses.setdefault(name, to_text(value['address']))
        for shard in shard_names:
            if shard not in shards.setdefault(name, []):
                shards[name].append(shard)
        if region and isinstance(value.get('region'), str):
            regions.setdefault(name, value['region'])

    all_shards = []
    for shard in model.get('shards') or []:
        if isinstance(shard, dict) and isinstance(shard.get('name'), str):
            all_shards.append(shard['name'])
            place(shard.get('signaling'), [shard['name']])
    place(model.get('signaling'))
    # Bridges, jibris and jigasis (hosts that log in to prosody like a bridge) serve their shards.
    for bridge in list(model.get('bridges') or []) + list(model.get('jibris') or []) + list(model.get('jigasis') or []):
        served = bridge.get('shards') if isinstance(bridge, dict) and bridge.get('shards') is not None else all_shards
        place(bridge, [s for s in served if isinstance(s, str)])
    place(model.get('front_door'), region=False)
    place(model.get('turn'), region=False)
    return addresses, shards, regions
