#!/bin/bash
# Run INSIDE the bench VM (scripts/bench/bind-insn-vm.sh boots it with the insn-count.c plugin):
# how many instructions the whole guest, kernel and user, executes to bind N SR-IOV VFs to
# vfio-pci and to unbind them, with ONE vfioctl call and with bind-guest.sh's bash loop of
# builtin echos, at 8 and 32 VFs, in RUNS rounds; with FLOOR set, also bind-floor.c's bare writes
# and its checked bind (the writes plus the reads vfioctl needs, in plain C); with OPS set, also
# sysfs-op-insn.c's count of each kind of system call the per-VF bind makes. Per VF = the median
# over the rounds of (32-VF count - 8-VF count) / 24, split into user and kernel instructions;
# fixed = the 8-VF median - 8 x per VF.
#
# Wall time in a TCG guest moves with the host's speed, so there a ~0.2 ms per-VF difference hides
# under the noise of a ~200 ms call; an instruction count does not move with the host. It weighs
# every guest instruction alike: device emulation in QEMU (the same for both methods, as they
# make the same writes) is not in it, so a ratio of counts overstates the ratio of times.
# Every method binds VFs created for it (see the loop below); the methods still take turns going
# first. ASLR is off, as in bind-guest.sh.
#
# Usage (in the guest): MARK=PATH VFIOCTL=PATH [FLOOR=PATH] [OPS=PATH] scripts/bench/bind-insn-guest.sh [--runs N]
set -uo pipefail

RUNS=5 SETTLE=0
while (($#)); do
    case $1 in
        --runs) RUNS=${2:?}; shift ;;
        --settle) SETTLE=${2:?}; shift ;;
        *) echo "bind-insn-guest: unknown argument $1" >&2; exit 2 ;;
    esac
    shift
done
[[ ${VFIOCTL_IN_VM:-} == 1 ]] || { echo "bind-insn-guest: run it in the VM (scripts/bench/bind-insn-vm.sh)" >&2; exit 1; }
MARK=${MARK:?} VFIOCTL=${VFIOCTL:?} FLOOR=${FLOOR:-} OPS=${OPS:-}
METHODS="loop vfioctl${FLOOR:+ writes checked}"
COUNTS=/run/vmio/plugin.log
[[ -f $COUNTS ]] || { echo "bind-insn-guest: no $COUNTS (boot with scripts/vm/run.sh --plugin insn-count.so)" >&2; exit 1; }
SYS=/sys/bus/pci
export VFIOCTL_STATE_DIR=/tmp/bind-insn-state
die() { echo "bind-insn-guest: $*" >&2; exit 1; }

# shellcheck source=scripts/bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_guest_ready 32
bench_aslr_off

VFS=()
loop_bind() {
    local vf
    for vf in "${VFS[@]}"; do
        echo vfio-pci >"$SYS/devices/$vf/driver_override"
        echo "$vf" >"$SYS/drivers/vfio-pci/bind"
    done
}
loop_unbind() {
    local vf
    for vf in "${VFS[@]}"; do
        echo "$vf" >"$SYS/drivers/vfio-pci/unbind"
        echo >"$SYS/devices/$vf/driver_override"
    done
}
vfioctl_bind() { "$VFIOCTL" bind "${VFS[@]}" --driver vfio-pci; }
vfioctl_unbind() { "$VFIOCTL" unbind "${VFS[@]}"; }
writes_bind() { "$FLOOR" writes "${VFS[@]}"; }
checked_bind() { "$FLOOR" checked "${VFS[@]}"; }

