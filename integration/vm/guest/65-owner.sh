#!/bin/bash
# Ownership for consumers that are not root (bind --owner/--mode, the persist udev rule): QEMU run
# as a plain user with `-device vfio-pci,host=E` fails with "Permission denied" on the kernel's
# 0600 root group node; after `bind --owner USER:GROUP --mode 0660` (and a memlock limit that
# covers the guest's RAM) it realises the device (`info pci` lists 8086:10d3). A second identical
# bind changes nothing; /dev/vfio/vfio and /dev/iommu are never touched; an unbind takes the node
# away, and a node made anew without the rule is the kernel's again. Under a real systemd-udevd,
# `persist enable` with `owner` installs rules that give a re-created node (unbind, bind by hand)
# its owner back, also when another entry's user no longer exists: the group node by IOMMU group
# membership (TEST with %k: udev gives a name of digits only no %n), the cdev by its parent (kernels
# with VFIO_DEVICE_CDEV; no Debian kernel has it, so that rule is checked here only where it exists).
# The guest's root is the host's, read-only under a tmpfs overlay: the user is made in the overlay.
# Checks are eval'd strings and helpers run through check: SC2016/SC2317 don't apply.
# shellcheck disable=SC2016,SC2317
# shellcheck source=integration/vm/guest/lib.sh
. "${BASH_SOURCE[0]%/*}/lib.sh"
# shellcheck source=integration/vm/guest/helpers/common.sh
. "${BASH_SOURCE[0]%/*}/helpers/common.sh"

start_with_the_e1000e
U=vfioctl-guest G=vfioctl-vm
getent group "$G" >/dev/null || groupadd "$G"
getent passwd "$U" >/dev/null || useradd -M -N -g "$G" -s /usr/sbin/nologin "$U"
require "a plain user $U (group $G)" getent passwd "$U"
QEMU=$(command -v qemu-system-x86_64)

# owner_of PATH: REPLY = "user:group mode" (stat is one fork; the suite asks a few times only).
owner_of() { REPLY=$(stat -c '%U:%G %a' "$1" 2>&1); }
expect_owner() {
    owner_of "$1"
    [[ $REPLY == "$2" ]] || { echo "$1 is $REPLY, expected $2"; return 1; }
}
# check_cdev_owner WHAT OWNER: the device's cdev (where this kernel makes one: 6.6+) is OWNER.
check_cdev_owner() {
    local cdev
    for cdev in "$SYS_PCI/devices/$E"/vfio-dev/*/dev; do
        [[ -e $cdev ]] || continue
        cdev=${cdev%/dev}; cdev=/dev/vfio/devices/${cdev##*/}
        check "$1 $cdev is $2" expect_owner "$cdev" "$2"
    done
}

# qemu_as_user MEMLOCK: QEMU as $U (no supplementary groups) with the device; its monitor lists
# the PCI devices and quits. -S: nothing runs, but the device is realised (group, container, DMA
# mapping of the guest's RAM, device fd) before the monitor answers.
qemu_as_user() {
    printf 'info pci\nquit\n' | prlimit --memlock="$1:$1" -- setpriv --reuid="$U" --regid="$G" --clear-groups -- \
        timeout 120 "$QEMU" -machine q35,accel=tcg -m 32 -nodefaults -no-user-config -display none -S \
        -monitor stdio -device vfio-pci,host="$E" >"$WORK/qemu.out" 2>&1
}

vfio "bind without --owner" 0 bind "$E" --driver vfio-pci
check "the group node is the kernel's: root:root 600" expect_owner "/dev/vfio/$GE" "root:root 600"
if [[ -n $QEMU ]]; then
    check "QEMU as $U cannot open the group node" eval '! qemu_as_user 268435456'
    check "... it says Permission denied on /dev/vfio/$GE" eval 'grep -q "/dev/vfio/$GE.*Permission denied" "$WORK/qemu.out"'
    head -3 "$WORK/qemu.out" | sed 's/^/# qemu: /'
else
    echo "# SKIP QEMU as a plain user: qemu-system-x86_64 not installed (scripts/vm/setup.sh installs it)"
fi
owner_of /dev/vfio/vfio; CONTAINER=$REPLY
IOMMU=""; [[ -c /dev/iommu ]] && { owner_of /dev/iommu; IOMMU=$REPLY; }

