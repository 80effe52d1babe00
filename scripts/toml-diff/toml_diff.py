#!/usr/bin/env python3
"""Differential test of vfioctl's TOML reader against Python's tomllib.

Every document (the TOML 1.0 specification's examples, edge cases of each rule, random documents and
mutants of them: corpus.py, generate.py) goes to toml-test-decoder (the reader behind toml-test's
decoder protocol) and to tomllib. They agree when both refuse it, or both accept it with the same
keys, types and values. Prints `toml-diff: N documents, M agree` and exits 1 on any disagreement.

Where TOML 1.0 asks more than tomllib does, the specification wins: integers outside 64 bits must
be refused (tomllib reads any size). Documented limits of vfioctl's reader are checked apart, as
refusals without a crash: nesting deeper than 128 levels (tomllib stops at Python's recursion limit
for arrays and has no limit on dotted keys).
"""
import argparse
import datetime
import json
import math
import re
import subprocess
import sys
import tomllib
from concurrent.futures import ThreadPoolExecutor

import corpus
import generate

INT64 = range(-(2**63), 2**63)


# MARK: what each side says, in one comparable form

def from_tomllib(value):
    """tomllib's result as nested dicts/lists of (type, value) leaves."""
    if isinstance(value, dict):
        return {key: from_tomllib(item) for key, item in value.items()}
    if isinstance(value, list):
        return [from_tomllib(item) for item in value]
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, int):
        if value not in INT64:
            raise OverflowError(value)
        return ("integer", value)
    if isinstance(value, float):
        return ("float", "nan" if math.isnan(value) else repr(value))
    if isinstance(value, str):
        return ("string", value)
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None:
            return ("datetime-local", value)
        return ("datetime", value.replace(tzinfo=None), value.utcoffset())
    if isinstance(value, datetime.date):
        return ("date-local", value)
    if isinstance(value, datetime.time):
        return ("time-local", value)
    raise TypeError(type(value))


DATE = r"(\d{4})-(\d\d)-(\d\d)"
TIME = r"(\d\d):(\d\d):(\d\d)(?:\.(\d+))?"


def time_fields(groups):
    hour, minute, second, fraction = groups
    # tomllib keeps microseconds and drops further digits: so does this side of the comparison.
    micro = int((fraction or "0")[:6].ljust(6, "0"))
    return int(hour), int(minute), int(second), micro


def from_decoder(value):
    """toml-test tagged JSON as the same nested form."""
    if isinstance(value, list):
        return [from_decoder(item) for item in value]
    if set(value) == {"type", "value"} and isinstance(value["type"], str) and isinstance(value["value"], str):
        kind, text = value["type"], value["value"]
        if kind == "integer":
            return ("integer", int(text))
        if kind == "float":
            number = float(text)
            return ("float", "nan" if math.isnan(number) else repr(number))
        if kind == "bool":
            return ("bool", {"true": True, "false": False}[text])
        if kind == "string":
            return ("string", text)
        if kind == "date-local":
            return ("date-local", datetime.date(*map(int, re.fullmatch(DATE, text).groups())))
        if kind == "time-local":
            return ("time-local", datetime.time(*time_fields(re.fullmatch(TIME, text).groups())))
        match = re.fullmatch(DATE + "T" + TIME + "(Z|[+-]\\d\\d:\\d\\d)?", text)
        local = datetime.datetime(*map(int, match.groups()[:3]), *time_fields(match.groups()[3:7]))
        if kind == "datetime-local" and match.group(8) is None:
            return ("datetime-local", local)
        if kind == "datetime" and match.group(8) is not None:
            offset = match.group(8)
            minutes = 0 if offset == "Z" else (int(offset[1:3]) * 60 + int(offset[4:6])) * (-1 if offset[0] == "-" else 1)
            return ("datetime", local, datetime.timedelta(minutes=minutes))
        raise ValueError("bad %s %r" % (kind, text))
    return {key: from_decoder(item) for key, item in value.items()}


def tomllib_verdict(doc: bytes):
    """The document's meaning per tomllib and TOML 1.0, or None when it is invalid."""
    try:
        return from_tomllib(tomllib.loads(doc.decode("utf-8")))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError, RecursionError, OverflowError):
        return None


