#!/usr/bin/python3
"""`list ADDRESS` and `show ADDRESS` read the named device alone (and, for show, its IOMMU
group's members): their records must be those of the whole listing.

Usage: check_named.py LIST_JSON DIR
  LIST_JSON  output of `vfioctl list --json` (every device, the libudev path)
  DIR        holds list-ADDRESS.json (`vfioctl list --json ADDRESS`) and show-ADDRESS.json
             (`vfioctl show --json ADDRESS`) for every device of LIST_JSON

Prints one "ok - NAME" / "not ok - NAME: reason" line per device and command, and exits 1 when
anything failed. Used by integration/vm/guest/10-list-matches-lspci.sh.
"""
import json
import sys


def main(argv):
    if len(argv) != 3:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    with open(argv[1]) as f:
        whole = {d["address"]: d for d in json.load(f)["devices"]}
    failed = 0
    for address, listed in sorted(whole.items()):
        with open(f"{argv[2]}/list-{address}.json") as f:
            named = json.load(f)["devices"]
        problem = "" if named == [listed] else f"got {named!r}, the whole listing has {listed!r}"
        with open(f"{argv[2]}/show-{address}.json") as f:
            shown = json.load(f)["device"]
        fields = {k: v for k, v in shown.items() if k in listed}
        differ = sorted(k for k in listed if fields.get(k) != listed[k])
        group = shown.get("iommu_group_detail")
        members = [m["address"] for m in group["members"]] if group else []
        want = sorted(a for a, d in whole.items() if group and d["iommu_group"] == group["group"])
        for name, bad in ((f"list --json {address}", problem),
                          (f"show --json {address}: the listing's fields",
                           differ and f"{', '.join(differ)} differ"),
                          (f"show --json {address}: the group's members",
                           members != want and f"{members} against {want}")):
            if bad:
                failed += 1
                print(f"not ok - {name}: {bad}")
            else:
                print(f"ok - {name}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
