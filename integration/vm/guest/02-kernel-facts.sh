#!/bin/bash
# What the running kernel does at the sysfs boundary vfioctl depends on, without vfioctl: each fact
# is printed as "# fact NAME: VALUE" and checked against what docs/kernels.md records for this
# kernel series (Debian 12's 6.1, Debian 13's 6.12, trixie-backports' newest). A kernel that
# changes one of them fails here, by name, before the binding suites fail for reasons that are
# harder to read. Leaves every device as it found it (edu unbound, e1000e on e1000e, no
# overrides, no dynamic ids, no VFs).
# Helper functions here run through check/require (indirectly).
# shellcheck disable=SC2317
# shellcheck source=integration/vm/guest/lib.sh
. "${BASH_SOURCE[0]%/*}/lib.sh"

shopt -s extglob
read -r KREL </proc/sys/kernel/osrelease
IFS=.- read -r KMAJOR KMINOR _ <<<"$KREL"
echo "# kernel $KREL"

# at_least MAJOR.MINOR: the running kernel is that version or newer.
at_least() {
    local major=${1%%.*} minor=${1#*.}
    ((KMAJOR > major || (KMAJOR == major && KMINOR >= minor)))
}

# series_between OLD NEW: REPLY = "old" when the running kernel is series OLD or older, "new" when
# it is NEW or newer, "" in between: a change seen between two kernels of the matrix, not bisected,
# is only asserted where it was seen.
series_between() {
    REPLY=""
    if at_least "$2"; then REPLY=new; elif ! at_least "${1%%.*}.$((${1#*.} + 1))"; then REPLY=old; fi
}

# fact_changed NAME VALUE OLD NEW OLD_WANT NEW_WANT: a fact that changed between series OLD and NEW.
fact_changed() {
    series_between "$3" "$4"
    case $REPLY in
        old) fact "$1" "$2" "$5" ;;
        new) fact "$1" "$2" "$6" ;;
        *) fact "$1" "$2" ;;
    esac
}

# fact NAME VALUE [WANT]: print the fact; with WANT, check it ("ok - fact NAME is WANT").
fact() {
    echo "# fact $1: $2"
    (($# < 3)) && return 0
    if [[ $2 == "$3" ]]; then pass "fact $1 is '$3'"; else fail "fact $1 is '$3'" "is '$2' on $KREL"; fi
}

# errno_of TEXT: REPLY = the errno name of a strerror text (what bash prints after a failed write).
errno_of() {
    case $1 in
        "No such device") REPLY=ENODEV ;;
        "Device or resource busy") REPLY=EBUSY ;;
        "Invalid argument") REPLY=EINVAL ;;
        "File exists") REPLY=EEXIST ;;
        "Numerical result out of range") REPLY=ERANGE ;;
        "No such file or directory") REPLY=ENOENT ;;
        "Argument list too long") REPLY=E2BIG ;;
        "Operation not permitted") REPLY=EPERM ;;
        *) REPLY=$1 ;;
    esac
}

# write_result FILE VALUE: REPLY = "ok", or the errno name of the failed `echo VALUE > FILE`.
write_result() {
    local err=/tmp/kernel-facts-err.$$ msg=""
    if { echo "$2" >"$1"; } 2>"$err"; then
        REPLY=ok
    else
        IFS= read -r msg <"$err" || true
        errno_of "${msg##*: }"
    fi
    rm -f "$err"
}

# raw_override BDF: REPLY = driver_override exactly as the kernel prints it (first line).
raw_override() { REPLY=""; read -r REPLY <"$SYS_PCI/devices/$1/driver_override"; }

# power_of BDF: REPLY = "POWER_STATE/RUNTIME_STATUS" (D0/active, D3hot/suspended, ...; "-" when
# the kernel has no such attribute).
power_of() {
    local state=- runtime=-
    [[ -r $SYS_PCI/devices/$1/power_state ]] && read -r state <"$SYS_PCI/devices/$1/power_state"
    [[ -r $SYS_PCI/devices/$1/power/runtime_status ]] && read -r runtime <"$SYS_PCI/devices/$1/power/runtime_status"
    REPLY="$state/$runtime"
}

# nap SECONDS: sleep without a fork (and without touching REPLY).
nap() { local _; read -rt "$1" _ <> <(:) || true; }

