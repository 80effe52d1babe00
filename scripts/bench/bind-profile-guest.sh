#!/bin/bash
# Run INSIDE the bench VM (scripts/bench/bind-profile-vm.sh boots it): what binding one more VF
# costs vfioctl, exactly, where wall time in TCG is too noisy to say. Binds 8 and then 32 unbound
# VFs with one `vfioctl bind VF... --driver vfio-pci` under valgrind's callgrind (user-space
# instructions, exact) and under `strace -c` (system calls), and prints per VF = (32-VF run -
# 8-VF run) / 24: instruction totals, the functions that grow with the VF count, system calls by
# name. With --phase unbind, the same for `vfioctl unbind VF...` of VFs it bound.
#
# Usage (in the guest): VFIOCTL=PATH scripts/bench/bind-profile-guest.sh [--top N] [--phase bind|unbind]
#   VFIOCTL  a vfioctl without DWARF debug info (valgrind 3.19 cannot read Swift's DWARF 5;
#            bind-profile-vm.sh strips a copy)
set -uo pipefail

TOP=25 PHASE=bind
while (($#)); do
    case $1 in
        --top) TOP=${2:?}; shift ;;
        --phase) PHASE=${2:?}; shift ;;
        *) echo "bind-profile-guest: unknown argument $1" >&2; exit 2 ;;
    esac
    shift
done
[[ ${VFIOCTL_IN_VM:-} == 1 ]] || { echo "bind-profile-guest: run it in the VM (scripts/bench/bind-profile-vm.sh)" >&2; exit 1; }
VFIOCTL=${VFIOCTL:?set VFIOCTL to the binary to profile}
for tool in valgrind callgrind_annotate strace; do
    command -v "$tool" >/dev/null || { echo "bind-profile-guest: $tool is missing (bind-profile-vm.sh installs it)" >&2; exit 1; }
done

WORK=/tmp/bind-profile
mkdir -p "$WORK"
export VFIOCTL_STATE_DIR=$WORK/state
die() { echo "bind-profile-guest: $*" >&2; exit 1; }

# shellcheck source=scripts/bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_guest_ready 32

VFS=()
make_vfs() { bench_make_vfs "$1" || die "cannot set up $1 VFs"; }

bind() { "$VFIOCTL" bind "${VFS[@]}" --driver vfio-pci; }
unbind() { "$VFIOCTL" unbind "${VFS[@]}"; }
case $PHASE in
    bind) before=true after=unbind args=(--driver vfio-pci) ;;
    unbind) before=bind after=true args=() ;;
    *) die "--phase is bind or unbind, not $PHASE" ;;
esac
for n in 8 32; do
    make_vfs "$n"
    $before >/dev/null 2>&1 || die "$before of $n VFs failed"
    valgrind --tool=callgrind --callgrind-out-file="$WORK/cg$n.out" "$VFIOCTL" "$PHASE" "${VFS[@]}" "${args[@]}" \
        >"$WORK/$PHASE$n.txt" 2>"$WORK/valgrind$n.txt" \
        || die "$PHASE of $n VFs under callgrind failed: $(tail -3 "$WORK/valgrind$n.txt")"
    $after >/dev/null 2>&1 || die "$after of $n VFs failed"
    $before >/dev/null 2>&1 || die "$before of $n VFs failed"
    strace -f -c -o "$WORK/strace$n.txt" "$VFIOCTL" "$PHASE" "${VFS[@]}" "${args[@]}" \
        >/dev/null 2>&1 || die "$PHASE of $n VFs under strace failed"
    $after >/dev/null 2>&1 || die "$after of $n VFs failed"
    # Function -> inclusive instructions ("1,234 (5.6%)  file:function [object]").
    callgrind_annotate --inclusive=yes --threshold=100 "$WORK/cg$n.out" 2>/dev/null \
        | sed -E 's/\([ 0-9.]+%\)//' \
        | awk '/^-+$/ { dashes++ } dashes >= 2 && $1 ~ /^[0-9,]+$/ { n = $1; gsub(",", "", n); $1 = ""; sub(/^ +/, ""); print n "\t" $0 }' \
        >"$WORK/inclusive$n.txt"
    awk 'NR > 2 && $NF != "total" && $4 ~ /^[0-9]+$/ { print $NF "\t" $4 }' "$WORK/strace$n.txt" >"$WORK/syscalls$n.txt"
done
echo 0 >"$PFD/sriov_numvfs"
echo 1 >"$PFD/sriov_drivers_autoprobe"

per_vf() {  # per_vf FILE8 FILE32 MIN: "count<TAB>key" files -> per-VF differences >= MIN, largest first
    awk -F'\t' -v min="$3" 'FNR == 1 { f++ } { if (f == 1) a[$2] = $1; else b[$2] = $1 }
        END { for (k in b) { d = (b[k] - a[k]) / 24; if (d >= min) printf "%10.1f  %s\n", d, substr(k, 1, 140) } }' \
        "$1" "$2" | sort -nr
}
echo "## Per VF: (32-VF $PHASE - 8-VF $PHASE) / 24"
echo
echo "### User-space instructions (callgrind, inclusive), top $TOP"
per_vf "$WORK/inclusive8.txt" "$WORK/inclusive32.txt" 1000 | head -"$TOP"
echo
echo "### System calls (strace -c)"
per_vf <(awk -F'\t' '{ print $2 "\t" $1 }' "$WORK/syscalls8.txt") <(awk -F'\t' '{ print $2 "\t" $1 }' "$WORK/syscalls32.txt") 0.05
awk -F'\t' 'FNR == 1 { f++ } { if (f == 1) a += $2; else b += $2 } END { printf "%10.1f  total\n", (b - a) / 24 }' \
    "$WORK/syscalls8.txt" "$WORK/syscalls32.txt"
echo "# profile: done"
