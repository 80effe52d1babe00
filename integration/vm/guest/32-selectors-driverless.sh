#!/bin/bash
# Issue 21 on the real kernel: every device form on a writing command (bind/unbind by short
# address, libvirt name, id pair, slot, glob, network interface), the commands of one device
# refusing a slot of two functions, and `bind --driver none` (no driver, kept so even through
# drivers_probe; recorded; `unbind` puts it back), and bind/unbind --save editing a state file.
# Checks are eval'd strings and helpers run through check: SC2016/SC2317 don't apply.
# shellcheck disable=SC2016,SC2317
# shellcheck source=integration/vm/guest/lib.sh
. "${BASH_SOURCE[0]%/*}/lib.sh"
# shellcheck source=integration/vm/guest/helpers/common.sh
. "${BASH_SOURCE[0]%/*}/helpers/common.sh"

require "vfioctl binary exists" test -x "$VFIOCTL"
[[ -d /sys/module/test_vfio_pci ]] && rmmod test_vfio_pci
find_one e1000e 8086 10d3; E=$REPLY
find_one virtio-rng 1af4 1044; RNG=$REPLY
snapshot "$E" "$RNG"
require "starting point: e1000e on e1000e, no override" expect_host "$E" e1000e
IF=""
for entry in "$SYS_PCI/devices/$E/net/"*; do [[ -d $entry ]] && IF=${entry##*/}; done
require "the e1000e has a network interface" test -n "$IF"
SHORT=${E#0000:}                                      # 01:00.0
SLOT=${SHORT%.*}                                      # 01:00
LIBVIRT=pci_${E//[:.]/_}                              # pci_0000_01_00_0
GLOB="${E%.*}.?"                                      # 0000:01:00.?

# bind FORM, check, unbind FORM2, check: both forms resolve to the e1000e and nothing else.
round_trip() {
    local how=$1 there=$2 back=$3
    vfio "bind by $how ($there)" 0 bind "$there" --driver vfio-pci --json
    check "by $how: e1000e on vfio-pci" expect_vfio "$E" vfio-pci
    check "by $how: one device, the e1000e" eval '[[ ${J[devices.#]} == 1 && ${J[devices.0.address]} == "$E" ]]'
    vfio "unbind by ${back} form" 0 unbind "$back" --json
    check "after $how: e1000e back on e1000e" expect_host "$E" e1000e
}
round_trip "network interface" "$IF" "$LIBVIRT"       # the interface is gone once on vfio-pci
round_trip "short address" "$SHORT" "$GLOB"
round_trip "libvirt name" "$LIBVIRT" "$SLOT"
round_trip "id pair" "8086:10d3" "$SHORT"
round_trip "slot" "$SLOT" "8086:10d3"
round_trip "glob" "$GLOB" "$E"

vfio "bind a missing interface" 4 bind "nosuch0" --driver vfio-pci
check "the message names it" text_has "$VERR" "no PCI device has the network interface 'nosuch0'"
vfio "bind '*'" 2 bind '*' --driver vfio-pci
check "nothing moved" expect_host "$E" e1000e
# virtio-net and virtio-rng share one slot: override means one device.
vfio "override a slot of two functions" 2 override "${RNG%.*}" --clear
check "the refusal lists both functions" eval 'text_has "$VERR" "${RNG%.*}.0" && text_has "$VERR" "$RNG"'

# --- driverless and back ---------------------------------------------------------------------------
vfio "bind --driver none" 0 bind "$LIBVIRT" --driver none --json
check "e1000e has no driver" expect_driver "$E" ""
check "driver_override is pinned to none" expect_override "$E" none
check "JSON: to_driver none" json_expect devices.0.to_driver none
check "JSON: override first, then unbind, no bind" eval \
    '[[ ${J[devices.0.steps.#]} == 2 && ${J[devices.0.steps.0.path]} == */driver_override && ${J[devices.0.steps.0.value]} == none && ${J[devices.0.steps.1.path]} == */e1000e/unbind ]]'
write_attr "$SYS_PCI/drivers_probe" "$E"
check "drivers_probe binds nothing" expect_driver "$E" ""
vfio "status --json" 0 status --json
check "status: recorded, bound to none, state bound" eval \
    '[[ ${J[devices.0.address]} == "$E" && ${J[devices.0.bound_driver]} == none && ${J[devices.0.original_driver]} == e1000e && ${J[devices.0.state]} == bound ]]'
vfio "bind --driver none again" 0 bind "$E" --driver none --json
check "again: unchanged, no writes" eval '[[ ${J[changed]} == false && ${J[devices.0.steps.#]} == 0 ]]'
vfio "unbind the driverless device" 0 unbind "$SLOT" --json
check "back on e1000e, override cleared" expect_host "$E" e1000e
vfio "status after unbind" 0 status --json
check "no record left" json_expect devices.# 0
# --- bind --save / unbind --save: the desired-state file follows ------------------------------------
STATE=$WORK/etc/state.toml
mkdir -p "$WORK/etc" && chmod 0755 "$WORK/etc"
printf '# kept as written\n[[device]]\nids = "1234:11e8"\nstate = "host"\n' >"$STATE"
vfio "bind --save" 0 bind "$IF" --driver vfio-pci --save --state-file "$STATE"
check "bound" expect_vfio "$E" vfio-pci
check "the file has the e1000e's entry" text_has "$STATE" "address = \"$E\""
check "and kept what was there" text_has "$STATE" "# kept as written"
vfio "unbind --save" 0 unbind "$E" --save --state-file "$STATE"
check "back on e1000e" expect_host "$E" e1000e
check "the entry is gone, the rest as written" eval '[[ $(<"$STATE") == "# kept as written"*"state = \"host\"" && $(<"$STATE") != *"$E"* ]]'
echo "# $VFIO_CALLS vfioctl calls, $VFIO_MS_TOTAL ms"
finish
