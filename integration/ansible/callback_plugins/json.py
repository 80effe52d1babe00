# -*- coding: utf-8 -*-
# A minimal `json` stdout callback for the tests (ANSIBLE_STDOUT_CALLBACK=json): ansible-core no
# longer ships one (its `json` name redirects to the ansible.posix collection, which is not on
# PyPI on its own). Same document shape as ansible.posix.json:
#   {"plays": [{"play": {"name"}, "tasks": [{"task": {"name"}, "hosts": {HOST: RESULT}}]}],
#    "stats": {HOST: {"ok", "changed", "failures", ...}}}
# RESULT is the task's result as a module returned it (internal _ansible_* keys removed), with
# "changed", "failed" and "skipped" set, and the "diff" kept.
from __future__ import annotations

import json

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = """
    name: json
    type: stdout
    short_description: the whole playbook's results as one JSON document (vfioctl tests)
    description:
      - Prints one JSON document when the playbook ends; for tests that parse results.
"""


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "stdout"
    CALLBACK_NAME = "json"

    def __init__(self, display=None):
        super().__init__(display)
        self.plays = []

    def _plain(self, value):
        """A JSON-ready copy (ansible's own dumper: internal keys out, tagged values plain)."""
        return json.loads(self._dump_results({"value": value}, indent=None))["value"]

    def v2_playbook_on_play_start(self, play):
        self.plays.append({"play": {"name": play.get_name()}, "tasks": []})

    def v2_playbook_on_task_start(self, task, is_conditional):
        self.plays[-1]["tasks"].append({"task": {"name": task.get_name()}, "hosts": {}})

    def v2_playbook_on_handler_task_start(self, task):
        self.v2_playbook_on_task_start(task, False)

    def _record(self, result, **flags):
        raw = result._result
        entry = json.loads(self._dump_results(raw, indent=None))
        if "diff" in raw:
            entry["diff"] = self._plain(raw["diff"])
        entry.setdefault("changed", bool(raw.get("changed", False)))
        for key, value in flags.items():
            entry[key] = value
        self.plays[-1]["tasks"][-1]["hosts"][result._host.get_name()] = entry

    def v2_runner_on_ok(self, result, **kwargs):
        self._record(result, failed=False)

    def v2_runner_on_failed(self, result, ignore_errors=False, **kwargs):
        self._record(result, failed=True)

    def v2_runner_on_skipped(self, result, **kwargs):
        self._record(result, skipped=True)

    def v2_runner_on_unreachable(self, result, **kwargs):
        self._record(result, unreachable=True, failed=True)

    def v2_playbook_on_stats(self, stats):
        summary = {host: stats.summarize(host) for host in sorted(stats.processed.keys())}
        self._display.display(json.dumps({"plays": self.plays, "stats": summary}, indent=2, sort_keys=True))
