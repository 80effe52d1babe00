#!/bin/bash
# Run INSIDE the bench VM with the insn-count plugin (scripts/bench/bind-insn-vm.sh --hotplug): the
# guest instructions, user and kernel, of the one-VF commands of the hot-plug path: one
# `driverctl --nosave set-override VF vfio-pci`, one `vfioctl bind VF --driver vfio-pci`, one
# `vfioctl apply STATE --device VF` (the udev rule's command line; STATE is a PF with 4 VFs and a
# `vfs_of` entry) and one `vfioctl plan VF`. Each call starts from an unbound VF with a clear
# override; one untimed round first (the binary's pages come over 9p once per boot).
#
# Usage (in the guest): MARK=PATH VFIOCTL=PATH scripts/bench/hotplug-insn-guest.sh [--runs N]
set -uo pipefail
RUNS=3
[[ ${1:-} == --runs ]] && RUNS=${2:?}
die() { echo "hotplug-insn-guest: $*" >&2; exit 1; }
[[ ${VFIOCTL_IN_VM:-} == 1 ]] || die "run it in the VM (scripts/bench/bind-insn-vm.sh --hotplug)"
MARK=${MARK:?} VFIOCTL=${VFIOCTL:?}
COUNTS=/run/vmio/plugin.log
# shellcheck source=scripts/bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_guest_ready 4
bench_make_vfs 4 || die "cannot set up 4 VFs"
read -r PF_VENDOR <"$PFD/vendor"
read -r PF_DEVICE <"$PFD/device"
STATE=/tmp/hotplug-insn-state.toml
printf '%s\n' '[[device]]' "address = \"$PF\"" "vendor = \"${PF_VENDOR#0x}\"" "device = \"${PF_DEVICE#0x}\"" \
    'state = "host"' "vfs = 4" '' '[[device]]' "vfs_of = \"$PF\"" 'state = "vfio"' >"$STATE"
VF=${VFS[0]}
export VFIOCTL_STATE_DIR=/tmp/hotplug-insn-state
reset() {
    "$VFIOCTL" unbind "$VF" >/dev/null 2>&1
    bench_driver_of "$VF"
    [[ -n $REPLY ]] && echo "$VF" >"/sys/bus/pci/drivers/$REPLY/unbind"
    echo >"/sys/bus/pci/devices/$VF/driver_override"
}
run() {
    case $1 in
        driverctl) driverctl --nosave set-override "$VF" vfio-pci ;;
        bind) "$VFIOCTL" bind "$VF" --driver vfio-pci ;;
        apply) SEQNUM=1 DEVPATH="/devices/pci/$VF" "$VFIOCTL" apply "$STATE" --device "$VF" --lock-timeout 30 ;;
        plan) "$VFIOCTL" plan "$VF" ;;
    esac
}
METHODS="driverctl bind apply plan"
for method in $METHODS; do reset; run "$method" >/dev/null 2>&1; done
echo "| command | run | user | kernel | all |"
echo "|---|---:|---:|---:|---:|"
for ((r = 1; r <= RUNS; r++)); do
    for method in $METHODS; do
        reset
        "$MARK" start
        run "$method" >/dev/null 2>/tmp/hotplug-insn-err
        rc=$?
        "$MARK" end
        ((rc == 0)) || die "$method failed: $(head -c 300 /tmp/hotplug-insn-err)"
        mapfile -t lines < <(tail -n 2 "$COUNTS")
        read -r _ start kstart <<<"${lines[0]}"
        read -r _ end kend <<<"${lines[1]}"
        all=$((end - start)) kernel=$((kend - kstart))
        echo "| $method | $r | $((all - kernel)) | $kernel | $all |"
    done
done
reset
echo "# hotplug-insn: done"
