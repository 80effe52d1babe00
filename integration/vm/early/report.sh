#!/bin/sh
# init-premount script of the early-binding test image (integration/vm/early-boot.sh): runs in a real
# Debian initramfs after its udev has processed every device's add event, prints what the test
# checks on the serial console, then powers the VM off. klibc's sh and tools only (no busybox).
PREREQ=""
prereqs() { echo "$PREREQ"; }
case "$1" in
prereqs) prereqs; exit 0 ;;
esac

# init-top's udev hook triggered and settled; settle again for modules loaded since.
udevadm settle --timeout=30 2>/dev/null || true
echo "early-report: begin"
for dir in /sys/bus/pci/devices/*; do
    address=${dir##*/}
    driver=-
    if [ -e "$dir/driver" ]; then
        link=$(readlink "$dir/driver")
        driver=${link##*/}
    fi
    read -r vendor < "$dir/vendor"
    read -r device < "$dir/device"
    override=-
    [ -e "$dir/driver_override" ] && read -r override < "$dir/driver_override"
    group=-
    if [ -e "$dir/iommu_group" ]; then
        link=$(readlink "$dir/iommu_group")
        group=${link##*/}
    fi
    node=no
    [ "$group" != - ] && [ -e "/dev/vfio/$group" ] && node=yes
    net=$(ls "$dir/net" 2>/dev/null)
    nvme=$(ls "$dir/nvme" 2>/dev/null)
    echo "early-report: device $address ids=$vendor:$device driver=$driver override=$override group=$group vfio_node=$node net=${net:-none} nvme=${nvme:-none}"
done
echo "early-report: rules" /usr/lib/udev/rules.d/*vfioctl*
echo "early-report: kernel log begin"
dmesg
echo "early-report: kernel log end"
echo "early-report: end"
sync
echo o > /proc/sysrq-trigger
sleep 30
