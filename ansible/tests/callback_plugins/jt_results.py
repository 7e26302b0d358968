# -*- coding: utf-8 -*-
# Copyright: (c) 2026, jitsi-topology contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)

"""Test helper: saves the result of every host_config task of a run as JSON, so that the
tests read what the module returned without changing the example playbook or its recap; and,
with JT_TIMELINE_FILE, when each task started and ended on each host (the rolling test's drain
timeline)."""

from __future__ import annotations

DOCUMENTATION = r"""
name: jt_results
type: aggregate
short_description: Saves host_config results for the collection's tests
description:
  - Writes every C(jitsi_topology.deploy.host_config) result of the run to the file named by the environment
    variable C(JT_RESULTS_FILE), as a JSON list of C(host), C(task) and C(result).
  - With the environment variable C(JT_TIMELINE_FILE), writes there every task's C(host), C(task),
    C(start) and C(end) (seconds since the epoch), C(status) and C(changed).
requirements:
  - enabled in ANSIBLE_CALLBACKS_ENABLED
"""

import json
import os
import time

from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    """Collects host_config results and writes them when the run ends."""

    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'aggregate'
    CALLBACK_NAME = 'jt_results'
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args, **kwargs):
        super(CallbackModule, self).__init__(*args, **kwargs)
        self.collected = []
        self.started = {}
        self.timeline = []

    def _save(self, result):
        task = result._task  # pylint: disable=protected-access
        if not task.action.endswith('host_config'):
            return
        self.collected.append(dict(
            host=result._host.get_name(),  # pylint: disable=protected-access
            task=task.get_name(),
            result=result._result,  # pylint: disable=protected-access
        ))

    def v2_runner_on_start(self, host, task):
        self.started[(host.get_name(), task._uuid)] = time.time()  # pylint: disable=protected-access

    def _end(self, result, status):
        host = result._host.get_name()  # pylint: disable=protected-access
        task = result._task  # pylint: disable=protected-access
        self.timeline.append(dict(
            host=host, task=task.get_name(), status=status,
            changed=bool(result._result.get('changed')),  # pylint: disable=protected-access
            start=self.started.pop((host, task._uuid), None),  # pylint: disable=protected-access
            end=time.time(),
        ))

    def v2_runner_on_ok(self, result):
        self._end(result, 'ok')
        self._save(result)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._end(result, 'failed')
        self._save(result)

    def v2_runner_on_skipped(self, result):
        self._end(result, 'skipped')

    def v2_runner_on_unreachable(self, result):
        self._end(result, 'unreachable')

    def v2_playbook_on_stats(self, stats):
        timeline = os.environ.get('JT_TIMELINE_FILE')
        if timeline:
            with open(timeline, 'w') as f:
                json.dump(self.timeline, f, indent=1)
        path = os.environ.get('JT_RESULTS_FILE')
        if path:
            with open(path, 'w') as f:
                json.dump(self.collected, f, default=str, indent=1)
