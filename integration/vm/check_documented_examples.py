#!/usr/bin/python3
"""Run the documented examples that write to the kernel, on the real one, and compare.

Usage: check_documented_examples.py VFIOCTL REPOSITORY WORKDIR

1. Every `$ sudo vfioctl bind|unbind ...` sample of README.md and the manual pages (man/*.8,
   their .EX blocks), in each document's order, with its shown output compared line by line
   (but `bind --owner`: see writing_samples).
   The samples show a stock Debian kernel, which has no variant driver for the e1000e: the test
   variant (test_vfio_pci) is denied for the run by a rule in /etc/vfioctl/rules.d (the guest's /etc
   is a tmpfs overlay), removed afterwards.
2. README.md's provisioning block (```sh, the lines that run vfioctl) with README.md's desired
   state as host.toml: each line must succeed as written; `diff` must first exit 7 (changes pending,
   as its comment says), a second `apply` must change nothing, `persist enable` must install the
   state file, the unit and the udev rule. `persist disable --restore` then puts the machine back,
   which is checked too.

The read-only samples (list, plan, persist --dry-run, ...) are compared on the simulator by
Tests/EndToEndTests/DocumentedExamplesTests.swift. Prints one "ok - NAME" / "not ok - NAME: reason"
line per check and exits 1 when anything failed. Used by integration/vm/guest/60-documented-examples.sh.
"""
import json
import os
import re
import subprocess
import sys

VFIOCTL, REPO, WORK = sys.argv[1:4]
failed = 0
RULE_DIR = "/etc/vfioctl/rules.d"
RULE = RULE_DIR + "/99-documented-examples.toml"


def report(name, problem):
    global failed
    if problem:
        failed += 1
        print(f"not ok - {name}: {problem}")
    else:
        print(f"ok - {name}")


def fenced_blocks(text, tag=None):
    """(first line number, lines) of each fenced block (with the given info tag, if any)."""
    blocks, current, start = [], None, 0
    for number, line in enumerate(text.split("\n"), 1):
        if line.startswith("```"):
            if current is None:
                current, start, info = [], number + 1, line[3:].strip()
            else:
                if tag is None or info == tag:
                    blocks.append((start, current))
                current = None
        elif current is not None:
            current.append(line)
    return blocks


def page_examples(page):
    """A manual page's .EX blocks as Markdown fences, unescaped (line numbers kept)."""
    out, inside = [], False
    for line in page.split("\n"):
        if line in (".EX", ".EE"):
            inside = line == ".EX"
            out.append("```")
        elif inside:
            line = line[2:] if line.startswith("\\&") else line
            out.append(line.replace("\\-", "-").replace("\\e", "\\"))
        else:
            out.append("")
    return "\n".join(out)


def writing_samples(file, text):
    """(where, arguments, shown lines) of each `$ [sudo] vfioctl bind|unbind` sample."""
    samples = []
    for start, lines in fenced_blocks(text):
        current = None
        for offset, line in enumerate(lines):
            if line.startswith("$ "):
                words = line[2:].split(" #")[0].split()
                if words[:1] == ["sudo"]:
                    words = words[1:]
                current = None
                # `bind --owner` leaves the device bound, given to a user, which the later samples
                # do not expect: DocumentedExamplesTests runs it on the simulator, 65-owner.sh the
                # same bind on the real kernel.
                if words[:1] == ["vfioctl"] and words[1:2] in (["bind"], ["unbind"]) and "--owner" not in words:
                    samples.append((f"{file}:{start + offset}", words[1:], []))
                    current = samples[-1]
            elif current is not None:
                current[2].append(line)
    return samples


def run(arguments, **kwargs):
    return subprocess.run([VFIOCTL] + arguments, capture_output=True, text=True, **kwargs)


def driver_of(address):
    link = f"/sys/bus/pci/devices/{address}/driver"
    return os.path.basename(os.readlink(link)) if os.path.islink(link) else None