def decoder_verdict(decoder: str, doc: bytes):
    """("valid", tree), ("invalid", message) or ("crash", description)."""
    try:
        run = subprocess.run([decoder], input=doc, capture_output=True, timeout=60)
    except subprocess.TimeoutExpired:
        return ("crash", "timed out")
    if run.returncode == 1 and not run.stdout:
        return ("invalid", run.stderr.decode("utf-8", "replace").strip())
    if run.returncode != 0:
        return ("crash", "exit %d: %s" % (run.returncode, run.stderr.decode("utf-8", "replace")[-300:]))
    try:
        return ("valid", from_decoder(json.loads(run.stdout)))
    except (ValueError, AttributeError, KeyError) as error:
        return ("crash", "unreadable output (%s): %r" % (error, run.stdout[:300]))


# MARK: the run

def limit_cases():
    """Nesting beyond the reader's limit: refused cleanly (exit 1), never a crash."""
    yield "limit-nested-arrays", b"a = " + b"[" * 50000 + b"]" * 50000 + b"\n"
    yield "limit-nested-inline-tables", b"a = " + b"{b=" * 20000 + b"1" + b"}" * 20000 + b"\n"
    yield "limit-dotted-key", b".".join([b"k"] * 20000) + b" = 1\n"
    yield "limit-table-header", b"[" + b".".join([b"k"] * 20000) + b"]\n"
    yield "limit-129-arrays", b"a = " + b"[" * 129 + b"]" * 129 + b"\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--decoder", required=True, help="path of the built toml-test-decoder")
    parser.add_argument("--seed", type=int, default=20261207)
    parser.add_argument("--generated", type=int, default=400, help="random valid-looking documents")
    parser.add_argument("--mutants", type=int, default=1600, help="mutated documents")
    parser.add_argument("--jobs", type=int, default=4)
    parser.add_argument("--show", type=int, default=10, help="disagreements printed in full")
    args = parser.parse_args()

    fixed = [("spec-" + name, text.encode("utf-8")) for name, text in corpus.SPEC.items()]
    fixed += [("edge-%d" % index, text.encode("utf-8")) for index, text in enumerate(corpus.EDGE)]
    docs = fixed + list(generate.documents(args.seed, args.generated, args.mutants, [doc for _, doc in fixed]))
    limits = list(limit_cases())

    def check(case):
        name, doc = case
        expected = tomllib_verdict(doc)
        verdict, detail = decoder_verdict(args.decoder, doc)
        if verdict == "crash":
            return name, doc, expected is not None, "decoder failed: " + detail
        if expected is None and verdict == "valid":
            return name, doc, False, "tomllib refuses it, the decoder accepts it"
        if expected is not None and verdict == "invalid":
            return name, doc, True, "tomllib accepts it, the decoder refuses it: " + detail
        if expected is not None and detail != expected:
            return name, doc, True, "values differ:\n  tomllib: %r\n  decoder: %r" % (expected, detail)
        return name, doc, expected is not None, None

    def check_limit(case):
        name, doc = case
        verdict, detail = decoder_verdict(args.decoder, doc)
        problem = None if verdict == "invalid" and "nested more than 128" in detail else "%s: %s" % (verdict, str(detail)[:200])
        return name, doc, False, problem

    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        results = list(pool.map(check, docs)) + list(pool.map(check_limit, limits))

    failures = [result for result in results if result[3] is not None]
    for name, doc, _, problem in failures[:args.show]:
        print("DISAGREE %s: %s\n  document: %r" % (name, problem, doc[:400]))
    valid = sum(1 for result in results if result[2])
    spec_valid = sum(1 for name, _, is_valid, _ in results if name.startswith("spec-") and is_valid)
    print("toml-diff: %d documents, %d agree (%d valid, %d invalid; %d spec examples of which %d valid; %d beyond the nesting limit)"
          % (len(results), len(results) - len(failures), valid, len(results) - valid, len(corpus.SPEC), spec_valid, len(limits)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
