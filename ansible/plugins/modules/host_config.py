#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, jitsi-topology contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)

# The work is done by the action plugin of the same name (plugins/action/host_config.py), on
# the controller; this file carries the documentation and the argument spec.

from __future__ import annotations

DOCUMENTATION = r"""
---
module: host_config
short_description: Write one host's files of a scalable Jitsi Meet topology
version_added: 0.1.0
description:
  - Renders a L(jitsi-topology,https://github.com/jitsi-topology/jitsi-topology) model (one signalling host running nginx,
    jitsi-meet web, prosody and jicofo, and N hosts running jitsi-videobridge2) on the controller, and writes the
    files of this host (the one named O(host)) under O(dest) with the modes, owners and groups of the manifest.
  - Everything that several hosts must agree on (the brewery JID, the bridges' password, C(auth.DOMAIN), prosody's
    address, the nicknames, the firewall sources) is derived once from the model, so the hosts cannot disagree.
  - The model is validated first; an invalid model fails the task of every host with all the diagnostics (each with a
    JSON Pointer O(topology) path) before any host is touched.
  - The model is rendered once per run and model content on the controller, so every host gets its part of the same
    render. Only the controller needs the Python package C(jitsi_topology) (the C(jitsi-topology) wheel); the managed
    hosts need only Python.
  - All of the host's files go to the host in one transfer (one command run by the host's Python, the files as one
    payload on its standard input), which compares each file's checksum, mode and ownership with the host's and,
    unless in check mode, writes only the files that differ, so a second run reports no change. It replaces them
    together or not at all - every new content is first staged beside its target, owner-only, then given its owner,
    group and mode; only when every file is staged is each renamed into place (atomic for readers); a file whose
    content already matches only has its mode or owner set. One round trip per host whatever the number of files,
    where M(ansible.builtin.copy) takes several per file.
  - Files that the model no longer renders are left in place.
  - The result gives what the rest of the play needs, from the manifest - the services to act on for the files that
    changed, the packages, the prosody accounts, the firewall, and the host's ordered deployment steps - so that a
    play follows the manifest's order (preseed, install, files, accounts, roster subscription, trust, then the
    services in dependency order) instead of inventing its own.
options:
  topology:
    description:
      - The model, as a dict or as YAML or JSON text.
      - Exactly one of O(topology) and O(topology_file) is required.
    type: raw
  topology_file:
    description:
      - The path of the model file (YAML or JSON) on the controller.
      - A relative path is searched like the C(src) of M(ansible.builtin.copy) (the role's or the playbook's C(files)
        folder, then the playbook's folder). The file may be encrypted with Ansible Vault.
      - Exactly one of O(topology) and O(topology_file) is required.
    type: path
  host:
    description:
      - The host's name in the model (C(signaling.host) or a C(bridges[].host)).
      - Defaults to C(inventory_hostname).
    type: str
  dest:
    description:
      - The root under which the host's files are written; a file with target path C(/etc/jitsi/jicofo/jicofo.conf) is
        written to O(dest)C(/etc/jitsi/jicofo/jicofo.conf).
      - Missing folders are created.
      - Set it to stage a host's tree somewhere else than C(/).
    type: path
    default: /
  backup:
    description:
      - Keep a copy of each file that is replaced, beside it, with a timestamp in its name (named as M(ansible.builtin.copy)
        names its backups); RV(files[].backup_file) gives its path.
    type: bool
    default: false
  kinds:
    description:
      - Write only the files of these kinds (for example V(debconf), to preseed before the packages are installed).
      - Kinds are V(debconf), V(nginx), V(prosody), V(jicofo), V(jicofo-password), V(jvb), V(jvb-properties), V(web-config), V(firewall),
        V(systemd), V(secret), V(script), V(environment), V(apt-source), V(apt-preferences) (Jitsi's apt source and the release's pins,
        written before the packages are installed), V(lua-module) (with token authentication, the Lua modules it needs made loadable on Lua 5.4);
        later versions may add more.
      - By default every file of the host is written.
    type: list
    elements: str
  ownership:
    description:
      - Set each file's owner and group from the manifest (for example C(jicofo:jitsi) for C(jicofo.conf)).
      - Set V(false) to leave ownership to the connecting user, for example when staging a tree under O(dest) as a user
        who cannot change owners, or on a machine where the packages that create the C(jitsi) group are not installed.
    type: bool
    default: true
  check_packages:
    description:
      - After the files, run the host's C(check-packages) steps (each Jitsi package at its release's version, asked of
        C(dpkg-query)) on the host in the same transfer, and fail the task with the first mismatch's message.
      - Not in check mode. Set it on the task that writes the files after the packages are installed, so that a run
        checks the packages without one more round trip per host.
    type: bool
    default: false
attributes:
  action:
    support: full
  async:
    support: none
  bypass_host_loop:
    support: none
  check_mode:
    support: full
    details: Reports the files that would change (and their diff), writes nothing.
  diff_mode:
    support: full
    details:
      - Shows the diff of each changed file, except for a file flagged C(secret) in the manifest (it holds a
        C({value}) or C({env}) secret) or a file that is not world-readable (it may have held such a secret under an
        earlier model); for those only the fact that they change is shown.
  platform:
    platforms: posix
  safe_file_operations:
    support: full
  vault:
    support: full
    details: O(topology_file) may be encrypted with Ansible Vault.
notes:
  - The model's C(env) secrets are read from the controller's environment when the model is rendered. Its C(file)
    secrets are paths on the hosts and never read; no rendered file holds them.
  - No secret value is ever part of a diagnostic, a diff or the result, except in the content of files flagged
    C(secret), which is written to the host and never shown.
  - The rendered model is cached for the run in Ansible's local temporary folder (owner-only, removed when the run
    ends).
requirements:
  - jitsi-topology (the Python package C(jitsi_topology)) on the controller
seealso:
  - module: jitsi_topology.deploy.prosody_step
  - module: ansible.builtin.copy
  - module: ansible.builtin.template
extends_documentation_fragment:
  - action_common_attributes
  - action_common_attributes.flow
  - action_common_attributes.files
author:
  - jitsi-topology contributors (@jitsi-topology)
"""