vfio "bind --owner $U:$G --mode 0660 (device already on vfio-pci)" 0 bind "$E" --driver vfio-pci --owner "$U:$G" --mode 0660 --json
check "JSON: the device is unchanged, its group node set" eval '[[ ${J[devices.0.status]} == unchanged && ${J[devices.0.node_owners.0.path]} == /dev/vfio/$GE && ${J[devices.0.node_owners.0.changed]} == true && ${J[devices.0.node_owners.0.user]} == $U && ${J[devices.0.node_owners.0.mode]} == 0660 ]]'
check "JSON: changed is true (a node changed)" eval '[[ ${J[changed]} == true ]]'
check "the group node is $U:$G 660" expect_owner "/dev/vfio/$GE" "$U:$G 660"
check_cdev_owner "the device cdev" "$U:$G 660"
check "/dev/vfio/vfio is left as it was ($CONTAINER)" expect_owner /dev/vfio/vfio "$CONTAINER"
[[ -n $IOMMU ]] && check "/dev/iommu is left as it was ($IOMMU)" expect_owner /dev/iommu "$IOMMU"
if [[ -n $QEMU ]]; then
    check "QEMU as $U (memlock 256 MiB) realises the device" qemu_as_user 268435456
    check "... info pci lists the e1000e (8086:10d3) in the QEMU guest" eval 'grep -q "8086:10d3" "$WORK/qemu.out"'
    grep -m1 -B1 "8086:10d3" "$WORK/qemu.out" | sed 's/^/# qemu: /'
    check "QEMU as $U with the default memlock limit cannot map the guest's RAM" eval '! qemu_as_user 65536'
    head -2 "$WORK/qemu.out" | sed 's/^/# qemu (memlock 64 KiB): /'
fi

vfio "the same bind again" 0 bind "$E" --driver vfio-pci --owner "$U:$G" --mode 0660
check "it says the node is unchanged" text_has "$VOUT" "owner /dev/vfio/$GE $U:$G 0660 (unchanged)"
check "the bind's hint names the memlock limit" text_has "$VOUT" "ulimit -l"
vfio "status" 0 status
check "status shows the node's owner and mode" text_has "$VOUT" "/dev/vfio/${GE}[$U:$G 0660]"
vfio "status --json" 0 status --json
check "status JSON: node_owners of the device" eval '[[ ${J[devices.0.node_owners.0.user]} == $U && ${J[devices.0.node_owners.0.group]} == $G ]]'
vfio "bind --owner --dry-run of another owner" 0 bind "$E" --driver vfio-pci --owner root --dry-run
check "the dry run says it would set root" text_has "$VOUT" "would set root"
check "... and set nothing" expect_owner "/dev/vfio/$GE" "$U:$G 660"
vfio "bind --owner nobody-such-user" 2 bind "$E" --owner vfioctl-no-such-user
check "it names the unknown user" text_has "$VERR" "unknown user 'vfioctl-no-such-user'"

vfio "unbind" 0 unbind "$E"
check "the group node went with the device" test ! -e "/dev/vfio/$GE"
vfio "bind again without --owner" 0 bind "$E" --driver vfio-pci
check "the node made anew is the kernel's (root:root 600)" expect_owner "/dev/vfio/$GE" "root:root 600"
vfio "unbind" 0 unbind "$E"

# The persist udev rules, under a udevd of this suite's own (55-provision-udev.sh does the same).
UDEVD=""
for candidate in /lib/systemd/systemd-udevd /usr/lib/systemd/systemd-udevd; do
    [[ -x $candidate ]] && { UDEVD=$candidate; break; }
done
if [[ -z $UDEVD || ! -x /bin/udevadm || -e /run/udev/control || -e /etc/vfioctl ]]; then
    echo "# SKIP the udev rule: no systemd-udevd, or udev/persist already in use"
    finish
fi
UDEVD_PID=""
_owner_exit() {
    local rc=$?
    rm -rf /etc/vfioctl /etc/udev/rules.d/70-vfioctl.rules /etc/systemd/system/vfioctl.service \
        /etc/systemd/system/sysinit.target.wants/vfioctl.service
    if [[ -n $UDEVD_PID ]]; then kill "$UDEVD_PID" 2>/dev/null; wait "$UDEVD_PID" 2>/dev/null; rm -rf /run/udev; fi
    _common_exit
    _suite_exit
    return "$rc"
}
trap _owner_exit EXIT
"$UDEVD" >"$WORK/udevd.log" 2>&1 &
UDEVD_PID=$!
wait_for 10 test -S /run/udev/control
require "systemd-udevd answers" /bin/udevadm control --ping --timeout=60