def check_samples():
    documents = [("README.md", open(f"{REPO}/README.md").read())]
    for name in sorted(os.listdir(f"{REPO}/man")):
        if name.endswith(".8"):
            documents.append((f"man/{name}", page_examples(open(f"{REPO}/man/{name}").read())))
    count = 0
    for file, text in documents:
        for where, arguments, shown in writing_samples(file, text):
            count += 1
            result = run(arguments)
            printed = result.stdout.rstrip("\n").split("\n")
            while shown and not shown[-1].strip():
                shown.pop()
            problem = None
            if result.returncode != 0:
                problem = f"exit status {result.returncode}: {result.stderr.strip()}"
            elif printed != shown:
                problem = f"shows {shown!r} but vfioctl prints {printed!r}"
            report(f"{where}: vfioctl {' '.join(arguments)}", problem)
    report("the documents have bind/unbind samples", None if count >= 4 else f"only {count}")


def readme_provisioning():
    readme = open(f"{REPO}/README.md").read()
    state = next(("\n".join(lines) + "\n" for _, lines in fenced_blocks(readme, "toml")
                  if "[[device]]" in "\n".join(lines)), None)
    commands = [(start + offset, line) for start, lines in fenced_blocks(readme, "sh")
                for offset, line in enumerate(lines)
                if re.match(r"(sudo )?vfioctl ", line)]
    report("README.md has a desired state and provisioning commands",
           None if state and len(commands) >= 3 else f"state: {bool(state)}, commands: {len(commands)}")
    if not state:
        return
    with open(f"{WORK}/host.toml", "w") as file:
        file.write(state)
    nic, pf = "0000:01:00.0", "0000:03:00.0"
    before = (driver_of(nic), open(f"/sys/bus/pci/devices/{pf}/sriov_numvfs").read().strip())
    diff = run(["diff", "host.toml"], cwd=WORK)
    report("README: vfioctl diff host.toml exits 7 before apply", None if diff.returncode == 7 else
           f"exit status {diff.returncode}: {diff.stderr.strip()}")
    # Each line as written, by bash, with `vfioctl` and `sudo` standing for the binary under test.
    prelude = f'vfioctl() {{ "{VFIOCTL}" "$@"; }}; sudo() {{ "$@"; }}; '
    for number, line in commands:
        result = subprocess.run(["bash", "-c", prelude + line], cwd=WORK, capture_output=True, text=True)
        report(f"README.md:{number}: {line.split('  #')[0].strip()}",
               None if result.returncode == 0 else f"exit status {result.returncode}: {result.stderr.strip()}")
        if " apply " in line:
            again = run(["apply", "host.toml", "--json"], cwd=WORK)
            changed = json.loads(again.stdout).get("changed") if again.stdout.strip() else None
            report("README: a second apply changes nothing",
                   None if again.returncode == 0 and changed is False else
                   f"exit status {again.returncode}, changed {changed}: {again.stderr.strip()}")
    for path in ("/etc/vfioctl/state.toml", "/etc/systemd/system/vfioctl.service", "/etc/udev/rules.d/70-vfioctl.rules"):
        report(f"README: persist enable installed {path}", None if os.path.exists(path) else "missing")
    restore = run(["persist", "disable", "--restore"])
    report("persist disable --restore", None if restore.returncode == 0 else
           f"exit status {restore.returncode}: {restore.stderr.strip()}")
    after = (driver_of(nic), open(f"/sys/bus/pci/devices/{pf}/sriov_numvfs").read().strip())
    report("the machine is back as found", None if after == before else f"was {before}, now {after}")


def main():
    created_dir = not os.path.isdir(RULE_DIR)
    os.makedirs(RULE_DIR, exist_ok=True)
    with open(RULE, "w") as file:
        file.write('[[rule]]\nname = "documented-examples"\nvendor = "8086"\ndevice = "10d3"\n'
                   'deny = ["test_vfio_pci"]\n'
                   'reason = "the documented samples show a stock kernel, with no variant for this NIC"\n')
    try:
        check_samples()
        readme_provisioning()
    finally:
        os.remove(RULE)
        if created_dir:
            os.removedirs(RULE_DIR)
    sys.exit(1 if failed else 0)


main()
