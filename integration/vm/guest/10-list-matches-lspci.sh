#!/bin/bash
# `vfioctl list --json` agrees with lspci (the independent oracle) on every device: address,
# ids, subsystem ids, class, revision, modalias, driver, IOMMU group; and the plain sysfs walk
# (--sysfs-root /sys) prints byte-identical JSON to the default libudev path; `list --modules`
# gives each device lspci -k's "Kernel modules:"; `list ADDRESS` and `show ADDRESS`, which read the
# named device alone, give the records of the whole listing (integration/vm/check_named.py).
# The comparison is integration/vm/check_list.py (one python start, ~0.3 s, instead of many forks).
# shellcheck source=integration/vm/guest/lib.sh
. "${BASH_SOURCE[0]%/*}/lib.sh"

OUT=/tmp/list-suite
mkdir -p "$OUT"
require "vfioctl binary exists ($VFIOCTL)" test -x "$VFIOCTL"
check "lspci -vmm -n -D -k" to_file "$OUT/lspci.txt" lspci -vmm -n -D -k
require "vfioctl list --json exits 0" to_file "$OUT/udev.json" "$VFIOCTL" list --json
check "vfioctl list --json --sysfs-root /sys exits 0" \
    to_file "$OUT/sysfs.json" "$VFIOCTL" list --json --sysfs-root /sys
check "vfioctl list --json --modules exits 0" to_file "$OUT/modules.json" "$VFIOCTL" list --json --modules
relay "$PY" "$VFIOCTL_REPO/integration/vm/check_list.py" "$OUT/lspci.txt" "$OUT/udev.json" "$OUT/sysfs.json" "$OUT/modules.json"
for address in $("$PY" -c 'import json, sys; print(*(d["address"] for d in json.load(open(sys.argv[1]))["devices"]))' "$OUT/udev.json"); do
    check "vfioctl list --json $address exits 0" to_file "$OUT/list-$address.json" "$VFIOCTL" list --json "$address"
    check "vfioctl show --json $address exits 0" to_file "$OUT/show-$address.json" "$VFIOCTL" show --json "$address"
done
relay "$PY" "$VFIOCTL_REPO/integration/vm/check_named.py" "$OUT/udev.json" "$OUT"
finish
