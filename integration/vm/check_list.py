#!/usr/bin/python3
"""Compare `vfioctl list --json` with lspci, the independent oracle.

Usage: check_list.py LSPCI_VMM LIST_JSON [SYSFS_JSON [MODULES_JSON]]
  LSPCI_VMM   output of `lspci -vmm -n -D -k`
  LIST_JSON   output of `vfioctl list --json` (the libudev path)
  SYSFS_JSON  output of `vfioctl list --json --sysfs-root /sys` (the plain sysfs walk);
              must be byte-identical to LIST_JSON
  MODULES_JSON output of `vfioctl list --json --modules`: each device's kernel_modules must be
              lspci -k's "Module:" lines (its "Kernel modules:"), in the same order

Prints one "ok - NAME" / "not ok - NAME: reason" line per check (one per device and field
group, so a failure names exactly what differs) and exits 1 when anything failed.
Used by integration/vm/guest/10-list-matches-lspci.sh; runs on the host too, against its lspci.
"""
import json
import sys

FIELDS = {  # documented schema (schema_version 1): field -> accepted JSON types
    "address": (str,), "vendor_id": (str,), "device_id": (str,),
    "subsystem_vendor_id": (str,), "subsystem_device_id": (str,),
    "class": (str,), "revision": (str,), "modalias": (str,),
    "driver": (str, type(None)), "driver_override": (str, type(None)),
    "iommu_group": (int, type(None)), "numa_node": (int, type(None)),
    "is_bridge": (bool,), "boot_vga": (bool,), "physfn": (str, type(None)),
    "virtfns": (list,), "vendor_name": (str, type(None)), "device_name": (str, type(None)),
}

failed = 0


def report(name, problem):
    """problem: None/"" for ok, else the reason."""
    global failed
    if problem:
        failed += 1
        print(f"not ok - {name}: {problem}")
    else:
        print(f"ok - {name}")


def diff(pairs):
    """pairs: [(field, got, want)] -> "field got X want Y; ..." for the mismatches."""
    return "; ".join(f"{f} is {g!r}, lspci says {w!r}" for f, g, w in pairs if g != w)


def parse_lspci(text):
    """lspci -vmm: blank-line separated records of "Key:<TAB>value" (Module: may repeat)."""
    devices = {}
    for record in text.strip().split("\n\n"):
        fields = {}
        modules = []
        for line in record.splitlines():
            key, _, value = line.partition(":")
            fields.setdefault(key.strip(), value.strip())
            if key.strip() == "Module":
                modules.append(value.strip())
        fields["Modules"] = modules
        if "Slot" in fields:
            devices[fields["Slot"].lower()] = fields
    return devices


def expected(lspci):
    """What vfioctl must report for one lspci record. lspci omits Rev when 0, SVendor/SDevice
    when the subsystem vendor is 0 or ffff (e.g. pcie-pci-bridge has no SSVID capability),
    Driver when unbound and IOMMUGroup when there is none."""
    cls = lspci["Class"].lower() + lspci.get("ProgIf", "00").lower()
    return {
        "vendor_id": lspci["Vendor"].lower(),
        "device_id": lspci["Device"].lower(),
        "subsystem_vendor_id": lspci.get("SVendor", "").lower() or None,
        "subsystem_device_id": lspci.get("SDevice", "").lower() or None,
        "class": cls,
        "revision": lspci.get("Rev", "00").lower(),
        "driver": lspci.get("Driver"),
        "iommu_group": int(lspci["IOMMUGroup"]) if "IOMMUGroup" in lspci else None,
        "numa_node": int(lspci["NUMANode"]) if "NUMANode" in lspci else None,
    }