EXAMPLES = r"""
- name: Write the debconf answers first (the preseed step needs them before the packages are installed)
  jitsi_topology.deploy.host_config:
    topology_file: handbook.yaml
    kinds: [debconf]
  register: jitsi_preseed

- name: Write every file of this host and queue the services it changes
  jitsi_topology.deploy.host_config:
    topology_file: handbook.yaml
  register: jitsi_files
  notify: jitsi-topology files changed

- name: Render a model given inline, into a staging tree, without changing owners
  jitsi_topology.deploy.host_config:
    topology:
      domain: meet.example.com
      tls: {mode: own, certificate: /etc/ssl/meet.example.com.crt, key: /etc/ssl/meet.example.com.key}
      secrets:
        focus: {file: /etc/jitsi-topology/secrets/focus}
        jvb: {file: /etc/jitsi-topology/secrets/jvb}
      signaling: {host: meet.example.com, address: 10.0.0.10}
      bridges:
        - {host: jvb1.meet.example.com, address: 10.0.0.11, public_address: 198.51.100.11}
    host: "{{ inventory_hostname }}"
    dest: "/srv/staging/{{ inventory_hostname }}"
    ownership: false

- name: Register the prosody accounts in the manifest's order (changed only when the stored credential differs)
  jitsi_topology.deploy.prosody_step:
    step: "{{ item }}"
  loop: "{{ jitsi_files.steps | selectattr('action', '==', 'register-account') | list }}"
  loop_control:
    label: "{{ item.jid }}"
"""