STATE=$WORK/state.toml
# A second entry (the edu) owned by a user that is deleted after persist enable: udev, reloaded,
# cannot resolve it, which must cost only that device's lines.
find_one edu 1234 11e8; EDU=$REPLY
GONE=vfioctl-gone
getent passwd "$GONE" >/dev/null || useradd -M -N -g "$G" -s /usr/sbin/nologin "$GONE"
printf '%s\n' '[[device]]' "address = \"$E\"" 'vendor = "8086"' 'device = "10d3"' 'state = "vfio"' \
    "owner = \"$U:$G\"" 'mode = "0640"' '' '[[device]]' "address = \"$EDU\"" 'vendor = "1234"' 'device = "11e8"' \
    'state = "vfio"' "owner = \"$GONE\"" >"$STATE"
vfio "persist enable with owner" 0 persist enable "$STATE" --binary "$VFIOCTL" --late-only --no-rebuild-initramfs
check "the rules name the edu's owner too" text_has /etc/udev/rules.d/70-vfioctl.rules "KERNELS==\"$EDU\", OWNER=\"$GONE\""
check "delete $GONE and reload udev's rules" eval 'userdel "$GONE" && /bin/udevadm control --reload'
check "the rules file has the group node's rule" text_has /etc/udev/rules.d/70-vfioctl.rules "KERNEL==\"[0-9]*\", TEST==\"/sys/kernel/iommu_groups/%k/devices/$E\", OWNER=\"$U\", GROUP=\"$G\", MODE=\"0640\""
check "... and the cdev's" text_has /etc/udev/rules.d/70-vfioctl.rules "SUBSYSTEM==\"vfio-dev\", KERNELS==\"$E\", OWNER=\"$U\""
check "udevd reloaded its rules" /bin/udevadm control --ping --timeout=60
# Bound by hand, as libvirt or a script would: only the rule can give the new node its owner.
check "bind to vfio-pci by hand (driver_override)" eval 'modprobe vfio-pci && write_attr "$SYS_PCI/devices/$E/driver_override" vfio-pci && write_attr "$SYS_PCI/drivers/e1000e/unbind" "$E" && write_attr "$SYS_PCI/drivers/vfio-pci/bind" "$E"'
check "udevadm settle" /bin/udevadm settle --timeout=120
check "udev gave the new group node its owner: $U:$G 640" expect_owner "/dev/vfio/$GE" "$U:$G 640"
check_cdev_owner "udev gave its owner to the new cdev" "$U:$G 640"
check "unbind and bind again by hand (node re-created)" eval 'write_attr "$SYS_PCI/drivers/vfio-pci/unbind" "$E" && write_attr "$SYS_PCI/drivers/vfio-pci/bind" "$E"'
check "udevadm settle" /bin/udevadm settle --timeout=120
check "the re-created group node has its owner again" expect_owner "/dev/vfio/$GE" "$U:$G 640"
check_cdev_owner "the re-created cdev" "$U:$G 640"
check "/dev/vfio/vfio is still as it was" expect_owner /dev/vfio/vfio "$CONTAINER"
# Editing the installed state file rewrites the owner rules in the same command (udev reloaded).
vfio "persist remove of the edu's entry (its user deleted)" 0 persist remove "$EDU"
check "the rules no longer name the edu" eval '! grep -qF "KERNELS==\"$EDU\"" /etc/udev/rules.d/70-vfioctl.rules'
check "... and still give the e1000e's nodes" text_has /etc/udev/rules.d/70-vfioctl.rules "SUBSYSTEM==\"vfio-dev\", KERNELS==\"$E\", OWNER=\"$U\""
check "persist status: the owner rules are the state file's" eval '"$VFIOCTL" persist status --json | grep -qF "\"owner_rules_current\": true"'
vfio "persist disable" 0 persist disable --no-rebuild-initramfs
check "put the e1000e back by hand" eval 'write_attr "$SYS_PCI/drivers/vfio-pci/unbind" "$E" && write_attr "$SYS_PCI/devices/$E/driver_override" "" && write_attr "$SYS_PCI/drivers/e1000e/bind" "$E"'
check "udevadm settle" /bin/udevadm settle --timeout=120
finish
