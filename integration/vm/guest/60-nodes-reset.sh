#!/bin/bash
# After the bind: the device nodes a VFIO user opens, as the bind result (text and JSON), `show`
# and `status` list them, checked against what this kernel really made (the group node, the
# container, a device cdev only where vfio-dev/NAME/dev exists, /dev/iommu only where iommufd is).
# Reset and power: what `show` reports against the attributes (e1000e `pm bus`, nvme `flr bus`, edu
# none), `vfioctl reset` of the e1000e on vfio-pci, refused on its host driver (3), while its group
# node is held open (3), and for the edu, which has no reset attribute (4).
# No-IOMMU mode: `bind --noiommu` on a kernel without CONFIG_VFIO_NOIOMMU (every Debian kernel) is
# refused with exit 4 and changes nothing; on a kernel that has it, it turns the mode on (put back after).
# Checks are eval'd strings and helpers run through check: SC2016/SC2317 don't apply.
# shellcheck disable=SC2016,SC2317
# shellcheck source=integration/vm/guest/lib.sh
. "${BASH_SOURCE[0]%/*}/lib.sh"
# shellcheck source=integration/vm/guest/helpers/common.sh
. "${BASH_SOURCE[0]%/*}/helpers/common.sh"

require "vfioctl binary exists" test -x "$VFIOCTL"
find_one e1000e 8086 10d3; E=$REPLY
find_one nvme 1b36 0010; NV=$REPLY
find_one edu 1234 11e8; EDU=$REPLY
snapshot "$E"
group_of "$E"; GE=$REPLY
require "starting point: e1000e on e1000e, no override" expect_host "$E" e1000e

# The nodes this kernel makes for a device on vfio-pci, found without vfioctl: REPLY, space-separated.
kernel_nodes() {
    local n cdev=""
    REPLY=""
    [[ -c /dev/vfio/$GE ]] && REPLY+=" /dev/vfio/$GE"
    [[ -c /dev/vfio/noiommu-$GE ]] && REPLY+=" /dev/vfio/noiommu-$GE"
    [[ -c /dev/vfio/vfio ]] && REPLY+=" /dev/vfio/vfio"
    for n in "$SYS_PCI/devices/$E"/vfio-dev/*/dev; do
        [[ -e $n ]] || continue
        n=${n%/dev}; cdev=/dev/vfio/devices/${n##*/}
        [[ -c $cdev ]] && REPLY+=" $cdev"
    done
    [[ -c /dev/iommu ]] && REPLY+=" /dev/iommu"
    REPLY=${REPLY# }
}