pci_find 1234 11e8; EDU=$REPLY
pci_find 8086 10d3; NIC=$REPLY
pci_find 1b36 000e; BRIDGE=$REPLY
pci_find 1b36 0010; NVME=$REPLY
require "the devices this suite uses exist" test -n "$EDU" -a -n "$NIC" -a -n "$BRIDGE" -a -n "$NVME"
require "edu starts unbound" expect_driver "$EDU" ""
require "modprobe vfio-pci" modprobe vfio-pci

# --- the interfaces Debian builds in (consequences of the configs, see docs/kernels.md) ----------
[[ -e /dev/vfio/vfio ]] && v=yes || v=no
fact "/dev/vfio/vfio (VFIO container, legacy group interface)" "$v" yes
[[ -e /dev/iommu ]] && v=yes || v=no
fact "/dev/iommu (IOMMUFD)" "$v" no
[[ -e /sys/module/vfio/parameters/enable_unsafe_noiommu_mode ]] && v=yes || v=no
fact "vfio no-IOMMU mode parameter (VFIO_NOIOMMU)" "$v" no
n=0
while read -r word key _; do
    [[ $word == alias && $key == vfio_pci:* ]] && n=$((n + 1))
done </lib/modules/"$KREL"/modules.alias
fact "vfio_pci: lines in modules.alias (no in-tree variant driver)" "$n" 1

# --- driver_override --------------------------------------------------------------------------------
raw_override "$EDU"
fact "driver_override when unset reads" "$REPLY" "(null)"
write_result "$SYS_PCI/devices/$EDU/driver_override" vfio-pci
fact "writing driver_override" "$REPLY" ok
"$PY" - "$SYS_PCI/devices/$EDU/driver_override" <<'PY'
import os, sys
fd = os.open(sys.argv[1], os.O_WRONLY)
print(os.write(fd, b""))
PY
raw_override "$EDU"
fact "driver_override after a 0-byte write (changes nothing)" "$REPLY" vfio-pci
driver_of "$EDU"
fact "driver_override alone binds nothing: driver" "${REPLY:-none}" none
write_result "$SYS_PCI/devices/$EDU/driver_override" ""
raw_override "$EDU"
fact "driver_override after writing a newline" "$REPLY" "(null)"
long=$(printf 'a%.0s' {1..4095})
write_result "$SYS_PCI/devices/$EDU/driver_override" "$long"
fact "driver_override write of PAGE_SIZE bytes" "$REPLY" EINVAL
raw_override "$EDU"
fact "driver_override after the refused long write" "$REPLY" "(null)"
write_result "$SYS_PCI/devices/$NIC/driver_override" vfio-pci
fact "driver_override on a bound device: the write" "$REPLY" ok
driver_of "$NIC"
fact "driver_override on a bound device: still bound to" "$REPLY" e1000e
write_result "$SYS_PCI/devices/$NIC/driver_override" ""

# --- bind / unbind / drivers_probe errnos --------------------------------------------------------
write_result "$SYS_PCI/drivers/vfio-pci/bind" "$EDU"
fact "vfio-pci/bind without override or id" "$REPLY" ENODEV
write_result "$SYS_PCI/drivers/vfio-pci/unbind" "$NIC"
fact "vfio-pci/unbind of a device bound elsewhere" "$REPLY" ENODEV
write_result "$SYS_PCI/drivers_probe" 0000:7f:1f.7
fact "drivers_probe of an unknown address" "$REPLY" ENODEV
write_result "$SYS_PCI/drivers_probe" "$EDU"
fact "drivers_probe when no driver matches" "$REPLY" ok
[[ -e $SYS_PCI/devices/$EDU/driver/unbind ]] && v=yes || v=no
fact "driver/unbind exists on an unbound device" "$v" no

# Kernel events of one bind and unbind, read from the uevent netlink socket (no udev runs here).
events=/tmp/kernel-facts-events.$$
rm -f "$events" "$events.ready"
"$PY" - "$events" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_NETLINK, socket.SOCK_DGRAM, 15)   # NETLINK_KOBJECT_UEVENT
s.bind((0, 1))
open(sys.argv[1] + ".ready", "w").close()
with open(sys.argv[1], "w") as out:
    while True:   # until the suite kills it
        fields = s.recv(65536).split(b"\0")
        if b"@" not in fields[0]:
            continue
        env = dict(f.split(b"=", 1) for f in fields[1:] if b"=" in f)
        name = env.get(b"DEVPATH", b"").decode().rsplit("/", 1)[-1]
        print(env.get(b"ACTION", b"").decode(), env.get(b"SUBSYSTEM", b"").decode(), name,
              env.get(b"DRIVER", b"").decode(), file=out, flush=True)
