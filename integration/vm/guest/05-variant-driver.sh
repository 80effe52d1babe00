#!/bin/bash
# The test VFIO variant driver (integration/vm/variant, built on the host by
# scripts/vm/build-variant.sh) works on the real kernel, without vfioctl: install, alias
# lookup, load, override + unbind + bind, /dev/vfio/GROUP, and fail_probe=1 -> ENODEV.
# Leaves the e1000e on e1000e and the module unloaded (but installed, for later suites).
# Helper functions here run through check/require (indirectly).
# shellcheck disable=SC2317
# shellcheck source=integration/vm/guest/lib.sh
. "${BASH_SOURCE[0]%/*}/lib.sh"

MOD=test_vfio_pci DRV=test-vfio-pci
ALIAS='vfio_pci:v00008086d000010D3sv*sd*bc*sc*i*'

require "install the staged module into the guest" "$VFIOCTL_REPO/scripts/vm/guest-install-variant.sh"

has_line() {  # has_line TEXT COMMAND...: COMMAND's output contains a line equal to TEXT
    local want=$1 line
    shift
    while IFS= read -r line; do
        [[ $line == "$want" ]] && return 0
    done < <("$@")
    echo "no line '$want' in the output of: $*"
    return 1
}
check "modinfo shows the vfio_pci alias" has_line "alias:          $ALIAS" modinfo "$MOD"

pci_find 8086 10d3; BDF=$REPLY
read -r MODALIAS <"$SYS_PCI/devices/$BDF/modalias"
check "modprobe -R resolves the e1000e's vfio_pci alias to $MOD" \
    has_line "$MOD" modprobe -R "vfio_pci:${MODALIAS#pci:}"

require "modprobe $MOD" modprobe "$MOD"
check "driver $DRV registered" test -d "$SYS_PCI/drivers/$DRV"
check "module -> driver link /sys/module/$MOD/drivers/pci:$DRV" test -e "/sys/module/$MOD/drivers/pci:$DRV"
check "override-only: loading did not grab the e1000e" expect_driver "$BDF" e1000e

# Safe bind order: override, unbind, bind.
check "set driver_override=$DRV" write_attr "$SYS_PCI/devices/$BDF/driver_override" "$DRV"
check "unbind e1000e" write_attr "$SYS_PCI/devices/$BDF/driver/unbind" "$BDF"
check "bind to $DRV" write_attr "$SYS_PCI/drivers/$DRV/bind" "$BDF"
check "bound to $DRV" expect_driver "$BDF" "$DRV"
group_of "$BDF"; GROUP=$REPLY
check "/dev/vfio/$GROUP appeared" test -c "/dev/vfio/$GROUP"

check "unbind from $DRV" write_attr "$SYS_PCI/drivers/$DRV/unbind" "$BDF"
check "/dev/vfio/$GROUP went away" test ! -e "/dev/vfio/$GROUP"
check "fail_probe=1 (runtime parameter)" write_attr "/sys/module/$MOD/parameters/fail_probe" 1
check "bind with fail_probe=1 fails with ENODEV" \
    expect_write_error "$SYS_PCI/drivers/$DRV/bind" "$BDF" "No such device"
check "device left unbound after the failed probe" expect_driver "$BDF" ""
check "fail_probe=0" write_attr "/sys/module/$MOD/parameters/fail_probe" 0

# Restore: clear the override ("\n"; an empty write changes nothing), bind the native driver.
check "clear driver_override" write_attr "$SYS_PCI/devices/$BDF/driver_override" ""
read -r override <"$SYS_PCI/devices/$BDF/driver_override"
check "driver_override is unset" test "$override" = "(null)" -o -z "$override"
check "bind e1000e back" write_attr "$SYS_PCI/drivers/e1000e/bind" "$BDF"
check "back on e1000e" expect_driver "$BDF" e1000e
check "rmmod $MOD" rmmod "$MOD"

# driver_name= gives the PCI driver a name of its own; /sys/module maps module -> driver.
check "modprobe $MOD driver_name=tvp-renamed" modprobe "$MOD" driver_name=tvp-renamed
check "driver tvp-renamed registered" test -d "$SYS_PCI/drivers/tvp-renamed"
check "module -> driver link pci:tvp-renamed" test -e "/sys/module/$MOD/drivers/pci:tvp-renamed"
check "rmmod $MOD (renamed)" rmmod "$MOD"
finish
