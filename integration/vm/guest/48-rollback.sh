#!/bin/bash
# Rollback and what is left behind, on the real kernel:
# - a failed `apply` with VFs: 2 VFs on vfio-pci from an earlier apply; an apply asking for 3 VFs
#   plus an entry that fails (the e1000e on the test variant with fail_probe=1) exits 1 and puts
#   the PF back to 2 VFs, both again on vfio-pci with their /dev/vfio nodes, overrides and records;
#   the report lists each device once with its final status;
# - a device moved and put back is reported: `bind NIC BRIDGE --driver vfio-pci` (vfio-pci refuses
#   the bridge, EINVAL) reports the NIC as rolled_back on e1000e, in JSON and in text;
# - knobs put back: `sriov --vfs 0` and `persist disable --restore` (which also removes the VFs)
#   return sriov_drivers_autoprobe to 1, the value vfioctl found;
# - pci-stub needs no viable IOMMU group: the e1000 (its group also holds the rtl8139 on its host
#   driver) and the edu device bind to pci-stub and come back.
# Checks are eval'd strings and helpers run through check: SC2016/SC2317/SC2034 don't apply.
# shellcheck disable=SC2016,SC2317,SC2034
# shellcheck source=integration/vm/guest/lib.sh
. "${BASH_SOURCE[0]%/*}/lib.sh"
# shellcheck source=integration/vm/guest/helpers/common.sh
. "${BASH_SOURCE[0]%/*}/helpers/common.sh"

MOD=test_vfio_pci
require "vfioctl binary exists" test -x "$VFIOCTL"
require "install the test variant driver" "$VFIOCTL_REPO/scripts/vm/guest-install-variant.sh"
find_one "e1000e NIC" 8086 10d3; NIC=$REPLY
find_one "NVMe PF" 1b36 0010; PF=$REPLY
find_one "pcie-pci-bridge" 1b36 000e; BR=$REPLY
find_one e1000 8086 100e; E1=$REPLY
find_one edu 1234 11e8; EDU=$REPLY
for d in "$NIC" "$PF" "$BR" "$E1" "$EDU"; do require "$d is not a 9p device" not_9p "$d"; done
PFD=$SYS_PCI/devices/$PF
snapshot "$NIC" "$PF" "$BR" "$E1" "$EDU"
SRIOV_PFS=$PF
read -r numvfs <"$PFD/sriov_numvfs"
read -r autoprobe <"$PFD/sriov_drivers_autoprobe"
require "starting point: NIC on e1000e, PF on nvme with 0 VFs, autoprobe 1" eval \
    '[[ ${SNAP_DRIVER[$NIC]} == e1000e && ${SNAP_DRIVER[$PF]} == nvme && $numvfs == 0 && $autoprobe == 1 ]]'