RETURN = r"""
host:
  description: The host's name in the model.
  returned: success
  type: str
  sample: jvb1.meet.example.com
roles:
  description: What the host does.
  returned: success
  type: list
  elements: str
  sample: [bridge]
dest:
  description: The root the files were written under.
  returned: success
  type: str
  sample: /
changed_files:
  description: The target paths of the files that changed (or would change in check mode), in the manifest's order.
  returned: success
  type: list
  elements: str
  sample: [/etc/jitsi/videobridge/jvb.conf]
files:
  description: Every file written (or checked), without its content.
  returned: success
  type: list
  elements: dict
  contains:
    path:
      description: The target path on the host.
      type: str
      sample: /etc/jitsi/videobridge/jvb.conf
    dest:
      description: Where it was written (O(dest) joined with RV(files[].path)).
      type: str
      sample: /etc/jitsi/videobridge/jvb.conf
    kind:
      description: Which program reads it (V(jvb), V(prosody), V(nginx), ...).
      type: str
      sample: jvb
    mode:
      description: Its permission bits, four octal digits.
      type: str
      sample: '0640'
    owner:
      description: Its owner in the manifest.
      type: str
      sample: root
    group:
      description: Its group in the manifest.
      type: str
      sample: jitsi
    secret:
      description: Whether its content holds a secret.
      type: bool
      sample: false
    changed:
      description: Whether it changed (or would change in check mode).
      type: bool
      sample: true
    diff_withheld:
      description: Whether its diff is never shown (a file flagged secret, or one that is not world-readable).
      type: bool
      sample: true
    backup_file:
      description: The copy of the replaced file, with O(backup).
      type: str
      returned: when O(backup) is set and the file was replaced
      sample: /etc/jitsi/videobridge/jvb.conf.4242.2026-12-04@05:10:00~
services:
  description:
    - The services to act on because of the files that changed, once each with the strongest action they ask for
      (V(drain) over V(restart) over V(reload)), in the dependency order of the host's service steps (the firewall,
      prosody, jicofo, nginx; the videobridge on a bridge).
    - The core decides them (the Python package's C(jitsi_topology.service_actions)), the same way as C(jitsi-topology
      plan); this plugin keeps no order of its own.
    - Empty when nothing changed. Handlers select their service from this list.
  returned: success
  type: list
  elements: dict
  contains:
    name:
      description: The systemd unit without C(.service).
      type: str
      sample: jitsi-videobridge2
    action:
      description:
        - V(reload), V(restart) or V(drain) (a videobridge is put in drain mode and restarted once its conferences
          ended, by the manifest's drain helper; its exit status 75 means conferences outlasted its time limit and
          nothing was restarted).
      type: str
      sample: drain
    command:
      description: The command that applies the action (from the manifest's service step), as an argv list.
      type: list
      elements: str
      sample: [systemctl, reload-or-restart, prosody.service]
  sample:
    - name: prosody
      action: reload
      command: [systemctl, reload-or-restart, prosody.service]
packages:
  description: The Debian packages the host needs.
  returned: success
  type: list
  elements: str
  sample: [jitsi-videobridge2, nftables]
accounts:
  description: The prosody accounts to register (on the signalling host; empty elsewhere).
  returned: success
  type: list
  elements: dict
  sample:
    - user: jvb
      domain: auth.meet.example.com
      jid: jvb@auth.meet.example.com
      secret: jvb
      password_file: /etc/jitsi-topology/secrets/jvb
firewall:
  description:
    - The host's nftables table as data (C(table), C(policy), C(rules) with C(protocol), C(ports), C(sources),
      C(action), C(description)); the table itself is one of the files. Null when the model turns the firewall off.
  returned: success
  type: dict
  sample:
    table: inet jitsi_topology
    policy: accept
    rules:
      - {protocol: udp, ports: [10000], sources: null, action: accept, description: media from clients and other bridges}
steps:
  description:
    - The host's deployment, in order, each tagged by C(action) - V(preseed), V(install-packages),
      V(check-packages) (each Jitsi package at its release's version, else the command exits 1 naming it), V(write-files),
      V(daemon-reload), V(register-account), V(roster-subscribe), V(trust-export), V(trust-import), V(service).
    - Runnable steps carry their C(command) as an argv list; no command holds a secret.
  returned: success
  type: list
  elements: dict
  sample:
    - action: preseed
      description: load the debconf answers before the packages ask
      file: /etc/jitsi-topology/debconf.selections
      command: [debconf-set-selections, /etc/jitsi-topology/debconf.selections]
    - action: install-packages
      description: install the packages
      packages: [jitsi-videobridge2, nftables]
topology_sha256:
  description: The SHA-256 of the model's text as rendered (the content a render is cached by).
  returned: always
  type: str
  sample: 3b40a855dc5260b889621b15d7effce890821834c32dc91703dcd57a6ce1246c
render_cached:
  description: Whether this task reused the run's render of the same model (false for the one task that rendered it).
  returned: always
  type: bool
  sample: true
diagnostics:
  description:
    - When the model is invalid, every problem found (errors and the warnings the model does not acknowledge); when it
      is valid, its warnings and its notes (severity V(info) - nothing is wrong, but an operator should know, e.g.
      V(public-stun)), as C(jitsi-topology validate --format json) prints them.
    - Each with C(severity) (V(error), V(warning) or V(info)), C(code), C(path) (a JSON Pointer into the model),
      C(message) and C(hint), and C(line) and C(column) (1-based) where the model's text holds the path, and
      C(related) (other places the problem involves, each with C(path), C(label), C(line), C(column)) when there are any.
    - For an invalid model the task's C(msg) is the same as the C(jitsi-topology validate) report. Warnings are also
      shown as Ansible warnings, and notes once a run.
  returned: when the model was read
  type: list
  elements: dict
  sample:
    - severity: error
      code: duplicate-address
      path: /bridges/1/address
      message: address 10.0.0.11 is already used by bridges/0
      hint: give every bridge its own address
      line: 24
      column: 40
      related:
        - {path: /bridges/0/address, label: first used here, line: 23, column: 40}
acknowledged:
  description:
    - The warnings the model acknowledges (its C(acknowledge) list), which are no longer warnings; each is the
      diagnostic as it would have been reported, with C(acknowledged_by) (the JSON Pointer of the acknowledgement) and
      C(reason).
  returned: success
  type: list
  elements: dict
  sample:
    - severity: warning
      code: firewall-disabled
      path: /firewall/enabled
      message: "no host gets a firewall: prosody's client port (5222), ..."
      hint: list the ports ...
      line: 30
      column: 22
      acknowledged_by: /acknowledge/0
      reason: the provider's security group admits only 443/tcp and 10000/udp
kind:
  description: What failed, V(invalid-model) for a model with errors.
  returned: failure
  type: str
  sample: invalid-model
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.jitsi_topology.deploy.plugins.module_utils.host_config import (
    ARGUMENT_SPEC,
    MUTUALLY_EXCLUSIVE,
    REQUIRED_ONE_OF,
)


def main():
    module = AnsibleModule(
        argument_spec=ARGUMENT_SPEC,
        mutually_exclusive=MUTUALLY_EXCLUSIVE,
        required_one_of=REQUIRED_ONE_OF,
        supports_check_mode=True,
    )
    module.fail_json(msg=(
        'jitsi_topology.deploy.host_config runs as an action plugin on the controller; '
        'this module file only documents it (was the action plugin bypassed?)'))


if __name__ == '__main__':
    main()
