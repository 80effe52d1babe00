#!/usr/bin/python3
# -*- coding: utf-8 -*-
# Ansible module wrapping `vfioctl apply FILE --json` (see contrib/ansible/README.md).
# SPDX-License-Identifier: MIT

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: vfioctl_apply
short_description: Bring PCI driver bindings to a vfioctl desired state
description:
  - Runs C(vfioctl apply FILE --json) on the target and reports what it changed.
  - The desired-state file (TOML, see vfioctl's docs/state-file.md) names devices by address
    plus the hardware expected there, by ids, as VFs of a PF, or by class, and says what
    each should be on (C(vfio), C(stub), C(host) or a named driver); a PF can also say how
    many VFs it wants. vfioctl applies it as one transaction and rolls back on failure.
  - C(changed) is vfioctl's own verdict, so a second run of the same state reports no change.
  - In check mode the module runs C(vfioctl apply --dry-run); pending changes (vfioctl's exit
    status 7) are reported as C(changed), not as a failure.
  - With C(--diff) the module returns each device's driver before and after.
  - Hardware that is not what the file expects is refused by vfioctl (exit status 3); the
    module then fails with vfioctl's message and C(rc=3), and nothing is changed.
version_added: "1.0.0"
author:
  - vfioctl authors
options:
  state_file:
    description:
      - Path on the target of the desired-state file.
      - Exactly one of I(state_file) and I(content) is required.
    type: path
  content:
    description:
      - The desired-state file's text (TOML). It is written to a temporary file on the
        target, which is removed afterwards; error messages name that file.
      - Exactly one of I(state_file) and I(content) is required.
    type: str
  vfioctl:
    description:
      - The vfioctl binary, as a name looked up in C(PATH) or an absolute path.
    type: str
    default: vfioctl
  sysfs_root:
    description:
      - Read (and write) a sysfs tree at this directory instead of the live system
        (C(--sysfs-root); for tests and containers).
    type: path
  state_dir:
    description:
      - vfioctl's state directory for the lock, journal and records (C(--state-dir);
        vfioctl's default is C(/run/vfioctl)).
    type: path
  modules_dir:
    description:
      - The kernel module directory to read C(modules.alias) from (C(--modules-dir);
        vfioctl's default is C(/lib/modules/$(uname -r))).
    type: path
  rules_dir:
    description:
      - Extra rule directories with the highest precedence (C(--rules-dir), repeated).
    type: list
    elements: path
    default: []
  force:
    description:
      - Refusal codes to override (C(--force), repeated), e.g. C(netdev-active), C(open-fd),
        C(group-not-viable). vfioctl rejects unknown codes (exit status 2).
    type: list
    elements: str
    default: []
  devices:
    description:
      - Only apply the entries selecting these PCI addresses (C(--device), repeated).
    type: list
    elements: str
    default: []
notes:
  - Needs root on the target (vfioctl writes sysfs), unless I(sysfs_root) points at a tree the
    remote user may write.
  - Supports check mode and diff mode.
requirements:
  - vfioctl on the target
"""

EXAMPLES = r"""
- name: Put the NIC and the VFs of the NVMe drive on VFIO
  vfioctl_apply:
    content: |
      [[device]]
      address = "0000:01:00.0"
      vendor = "8086"
      device = "10d3"
      state = "vfio"

      [[device]]
      address = "0000:03:00.0"   # the PF stays on nvme and gets 2 VFs
      vendor = "1b36"
      device = "0010"
      state = "host"
      vfs = 2

      [[device]]
      vfs_of = "0000:03:00.0"
      state = "vfio"
  become: true

- name: Apply a state file already on the host, only for one device
  vfioctl_apply:
    state_file: /etc/vfioctl/state.toml
    devices: ["0000:01:00.0"]
    vfioctl: /usr/local/bin/vfioctl
  become: true
  register: vfio

- name: Show which devices moved
  ansible.builtin.debug:
    msg: "{{ vfio.devices | selectattr('status', 'equalto', 'changed') | map(attribute='address') | list }}"
"""

RETURN = r"""
changed:
  description: vfioctl's own C(changed) (in check mode, whether changes are pending).
  returned: always
  type: bool
rc:
  description: vfioctl's exit status (0 done or nothing to do, 7 changes pending in check mode;
    on failure 1 failed and rolled back, 2 bad file or usage, 3 refused, 4 not found,
    5 permission, 6 timeout).
  returned: always
  type: int
  sample: 0
cmd:
  description: The command line that was run.
  returned: always
  type: list
  elements: str
  sample: ["/usr/local/bin/vfioctl", "apply", "/etc/vfioctl/state.toml", "--json"]
devices:
  description: One entry per device vfioctl considered (from its JSON report), in its order.
  returned: when vfioctl printed a report
  type: list
  elements: dict
  contains:
    address:
      description: The PCI address.
      type: str
      sample: "0000:01:00.0"
    status:
      description: C(changed), C(unchanged), C(planned) (check mode), C(failed) or C(rolled_back).
      type: str
    from_driver:
      description: The driver before (null when none).
      type: str
    to_driver:
      description: The driver after (or planned).
      type: str
    message:
      description: vfioctl's note about the device.
      type: str
checks:
  description: The checks vfioctl made (safety checks, notes, refusals).
  returned: when vfioctl printed a report
  type: list
  elements: str
report:
  description: vfioctl's complete JSON report (schema in vfioctl's docs/json-schema.md).
  returned: when vfioctl printed a report
  type: dict