PY
listener=$!
for _ in {1..50}; do [[ -e $events.ready ]] && break; nap 0.1; done
write_result "$SYS_PCI/devices/$EDU/driver_override" vfio-pci
write_result "$SYS_PCI/drivers/vfio-pci/bind" "$EDU"
fact "vfio-pci/bind with driver_override" "$REPLY" ok
write_result "$SYS_PCI/drivers/vfio-pci/bind" "$EDU"
fact "vfio-pci/bind when already bound" "$REPLY" EBUSY
# 6.1 gives every VFIO device a struct device in class vfio-dev (vfio-dev/vfioN) but no character
# device; the per-device cdev /dev/vfio/devices/vfioN needs VFIO_DEVICE_CDEV, which needs IOMMUFD.
v=no
for d in "$SYS_PCI/devices/$EDU"/vfio-dev/vfio*; do [[ -e $d ]] && v=yes; done
fact "vfio-dev/vfioN under a vfio-pci device" "$v" yes
v=no
for d in /dev/vfio/devices/vfio*; do [[ -e $d ]] && v=yes; done
fact "/dev/vfio/devices/vfioN (VFIO device cdev)" "$v" no
# edu has no PCI power management capability: runtime PM suspends it, but it stays in D0.
for _ in {1..40}; do power_of "$EDU"; [[ $REPLY == */suspended ]] && break; nap 0.05; done
fact "power of an idle edu (no PM capability) bound to vfio-pci" "$REPLY" D0/suspended
write_result "$SYS_PCI/drivers/vfio-pci/unbind" "$EDU"
power_of "$EDU"
fact "power of edu right after unbinding from vfio-pci" "$REPLY" D0/active
write_result "$SYS_PCI/devices/$EDU/driver_override" ""
nap 0.5
kill "$listener"
wait "$listener" 2>/dev/null
ev=""
while IFS= read -r line; do
    [[ $line == *" $EDU "* || $line == *" vfio "* ]] && ev+="${ev:+; }${line% }"