# vfs_are N: sriov_numvfs is N; VF0/VF1/VF2 = the first VFs ("" when absent).
vfs_are() {
    local n
    read -r n <"$PFD/sriov_numvfs"
    _link_name "$PFD/virtfn0"; VF0=$REPLY
    _link_name "$PFD/virtfn1"; VF1=$REPLY
    _link_name "$PFD/virtfn2"; VF2=$REPLY
    [[ $n == "$1" ]] || { echo "sriov_numvfs is $n, expected $1"; return 1; }
}
autoprobe_is() {
    local v
    read -r v <"$PFD/sriov_drivers_autoprobe"
    [[ $v == "$1" ]] || { echo "sriov_drivers_autoprobe is $v, expected $1"; return 1; }
}
# entries_of ADDRESS: REPLY = how many report entries J has for ADDRESS; ST = the last one's status.
entries_of() {
    local i n=${J[devices.#]:-0} c=0
    ST=""
    for ((i = 0; i < n; i++)); do
        [[ ${J[devices.$i.address]} == "$1" ]] && { c=$((c + 1)); ST=${J[devices.$i.status]}; TO=${J[devices.$i.to_driver]}; }
    done
    REPLY=$c
}
one_entry() {
    entries_of "$1"
    [[ $REPLY == 1 && $ST == "$2" && $TO == "$3" ]] || { echo "$1: $REPLY entries, last $ST to $TO (expected one, $2 to $3)"; return 1; }
}
# has_status ADDRESS STATUS: some entry of the report J (a PF may be listed twice: VFs, binding).
has_status() {
    local i n=${J[devices.#]:-0}
    for ((i = 0; i < n; i++)); do
        [[ ${J[devices.$i.address]} == "$1" && ${J[devices.$i.status]} == "$2" ]] && return 0
    done
    echo "no entry for $1 with status $2"
    return 1
}
status_has() {
    local i n=${J[devices.#]:-0}
    for ((i = 0; i < n; i++)); do
        [[ ${J[devices.$i.address]} == "$1" && ${J[devices.$i.state]} == "$2" ]] && return 0
    done
    echo "status has no $1 in state $2"
    return 1
}

# --- a failed apply with VFs ----------------------------------------------------------------------
TWO=$WORK/two-vfs.toml THREE=$WORK/three-vfs-and-nic.toml NONE=$WORK/no-vfs.toml
printf '%s\n' '[[device]]' "address = \"$PF\"" 'vendor = "1b36"' 'device = "0010"' 'state = "host"' 'vfs = 2' '' \
    '[[device]]' "vfs_of = \"$PF\"" 'state = "vfio"' >"$TWO"
printf '%s\n' '[[device]]' "address = \"$PF\"" 'vendor = "1b36"' 'device = "0010"' 'state = "host"' 'vfs = 3' '' \
    '[[device]]' "vfs_of = \"$PF\"" 'state = "vfio"' '' \
    '[[device]]' "address = \"$NIC\"" 'vendor = "8086"' 'device = "10d3"' "driver = \"$MOD\"" >"$THREE"
printf '%s\n' '[[device]]' "address = \"$PF\"" 'vendor = "1b36"' 'device = "0010"' 'state = "host"' 'vfs = 0' >"$NONE"

vfio "apply: 2 VFs on vfio-pci" 0 apply "$TWO" --json
require "2 VFs, both on vfio-pci" eval 'vfs_are 2 && expect_vfio "$VF0" vfio-pci && expect_vfio "$VF1" vfio-pci'
BVF0=$VF0 BVF1=$VF1
check "autoprobe is 0 while vfioctl's VFs exist" autoprobe_is 0

require "load $MOD with fail_probe=1" eval 'modprobe "$MOD" && write_attr "/sys/module/$MOD/parameters/fail_probe" 1'
vfio "apply: 3 VFs and the NIC on a failing driver" 1 apply "$THREE" --json
check "JSON: exit_status 1" json_expect exit_status 1
check "the PF is back to 2 VFs (the same ones)" eval 'vfs_are 2 && [[ $VF0 == "$BVF0" && $VF1 == "$BVF1" && -z $VF2 ]]'
check "autoprobe is 0 again, as before the apply" autoprobe_is 0
for vf in "$BVF0" "$BVF1"; do
    check "VF $vf back on vfio-pci with its /dev/vfio node" expect_vfio "$vf" vfio-pci
    check "VF $vf's driver_override is vfio-pci again" expect_override "$vf" vfio-pci
    check "report: VF $vf listed once, rolled back to vfio-pci" one_entry "$vf" rolled_back vfio-pci
done
check "the NIC is back on e1000e, no override" expect_host "$NIC" e1000e
check "report: the NIC listed once, failed" eval 'entries_of "$NIC"; [[ $REPLY == 1 && $ST == failed ]]'
check "report: the PF's VF change rolled back" has_status "$PF" rolled_back
check "no journal is left" test ! -e "$VFIOCTL_STATE_DIR/journal.toml"
vfio "status after the failed apply" 0 status --json
check "status: both VFs still managed, bound" eval 'status_has "$BVF0" bound && status_has "$BVF1" bound'
check "status: nothing else" json_expect devices.# 2
rmmod "$MOD"

vfio "apply: no VFs" 0 apply "$NONE" --json
check "the VFs are gone" vfs_are 0
check "autoprobe is back to 1 (as vfioctl found it)" autoprobe_is 1
vfio "status after removing the VFs" 0 status --json
check "status: nothing managed" json_expect devices.# 0

# --- a device moved and put back is reported -------------------------------------------------------
vfio "bind NIC + bridge (vfio-pci refuses the bridge)" 1 bind "$NIC" "$BR" --driver vfio-pci \
    --force bridge --force group-not-viable --json
check "the NIC is back on e1000e, no override" expect_host "$NIC" e1000e
check "report: NIC rolled_back, ended on e1000e" one_entry "$NIC" rolled_back e1000e
check "report: NIC's message names the bridge" eval 'json_index devices address "$NIC" && json_match "devices.$REPLY.message" "*$BR failed*"'
check "report: bridge failed" eval 'entries_of "$BR"; [[ $REPLY == 1 && $ST == failed ]]'
check "the bridge is left without a driver" expect_driver "$BR" ""
vfio "the same, in text" 1 bind "$NIC" "$BR" --driver vfio-pci --force bridge --force group-not-viable
check "text: 'rolled back to e1000e'" text_has "$VOUT" "$NIC rolled back to e1000e"
vfio "status after the rolled back binds" 0 status --json
check "status: nothing managed" json_expect devices.# 0

# --- knobs put back ----------------------------------------------------------------------------------
vfio "sriov --vfs 2" 0 sriov "$PF" --vfs 2 --json
check "autoprobe 0 while the VFs exist" autoprobe_is 0
vfio "sriov --vfs 0" 0 sriov "$PF" --vfs 0 --json
check "autoprobe back to 1 after --vfs 0" autoprobe_is 1

vfio "sriov --vfs 2 --bind" 0 sriov "$PF" --vfs 2 --bind --json
check "2 VFs on vfio-pci" eval 'vfs_are 2 && expect_vfio "$VF0" vfio-pci && expect_vfio "$VF1" vfio-pci'
vfio "persist disable --restore" 0 persist disable --restore --root "$WORK/root" --json
check "persist disable --restore: no VFs left" vfs_are 0
check "persist disable --restore: autoprobe back to 1" autoprobe_is 1
vfio "status after persist disable --restore" 0 status --json
check "status: nothing managed" json_expect devices.# 0

# --- pci-stub needs no viable group --------------------------------------------------------------------
vfio "bind e1000 and edu to pci-stub" 0 bind "$E1" "$EDU" --driver pci-stub --json
check "e1000 on pci-stub" expect_driver "$E1" pci-stub
check "edu on pci-stub" expect_driver "$EDU" pci-stub
check "JSON: no /dev/vfio node for pci-stub" eval \
    'json_index devices address "$E1" && json_expect "devices.$REPLY.device_node" null'
vfio "unbind e1000 and edu" 0 unbind "$E1" "$EDU" --json
check "e1000 back on e1000" expect_host "$E1" e1000
check "edu back to no driver" expect_driver "$EDU" ""
[[ -d /sys/module/pci_stub ]] && rmmod pci_stub 2>/dev/null

echo "# $VFIO_CALLS vfioctl calls, $VFIO_MS_TOTAL ms"
finish
