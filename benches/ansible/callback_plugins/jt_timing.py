# -*- coding: utf-8 -*-
# Copyright: (c) 2026, jitsi-topology contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)

"""Benchmark helper: per task, the wall time from its first host's start to its last host's
end, and the time summed over hosts (each host's task from start to result), written as JSON to
the file named by JT_TIMING_FILE when the run ends. benches/ansible/bench.py prints them."""

from __future__ import annotations

DOCUMENTATION = r"""
name: jt_timing
type: aggregate
short_description: Per-task times for benches/ansible
description:
  - Writes each task's wall time and its time summed over hosts to the file named by C(JT_TIMING_FILE).
"""

import json
import os
import time

from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'aggregate'
    CALLBACK_NAME = 'jt_timing'
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args, **kwargs):
        super(CallbackModule, self).__init__(*args, **kwargs)
        self.tasks = {}
        self.order = []
        self.started = {}

    def _task(self, task):
        key = task.get_name()
        if key not in self.tasks:
            self.tasks[key] = dict(task=key, first=None, last=None, hosts=0, summed=0.0, skipped=0)
            self.order.append(key)
        return self.tasks[key]

    def v2_runner_on_start(self, host, task):
        now = time.monotonic()
        entry = self._task(task)
        entry['first'] = now if entry['first'] is None else min(entry['first'], now)
        self.started[(host.get_name(), task._uuid)] = now  # pylint: disable=protected-access

    def _end(self, result, skipped=False):
        now = time.monotonic()
        task = result._task  # pylint: disable=protected-access
        entry = self._task(task)
        start = self.started.pop((result._host.get_name(), task._uuid), None)  # pylint: disable=protected-access
        entry['last'] = now if entry['last'] is None else max(entry['last'], now)
        entry['hosts'] += 1
        entry['skipped'] += int(skipped)
        if start is not None:
            entry['summed'] += now - start

    def v2_runner_on_ok(self, result):
        self._end(result)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._end(result)

    def v2_runner_on_skipped(self, result):
        self._end(result, skipped=True)

    def v2_runner_on_unreachable(self, result):
        self._end(result)

    def v2_playbook_on_stats(self, stats):
        path = os.environ.get('JT_TIMING_FILE')
        if not path:
            return
        rows = []
        for key in self.order:
            e = self.tasks[key]
            wall = (e['last'] - e['first']) if e['first'] is not None and e['last'] is not None else 0.0
            rows.append(dict(task=key, hosts=e['hosts'], skipped=e['skipped'], wall=wall, summed=e['summed']))
        with open(path, 'w') as f:
            json.dump(rows, f, indent=1)