def check_device(addr, dev, want):
    p = f"list {addr}"
    report(f"{p} vendor/device ids", diff([
        ("vendor_id", dev.get("vendor_id"), want["vendor_id"]),
        ("device_id", dev.get("device_id"), want["device_id"])]))

    sv, sd = dev.get("subsystem_vendor_id"), dev.get("subsystem_device_id")
    if want["subsystem_vendor_id"] is None:  # lspci shows none: sysfs reads 0000 (or ffff)
        problem = "" if sv in ("0000", "ffff") and sd in ("0000", "ffff") else \
            f"subsystem ids are {sv!r}:{sd!r}, lspci shows none (expected '0000' or 'ffff')"
    else:
        problem = diff([("subsystem_vendor_id", sv, want["subsystem_vendor_id"]),
                        ("subsystem_device_id", sd, want["subsystem_device_id"])])
    report(f"{p} subsystem ids", problem)

    report(f"{p} class/revision", diff([
        ("class", dev.get("class"), want["class"]),
        ("revision", dev.get("revision"), want["revision"])]))

    # The modalias is fully determined by the ids above (uppercase hex, class split in 3).
    c = want["class"]
    # lspci omits a 0000/ffff subsystem: then the device's own (already checked) value.
    sv_hex = want["subsystem_vendor_id"] or (sv if sv in ("0000", "ffff") else "0000")
    sd_hex = want["subsystem_device_id"] or (sd if sd in ("0000", "ffff") else "0000")
    try:
        modalias = "pci:v%08Xd%08Xsv%08Xsd%08Xbc%02Xsc%02Xi%02X" % tuple(
            int(x, 16) for x in (want["vendor_id"], want["device_id"], sv_hex, sd_hex,
                                 c[0:2], c[2:4], c[4:6]))
    except ValueError:
        modalias = f"<cannot build from {want} / {sd!r}>"
    report(f"{p} modalias", diff([("modalias", dev.get("modalias"), modalias)]))

    report(f"{p} driver", diff([("driver", dev.get("driver"), want["driver"])]))
    report(f"{p} iommu_group", diff([("iommu_group", dev.get("iommu_group"), want["iommu_group"])]))
    report(f"{p} numa_node", diff([("numa_node", dev.get("numa_node"), want["numa_node"])]))

    # Class 0604 (PCI-to-PCI bridge) must be a bridge; nothing outside class 06 may be one.
    if c.startswith("0604") and dev.get("is_bridge") is not True:
        report(f"{p} is_bridge", f"is_bridge is {dev.get('is_bridge')!r} for class {c}")
    elif not c.startswith("06") and dev.get("is_bridge") is not False:
        report(f"{p} is_bridge", f"is_bridge is {dev.get('is_bridge')!r} for class {c}")
    else:
        report(f"{p} is_bridge", None)


def check_schema(doc):
    if not isinstance(doc, dict) or doc.get("schema_version") != 1 \
            or not isinstance(doc.get("devices"), list):
        return "top level is not {\"schema_version\": 1, \"devices\": [...]}"
    for dev in doc["devices"]:
        if not isinstance(dev, dict):
            return f"device entry {dev!r} is not an object"
        for field, types in FIELDS.items():
            if field not in dev:
                return f"{dev.get('address', '?')}: missing field {field!r}"
            if type(dev[field]) not in types:
                return f"{dev.get('address', '?')}: {field} has type {type(dev[field]).__name__}"
    return None


def main(argv):
    if len(argv) not in (3, 4, 5):
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    with open(argv[1]) as f:
        lspci = parse_lspci(f.read())
    with open(argv[2], "rb") as f:
        raw = f.read()
    try:
        doc = json.loads(raw)
    except ValueError as e:
        report("list --json is valid JSON", f"{e} (first bytes: {raw[:80]!r})")
        return 1
    report("list --json is valid JSON", None)
    problem = check_schema(doc)
    report("list --json follows schema_version 1", problem)
    if problem:
        return 1

    listed = {d["address"]: d for d in doc["devices"]}
    addresses = [d["address"] for d in doc["devices"]]
    report("list reports each device once", "" if len(set(addresses)) == len(addresses)
           else f"duplicates: {sorted(a for a in set(addresses) if addresses.count(a) > 1)}")
    only_lspci = sorted(set(lspci) - set(listed))
    only_list = sorted(set(listed) - set(lspci))
    report("list reports the same devices as lspci",
           "; ".join(s for s in (f"missing {only_lspci}" if only_lspci else "",
                                 f"extra {only_list}" if only_list else "") if s))
    for addr in sorted(set(lspci) & set(listed)):
        check_device(addr, listed[addr], expected(lspci[addr]))

    if len(argv) == 4:
        with open(argv[3], "rb") as f:
            other = f.read()
        if other == raw:
            problem = None
        else:
            at = next((i for i, (x, y) in enumerate(zip(raw, other)) if x != y),
                      min(len(raw), len(other)))
            lo = max(0, at - 30)
            problem = (f"first difference at byte {at}: udev {raw[lo:at + 30]!r} "
                       f"vs sysfs {other[lo:at + 30]!r}")
        report("list --json --sysfs-root /sys is byte-identical to the libudev path", problem)

    if len(argv) == 5:
        with open(argv[4], "rb") as f:
            with_modules = {d["address"]: d for d in json.loads(f.read())["devices"]}
        for addr in sorted(set(lspci) & set(with_modules)):
            got = with_modules[addr].get("kernel_modules")
            want = lspci[addr]["Modules"]
            report(f"list --modules {addr} kernel_modules",
                   None if got == want else f"kernel_modules is {got!r}, lspci -k says {want!r}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
