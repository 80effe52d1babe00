#!/usr/bin/python3
"""Check ansible-playbook's JSON callback output (ANSIBLE_STDOUT_CALLBACK=json) against an
expectation file; print one `ok - ...` / `not ok - ...` line per assertion (the format of
integration/vm/guest/lib.sh's `relay`) and exit 1 when any failed.

Usage: check_results.py OUTPUT.json EXPECT.json [HOST]

EXPECT.json: {"TASK NAME": [[PATH, OP, VALUE], ...], ...}, in the order the tasks run.
  PATH  dotted keys into the host's task result; an integer picks a list element, `*` means
        every element (and there must be at least one). A missing `failed` counts as false.
  OP    "=="  equal (JSON value)          "!="  not equal
        "~"   regex search in the string  "!~"  no regex match
        "len" length equal to VALUE       "has" / "!has" some / no element equals VALUE
Every task in the output that is not in EXPECT.json must not have failed.
"""
import json
import re
import sys

MISSING = object()


def lookup(value, path):
    """All values PATH reaches (a list: `*` fans out)."""
    values = [value]
    for key in path.split(".") if path else []:
        reached = []
        for current in values:
            if key == "*":
                if isinstance(current, list) and current:
                    reached.extend(current)
                else:
                    reached.append(MISSING)
            elif isinstance(current, list):
                try:
                    reached.append(current[int(key)])
                except (ValueError, IndexError):
                    reached.append(MISSING)
            elif isinstance(current, dict):
                if key in current:
                    reached.append(current[key])
                elif key == "failed":
                    reached.append(False)
                else:
                    reached.append(MISSING)
            else:
                reached.append(MISSING)
        values = reached
    return values


def holds(actual, op, expected):
    if actual is MISSING:
        return False
    if op == "==":
        return actual == expected
    if op == "!=":
        return actual != expected
    if op == "~":
        return isinstance(actual, str) and re.search(expected, actual) is not None
    if op == "!~":
        return isinstance(actual, str) and re.search(expected, actual) is None
    if op == "len":
        return hasattr(actual, "__len__") and len(actual) == expected
    if op == "has":
        return isinstance(actual, list) and expected in actual
    if op == "!has":
        return isinstance(actual, list) and expected not in actual
    raise SystemExit("check_results.py: unknown operator %r" % op)


def show(value):
    if value is MISSING:
        return "<absent>"
    text = json.dumps(value)
    return text if len(text) <= 200 else text[:200] + "..."


def main():
    if len(sys.argv) not in (3, 4):
        raise SystemExit(__doc__)
    host = sys.argv[3] if len(sys.argv) == 4 else "localhost"
    with open(sys.argv[2]) as handle:
        expectations = json.load(handle)
    failed = 0

    def report(ok, text):
        nonlocal failed
        print(("ok - " if ok else "not ok - ") + text)
        if not ok:
            failed += 1

    try:
        with open(sys.argv[1]) as handle:
            text = handle.read()
        # Warnings may precede the document on stdout; the document starts at the first "{".
        output = json.loads(text[text.index("{"):])
    except (OSError, ValueError) as error:
        report(False, "ansible's JSON output %s: %s" % (sys.argv[1], error))
        return 1

    results = {}
    for play in output.get("plays", []):
        for task in play.get("tasks", []):
            name = task.get("task", {}).get("name", "")
            result = task.get("hosts", {}).get(host)
            if result is not None:
                results[name] = result

    for name, result in results.items():
        if name not in expectations and result.get("failed"):
            report(False, "%s: unexpected failure: %s" % (name, result.get("msg")))

    for name, assertions in expectations.items():
        result = results.get(name)
        if result is None:
            report(False, "%s: the task did not run on %s" % (name, host))
            continue
        for path, op, expected in assertions:
            values = lookup(result, path)
            ok = all(holds(value, op, expected) for value in values)
            text = "%s: %s %s %s" % (name, path, op, json.dumps(expected))
            if not ok:
                text += " (found %s)" % ", ".join(show(v) for v in values)
            report(ok, text)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
