#!/bin/bash
# Safety refusals on the real kernel: an e1000e interface that is up with an address is
# refused (netdev-active, naming the address) until --force netdev-active; a process holding
# /dev/vfio/GROUP makes `unbind` refuse at once (open-fd, naming the pid) instead of blocking
# in the kernel, and unbind works once the holder is gone.
# Checks are eval'd strings and helpers run through check: SC2016/SC2317 don't apply.
# shellcheck disable=SC2016,SC2317
# shellcheck source=integration/vm/guest/lib.sh
. "${BASH_SOURCE[0]%/*}/lib.sh"
# shellcheck source=integration/vm/guest/helpers/common.sh
. "${BASH_SOURCE[0]%/*}/helpers/common.sh"

start_with_the_e1000e

# --- netdev-active -------------------------------------------------------------------------------
nets=("$SYS_PCI/devices/$E"/net/*)
IFACE=${nets[0]##*/}
require "the e1000e has a network interface" test -e "${nets[0]}"
require "ip addr add 127.0.0.2/8 dev $IFACE" ip addr add 127.0.0.2/8 dev "$IFACE"
require "ip link set $IFACE up" ip link set "$IFACE" up
# e1000e reports carrier from its watchdog (every 2 s): until then the interface is 'down',
# which vfioctl rightly treats as unused.
is_up() { local s; read -r s <"$SYS_PCI/devices/$E/net/$IFACE/operstate"; [[ $s == up ]] || { echo "$IFACE operstate is $s"; return 1; }; }
require "$IFACE operstate becomes up (within 20 s)" wait_for 20 is_up

vfio "bind an e1000e whose $IFACE is up with 127.0.0.2" 3 bind "$E" --driver vfio-pci --json
check "refusal code netdev-active" json_match error.message "*--force netdev-active*"
check "refusal names $IFACE and 127.0.0.2/8" json_match error.message "*$IFACE*127.0.0.2/8*"
check "refused: still on e1000e, no override" expect_host "$E" e1000e
check "refused: $IFACE still exists" test -e "$SYS_PCI/devices/$E/net/$IFACE"

vfio "bind --force netdev-active" 0 bind "$E" --driver vfio-pci --force netdev-active --json
check "forced: on vfio-pci" expect_vfio "$E" vfio-pci
check "forced: the override is reported" json_any checks "" "overridden: *127.0.0.2/8*"

vfio "unbind after the forced bind" 0 unbind "$E" --json
check "back on e1000e" expect_host "$E" e1000e

# --- open-fd: a process holds /dev/vfio/GROUP ----------------------------------------------------
vfio "bind e1000e --driver vfio-pci" 0 bind "$E" --driver vfio-pci --json
require "/dev/vfio/$GE exists" test -c "/dev/vfio/$GE"
hold "/dev/vfio/$GE"
VFIO_WRAP=(timeout 120)
vfio "unbind while /dev/vfio/$GE is held (timeout 120)" 3 unbind "$E" --json
VFIO_WRAP=()
check "refusal code open-fd" json_match error.message "*--force open-fd*"
check "refusal names pid $HOLDER" json_match error.message "*pid $HOLDER*/dev/vfio/$GE*"
check "refused: still on vfio-pci" expect_driver "$E" vfio-pci
release_holder
vfio "unbind after the holder exited" 0 unbind "$E" --json
check "back on e1000e" expect_host "$E" e1000e
echo "# $VFIO_CALLS vfioctl calls, $VFIO_MS_TOTAL ms"
finish
