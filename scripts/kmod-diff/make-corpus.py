#!/usr/bin/env python3
"""Builds a corpus of real PCI identities as modalias keys, one per line, on stdout.

Sources (all deterministic; a fixed seed picks the class codes):
  * every vendor:device in pci.ids, with the subsystem the device itself would report when it has none
    (subvendor = vendor, subdevice = 0000) and one plausible class code;
  * every subsystem entry in pci.ids (vendor:device + subvendor:subdevice), with another class code;
  * every class/subclass/prog-if listed in pci.ids, for a handful of common vendors and random devices;
  * every `pci:` alias pattern of the kernel, instantiated into a concrete key it must match (its `*`
    fields replaced by random digits) — so every alias line is exercised by at least one positive key.

Usage: make-corpus.py PCI_IDS MODULES_ALIAS > corpus.txt
"""
import random
import re
import sys

pci_ids, modules_alias = sys.argv[1], sys.argv[2]
rng = random.Random(20261121)

vendors_devices, subsystems, classes = [], [], []
vendor = device = None
base = sub = None
in_classes = False
with open(pci_ids, encoding="utf-8", errors="replace") as f:
    for line in f:
        line = line.rstrip("\n")
        if not line or line.startswith("#"):
            continue
        if line.startswith("C "):
            in_classes = True
            base = int(line[2:4], 16)
            classes.append((base, 0, 0))
            continue
        if in_classes:
            if re.match(r"^\t[0-9a-f]{2}  ", line):
                sub = int(line[1:3], 16)
                classes.append((base, sub, 0))
            elif re.match(r"^\t\t[0-9a-f]{2}  ", line):
                classes.append((base, sub, int(line[2:4], 16)))
            continue
        m = re.match(r"^([0-9a-f]{4})  ", line)
        if m:
            vendor = int(m.group(1), 16)
            continue
        m = re.match(r"^\t([0-9a-f]{4})  ", line)
        if m:
            device = int(m.group(1), 16)
            vendors_devices.append((vendor, device))
            continue
        m = re.match(r"^\t\t([0-9a-f]{4}) ([0-9a-f]{4})  ", line)
        if m:
            subsystems.append((vendor, device, int(m.group(1), 16), int(m.group(2), 16)))

classes = sorted(set(classes))


def key(v, d, sv, sd, cls):
    bc, sc, i = cls
    return f"pci:v{v:08X}d{d:08X}sv{sv:08X}sd{sd:08X}bc{bc:02X}sc{sc:02X}i{i:02X}"


keys = []
for v, d in vendors_devices:
    keys.append(key(v, d, v, 0, rng.choice(classes)))
for v, d, sv, sd in subsystems:
    keys.append(key(v, d, sv, sd, rng.choice(classes)))
for v in (0x8086, 0x1022, 0x10DE, 0x1AF4, 0x15B3, 0x14E4, 0x1000, 0x1B36):
    for cls in classes:
        keys.append(key(v, rng.randrange(0x10000), v, rng.randrange(0x10000), cls))

FIELD = re.compile(r"^pci:v([0-9A-F]{8}|\*)d([0-9A-F]{8}|\*)sv([0-9A-F]{8}|\*)sd([0-9A-F]{8}|\*)"
                   r"bc([0-9A-F]{2}|\*)sc([0-9A-F]{2}|\*)i([0-9A-F]{2}|\*)\*?$")
with open(modules_alias, encoding="utf-8", errors="replace") as f:
    for line in f:
        parts = line.split()
        if len(parts) != 3 or parts[0] != "alias" or not parts[1].startswith("pci:"):
            continue
        m = FIELD.match(parts[1])
        if not m:
            continue  # not of the usual file2alias form: the corpus keeps to real identities
        widths = (8, 8, 8, 8, 2, 2, 2)
        values = []
        for text, width in zip(m.groups(), widths):
            if text == "*":
                # Wildcard ids are usually 16-bit in practice; keep them realistic.
                values.append(rng.randrange(0x10000) if width == 8 else rng.randrange(0x100))
            else:
                values.append(int(text, 16))
        keys.append(key(values[0], values[1], values[2], values[3], tuple(values[4:])))

seen = set()
for k in keys:
    if k not in seen:
        seen.add(k)
        print(k)