declare -A samples   # [method/phase/n] = " count count ...", [method/phase_kernel/n] likewise
declare -a op_start op_kstart   # sysfs-op-insn.c: each kind's counts at its opening marker
counted() {  # counted METHOD PHASE EXPECTED_DRIVER: count METHOD_PHASE between two markers
    local method=$1 phase=$2 lines start end kstart kend
    "$MARK" start
    "${method}_$phase" >/dev/null 2>/tmp/bind-insn-err
    local rc=$?
    [[ $SETTLE == 0 ]] || sleep "$SETTLE"
    "$MARK" end
    ((rc == 0)) || die "$method $phase of ${#VFS[@]} VFs failed: $(head -c 300 /tmp/bind-insn-err)"
    bench_all_on "$3" >/dev/null || die "$method $phase: $(bench_all_on "$3")"
    mapfile -t lines < <(tail -n 2 "$COUNTS")
    [[ ${lines[0]} == "1 "* && ${lines[1]} == "2 "* ]] || die "markers out of step: ${lines[*]}"
    read -r _ start kstart <<<"${lines[0]}"
    read -r _ end kend <<<"${lines[1]}"
    samples[$method/$phase/${#VFS[@]}]+=" $((end - start))"
    samples[$method/${phase}_kernel/${#VFS[@]}]+=" $((kend - kstart))"
}

# One uncounted bind and unbind: the binary's pages come over 9p once per boot.
bench_make_vfs 8 || die "cannot set up 8 VFs"
vfioctl_bind >/dev/null && vfioctl_unbind >/dev/null || die "the warm-up bind failed"
for ((run = 1; run <= RUNS; run++)); do
    order=$METHODS
    # shellcheck disable=SC2086 # a list of words
    ((run % 2 == 0)) && order=$(printf '%s\n' $METHODS | tac | tr '\n' ' ')
    for n in 8 32; do
        for method in $order; do
            # New VFs for every method: the first lookup of each sysfs name of a new VF makes its
            # dentry and inode, and a method that ran on VFs another had looked at first would
            # not pay for them (a real bind of new VFs does).
            bench_make_vfs "$n" fresh || die "cannot set up $n VFs"
            counted "$method" bind vfio-pci
            case $method in
                loop|vfioctl) counted "$method" unbind "" ;;
                *) loop_unbind; bench_all_on "" >/dev/null || die "could not unbind after $method" ;;
            esac
        done
    done
    echo "# round $run of $RUNS done" >&2
done
# With OPS (sysfs-op-insn.c): each kind of system call the per-VF bind makes, counted alone for
# every VF at 8 and 32 VFs in the same rounds, per VF = the median of (32-VF - 8-VF) / 24.
if [[ -n $OPS ]]; then
    for ((run = 1; run <= RUNS; run++)); do
        for n in 8 32; do
            bench_make_vfs "$n" || die "cannot set up $n VFs"
            before=$(wc -l <"$COUNTS")
            "$OPS" "${VFS[@]}" >/tmp/bind-insn-ops-names || die "sysfs-op-insn failed on $n VFs"
            bench_all_on "" >/dev/null || die "sysfs-op-insn left a VF bound: $(bench_all_on "")"
            # Tag 10 + K opens kind K, 100 + K closes it: into samples[op/K/n] like a method's.
            while read -r tag count kernel; do
                if ((tag >= 100)); then
                    samples[op/$((tag - 100))/$n]+=" $((count - op_start[tag - 100]))"
                    samples[op/$((tag - 100))_kernel/$n]+=" $((kernel - op_kstart[tag - 100]))"
                elif ((tag >= 10)); then
                    op_start[tag - 10]=$count op_kstart[tag - 10]=$kernel
                fi
            done < <(tail -n +$((before + 1)) "$COUNTS")
        done
    done
fi
echo 0 >"$PFD/sriov_numvfs"
echo 1 >"$PFD/sriov_drivers_autoprobe"

for key in "${!samples[@]}"; do echo "$key${samples[$key]}"; done | sort >/tmp/bind-insn-samples
sed 's/^/# samples: /' /tmp/bind-insn-samples
awk -v runs="$RUNS" -v methods="$METHODS" -v opnames="${OPS:+/tmp/bind-insn-ops-names}" '
function median(list,   n, v, i, j, x) {
    n = split(list, v, " ")
    for (i = 2; i <= n; i++) { x = v[i]; for (j = i - 1; j >= 1 && v[j] > x; j--) v[j + 1] = v[j]; v[j + 1] = x }
    return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
}
function per_vf(key,   n, i, eight, big, list) {  # the median over rounds of (32 - 8) / 24
    n = split(s[key "/8"], eight, " "); split(s[key "/32"], big, " ")
    list = ""; for (i = 1; i <= n; i++) list = list " " (big[i] - eight[i]) / 24
    spread = list
    return median(list)
}
{ name = $1; $1 = ""; s[name] = $0 }
END {
    names["loop"] = "bash loop, builtin echo"; names["vfioctl"] = "vfioctl (one call)"
    names["writes"] = "bind-floor.c: the two writes"; names["checked"] = "bind-floor.c: writes + the reads vfioctl needs"
    printf "| method | phase | per VF, all (range of %d rounds) | x loop | x loop, round by round (range) | per VF, user | per VF, kernel | fixed, millions |\n", runs
    printf "|---|---|---:|---:|---:|---:|---:|---:|\n"
    nm = split(methods, ms, " ")
    for (p = 1; p <= 2; p++) for (m = 1; m <= nm; m++) {
        method = ms[m]; phase = p == 1 ? "bind" : "unbind"; key = method "/" phase
        if (!((key "/8") in s)) continue
        all = per_vf(key); n = split(spread, d, " "); lo = 1e18; hi = 0
        for (i = 1; i <= n; i++) { if (d[i] < lo) lo = d[i]; if (d[i] > hi) hi = d[i] }
        kernel = per_vf(key "_kernel")
        loop = per_vf("loop/" phase); split(spread, l, " ")
        # Each round against the loop of that same round: the median and range of those ratios.
        ratios = ""; rlo = 1e18; rhi = 0
        for (i = 1; i <= n; i++) { r = d[i] / l[i]; ratios = ratios " " r; if (r < rlo) rlo = r; if (r > rhi) rhi = r }
        printf "| %s | %s | %.0fk (%.0fk-%.0fk) | %.2fx | %.2fx (%.2f-%.2f) | %.0fk | %.0fk | %.1f |\n", names[method], phase, all / 1000, lo / 1000, hi / 1000,
            all / loop, median(ratios), rlo, rhi, (all - kernel) / 1000, kernel / 1000, (median(s[key "/8"]) - 8 * all) / 1e6
    }
    if (opnames == "") exit
    printf "\n| system call, once per VF | per VF, all | per VF, kernel |\n|---|---:|---:|\n"
    while ((getline line < opnames) > 0) {  # "K what kind K is"
        k = line; sub(/ .*/, "", k); sub(/^[^ ]* /, "", line)
        printf "| %s | %.1fk | %.1fk |\n", line, per_vf("op/" k) / 1000, per_vf("op/" k "_kernel") / 1000
    }
}' /tmp/bind-insn-samples
echo "# insn: done"
