#!/bin/bash
# SR-IOV on the real kernel (QEMU's NVMe with 4 VFs): `sriov PF --vfs 2 --bind` turns driver
# autoprobe off, creates 2 VFs and binds both to vfio-pci (own groups, /dev/vfio nodes); the
# PF itself is refused (sriov-pf); removing the VFs is refused while a VF's node is held
# (open-fd), then `--vfs 0` removes them and puts autoprobe back to 1.
# Checks are eval'd strings and helpers run through check: SC2016/SC2317 don't apply.
# shellcheck disable=SC2016,SC2317
# shellcheck source=integration/vm/guest/lib.sh
. "${BASH_SOURCE[0]%/*}/lib.sh"
# shellcheck source=integration/vm/guest/helpers/common.sh
. "${BASH_SOURCE[0]%/*}/helpers/common.sh"

require "vfioctl binary exists" test -x "$VFIOCTL"
find_one "NVMe PF" 1b36 0010; PF=$REPLY
PFD=$SYS_PCI/devices/$PF
snapshot "$PF"
SRIOV_PFS=$PF
read -r numvfs <"$PFD/sriov_numvfs"
require "starting point: PF on nvme with 0 VFs" eval '[[ ${SNAP_DRIVER[$PF]} == nvme && $numvfs == 0 ]]'
group_of "$PF"; GPF=$REPLY

vfio "sriov PF --vfs 2 --bind" 0 sriov "$PF" --vfs 2 --bind --json
read -r numvfs <"$PFD/sriov_numvfs"
read -r autoprobe <"$PFD/sriov_drivers_autoprobe"
check "sriov_numvfs is 2" test "$numvfs" = 2
check "sriov_drivers_autoprobe is 0" test "$autoprobe" = 0
_link_name "$PFD/virtfn0"; VF0=$REPLY
_link_name "$PFD/virtfn1"; VF1=$REPLY
require "two VFs exist (virtfn0, virtfn1)" eval '[[ -n $VF0 && -n $VF1 ]]'
echo "# VFs: $VF0 $VF1"
declare -A seen_groups=([$GPF]=PF)
for vf in "$VF0" "$VF1"; do
    check "VF $vf on vfio-pci with its /dev/vfio node" expect_vfio "$vf" vfio-pci
    group_of "$vf"; g=$REPLY
    group_members "$g"
    check "VF $vf is alone in group $g" test "$REPLY" = "$vf"
    check "VF $vf's group $g is its own" test -z "${seen_groups[$g]-}"
    seen_groups[$g]=$vf
    check "JSON: VF $vf bound to vfio-pci" eval \
        'json_index devices address "$vf" >/dev/null && [[ ${J[devices.$REPLY.to_driver]} == vfio-pci && ${J[devices.$REPLY.status]} == changed ]]'
done
check "the PF stays on nvme" expect_driver "$PF" nvme
group_of "$VF0"; GVF0=$REPLY

vfio "status --json" 0 status --json
check "status lists both VFs" eval 'json_index devices address "$VF0" >/dev/null && json_index devices address "$VF1" >/dev/null'

vfio "bind the PF to vfio-pci" 3 bind "$PF" --driver vfio-pci --json
check "refused with code sriov-pf" json_match error.message "*--force sriov-pf*"
check "refused: PF still on nvme with 2 VFs" eval \
    'expect_driver "$PF" nvme && read -r n <"$PFD/sriov_numvfs" && [[ $n == 2 ]]'

# Removing the VFs unbinds them: refused while one is held.
hold "/dev/vfio/$GVF0"
VFIO_WRAP=(timeout 120)
vfio "sriov --vfs 0 while /dev/vfio/$GVF0 is held" 3 sriov "$PF" --vfs 0 --json
VFIO_WRAP=()
check "refused with code open-fd naming pid $HOLDER" json_match error.message "*pid $HOLDER*--force open-fd*"
check "refused: still 2 VFs" eval 'read -r n <"$PFD/sriov_numvfs" && [[ $n == 2 ]]'
release_holder

vfio "sriov --vfs 0" 0 sriov "$PF" --vfs 0 --json
read -r numvfs <"$PFD/sriov_numvfs"
check "sriov_numvfs is 0" test "$numvfs" = 0
check "the VFs are gone" eval '[[ ! -e $SYS_PCI/devices/$VF0 && ! -e $SYS_PCI/devices/$VF1 ]]'
check "/dev/vfio/$GVF0 is gone" test ! -e "/dev/vfio/$GVF0"
check "the PF is still on nvme" expect_host "$PF" nvme
vfio "status --json after removing the VFs" 0 status --json
stale=""
for ((k = 0; k < ${J[devices.#]:-0}; k++)); do stale+=" ${J[devices.$k.address]}(${J[devices.$k.state]})"; done
check "status keeps no record of the removed VFs" test -z "$stale"
[[ -n $stale ]] && echo "# status still lists:$stale"

# vfioctl put back the autoprobe it found once the VFs were gone.
read -r autoprobe <"$PFD/sriov_drivers_autoprobe"
check "sriov_drivers_autoprobe is back to 1" test "$autoprobe" = 1
echo "# $VFIO_CALLS vfioctl calls, $VFIO_MS_TOTAL ms"
finish