diff:
  description: Each device's driver (and a PF's VF count) before and after, in diff mode.
  returned: in diff mode, when vfioctl printed a report
  type: dict
  sample:
    before: "0000:01:00.0: e1000e\n"
    after: "0000:01:00.0: vfio-pci\n"
stderr:
  description: vfioctl's standard error.
  returned: on failure
  type: str
stdout:
  description: vfioctl's standard output, when it was not a JSON report.
  returned: on failure without a report
  type: str
"""

import json
import os
import re

from ansible.module_utils.basic import AnsibleModule

# vfioctl's exit statuses (docs: `vfioctl help`).
EXIT_OK = 0
EXIT_CHANGES_PENDING = 7

_VF_COUNT = re.compile(r"^(\d+) -> (\d+) VFs$|^(\d+) VFs already$")


def _parse_report(stdout):
    """vfioctl's --json report, or None when stdout is not one (e.g. a bad state file is
    reported on stderr before any report exists)."""
    text = stdout.strip()
    if not text.startswith("{"):
        return None
    try:
        report = json.loads(text)
    except ValueError:
        return None
    return report if isinstance(report, dict) else None


def _error_message(report, stderr, rc):
    """vfioctl's own message: the report's error, else the first line of stderr."""
    if report and isinstance(report.get("error"), dict):
        message = report["error"].get("message") or ""
        hint = report["error"].get("hint")
        if message:
            return message + (" (hint: %s)" % hint if hint else "")
    lines = [line for line in (stderr or "").splitlines() if line.strip()]
    if lines:
        line = lines[0]
        for prefix in ("vfioctl: error: ", "Error: "):
            if line.startswith(prefix):
                line = line[len(prefix):]
        return line
    return "vfioctl exited with status %d and no message" % rc


def _driver(name):
    return name if name else "(no driver)"


def build_diff(report):
    """before/after text, one line per device: `ADDRESS: DRIVER` (plus `, N VFs` for a PF whose
    VF count vfioctl looked at). A device listed twice (a PF's VF count, then its binding) keeps
    its first `before` and its last `after`."""
    before = {}
    after = {}
    vfs_before = {}
    vfs_after = {}
    order = []
    for device in report.get("devices") or []:
        address = device.get("address")
        if not address:
            continue
        if address not in before:
            order.append(address)
            before[address] = _driver(device.get("from_driver"))
        status = device.get("status")
        if status in ("failed", "rolled_back"):
            after[address] = _driver(device.get("from_driver"))
        else:
            after[address] = _driver(device.get("to_driver"))
        match = _VF_COUNT.match(device.get("message") or "")
        if match:
            if match.group(3) is not None:
                old = new = int(match.group(3))
            else:
                old, new = int(match.group(1)), int(match.group(2))
            if status in ("failed", "rolled_back"):
                new = old
            vfs_before.setdefault(address, old)
            vfs_after[address] = new

    def render(drivers, vfs):
        lines = []
        for address in order:
            line = "%s: %s" % (address, drivers[address])
            if address in vfs:
                line += ", %d VFs" % vfs[address]
            lines.append(line + "\n")
        return "".join(lines)

    return {
        "before_header": "PCI drivers before",
        "after_header": "PCI drivers after" + (" (planned)" if report.get("dry_run") else ""),
        "before": render(before, vfs_before),
        "after": render(after, vfs_after),
    }


def main():
    module = AnsibleModule(
        argument_spec=dict(
            state_file=dict(type="path"),
            content=dict(type="str"),
            vfioctl=dict(type="str", default="vfioctl"),
            sysfs_root=dict(type="path"),
            state_dir=dict(type="path"),
            modules_dir=dict(type="path"),
            rules_dir=dict(type="list", elements="path", default=[]),
            force=dict(type="list", elements="str", default=[]),
            devices=dict(type="list", elements="str", default=[]),
        ),
        mutually_exclusive=[("state_file", "content")],
        required_one_of=[("state_file", "content")],
        supports_check_mode=True,
    )
    params = module.params

    binary = params["vfioctl"]
    if "/" in binary:
        if not (os.path.isfile(binary) and os.access(binary, os.X_OK)):
            module.fail_json(msg="vfioctl binary %s is not an executable file" % binary)
    else:
        binary = module.get_bin_path(binary, required=True)

    if params["content"] is not None:
        state_file = os.path.join(module.tmpdir, "vfioctl-state.toml")
        with open(state_file, "w") as handle:
            handle.write(params["content"])
    else:
        state_file = params["state_file"]

    cmd = [binary, "apply", state_file, "--json"]
    if module.check_mode:
        cmd.append("--dry-run")
    for option, value in (("--sysfs-root", params["sysfs_root"]), ("--state-dir", params["state_dir"]),
                          ("--modules-dir", params["modules_dir"])):
        # An empty value is passed on for vfioctl to refuse (exit 2): dropping it would turn
        # `sysfs_root: ""` (an unset variable in a playbook) into the live host.
        if value is not None:
            cmd += [option, value]
    for directory in params["rules_dir"]:
        cmd += ["--rules-dir", directory]
    for code in params["force"]:
        cmd += ["--force", code]
    for address in params["devices"]:
        cmd += ["--device", address]

    rc, stdout, stderr = module.run_command(cmd)
    report = _parse_report(stdout)
    ok = rc == EXIT_OK or (module.check_mode and rc == EXIT_CHANGES_PENDING)

    result = dict(rc=rc, cmd=cmd, changed=bool(report and report.get("changed")))
    if report is not None:
        result["report"] = report
        result["checks"] = report.get("checks") or []
        result["devices"] = [
            dict(address=d.get("address"), status=d.get("status"), from_driver=d.get("from_driver"),
                 to_driver=d.get("to_driver"), message=d.get("message"))
            for d in report.get("devices") or []
        ]
        if module._diff:
            result["diff"] = build_diff(report)

    if report is None:
        result["stdout"] = stdout  # the report, when there is one, is already in `report`
    if not ok:
        module.fail_json(msg=_error_message(report, stderr, rc), stderr=stderr, **result)
    if report is None:
        # Success without a report would mean a vfioctl that does not speak --json.
        module.fail_json(msg="vfioctl printed no JSON report (exit status %d)" % rc, stderr=stderr, **result)
    # Explicit: ansible counts a result with a non-zero rc and no `failed` as failed, and check
    # mode succeeds with rc 7 (changes pending).
    module.exit_json(failed=False, **result)


if __name__ == "__main__":
    main()
