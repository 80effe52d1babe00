#!/bin/bash
# Boot the test VM (QEMU, Debian's kernel, the host's / as the guest's root), run ONE command
# in it as root, and exit with that command's exit status.
#
# Usage: scripts/vm/run.sh [--kernel K] [--kvm] [--bench] [--second-nvme] [--rp1-device MODEL] [--plugin SO] [--timeout SECONDS] [--keep] -- COMMAND [ARGS...]
#        scripts/vm/run.sh [OPTIONS] --initrd IMAGE
#   --kernel K     the guest kernel: 6.1 (default, Debian 12), 6.12 (Debian 13), newest
#                  (trixie-backports) or a full release; see scripts/vm/kernel.sh
#   --kvm          use KVM instead of TCG. Off by default: the /dev/kvm of some CI machines
#                  only runs specially built guests and hangs a stock kernel.
#   --bench        add a second NVMe controller with 32 SR-IOV VFs (for scaling benchmarks)
#   --second-nvme  add an NVMe controller identical to the first (same ids, no VFs) on its own
#                  root port (rp6, bus 7): for the early-binding test (integration/vm/early-boot.sh)
#   --rp1-device MODEL  the QEMU device model on rp1 instead of e1000e (another card in that slot)
#   --initrd IMAGE boot IMAGE (e.g. a Debian initramfs made by mkinitramfs) instead of the harness's
#                  initramfs, with no root filesystem (root=/dev/nonexistent) and no COMMAND: the
#                  image reports on the serial console and powers off. The serial log is printed
#                  on stdout; exit status 0 when the guest powered off by itself, 124 on timeout.
#   --plugin SO    load the TCG plugin SO with out=<I/O dir>/plugin.log: what it writes there the
#                  guest reads at /run/vmio/plugin.log (scripts/bench/insn-count.c)
#   --timeout S    kill the VM after S seconds (default 900); exit status 124
#   --keep         keep the run's temp dir (serial log, I/O share) and print its path
# COMMAND runs in the guest with cwd = the repository, PATH sane, VFIOCTL_IN_VM=1,
# VFIOCTL_REPO=<repo>, VFIOCTL_VM_9P_DEVICES="<BDFs of the 9p shares: never unbind them>".
# Its stdout/stderr stream to ours. If the guest never reports a status (timeout, panic,
# QEMU failure), the tail of the serial log is printed and the exit status is 124.
# Each run has its own temp dir, so several VMs may run at once (~330 MB RSS each).
# Environment: VM_KERNEL_ARGS is appended to the guest kernel command line
# (e.g. VM_KERNEL_ARGS=vfio_pci.disable_idle_d3=1).
# QEMU options are comma-separated by design; cleanup is reached through the trap.
# shellcheck disable=SC2054,SC2317
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
KVM=0 BENCH=0 TIMEOUT=900 KEEP=0 PLUGIN= KERNEL=6.1 SECOND_NVME=0 RP1_DEVICE=e1000e BOOT_IMAGE=

usage() {  # usage EXIT_STATUS: the header comment from "Usage:" on; stdout for --help
    local text
    text=$(sed -n '/^# Usage:/,/^[^#]/s/^# \{0,1\}//p' "${BASH_SOURCE[0]}")
    if (($1)); then echo "$text" >&2; else echo "$text"; fi
    exit "$1"
}
while (($#)); do
    case $1 in
        --kernel) KERNEL=${2:?--kernel needs a value}; shift ;;
        --kvm) KVM=1 ;;
        --bench) BENCH=1 ;;
        --second-nvme) SECOND_NVME=1 ;;
        --rp1-device) RP1_DEVICE=${2:?--rp1-device needs a QEMU device model}; shift ;;
        --initrd) BOOT_IMAGE=$(realpath -- "${2:?--initrd needs an image}"); shift ;;
        --plugin) PLUGIN=$(realpath -- "${2:?--plugin needs a path}"); shift ;;
        --timeout) TIMEOUT=${2:?--timeout needs a value}; shift ;;
        --keep) KEEP=1 ;;
        --) shift; break ;;
        -h|--help) usage 0 ;;
        *) echo "run.sh: unknown option $1" >&2; usage 2 ;;
    esac
    shift