done <"$events"
rm -f "$events" "$events.ready"
# The vfio group node's events carry the group number: drop it (numbers depend on the boot).
ev=${ev//vfio +([0-9])/vfio N}
fact "kernel events of a bind to vfio-pci and an unbind" "$ev" \
    "add vfio N; bind pci $EDU vfio-pci; remove vfio N; unbind pci $EDU"
power_of "$EDU"
fact "power of edu unbound, later" "$REPLY" D0/active

# A device with the PM capability (e1000e): vfio-pci puts it into D3hot once idle (runtime PM);
# unbinding wakes it, and unbound it stays awake.
power_of "$NIC"
fact "power of e1000e bound to e1000e" "$REPLY" D0/active
write_result "$SYS_PCI/devices/$NIC/driver_override" vfio-pci
write_result "$SYS_PCI/devices/$NIC/driver/unbind" "$NIC"
write_result "$SYS_PCI/drivers/vfio-pci/bind" "$NIC"
fact "vfio-pci/bind of the e1000e" "$REPLY" ok
for _ in {1..40}; do power_of "$NIC"; [[ $REPLY == D3hot/* ]] && break; nap 0.05; done
fact "power of an idle e1000e bound to vfio-pci" "$REPLY" D3hot/suspended
write_result "$SYS_PCI/drivers/vfio-pci/unbind" "$NIC"
power_of "$NIC"
fact "power of e1000e right after unbinding from vfio-pci" "$REPLY" D0/active
nap 0.5
power_of "$NIC"
fact "power of e1000e unbound, later" "$REPLY" D0/active
write_result "$SYS_PCI/devices/$NIC/driver_override" ""
write_result "$SYS_PCI/drivers/e1000e/bind" "$NIC"
check "e1000e back on e1000e" expect_driver "$NIC" e1000e

# vfio-pci refuses what is not an endpoint.
write_result "$SYS_PCI/devices/$BRIDGE/driver_override" vfio-pci
driver_of "$BRIDGE"; bridge_driver=$REPLY
if [[ -n $bridge_driver ]]; then write_result "$SYS_PCI/devices/$BRIDGE/driver/unbind" "$BRIDGE"; fi
write_result "$SYS_PCI/drivers/vfio-pci/bind" "$BRIDGE"
fact "vfio-pci/bind of a PCI bridge" "$REPLY" EINVAL
write_result "$SYS_PCI/devices/$BRIDGE/driver_override" ""
if [[ -n $bridge_driver ]]; then write_result "$SYS_PCI/drivers/$bridge_driver/bind" "$BRIDGE"; fi
check "bridge back on '${bridge_driver}'" expect_driver "$BRIDGE" "$bridge_driver"

# --- dynamic ids ----------------------------------------------------------------------------------
write_result "$SYS_PCI/drivers/vfio-pci/new_id" "1234 11e8"
fact "vfio-pci/new_id" "$REPLY" ok
driver_of "$EDU"
fact "new_id binds the unbound matching device at once" "$REPLY" vfio-pci
write_result "$SYS_PCI/drivers/vfio-pci/new_id" "1234 11e8"
fact "vfio-pci/new_id again" "$REPLY" EEXIST
write_result "$SYS_PCI/drivers/vfio-pci/remove_id" "1234 11e8"
driver_of "$EDU"
fact "remove_id leaves the device bound to" "$REPLY" vfio-pci
write_result "$SYS_PCI/drivers/vfio-pci/remove_id" "1234 11e8"
fact "vfio-pci/remove_id of an absent id" "$REPLY" ENODEV
write_result "$SYS_PCI/drivers/vfio-pci/unbind" "$EDU"
check "edu unbound again" expect_driver "$EDU" ""

# --- SR-IOV ---------------------------------------------------------------------------------------
PF=$SYS_PCI/devices/$NVME
write_result "$PF/sriov_numvfs" 5
fact "sriov_numvfs above sriov_totalvfs" "$REPLY" ERANGE
write_result "$PF/sriov_numvfs" abc
fact "sriov_numvfs not a number" "$REPLY" EINVAL
write_result "$PF/sriov_drivers_autoprobe" 0
write_result "$PF/sriov_numvfs" 1
fact "sriov_numvfs 1" "$REPLY" ok
write_result "$PF/sriov_numvfs" 2
fact "sriov_numvfs 2 while 1 VF exists" "$REPLY" EBUSY
write_result "$PF/sriov_numvfs" 0
write_result "$PF/sriov_drivers_autoprobe" 1
read -r n <"$PF/sriov_numvfs"
check "no VFs left" test "$n" = 0

# --- attributes -----------------------------------------------------------------------------------
# reset_method lists the resets the kernel would use, in order; "-" where the attribute is hidden
# (a device with no reset method).
reset_method() {
    REPLY=-
    [[ -r $SYS_PCI/devices/$1/reset_method ]] && read -r REPLY <"$SYS_PCI/devices/$1/reset_method"
}
reset_method "$NIC"; fact "reset_method of e1000e" "$REPLY" "pm bus"
reset_method "$NVME"; fact "reset_method of nvme" "$REPLY" "flr bus"
reset_method "$EDU"; fact "reset_method of edu" "$REPLY" -
# Every attribute of a PCI function, for docs/kernels.md's comparison.
attrs=""
for a in "$SYS_PCI/devices/$NIC"/*; do
    [[ -L $a ]] && continue
    attrs+="${attrs:+ }${a##*/}"
done
fact "attributes of a PCI function (e1000e)" "$attrs"
# New on the newest kernel (absent on 6.12, present on 7.3): the PCIe Device Serial Number as an
# attribute, and an aer/ directory (AER log rate limits) next to the aer_dev_* counters.
[[ -e $SYS_PCI/devices/$NIC/serial_number ]] && v=yes || v=no
fact_changed "attribute serial_number (e1000e has a DSN capability)" "$v" 6.12 7.3 no yes
[[ -d $SYS_PCI/devices/$NIC/aer ]] && v=yes || v=no
fact_changed "directory aer/" "$v" 6.12 7.3 no yes
for a in driver_override reset_method power_state d3cold_allowed modalias enable remove; do
    [[ -e $SYS_PCI/devices/$NIC/$a ]] && v=yes || v=no
    fact "attribute $a" "$v" yes
done
finish
