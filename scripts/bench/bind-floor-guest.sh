#!/bin/bash
# Run INSIDE the bench VM (scripts/bench/bind-floor-vm.sh boots it): per-VF cost of the bash
# loop, of bind-floor.c's bare writes and of its checked bind (the reads vfioctl must make), and
# of vfioctl itself, in one boot, interleaved, ASLR off. Prints each method's per-VF cost from
# the paired differences (32-VF run - 8-VF run of the same round) / 24: median over the rounds.
#
# Usage (in the guest): FLOOR=PATH VFIOCTL=PATH scripts/bench/bind-floor-guest.sh [--runs N]
set -uo pipefail

RUNS=15
while (($#)); do
    case $1 in
        --runs) RUNS=${2:?}; shift ;;
        *) echo "bind-floor-guest: unknown argument $1" >&2; exit 2 ;;
    esac
    shift
done
[[ ${VFIOCTL_IN_VM:-} == 1 ]] || { echo "bind-floor-guest: run it in the VM (scripts/bench/bind-floor-vm.sh)" >&2; exit 1; }
FLOOR=${FLOOR:?} VFIOCTL=${VFIOCTL:?}
SYS=/sys/bus/pci
export VFIOCTL_STATE_DIR=/tmp/bind-floor-state
die() { echo "bind-floor-guest: $*" >&2; exit 1; }

# shellcheck source=scripts/bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_guest_ready 32
bench_aslr_off

VFS=()
make_vfs() { bench_make_vfs "$1" || die "cannot set up $1 VFs"; }
unbind_all() {
    local vf
    for vf in "${VFS[@]}"; do
        echo "$vf" >"$SYS/drivers/vfio-pci/unbind"
        echo >"$SYS/devices/$vf/driver_override"
    done
}
loop() {
    local vf t0=${EPOCHREALTIME/./}
    for vf in "${VFS[@]}"; do
        echo vfio-pci >"$SYS/devices/$vf/driver_override"
        echo "$vf" >"$SYS/drivers/vfio-pci/bind"
    done
    echo $((${EPOCHREALTIME/./} - t0))
}
timed() {
    local t0=${EPOCHREALTIME/./}
    "$@" >/dev/null || die "$* failed"
    echo $((${EPOCHREALTIME/./} - t0))
}

declare -A samples
make_vfs 8
timed "$VFIOCTL" bind "${VFS[@]}" --driver vfio-pci >/dev/null
"$VFIOCTL" unbind "${VFS[@]}" >/dev/null || die "unbind failed"
for ((run = 1; run <= RUNS; run++)); do
    for n in 8 32; do
        make_vfs "$n"
        samples[loop/$n]+=" $(loop)"; unbind_all
        samples[writes/$n]+=" $("$FLOOR" writes "${VFS[@]}")"; unbind_all
        samples[checked/$n]+=" $("$FLOOR" checked "${VFS[@]}")"; unbind_all
        samples[vfioctl/$n]+=" $(timed "$VFIOCTL" bind "${VFS[@]}" --driver vfio-pci)"
        "$VFIOCTL" unbind "${VFS[@]}" >/dev/null || die "unbind failed"
    done
    echo "# round $run of $RUNS done" >&2
done
echo 0 >"$PFD/sriov_numvfs"
echo 1 >"$PFD/sriov_drivers_autoprobe"

echo "| method | per VF, ms (median of $RUNS paired rounds) | x loop |"
echo "|---|---:|---:|"
for method in loop writes checked vfioctl; do
    read -ra eight <<<"${samples[$method/8]}"
    read -ra thirtytwo <<<"${samples[$method/32]}"
    for ((i = 0; i < RUNS; i++)); do echo $(((thirtytwo[i] - eight[i]) / 24)); done | sort -n \
        | awk -v m="$method" '{ v[NR] = $1 } END { printf "%s %.3f\n", m, (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) / 1000 }'
done | awk '{ per[$1] = $2; order[NR] = $1 }
    END {
        names["loop"] = "bash loop, builtin echo (override + bind)"
        names["writes"] = "bind-floor.c writes: the same two writes, no checks"
        names["checked"] = "bind-floor.c checked: the writes plus every read vfioctl needs"
        names["vfioctl"] = "vfioctl bind --driver vfio-pci (one call)"
        for (i = 1; i <= NR; i++) printf "| %s | %.2f | %.2fx |\n", names[order[i]], per[order[i]], per[order[i]] / per["loop"]
    }'
echo "# floor: done"