done
if [[ -n $BOOT_IMAGE ]]; then
    (($# == 0)) || { echo "run.sh: --initrd takes no COMMAND" >&2; usage 2; }
    [[ -r $BOOT_IMAGE ]] || { echo "run.sh: cannot read $BOOT_IMAGE" >&2; exit 2; }
else
    (($#)) || usage 2
fi
[[ $RP1_DEVICE =~ ^[a-z0-9-]+$ ]] || { echo "run.sh: bad --rp1-device $RP1_DEVICE" >&2; exit 2; }
[[ $TIMEOUT =~ ^[0-9]+$ ]] || { echo "run.sh: bad --timeout $TIMEOUT" >&2; exit 2; }

# GUESTVER VMLINUX INITRAMFS BUILD_VM MODULES_ROOT KERNEL_ORIGIN
vars=$("$HERE/setup.sh" --kernel "$KERNEL" --print-env)
eval "$vars"
echo "vm: kernel $GUESTVER ($KERNEL_ORIGIN)" >&2
# A fetched kernel's modules live in the cache; the guest's /init overlays them on /lib/modules.
MODULES_ARG=""
[[ $MODULES_ROOT == / ]] || MODULES_ARG="vmtest.modules=$MODULES_ROOT/lib/modules/$GUESTVER"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/vfioctl-vm.XXXXXX")
QPID="" SPID="" T1="" T2=""
cleanup() {
    # Only what this run started, by PID.
    local p
    for p in $QPID $SPID $T1 $T2; do kill "$p" 2>/dev/null || true; done
    if ((KEEP)); then echo "vm: kept $TMP" >&2; else rm -rf "$TMP"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

IO=$TMP/io
mkdir "$IO"
printf '%s\0' "$@" >"$IO/argv"
: >"$IO/stdout"
: >"$IO/stderr"

if ((KVM)); then
    # intremap=on under KVM needs the split irqchip.
    ACCEL=(-machine q35,accel=kvm,kernel-irqchip=split -cpu host)
else
    ACCEL=(-machine q35,accel=tcg -cpu max)
fi
if [[ -n $PLUGIN ]]; then
    ((KVM == 0)) || { echo "run.sh: --plugin needs TCG, not --kvm" >&2; exit 2; }
    [[ -r $PLUGIN ]] || { echo "run.sh: no plugin at $PLUGIN" >&2; exit 2; }
    : >"$IO/plugin.log"
    ACCEL+=(-plugin "$PLUGIN,out=$IO/plugin.log")
fi

# The device set: one IOMMU group per root port,
# a 3-member group behind a pcie-pci-bridge, a 2-function multifunction slot, SR-IOV NVMe,
# and a device with no Linux driver (edu). romfile= skips option ROMs nobody needs.
DEVICES=(
    -device intel-iommu,intremap=on             # must precede the PCI devices
    -device pcie-root-port,id=rp1,bus=pcie.0,chassis=1,addr=0x2.0,multifunction=on
    -device pcie-root-port,id=rp2,bus=pcie.0,chassis=2,addr=0x2.1
    -device pcie-root-port,id=rp3,bus=pcie.0,chassis=3,addr=0x2.2
    -device pcie-root-port,id=rp4,bus=pcie.0,chassis=4,addr=0x2.3
    -device pcie-root-port,id=rp5,bus=pcie.0,chassis=5,addr=0x2.4
    -device "$RP1_DEVICE",bus=rp1,addr=0.0,romfile=
    -device virtio-net-pci,bus=rp2,addr=0.0,romfile=
    -device nvme-subsys,id=ns0,nqn=vfioctl-test
    -device nvme,id=nvme0,bus=rp3,addr=0.0,serial=test0,subsys=ns0,sriov_max_vfs=4,sriov_vq_flexible=8,sriov_vi_flexible=4,max_ioqpairs=10,msix_qsize=5
    -device pcie-pci-bridge,id=br1,bus=rp4,addr=0.0
    -device e1000,bus=br1,addr=1.0,romfile=
    -device rtl8139,bus=br1,addr=2.0,romfile=
    -device virtio-net-pci,bus=rp5,addr=0.0,multifunction=on,romfile=
    -device virtio-rng-pci,bus=rp5,addr=0.1
    -device edu,bus=pcie.0,addr=0x5
)
if ((BENCH)); then
    DEVICES+=(
        -device pcie-root-port,id=rp6,bus=pcie.0,chassis=6,addr=0x2.5
        -device nvme-subsys,id=ns1,nqn=bench
        -device nvme,id=nvme1,bus=rp6,addr=0.0,serial=bench1,subsys=ns1,sriov_max_vfs=32,sriov_vq_flexible=64,sriov_vi_flexible=32,max_ioqpairs=66,msix_qsize=33
    )
fi

if ((SECOND_NVME)); then
    DEVICES+=(
        -device pcie-root-port,id=rp6,bus=pcie.0,chassis=6,addr=0x2.5
        -device nvme-subsys,id=ns2,nqn=vfioctl-test-2
        -device nvme,id=nvme2,bus=rp6,addr=0.0,serial=test1,subsys=ns2
    )
fi

# Two 9p shares: the host's / (read-only root) and this run's I/O dir (read-write).
SHARES=(
    -fsdev local,id=fsroot,path=/,readonly=on,security_model=passthrough,multidevs=remap
    -device virtio-9p-pci,fsdev=fsroot,mount_tag=hostroot,bus=pcie.0,addr=0x3
    -fsdev local,id=fsio,path="$IO",security_model=none
    -device virtio-9p-pci,fsdev=fsio,mount_tag=vmio,bus=pcie.0,addr=0x4
)

# no_timer_check: the kernel's boot-time test of the IO-APIC timer gives a TCG guest a few
# milliseconds of host time; on a loaded host that fails and Debian 13's kernels then panic
# ("timer doesn't work through Interrupt-remapped IO-APIC"). The emulated timer is fine.
# An image of its own boots without a root filesystem (and without the harness's runner): it
# reports on the serial console and powers off; ignore_loglevel puts every probe message there.
if [[ -n $BOOT_IMAGE ]]; then
    IMAGE=$BOOT_IMAGE
    APPEND="console=ttyS0 panic=-1 intel_iommu=on iommu=pt no_timer_check ignore_loglevel root=/dev/nonexistent rootdelay=1 ${VM_KERNEL_ARGS:-}"
    SHARES=()
    # A --bench or --second-nvme controller shares rp6/bus 7 with nothing else; the 9p slots stay empty.
else
    IMAGE=$INITRAMFS
    APPEND="console=ttyS0 panic=-1 intel_iommu=on iommu=pt no_timer_check vmtest.runner=$HERE/guest-runner.sh $MODULES_ARG ${VM_KERNEL_ARGS:-}"
fi
start=$EPOCHREALTIME
qemu-system-x86_64 "${ACCEL[@]}" -m 1G -smp 1 \
    -nodefaults -no-reboot -display none \
    -serial "file:$TMP/serial.log" \
    -kernel "$VMLINUX" -initrd "$IMAGE" \
    -append "$APPEND" \
    "${SHARES[@]}" "${DEVICES[@]}" \
    </dev/null >"$TMP/qemu.log" 2>&1 &
QPID=$!

# Stream the guest command's output while it runs (tail follows until QEMU exits).
tail -n +1 -s 0.2 -f --pid="$QPID" "$IO/stdout" & T1=$!
tail -n +1 -s 0.2 -f --pid="$QPID" "$IO/stderr" >&2 & T2=$!

sleep "$TIMEOUT" & SPID=$!
finished=""
wait -n -p finished "$QPID" "$SPID" || true
timed_out=0
if [[ $finished == "$SPID" ]]; then
    timed_out=1
    kill "$QPID" 2>/dev/null || true
else
    kill "$SPID" 2>/dev/null || true
fi
wait "$QPID" 2>/dev/null || true
wait "$T1" "$T2" 2>/dev/null || true
QPID="" SPID="" T1="" T2=""
end=$EPOCHREALTIME

if [[ -n $BOOT_IMAGE ]]; then
    cat "$TMP/serial.log"
    if ((timed_out)); then
        echo "vm: timed out after ${TIMEOUT} s" >&2
        exit 124
    fi
    awk -v s="$start" -v e="$end" 'BEGIN { printf "vm: image boot %.1f s\n", e - s }' >&2
    exit 0
fi

if [[ -f $IO/started ]]; then
    awk -v s="$start" -v b="$(stat -c %.6Y "$IO/started")" -v e="$end" \
        'BEGIN { printf "vm: boot-to-command %.1f s, command %.1f s, total %.1f s\n", b - s, e - b, e - s }' >&2
fi

if [[ -f $IO/status ]]; then
    exit "$(<"$IO/status")"
fi
if ((timed_out)); then
    echo "vm: timed out after ${TIMEOUT} s; last lines of the serial console:" >&2
else
    echo "vm: the guest stopped without reporting a status; last lines of the serial console:" >&2
fi
tail -n 40 "$TMP/serial.log" >&2 || true
if grep -qv "has no peer" "$TMP/qemu.log"; then   # (NICs without a backend: expected)
    echo "vm: QEMU said:" >&2
    grep -v "has no peer" "$TMP/qemu.log" | tail -n 20 >&2 || true
fi
exit 124