# json_list PATH: REPLY = the JSON array of strings at PATH, space-separated.
json_list() {
    local i
    REPLY=""
    for ((i = 0; i < ${J[$1.#]:-0}; i++)); do REPLY+="${REPLY:+ }${J[$1.$i]}"; done
}

expect_nodes() {
    json_list "$1"
    local got=$REPLY
    kernel_nodes
    [[ $got == "$REPLY" ]] || { echo "$1 is '$got', the kernel made '$REPLY'"; return 1; }
}

vfio "bind e1000e --driver vfio-pci" 0 bind "$E" --driver vfio-pci --json
require "e1000e on vfio-pci" expect_vfio "$E" vfio-pci
kernel_nodes; echo "# nodes on $KVER: $REPLY"
check "the group node and the container exist" eval '[[ $REPLY == "/dev/vfio/$GE /dev/vfio/vfio"* ]]'
check "bind JSON: nodes are the kernel's" expect_nodes devices.0.nodes
check "bind JSON: device_node is the group node" json_expect devices.0.device_node "/dev/vfio/$GE"
if [[ -d $SYS_PCI/devices/$E/vfio-dev ]]; then
    check "a vfio-dev entry without dev has no node listed" eval \
        '[[ -e $(echo $SYS_PCI/devices/$E/vfio-dev/*/dev) || ${J[devices.0.nodes.#]} == 2 ]]'
fi

# --- reset and power ---------------------------------------------------------------------------
# attr_is BDF NAME VALUE: the attribute reads VALUE.
attr_is() {
    local v
    read -r v <"$SYS_PCI/devices/$1/$2"
    [[ $v == "$3" ]] || { echo "$1/$2 is '$v', expected '$3'"; return 1; }
}
read -r RAW_D3COLD <"$SYS_PCI/devices/$E/d3cold_allowed"
read -r RAW_IDLE <"/sys/module/vfio_pci/parameters/disable_idle_d3"
# An idle device on vfio-pci is put to sleep a moment after the bind (runtime PM): wait for the
# kernel's own attribute, then ask vfioctl once (`show` costs seconds in this guest).
check "an idle e1000e on vfio-pci sleeps (power_state D3hot)" wait_for 5 attr_is "$E" power_state D3hot
vfio "show --json" 0 show "$E" --json
check "show JSON: nodes are the kernel's" expect_nodes device.nodes
check "show JSON: reset_method of the e1000e is pm bus" eval '[[ ${J[device.reset_method.#]} == 2 && ${J[device.reset_method.0]} == pm && ${J[device.reset_method.1]} == bus ]]'
check "the kernel agrees: reset_method reads 'pm bus'" attr_is "$E" reset_method "pm bus"
check "show JSON: d3cold_allowed as the attribute" json_expect device.d3cold_allowed "$([[ $RAW_D3COLD == 1 ]] && echo true || echo false)"
check "show JSON: vfio-pci's disable_idle_d3 as its parameter" json_expect device.vfio_pci_disable_idle_d3 "$([[ $RAW_IDLE == Y ]] && echo true || echo false)"
check "show JSON: power_state D3hot" json_expect device.power_state D3hot
check "show JSON: runtime_status suspended" json_expect device.runtime_status suspended
vfio "show (text)" 0 show "$E"
check "show text: VFIO nodes line" text_has "$VOUT" "VFIO nodes:"
check "show text: names the group node" text_has "$VOUT" "/dev/vfio/$GE"

vfio "status --json" 0 status --json
check "status JSON: nodes are the kernel's" expect_nodes devices.0.nodes
vfio "status (text)" 0 status
check "status text: names the group node" text_has "$VOUT" "/dev/vfio/$GE /dev/vfio/vfio"

vfio "bind again (text)" 0 bind "$E" --driver vfio-pci
check "unchanged text names the nodes" text_has "$VOUT" "/dev/vfio/$GE, /dev/vfio/vfio"

vfio "reset --dry-run" 0 reset "$E" --dry-run
check "dry run names the write" text_has "$VOUT" "would write \"1\" > /sys/bus/pci/devices/$E/reset"
vfio "reset the e1000e on vfio-pci" 0 reset "$E" --timeout 10
check "reset says so" text_has "$VOUT" "$E: reset"
check "still on vfio-pci after the reset" expect_vfio "$E" vfio-pci
hold "/dev/vfio/$GE"
vfio "reset while /dev/vfio/$GE is held open" 3 reset "$E"
check "the refusal names the holder and open-fd" eval '[[ $(<"$VERR") == *"pid $HOLDER"*"--force open-fd"* ]]'
release_holder

vfio "unbind e1000e" 0 unbind "$E" --json
check "e1000e back on e1000e" expect_host "$E" e1000e
check "unbind JSON: no nodes" json_expect devices.0.nodes.# 0
vfio "show --json after unbind" 0 show "$E" --json
check "show JSON after unbind: no nodes" json_expect device.nodes.# 0
check "back on e1000e the device is awake: D0" json_expect device.power_state D0
vfio "reset refused on the host driver" 3 reset "$E"
check "the refusal names e1000e and host-driver" eval '[[ $(<"$VERR") == *"host driver e1000e"*"--force host-driver"* ]]'
check "still on e1000e" expect_host "$E" e1000e

# --- no-IOMMU mode ------------------------------------------------------------------------------
NOIOMMU=/sys/module/vfio/parameters/enable_unsafe_noiommu_mode
if [[ ! -e $NOIOMMU ]]; then
    echo "# $KVER has no VFIO no-IOMMU mode ($NOIOMMU is absent)"
    vfio "bind --noiommu where the kernel lacks the mode" 4 bind "$E" --driver vfio-pci --noiommu
    check "the refusal says the kernel has no no-IOMMU mode" text_has "$VERR" "no VFIO no-IOMMU mode"
    check "the refusal names CONFIG_VFIO_NOIOMMU" text_has "$VERR" "CONFIG_VFIO_NOIOMMU"
    check "the warning is on stderr" text_has "$VERR" "ANY host memory"
    check "nothing changed: e1000e on e1000e" expect_host "$E" e1000e
    check "no journal left" test ! -e "$VFIOCTL_STATE_DIR/journal.toml"
else
    read -r NOIOMMU_WAS <"$NOIOMMU"
    vfio "bind --noiommu where the kernel has the mode" 0 bind "$E" --driver vfio-pci --noiommu
    check "the mode is on" eval '[[ $(<"$NOIOMMU") == Y ]]'
    vfio "unbind after --noiommu" 0 unbind "$E"
    [[ $NOIOMMU_WAS == N ]] && echo 0 >"$NOIOMMU"
fi

vfio "show nvme --json" 0 show "$NV" --json
check "show JSON: reset_method of the nvme is flr bus" eval '[[ ${J[device.reset_method.0]} == flr && ${J[device.reset_method.1]} == bus ]]'
vfio "show edu --json" 0 show "$EDU" --json
check "the edu has no reset_method attribute" test ! -e "$SYS_PCI/devices/$EDU/reset_method"
check "show JSON: reset_method of the edu is null" json_expect device.reset_method null
vfio "reset of the edu (no reset attribute)" 4 reset "$EDU"
check "the refusal says there is no reset attribute" text_has "$VERR" "no reset attribute"

finish
