#!/bin/bash
# After the bind: the device nodes a VFIO user opens, as the bind result (text and JSON), `show`
# and `status` list them, checked against what this kernel really made (the group node, the
# container, a device cdev only where vfio-dev/NAME/dev exists, /dev/iommu only where iommufd is).
# Checks are eval'd strings and helpers run through check: SC2016/SC2317 don't apply.
# shellcheck disable=SC2016,SC2317
# shellcheck source=tests/vm/guest/lib.sh
. "${BASH_SOURCE[0]%/*}/lib.sh"
# shellcheck source=tests/vm/guest/helpers/common.sh
. "${BASH_SOURCE[0]%/*}/helpers/common.sh"

require "vfioctl binary exists" test -x "$VFIOCTL"
find_one e1000e 8086 10d3; E=$REPLY
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

vfio "show --json" 0 show "$E" --json
check "show JSON: nodes are the kernel's" expect_nodes device.nodes
vfio "show (text)" 0 show "$E"
check "show text: VFIO nodes line" text_has "$VOUT" "VFIO nodes:"
check "show text: names the group node" text_has "$VOUT" "/dev/vfio/$GE"

vfio "status --json" 0 status --json
check "status JSON: nodes are the kernel's" expect_nodes devices.0.nodes
vfio "status (text)" 0 status
check "status text: names the group node" text_has "$VOUT" "/dev/vfio/$GE /dev/vfio/vfio"

vfio "bind again (text)" 0 bind "$E" --driver vfio-pci
check "unchanged text names the nodes" text_has "$VOUT" "/dev/vfio/$GE, /dev/vfio/vfio"

vfio "unbind e1000e" 0 unbind "$E" --json
check "e1000e back on e1000e" expect_host "$E" e1000e
check "unbind JSON: no nodes" json_expect devices.0.nodes.# 0
vfio "show --json after unbind" 0 show "$E" --json
check "show JSON after unbind: no nodes" json_expect device.nodes.# 0

finish
