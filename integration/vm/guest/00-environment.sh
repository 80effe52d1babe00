#!/bin/bash
# Sanity of the test VM itself (no vfioctl needed): the device set from scripts/vm/run.sh is
# present, native drivers are bound, the IOMMU is on and groups look as the later suites
# assume. If this suite fails, fix the VM before believing any other result.
# Helper functions here run through check/require (indirectly).
# shellcheck disable=SC2317
# shellcheck source=integration/vm/guest/lib.sh
. "${BASH_SOURCE[0]%/*}/lib.sh"

check "running inside the test VM" test "${VFIOCTL_IN_VM:-}" = 1

# --- the kernel under test (integration/vm/run-all.sh --kernel) ----------------------------------------
# A kernel fetched into .build-vm/kernels/ has its modules overlaid here by the initramfs; the
# suites' modprobe, modinfo and vfioctl read them at the usual place, and guest-install-variant.sh
# writes the test variant's index files into it (guest memory, never the host).
read -r KREL </proc/sys/kernel/osrelease
echo "# kernel $KREL"
check "modules of $KREL at /lib/modules/$KREL (modules.dep, modules.alias)" \
    test -f "/lib/modules/$KREL/modules.dep" -a -f "/lib/modules/$KREL/modules.alias"
check "/lib/modules/$KREL is writable (in guest memory)" test -w "/lib/modules/$KREL"

# --- IOMMU --------------------------------------------------------------------------------------
check "intel IOMMU is active (dmar0)" test -e /sys/class/iommu/dmar0
groups=(/sys/kernel/iommu_groups/*)
check "IOMMU groups exist" test -e "${groups[0]}"
no_group=""
for d in "$SYS_PCI"/devices/*; do
    [[ -e $d/iommu_group ]] || no_group+=" ${d##*/}"
done
check "every PCI device has an IOMMU group" test -z "$no_group"
[[ -z $no_group ]] || echo "# without group:$no_group"

# --- devices and their native drivers -----------------------------------------------------------
# expect_device LABEL VENDOR DEVICE COUNT DRIVER...: COUNT devices with these ids, each bound
# to one of DRIVER ("" = no driver expected).
expect_device() {
    local label=$1 ven=$2 dev=$3 count=$4 bdf ok
    shift 4
    pci_find "$ven" "$dev"
    local found
    read -ra found <<<"$REPLY"
    if ((${#found[@]} != count)); then
        fail "$label ($ven:$dev) present" "found ${#found[@]} (${found[*]}), expected $count"
        return
    fi
    pass "$label ($ven:$dev) present"
    for bdf in "${found[@]}"; do
        driver_of "$bdf"
        ok=0
        for want in "$@"; do [[ $REPLY == "$want" ]] && ok=1; done
        if ((ok)); then pass "$label $bdf driver '${REPLY}'"
        else fail "$label $bdf driver" "is '${REPLY}', expected one of: ${*:-<none>}"
        fi
    done
}
expect_device "PCIe root ports" 1b36 000c 5 pcieport
expect_device "e1000e" 8086 10d3 1 e1000e
expect_device "virtio-net" 1af4 1041 2 virtio-pci
expect_device "NVMe (SR-IOV PF)" 1b36 0010 1 nvme
expect_device "pcie-pci-bridge" 1b36 000e 1 "" shpchp
expect_device "e1000 behind the bridge" 8086 100e 1 e1000
expect_device "rtl8139 behind the bridge" 10ec 8139 1 8139cp 8139too
expect_device "virtio-rng (multifunction fn 1)" 1af4 1044 1 virtio-pci
expect_device "edu (no Linux driver)" 1234 11e8 1 ""
expect_device "virtio-9p (root + I/O shares)" 1af4 1009 2 virtio-pci

# The 9p functions the runner told us never to unbind.
read -ra nine_p <<<"${VFIOCTL_VM_9P_DEVICES:-}"
check "runner names the 2 virtio-9p devices" test "${#nine_p[@]}" = 2

# virtio children: the net and rng functions are driven by the virtio drivers.
virtio_children() {  # virtio_children BDF DRIVER
    local v
    for v in "$SYS_PCI/devices/$1"/virtio*; do
        _link_name "$v/driver"
        [[ $REPLY == "$2" ]] && return 0
    done
    echo "no virtio child of $1 bound to $2"
    return 1
}
pci_find 1af4 1041
for bdf in $REPLY; do check "virtio-net $bdf has a virtio_net child" virtio_children "$bdf" virtio_net; done
pci_find 1af4 1044
for bdf in $REPLY; do check "virtio-rng $bdf has a virtio_rng child" virtio_children "$bdf" virtio_rng; done

# --- IOMMU group shapes the binding tests rely on -------------------------------------------------
# expect_group_size LABEL BDF N
expect_group_size() {
    group_of "$2"
    if [[ -z $REPLY ]]; then fail "$1 group" "$2 has no IOMMU group"; return; fi
    local g=$REPLY
    group_members "$g"
    local members
    read -ra members <<<"$REPLY"
    if ((${#members[@]} == $3)); then pass "$1 group $g has $3 member(s)"
    else fail "$1 group $g has $3 member(s)" "has ${#members[@]}: ${members[*]}"
    fi
}
pci_find 1b36 000e; bridge=$REPLY
[[ -n $bridge ]] && expect_group_size "pcie-pci-bridge" "$bridge" 3
pci_find 8086 100e; e1000=$REPLY
group_of "$bridge"; gb=$REPLY
group_of "$e1000"; ge=$REPLY
check "e1000 shares the bridge's group" test -n "$gb" -a "$gb" = "$ge"
pci_find 1af4 1044; rng=$REPLY
[[ -n $rng ]] && expect_group_size "multifunction slot (virtio-net + virtio-rng)" "$rng" 2
pci_find 8086 10d3; [[ -n $REPLY ]] && expect_group_size "e1000e" "$REPLY" 1
pci_find 1b36 0010; nvme=$REPLY
[[ -n $nvme ]] && expect_group_size "NVMe PF" "$nvme" 1
pci_find 1234 11e8; [[ -n $REPLY ]] && expect_group_size "edu" "$REPLY" 1

# --- SR-IOV -------------------------------------------------------------------------------------
total=""
[[ -n $nvme && -r $SYS_PCI/devices/$nvme/sriov_totalvfs ]] && read -r total <"$SYS_PCI/devices/$nvme/sriov_totalvfs"
check "NVMe PF offers 4 VFs (sriov_totalvfs)" test "$total" = 4
numvfs=""
[[ -n $nvme ]] && read -r numvfs <"$SYS_PCI/devices/$nvme/sriov_numvfs"
check "no VFs exist at boot" test "$numvfs" = 0

# --- tools the other suites use ----------------------------------------------------------------
check "lspci runs" lspci -s 00:00.0
check "python3 runs" "$PY" -c 'import json'
finish
